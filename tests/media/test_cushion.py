"""The outage-masking playout on a virtual clock: real Opus packets in (a 440 Hz sine, FEC on), device pulls out.

Every test plays a schedule of RTP packets (arrival times in virtual seconds) against an output that pulls a block
every block-length of virtual time, then checks what a listener would have heard (gaps below -50 dBFS, clicks)
and the counters.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import random
import threading
from collections.abc import Iterable

import numpy as np
import opuslib
import opuslib.api.ctl
import opuslib.api.encoder
import pytest

from app.media import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE
from app.media.counters import PlayoutStats
from app.media.cushion import FADE_IN, CushionPlayout
from app.media.opus import OpusDecodeError, OpusStreamDecoder, has_lbrr
from tests.support.analysis import audible_gaps, dominant_frequency, find_clicks, level_dips, max_step

AMPLITUDE = 0.3 * 32767
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE  # 0.02
SINE_STEP = 2 * np.pi * 440 / SAMPLE_RATE * AMPLITUDE  # the steepest step of the clean sine (566)
SSRC = 0x5EED
PREFILL = 75  # frames the server has buffered when we join, in the "prefilled" tests (1.5 s)
LEVEL = AMPLITUDE / np.sqrt(2)  # the sine's RMS
PERIODIC = 0.25  # the stretch bound on a tone, a fraction of the content played
MERGE_MS = 15.0  # a merge drops at most one longest pitch period of content
PREROLL_MS = 40.0  # a fresh decoder's first 2 frames are decoded unheard (with ≥ 3 frames buffered after them)
ENCODED_FRAMES = 2000  # 40 s


# ---------------------------------------------------------------------------------------------- the sender
def sine(start: int, n: int) -> np.ndarray:
    mono = (AMPLITUDE * np.sin(2 * np.pi * 440 * np.arange(start, start + n) / SAMPLE_RATE)).astype(np.int16)
    return np.repeat(mono[:, None], CHANNELS, axis=1)


def talking(n: int) -> np.ndarray:
    """The sine with a 4 Hz swell, like syllables: SILK's VAD stays active, so the encoder keeps coding FEC (a steady
    tone turns into "background" after ~0.7 s and then carries no FEC data at all)."""
    t = np.arange(n) / SAMPLE_RATE
    mono = AMPLITUDE * np.sin(2 * np.pi * 440 * t) * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t))
    return np.repeat(mono.astype(np.int16)[:, None], CHANNELS, axis=1)


def with_fec(frames: Iterable[int], payloads: tuple[bytes, ...] | None = None) -> int:
    """How many of these content frames carry FEC data for the frame before them."""
    payloads = payloads or opus_frames()
    return sum(has_lbrr(payloads[k % ENCODED_FRAMES]) for k in frames)


@functools.cache
def opus_frames() -> tuple[bytes, ...]:
    """40 s of a continuous 440 Hz sine as 20 ms Opus packets (VOIP, 32 kbit/s, in-band FEC for 10 % loss)."""
    return encode(sine(0, ENCODED_FRAMES * FRAME_SAMPLES))


@functools.cache
def talking_frames() -> tuple[bytes, ...]:
    return encode(talking(ENCODED_FRAMES * FRAME_SAMPLES))


def encode(pcm: np.ndarray) -> tuple[bytes, ...]:
    enc = opuslib.Encoder(SAMPLE_RATE, CHANNELS, opuslib.APPLICATION_VOIP)
    # opuslib 3.0.1's `inband_fec` setter drops its value; call the ctl directly.
    opuslib.api.encoder.encoder_ctl(enc.encoder_state, opuslib.api.ctl.set_inband_fec, 1)
    enc.packet_loss_perc = 10
    enc.bitrate = 32000
    return tuple(enc.encode(pcm[k * FRAME_SAMPLES : (k + 1) * FRAME_SAMPLES].tobytes(), FRAME_SAMPLES)
                 for k in range(len(pcm) // FRAME_SAMPLES))


@dataclasses.dataclass
class Packet:
    arrival: float
    ssrc: int
    seq: int
    ts: int
    payload: bytes


def send(frames: Iterable[int], *, t0: float = 0.0, first: int = 0, ssrc: int = SSRC, seq0: int = 0, ts0: int = 0,
         jitter: float = 0.0, seed: int = 0, rate: float = 1.0, payloads: tuple[bytes, ...] | None = None,
         ) -> list[Packet]:
    """RTP packets for content frames `frames`; frame `first` is sent at `t0` with seq0/ts0, one frame per 20 ms
    of the sender's clock (`rate` > 1: the sender's clock runs fast). Each arrives 0..`jitter` s late."""
    rng = random.Random(seed)
    payloads = payloads if payloads is not None else opus_frames()
    return [Packet(t0 + (k - first) * FRAME_S / rate + rng.uniform(0, jitter), ssrc, (seq0 + k - first) % 65536,
                   (ts0 + (k - first) * FRAME_SAMPLES) % 2**32, payloads[k % len(payloads)]) for k in frames]


def prefilled(frames: range, **kw: object) -> list[Packet]:
    """The first PREFILL frames arrive at once when we join (a server-side backlog), then one per 20 ms."""
    packets = send(frames, **kw)  # type: ignore[arg-type]
    for p in packets:
        p.arrival = max(0.0, p.arrival - PREFILL * FRAME_S)
    return packets


# ---------------------------------------------------------------------------------------------- the listener
class Listener:
    """Pulls `block` samples every block of virtual time, delivering the packets due before each pull."""

    def __init__(self, playout: CushionPlayout | None = None, block: int = FRAME_SAMPLES) -> None:
        self.playout = playout or CushionPlayout()
        self.block = block
        self.pulls = 0
        self.blocks: list[np.ndarray] = []
        self.cushion: list[tuple[float, float]] = []  # (time, cushion_ms) after each pull
        self.first_audio_at: list[float] = []
        self.playout.first_audio.connect(lambda: self.first_audio_at.append(self.now))
        self._due: list[Packet] = []

    @property
    def now(self) -> float:
        return self.pulls * self.block / SAMPLE_RATE

    def play(self, packets: Iterable[Packet], until: float) -> Listener:
        self._due = sorted([*self._due, *packets], key=lambda p: p.arrival)
        i = 0
        while self.now < until:
            while i < len(self._due) and self._due[i].arrival <= self.now:
                p = self._due[i]
                self.playout.push_packet(p.ssrc, p.seq, p.ts, p.payload, p.arrival)
                i += 1
            block = self.playout.pull(self.block)
            assert block.shape == (self.block, CHANNELS) and block.dtype == np.int16
            self.blocks.append(block)
            self.pulls += 1
            self.cushion.append((self.now, self.playout.counters.cushion_ms))
        self._due = self._due[i:]
        return self

    @property
    def out(self) -> np.ndarray:
        return np.concatenate(self.blocks)

    @property
    def c(self) -> PlayoutStats:
        return self.playout.counters

    def cushion_at(self, t: float) -> float:
        return next(ms for at, ms in self.cushion if at >= t)


def assert_clean(out: np.ndarray) -> None:
    """No click anywhere: no high-pass spike, no step steeper than the sine (plus Opus coding noise) makes."""
    assert find_clicks(out) == []
    assert max_step(out) < 1.4 * SINE_STEP


def assert_no_gap(listener: Listener) -> None:
    assert audible_gaps(listener.out) == []
    assert listener.c.audible_gap_ms == 0.0


def heard(out: np.ndarray) -> np.ndarray:
    """The output after the first audio's 20 ms fade-in. Playing starts from silence with a fade-in, which
    `level_dips` would report (its first 4 ms windows are > 6 dB under the level); when a fresh decoder's first
    frames are pre-rolled unheard, the first frame heard is at full level from its first sample."""
    sounding = np.flatnonzero(out[:, 0])
    return out[(int(sounding[0]) if len(sounding) else 0) + FADE_IN :]


def assert_no_sag(out: np.ndarray) -> None:
    """No 10 ms window inside the sound more than 6 dB under the sine's level (a fading concealment, a bad merge),
    after the fade-in that starts playing."""
    assert level_dips(heard(out), LEVEL) == []


def assert_rates(c: PlayoutStats) -> None:
    """Each class of signal stretched within its bound (the counters' per-class rates); onsets never."""
    assert abs(c.quiet_stretch_ms) <= 1.0 * c.quiet_ms
    assert abs(c.periodic_stretch_ms) <= PERIODIC * c.periodic_ms
    assert abs(c.other_stretch_ms) <= 0.05 * c.other_ms
    assert c.onset_stretch_ms == 0.0


def lost(frames: range, *holes: tuple[int, int]) -> list[int]:
    """`frames` without the (first, count) holes."""
    missing = {k for first, count in holes for k in range(first, first + count)}
    return [k for k in frames if k not in missing]


class ToneDecoder(OpusStreamDecoder):
    """Stands in for libopus where only timing matters: a payload is the index of a 20 ms frame of the sine."""

    TABLE = sine(0, 2 * SAMPLE_RATE)  # 440 Hz repeats every second

    def __init__(self) -> None:
        self._next = 0

    def _sine(self, start: int, n: int) -> np.ndarray:
        return self.TABLE[start % SAMPLE_RATE : start % SAMPLE_RATE + n]

    def decode(self, payload: bytes) -> np.ndarray:
        self._next = (int.from_bytes(payload, "big") + 1) * FRAME_SAMPLES
        return self._sine(self._next - FRAME_SAMPLES, FRAME_SAMPLES)

    def recover(self, next_payload: bytes, samples: int = FRAME_SAMPLES) -> np.ndarray:
        self._next = int.from_bytes(next_payload, "big") * FRAME_SAMPLES
        return self._sine(self._next - samples, samples)

    def conceal(self, samples: int = FRAME_SAMPLES) -> np.ndarray:
        self._next += samples
        return self._sine(self._next - samples, samples)


TONE_FRAMES = tuple(k.to_bytes(4, "big") for k in range(31_000))


# ---------------------------------------------------------------------------------------------- clean streams
@pytest.mark.parametrize("block", [FRAME_SAMPLES, 441, 512])
def test_no_loss_starts_fast_grows_the_cushion_and_plays_clean(block: int) -> None:
    listener = Listener(block=block).play(send(range(600), jitter=0.01), until=12.2)
    c = listener.c
    assert len(listener.first_audio_at) == 1 and listener.first_audio_at[0] <= 0.3
    assert c.packets_received == 600
    assert (c.packets_lost, c.late_packets, c.duplicate_packets, c.concealed_frames, c.fec_recoveries) == (0,) * 5
    assert (c.masked_gap_ms, c.audible_gap_ms, c.content_skipped_ms) == (0.0, 0.0, 0.0)
    assert_no_gap(listener)
    assert_clean(listener.out)
    # The tone is PERIODIC: played up to 25 % slow (of the content; 0.25 / 1.25 = 20 % of the output time),
    # pitch-preserving. From a 60 ms start the cushion grows ≤ 200 ms per second and is at 1.5 s after ~7 s.
    assert dominant_frequency(listener.out[-4 * SAMPLE_RATE :]) == pytest.approx(440.0, rel=0.01)
    growth = PERIODIC / (1 + PERIODIC)
    assert 60 + 0.9 * growth * 5000 <= listener.cushion_at(5.0) <= 60 + growth * 5000 + 40  # measured 1021..1032
    assert 1500 <= listener.cushion_at(10.0) <= 1500 + 40 + 20  # at the target (+ the 40 ms band, a frame)
    assert next(t for t, ms in listener.cushion if ms >= 1490) <= 7.5  # measured 7.25..7.34 s
    assert 0.9 * PERIODIC * c.periodic_ms <= c.periodic_stretch_ms <= PERIODIC * c.periodic_ms  # measured 24.4 %
    assert c.quiet_ms == c.other_ms == 0.0 and c.onset_ms <= 80.0  # a tone: only its fade-in is an onset
    assert_rates(c)
    assert c.target_ms == 1500.0
    assert 0 < c.jitter_ms < 10


def test_no_loss_with_a_prefilled_cushion_plays_at_normal_speed() -> None:
    listener = Listener().play(prefilled(range(400)), until=6.0)
    assert listener.first_audio_at[0] <= 0.05
    # At the target from the start: no stretching, the output is the sine itself (up to Opus' coding).
    assert 1480 <= listener.cushion_at(5.0) <= 1560
    assert_clean(listener.out)
    assert_no_gap(listener)


def test_above_the_target_it_plays_fast_back_to_it() -> None:
    playout = CushionPlayout(cushion_ms=500.0)
    listener = Listener(playout).play(prefilled(range(1100)), until=20.0)  # 1.5 s buffered, 0.5 s wanted
    # ≤ 25 % of the content removed: 0.25 / 0.75 = 1/3 of the output time, ~670 ms in 2 s (measured 664)
    early, late = listener.cushion_at(0.5), listener.cushion_at(2.5)
    shrink = PERIODIC / (1 - PERIODIC)
    assert 0.9 * shrink * 2000 < early - late <= shrink * 2000 + 40
    # It shrinks until the smoothed level is back within 40 ms above the target, overshooting by the smoothing's lag,
    # and rests there unless it falls 40 ms under the target (measured 477 ms at 4 s)
    assert 500 - 40 <= listener.cushion_at(4.0) and listener.cushion_at(19.0) <= 560
    c = listener.c
    assert -PERIODIC * c.periodic_ms <= c.periodic_stretch_ms <= -0.9 * PERIODIC * c.periodic_ms  # measured −24 %
    assert_rates(c)
    assert dominant_frequency(listener.out[SAMPLE_RATE // 2 : 5 * SAMPLE_RATE // 2]) == pytest.approx(440.0, rel=0.01)
    assert_clean(listener.out)
    assert listener.c.content_skipped_ms == 0.0


# ---------------------------------------------------------------------------------------------- losses
def test_single_losses_are_rebuilt_from_fec() -> None:
    payloads = talking_frames()  # speech-like: the encoder keeps coding FEC data
    holes = [(k, 1) for k in range(100, 500, 7) if has_lbrr(payloads[k + 1])][:12]
    assert len(holes) == 12
    listener = Listener().play(send(lost(range(550), *holes), payloads=payloads), until=11.0)
    c = listener.c
    assert c.fec_recoveries == len(holes)
    assert c.concealed_frames == 0
    assert c.masked_gap_ms == 20.0 * len(holes)
    assert c.packets_lost == len(holes)
    assert c.content_skipped_ms == 0.0
    assert_no_gap(listener)
    assert_clean(listener.out)


@pytest.mark.parametrize("burst", [2, 3, 5])
def test_bursts_are_concealed_in_place(burst: int) -> None:
    holes = [(150, burst), (260, burst), (371, burst)]
    listener = Listener().play(send(lost(range(450), *holes)), until=10.0)  # the last burst plays at ~8.9 s
    c = listener.c
    # PLC for all but the last lost frame of each burst, which the packet after the burst carries as FEC (if the
    # encoder put FEC data in it).
    fec = with_fec(k + burst for k, _ in holes)
    assert c.concealed_frames == 3 * burst - fec
    assert c.fec_recoveries == fec
    assert c.masked_gap_ms == 3 * 20.0 * burst
    assert c.packets_lost == 3 * burst
    assert 0.0 <= c.content_skipped_ms <= 3 * MERGE_MS  # each merge onto the repeated period: < one period
    assert_no_gap(listener)
    assert_no_sag(listener.out)
    assert_clean(listener.out)


GROWN_AT = 500  # frame sent at 10 s: the cushion has grown from 60 ms to 1.5 s by then (at ~7.3 s)


@pytest.mark.parametrize("blackout_ms", [100, 500, 1000, 1400])
def test_blackout_shorter_than_the_grown_cushion_is_not_heard(blackout_ms: int) -> None:
    n = blackout_ms // 20
    packets = send(lost(range(GROWN_AT + 240), (GROWN_AT, n)), jitter=0.005)
    listener = Listener().play(packets, until=GROWN_AT * FRAME_S + 4.7)
    c = listener.c
    assert listener.cushion_at(GROWN_AT * FRAME_S) >= 1490
    assert_no_gap(listener)
    assert_clean(listener.out)
    assert c.masked_gap_ms == blackout_ms
    assert c.packets_lost == n
    if blackout_ms <= 100:  # concealed in place
        fec = with_fec([GROWN_AT + n])
        assert (c.concealed_frames, c.fec_recoveries) == (n - fec, fec)
        assert c.content_skipped_ms <= MERGE_MS  # the merge onto the concealment
    else:  # spliced over, possibly after some PLC while the first packet after it was on its way
        assert blackout_ms <= c.content_skipped_ms + 20 * c.concealed_frames <= blackout_ms + MERGE_MS
        assert c.concealed_frames <= 5 and c.content_skipped_ms >= blackout_ms - 100
    if c.content_skipped_ms:  # the cushion paid for what was skipped, less what playing slow regrew meanwhile
        growth = PERIODIC / (1 + PERIODIC)  # per second of output
        after = listener.cushion_at(GROWN_AT * FRAME_S + 1.6)
        assert after < 1500 - c.content_skipped_ms + growth * 1600 + 40  # measured: exactly 1.6 s of regrowth
        assert listener.cushion_at(GROWN_AT * FRAME_S + 4.6) >= min(1490, after + 0.8 * growth * 3000)


@pytest.mark.parametrize(("blackout_ms", "block"), [(260, FRAME_SAMPLES), (740, 441), (1400, 512)])
def test_blackout_right_after_joining_a_prefilled_cushion_is_not_heard(blackout_ms: int, block: int) -> None:
    n = blackout_ms // 20
    listener = Listener(block=block).play(prefilled(lost(range(PREFILL + 400), (PREFILL + 50, n))), until=6.0)
    c = listener.c
    assert_no_gap(listener)
    assert_clean(listener.out)  # 260 / 740 ms shift the sine's phase: only the cross-fade keeps it smooth
    assert c.masked_gap_ms == blackout_ms
    assert blackout_ms <= c.content_skipped_ms + 20 * c.concealed_frames <= blackout_ms + MERGE_MS


# 2.5 s, not 2 s: on a tone the drain itself is played up to 25 % slow, so 1.5 s of cushion covers ~1.9 s of outage
@pytest.mark.parametrize(("blackout_ms", "grown"), [(2500, False), (3000, True), (5000, False)])
def test_blackout_longer_than_the_cushion_is_one_faded_gap(blackout_ms: int, grown: bool) -> None:
    n = blackout_ms // 20
    if grown:
        start, frames, until = GROWN_AT, range(GROWN_AT + n + 150), GROWN_AT * FRAME_S + blackout_ms / 1000 + 3
        packets = send(lost(frames, (start, n)))
        back = (start + n) * FRAME_S
    else:
        start = PREFILL + 100
        packets = prefilled(lost(range(start + n + 150), (start, n)))
        back = (start + n - PREFILL) * FRAME_S
    listener = Listener().play(packets, until=until if grown else back + 3)
    c = listener.c
    gaps = audible_gaps(listener.out)
    assert len(gaps) == 1
    gap_start, gap_ms = gaps[0]
    # What the cushion could not cover: the blackout minus the cushion played up to 25 % slow, minus ~100 ms of
    # PLC, plus the fast start (measured: blackout − 1970 ms).
    covered = 1500 * (1 + PERIODIC) + 100
    assert blackout_ms - covered - 60 <= gap_ms <= blackout_ms - covered + 60
    assert c.audible_gap_ms == pytest.approx(gap_ms, abs=80)
    assert c.audible_gaps == 1
    assert c.masked_gap_ms == 100.0  # the PLC before the fade
    assert c.content_skipped_ms + 20 * c.concealed_frames == blackout_ms
    # It restarts with a fast start once packets are back, and the cushion regrows from there.
    assert back < (gap_start + gap_ms) / 1000 <= back + 0.1
    assert_clean(listener.out)
    assert 60 < listener.cushion_at(back + 1.0) < listener.cushion_at(back + 2.9)
    assert listener.first_audio_at == [pytest.approx(0.0, abs=0.3)]


@pytest.mark.parametrize("decoder", ["opus", "tone"])
def test_fade_to_comfort_noise_and_back_is_gradual(decoder: str) -> None:
    """With libopus (which smooths its own PLC) and with a decoder that does not: the fades are the playout's."""
    playout = CushionPlayout(decoder_factory=ToneDecoder) if decoder == "tone" else CushionPlayout()
    payloads = TONE_FRAMES if decoder == "tone" else None
    # A 1.22 s outage with a ~400 ms cushion; the sine resumes at 0.8 of a cycle (a jump, without a fade-in).
    listener = Listener(playout).play(send(lost(range(200), (100, 61)), payloads=payloads), until=4.0)
    out = listener.out[:, 0].astype(np.float64)
    rms10 = np.sqrt(np.mean(out[: len(out) // 480 * 480].reshape(-1, 480) ** 2, axis=1))
    quiet = np.flatnonzero(rms10 < 50)
    quiet = quiet[quiet > np.flatnonzero(rms10 > 1000)[0]]  # after the first audio
    first_quiet, last_quiet = int(quiet[0]), int(quiet[-1])
    assert 20 < rms10[first_quiet - 2] < 0.9 * rms10[first_quiet - 8]  # fading over several 10 ms windows
    assert 20 < rms10[first_quiet + 5] < 50  # comfort noise, not digital silence
    assert rms10[last_quiet + 1] < 0.9 * rms10[last_quiet + 4]  # a fade-in, not a jump
    assert_clean(listener.out)


# ---------------------------------------------------------------------------------------------- the network's tricks
def test_reordered_packets_are_put_back_in_order() -> None:
    packets = send(range(500), jitter=0.002)
    rng = random.Random(3)
    for p in packets:
        if rng.random() < 0.2:
            p.arrival += rng.uniform(0.02, 0.05)  # overtaken by the next one or two
    listener = Listener(CushionPlayout(start_ms=120.0)).play(packets, until=10.0)
    c = listener.c
    assert (c.late_packets, c.packets_lost, c.concealed_frames, c.fec_recoveries) == (0, 0, 0, 0)
    assert_no_gap(listener)
    assert_clean(listener.out)


def test_duplicates_are_counted_and_ignored() -> None:
    packets = send(range(500))
    copies = [dataclasses.replace(p, arrival=p.arrival + 0.03) for p in packets[::10]]
    copies += [dataclasses.replace(packets[5], arrival=9.0)]  # long after it was played: still a duplicate
    listener = Listener().play([*packets, *copies], until=10.0)
    c = listener.c
    assert c.duplicate_packets == len(copies)
    assert c.packets_received == len(packets) + len(copies)
    assert (c.late_packets, c.packets_lost, c.concealed_frames) == (0, 0, 0)
    assert_clean(listener.out)


def test_sequence_and_timestamp_wrap_are_seamless() -> None:
    packets = send(lost(range(500), (100, 1)), seq0=65_500, ts0=2**32 - 40 * FRAME_SAMPLES)
    assert packets[36].seq == 0 and packets[40].ts == 0  # both counters wrap within the first second
    listener = Listener().play(packets, until=10.0)
    c = listener.c
    fec = with_fec([101])  # the steady tone has no FEC data by then: PLC
    assert (c.late_packets, c.packets_lost, c.concealed_frames) == (0, 1, 1 - fec)
    assert c.content_skipped_ms <= MERGE_MS
    assert c.fec_recoveries == fec
    assert_no_gap(listener)
    assert_clean(listener.out)


def test_a_late_packet_is_dropped_and_its_frame_concealed() -> None:
    packets = send(range(400))
    packets[50].arrival += 1.0  # the cushion is ~260 ms at 1 s: it comes after its play time
    listener = Listener().play(packets, until=8.0)
    c = listener.c
    assert listener.cushion_at(1.0) < 500
    assert c.late_packets == 1
    assert c.fec_recoveries + c.concealed_frames == 1
    assert c.fec_recoveries == with_fec([51])
    assert c.packets_lost == 0  # it did arrive
    assert_no_gap(listener)
    assert_clean(listener.out)


def test_corrupt_payloads_are_concealed_and_counted() -> None:
    bad = {120: b"\xff\xff\xff", 240: b"\x03\x00", 241: b"\x0b\xff\xff\xff\xff"}
    packets = send(range(400))
    for k, payload in bad.items():
        packets[k].payload = payload
    listener = Listener().play(packets, until=8.0)
    c = listener.c
    assert c.concealed_frames == len(bad)
    assert c.masked_gap_ms == 20.0 * len(bad)
    assert (c.packets_lost, c.late_packets) == (0, 0)
    assert_no_gap(listener)
    assert_clean(listener.out)


def test_ssrc_change_after_a_reconnect_is_seamless() -> None:
    """The old connection dies at 5 s; the new one (new SSRC, new seq/ts bases) plays 300 ms later."""
    old = prefilled(range(PREFILL + 250))  # the last packet arrives at 5 s
    resume = PREFILL + 250 + 15  # 300 ms of live content never arrives
    new = prefilled(range(resume, resume + 300), first=0, ssrc=0xBEEF, seq0=40_000, ts0=3_000_000_000)
    straggler = dataclasses.replace(old[-1], seq=old[-1].seq + 1, ts=old[-1].ts + FRAME_SAMPLES, arrival=5.5)
    listener = Listener().play([*old, *new, straggler], until=8.0)
    c = listener.c
    assert_no_gap(listener)
    assert_clean(listener.out)
    assert c.late_packets == 1  # the old stream's straggler, after the new one began
    # estimated from arrival times: what was live between the two streams never arrived; and the new stream's
    # fresh decoder pre-rolls its first 2 frames unheard (measured 340.9)
    assert c.content_skipped_ms == pytest.approx(300.0 + PREROLL_MS, abs=25.0)
    # The cushion paid for the 300 ms: played ≤ 25 % slow meanwhile, ≥ 300 / 1.25 = 240 ms of it (measured 263)
    assert listener.cushion_at(5.32) < listener.cushion_at(4.9) - 300 / (1 + PERIODIC) + 20


@pytest.mark.parametrize("reanchor", [True, False])
def test_reanchor_treats_the_next_packet_as_a_new_stream(reanchor: bool) -> None:
    """A new connection with the same SSRC whose timestamps restart 2 s in the past."""
    playout = CushionPlayout()
    listener = Listener(playout).play(prefilled(range(PREFILL + 250)), until=5.01)
    if reanchor:
        playout.reanchor()
    back = (PREFILL + 250) * FRAME_SAMPLES - 100 * FRAME_SAMPLES
    resumed = send(range(PREFILL + 265, PREFILL + 400), first=PREFILL + 265, t0=5.3, seq0=7, ts0=back)
    listener.play(resumed, until=8.0)
    c = listener.c
    if reanchor:
        assert c.late_packets == 0
        assert_no_gap(listener)
        assert_clean(listener.out)
    else:  # they are taken as the old stream's, 2 s behind the playhead (all late), until they catch up
        assert c.late_packets > 20


def test_a_timestamp_jump_starts_a_new_stream_after_one_confirming_packet() -> None:
    old = send(range(300))
    jumped = send(range(300, 500), first=300, t0=6.0, seq0=300, ts0=300 * FRAME_SAMPLES + 20 * SAMPLE_RATE)
    listener = Listener().play([*old, *jumped], until=10.0)
    c = listener.c
    assert c.late_packets == 1  # the first jumped packet, held to see whether the jump is real
    assert listener.cushion_at(9.9) > 250  # playing the new stream, growing the cushion
    assert_no_gap(listener)
    assert_clean(listener.out)


def test_a_stall_then_a_flood_is_trimmed_to_the_target() -> None:
    packets = prefilled(range(PREFILL + 450))
    for p in packets:
        if 3.0 <= p.arrival < 7.0:
            p.arrival = 7.0  # the network holds 4 s of packets, then delivers them at once
    playout = CushionPlayout()
    listener = Listener(playout).play(packets, until=7.0)
    listener.play([], until=7.02)
    assert playout.buffered_ms <= 1500 + 2000 + 40
    listener.play([], until=9.0)
    c = listener.c
    assert c.content_skipped_ms > 500
    assert len(audible_gaps(listener.out)) == 1 == c.audible_gaps
    assert_clean(listener.out)


def test_each_audible_gap_is_counted_once() -> None:
    """Two outages longer than a small cushion, one lost packet: two gaps heard, two counted (the swarm's count)."""
    packets = send(lost(range(600), (100, 1), (150, 50), (400, 60)))
    listener = Listener(CushionPlayout(cushion_ms=200.0)).play(packets, until=12.0)
    assert len(audible_gaps(listener.out)) == 2 == listener.c.audible_gaps
    assert listener.c.audible_gap_ms > 0


class CheckedPlayout(CushionPlayout):
    """Checks after every push and pull that the incremental `_ahead` equals the plain sum over the buffer."""

    checks = holes_seen = 0

    def reference_ahead(self) -> int:
        order = self._timeline.order
        total, prev = 0, self._head if self._playing else (order[0] if order else 0)
        for pos in order:
            gap = pos - prev
            total += (gap if 0 < gap <= 100 * 48 else 0) + FRAME_SAMPLES
            prev = pos + FRAME_SAMPLES
        return total

    def check(self) -> None:
        assert self._ahead() == self.reference_ahead(), (self._timeline.order, self._head, self._playing)
        self.checks += 1
        self.holes_seen += self._timeline.holes > 0

    def push_packet(self, ssrc: int, seq: int, timestamp: int, payload: bytes, arrival: float) -> None:
        super().push_packet(ssrc, seq, timestamp, payload, arrival)
        self.check()

    def pull(self, n: int) -> np.ndarray:
        out = super().pull(n)
        self.check()
        return out


def test_the_buffered_content_is_kept_exactly_through_losses_reorders_drains_and_trims() -> None:
    """`_ahead` (content ahead of the playhead, concealable holes included) is kept incrementally, as it runs twice
    a frame; it must equal the sum over the buffer at every step: jitter that reorders, single and multi-frame
    losses, a hole too long to conceal, a drain, a stall then a flood (trimmed), a new stream."""
    first = send(lost(range(900), (40, 1), (90, 3), (130, 4), (200, 7), (300, 150), (600, 2)), jitter=0.12)
    for p in first:
        if 14.0 <= p.arrival < 17.0:
            p.arrival = 17.0  # a stall, then a flood of 3 s
    second = send(range(900, 1100), first=900, t0=18.5, ssrc=SSRC + 1, seq0=7, ts0=12345, jitter=0.05, seed=3)
    playout = CheckedPlayout(cushion_ms=500.0)
    listener = Listener(playout).play([*first, *second], until=23.0)
    assert playout.checks > 2000 and playout.holes_seen > 50
    assert listener.c.audible_gaps >= 1 and listener.c.content_skipped_ms > 0  # the drain and the trim happened

# ---------------------------------------------------------------------------------------------- clock drift


@pytest.mark.parametrize(("ppm", "minutes"), [(500, 10), (-500, 10), (0, 2)])
def test_clock_drift_is_absorbed_and_estimated(ppm: int, minutes: int) -> None:
    playout = CushionPlayout(decoder_factory=ToneDecoder)
    rate = 1 + ppm * 1e-6
    packets = send(range(minutes * 3000 + 500), payloads=TONE_FRAMES, rate=rate, jitter=0.004, seed=ppm)
    listener = Listener(playout, block=4 * FRAME_SAMPLES)
    listener.play(packets, until=60.0)
    assert playout.counters.drift_ppm == pytest.approx(ppm, abs=100)
    listener.play([], until=minutes * 60.0)
    c = listener.c
    assert c.drift_ppm == pytest.approx(ppm, abs=30)
    cushions = [ms for t, ms in listener.cushion if t >= 40.0]
    # near the target all along, whichever clock is fast: it grows again once the smoothed level is 40 ms under the
    # target, and is sampled after each 80 ms pull (measured 1389.7 at −500 ppm)
    assert 1500 - 40 - 80 <= min(cushions) and max(cushions) <= 1600
    assert (c.audible_gap_ms, c.content_skipped_ms, c.concealed_frames, c.late_packets) == (0.0, 0.0, 0, 0)
    assert_clean(listener.out[-60 * SAMPLE_RATE :])  # the last minute: stretched now and then, never a click


# ---------------------------------------------------------------------------------------------- the interface
def test_stats_are_a_consistent_copy_of_the_live_counters() -> None:
    playout = CushionPlayout()
    snapshot = playout.stats()
    assert snapshot == playout.counters and snapshot is not playout.counters
    assert PlayoutStats(**dataclasses.asdict(snapshot)).target_ms == 1500.0


def test_buffered_ms_and_last_arrival() -> None:
    playout = CushionPlayout()
    assert playout.buffered_ms == 0.0 and playout.last_arrival is None
    for p in send(lost(range(10), (4, 1))):
        playout.push_packet(p.ssrc, p.seq, p.ts, p.payload, p.arrival)
    assert playout.buffered_ms == 200.0  # the 20 ms hole will be concealed: it is audio to play
    assert playout.last_arrival == pytest.approx(0.18)
    for p in send(range(20, 25), first=10, t0=0.2, seq0=20, ts0=20 * FRAME_SAMPLES):
        playout.push_packet(p.ssrc, p.seq, p.ts, p.payload, p.arrival)
    assert playout.buffered_ms == 300.0  # the 200 ms hole before these will be skipped: not counted
    playout.pull(FRAME_SAMPLES)  # joining: the fresh decoder's first 2 frames are pre-rolled unheard, then one played
    assert playout.buffered_ms == 300.0 - PREROLL_MS - 20.0
    assert playout.counters.cushion_ms == playout.buffered_ms


@pytest.mark.parametrize(("value", "expected"), [(20.0, 60.0), (100.0, 100.0), (800.0, 800.0), (9000.0, 5000.0)])
def test_cushion_target_is_clamped(value: float, expected: float) -> None:
    playout = CushionPlayout(cushion_ms=value)
    assert playout.cushion_target_ms == expected
    playout.cushion_target_ms = 1000.0
    assert playout.cushion_target_ms == 1000.0 == playout.counters.target_ms


def test_volume_mute_taps_and_first_audio() -> None:
    playout = CushionPlayout()
    tapped: list[np.ndarray] = []
    order: list[str] = []
    playout.played.connect(tapped.append)
    playout.played.connect(lambda block: order.append("tap"))
    playout.first_audio.connect(lambda: order.append("first"))
    listener = Listener(playout).play(send(range(300)), until=2.0)
    loud = float(np.sqrt(np.mean(listener.out[-SAMPLE_RATE // 2 :].astype(np.float64) ** 2)))
    playout.volume = 0.5
    listener.play([], until=3.0)
    half = float(np.sqrt(np.mean(listener.out[-SAMPLE_RATE // 2 :].astype(np.float64) ** 2)))
    assert half == pytest.approx(loud / 2, rel=0.05)
    playout.muted = True
    listener.play([], until=4.0)
    assert not listener.out[-SAMPLE_RATE // 2 :].any()
    assert (listener.c.audible_gap_ms, listener.c.audible_gaps) == (0.0, 0)  # muting is not a gap
    assert all(np.array_equal(a, b) for a, b in zip(tapped, listener.blocks, strict=True))
    assert order.count("first") == 1 and order[order.index("first") - 1] == "tap"
    playout.played.disconnect(tapped.append)
    playout.played.disconnect(tapped.append)


def test_push_and_pull_from_two_threads() -> None:
    playout = CushionPlayout(start_ms=20.0)
    packets = send(range(400))
    errors: list[BaseException] = []

    def network() -> None:
        try:
            for p in packets:
                playout.push_packet(p.ssrc, p.seq, p.ts, p.payload, p.arrival)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=network)
    thread.start()
    blocks = [playout.pull(512) for _ in range(300)]
    thread.join()
    assert errors == []
    assert all(b.shape == (512, CHANNELS) for b in blocks)
    c = playout.counters
    assert c.packets_received == 400 and c.duplicate_packets == 0 and c.packets_lost == 0


def test_pull_never_raises() -> None:
    def broken() -> OpusStreamDecoder:
        raise OpusDecodeError("libopus is not available")

    playout = CushionPlayout(decoder_factory=broken)
    listener = Listener(playout).play(send(range(50)), until=1.0)
    assert not listener.out.any()


def test_reset_forgets_everything() -> None:
    playout = CushionPlayout()
    listener = Listener(playout).play(send(range(100)), until=2.0)
    playout.reset()
    assert playout.buffered_ms == 0.0
    assert playout.counters.packets_received == 0 and playout.counters.target_ms == 1500.0
    listener.play([], until=2.5)
    assert not listener.out[-SAMPLE_RATE // 4 :].any()  # silence, not comfort noise, after leaving
    listener.play(send(range(100, 200), first=100, t0=2.5, ssrc=77, seq0=100, ts0=100 * FRAME_SAMPLES), until=4.0)
    assert listener.out[-SAMPLE_RATE // 2 :].any()
    assert len(listener.first_audio_at) == 1


# ---------------------------------------------------------------------------------------------- the analysis helpers
def test_gap_and_click_finders() -> None:
    tone = sine(0, SAMPLE_RATE)
    holed = tone.copy()
    holed[10_080:19_680] = 0  # 200 ms of silence on 10 ms window boundaries
    assert audible_gaps(holed) == [(210.0, 200.0)]
    assert audible_gaps(np.concatenate((np.zeros_like(tone), tone))) == []  # silence before the first audio
    assert audible_gaps(np.concatenate((np.zeros_like(tone), tone)), skip_leading=False) == [(0.0, 1000.0)]
    assert find_clicks(tone) == [] and max_step(tone) <= SINE_STEP + 1
    assert find_clicks(holed) != []  # cut without a fade
    rng = np.random.default_rng(0)
    assert find_clicks((rng.standard_normal((SAMPLE_RATE, 2)) * 3000).astype(np.int16)) == []  # noise is not clicks
    shifted = np.concatenate((tone[:24_000], tone[24_100:]))  # a splice that does not line up
    assert find_clicks(shifted) and find_clicks(shifted)[0] == pytest.approx(24_000, abs=2)


def test_after_a_drain_it_refills_fast_even_when_the_first_start_waited_for_the_whole_cushion() -> None:
    """start_ms only governs the first start; after a drain, waiting for 1.5 s again would add 1.5 s of silence."""
    n = 150  # a 3 s blackout
    start = PREFILL + 100
    packets = prefilled(lost(range(start + n + 150), (start, n)))
    back = (start + n - PREFILL) * FRAME_S
    listener = Listener(CushionPlayout(start_ms=1500.0)).play(packets, until=back + 3)
    gaps = audible_gaps(listener.out)
    assert len(gaps) == 1
    gap_start, gap_ms = gaps[0]
    assert back < (gap_start + gap_ms) / 1000 <= back + 0.1


def test_a_rested_feed_catches_up_to_its_target_and_plays_on() -> None:
    """A speaker on stage does not decode the feed: packets pile up (trimmed at target + 2 s); on its return the
    feed drops what lies beyond the target, then plays on from there without a gap."""
    playout = CushionPlayout(cushion_ms=1500.0)
    listener = Listener(playout).play(send(range(300)), until=6.0)  # playing, cushion filling
    rest = send(range(300, 550), t0=6.0, first=300, seq0=300, ts0=300 * FRAME_SAMPLES)  # 5 s, nobody pulls
    for p in rest:
        playout.push_packet(p.ssrc, p.seq, p.ts, p.payload, p.arrival)
    assert 1600 < playout.buffered_ms <= 3500 + 20  # a backlog, bounded (trimmed to the target at target + 2 s)
    playout.catch_up()
    assert 1500 - 40 <= playout.buffered_ms <= 1500 + 40
    listener.pulls = int(11.0 * SAMPLE_RATE / listener.block)  # the output resumes at the rest's end
    listener.blocks.clear()
    listener.play(send(range(550, 700), t0=11.0, first=550, seq0=550, ts0=550 * FRAME_SAMPLES), until=13.0)
    assert_no_gap(listener)
    assert listener.c.content_skipped_ms > 1000  # the dropped backlog, said so in the counters


def test_a_sender_whose_timestamps_step_less_than_its_frames_never_breaks_the_playout(
        caplog: pytest.LogCaptureFixture) -> None:
    """Bad input from a server: 20 ms Opus frames stamped 10 ms apart. Each decode runs past the next packet's
    position; the playout drops what it overran (the pre-roll too) and keeps playing, with no failure logged."""
    frames = opus_frames()
    packets = [Packet(k * FRAME_S, SSRC, k, k * FRAME_SAMPLES // 2, frames[k % len(frames)]) for k in range(400)]
    with caplog.at_level(logging.ERROR, "app.media.cushion"):
        listener = Listener(CushionPlayout(cushion_ms=200.0)).play(packets, until=8.0)
    assert "playout failed" not in caplog.text
    assert np.abs(listener.out[SAMPLE_RATE:4 * SAMPLE_RATE]).max() > 1000  # still playing what arrives
