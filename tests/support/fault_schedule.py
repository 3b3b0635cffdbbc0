"""The lab's clustered-fault schedule, offline: the playout as it ships, judged as the lab test judges it.

Used by tests/media/test_fault_schedule.py and benchmarks/fault_schedule.py.

tests/listener/test_first_seconds_lab.py runs one listener through a 1 s blackout at 8 s, a kill -9 of Janus at
16 s (a new stream 0.15–1.5 s later) and 5 % loss from 22 to 32 s, and judges what it played against the demo audio
(tests.lab.speech_checks). One lab run takes ~40 s and shows one join; a fault the playout makes 1 time in 10 needs
dozens of runs to see. This replays the same schedule on a virtual clock: the demo audio encoded as the lab's sender
encodes it (VOIP, FEC for 10 % loss), arrival jitter 0–4 ms plus 2 % of packets 0–30 ms late, a join at a random
point of the loop, a 20 ms output pull; `CushionPlayout` with its production defaults (1.5 s target, 100 ms start).
Each seed is one listener; the table counts listeners whose recording the lab test would fail, and why.

What it found (December 2026): 2 of 40 listeners heard clicks where libopus's PLC followed audio whose end had
been bent into a period (fixed), and the judge misplaced content jumps by 1–21 windows (fixed in the judge).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

import numpy as np

from app.media import FRAME_SAMPLES
from app.media.cushion import CushionPlayout
from tests.conftest import DEMO_AUDIO
from tests.lab.speech_checks import SpeechHeard, judge_against_source
from tests.support.rtp_source import FileSynth, make_encoder

SECONDS = 34.0
FRAME_S = FRAME_SAMPLES / 48000


@dataclass
class Heard:
    """What one simulated listener played, as the judge and the playout's counters saw it."""

    seed: int
    heard: SpeechHeard
    gap_ms: float
    concealed: int
    fec: int

    @property
    def longest_ms(self) -> float:
        return max((n for _, n in self.heard.audible), default=0.0)

    @property
    def failed(self) -> bool:
        """The lab test's bar for speech: no click, no audible run > 10 ms, ≤ 30 ms in all, no drained gap."""
        h = self.heard
        return bool(h.clicks or h.onset_clicks or self.longest_ms > 10 or h.audible_ms > 30 or self.gap_ms > 0)


@functools.cache
def encoded_loop() -> tuple[bytes, ...]:
    """Two passes of the demo audio's loop as the lab's sender encodes it."""
    synth, encoder = FileSynth(str(DEMO_AUDIO)), make_encoder()
    frames = 2 * len(synth.pcm) // FRAME_SAMPLES
    return tuple(encoder.encode(synth.frame().tobytes(), FRAME_SAMPLES) for _ in range(frames))  # type: ignore[attr-defined]


def listen(seed: int, payloads: tuple[bytes, ...], source: np.ndarray, join: tuple[float, float]) -> Heard:
    rng = random.Random(seed)
    playout = CushionPlayout(cushion_ms=1500.0)
    k0 = int(rng.uniform(*join) / FRAME_S)  # where in the loop the listener joins
    restart = 16.0 + rng.uniform(0.15, 1.5)  # the new session's first packet (the lab: live again 0.16–0.84 s after)
    ssrc, seq, ts = 1111, 1, 0
    packets = []
    for i in range(int(SECONDS / FRAME_S)):
        t = i * FRAME_S + rng.uniform(0, 0.004) + (rng.random() < 0.02) * rng.uniform(0, 0.03)
        if 16.0 <= t < restart:
            continue  # Janus is down: nothing is sent
        if t >= restart and ssrc == 1111:
            ssrc, seq, ts = 2222, rng.randrange(65536), rng.randrange(2**32)
        lost = 8.0 <= t < 9.0 or (22.0 <= t < 32.0 and rng.random() < 0.05)
        if not lost:
            packets.append((t, ssrc, seq % 65536, ts % 2**32, payloads[(k0 + i) % len(payloads)]))
        seq, ts = seq + 1, ts + FRAME_SAMPLES
    packets.sort(key=lambda p: p[0])
    out, j = [], 0
    for b in range(int(SECONDS / FRAME_S)):
        now = b * FRAME_S + 0.15
        while j < len(packets) and packets[j][0] <= now:
            t, p_ssrc, p_seq, p_ts, payload = packets[j]
            playout.push_packet(p_ssrc, p_seq, p_ts, payload, t)
            j += 1
        out.append(playout.pull(FRAME_SAMPLES))
    stats = playout.stats()
    return Heard(seed, judge_against_source(np.concatenate(out), source), stats.audible_gap_ms,
                    stats.concealed_frames, stats.fec_recoveries)
