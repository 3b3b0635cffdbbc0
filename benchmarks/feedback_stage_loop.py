"""The feedback guard on a stage's acoustic loop, offline: two speakers' rooms closed through the bridge.

    PYTHONPATH=. .venv/bin/python -m benchmarks.feedback_stage_loop [--seeds N] [--markdown FILE]

Signals: tests/media/feedback_stage_loop.py (Ana's synthetic speech; each microphone hears its own output through
a room with a 30 Hz-wide resonance at 1 kHz; round trip ~0.52 s, the lab's). Per loop gain a round trip at the
resonance, N seeds of 10 s, the loop closed after 2 s: how many runs were muted (either speaker), when the first
mute came after the closing, when the howl emerged over Ana's speech (its critical band, 200 ms held, as the guard
benchmark's onset) and the time from there to the mute, the howl's level at the mute, which test muted, and for
the stable loops the mutes a minute of loop (a false mute: a room that rings but does not howl). ~4 min at 16
seeds. The same loop through a real stage (Janus, Opus, the monitors): tests/stage/test_feedback_lab.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks.feedback_guard import markdown, render
from tests.media.feedback_stage_loop import CLOSE_S, run_stage_loop

ROUND_TRIPS_DB = (-6.0, -3.0, 3.0, 6.0, 10.0)
SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    args = parser.parse_args(argv)
    header = ["round trip dB", "runs", "muted", "first mute after closing s (median / max)",
              "howl emerged s (median)", "emerged → mute ms (median / max)", "≤ 300 ms", "level at mute dB (median)",
              "howl over Ana's speech at mute dB (median / max)",
              "muted by: round trip / steady growth", "mutes a minute of loop (both speakers)"]
    rows = []
    for rt in ROUND_TRIPS_DB:
        runs = [run_stage_loop(rt, seed) for seed in range(11, 11 + args.seeds)]
        firsts = [r.first() for r in runs]
        muted = [f for f in firsts if f is not None]
        emerged = [r.emergence() for r in runs]
        delays = [(f[0] - e) * 1000 for f, e in zip(firsts, emerged, strict=True) if f is not None and e is not None]
        within = sum(1 for f, e in zip(firsts, emerged, strict=True)
                     if f is not None and (e is None or f[0] - e <= 0.3))
        over = [r.over_at(f[0]) for r, f in zip(runs, firsts, strict=True) if f is not None]
        by_round_trip = sum(1 for f in muted if "round trip" in f[2].reason)
        total = sum(len([t for t, _ in hits if t >= 0]) for r in runs for hits in r.verdicts.values())
        minutes = len(runs) * (SECONDS - CLOSE_S) / 60
        rows.append([f"{rt:+.0f}", str(len(runs)), str(len(muted)),
                     f"{np.median([f[0] for f in muted]):.2f} / {max(f[0] for f in muted):.2f}" if muted else "—",
                     f"{np.median([e for e in emerged if e is not None]):.2f}" if any(
                         e is not None for e in emerged) else "never",
                     f"{np.median(delays):.0f} / {max(delays):.0f}" if delays else "—",
                     f"{within}/{len(runs)}" if rt > 0 else "—",
                     f"{np.median([f[2].level_db for f in muted]):.0f}" if muted else "—",
                     f"{np.median(over):+.0f} / {max(over):+.0f}" if over and rt > 0 else "—",
                     f"{by_round_trip} / {len(muted) - by_round_trip}",
                     f"{total / minutes:.2f}" if rt < 0 else "—"])
    print(render(header, rows))
    if args.markdown:
        Path(args.markdown).write_text(markdown(header, rows) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
