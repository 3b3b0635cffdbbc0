"""Pitch-preserving time-stretch for the playout (NetEQ's "preemptive expand" and "accelerate").

To play slower, one pitch period is repeated; to play faster, one is removed. The period is found by normalised
autocorrelation (2.5–15 ms lags), and the seam is a cross-fade over a whole period, so a periodic signal (a voiced
vowel, a tone) keeps its pitch and its waveform stays continuous. `TimeStretcher` keeps the average rate within
`max_rate` by spending a credit that grows with the audio it sees.
"""

from __future__ import annotations

import numpy as np

from app.media import SAMPLE_RATE

MIN_LAG = SAMPLE_RATE * 25 // 10000  # 2.5 ms
MAX_LAG = SAMPLE_RATE * 15 // 1000  # 15 ms
WINDOW = SAMPLE_RATE // 100  # 10 ms of signal compared with its shifted copy
QUIET_RMS = 32768 * 10 ** (-55 / 20)  # below this anything may be stretched: nobody hears the seam


def _mono(x: np.ndarray) -> np.ndarray:
    return (x.mean(axis=1) if x.ndim == 2 else x).astype(np.float64)


def _ramp(n: int) -> np.ndarray:
    """A raised-cosine fade-in of n samples (0 → 1), shaped to broadcast over channels."""
    w = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)
    return w.astype(np.float32)[:, None]


def find_period(x: np.ndarray, min_lag: int = MIN_LAG, max_lag: int = MAX_LAG) -> tuple[int, float]:
    """(lag, correlation): the lag at which the start of `x` best repeats itself, or (0, 0.0) if `x` is too short.

    Only lags with room for the whole-period cross-fade (2·lag ≤ len(x)) are tried.
    """
    mono = _mono(x)
    max_lag = min(max_lag, len(mono) - WINDOW, len(mono) // 2)
    if max_lag < min_lag:
        return 0, 0.0
    ref = mono[:WINDOW]
    corr = np.correlate(mono[min_lag : max_lag + WINDOW], ref, mode="valid")
    power = np.concatenate(([0.0], np.cumsum(mono**2)))
    lags = np.arange(min_lag, max_lag + 1)
    energy = power[lags + WINDOW] - power[lags]
    norm = corr / np.sqrt(energy * float(ref @ ref) + 1e-9)
    best = int(np.argmax(norm))
    return int(lags[best]), float(norm[best])


def expand(x: np.ndarray, period: int) -> np.ndarray:
    """`x` with one period repeated (len + period): the second period cross-fades into a copy of the first."""
    p, w = period, _ramp(period)
    xf = x.astype(np.float32)
    return np.concatenate((xf[:p], xf[p : 2 * p] * (1 - w) + xf[:p] * w, xf[p:]))


def accelerate(x: np.ndarray, period: int) -> np.ndarray:
    """`x` with one period removed (len − period): the first period cross-fades into the second."""
    p, w = period, _ramp(period)
    xf = x.astype(np.float32)
    return np.concatenate((xf[:p] * (1 - w) + xf[p : 2 * p] * w, xf[2 * p :]))


class TimeStretcher:
    """Stretches by whole periods, never faster than `max_rate` on average (a credit of samples it may add/drop)."""

    def __init__(self, max_rate: float = 0.05, min_corr: float = 0.6) -> None:
        self.max_rate = max(0.0, max_rate)
        self.min_corr = min_corr
        self.credit = 0.0
        self.net_samples = 0  # samples added (+) or removed (−) so far
        self._refused = 0  # consecutive chances passed over for a poor match (noise-like audio)

    def process(self, x: np.ndarray, earned: int, direction: int) -> np.ndarray:
        """Stretch `x` (samples not yet played) by one period: +1 longer, −1 shorter, 0 unchanged.

        `earned` is how much new audio `x` holds since the last call; it buys `earned · max_rate` samples of credit.
        A stretch happens only when the credit covers the period and the signal repeats well (or is quiet).
        """
        self.credit = min(self.credit + earned * self.max_rate, 2.0 * MAX_LAG)
        if direction == 0 or self.credit < MAX_LAG:  # wait for the credit of the longest period: no search wasted
            return x
        lag, corr = find_period(x)
        if lag == 0:
            return x
        if corr < self.min_corr and np.sqrt(np.mean(_mono(x[: 2 * lag]) ** 2)) > QUIET_RMS and self._refused < 10:
            self._refused += 1  # after 10 refusals stretch anyway: noise-like audio has no period to keep
            return x
        self._refused = 0
        self.credit -= lag
        self.net_samples += lag if direction > 0 else -lag
        return expand(x, lag) if direction > 0 else accelerate(x, lag)
