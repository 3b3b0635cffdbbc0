"""Stage benchmark: mouth-to-ear latency speaker → speaker (stage) and speaker → listener (feed), and the
speaker's CPU.

Run inside the lab: python -m tests.lab.netlab run -- python -m benchmarks.stage

Latency: speaker A says a 1 kHz burst once a second (a file paced like a microphone); "mouth" is the moment A's
microphone track hands the burst's frame to the encoder, "ear" the moment an output pulls the block holding the
burst's onset plus the onset's offset in it (an output plays what it pulls: `--no-audio-device` pulls on the
system clock, a sound card adds its own output latency, not counted here, nor the capture latency of a real
microphone). Speaker B on stage hears A through its stage monitor; listener L hears the feed in production
configuration (cushion 1.5 s, start at 100 ms: its latency grows while the cushion fills, so it is shown early
and late). All three run in this process: one clock.

CPU: `plaza speak --input FILE --no-audio-device` as its own process, on stage and unmuted (capture from the file,
Opus encode, the monitor's decode and playout, and the feed it keeps receiving for make-before-break), plus the
microphone processing a real microphone gets (echo control, feedback guard), timed per frame here and added, for
talking on a silent stage and for the guard's dearest load, singing while another speaker talks.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import wave
from collections.abc import Callable
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np

from app.listener.listen import ListenSession
from app.local.janus_config import LocalRoomConfig
from app.local.room import LocalRoom
from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.capture import FileSource, MicTrack
from app.media.echo import EchoControl
from app.media.feedback import FeedbackGuard
from app.stage.speaker import Role, SpeakerSession
from benchmarks.listener import measure_process
from tests.lab import netlab

BURST_HZ = 1000.0
PERIOD_S = 2.5  # longer than the feed's latency (cushion 1.5 s + network): each onset matches one burst


def burst_wav(path: Path) -> Path:
    """A PERIOD_S loop: a 40 ms 1 kHz burst starting on a frame boundary, then silence."""
    pcm = np.zeros(int(SAMPLE_RATE * PERIOD_S), np.float64)
    n = FRAME_SAMPLES * 2
    pcm[:n] = 0.5 * np.sin(2 * np.pi * BURST_HZ * np.arange(n) / SAMPLE_RATE)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((pcm * 32767).astype(np.int16).tobytes())
    return path


def silent_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(np.zeros(SAMPLE_RATE, np.int16).tobytes())
    return path


class Mouth:
    """Times A's burst frames as they go to the encoder."""

    def __init__(self, track: MicTrack) -> None:
        self.times: list[float] = []
        self._was_loud = False
        track.sent.connect(self._sent)

    def _sent(self, frame: np.ndarray) -> None:
        loud = float(np.max(np.abs(frame))) > 0.1
        if loud and not self._was_loud:
            self.times.append(time.monotonic())
        self._was_loud = loud


class Ear:
    """Times burst onsets in what an output pulls (called on the pulling thread, at pull time)."""

    def __init__(self, session: ListenSession) -> None:
        self.times: list[float] = []
        self._quiet_blocks = 0
        session.heard.connect(self._heard)

    def _heard(self, block: np.ndarray) -> None:
        now = time.monotonic()
        x = np.abs(block[:, 0].astype(np.float64)) / 32768
        loud = np.flatnonzero(x > 0.1)
        if len(loud) and self._quiet_blocks >= 10:  # an onset after ≥ 200 ms of quiet
            self.times.append(now + loud[0] / SAMPLE_RATE)
        self._quiet_blocks = 0 if len(loud) else self._quiet_blocks + 1


def latencies(mouth: list[float], ear: list[float], since: float, until: float) -> list[float]:
    """For each burst said in [since, until), the first onset heard after it (within one period)."""
    out = []
    for t in mouth:
        if since <= t < until:
            heard = [e - t for e in ear if 0 < e - t < PERIOD_S * 0.95]
            if heard:
                out.append(min(heard) * 1000)
    return out


def summary(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{statistics.median(values):.0f} / {float(np.percentile(values, 95)):.0f} ms (n={len(values)})"


async def poll(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(0.01)


async def go_on_stage(room: LocalRoom, speaker: SpeakerSession) -> None:
    await speaker.start()
    keeper = speaker.listen.channel
    assert keeper is not None and room.controller is not None
    await poll(lambda: keeper.channel is not None and keeper.channel.controller is not None, 15, "channel")
    assert speaker.listen.state.own_id is not None
    await room.controller.invite(speaker.listen.state.own_id)
    await poll(lambda: speaker.role == Role.INVITED, 5, "invite")
    await speaker.accept()


PROCESSING_SECONDS = 20.0
ECHO_DELAY_S, ECHO_GAIN = 0.05, 0.1  # the loudspeaker a metre away, -20 dB into the microphone


def _loads() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """What a speaker's microphone and output carry (microphone, played): the guard's dearest load is singing
    while another speaker talks (its round-trip test and echo rule then run; benchmarks.feedback_cpu), the
    cheapest talking on a silent stage. Test signals from tests.media (synthetic, their origin there)."""
    from tests.media import feedback_signals as fs
    from tests.media.feedback_played import FAR_ENDS

    talk = fs.speech(PROCESSING_SECONDS, 1)
    loads = {"talking, stage silent": (talk, FAR_ENDS["stage silent"](talk, 1))}
    for seed in (1, 3):
        sung = fs.singing(PROCESSING_SECONDS, seed)
        loads[f"singing over another speaker (seed {seed})"] = (sung, FAR_ENDS["another speaker talking"](sung, seed))
    d = int(ECHO_DELAY_S * SAMPLE_RATE)
    return {name: (mic + ECHO_GAIN * np.concatenate((np.zeros(d), played[:-d])), played)
            for name, (mic, played) in loads.items()}


def _guarded(guard: FeedbackGuard, frame: np.ndarray) -> np.ndarray:
    """The guard's step: a verdict resets it, as the speaker's mute and unmute do."""
    if guard.feed(frame) is not None:
        guard.reset()
    return frame


def processing_us_per_frame() -> tuple[dict[str, float], str]:
    """CPU (process time) of echo control and the feedback guard per 20 ms microphone frame, each
    frame's played audio handed over first as the output does, for each load of `_loads`."""
    names: list[str] = []
    out: dict[str, float] = {}
    for load, (mic, played) in _loads().items():
        echo = EchoControl()
        chain = [echo.near_end]
        hear = [echo.far_end]
        guard = FeedbackGuard()
        chain.append(partial(_guarded, guard))
        hear.append(guard.far_end)
        names = ["echo control" if echo.available() else f"echo control unavailable ({echo.reason()})",
                 "feedback guard"]
        n = len(mic) // FRAME_SAMPLES
        mics = mic[: n * FRAME_SAMPLES].astype(np.float32).reshape(n, FRAME_SAMPLES)
        plays = played[: n * FRAME_SAMPLES].astype(np.float32).reshape(n, FRAME_SAMPLES)
        t0 = time.process_time()
        for frame, sound in zip(mics, plays, strict=True):
            for h in hear:
                h(sound)
            y = frame
            for step in chain:
                y = step(y)
        out[load] = (time.process_time() - t0) / n * 1e6
    return out, " + ".join(names)


async def main(args: argparse.Namespace) -> int:
    config = LocalRoomConfig(ws_ip=netlab.SERVER_IP, forward_port=0, ice_enforce_list=netlab.SERVER_IF)
    room = LocalRoom(config, prefix=["ip", "netns", "exec", netlab.SERVER_NS], speaker=None)
    rows: list[tuple[str, str, str]] = []
    with TemporaryDirectory() as tmp:
        await room.start()
        try:
            a_track = MicTrack(FileSource(str(burst_wav(Path(tmp) / "burst.wav"))))
            a = SpeakerSession(ListenSession(room.link, use_device=False, display="A"), a_track, display="A",
                               start_muted=False)
            b = SpeakerSession(ListenSession(room.link, use_device=False, display="B"),
                               MicTrack(FileSource(str(silent_wav(Path(tmp) / "quiet.wav")))), display="B")
            listener = ListenSession(room.link, use_device=False)
            mouth, b_ear, l_ear = Mouth(a_track), Ear(b.listen), Ear(listener)
            try:
                await listener.start()
                await go_on_stage(room, b)
                await go_on_stage(room, a)
                t0 = time.monotonic()
                await asyncio.sleep(args.seconds + 2)
            finally:
                await asyncio.gather(a.close(), b.close(), listener.close())
            end = t0 + args.seconds
            rows.append(("mouth → ear, speaker → speaker (stage monitor), median / p95",
                         summary(latencies(mouth.times, b_ear.times, t0 + 2, end)), "—"))
            rows.append(("mouth → ear, speaker → listener (feed), first 6 s on stage",
                         summary(latencies(mouth.times, l_ear.times, t0, t0 + 6)), "—"))
            rows.append((f"mouth → ear, speaker → listener (feed), from {args.seconds - 10:g} s on",
                         summary(latencies(mouth.times, l_ear.times, end - 10, end)), "cushion + ~0.1 s"))
            if room.controller is not None:
                room.controller.invite_hands = True
            speak = [sys.executable, "-m", "app", "speak", config.link_text, "--input",
                     str(Path(tmp) / "burst.wav"), "--no-audio-device", "--name", "CPU"]
            cpu, rss, peak = await measure_process(speak, args.cpu_seconds, dict(os.environ))
        finally:
            await room.close()
    per_load, chain = processing_us_per_frame()
    rows.append((f"`plaza speak --input FILE` CPU over {args.cpu_seconds:g} s", f"{cpu:.1f} % of one core", "—"))
    for load, us in per_load.items():
        rows.append((f"+ {chain} per 20 ms frame, {load}", f"{us:.0f} µs = {us / 200:.1f} %", "—"))
    for load, us in per_load.items():
        rows.append((f"speaker CPU with a microphone (sum), {load}", f"{cpu + us / 200:.1f} % of one core", "≤ 10 %"))
    rows.append(("`plaza speak` RSS mean / peak", f"{rss:.0f} / {peak:.0f} MiB", "—"))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'result':>28}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>28}  {target}")
    if args.markdown:
        lines = ["| measure | result | target |", "|---|---|---|"] + [f"| {n} | {v} | {t} |" for n, v, t in rows]
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of bursts to time")
    parser.add_argument("--cpu-seconds", type=float, default=30.0, help="seconds to measure `plaza speak` over")
    parser.add_argument("--markdown", metavar="FILE")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
