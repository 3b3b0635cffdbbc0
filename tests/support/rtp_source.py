"""A room feed that outlives Janus: Opus RTP sent straight to the feed's port, the way the stage mix arrives.

    python -m tests.support.rtp_source --port P --tone 440 [--host 127.0.0.1] [--sweep-to 880 --sweep-period 60]
                                   [--leap 3 --leap-every 0.25]
    python -m tests.support.rtp_source --port P --file resources/audio/demo-room.ogg

With the stage's static rtp_forward the source of feed N is the AudioBridge inside Janus, so a kill -9 silences
the source too and a listener test cannot tell its own gap from the source's. This sender runs beside Janus (in
the lab: in the server namespace) and keeps a continuous, phase-continuous tone flowing while Janus dies and
comes back: one SSRC, sequence numbers and timestamps that never jump, packets paced on the monotonic clock.
The socket is unconnected on purpose: while nothing listens on the port, Linux reports ICMP port-unreachable
only to connected sockets, so the sender never notices and never stops.

`--sweep-to F` makes the tone glide linearly from `--tone` to F over `--sweep-period` seconds and wrap (phase
continuous): the frequency a listener hears then tells which moment of the source it is (content time), which
benchmarks use to measure content skipped across an outage.

`--leap K` plays K times the frequency in every other `--leap-every` seconds (phase continuous, same level; with
a sweep too). A steady tone turns into "background" for SILK's voice activity detector within ~0.5 s and from then
on carries no in-band FEC; a tone that changes like syllables keeps it active, so loss tests exercise real FEC.

`--file PATH` sends that audio file instead (decoded to 48 kHz, looped end to start, same pacing and encoder):
speech, whose pauses and stop closures a tone does not have, for the judges that compare with the source.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import signal
import socket
import struct
import sys
import time
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from app.media import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE

PAYLOAD_TYPE = 100  # the feed mountpoint's audiopt
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
DEFAULT_BITRATE = 32000
DEFAULT_AMPLITUDE = 0.3
LATE_RESYNC_S = 0.2  # behind by more than this (the process was stopped): re-anchor the clock, don't burst


class ToneSynth:
    """Phase-continuous sine, optionally gliding (sawtooth) and leaping; frames of 48 kHz stereo int16."""

    def __init__(self, frequency: float, amplitude: float = DEFAULT_AMPLITUDE, *,
                 sweep_to: float | None = None, sweep_period: float = 60.0,
                 leap: float | None = None, leap_every: float = 0.25) -> None:
        if not 20 <= frequency <= 20000:
            raise ValueError(f"tone {frequency} Hz is outside 20..20000 Hz")
        if not 0 < amplitude <= 1:
            raise ValueError(f"amplitude {amplitude} must be in (0, 1]")
        if sweep_period <= 0 or leap_every <= 0 or (leap is not None and leap <= 0):
            raise ValueError("the sweep period, the leap and its interval must be positive")
        highest = max(frequency, sweep_to or 0.0) * (leap or 1.0)
        if not 20 <= min(frequency, sweep_to or frequency) or highest > 20000:
            raise ValueError(f"the tone reaches {highest:g} Hz, outside 20..20000 Hz")
        self.frequency = frequency
        self.amplitude = amplitude
        self.sweep_to = sweep_to
        self.sweep_period = sweep_period
        self.leap = leap
        self.leap_every = leap_every
        self._n = 0  # samples produced
        self._phase = 0.0  # radians at sample _n

    def frequency_at(self, seconds: float) -> float:
        """The instantaneous frequency at content time `seconds`."""
        base = self.frequency
        if self.sweep_to is not None:
            frac = (seconds % self.sweep_period) / self.sweep_period
            base = self.frequency + (self.sweep_to - self.frequency) * frac
        if self.leap is not None and int(seconds / self.leap_every) % 2:
            return base * self.leap
        return base

    def frame(self, n: int = FRAME_SAMPLES) -> np.ndarray:
        t = (self._n + np.arange(n)) / SAMPLE_RATE
        if self.sweep_to is None:
            freqs = np.full(n, self.frequency)
        else:
            freqs = self.frequency + (self.sweep_to - self.frequency) * ((t % self.sweep_period) / self.sweep_period)
        if self.leap is not None:
            freqs = np.where((t / self.leap_every).astype(np.int64) % 2 == 1, freqs * self.leap, freqs)
        # phase of sample k = phase at frame start + the sum of the increments before k: continuous across frames
        increments = 2 * math.pi * freqs / SAMPLE_RATE
        phases = self._phase + np.concatenate(([0.0], np.cumsum(increments[:-1])))
        self._phase = float((phases[-1] + increments[-1]) % (2 * math.pi))
        self._n += n
        mono = np.round(np.sin(phases) * self.amplitude * 32767).astype(np.int16)
        return np.repeat(mono[:, None], CHANNELS, axis=1)


class FileSynth:
    """An audio file (app.media.sources.decode_file: 48 kHz mono) looped end to start; frames of stereo int16."""

    def __init__(self, path: str) -> None:
        from app.media.sources import decode_file

        self.path = path
        self.pcm = decode_file(path)
        self._pos = 0  # the next sample of `pcm` to send

    @property
    def seconds(self) -> float:
        """The length of one loop."""
        return len(self.pcm) / SAMPLE_RATE

    def frame(self, n: int = FRAME_SAMPLES) -> np.ndarray:
        idx = (self._pos + np.arange(n)) % len(self.pcm)
        self._pos = (self._pos + n) % len(self.pcm)
        return np.repeat(self.pcm[idx][:, None], CHANNELS, axis=1)


class Synth(Protocol):
    """What the sender encodes: consecutive frames of 48 kHz stereo int16."""

    def frame(self, n: int = FRAME_SAMPLES) -> np.ndarray: ...


def make_encoder(bitrate: int = DEFAULT_BITRATE, loss_percent: int = 10) -> object:
    """Opus 48 kHz stereo VOIP with in-band FEC (set by ctl: opuslib 3.0.1's `inband_fec` setter is broken)."""
    import opuslib
    from opuslib.api import ctl
    from opuslib.api import encoder as api_encoder

    encoder = opuslib.Encoder(SAMPLE_RATE, CHANNELS, opuslib.APPLICATION_VOIP)
    encoder.bitrate = bitrate
    api_encoder.encoder_ctl(encoder.encoder_state, ctl.set_inband_fec, 1)
    api_encoder.encoder_ctl(encoder.encoder_state, ctl.set_packet_loss_perc, loss_percent)
    return encoder


def rtp_packet(seq: int, timestamp: int, ssrc: int, payload: bytes, *, marker: bool = False) -> bytes:
    header = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | PAYLOAD_TYPE, seq & 0xFFFF,
                         timestamp & 0xFFFFFFFF, ssrc)
    return header + payload


class RtpToneSender:
    """Encodes and sends one 20 ms packet per tick of an absolute monotonic schedule (no cumulative drift)."""

    def __init__(self, host: str, port: int, synth: Synth, *, ssrc: int | None = None,
                 bitrate: int = DEFAULT_BITRATE) -> None:
        self.address = (host, port)
        self.synth = synth
        self.ssrc = ssrc if ssrc is not None else random.getrandbits(32)
        self.encoder = make_encoder(bitrate)
        self.seq = random.getrandbits(16)
        self.timestamp = random.getrandbits(32)
        self.sent = 0
        self.send_errors = 0
        self.resyncs = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # never connect(): see the module doc

    def send_one(self) -> None:
        payload = self.encoder.encode(self.synth.frame().tobytes(), FRAME_SAMPLES)  # type: ignore[attr-defined]
        packet = rtp_packet(self.seq, self.timestamp, self.ssrc, payload, marker=self.sent == 0)
        try:
            self.sock.sendto(packet, self.address)
        except OSError:
            self.send_errors += 1  # e.g. ENETUNREACH in a blackout: this packet is lost, the stream goes on
        self.seq = (self.seq + 1) & 0xFFFF
        self.timestamp = (self.timestamp + FRAME_SAMPLES) & 0xFFFFFFFF
        self.sent += 1

    def run(self, stop: list[bool]) -> None:
        """Send until `stop[0]` is set (by a signal handler)."""
        now = time.monotonic
        start = now()
        ticks = 0
        while not stop[0]:
            due = start + ticks * FRAME_SECONDS
            delay = due - now()
            if delay > 0:
                time.sleep(delay)
            elif -delay > LATE_RESYNC_S:
                self.resyncs += 1
                start = now() - ticks * FRAME_SECONDS
            self.send_one()
            ticks += 1

    def close(self) -> None:
        self.sock.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.rtp_source", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="the feed mountpoint's audioport")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--tone", type=float, default=440.0, help="frequency in Hz (start of the sweep)")
    parser.add_argument("--amplitude", type=float, default=DEFAULT_AMPLITUDE, help="peak, fraction of full scale")
    parser.add_argument("--sweep-to", type=float, default=None, help="glide to this frequency, then wrap")
    parser.add_argument("--sweep-period", type=float, default=60.0, help="seconds per glide")
    parser.add_argument("--leap", type=float, default=None, help="every other interval at this × the frequency")
    parser.add_argument("--leap-every", type=float, default=0.25, help="seconds per interval")
    parser.add_argument("--file", default=None, help="send this audio file (looped) instead of a tone")
    parser.add_argument("--bitrate", type=int, default=DEFAULT_BITRATE)
    parser.add_argument("--ssrc", type=int, default=None)
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port {args.port} is not a UDP port")
    if not 6000 <= args.bitrate <= 32000:
        parser.error("--bitrate must be 6000..32000 (the feed is a ≤ 32 kbps voice stream)")
    if args.file is not None and (args.sweep_to is not None or args.leap is not None):
        parser.error("--file sends the file as it is: no --sweep-to or --leap")
    synth: Synth
    try:
        if args.file is not None:
            synth = FileSynth(args.file)
        else:
            synth = ToneSynth(args.tone, args.amplitude, sweep_to=args.sweep_to, sweep_period=args.sweep_period,
                              leap=args.leap, leap_every=args.leap_every)
    except ValueError as exc:
        parser.error(str(exc))
    sender = RtpToneSender(args.host, args.port, synth, ssrc=args.ssrc, bitrate=args.bitrate)
    stop = [False]

    def on_signal(_signum: int, _frame: object) -> None:
        stop[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"rtp_source: sending to {args.host}:{args.port} ssrc={sender.ssrc}", flush=True)
    try:
        sender.run(stop)
    finally:
        sender.close()
    print(f"rtp_source: sent {sender.sent} packets, {sender.send_errors} send errors, {sender.resyncs} resyncs",
          flush=True)
    return 0


class RtpSourceProcess:
    """`python -m tests.support.rtp_source` as a child owned by PID (`prefix` runs it in the lab's server namespace)."""

    def __init__(self, port: int, *, host: str = "127.0.0.1", tone: float = 440.0, file: str | None = None,
                 prefix: Sequence[str] = (), extra_args: Sequence[str] = ()) -> None:
        self.port = port
        self.host = host
        self.tone = tone
        self.file = file  # sent instead of the tone
        self.prefix = list(prefix)
        self.extra_args = list(extra_args)
        self.process: asyncio.subprocess.Process | None = None
        self.started_at: float | None = None  # time.monotonic() of its first packet (± a few ms)
        self.output = ""

    async def start(self, timeout: float = 15.0) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.prefix, sys.executable, "-m", "tests.support.rtp_source", "--port", str(self.port),
            "--host", self.host, "--tone", str(self.tone), *(["--file", self.file] if self.file else []),
            *self.extra_args,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        except TimeoutError:
            await self.stop()
            raise RuntimeError(f"rtp_source did not start within {timeout:g} s") from None
        if not line.startswith(b"rtp_source: sending"):
            rest = await self.process.stdout.read()
            await self.stop()
            raise RuntimeError(f"rtp_source failed: {(line + rest).decode(errors='replace').strip()}")
        self.started_at = time.monotonic()
        self.output = line.decode()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self, grace: float = 3.0) -> None:
        """SIGTERM (it prints what it sent), SIGKILL after `grace`; idempotent."""
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        try:
            out = await asyncio.wait_for(process.communicate(), grace)
            self.output += (out[0] or b"").decode(errors="replace")
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


if __name__ == "__main__":
    raise SystemExit(main())
