"""Playout cost: CPU per 20 ms frame of a listener's cushion (push one packet, pull one frame), no network.

    python -m benchmarks.playout_cost [--seconds 60]

The stream is what a feed carries: mono Opus at 32 kb/s (AudioBridge mixes mono), a tone that leaps like
syllables, one packet per 20 ms, pulled in 20 ms blocks as `ClockOutput` and the swarm do. The first 10 s (the
cushion growing to its target by time-stretch) and the steady state after are timed apart; a listener spends most
of its life in the steady state. The decode alone is timed on the same packets, so the table shows what the
playout adds around libopus.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import opuslib

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.cushion import CushionPlayout
from app.media.opus import OpusStreamDecoder

GROWING_S = 10.0


def payloads(seconds: float) -> list[bytes]:
    encoder = opuslib.Encoder(SAMPLE_RATE, 1, opuslib.APPLICATION_VOIP)
    encoder.bitrate = 32000
    n = int(seconds * SAMPLE_RATE / FRAME_SAMPLES)
    t = np.arange(n * FRAME_SAMPLES) / SAMPLE_RATE
    hz = 440.0 * (1 + (np.floor(t / 0.25) % 2))  # leaps every 250 ms: keeps SILK's FEC and the stretch honest
    x = (0.3 * 32767 * np.sin(2 * np.pi * np.cumsum(hz) / SAMPLE_RATE)).astype(np.int16)
    return [encoder.encode(x[i * FRAME_SAMPLES:(i + 1) * FRAME_SAMPLES].tobytes(), FRAME_SAMPLES) for i in range(n)]


def run(packets: list[bytes]) -> tuple[float, float]:
    """µs per frame while the cushion grows (first GROWING_S) and after."""
    playout, arrival = CushionPlayout(), 0.0
    split = int(GROWING_S * SAMPLE_RATE / FRAME_SAMPLES)
    marks = [time.process_time()]
    for i, payload in enumerate(packets):
        if i == split:
            marks.append(time.process_time())
        playout.push_packet(1, i & 0xFFFF, i * FRAME_SAMPLES, payload, arrival)
        playout.pull(FRAME_SAMPLES)
        arrival += FRAME_SAMPLES / SAMPLE_RATE
    marks.append(time.process_time())
    return 1e6 * (marks[1] - marks[0]) / split, 1e6 * (marks[2] - marks[1]) / (len(packets) - split)


def decode_only(packets: list[bytes]) -> float:
    decoder = OpusStreamDecoder()
    t0 = time.process_time()
    for payload in packets:
        decoder.decode(payload)
    return 1e6 * (time.process_time() - t0) / len(packets)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="stream length (≥ 20)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best of them is shown (least disturbed)")
    args = parser.parse_args(argv)
    packets = payloads(max(20.0, args.seconds))
    runs = [run(packets) for _ in range(args.repeat)]
    growing, steady = min(r[0] for r in runs), min(r[1] for r in runs)
    decode = min(decode_only(packets) for _ in range(args.repeat))
    frame_us = 1e6 * FRAME_SAMPLES / SAMPLE_RATE
    print(f"\nPlayout cost per 20 ms frame, mono Opus 32 kb/s, best of {args.repeat} runs of {args.seconds:g} s\n")
    print("| phase | µs per frame | % of one core | of it, Opus decode |")
    print("|---|---|---|---|")
    for name, us in ((f"cushion growing (first {GROWING_S:g} s)", growing), ("steady state", steady)):
        print(f"| {name} | {us:.0f} | {100 * us / frame_us:.2f} % | {decode:.0f} µs |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
