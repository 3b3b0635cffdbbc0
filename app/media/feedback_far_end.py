"""What Plaza plays (the far end), beside the feedback guard: did a howl come out of our loudspeaker?

Why: the advice differs. A howl that is also in what we play goes through our loudspeaker ("use headphones or turn
the loudspeaker down"); one that is not goes through something else near the microphone — another device playing
the room, the system playing the microphone back — which turning our loudspeaker down does not stop. With mix-minus
our own voice reaches our loudspeaker only through another speaker (~300–500 ms round trip), so the fast loops are
local ones that nothing we play carries (a rule that muted only what we play held them back 0.3–3 s); what we play
also decides two of the guard's tests: a stage's loop (feedback_period) and the played sound's echo (`follows`,
feedback.ECHO).

Cost: the played audio is kept raw (a ring); its spectra are computed only when the microphone's evidence asks
(a window that grew, a round trip that repeated), each hop once, outside the lock (under it only a
copy, ≤ 1.2 MB on the first call). `push` runs on the output device's thread (~4–7 µs a block), `carries` on the
microphone's (~0.1 ms warm, ~5 ms the first time).
"""

from __future__ import annotations

import math
import threading

import numpy as np

from app.media import FRAME_SAMPLES
from app.media.echo import mono_float
from app.media.feedback_growth import SMOOTH, smoothed

N_FFT = 2048
# A howl through our loudspeaker is a line in what we play too, in at least half as many frames as the microphone
# had it in the window that grew, looked for over that window + LAG played frames (the loudspeaker's and the
# microphone's device latencies, ≤ 300 ms). A third let another speaker's voice, whose harmonics crossed the bin in
# 12 of 65 frames, pass for our own howl.
LAG = 15
# … and the microphone's tone at most COUPLING_DB over the loudest played line: the loudspeaker-to-microphone gain of
# a desktop (full-scale playback ~85–90 dB SPL at 0.5 m; a −26 dBFS / 94 dB SPL microphone; up to +20 dB of system
# gain and +30 of AGC) is about +20 dB at the most: a line weaker than that did not make the microphone's howl.
COUPLING_DB = 25.0
KEEP = 160  # hops (20 ms) of played audio kept: the guard's longest window (100) plus LAG, with room
LINE_DB = 6.0  # a played line stands this far over the bins ±4–8 away (the guard's "present")
# … over the third lowest of those 10 bins, not their mean: a howl 7–8 bins from a sung note's partial 20–40 dB
# louder (40 ms / 1.2 loops under singing) is a line in what we play, but under the mean of a ring holding that
# partial (the microphone's evidence leaves held lines out of its floor: feedback_floor). Partials on both sides of
# the howl fill up to 6 of the 10 bins.
RING_RANK = 2
# … and at the microphone's howl's frequency within ±SPREAD bins (a howl stays put; another speaker's harmonics
# crossing the bin counted in 20 of 65 frames without this, as often as a howl's line)
SPREAD = 0.5
FLOOR_DB = -100.0  # the played audio is clean (decoded, int16: its noise ~−126 dB a bin); a howl the microphone
# has at −60 dB with +20 dB of loudspeaker-to-microphone gain is played at −80

# ECHO (feedback.ECHO): the played sound reaching the microphone moves the tone there one for one in dB, frame by
# frame, at a lag of 0–LAG hops. At some lag, the microphone's level less the played one (both the mean power of
# SMOOTH hops, as the guard's) spreads by at most FOLLOW_DB (std), and the microphone's fitted rise over the window
# is at most FOLLOW_RISE_DB over the played line's (it cannot rise more than what reaches it; less, when something else
# filled the bin); what is left of each after its own straight line correlates by FOLLOW_R; the played one's is
# FOLLOW_SWING_DB (RMS) at least, and the microphone's at least FOLLOW_SWING of it (an echo swings as the played
# sound does; a steady ramp has nothing to follow). Pearson's r of the dB levels alone (r ≥ 0.8) is ~1 for any two
# rising ramps and high by chance over 6 frames: it held back local loops 20–460 ms while something was played —
# with our own howl coming back from another speaker at −20 dB in 17 of 160 short-loop runs, at −35 dB in 2, under
# another speaker's syllables at the bin in 9 (16 seeds of benchmarks.feedback_guard's loops). The spread rejects a
# level that moves more than one for one; the rise, a loop rising over a flat line that swings in step; the swing,
# our own howl coming back (a smooth ramp under a return that swings by ±1.5 dB) and two ramps; the correlation,
# what only coincides. Now 0, 0 and 0; on seeds 17–32 (held out from the first tuning, seen once since) 2 of 160,
# 20–60 ms, at −20 dB (21 with r alone). Set on stage loops
# (benchmarks.feedback_stage_loop, −6/−3 dB): FOLLOW_R 0.8 → 0.7, a stable loop's echo that rose 13 dB in 6 frames,
# 1.1 dB from the played line, correlated 0.75; FOLLOW_RISE_DB 4 → 6, a syllable ringing up in the room's mode rises
# faster in the microphone than in what is played (2 more false mutes in 32 runs at 4 dB). FOLLOW_SWING_DB 1 → 0.5:
# at 1 dB a played tone swinging ±6 dB at 4 Hz, heard 40 ms later, was not its own echo over 6–12 frames.
FOLLOW_DB = 4.0
FOLLOW_RISE_DB = 6.0
FOLLOW_R = 0.7
FOLLOW_SWING = 0.5
FOLLOW_SWING_DB = 0.5

_LINE = 10 ** (LINE_DB / 10)
_SOUND = 10 ** (FLOOR_DB / 20)
_FLOOR = 10 ** (FLOOR_DB / 10)


class FarEnd:
    """The played audio's last KEEP hops, and whether a bin held a line in them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = np.hanning(N_FFT)
        self._norm = 1.0 / (np.sum(self._window) / 2) ** 2  # a full-scale sine's peak bin → 1, as the guard's
        self._size = KEEP * FRAME_SAMPLES + N_FFT
        self._buf = np.zeros(2 * self._size)  # samples [total − used, total) at [0, used)
        self._used = 0
        self._total = 0  # samples ever pushed
        self._spectra: dict[int, np.ndarray] = {}  # hop → power spectrum (hop h ends at sample (h + 1) · HOP)
        self._sounded = 0  # `_total` after the last block with a sample over −100 dBFS (0: none)

    def push(self, frame: np.ndarray) -> None:
        """Audio as it is handed to the output device (any length; mono, or one column per channel)."""
        data = mono_float(frame)[-self._size :]
        with self._lock:
            if self._used + len(data) > len(self._buf):
                keep = self._size - len(data)
                self._buf[:keep] = self._buf[self._used - keep : self._used]
                self._used = keep
            self._buf[self._used : self._used + len(data)] = data
            self._used += len(data)
            self._total += len(data)
            if len(data) and float(np.abs(data).max()) >= _SOUND:
                self._sounded = self._total

    def carries(self, at: float, frames: int, heard: int, level_db: float) -> bool:
        """Whether a tone the microphone had in `heard` of its last `frames` frames, at bin `at`, now `level_db`
        (the guard's level), came out of our loudspeaker (see LAG and COUPLING_DB)."""
        line, power = self.profile(at, frames + LAG)
        loudest = 10 * math.log10(float(power[line].max(initial=0.0)) + 1e-20)
        return heard > 0 and int(np.count_nonzero(line)) * 2 >= heard and level_db - loudest <= COUPLING_DB

    def follows(self, at: float, levels_db: np.ndarray, ok: np.ndarray) -> bool:
        """Whether a tone's levels at bin `at` over the microphone's last len(levels_db) frames (dB, the guard's,
        where `ok`) are the played sound there reaching the microphone, at some lag of 0–LAG hops (see FOLLOW_DB)."""
        w, n = len(levels_db), int(np.count_nonzero(ok))
        _, power = self.profile(at, w + LAG + SMOOTH - 1)
        if len(power) < w + SMOOTH - 1 or n < 3:
            return False
        # hop by hop the mean power of it and the SMOOTH − 1 before, as the guard's levels; silence must not dominate
        played = np.maximum(smoothed(power)[SMOOTH - 1 :], FLOOR_DB)
        mic = levels_db[ok]
        t = np.flatnonzero(ok).astype(np.float64)
        span = float(t[-1] - t[0])
        t -= t.mean()
        tt = float(np.dot(t, t))
        rise = float(np.dot(t, mic)) / tt
        a = mic - mic.mean() - t * rise  # what the straight line leaves
        aa = float(np.dot(a, a))
        for lag in range(min(LAG, len(played) - w) + 1):  # fewer in the first hops ever played
            seg = played[len(played) - w - lag : len(played) - lag][ok]
            slope = float(np.dot(t, seg)) / tt
            if float(np.std(mic - seg)) > FOLLOW_DB or (rise - slope) * span > FOLLOW_RISE_DB:
                continue
            b = seg - seg.mean() - t * slope
            bb = float(np.dot(b, b))
            if (bb >= FOLLOW_SWING_DB**2 * n and aa >= FOLLOW_SWING**2 * bb
                    and float(np.dot(a, b)) >= FOLLOW_R * math.sqrt(aa * bb)):
                return True
        return False

    def pushed(self) -> bool:
        """Whether anything was ever played."""
        return self._total > 0

    def sounding(self) -> bool:
        """Whether anything over −100 dBFS was played in the last KEEP hops: else no tone can be in what we play
        (the guard skips its round-trip test, ~25–45 µs a frame while a speaker sings on a silent stage)."""
        return self._sounded > 0 and self._total - self._sounded < KEEP * FRAME_SAMPLES

    def profile(self, at: float, hops: int) -> tuple[np.ndarray, np.ndarray]:
        """Per hop of the last `hops` whole hops of played audio (oldest first): whether a line stood at bin `at`
        (fractional: the peak of bins k−1..k+1, k the nearest, interpolated within ±SPREAD of it), LINE_DB over
        the bins ±4–8 away (the third lowest of them) and over FLOOR_DB; and the power of bins k−1..k+1 (a
        full-scale sine → ~1.5, as the guard's level)."""
        if not math.isfinite(at):
            return np.zeros(0, dtype=bool), np.zeros(0)
        k = round(at)
        with self._lock:  # only copies under the lock: `push` runs in the output device's callback
            last = self._total // FRAME_SAMPLES - 1  # the newest whole hop
            hops_wanted = range(max(last - min(hops, KEEP) + 1, 0), last + 1)
            have = {h: self._spectra[h] for h in hops_wanted if h in self._spectra}
            todo = [h for h in hops_wanted if h not in have]
            if todo:  # one slice from the first missing hop's window to the newest hop's end
                start = (todo[0] + 1) * FRAME_SAMPLES - N_FFT
                end = self._used - (self._total - (last + 1) * FRAME_SAMPLES)
                raw = self._buf[max(end - ((last + 1) * FRAME_SAMPLES - start), 0) : end].copy()
                raw = np.concatenate((np.zeros((last + 1) * FRAME_SAMPLES - start - len(raw)), raw))
        for h in todo:  # hop h's window ends (h + 1 − todo[0]) hops into `raw`, after its first N_FFT − HOP
            x = raw[(h - todo[0]) * FRAME_SAMPLES : (h - todo[0]) * FRAME_SAMPLES + N_FFT]
            spec = np.fft.rfft(x * self._window)
            have[h] = (spec.real**2 + spec.imag**2) * self._norm
        with self._lock:
            self._spectra.update((h, have[h]) for h in todo)
            for h in [h for h in self._spectra if h < last - KEEP]:
                del self._spectra[h]
        spectra = [have[h][max(k - 9, 0) : k + 10] for h in hops_wanted]
        if not spectra or k < 10 or k + 10 > N_FFT // 2 + 1:
            return np.zeros(len(spectra), dtype=bool), np.zeros(len(spectra))
        g = np.stack(spectra)  # bins k−9 … k+9: k is column 9
        j = 8 + g[:, 8:11].argmax(axis=1)
        rows = np.arange(len(g))
        la, lb, lc = (np.log(g[rows, j + d] + 1e-30) for d in (-1, 0, 1))
        den = la - 2 * lb + lc
        peak_at = k - 9 + j + np.where(den < 0, 0.5 * (la - lc) / np.where(den < 0, den, -1.0), 0.0)
        ring = np.sort(np.concatenate((g[:, 1:6], g[:, 13:18]), axis=1), axis=1)[:, RING_RANK]
        peak = g[rows, j]
        line = (peak >= _LINE * ring) & (peak >= _FLOOR) & (np.abs(peak_at - at) <= SPREAD)
        return line, g[:, 8:11].sum(axis=1)
