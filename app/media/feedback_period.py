"""The feedback guard's growth test for a loop as long as a stage's round trip (app.media.feedback).

Why: two speakers whose loudspeakers reach their own microphones close a loop through the bridge (mix-minus: one
room alone cannot), one round trip ~0.5 s (two bridge legs of ~200 ms with the monitors' cushions, the devices).
Its howl does not rise steadily: each round trip brings back what the last one carried (the syllables that excited
it, ringing in the room's resonance) a few dB louder, so the level pulses by ~20 dB within a round trip while its
peaks grow; once clipped, the peaks stay at full scale and the dips go on. The steady-growth windows
(feedback_growth) judged that jumpy or decelerating: offline stage loops of +10 dB a round trip were muted late,
some once clipped, 5 of 16 not in 8 s (benchmarks/feedback_stage_loop.py; docs/performance.md, "A stage's loop").
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
THREE_ROUND_TRIPS = 3 * int(LAGS[0])  # the frames of history a track needs (a Python int: compared per track)
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
# The pre-check reads each lag's three round trips as strided views of one array per call, (tracks, 3, _PADDED):
# rows tone present (0/1), level where present, its square; zero after the last frame, so that lag L's frames
# j ≥ L (the views are as long as the longest round trip) read 0 in "now" and drop out of every product.
_PADDED = HISTORY + len(_J) - int(LAGS[0])
_ITEM = np.dtype(np.float64).itemsize
_OFFSETS = {k: (HISTORY - k * int(LAGS[0])) * _ITEM for k in (1, 2, 3)}
_STRIDES = {k: (3 * _PADDED * _ITEM, -k * _ITEM, _PADDED * _ITEM, _ITEM) for k in (1, 2, 3)}
_TOL = 1e-6  # the pre-check's thresholds lie this far under the exact test's: BLAS sums in another order
# (tracks, lags, 6 = now's [present, level, square] × before's [present, level]) → n, Σ now − Σ before − RISE_DB·n,
# Σ now² − PULSES_DB²·n
_PAIRS = np.zeros((6, 3))
_PAIRS[[0, 2, 1, 0, 4, 0], [0, 1, 1, 1, 2, 2]] = [1.0, 1.0, -1.0, -(RISE_DB - _TOL), 1.0, -(PULSES_DB**2 - _TOL)]
_LEAST = PRESENT * LAGS


def rising_tracks(levels: np.ndarray, tonal: np.ndarray, counts: list[int]) -> list[bool]:
    """Per track (rows: levels dB, finite, and `tonal` > 0 where present, the last HISTORY frames; `counts` frames of
    history each): could `round_trip_growth` find it? For some round trip, over the frames where the tone was in it
    and in the one before (the exact test's joint mask), PRESENT of it: the mean level rose by RISE_DB, the level's
    variance reached PULSES_DB²; over those where it was also in the round trip before: EARLIER_PRESENT of it, a rise of
    EARLIER_DB; three round trips in the track's history.
     Necessary, never rejecting what the exact test finds: its sums are the exact test's own, over the same masks,
    so n, n3, the rise and the earlier rise are its numbers (to rounding: the thresholds lie _TOL under); the
    variance about the mean bounds the pulses' mean square from above (a least-squares line's residual is never
    larger than the deviation from the mean); the exact test's other conditions (RISING, SHAPE, present now) only
    reject more. tests/media/test_feedback_period.py checks it over masked loop histories.
     Cost (profiled, 20 s of singing while another speaker talks, seeds 1–3; ~6 tracks, in ~900 of 1,000 frames):
    ~24–28 µs a call, as the pre-check before (each round trip's own mask, which rejected 15 of 7,502 masked loops
    the exact test found) — ~22 numpy calls of ~1 µs and one batched product of 114 tiny matrices on strided views
    (~7 µs; gathering the joint masks instead cost 60–100 µs); the third round trip only for the (track, lag)
    pairs that pass the first two (in ~19 % of the calls)."""
    m = len(counts)
    if not m:
        return []
    a = np.zeros((m, 3, _PADDED))
    np.greater(tonal, 0, out=a[:, 0, :HISTORY])
    np.multiply(a[:, 0, :HISTORY], levels, out=a[:, 1, :HISTORY])
    np.multiply(a[:, 1, :HISTORY], levels, out=a[:, 2, :HISTORY])
    now, before = _lagged(a, 1, 3), _lagged(a, 2, 2)
    pairs = now @ before.swapaxes(2, 3)  # (tracks, lags, now's [present, level, square], before's [present, level])
    g = pairs.reshape(m, len(LAGS), 6) @ _PAIRS
    n, total = g[..., 0], pairs[..., 1, 0]  # frames in both, Σ now
    found = (n >= _LEAST) & (g[..., 1] >= 0.0) & (n * g[..., 2] >= total * total)  # n·Σ now² − (Σ now)² ≥ 9 n²
    t, j = np.nonzero(found)
    if not len(t):
        return [False] * m
    # those (track, lag) found: the round trip before, [present, level] in now and before × present in the one
    # before them, [present, level]
    third = (now[t, j, :1] * before[t, j]) @ _lagged(a, 3, 2)[t, j].swapaxes(1, 2)
    n3, lag = third[:, 0, 0], LAGS[j]
    up = ((n3 >= EARLIER_PRESENT * lag) & (third[:, 1, 0] - third[:, 0, 1] >= (EARLIER_DB - _TOL) * n3)
          & (3 * lag <= np.array(counts)[t]))
    rising = [False] * m
    for i in t[up].tolist():
        rising[i] = True
    return rising


def _lagged(a: np.ndarray, k: int, rows: int) -> np.ndarray:
    """A view (tracks, lags, `rows` of a's rows, frames j < longest lag) of the k-th last round trip per lag:
    a[:, row, HISTORY − k·L + j] (zero beyond the history: a is _PADDED long)."""
    return np.ndarray((len(a), len(LAGS), rows, len(_J)), np.float64, a, _OFFSETS[k], _STRIDES[k])


def round_trip_growth(levels: np.ndarray, tonal: np.ndarray, count: int) -> tuple[int, float] | None:
    """(round trip in frames, rise in dB a round trip) at which a track's levels (dB, its last HISTORY frames;
    `tonal` > 0 where present; `count` frames of history) repeat themselves louder, as a loop's; the lag whose pulses
    correlate best, or None. For the tracks `rising_tracks` found."""
    if count < THREE_ROUND_TRIPS or tonal[-1] <= 0:
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
