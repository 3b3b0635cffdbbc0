"""The feedback guard's verdicts against another commit's guard: a speed-up must not change a single decision.

    .venv/bin/python -m benchmarks.feedback_identity [--ref main] [--seeds N] [--only TEXT]

The guard of REF (`git show REF:app/media/feedback*.py`, loaded beside this tree's under the same module names)
and this tree's are fed the same frames, and every verdict (frame, frequency, reason, level, growth, played) is
compared exactly (==, no tolerance), and so is the state of the tracks after every frame (which peaks are followed,
their level, frequency and harmonic history, bit for bit): on the false-positive set, the harder negatives and both
held-out sets (normal mode with nothing played, and music mode under each far end of
tests/media/feedback_played.py), and on the benchmark's loop runs (benchmarks/feedback_guard.py: every speech and
sung case, seeds 1..N, with the loudspeaker playing the loop and with nothing played, in the normal and in music
mode), and on a stage's loops (tests/media/feedback_stage_loop.py: each of the two speakers' guards, round trips of
+10/+6/+3/−3/−6 dB, the stage-loop benchmark's seeds 11..10+N; where the round-trip test decides). Prints the counts
compared and every difference; exits 1 if there is one. Only the guard's modules come from REF (signals and harness
are this tree's). ~15 min with --seeds 16.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.abc
import importlib.util
import subprocess
import sys
import tempfile
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from app.media import FRAME_SAMPLES
from app.media.feedback import FeedbackGuard
from benchmarks.feedback_guard import CASES, SUNG_CASES
from benchmarks.feedback_stage_loop import ROUND_TRIPS_DB
from tests.media import feedback_signals as fs
from tests.media.feedback_hard_signals import HARDER_CLASSES
from tests.media.feedback_heldout2_signals import HELDOUT2_CLASSES
from tests.media.feedback_heldout_signals import HELDOUT_CLASSES
from tests.media.feedback_played import FAR_ENDS, loop_played
from tests.media.feedback_stage_loop import stage_loop_signals

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "app.media.feedback"
Verdicts = list[tuple[int, tuple[float, str, float, float, bool]]]


class _RefFinder(importlib.abc.MetaPathFinder):
    """Finds the guard's modules (app.media.feedback*) in a directory holding REF's files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None,
                  ) -> importlib.machinery.ModuleSpec | None:
        name = fullname.rpartition(".")[2]
        if not fullname.startswith(PREFIX) or not (self.folder / f"{name}.py").exists():
            return None
        return importlib.util.spec_from_file_location(fullname, self.folder / f"{name}.py")


def reference_guard(ref: str) -> type[FeedbackGuard]:
    """REF's FeedbackGuard class; this tree's modules are left as they were in sys.modules and app.media."""
    names = subprocess.run(["git", "ls-tree", "--name-only", ref, "app/media/"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    with tempfile.TemporaryDirectory(prefix="feedback-ref-") as tmp:
        return _load(ref, names, Path(tmp))


def _load(ref: str, names: list[str], folder: Path) -> type[FeedbackGuard]:
    for path in names:
        if Path(path).name.startswith("feedback") and path.endswith(".py"):
            text = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True,
                                  text=True).stdout
            (folder / Path(path).name).write_text(text)
    media = sys.modules["app.media"]
    saved = {k: v for k, v in sys.modules.items() if k.startswith(PREFIX)}
    attrs = {k: getattr(media, k) for k in dir(media) if k.startswith("feedback")}
    for k in saved:
        del sys.modules[k]
    finder = _RefFinder(folder)
    sys.meta_path.insert(0, finder)
    try:
        guard: type[FeedbackGuard] = importlib.import_module(PREFIX).FeedbackGuard
    finally:
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if k.startswith(PREFIX)]:
            del sys.modules[k]
        sys.modules.update(saved)
        for k in [k for k in dir(media) if k.startswith("feedback")]:
            delattr(media, k)
        for k, v in attrs.items():
            setattr(media, k, v)
    if guard is FeedbackGuard:
        raise RuntimeError("the reference guard was not loaded from REF")
    return guard


def _state(guard: FeedbackGuard) -> tuple[object, ...]:
    """The tracks (bins, misses, frames of history, frames since strong, judged) and their history, as bytes."""
    return (guard._bins, guard._misses, guard._count, guard._since, guard._strong, guard._hist.tobytes())


def run(guards: tuple[FeedbackGuard, FeedbackGuard], mic: np.ndarray,
        played: np.ndarray | None) -> tuple[Verdicts, Verdicts, int | None]:
    """Both guards' verdicts (each reset after its own, as after a mute), frame by frame as
    tests/media/feedback_played.verdicts feeds them, and the first frame after which their tracks' state differs."""
    found: tuple[Verdicts, Verdicts] = ([], [])
    differs = None
    for i in range(len(mic) // FRAME_SAMPLES):
        frame = mic[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES].astype(np.float32)
        for guard, hits in zip(guards, found, strict=True):
            if played is not None:
                guard.far_end(played[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES].astype(np.float32))
            v = guard.feed(frame)
            if v is not None:
                hits.append((i, (v.frequency_hz, v.reason, v.level_db, v.growth_db_per_s, v.played)))
                guard.reset()
        if differs is None and _state(guards[0]) != _state(guards[1]):
            differs = i
    return found[0], found[1], differs


def cases(seeds: int) -> Iterator[tuple[str, np.ndarray, np.ndarray | None, bool]]:
    """(name, microphone, played or None, music mode) of every run compared."""
    negatives: dict[str, Callable[[], list[np.ndarray]]] = {
        **{f"false positives: {c}": make for c, make in fs.FALSE_POSITIVE_CLASSES.items()},
        **HARDER_CLASSES, **HELDOUT_CLASSES, **HELDOUT2_CLASSES}
    for cls, make in negatives.items():
        for k, sig in enumerate(make()):
            yield f"{cls} #{k}", sig, None, False
            for far, played in FAR_ENDS.items():
                yield f"{cls} #{k}, music, {far}", sig, played(sig, k), True
    for (d, g, hz), sung in [(c, False) for c in CASES] + [(c, True) for c in SUNG_CASES]:
        for seed in range(1, seeds + 1):
            loop = fs.make_loop(d, g, hz, seed)
            y = fs.run_loop(loop, fs.singing(5.0, 400 + seed) if sung else fs.speech(5.0, 10 + seed))
            for music in (False, True):
                for local in (False, True):
                    name = (f"{'sung ' if sung else ''}loop {d:.0f} ms / {g:.2f} / {hz:.0f} Hz seed {seed}"
                            f"{', music' if music else ''}{', nothing played' if local else ''}")
                    yield name, y, np.zeros_like(y) if local else loop_played(loop, y), music
    for round_trip in ROUND_TRIPS_DB:
        for seed in range(11, 11 + seeds):
            stage = stage_loop_signals(round_trip, seed)
            for who, mic in stage.mics.items():
                yield (f"stage loop {round_trip:+.0f} dB seed {seed}, {who}", mic.reshape(-1),
                       stage.played[who].reshape(-1), False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="main", help="the commit whose guard is the reference (default: main)")
    parser.add_argument("--seeds", type=int, default=16, help="seeds per loop case (default: 16, the README's)")
    parser.add_argument("--only", default="", metavar="TEXT", help="only the runs whose name contains TEXT")
    args = parser.parse_args(argv)
    ref = reference_guard(args.ref)
    runs = frames = found = verdicts_differ = state_differs = 0
    for name, mic, played, music in cases(args.seeds):
        if args.only not in name:
            continue
        ours, theirs, state = run((FeedbackGuard(music=music), ref(music=music)), mic, played)
        runs += 1
        frames += len(mic) // FRAME_SAMPLES
        found += len(theirs)
        verdicts_differ += ours != theirs
        state_differs += state is not None
        if ours != theirs or state is not None:
            print(f"DIFFERS: {name}: tracks' state from frame {state}\n  {args.ref}: {theirs}\n  this tree: {ours}")
    print(f"{runs} runs, {frames} frames, {found} verdicts of {args.ref} compared (frame, Hz, reason, level, growth,"
          f" played; and the tracks' state after every frame): verdicts differ in {verdicts_differ} runs, the"
          f" tracks' state in {state_differs}")
    return 1 if verdicts_differ or state_differs else 0

if __name__ == "__main__":
    raise SystemExit(main())
