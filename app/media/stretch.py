"""Pitch-preserving, content-aware time-stretch for the playout (NetEQ's "preemptive expand" and "accelerate").

How fast a listener hears playback being stretched depends on what is playing, so the rate has a bound per class
of signal, decided for every 40 ms region (the frame being queued and the one before it, not yet played):

| class    | what it is                                              | grow   | shrink |
|----------|---------------------------------------------------------|--------|--------|
| QUIET    | a pause: every 10 ms block < −55 dBFS or 30 dB under     | 100 %  | 50 %   |
|          | the loudest frame of the last second                    |        |        |
| ONSET    | a transient: adjacent 10 ms blocks > 6 dB apart          | 0      | 0      |
| PERIODIC | a voiced vowel, a held note, a tone: correlation ≥ 0.9  | 25 %   | 25 %   |
|          | at the best pitch lag                                   |        |        |
| OTHER    | everything else (correlation < 0.9)                     | 5 %    | 5 %    |

Why these bounds:
- A pause carries no rhythm of its own: lengthening it is heard, at most, as a speaker pausing a little longer. NetEQ
  stretches its "passive" frames (energy ≤ 8× the background noise) with no correlation check at all; we double
  a pause at most, and shorten one by half at most so the words around it never run together.
- Onsets, plosives and word endings are where a repeated or missing period is heard (a stutter, a clipped
  consonant): never edited. Adjacent 10 ms blocks 6 dB apart is the same edge the gap analysis counts as a sag.
- A periodic segment repeats itself: inserting one whole period into a steady tone gives the same tone, and into a
  held vowel a slightly longer vowel. NetEQ edits active speech only at correlation ≥ 0.9, one pitch period
  (2.5–15 ms) per 30 ms block: up to 50 %. Liang, Färber & Girod (IEEE Trans. Multimedia 5(4), 2003) scale single
  voiced 20–30 ms packets with WSOLA inside talkspurts and found no impairment in listening tests. We take half of
  NetEQ's worst case, 25 %: one period in every 20 ms frame at the most.
- Correlation < 0.9 (breathy or mixed voicing, noise) gets the old global bound, 5 %, after a match ≥ 0.6; audio
  with no period at all (noise-like) is edited after 10 refusals, as before.

To play slower, one pitch period (or, in a pause, up to 20 ms) is repeated; to play faster, one is removed. The
seam is a raised-cosine cross-fade over that length, so the waveform stays continuous.
"""

from __future__ import annotations

import enum
from collections import deque

import numpy as np

from app.media import SAMPLE_RATE

MIN_LAG = SAMPLE_RATE * 25 // 10000  # 2.5 ms
MAX_LAG = SAMPLE_RATE * 15 // 1000  # 15 ms
WINDOW = SAMPLE_RATE // 100  # 10 ms of signal compared with its shifted copy
BLOCK = SAMPLE_RATE // 100  # 10 ms blocks for the level checks
QUIET_RMS = 32768 * 10 ** (-55 / 20)  # below this anything may be stretched: nobody hears the seam
QUIET_UNDER = 10 ** (-30 / 20)  # a pause: this far under the loudest frame of the last second
EDGE = 2.0  # adjacent 10 ms blocks this far apart in RMS (6 dB) are an onset or an ending
PERIODIC_CORR = 0.9
MIN_CORR = 0.6
DECIMATE = 4  # the coarse period search runs at 12 kHz (a pitch's energy is far below 6 kHz)
MAX_QUIET_CHUNK = SAMPLE_RATE // 50  # a pause grows by at most 20 ms per call (one frame's worth)


class Kind(enum.Enum):
    QUIET = "quiet"
    ONSET = "onset"
    PERIODIC = "periodic"
    OTHER = "other"


GROW = {Kind.QUIET: 1.0, Kind.ONSET: 0.0, Kind.PERIODIC: 0.25, Kind.OTHER: 0.05}
SHRINK = {Kind.QUIET: 0.5, Kind.ONSET: 0.0, Kind.PERIODIC: 0.25, Kind.OTHER: 0.05}


def _mono(x: np.ndarray) -> np.ndarray:
    """The first channel (the playout's channels carry the same mono feed), as float32 without a copy if it can."""
    return (x[:, 0] if x.ndim == 2 else x).astype(np.float32, copy=False)


def ramp(n: int) -> np.ndarray:
    """A raised-cosine fade-in of n samples (0 → 1), shaped to broadcast over channels."""
    w = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n) + 0.5) / n)
    return w.astype(np.float32)[:, None]


def _best_lag(mono: np.ndarray, min_lag: int, max_lag: int, window: int) -> tuple[int, float]:
    ref = mono[:window]
    corr = np.correlate(mono[min_lag : max_lag + window], ref, mode="valid")
    power = np.cumsum(np.square(mono[: max_lag + window], dtype=np.float64))
    energy = power[min_lag + window - 1 : max_lag + window] - power[min_lag - 1 : max_lag]
    norm = corr / np.sqrt(energy * float(ref @ ref) + 1e-9)
    best = int(np.argmax(norm))
    return min_lag + best, float(norm[best])


def find_period(x: np.ndarray, min_lag: int = MIN_LAG, max_lag: int = MAX_LAG) -> tuple[int, float]:
    """(lag, correlation): the lag at which the start of `x` best repeats itself, or (0, 0.0) if `x` is too short.

    Only lags with room for the whole-period cross-fade (2·lag ≤ len(x)) are tried. A coarse search at 12 kHz, then
    ±DECIMATE samples at full rate: a quarter of the multiplies squared (measured 0.6 → 0.09 ms per call).
    """
    mono = _mono(x)
    max_lag = min(max_lag, len(mono) - WINDOW, len(mono) // 2)
    if max_lag < min_lag:
        return 0, 0.0
    coarse = mono[: len(mono) // DECIMATE * DECIMATE : DECIMATE]  # every 4th sample: Opus has no energy above
    # 20 kHz and voices little above 4 kHz, so the aliasing moves no pitch peak that matters for a coarse guess
    lag, _ = _best_lag(coarse, max(1, min_lag // DECIMATE), max_lag // DECIMATE, WINDOW // DECIMATE)
    low = max(min_lag, lag * DECIMATE - DECIMATE)
    high = min(max_lag, lag * DECIMATE + DECIMATE)
    return _best_lag(mono, low, high, WINDOW)


def expand(x: np.ndarray, period: int) -> np.ndarray:
    """`x` with one period repeated (len + period): the second period cross-fades into a copy of the first."""
    p, w = period, ramp(period)
    xf = x.astype(np.float32)
    return np.concatenate((xf[:p], xf[p : 2 * p] * (1 - w) + xf[:p] * w, xf[p:]))


def accelerate(x: np.ndarray, period: int) -> np.ndarray:
    """`x` with one period removed (len − period): the first period cross-fades into the second."""
    p, w = period, ramp(period)
    xf = x.astype(np.float32)
    return np.concatenate((xf[:p] * (1 - w) + xf[p : 2 * p] * w, xf[2 * p :]))


def block_rms(x: np.ndarray) -> np.ndarray:
    """RMS of each 10 ms block of the first channel."""
    mono = _mono(x)
    n = len(mono) // BLOCK
    blocks = mono[: n * BLOCK].reshape(n, BLOCK)
    return np.sqrt(np.einsum("ij,ij->i", blocks, blocks) / BLOCK)


class TimeStretcher:
    """Stretches by whole periods (or pause chunks), never faster on average than its class allows.

    Each class has its own credit of samples it may add or remove, earned by the audio of that class only, so
    credit a pause earned is never spent on a vowel. `seen` and `stretched` count, per class, the samples
    processed and the samples added (+) or removed (−): the rates the benchmark reports.
    """

    def __init__(self, max_rate: float = 0.05, min_corr: float = MIN_CORR) -> None:
        self.max_rate = max(0.0, max_rate)  # the bound for OTHER (the pre-classes global bound)
        self.min_corr = min_corr
        self.credit = {kind: 0.0 for kind in Kind}
        self.seen = {kind: 0 for kind in Kind}
        self.stretched = {kind: 0 for kind in Kind}
        self._refused = 0  # consecutive chances passed over for a poor match (noise-like audio)
        self._loud: deque[float] = deque(maxlen=50)  # the RMS of the last second's frames

    @property
    def net_samples(self) -> int:
        """Samples added (+) or removed (−) so far."""
        return sum(self.stretched.values())

    def _rate(self, kind: Kind, direction: int) -> float:
        if kind is Kind.OTHER:
            return self.max_rate
        return (GROW if direction >= 0 else SHRINK)[kind]

    def classify(self, x: np.ndarray, earned: int) -> tuple[Kind, int, float]:
        """(class, lag, correlation) of region `x` whose last `earned` samples are new; lag 0 when not searched."""
        blocks = block_rms(x)
        if not len(blocks):
            return Kind.OTHER, 0, 0.0
        new = blocks[-max(1, earned // BLOCK) :]
        self._loud.append(float(np.sqrt(np.mean(new * new))))
        quiet = max(QUIET_RMS, max(self._loud) * QUIET_UNDER)
        if float(blocks.max()) < quiet:
            return Kind.QUIET, 0, 0.0
        floor = np.maximum(blocks, quiet)
        if float(np.max(np.maximum(floor[1:] / floor[:-1], floor[:-1] / floor[1:]), initial=1.0)) > EDGE:
            return Kind.ONSET, 0, 0.0
        lag, corr = find_period(x)
        return (Kind.PERIODIC if corr >= PERIODIC_CORR else Kind.OTHER), lag, corr

    def process(self, x: np.ndarray, earned: int, direction: int) -> np.ndarray:
        """Stretch `x` (samples not yet played): +1 longer, −1 shorter, 0 unchanged.

        `earned` is how much new audio `x` holds since the last call; it buys credit at its class's rate. With no
        direction (the cushion is where it should be: most of the time) nothing is analysed.
        """
        if direction == 0:
            return x
        kind, lag, corr = self.classify(x, earned)
        self.seen[kind] += earned
        cap = MAX_QUIET_CHUNK if kind is Kind.QUIET else 2 * MAX_LAG
        self.credit[kind] = min(self.credit[kind] + earned * self._rate(kind, direction), cap)
        credit = self.credit[kind]
        if kind is Kind.ONSET:
            return x
        if kind is Kind.QUIET:
            size = min(int(credit), MAX_QUIET_CHUNK, len(x) // 2)
            if size < MIN_LAG:
                return x
            return self._apply(kind, x, size, direction)
        if lag == 0 or credit < lag:
            return x
        if corr < self.min_corr and self._refused < 10:
            self._refused += 1  # after 10 refusals stretch anyway: noise-like audio has no period to keep
            return x
        self._refused = 0
        return self._apply(kind, x, lag, direction)

    def _apply(self, kind: Kind, x: np.ndarray, size: int, direction: int) -> np.ndarray:
        self.credit[kind] -= size
        self.stretched[kind] += size if direction > 0 else -size
        return expand(x, size) if direction > 0 else accelerate(x, size)
