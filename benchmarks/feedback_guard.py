"""The feedback guard (app.media.feedback) on simulated acoustic loops and on the false-positive test set.

    .venv/bin/python -m benchmarks.feedback_guard [--seeds N] [--markdown FILE]

No lab needed. Signals: tests/media/feedback_signals.py (generated, plus the CC0 demo-room.ogg). Per closed-loop
case (delay, loop gain, resonance): detection time after the howl's onset (median / max over seeds; onset = first
frame the loop's narrowband contribution exceeds the dry excitation's 90th-percentile level there) and how far the
howl stood over that level when the guard muted (or at the end of a run it missed); per test-set
class: mutes and mutes per minute; and the guard's CPU cost per 20 ms frame.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.feedback import FeedbackGuard
from tests.media import feedback_signals as fs

CASES = [(10.0, 1.05, 500.0), (50.0, 1.05, 2000.0), (20.0, 1.2, 1000.0), (40.0, 1.2, 700.0), (50.0, 1.2, 5000.0),
         (15.0, 2.0, 3000.0), (30.0, 2.0, 4000.0)]


def mutes(signal: np.ndarray) -> list[int]:
    """Frames where a fresh guard returns a verdict (reset after each, as after a mute/unmute)."""
    guard = FeedbackGuard()
    hits = []
    for i in range(len(signal) // FRAME_SAMPLES):
        if guard.feed(signal[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES].astype(np.float32)) is not None:
            hits.append(i)
            guard.reset()
    return hits


HOLD = 10  # frames (200 ms) the howl stays over the speech's level: the second onset's rule


def detection(delay_ms: float, gain: float, hz: float, seed: int) -> tuple[float | None, float, float, float | None]:
    """(detection − onset in ms or None if never, howl Hz, the howl's narrowband level over the speech's there in dB
    at detection, or at the end of the run if missed, detection − the onset from which the howl stays over the
    speech for HOLD frames, in ms) for one simulated loop excited by synthetic speech."""
    loop = fs.make_loop(delay_ms, gain, hz, seed)
    x = fs.speech(5.0, 10 + seed)
    y = fs.run_loop(loop, x)
    onset = fs.howl_onset_frame(loop, x, y)
    held = fs.howl_onset_frame(loop, x, y, hold=HOLD)
    howl = fs.narrowband_db(y - x, loop.howl_hz)
    over = howl - float(np.percentile(fs.narrowband_db(x, loop.howl_hz), 90))  # onset's background, as howl_onset
    hits = [h for h in mutes(y) if h >= 50]  # the loop closes at 1.0 s
    if onset is None or not hits:
        return None, loop.howl_hz, float(over[-1]), None
    return ((hits[0] - onset) * 20.0, loop.howl_hz, float(over[hits[0]]),
            None if held is None else (hits[0] - held) * 20.0)


def cpu_us_per_frame(seconds: float = 20.0) -> float:
    sig = np.concatenate([s for sigs in fs.false_positive_set().values() for s in sigs])[: int(seconds * SAMPLE_RATE)]
    frames = [sig[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES].astype(np.float32) for i in range(len(sig) // 960)]
    guard = FeedbackGuard()
    t0 = time.process_time()
    for f in frames:
        guard.feed(f)
    return 1e6 * (time.process_time() - t0) / len(frames)


def render(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    return "\n".join(["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows]])


def markdown(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                     + ["| " + " | ".join(r) + " |" for r in rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables as Markdown")
    args = parser.parse_args(argv)
    h1 = ["loop delay ms", "gain", "howl Hz", "detect after onset ms (median / max)", "≤ 300 ms", "missed",
          "howl over speech at mute dB (median / max)", "missed: at 4 s dB (max)",
          f"≤ 300 ms after it stays over the speech ({HOLD * 20} ms)"]
    rows1 = []
    for d, g, hz in CASES:
        res = [detection(d, g, hz, seed) for seed in range(1, args.seeds + 1)]
        known = [r for r, _, _, _ in res if r is not None]
        ok = sum(1 for r in known if r <= 300)
        text = f"{np.median(known):.0f} / {max(known):.0f}" if known else "—"
        at_mute = [o for r, _, o, _ in res if r is not None]
        at_end = [o for r, _, o, _ in res if r is None]
        held_ok = sum(1 for r, _, _, h in res if r is not None and (h is None or h <= 300))
        rows1.append([f"{d:.0f}", f"{g:.2f}", f"{np.mean([h for _, h, _, _ in res]):.0f}", text,
                      f"{ok}/{len(res)}", str(len(res) - len(known)),
                      f"{np.median(at_mute):+.0f} / {max(at_mute):+.0f}" if at_mute else "—",
                      f"{max(at_end):+.0f}" if at_end else "—", f"{held_ok}/{len(res)}"])
    h2 = ["class", "signals", "minutes", "mutes", "mutes/min"]
    rows2 = []
    for cls, sigs in fs.false_positive_set().items():
        minutes = sum(len(s) for s in sigs) / SAMPLE_RATE / 60
        n = sum(len(mutes(s)) for s in sigs)
        rows2.append([cls, str(len(sigs)), f"{minutes:.2f}", str(n), f"{n / minutes:.2f}"])
    cpu = cpu_us_per_frame()
    h3 = ["CPU µs per 20 ms frame (process time, mean over 20 s)"]
    rows3 = [[f"{cpu:.0f}"]]
    for h, r in ((h1, rows1), (h2, rows2), (h3, rows3)):
        print(render(h, r) + "\n")
    if args.markdown:
        Path(args.markdown).write_text("\n\n".join(markdown(h, r) for h, r in ((h1, rows1), (h2, rows2), (h3, rows3)))
                                       + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
