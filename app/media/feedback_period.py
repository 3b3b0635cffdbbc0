"""The feedback guard's growth test for a loop as long as a stage's round trip (app.media.feedback).

Why: two speakers whose loudspeakers reach their own microphones close a loop through the bridge (mix-minus: one
room alone cannot), one round trip ~0.5 s (two bridge legs of ~200 ms with the monitors' cushions, the devices).
Its howl does not rise steadily: each round trip brings back what the last one carried (the syllables that excited
it, ringing in the room's resonance) a few dB louder, so the level pulses by ~20 dB within a round trip while its
peaks grow; once clipped, the peaks stay at full scale and the dips go on. The steady-growth windows
(feedback_growth) judged that jumpy or decelerating: offline stage loops of +10 dB a round trip were muted late,
some once clipped, 5 of 16 not in 8 s (benchmarks/feedback_stage_loop.py; README "A stage's loop").
 A loop's output repeats itself one round trip later, louder by the loop's gain: here, the track's level over its last
round trip stands over the one before by ≥ RISE_DB on average, higher in nearly every frame, with the same pulses, and
the round trip before that rose too. Three round trips must fit the track's 2 s history: round trips of 0.3–0.66 s;
longer ones are left to the steady windows. Only for a tone that is also in what we play (a stage's loop goes through
our loudspeaker by construction; feedback_far_end).
"""

from __future__ import annotations

import numpy as np

from app.media.feedback_growth import HISTORY

LAGS = np.arange(15, HISTORY // 3 + 1)  # frames: round trips of 0.3–0.66 s, three of them in the track's history
# The last round trip's level over the one before: at least RISE_DB on average and higher in RISING of the frames
# where the tone was in both (PRESENT of the round trip at least); and the round trip before rose over the one
# before it by EARLIER_DB (where the tone was in both, EARLIER_PRESENT of it at least). A loop grows each round
# trip; two syllables a lag apart, the second louder, are a coincidence (at lags of 16–33 frames, not the loop's
# 26–28: 2 mutes in 16 runs of a −6 dB loop with two round trips only). Measured on stage loops of +3/+6/+10 dB and
# −3/−6 dB (16 runs each) and the negatives under four far ends: RISE_DB 6 muted 2 of 16 +3 dB loops in 8 s, 4 dB
# 5, 2 dB all 16, with no more false mutes (one −6 dB run, one held-out bowl with its own sound back at −20 dB).
RISE_DB = 2.0
RISING = 0.9
PRESENT = 0.6
EARLIER_DB = 1.0
EARLIER_PRESENT = 0.3
# Its envelope repeats the one before: each round trip's own straight line taken out, what is left (the pulses of
# the syllables that excited the loop) correlates by SHAPE and is PULSES_DB deep (RMS). A steady swell (a sine
# swell, a crescendo, a bowl building up) is a straight line in dB, nothing left; it is the steady windows' to judge.
SHAPE = 0.7
PULSES_DB = 3.0

_J = np.arange(int(LAGS.max()))
_VALID = _J[None, :] < LAGS[:, None]  # (lags, frames of the longest round trip)
_NOW = np.where(_VALID, HISTORY - LAGS[:, None] + _J[None, :], HISTORY - 1)
_BEFORE = np.where(_VALID, _NOW - LAGS[:, None], HISTORY - 1)
_EARLIER = np.where(_VALID, _NOW - 2 * LAGS[:, None], HISTORY - 1)
# (HISTORY, 3 × lags): column j sums the last LAGS[j] frames, column lags + j the LAGS[j] before them, 2 × lags + j
# the LAGS[j] before those
_SEGMENTS = np.zeros((HISTORY, 3 * len(LAGS)))
for _j, _lag in enumerate(LAGS):
    _SEGMENTS[HISTORY - _lag :, _j] = 1.0
    _SEGMENTS[HISTORY - 2 * _lag : HISTORY - _lag, len(LAGS) + _j] = 1.0
    _SEGMENTS[HISTORY - 3 * _lag : HISTORY - 2 * _lag, 2 * len(LAGS) + _j] = 1.0
_LEAST = PRESENT * LAGS
_LONGEST3 = 3 * LAGS[None, :]


def rising_tracks(levels: np.ndarray, tonal: np.ndarray, counts: list[int]) -> list[bool]:
    """Per track (rows: levels dB and `tonal` > 0 where present, the last HISTORY frames; `counts` frames of history
    each): does its mean level over its last round trip stand RISE_DB over the one before's, for some round trip (where
    the tone was in PRESENT of each), the one before rising by EARLIER_DB, its spread at least PULSES_DB? Necessary
    conditions of `round_trip_growth` when the tone was in every frame (with frames masked, nearly: the segments' own
    masks, not the round trips' joint one; 230 of 9,295 masked loops rejected), all tracks and lags in one product (~25
    µs a frame in a song): the exact test (~100 µs a track) runs only for those (in 25–70 of 1,000 frames of a song
    instead of 350–440 with the rise alone)."""
    ok = tonal > 0
    m = len(counts)
    y = ok * levels
    sums = np.concatenate((y, ok, y * levels)) @ _SEGMENTS  # rows: level sums, frames present, squares, per track
    n = np.maximum(sums[m : 2 * m], 1.0)
    mean = sums[:m] / n
    k = len(LAGS)
    spread = sums[2 * m :, :k] / n[:, :k] - mean[:, :k] ** 2  # the last round trip's variance: ≥ its pulses' MS
    found = ((mean[:, :k] - mean[:, k : 2 * k] >= RISE_DB) & (mean[:, k : 2 * k] - mean[:, 2 * k :] >= EARLIER_DB)
             & (spread >= PULSES_DB**2) & (n[:, :k] >= _LEAST) & (n[:, k : 2 * k] >= _LEAST)
             & (n[:, 2 * k :] >= EARLIER_PRESENT * LAGS)
             & (_LONGEST3 <= np.array(counts)[:, None]))
    return (found.any(axis=1) & ok[:, -1]).tolist()


def round_trip_growth(levels: np.ndarray, tonal: np.ndarray, count: int) -> tuple[int, float] | None:
    """(round trip in frames, rise in dB a round trip) at which a track's levels (dB, its last HISTORY frames;
    `tonal` > 0 where present; `count` frames of history) repeat themselves louder, as a loop's; the lag whose pulses
    correlate best, or None. For the tracks `rising_tracks` found."""
    if count < 3 * LAGS[0] or tonal[-1] <= 0:
        return None
    ok = tonal > 0
    m = _VALID & ok[_NOW] & ok[_BEFORE] & (3 * LAGS[:, None] <= count)
    m3 = m & ok[_EARLIER]
    n, n3 = m.sum(axis=1), m3.sum(axis=1)
    usable = (n >= PRESENT * LAGS) & (n3 >= EARLIER_PRESENT * LAGS)
    if not usable.any():
        return None
    now, before = np.where(m, levels[_NOW], 0.0), np.where(m, levels[_BEFORE], 0.0)
    d = now - before
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = d.sum(axis=1) / n
        rising = np.count_nonzero((d > 0) & m, axis=1) / n
        earlier = np.where(m3, levels[_BEFORE] - levels[_EARLIER], 0.0).sum(axis=1) / n3
        pulses_now, pulses_before = _pulses(now, m, n), _pulses(before, m, n)
        rms = np.sqrt((pulses_now * pulses_now).sum(axis=1) / n)
        shape = (pulses_now * pulses_before).sum(axis=1) / np.sqrt(
            (pulses_now * pulses_now).sum(axis=1) * (pulses_before * pulses_before).sum(axis=1))
        good = (usable & (rise >= RISE_DB) & (rising >= RISING) & (earlier >= EARLIER_DB) & (shape >= SHAPE)
                & (rms >= PULSES_DB))
    if not good.any():
        return None
    j = int(np.flatnonzero(good)[np.argmax(shape[good])])
    return int(LAGS[j]), float(rise[j])


def _pulses(y: np.ndarray, m: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Per row (a lag), y at the frames m less its least-squares line over them (0 elsewhere)."""
    t = np.where(m, _J[None, :].astype(np.float64), 0.0)
    mt, my = t.sum(axis=1) / n, y.sum(axis=1) / n
    tc = np.where(m, t - mt[:, None], 0.0)
    slope = (tc * y).sum(axis=1) / (tc * tc).sum(axis=1)
    return np.where(m, y - my[:, None] - slope[:, None] * tc, 0.0)
