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
FREQ_SPREAD = 0.25  # bins; twice that for a rise of FAST_RISE_DB in the window: two loop modes a few Hz apart
# From ROBUST_W frames on, FREQ_HELD of the window within ±spread of its median frequency: speech harmonics
# pulled a 700 Hz howl's peak off by 0.4–1 bin in 1 frame of 10 (max − min failed a 40 ms / 1.2 loop for 0.7 s)
ROBUST_W = 25
FREQ_HELD = 0.8
FAST_RISE_DB = 15.0  # pull the peak between them while they grow 60 dB a second (no voice swells so steadily)
HARM_FLOOR_DB = 25.0  # co-growth of the harmonic bins (feedback_evidence.co_grows) counts within this of the peak
# A rise in a window of up to BEAT_W frames does not count when the track stood BEAT_DB higher in the BEAT frames
# before it (a howl rises to levels it never had): detuned voices of a synth pad beat, and a partial's rise out of a
# beat's null is as fast as a gain-2 loop's (6 frames); a syllable ringing in a room's mode, again a stage's round
# trip later, weaker, rose back 8–16 dB in 6–25 frames (−6 dB stage loops: 5.2 mutes a minute with 6, 0 with 25;
# local loops within 300 ms of emerging the same in 112 runs, the 5 kHz one 80 ms after instead of before).
BEAT = 12
BEAT_DB = 6.0
BEAT_W = 25


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


SERIES_HELD = 0.8  # a line at a bin in this fraction of the window's frames: a held note's partial, not speech's
SERIES_NEXT = 0.5  # ... and the partial next to the peak in this fraction (two voices beat it into nulls)
SERIES_M = 12  # the peak as a note's partial up to this number (a straight tone's 9th partial was muted at 8)
# ... less than this over the fundamental or 2f / 3f (mean power): a howl grows past a note's partials, and a
# loudspeaker's distortion of a howl sits further under it (a sung /i/ at 262 Hz had its fundamental 27 dB over them)
SERIES_DB = 30.0
# ... at m × the fundamental's frequency, frame by frame, within this (bins, interpolated): a note's partials move
# together (vibrato), a howl holds its frequency while a sung note's partial next to it sways ±3 %
SERIES_TOL = 0.5
# ... or this × m: voices a few cents apart spread the m-th partial over m × their detuning (three voices ±5 cents:
# the 7th partial's peak sat 0.3–0.7 bin under 7 × the fundamental's), while vibrato sways it ±3 % (±2 bins there)
SERIES_SPREAD = 0.15


def _line(frames: np.ndarray, b: float, held: float = SERIES_HELD) -> np.ndarray | None:
    """The interpolated bin per frame of a spectral line (PARTIAL_PNPR over bins ±4–8 away) at bin b (±1), nan where
    there is none, if there is one in `held` of the frames; else None."""
    j = round(b)
    if j - 8 < 0 or j + 9 > frames.shape[0] - 2:
        return None
    near = frames[j - 2 : j + 3]  # j−2 … j+2: the peak among j−1 … j+1 and its neighbours
    top = near[1:4].argmax(axis=0) + 1
    cols = np.arange(frames.shape[1])
    peak = near[top, cols]
    floor = (frames[j - 8 : j - 3].sum(axis=0) + frames[j + 4 : j + 9].sum(axis=0)) / 10
    line = peak >= PARTIAL_PNPR * floor
    if float(np.mean(line)) < held:
        return None
    a, c = np.log(near[top - 1, cols] + 1e-30), np.log(near[top + 1, cols] + 1e-30)
    den = a - 2 * np.log(peak + 1e-30) + c
    frac = np.where(den < 0, 0.5 * (a - c) / np.where(den < 0, den, -1.0), 0.0)
    return np.where(line, j - 2 + top + frac, np.nan)


def in_series(frames: np.ndarray, bins: np.ndarray, ok: np.ndarray, lo: int) -> bool:
    """Is the peak (its interpolated bin per frame `bins`, over the window's frames `ok`) one partial of a held
    harmonic series: its partials at 2f and 3f lines, or a fundamental at f/m, (less than SERIES_DB under the peak)
    and a partial near the peak ((m ± 1 or 2) f/m), lines in most of the window's frames, at 2, 3 or m × the
    frequency frame by frame? A howl is one line at its own frequency; speech's harmonics move with its pitch."""
    f = frames[:, ok]
    kf = float(np.median(bins))
    k = round(kf)
    peak = float(f[k - 1 : k + 2].sum(axis=0).mean())
    close = 10 ** (-SERIES_DB / 10) * peak  # a partial's least mean power (distortion of a howl sits under it)

    def power(b: float) -> float:
        return float(f[round(b) - 1 : round(b) + 2].sum(axis=0).mean())

    # 2f and 3f: lines at 2 × and 3 × the peak's frequency frame by frame (a sung note's partials near them sway
    # with its vibrato), one of them in SERIES_HELD of the frames, the other in SERIES_NEXT (voices in unison beat
    # the 2nd partial into nulls twice as often as the fundamental: a 6-cent pair's was a line in 76 % of 25 frames)
    with np.errstate(invalid="ignore"):
        on = [float(np.mean(np.abs(line - m * bins) <= SERIES_TOL * m)) if line is not None else 0.0
              for m, line in ((2, _line(f, 2 * kf, SERIES_NEXT)), (3, _line(f, 3 * kf, SERIES_NEXT)))]
    if min(on) >= SERIES_NEXT and max(on) >= SERIES_HELD and max(power(2 * kf), power(3 * kf)) > close:
        return True
    for m in range(2, SERIES_M + 1):
        f0 = kf / m
        if f0 < lo / 2:
            break
        base = _line(f, f0)
        if base is None or power(f0) <= close:
            continue
        if all(_line(f, kf + d * f0, SERIES_NEXT) is None for d in (-1, 1, -2, 2)):  # ±2: odd partials (clarinet)
            continue
        off = np.abs(bins - m * base) > max(SERIES_TOL, SERIES_SPREAD * m)  # nan (no line) counts as off
        if float(np.mean(~off & ~np.isnan(base))) >= SERIES_HELD:
            return True
    return False


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
    """Per frame: the power of the band lo..hi without the peak's bins k ± 8 (its window's skirt), in dB. The skirt
    is cut to the band: bins under `lo` were never in its sum (a peak under bin lo + 8, ~420 Hz, made the rest
    negative, clamped to −200 dB in every frame, and the swell veto could never see a low chord rise with it)."""
    rest = frames[lo:hi].sum(axis=0) - frames[max(lo, k - 8) : min(hi, k + 9)].sum(axis=0)
    return 10 * np.log10(np.maximum(rest, 1e-20))


def against(track: np.ndarray, count: int, w: int, ok: np.ndarray, tt: np.ndarray, y: np.ndarray, slope: float,
            frames: np.ndarray, k: int, lo: int, hi: int) -> str:
    """'' or the first test a track at bin k that grew over its last w frames fails: its frequency, its harmonics,
    its past (beats), its partials, the rest of the spectrum. `track`: its history rows (level, harmonic level,
    interpolated bin, tonal; …) up to the window's end, `count` frames of it real; `ok`: present in the window, at
    frames tt, levels y, fitted slope dB a frame; `frames`: the window's power spectra (bins × w)."""
    wh = track[2, -w:][ok]
    spread = FREQ_SPREAD * (2 if slope * (w - 1) >= FAST_RISE_DB else 1)
    if (float(np.max(wh) - np.min(wh)) > 2 * spread if w < ROBUST_W else
            np.count_nonzero(np.abs(wh - np.median(wh)) <= spread) < FREQ_HELD * len(wh)):
        return "wanders"
    hm = track[1, -w:][ok]
    if y[-1] - hm[-1] < HARM_FLOOR_DB and co_grows(tt, y, hm, slope) and rises_throughout(tt, hm, w, slope):
        return "harmonic"
    if w <= BEAT_W and count >= w + BEAT:
        seen = track[:, -w - BEAT : -w]
        if float(seen[0][seen[3] > 0].max(initial=-400.0)) > y[0] + BEAT_DB:
            return "beats"
    partial = partial_ratio_db(frames, k, ok)
    if partial is not None and partial < PARTIAL_DB:
        return "partial"
    if co_grows(tt, y, rest_db(frames, k, lo, hi)[ok], slope, REST_CORR):
        return "swell"
    if in_series(frames, wh, ok, lo):
        return "series"
    return ""
