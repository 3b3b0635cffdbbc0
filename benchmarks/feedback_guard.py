"""The feedback guard (app.media.feedback) on simulated acoustic loops and on the false-positive test set.

    .venv/bin/python -m benchmarks.feedback_guard [--seeds N] [--markdown FILE]

No lab needed. Signals: tests/media/feedback_signals.py (generated, plus the CC0 demo-room.ogg). Per closed-loop
case (delay, loop gain, resonance; 5 s of synthetic speech, the loop closed at 1 s; three cases again with singing
instead of speech): detection time after the howl's onset (median / max over seeds), how far the howl stood over
the speech in its critical band when the guard muted (or at the end of a run it missed), and the same detection
time after the older onset; per test-set class: mutes and mutes per minute, and the same for the harder negatives
(tests/media/feedback_hard_signals.py, not all passed yet, and the held-out set of 2026-12-05,
tests/media/feedback_heldout_signals.py, since looked at, and the second one, feedback_heldout2_signals.py), with
every mute on them listed (signal, time, frequency, the verdict's reason); and the guard's CPU cost per 20 ms
frame. The loops are as the product has them: local (the system playing the microphone back, another device;
with mix-minus nothing we play carries our own sound sooner than a stage's round trip, benchmarks.feedback_stage_loop
for those), the loudspeaker playing the silent stage. The last column of the loop table checks the advice
(`played`: through our loudspeaker, or through something else) on that run, and on the same run with the
loudspeaker playing the loop (tests/media/feedback_played.py: the microphone's signal one loop delay later),
where a tone that follows what we play counts from windows of 50 frames (feedback.ECHO), not earlier; and the
first mute of each loop while the loudspeaker plays something else (FAR_ENDS: another speaker talking, our own
sound coming back), against the stage silent: the echo rule must not take a local loop for the played sound. Music mode
(`FeedbackGuard(music=True)`, where what is played also decides the mute): the loops again, with the loudspeaker
playing them and with nothing played (a local loop), and the harder negatives per set under the four far ends of
tests/media/feedback_played.py. ~6 min.

Onset ("within 300 ms of onset", issue 11) = when the howl emerges over the speech: the first frame from which
the howl (what the loop adds, wet − dry) has, for 200 ms, at least the speech's active level in the ear's critical
band around it (fs.howl_emergence_frame). Why each part:
- the critical band (ERB, Glasberg & Moore): the ear adds up a masker's power over that band against a tone
  (the power-spectrum model of masking); the older onset used ±47 Hz, a third to a fifth of the ERB at 2–5 kHz;
- the speech's active level (its mean power over the frames where it is active, ITU-T P.56), not a percentile of
  all frames: speech at 4–5 kHz is fricatives, in few frames, and the 90th percentile there was the room noise, so
  the older onset dated a 5 kHz howl from when it left the room noise (−92 dBFS in its critical band, 33 dB under
  the speech's active level there, in one run) — not a howl yet;
- 200 ms held: a tone's detectability and loudness build up over ~200 ms (temporal integration), and a slow loop
  pokes over the speech and falls back; the onset is the first frame of that stretch, so holding adds no delay.
This is a convention, not the threshold of audibility: a steady tone is detectable a few dB under a noise masker's
power in its band, and in the speech's pauses in a quiet room lower still, so a listener may hear a faint tone
before this onset; "howl over speech at mute" says how loud it had become. At 500–700 Hz this onset comes earlier
than the older one (the 90th percentile there sat on speech harmonics, above the active level), at 4–5 kHz later.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.feedback import FeedbackGuard
from tests.media import feedback_signals as fs
from tests.media.feedback_hard_signals import HARDER_CLASSES
from tests.media.feedback_heldout2_signals import HELDOUT2_CLASSES
from tests.media.feedback_heldout_signals import HELDOUT_CLASSES
from tests.media.feedback_played import FAR_ENDS, loop_played, verdicts

CASES = [(10.0, 1.05, 500.0), (50.0, 1.05, 2000.0), (20.0, 1.2, 1000.0), (40.0, 1.2, 700.0), (50.0, 1.2, 5000.0),
         (15.0, 2.0, 3000.0), (30.0, 2.0, 4000.0)]
# The same loops excited by singing (held notes, vibrato) instead of speech: a howl while someone sings, and the
# case where a note's partial may sit on the howl (the guard's harmonic-series test must not hide it).
SUNG_CASES = [(40.0, 1.2, 700.0), (20.0, 1.2, 1000.0), (15.0, 2.0, 3000.0)]


def mutes(signal: np.ndarray, played: np.ndarray | None = None) -> list[int]:
    """Frames where a fresh guard returns a verdict (reset after each, as after a mute/unmute); `played`: what the
    loudspeaker played meanwhile (None: nothing)."""
    return [i for i, _ in verdicts(signal, played)]


@dataclass(frozen=True)
class Run:
    """One simulated loop: detection − onset in ms (None: never muted, or the howl never emerged), the same after
    the older onset, the howl's frequency, and how far the howl stood over the speech in its critical band when
    the guard muted (or at the end of a run it missed), in dB; and the first verdict's advice (`played`: through
    our loudspeaker) when the loudspeaker plays the loop, and when it plays nothing (a local loop: the system playing
    the microphone back, another device), None if never muted."""

    after_onset_ms: float | None
    after_old_onset_ms: float | None
    muted: bool
    emerged: bool
    howl_hz: float
    over_db: float
    played: bool | None = None
    local_played: bool | None = None
    first: int | None = None  # the first mute's frame, the stage silent
    under: tuple[int | None, ...] = ()  # the same under each other far end (FAR_ENDS after the first)


def detection(delay_ms: float, gain: float, hz: float, seed: int, sung: bool = False) -> Run:
    """One simulated loop excited by synthetic speech (or singing), closed at 1.0 s, run for 5 s."""
    loop = fs.make_loop(delay_ms, gain, hz, seed)
    x = fs.singing(5.0, 400 + seed) if sung else fs.speech(5.0, 10 + seed)
    y = fs.run_loop(loop, x)
    onset = fs.howl_emergence_frame(loop, x, y)
    old = fs.howl_onset_frame(loop, x, y)
    over = fs.howl_over_speech_db(loop, x, y)
    # The loop closes at 1.0 s (frame 50). A loop this short is local in the product (mix-minus: what we play
    # carries our own sound only through another speaker, ≥ 0.3 s), so its loudspeaker plays the silent stage; the
    # same run with the loop played is only for the advice (a tone that follows what we play is judged from 50
    # frames: ECHO).
    hits = [(i, v) for i, v in verdicts(y, np.zeros_like(y)) if i >= 50]
    through = [v for i, v in verdicts(y, loop_played(loop, y)) if i >= 50]
    # The same local loop while the loudspeaker plays something else: the echo rule must not take it for the
    # played sound reaching the microphone (FarEnd.follows)
    under = tuple(next((i for i, _ in verdicts(y, far(y, seed)) if i >= 50), None)
                  for far in list(FAR_ENDS.values())[1:])
    if not hits:
        return Run(None, None, False, onset is not None, loop.howl_hz, float(over[-1]), under=under)
    first = hits[0][0]
    return Run(None if onset is None else (first - onset) * 20.0, None if old is None else (first - old) * 20.0,
               True, onset is not None, loop.howl_hz, float(over[first]), through[0].played if through else None,
               hits[0][1].played, first, under)


def under_far_ends(label: str, d: float, g: float, res: list[Run]) -> list[str]:
    """A row of the local loops under the other far ends: per far end, the runs whose first mute came at the same
    frame as with the stage silent, and those later (the latest, ms) or earlier, missed there (muted only with the
    stage silent), or muted only there."""
    row = [label, f"{d:.0f}", f"{g:.2f}"]
    for k in range(len(FAR_ENDS) - 1):
        pairs = [(r.first, r.under[k]) for r in res]
        same = sum(1 for a, b in pairs if a == b)
        late = [(b - a) * 20 for a, b in pairs if a is not None and b is not None and b > a]
        early = sum(1 for a, b in pairs if a is not None and b is not None and b < a)
        missed = sum(1 for a, b in pairs if a is not None and b is None)
        only = sum(1 for a, b in pairs if a is None and b is not None)
        row.append(f"{same}/{len(res)} same" + (f", {len(late)} later (≤ {max(late)} ms)" if late else "")
                   + (f", {early} earlier" if early else "") + (f", {missed} missed" if missed else "")
                   + (f", {only} muted only there" if only else ""))
    return row


def music_detection(delay_ms: float, gain: float, hz: float, seed: int, local: bool) -> tuple[bool, float | None]:
    """Music mode on the same loop run: (muted in the 5 s, detection after onset in ms: None if not muted or the
    howl never emerged), the loudspeaker playing the loop, or (`local`) playing nothing of it (the system playing
    the microphone back, a PA)."""
    loop = fs.make_loop(delay_ms, gain, hz, seed)
    x = fs.speech(5.0, 10 + seed)
    y = fs.run_loop(loop, x)
    onset = fs.howl_emergence_frame(loop, x, y)
    hits = [i for i, _ in verdicts(y, np.zeros_like(y) if local else loop_played(loop, y), music=True) if i >= 50]
    return bool(hits), None if not hits or onset is None else (hits[0] - onset) * 20.0


def music_negatives(sets: dict[str, dict[str, Callable[[], list[np.ndarray]]]]) -> list[list[str]]:
    """Per set of harder negatives: minutes, mutes with nothing played, and mutes in the normal mode and in music
    mode under each far end (what a speaker's loudspeaker plays: the round-trip test and the echo rule use it)."""
    rows = []
    for name, classes in sets.items():
        per_class = [make() for make in classes.values()]  # a far end's seed is the signal's place in its class
        sigs = [sig for made in per_class for sig in made]
        row = [name, f"{sum(len(sig) for sig in sigs) / SAMPLE_RATE / 60:.2f}",
               str(sum(len(verdicts(sig)) for sig in sigs))]
        row += [str(sum(len(verdicts(sig, far(sig, k), music=music)) for made in per_class
                        for k, sig in enumerate(made))) for music in (False, True) for far in FAR_ENDS.values()]
        rows.append(row)
    return rows


def cpu_us_per_frame(seconds: float = 20.0) -> float:
    sig = np.concatenate([s for sigs in fs.false_positive_set().values() for s in sigs])[: int(seconds * SAMPLE_RATE)]
    frames = [sig[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES].astype(np.float32) for i in range(len(sig) // 960)]
    guard = FeedbackGuard()
    t0 = time.process_time()
    for f in frames:
        guard.feed(f)
    return 1e6 * (time.process_time() - t0) / len(frames)


def _db(x: float) -> str:
    return f"{round(x):+d}"  # no "-0"


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
          "howl over speech at mute dB (median / max)", "missed: at 5 s dB (max)",
          "old onset: detect after ms (median / max), ≤ 300 ms",
          "advice right: loudspeaker plays the loop / plays nothing"]
    rows1 = []
    h9 = ["local loop: excited by", "loop delay ms", "gain", *(f"first mute, {c}, against the stage silent"
                                                            for c in list(FAR_ENDS)[1:])]
    rows9 = []
    for d, g, hz in CASES:
        res = [detection(d, g, hz, seed) for seed in range(1, args.seeds + 1)]
        rows9.append(under_far_ends("speech", d, g, res))
        known = [r.after_onset_ms for r in res if r.after_onset_ms is not None]
        ok = sum(1 for r in res if r.muted and (r.after_onset_ms is None or r.after_onset_ms <= 300))
        text = f"{np.median(known):.0f} / {max(known):.0f}" if known else "—"
        at_mute = [r.over_db for r in res if r.muted]
        at_end = [r.over_db for r in res if not r.muted]
        old = [r.after_old_onset_ms for r in res if r.after_old_onset_ms is not None]
        old_ok = sum(1 for r in res if r.muted and (r.after_old_onset_ms is None or r.after_old_onset_ms <= 300))
        rows1.append([f"{d:.0f}", f"{g:.2f}", f"{np.mean([r.howl_hz for r in res]):.0f}", text, f"{ok}/{len(res)}",
                      str(sum(1 for r in res if not r.muted)),
                      f"{_db(float(np.median(at_mute)))} / {_db(max(at_mute))}" if at_mute else "—",
                      _db(max(at_end)) if at_end else "—",
                      (f"{np.median(old):.0f} / {max(old):.0f}, " if old else "—, ") + f"{old_ok}/{len(res)}",
                      f"{sum(1 for r in res if r.played is True)}/{sum(1 for r in res if r.muted)} / "
                      f"{sum(1 for r in res if r.local_played is False)}/{sum(1 for r in res if r.muted)}"])
    h5 = ["sung: loop delay ms", "gain", "howl Hz", "detect after onset ms (median / max)", "≤ 300 ms", "missed"]
    rows5 = []
    for d, g, hz in SUNG_CASES:
        res = [detection(d, g, hz, seed, sung=True) for seed in range(1, args.seeds + 1)]
        rows9.append(under_far_ends("singing", d, g, res))
        known = [r.after_onset_ms for r in res if r.after_onset_ms is not None]
        ok = sum(1 for r in res if r.muted and (r.after_onset_ms is None or r.after_onset_ms <= 300))
        rows5.append([f"{d:.0f}", f"{g:.2f}", f"{np.mean([r.howl_hz for r in res]):.0f}",
                      f"{np.median(known):.0f} / {max(known):.0f}" if known else "—", f"{ok}/{len(res)}",
                      str(sum(1 for r in res if not r.muted))])
    h2 = ["class", "signals", "minutes", "mutes", "mutes/min"]
    rows2 = []
    for cls, sigs in fs.false_positive_set().items():
        minutes = sum(len(s) for s in sigs) / SAMPLE_RATE / 60
        n = sum(len(mutes(s)) for s in sigs)
        rows2.append([cls, str(len(sigs)), f"{minutes:.2f}", str(n), f"{n / minutes:.2f}"])
    h4 = ["harder negative (tests/media/feedback_hard_signals.py, feedback_heldout_signals.py, "
          "feedback_heldout2_signals.py)", "signals",
          "minutes", "mutes", "mutes/min"]
    rows4 = []
    h6 = ["harder negative muted", "signal", "at s", "Hz", "reason"]
    rows6 = []
    for cls, make in (HARDER_CLASSES | HELDOUT_CLASSES | HELDOUT2_CLASSES).items():
        sigs = make()
        minutes = sum(len(s) for s in sigs) / SAMPLE_RATE / 60
        found = [verdicts(s) for s in sigs]
        n = sum(len(f) for f in found)
        rows4.append([cls, str(len(sigs)), f"{minutes:.2f}", str(n), f"{n / minutes:.2f}"])
        rows6 += [[cls, f"#{k}", f"{i * FRAME_SAMPLES / SAMPLE_RATE:.2f}", f"{v.frequency_hz:.0f}", v.reason]
                  for k, f in enumerate(found) for i, v in f]
    h7 = ["music mode: loop delay ms", "gain", "loudspeaker plays the loop: ≤ 300 ms, median / max ms",
          "local loop (nothing played): ≤ 300 ms, median / max ms, missed"]
    rows7 = []
    for d, g, hz in CASES:
        cols = [f"{d:.0f}", f"{g:.2f}"]
        for local in (False, True):
            res = [music_detection(d, g, hz, seed, local) for seed in range(1, args.seeds + 1)]
            known = [ms for _, ms in res if ms is not None]
            ok = sum(1 for muted, ms in res if muted and (ms is None or ms <= 300))
            cols.append(f"{ok}/{len(res)}, " + (f"{np.median(known):.0f} / {max(known):.0f}" if known else "—")
                        + (f", {sum(1 for muted, _ in res if not muted)} missed" if local else ""))
        rows7.append(cols)
    h8 = ["harder negatives under each far end", "minutes", "mutes: normal mode (nothing played)",
          *(f"normal mode: {c}" for c in FAR_ENDS), *(f"music mode: {c}" for c in FAR_ENDS)]
    rows8 = music_negatives({"harder negatives": HARDER_CLASSES, "held-out set 1": HELDOUT_CLASSES,
                             "held-out set 2": HELDOUT2_CLASSES})
    cpu = cpu_us_per_frame()
    h3 = ["CPU µs per 20 ms frame (process time, mean over 20 s)"]
    rows3 = [[f"{cpu:.0f}"]]
    tables = ((h1, rows1), (h5, rows5), (h9, rows9), (h2, rows2), (h4, rows4), *(((h6, rows6),) if rows6 else ()),
              (h7, rows7), (h8, rows8), (h3, rows3))
    for h, r in tables:
        print(render(h, r) + "\n")
    if args.markdown:
        Path(args.markdown).write_text("\n\n".join(markdown(h, r) for h, r in tables) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
