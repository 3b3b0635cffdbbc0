"""Harder negatives for the feedback guard: voices and instruments in unison, and held-out notes of the benchmark's
crescendo and pad. benchmarks/feedback_guard.py prints the mutes on each class in a table of its own;
tests/media/test_feedback.py asserts 0 on the classes in PASSING (the rest the guard does not pass yet).

Origin: generated with numpy from fixed seeds by tests/media/feedback_signals.py's generators (no recordings).
Why these: two or three straight-tone voices in unison a few cents apart beat (partial k at k × the detuning), so
each partial rises out of its nulls for 0.1–0.5 s at a steady rate while they swell, and the beats decorrelate the
guard's frame-by-frame evidence against a crescendo (partials, the rest of the spectrum rising with the peak). The
first four classes were used to build the guard's harmonic-series test (December 4 night); the classes marked
"held-out" were generated afterwards, only to check it — until December 5, when their remaining mutes were traced
and fixed (the series test's reach, tolerance and beat allowance): they are no longer held out. The held-out set
now is tests/media/feedback_heldout_signals.py (2026-12-05).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.media import feedback_signals as fs


def unison(seconds: float, freq: float, seed: int, cents: tuple[float, ...] = (0.0, 4.0), rise_db: float = 15.0,
           level: float = 0.04) -> np.ndarray:
    """Straight-tone voices (no vibrato) `cents` apart, swelling together by `rise_db` over 2 s from 0.5 s; each as
    the benchmark's straight-tone crescendo at `level` (the sum peaks under full scale)."""
    return np.asarray(sum(fs.sung_crescendo(seconds, freq * 2 ** (c / 1200), seed + i, rise_db=rise_db, cents=0.0,
                                            level=level) for i, c in enumerate(cents)))


def clarinets(seconds: float, freq: float, seed: int, cents: float = 5.0) -> np.ndarray:
    """Two clarinet-like held notes `cents` apart (±2 cent jitter each), swelling by 12 dB over 2 s from 0.5 s."""
    a = fs.held_note(seconds, freq, fs.CLARINET, seed, level=0.1)
    b = fs.held_note(seconds, freq * 2 ** (cents / 1200), fs.CLARINET, seed + 1, level=0.1)
    return (a + b) * fs._db_ramp(len(a), 12.0, 0.5, 2.0)


HARDER_CLASSES: dict[str, Callable[[], list[np.ndarray]]] = {
    "unison, 2 straight voices 4 cents apart, +15 dB / 2 s": lambda: [unison(4.0, f, 100 + 3 * i) for i, f in
                                                                     enumerate((220.0, 330.0, 440.0, 660.0))],
    "unison, 2 straight voices 8 cents apart, +20 dB / 2 s": lambda: [
        unison(4.0, f, 120 + 3 * i, (0.0, 8.0), 20.0) for i, f in enumerate((261.6, 523.3))],
    "straight-tone crescendo +20 dB / 1.5 s, other notes": lambda: [
        fs.sung_crescendo(4.0, f, 70 + i, rise_db=20.0, rise=1.5, cents=0.0) for i, f in enumerate((261.6, 493.9,
                                                                                                     740.0))],
    "synth pad swell +20 dB / 2 s, other notes": lambda: [fs.synth_pad(4.0, f, 80 + i)
                                                          for i, f in enumerate((130.8, 261.6, 523.3, 659.3))],
    "held-out: unison, 2 voices 3 cents apart, +15 dB / 2 s": lambda: [
        unison(4.0, f, 200 + 3 * i, (0.0, 3.0)) for i, f in enumerate((196.0, 293.7, 392.0, 587.3))],
    "held-out: unison, 2 voices 6 cents apart, +12 dB / 2 s": lambda: [
        unison(4.0, f, 220 + 3 * i, (0.0, 6.0), 12.0) for i, f in enumerate((246.9, 349.2, 523.3))],
    "held-out: unison, 2 voices 10 cents apart, +20 dB / 2 s": lambda: [
        unison(4.0, f, 240 + 3 * i, (0.0, 10.0), 20.0) for i, f in enumerate((174.6, 440.0, 659.3))],
    "held-out: 3 voices 0 / +5 / −4 cents, +15 dB / 2 s": lambda: [
        unison(4.0, f, 260 + 3 * i, (0.0, 5.0, -4.0), level=0.03) for i, f in enumerate((220.0, 440.0))],
    "held-out: 2 clarinets 5 cents apart, +12 dB / 2 s": lambda: [clarinets(4.0, f, 280 + 2 * i)
                                                                 for i, f in enumerate((293.7, 440.0, 587.3))],
    "held-out: straight-tone crescendo +20 dB / 1.5 s": lambda: [
        fs.sung_crescendo(4.0, f, 300 + i, rise_db=20.0, rise=1.5, cents=0.0) for i, f in enumerate((207.7, 311.1,
                                                                                                     415.3, 554.4))],
    "held-out: synth pad swell +20 dB / 2 s": lambda: [fs.synth_pad(4.0, f, 310 + i)
                                                       for i, f in enumerate((98.0, 196.0, 392.0, 784.0))],
}

# The classes the guard passes (0 mutes), asserted by the unit tests.
PASSING = ["unison, 2 straight voices 4 cents apart, +15 dB / 2 s",
           "unison, 2 straight voices 8 cents apart, +20 dB / 2 s",
           "straight-tone crescendo +20 dB / 1.5 s, other notes", "synth pad swell +20 dB / 2 s, other notes",
           "held-out: unison, 2 voices 3 cents apart, +15 dB / 2 s",
           "held-out: unison, 2 voices 6 cents apart, +12 dB / 2 s",
           "held-out: unison, 2 voices 10 cents apart, +20 dB / 2 s",
           "held-out: 2 clarinets 5 cents apart, +12 dB / 2 s",
           "held-out: straight-tone crescendo +20 dB / 1.5 s"]
