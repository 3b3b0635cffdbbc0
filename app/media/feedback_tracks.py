"""Which peak gets a track when the feedback guard (app.media.feedback) has none free: one that grows as a howl does.

Why a module of its own: the guard follows at most 8 peaks (tracks), chosen by prominence (PNPR) and kept while
they stay tonal. A sung or played note's partials are tonal in every frame and more prominent than a howl beginning
beside one, so they kept all 8 tracks while the howl grew 60 dB unseen (a gain-2 loop under singing, missed in 3 of
16 runs). So, every frame, the most prominent untracked peaks are checked for growth on their bin's history in the
guard's ring of spectra (the guard's own closed-form pre-check, feedback_growth.possible), and one that could be a
howl takes a free track or the track whose level has not grown for longest. Only the choice of tracks changes: the
peak is then judged by every test the guard has.
"""

from __future__ import annotations

import numpy as np

from app.media.feedback_growth import HISTORY, possible, smoothed

GROW_CANDIDATES = 4  # the most prominent untracked peaks checked each frame
GROW_PNPR = 15.0  # ... from this PNPR (dB, peak over bins ±4–8 away): a peak that the guard would judge now
# ... within this of the spectrum's loudest bin: a note's crescendo lifts the skirts between its partials too (a
# peak at −75 dBFS rising 6 dB in 1 s between two voices' partials was muted when it got a track)
GROW_RANGE_DB = 40.0
RISING = 6  # a peak is checked only if its level is the highest of its last RISING frames (a howl's is)
STEADY = 25  # a track is evicted only if its level has not reached a new high for this many frames

_PER_SUM = 10  # the guard rates candidates by the peak over the sum (not the mean) of its 10 neighbour bins
_LEAST = 10 ** (GROW_PNPR / 10) / _PER_SUM
_RANGE = 10 ** (-GROW_RANGE_DB / 10)
_STRONG = 10 ** (GROW_PNPR / 10)


def candidates(rated: np.ndarray, taken: set[int], offset: int) -> list[int]:
    """The bins of the GROW_CANDIDATES most prominent peaks without a track, most prominent first. `rated`: the
    guard's per-bin candidate rating (peak over the sum of its neighbours, 0 where no peak) from bin `offset` on."""
    peaks = [i for i in np.flatnonzero(rated >= _LEAST).tolist() if i + offset not in taken]
    peaks.sort(key=rated.item, reverse=True)
    return [i + offset for i in peaks[:GROW_CANDIDATES]]


def loud(bins: list[int], power: list[list[float]], loudest: float) -> list[int]:
    """The candidates whose power now (`power`: their bins k−1..k+1, as `growing` sums them) is within GROW_RANGE_DB
    of `loudest`: `growing` finds no other, so it is not given the rest's history (in a song a note's weaker
    partials are the only candidates in a quarter to a half of the frames: ~25 µs each)."""
    return [k for k, (a, b, c) in zip(bins, power, strict=True) if a + b + c >= loudest * _RANGE]


def growing(spectra: np.ndarray, floors: np.ndarray, loudest: float, present: float,
            floor: float) -> tuple[int, int | None] | None:
    """The first peak that could be a growing howl, as (its row, frames since its PNPR was last ≥ GROW_PNPR before
    this frame, None if not in the history), or None. `spectra`: per peak its bins k−1..k+1 over its history, this
    frame last (peaks × 3 × frames), `floors` its floor (feedback_floor) in those frames (peaks × frames);
    `loudest`: the power of this frame's loudest bin; `present`, `floor`: the PNPR and power (linear) of a frame
    that counts."""
    power = spectra[:, :3].sum(axis=1)
    level = smoothed(power + 1e-20)
    # a howl's (smoothed) level is at a new high: this skips the pre-check (~25–45 µs) in most frames of a song
    rows = np.flatnonzero((level[:, -1] > level[:, -RISING:-1].max(axis=1)) & (power[:, -1] >= loudest * _RANGE))
    if not len(rows):
        return None
    n, past = len(rows), spectra.shape[2]
    pnpr = spectra[rows, 1] / floors[rows]
    levels, tonal = np.zeros((n, HISTORY)), np.zeros((n, HISTORY))
    levels[:, HISTORY - past :] = level[rows]
    tonal[:, HISTORY - past :] = (pnpr >= present) & (power[rows] >= floor)
    for r, (j, ok) in enumerate(zip(rows.tolist(), possible(levels, tonal, [past] * n), strict=True)):
        if ok:
            strong = np.flatnonzero(pnpr[r, :-1] >= _STRONG)
            return j, (past - 1 - int(strong[-1]) if len(strong) else None)
    return None


def steadiest(levels: np.ndarray, tonal: np.ndarray, counts: list[int]) -> int | None:
    """The track (row of the guard's level / tonal history, `counts` frames each) whose level has not reached a new
    high for longest, at least STEADY frames, and that could not be growing in any window; None if none is."""
    quiet = {i: c - 1 - int(np.argmax(levels[i, HISTORY - c :])) for i, c in enumerate(counts) if c >= STEADY}
    rows = [i for i, q in quiet.items() if q >= STEADY]
    if not rows:
        return None
    r = np.array(rows)
    rows = [i for i, m in zip(rows, possible(levels[r], tonal[r], [counts[i] for i in rows]), strict=True) if not m]
    return max(rows, key=quiet.__getitem__) if rows else None
