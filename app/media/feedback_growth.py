"""The feedback guard's growth test: is a track's level rising steadily in dB, as a loop with gain > 1 makes it?

Why a module of its own: the rule (windows, least rise, slope ratios, residual) is applied twice, exactly per track
(`growth`) and in closed form for all tracks and windows at once (`possible`, the pre-check that keeps the guard's
cost down: nearly every track is rejected there); both must say the same, so they sit together.
"""

from __future__ import annotations

import math

import numpy as np

from app.media.feedback_evidence import fit

HISTORY = 100  # frames of level history per track (2 s)
# frames, least rise dB, slope ratio. The 2 s window catches loops growing ~3–6 dB/s (gain ~1.05), which spent
# their time masked under speech in the shorter ones: one of 8 such runs grew unseen for 12 s without it.
WINDOWS = ((6, 8.0, 0.9), (12, 3.5, 0.75), (25, 4.5, 0.6), (50, 5.0, 0.6), (100, 6.0, 0.6))
PRESENT = 0.6
HALF = 0.5  # each half of a window rises at least this × the whole: steady growth, not a tremolo's half cycle
RESIDUAL_DB = 1.5
# ... or this fraction of the fitted rise: two loop modes a few Hz apart beat the level ±6 dB frame to frame while
# it rose 60 dB in a second (a gain-2 loop was missed on its residual alone).
RESIDUAL_RISE = 0.15
EPS = 1e-6  # margin of the pre-check: only what it rejects by more than this skips the exact tests

# The level and harmonic level judged are the mean power of the last SMOOTH frames: two loop modes 1/delay apart
# (33 Hz for a 30 ms loop, inside one peak) beat, and the 20 ms hop sampled that as ±6 dB every third frame; a
# gain-2 loop then failed the residual and slope-ratio tests until it saturated (3 of 16 runs took 340–560 ms).
SMOOTH = 3


_DIVISOR = np.minimum(np.arange(1, HISTORY + 1), SMOOTH).astype(np.float64)  # frames in each mean


def smoothed(power: np.ndarray) -> np.ndarray:
    """dB of the mean power of each frame and the SMOOTH − 1 before it (fewer at the start), along the last axis."""
    total = power.copy()
    for lag in range(1, SMOOTH):
        total[..., lag:] += power[..., :-lag]
    n = power.shape[-1]
    return 10 * np.log10(total / (_DIVISOR[:n] if n <= HISTORY else np.minimum(np.arange(1, n + 1), SMOOTH)) + 1e-20)


_W = np.array([w for w, _, _ in WINDOWS], dtype=np.float64)
_LEAST = np.array([least for _, least, _ in WINDOWS])
_RATIO = np.array([ratio for _, _, ratio in WINDOWS])


def growth(tt: np.ndarray, y: np.ndarray, w: int, least: float, ratio: float) -> tuple[str, float]:
    """('' or the first test failed, fitted slope per frame) for the levels y (dB) at the present frames tt of a
    window of w frames."""
    slope = fit(tt, y)
    if slope * (w - 1) < least:
        return "flat", slope
    first, second = tt < w / 2, tt >= w / 2
    if np.count_nonzero(first) < 3 or np.count_nonzero(second) < 3:
        return "absent", slope
    s1, s2 = fit(tt[first], y[first]), fit(tt[second], y[second])
    if s1 <= 0 or s2 < ratio * s1 or min(s1, s2) < HALF * slope:
        return "decel", slope
    resid = y - y.mean() - slope * (tt - tt.mean())
    if math.sqrt(float(np.mean(resid**2))) > max(RESIDUAL_DB, RESIDUAL_RISE * slope * (w - 1)):
        return "jumpy", slope
    return "", slope


def _moments() -> np.ndarray:
    """(HISTORY, 3 parts × 3 moments × windows): history @ this = Σ1, Σt, Σt² over each window's last w frames,
    its first half (t < w/2) and its second half, t counted from the window's start (as in `growth`)."""
    m = np.zeros((HISTORY, 3, 3, len(WINDOWS)))
    for j, (w, _, _) in enumerate(WINDOWS):
        t = np.arange(w, dtype=np.float64)
        for part, sel in enumerate((t >= 0, t < w / 2, t >= w / 2)):
            for power in range(3):
                m[HISTORY - w :, part, power, j] = np.where(sel, t**power, 0.0)
    return m.reshape(HISTORY, -1)


_MOMENTS = _moments()


_PRESENT_W = PRESENT * _W
_FLAT = _LEAST - EPS
_W1 = _W - 1
_USABLE = np.arange(HISTORY + 1)[:, None] >= _W  # per count of frames: the windows it fills


def possible(levels: np.ndarray, tonal: np.ndarray, counts: list[int]) -> list[bool]:
    """Per track (rows of levels dB / tonal 0-1, HISTORY frames, `counts` frames of history each): could `growth`
    pass in some window? Least squares in closed form over all windows at once reject (with a margin of EPS) the
    absent, flat, decelerating and jumpy ones. In stages, each only while some window is left, and the moments one
    product per power of y (the same BLAS call per power as on their stack, without the stack): as one expression
    it took ~55 µs a call in a song (~1 call a frame), nearly all numpy's overhead per call on (tracks × windows)
    arrays; ~half the calls end after the first stage, ~98 % after the second."""
    ok = tonal
    y = levels - levels[:, -1:]  # relative to the current level: small sums, exact enough
    oy = ok * y
    shape = (len(counts), 3, 3, len(WINDOWS))  # parts (window, first half, second half), Σ1 Σt Σt², windows
    n, st, stt = (ok @ _MOMENTS).reshape(shape).transpose(2, 0, 1, 3)
    sy, sty, _ = (oy @ _MOMENTS).reshape(shape).transpose(2, 0, 1, 3)
    none = [False] * len(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = stt - st * st / n
        cov = sty - st * sy / n
        slope = cov / var
        slope0, s1, s2 = slope[:, 0], slope[:, 1], slope[:, 2]
        # (a ≥ b where `growth` rejects a < b: they differ only at nan, where n < 3 in that part, rejected anyway)
        left = _USABLE[counts] & (n[:, 0] >= _PRESENT_W) & (slope0 * _W1 >= _FLAT)
        if not left.any():
            return none
        half = HALF * slope0 - EPS
        left &= ((n[:, 1:] >= 3).all(axis=1) & (s1 >= np.maximum(half, -EPS))
                 & (s2 >= np.maximum(_RATIO * s1 - EPS, half)))
        if not left.any():
            return none
        syy = ((oy * y) @ _MOMENTS)[:, : len(WINDOWS)]  # Σy² over each whole window
        ssr = syy - sy[:, 0] ** 2 / n[:, 0] - cov[:, 0] ** 2 / var[:, 0]
        left &= ~(ssr > (np.maximum(RESIDUAL_DB, RESIDUAL_RISE * slope0 * _W1) + EPS) ** 2 * n[:, 0])
    return left.any(axis=1).tolist()
