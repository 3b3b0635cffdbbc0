"""Evidence against a howl from the whole spectrum, for the feedback guard (app.media.feedback).

Why a module of its own: the guard's tracks follow one peak (its level, frequency and the level at its harmonic
bins); a growing peak that is a partial of a swelling instrument or voice is told apart by looking at the rest of
the spectrum over the same window: a loop with gain > 1 makes one tone grow alone. These run on a window of power
spectra from the guard's ring (bins × frames), only for a track that passed every test of its own.
"""

from __future__ import annotations

import math

import numpy as np

# The peak (its 3 bins) over the strongest partial at 2f or 3f, mean power over the window, dB: a sawtooth or a pad
# has its 2nd partial 6 dB under the 1st, its k-th 6 dB over the 2k-th; a howl has none until it clips (speech
# partials there sat ≥ 10 dB under a howl that had risen over the speech, in the benchmark's loops).
PARTIAL_DB = 10.0
PARTIAL_PNPR = 10.0  # a bin at 2f / 3f counts as a partial in a frame where it is 10 dB over bins ±4–8 away
GROW = 0.5  # co-growth: the other level rises by more than this × the peak's slope ...
CORR = 0.7  # ... and follows it frame by frame (speech only fluctuates)
REST_CORR = 0.9  # the rest of the spectrum: speech that happens to get louder must not veto a howl


def fit(t: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of y over t."""
    tc = t - t.mean()
    return float(np.dot(tc, y - y.mean()) / (np.dot(tc, tc) + 1e-12))


def co_grows(t: np.ndarray, y: np.ndarray, other: np.ndarray, slope: float, corr: float = CORR) -> bool:
    """Does `other` (dB over the frames t) rise with the peak's level y (fitted `slope`), frame by frame?"""
    if fit(t, other) <= GROW * slope:
        return False
    yc, oc = y - y.mean(), other - other.mean()
    return float(np.dot(yc, oc)) >= corr * math.sqrt(float(np.dot(yc, yc)) * float(np.dot(oc, oc)))


def rises_throughout(t: np.ndarray, other: np.ndarray, w: int, slope: float) -> bool:
    """Does `other` rise by more than GROW × the peak's `slope` in each half of a w-frame window (frames t)? A
    crescendo's partials rise with its fundamental all along; a syllable that starts at f/2 late in the window is a
    step, which correlates with a steady rise as well (it vetoed 700 Hz howls for 0.1–0.3 s)."""
    first = t < w / 2
    return fit(t[first], other[first]) > GROW * slope and fit(t[~first], other[~first]) > GROW * slope


def partial_ratio_db(frames: np.ndarray, k: int, ok: np.ndarray) -> float | None:
    """The peak at bin k over its strongest partial at 2k or 3k (mean power over the frames `ok`), in dB; None
    where neither fits in the spectrum. A frame's bin counts only if it is a partial (10 dB over its neighbours):
    a fricative's noise at 2f is not one (it vetoed 2 kHz howls under speech when it counted)."""
    top = frames.shape[0] - 2  # the last row is the guard's zero bin
    parts = []
    for j in (2 * k, 3 * k):
        if j + 9 <= top:
            peak = frames[j - 2 : j + 3].max(axis=0)
            floor = (frames[j - 8 : j - 3].sum(axis=0) + frames[j + 4 : j + 9].sum(axis=0)) / 10
            parts.append(np.where(peak >= PARTIAL_PNPR * floor, peak, 0.0))
    if not parts:
        return None
    ratio = float(frames[k - 1 : k + 2].sum(axis=0)[ok].sum()) / (float(np.maximum.reduce(parts)[ok].sum()) + 1e-20)
    return 10 * math.log10(ratio + 1e-20)


def rest_db(frames: np.ndarray, k: int, lo: int, hi: int) -> np.ndarray:
    """Per frame: the power of the band lo..hi without the peak's bins k ± 8 (its window's skirt), in dB."""
    rest = frames[lo:hi].sum(axis=0) - frames[k - 8 : k + 9].sum(axis=0)
    return 10 * np.log10(np.maximum(rest, 1e-20))
