"""Loss concealment that keeps its level, and splices that keep their phase (NetEQ's "expand" and "merge").

libopus's own PLC is good on speech coded by SILK (measured: within 4 dB of the speech level over 80 ms), but on a
tone or a held note coded by CELT it falls 19 dB within 10 ms: a lost packet in music is a hole. So when the audio
before a loss repeats itself (normalised correlation ≥ 0.9 at its pitch lag), a lost frame is the last pitch period
repeated, at full level, as NetEQ's expand does; otherwise libopus's PLC is used. The playout fades to comfort noise
after 100 ms of concealment, so the repeated period never becomes a drone.

After concealment or across a skipped hole, the audio that comes next rarely starts in phase with what was played:
cross-fading two out-of-phase copies of a tone cancels it (a sag, heard as a dropout). `align` finds where in the
new audio (within one longest pitch period) the concealment's continuation fits best, like NetEQ's merge: the
samples before it are dropped.
"""

from __future__ import annotations

import numpy as np

from app.media import CHANNELS
from app.media.stretch import MAX_LAG, MIN_LAG, PERIODIC_CORR, WINDOW, find_period, ramp

HISTORY = 2 * MAX_LAG + WINDOW  # enough real audio to find the longest period and compare a window after it


class Concealer:
    """Remembers the last real audio at the playhead; makes concealment frames and splice tails from it."""

    def __init__(self) -> None:
        self._history = np.zeros((0, CHANNELS), np.float32)
        self._period: np.ndarray | None = None  # the repeated pitch period while extending
        self._phase = 0
        self._checked = False  # the history was searched for a period since the last real audio
        self._fresh = True  # no concealment made since the last real audio
        self.extended_frames = 0  # frames (or tails) made by repeating a period (tests, counters)

    def played(self, pcm: np.ndarray) -> None:
        """Real audio was queued at the playhead: the next loss is concealed from it."""
        self._history = np.concatenate((self._history, pcm.astype(np.float32)))[-HISTORY:]
        self._period, self._phase, self._checked, self._fresh = None, 0, False, True

    def reset(self) -> None:
        self._history = np.zeros((0, CHANNELS), np.float32)
        self._period, self._phase, self._checked, self._fresh = None, 0, False, True

    def _find(self) -> np.ndarray | None:
        if not self._checked:
            self._checked = True
            if len(self._history) >= HISTORY:
                lag, corr = find_period(self._history[::-1])  # the period the end of the history repeats
                if lag and corr >= PERIODIC_CORR:
                    # The last period, its end cross-faded into the period before it: a signal's true period is
                    # rarely a whole number of samples, and repeating the raw period puts a step (a click) at every
                    # repetition. Faded so, the period ends where it began, so its repetitions join smoothly.
                    w = ramp(lag)
                    self._period = self._history[-lag:] * (1 - w) + self._history[-2 * lag : -lag] * w
        return self._period

    @property
    def level(self) -> float | None:
        """RMS of the period being repeated (the level before the loss), or None when the concealment is not one."""
        period = self._period
        return float(np.sqrt(np.mean(np.square(period[:, 0])))) if period is not None else None

    def extend(self, n: int, advance: bool = True) -> np.ndarray | None:
        """`n` samples continuing the history by repeating its last period, or None if it is not periodic."""
        period = self._find()
        if period is None:
            return None
        index = (self._phase + np.arange(n)) % len(period)
        if advance:
            self._phase = int((self._phase + n) % len(period))
        return period[index]

    def conceal(self, plc: np.ndarray) -> np.ndarray:
        """A lost frame: the repeated period when the history has one, else libopus's `plc` (same length)."""
        out = self.extend(len(plc))
        if out is None:
            return plc.astype(np.float32)
        if self._fresh:
            # The period found is a whole number of samples, the signal's rarely is: its first sample is up to a
            # sample off the real audio's continuation, a step a listener hears as a click. libopus's PLC starts
            # exactly where the audio left off (it sags only later), so the repetition fades in from it.
            k = min(MIN_LAG, len(out))
            w = ramp(k)
            out[:k] = plc[:k].astype(np.float32) * (1 - w) + out[:k] * w
        self._fresh = False
        self.extended_frames += 1
        return out


def align(tail: np.ndarray, x: np.ndarray) -> int:
    """Samples to drop from the start of `x` so that it continues `tail`'s waveform (0 if nothing fits better).

    The offset (< MAX_LAG, leaving all of `tail` to cross-fade over) is the first one whose normalised correlation
    with `tail` is within 0.02 of the best; none is taken when the best is a poor match (< 0.5: noise-like audio)
    or when `x` already continues `tail` (≥ 0.9 at offset 0).
    """
    t = tail[:, 0].astype(np.float32) if tail.ndim == 2 else tail.astype(np.float32)
    m = x[:, 0].astype(np.float32) if x.ndim == 2 else x.astype(np.float32)
    span = min(MAX_LAG, len(m) - len(t))
    if span <= 0 or not len(t):
        return 0
    corr = np.correlate(m[: span + len(t)], t, mode="valid")
    power = np.concatenate(([0.0], np.cumsum(np.square(m[: span + len(t)], dtype=np.float64))))
    energy = power[len(t) : len(t) + span + 1] - power[: span + 1]
    norm = corr / np.sqrt(energy * float(t @ t) + 1e-9)
    top = float(norm.max())
    if top < 0.5 or norm[0] >= min(0.9, top - 0.05):
        return 0  # nothing fits, or the content is already in phase: drop nothing
    return int(np.flatnonzero(norm >= top - 0.02)[0])  # the first good fit: as little content lost as can be


MAX_LIFT = 4.0  # 12 dB: a decoder's sag is lifted by at most this much
LIFT_BLOCK = MIN_LAG  # 2.5 ms steps of the lift; each measured over 5 ms


def lift(x: np.ndarray, level: float) -> np.ndarray:
    """`x` (the first content after a concealment that kept `level`) with any sag lifted back to `level`.

    libopus predicts each frame's band energies from the frame before: after its own PLC (which falls 19 dB within
    10 ms on a tone, even while ours plays instead) the first frame it decodes starts ~10 dB low and takes ~20 ms
    to recover, a dip right after a seamless concealment. The gain follows the content's 5 ms level up to
    `level` (at most 12 dB; blocks more than 20 dB under it are left alone: the sound really ended) and is 1 from
    where the content is back at level.
    """
    mono = x[:, 0] if x.ndim == 2 else x
    n = len(mono) // LIFT_BLOCK - 1
    if n < 1 or level <= 0:
        return x
    power = np.concatenate(([0.0], np.cumsum(np.square(mono, dtype=np.float64))))
    starts = np.arange(n) * LIFT_BLOCK
    rms = np.sqrt((power[starts + 2 * LIFT_BLOCK] - power[starts]) / (2 * LIFT_BLOCK))
    gain = np.where(rms * 10 > level, np.clip(level / np.maximum(rms, 1e-9), 1.0, MAX_LIFT), 1.0)
    if float(gain.max()) <= 1.0:
        return x
    gain = np.append(gain, 1.0)
    at = np.append(starts + LIFT_BLOCK, len(mono))  # each block's gain at its 5 ms window's centre
    g = np.interp(np.arange(len(mono)), at, gain).astype(np.float32)
    return x * (g[:, None] if x.ndim == 2 else g)
