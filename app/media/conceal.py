"""Loss concealment that keeps its level, and splices that keep their phase (NetEQ's "expand" and "merge").

libopus's own PLC is good on speech coded by SILK (measured: within 4 dB of the speech level over 80 ms), but on a
tone or a held note coded by CELT it falls 19 dB within 10 ms: a lost packet in music is a hole. So when the audio
before a loss repeats itself (normalised correlation ≥ 0.9 at its pitch lag), a lost frame is the last pitch period
repeated, at full level, as NetEQ's expand does; otherwise libopus's PLC is used. The playout fades to comfort noise
after 100 ms of concealment, so the repeated period never becomes a drone.

libopus is not told about a loss we conceal ourselves, nor asked for PLC to make a splice tail: its PLC leaves the
decoder's energy state decayed, and the next real frame then decodes 11 dB low on a tone, 5–10 dB on speech-like
audio (measured: steady tone 1 lost frame −11.4 dB with a PLC call, −2.8 dB without; after a 1 s skip −11.2 dB
with a 10 ms PLC call, 0 dB without).

After concealment or across a skipped hole, the audio that comes next rarely starts in phase with what was played:
cross-fading two out-of-phase copies of a tone cancels it (a sag, heard as a dropout). `align` finds where in the
new audio (within one longest pitch period) the concealment's continuation fits best, like NetEQ's merge: the
samples before it are dropped.

Not told of the loss, libopus resumes from a state 20 ms to seconds out of date: SILK predicts the first frame after
it from stale excitation out of phase, and it comes out up to 4 dB loud for ~25 ms (measured on the tone: 3 lost
frames +3.9 dB, a 260 ms hole +3.4 dB; steps 1.6× the tone's steepest). `ease` holds the content after a repeated
period to the level the repetition kept (+1 dB) for two frames, attenuating by at most 6 dB; it never lifts.
"""

from __future__ import annotations

import numpy as np

from app.media import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE
from app.media.stretch import MAX_LAG, PERIODIC_CORR, WINDOW, find_period, ramp

SEAM = SAMPLE_RATE // 400  # 2.5 ms cross-fades where a repeated period meets itself or what came before
HISTORY = 2 * MAX_LAG + WINDOW  # enough real audio to find the longest period and compare a window after it
EASE, RELEASE = 2 * FRAME_SAMPLES, SAMPLE_RATE // 100  # content eased after a repetition; its last 10 ms release
EASE_OVER, EASE_FLOOR = 10 ** (1 / 20), 10 ** (-6 / 20)  # held to the kept level +1 dB, attenuated ≤ 6 dB


class Concealer:
    """Remembers the last audio played at the playhead; makes concealment frames and splice tails from it."""

    def __init__(self) -> None:
        self._history = np.zeros((0, CHANNELS), np.float32)
        self._lag = 0  # the period being repeated (or last found), samples
        self._cycle = np.zeros(0, np.float32)  # one period, looped seamlessly
        self._periodic = False  # it repeats well enough (≥ 0.9) to stand in for lost audio
        self._phase = 0
        self._checked = False  # the history was searched since the last content
        self.extended_frames = 0  # frames made by repeating a period (tests, counters)
        self.easing = 0  # samples of content still to ease (see `ease`); the caller zeroes it for a fresh decoder
        self._kept, self._raw, self._gain = 0.0, np.zeros(0, np.float32), 1.0  # the level repeated, the content
        # before and the last gain, for `ease`

    def played(self, pcm: np.ndarray, content: bool) -> None:
        """Audio queued at the playhead; `content` (decoded, not concealed) starts a new search for a period."""
        self._history = np.concatenate((self._history, pcm.astype(np.float32)))[-HISTORY:]
        if content:
            self._lag, self._periodic, self._phase, self._checked = 0, False, 0, False

    def _find(self) -> int:
        """The period (samples) the end of the history repeats, with its loop made seamless; 0 when there is none."""
        if not self._checked:
            self._checked = True
            if len(self._history) >= HISTORY:
                lag, corr = find_period(self._history[::-1])  # backwards: the period the end of the history repeats
                if lag:
                    self._lag, self._periodic = lag, corr >= PERIODIC_CORR
                    self._cycle = _loop(self._history[:, 0], lag)
        return self._lag

    def _repeat(self, n: int, advance: bool) -> np.ndarray | None:
        lag = self._find()
        if not lag:
            return None
        mono = self._cycle[(self._phase + np.arange(n)) % lag]
        if advance:
            self._phase = (self._phase + n) % lag
        return np.repeat(mono[:, None], self._history.shape[1], axis=1)

    def lead_in(self, queued: np.ndarray) -> np.ndarray:
        """`queued` (the last samples queued and not yet played, the end of the history) cross-faded into the
        samples one period earlier, which lead into the cycle's start: a repetition starting now then continues
        them without a step. NetEQ's expand overlaps with its sync buffer the same way. Unchanged with no period."""
        lag, m = self._find(), min(len(queued), SEAM)
        if not lag or not m or self._phase or len(self._history) < lag + m:
            return queued
        end = len(self._history)
        copy = self._history[end - lag - m : end - lag]
        w = ramp(m)
        out = queued.copy()
        out[len(out) - m :] = queued[len(out) - m :] * (1 - w) + copy * w
        return out

    def repeats(self) -> bool:
        """Whether a concealment now repeats the last period (else the caller uses libopus's PLC, which continues
        the decoded audio as it was: bending its end into a period first is a step of up to the signal's size,
        heard as a click; the lab heard 2 in 1 of ~6 runs of speech with 5 % loss)."""
        self._find()
        return self._periodic

    def conceal(self, n: int) -> np.ndarray | None:
        """`n` samples standing in for lost audio by repeating the last period, or None if the audio is not periodic
        (the caller then uses libopus's PLC)."""
        self._find()
        if not self._periodic:
            return None
        self.extended_frames += 1
        self._arm()
        return self._repeat(n, advance=True)

    def tail(self, n: int) -> np.ndarray | None:
        """`n` samples continuing what was played, to cross-fade out of at a splice (any period will do: it fades);
        None with too little history. Does not advance: a concealment may still follow."""
        self._arm()
        return self._repeat(n, advance=False)

    def _arm(self) -> None:
        """The content after this repetition is eased towards the level it keeps (when the history repeats)."""
        if self._periodic:
            self.easing, self._raw, self._gain = EASE, np.tile(self._cycle, 2), 1.0
            self._kept = float(np.sqrt(np.mean(np.square(self._cycle, dtype=np.float64))))

    def ease(self, x: np.ndarray) -> np.ndarray:
        """Content after a repetition, held to the level it kept (see the module's docstring): the gain follows the
        RMS over the repeated period centred on each sample (held at the frame's end)."""
        if self.easing <= 0 or not len(x):
            return x
        p = len(self._cycle)
        raw = np.concatenate((self._raw, x[:, 0].astype(np.float32)))
        centre = np.clip(np.arange(len(raw)) - p // 2, 0, len(raw) - p)  # the period centred on each sample
        power = np.concatenate(([0.0], np.cumsum(np.square(raw, dtype=np.float64))))
        rms = np.sqrt(np.maximum(power[p:] - power[:-p], 0.0) / p)[centre]
        gain = np.clip(self._kept * EASE_OVER / np.maximum(rms, 1e-9), EASE_FLOOR, 1.0)[-len(x) :]
        m = min(p, len(x))  # from the gain the last frame ended on (held there) to this frame's, over a period
        gain[:m] = self._gain * (1 - np.linspace(0, 1, m)) + gain[:m] * np.linspace(0, 1, m)
        release = np.clip((self.easing - np.arange(len(x))) / RELEASE, 0.0, 1.0)
        gain = 1 - (1 - gain) * release
        self.easing, self._raw, self._gain = self.easing - len(x), raw[-2 * p :], float(gain[-1])
        return x * gain.astype(np.float32)[:, None]


def _loop(mono: np.ndarray, lag: int) -> np.ndarray:
    """The last `lag` samples of `mono` as a cycle that repeats without a seam: its end is cross-faded into the
    samples just before it, which lead into its start. A coded tone's phase wanders, so the last period is never
    exactly periodic (a step at each seam, every few ms: clicks); NetEQ's expand overlaps its periods likewise."""
    cycle = mono[len(mono) - lag :].astype(np.float32)
    m = min(lag // 2, SEAM)
    before = mono[len(mono) - lag - m : len(mono) - lag].astype(np.float32)
    w = ramp(m)[:, 0]
    cycle[lag - m :] = cycle[lag - m :] * (1 - w) + before * w
    return cycle


def continues(tail: np.ndarray, x: np.ndarray) -> bool:
    """Whether `x` (aligned) goes on with the sound `tail` continues (normalised correlation ≥ 0.9): only then is
    a louder start libopus's stale state, to be eased; a real onset after a loss keeps its level (easing one took
    a 10 ms plosive 8 dB under the source in the lab)."""
    k = min(len(tail), len(x))
    a, b = tail[:k, 0].astype(np.float64), x[:k, 0].astype(np.float64)
    return k > 0 and float(a @ b) >= 0.9 * float(np.sqrt((a @ a) * (b @ b)))


def align(tail: np.ndarray, x: np.ndarray) -> int:
    """Samples to drop from the start of `x` so that it continues `tail`'s waveform (0 if nothing fits better).

    The offset (< MAX_LAG, leaving all of `tail` to cross-fade over) is the peak of the normalised correlation with
    `tail` nearest to 0 among those within 0.02 of the best; none is taken when the best is a poor match (< 0.5:
    noise-like audio). Even 0.94 at offset 0 is 6 samples of phase on a 440 Hz tone: the cross-fade then bends the
    pitch, and the next concealment repeats a wrong period.
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
    if top < 0.5:
        return 0  # nothing fits (noise-like audio): drop nothing
    best = int(np.flatnonzero(norm >= top - 0.02)[0])  # the first good fit: as little content lost as can be
    while best + 1 < len(norm) and norm[best + 1] >= norm[best]:
        best += 1  # at its peak: a few samples off the peak is a few samples of phase error on a tone
    return best
