"""The feedback guard's CPU a frame, this tree's against another commit's, interleaved (a fresh process per round).

    PYTHONPATH=. .venv/bin/python -m benchmarks.feedback_cpu [--ref main] [--rounds 3] [--only TEXT]

Why: the guard runs on every speaker's microphone frame (issue 11: the speaker ≤ 10 % of a core), and this VM is
shared and its speed drifts, so a change is timed against its reference in alternating fresh processes on the same
inputs, and ranges are reported (indicative, not a measurement on a quiet machine). Each process times one case
with one guard: CPU time (process time) of handing each frame's played audio to the guard and then feeding its
microphone frame, reset after each verdict, as tests/media/feedback_played.verdicts does; µs a 20 ms frame. REF's
guard is loaded as benchmarks/feedback_identity does.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.feedback import FeedbackGuard
from tests.media import feedback_signals as fs
from tests.media.feedback_played import FAR_ENDS

SECONDS = 20.0


def _singing(seed: int, far: str) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    def make() -> tuple[np.ndarray, np.ndarray]:
        mic = fs.singing(SECONDS, seed)
        return mic, FAR_ENDS[far](mic, seed)

    return make


def _false_positives() -> tuple[np.ndarray, np.ndarray]:
    """The guard benchmark's 20 s of the false-positive set, another speaker talking."""
    mic = np.concatenate([s for sigs in fs.false_positive_set().values() for s in sigs])[: int(SECONDS * SAMPLE_RATE)]
    return mic, FAR_ENDS["another speaker talking"](mic, 1)


def _stage_loop() -> tuple[np.ndarray, np.ndarray]:
    """One stage-loop run, +6 dB a round trip (seed 11): both speakers' microphones one after the other."""
    from tests.media.feedback_stage_loop import stage_loop_signals

    stage = stage_loop_signals(6.0, 11)
    return (np.concatenate([m.reshape(-1) for m in stage.mics.values()]),
            np.concatenate([p.reshape(-1) for p in stage.played.values()]))


CASES: dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]] = {
    "singing seed 1, another speaker talking": _singing(1, "another speaker talking"),
    "singing seed 3, another speaker talking": _singing(3, "another speaker talking"),
    "singing seed 1, stage silent": _singing(1, "stage silent"),
    "false-positive set, another speaker talking": _false_positives,
    "stage loop +6 dB seed 11 (both speakers)": _stage_loop,
}


def time_case(guard: FeedbackGuard, mic: np.ndarray, played: np.ndarray) -> float:
    """µs of CPU a frame."""
    n = len(mic) // FRAME_SAMPLES
    mics = [mic[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES].astype(np.float32) for i in range(n)]
    plays = [played[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES].astype(np.float32) for i in range(n)]
    t0 = time.process_time()
    for frame, out in zip(mics, plays, strict=True):
        guard.far_end(out)
        if guard.feed(frame) is not None:
            guard.reset()
    return 1e6 * (time.process_time() - t0) / n


def _one(case: str, ref: str | None) -> None:
    """The child process: one case, one guard; prints µs a frame."""
    if ref is None:
        guard = FeedbackGuard()
    else:
        from benchmarks.feedback_identity import reference_guard

        guard = reference_guard(ref)()
    print(f"{time_case(guard, *CASES[case]()):.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="main", help="the commit whose guard is the reference (default: main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", metavar="TEXT", help="only the cases whose name contains TEXT")
    parser.add_argument("--child", metavar="CASE", help=argparse.SUPPRESS)
    parser.add_argument("--theirs", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _one(args.child, args.ref if args.theirs else None)
        return 0
    for case in (c for c in CASES if args.only in c):
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.rounds):
            for theirs in (False, True):
                cmd = [sys.executable, "-m", "benchmarks.feedback_cpu", "--ref", args.ref, "--child", case]
                out = subprocess.run(cmd + (["--theirs"] if theirs else []), check=True, capture_output=True,
                                     text=True).stdout
                times[theirs].append(float(out.split()[-1]))
        ours, ref = times[False], times[True]
        pairs = ", ".join(f"{a:.0f}/{b:.0f}" for a, b in zip(ours, ref, strict=True))
        print(f"{case}: this tree {min(ours):.0f}–{max(ours):.0f} vs {args.ref} {min(ref):.0f}–{max(ref):.0f} µs a "
              f"frame ({len(ours)} rounds each, ours/theirs: {pairs})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
