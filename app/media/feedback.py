"""The feedback guard: detect acoustic howling on a speaker's microphone path so the speaker can be auto-muted.

Why: one screeching host reaches every listener of a room. Mic only (no far-end reference), pure numpy (Hann
2048-point FFT, hop 960 = one frame; 23.4 Hz bins; 150 Hz–10 kHz). Cost: see the README's Performance table (was
~600 µs before the tracks were measured in one go and judged by a vectorised pre-check; same decisions), process time
on the dev container: `.venv/bin/python -c "from benchmarks.feedback_guard import cpu_us_per_frame as c; print(c())"`
(the benchmark's CPU row). The FFT is ~25 µs of it, the rest is numpy call overhead on 8 tracks.

Features, after van Waterschoot & Moonen, "Fifty years of acoustic feedback control", Proc. IEEE 2011:
- candidates: the 5 most prominent spectral peaks (local maxima over −80 dB, ranked by peak over bins ±4–8 away)
  each frame, followed as tracks (±1 bin a frame); when all 8 tracks are taken, a new candidate replaces the track
  masked longest that was not mostly tonal. A new track with PNPR ≥ 15 dB gets its bin's last 2 s from a ring of
  past power spectra (back-fill): a howl sits at one frequency from the start, and its track, lost to a syllable or
  to speech harmonics holding the slots, used to start from nothing each time (0.2–0.4 s of each slow loop, and
  some were missed). A gain-2 loop at 4 kHz starts near −90 dBFS, under speech that is quiet there: at −70 dB its
  first tracked frames came 5–7 frames later (−80: 15 of 16 runs within 300 ms, was 13);
- level: the mean power of the last 3 frames (SMOOTH), so two beating loop modes do not read as a jumpy level;
- PNPR (peak over bins ±4–8 away) ≥ 15 dB, or ≥ 9 dB within 25 frames of that: the track may be judged (and
  followed) in this frame; ≥ 6 dB: the frame counts in the fits ("present"). A howl measured 30–50 dB, speech over
  it 0–15 dB while it still grew steadily; a track survives 12 frames under 6 dB (a syllable);
- IPMP: present in ≥ 60 % of the window, the interpolated peak frequency within ±0.25 bin (±6 Hz) over it: a loop
  sets one frequency; sung vibrato (±50 cents) wanders off it above ~600 Hz (±0.5 bin for a rise ≥ 15 dB in the
  window: two loop modes a few Hz apart beat and pull the peak between them);
- growth (the decisive one): a loop with gain > 1 grows at a constant rate in dB until the mic clips (measured
  9–30 dB/s at gain 1.05–1.2, 90–240 dB/s at gain 2). Windows of 6 / 12 / 25 / 50 / 100 frames need a least-squares
  rise of ≥ 8 / 3.5 / 4.5 / 5 / 6 dB, a second-half slope ≥ 0.9 / 0.75 / 0.6 / 0.6 / 0.6 × the first half (not
  decelerating), each half ≥ 0.5 × the whole (a ±3 dB tremolo on a pure tone passed with both halves flat) and a
  residual ≤ 1.5 dB RMS (or 0.15 × the rise: beating modes). A raised-cosine swell (silence → level in 1 s)
  reaches only 0.83 / 0.68 / 0.44 / 0.14 of that slope ratio in the first four (and is flat in the last half of
  the 2 s one), so it is never flagged; a steady note (flute, organ) has no rise at all, so a steady pure tone
  is tolerated indefinitely — by design, at the cost of never catching a howl that already saturated unseen;
- PHPR as co-growth: if the bins at 2f, 3f, f/2, 3f/2 rise (fitted slope) by more than half the peak's, follow it
  frame by frame (correlation ≥ 0.7: speech in those bins only fluctuates, which vetoed 0.1–0.3 s of growing
  howls) and sit within 25 dB of it, the peak is a partial of a crescendo, not a howl (a flute's −32 dB 2nd
  harmonic does not veto; clipping of a saturating howl adds 3f only after it reached full scale). PAPR was
  measured but not used: speech around a growing howl pulled it to 4–10 dB, so it could not separate anything the
  other features did not.

Measured: benchmarks/feedback_guard.py --seeds 16 (README "Feedback guard" has the table; the smoothing and the −80
dB floor cost ~13 µs a frame, interleaved against the previous guard). 0 mutes on the false-positive set (speech,
singing, held notes, flute, swells, sung crescendo, organ swell, whistle, tremolo, demo-room.ogg). A slow loop still
needs 3.5–4.5 dB of steady growth, which a crescendo on a pure tone can also show (a pure sine swelling 10 dB
linearly in dB is muted, before this change too): at the ~15–20 dB/s the 50 ms / 1.2 loop really grows (not the
nominal 32: the resonance and the room add to the loop's delay), that alone is ~200–300 ms after it rises over the
speech.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE

N_FFT = 2048
BAND_HZ = (150.0, 10000.0)
CANDIDATES = 5
MAX_TRACKS = 8
PNPR_DB = 15.0
# A track that had PNPR ≥ PNPR_DB within HOLD frames is still judged from PNPR_HELD (speech around a howl it
# already showed): judging every 9 dB peak cost ~2x the CPU (speech harmonics).
PNPR_HELD = 9.0
HOLD = 25
PNPR_PRESENT = 6.0  # a frame of an established track counts in the fits from this PNPR (speech over the howl)
HISTORY = 100
# frames, least rise dB, slope ratio. The 2 s window catches loops growing ~3–6 dB/s (gain ~1.05), which spent
# their time masked under speech in the shorter ones: one of 8 such runs grew unseen for 12 s without it.
WINDOWS = ((6, 8.0, 0.9), (12, 3.5, 0.75), (25, 4.5, 0.6), (50, 5.0, 0.6), (100, 6.0, 0.6))
PRESENT = 0.6
HALF = 0.5  # each half of a window rises at least this × the whole: steady growth, not a tremolo's half cycle
FREQ_SPREAD = 0.25  # bins; twice that for a rise of FAST_RISE_DB in the window: two loop modes a few Hz apart
FAST_RISE_DB = 15.0  # pull the peak between them while they grow 60 dB a second (no voice swells so steadily)
RESIDUAL_DB = 1.5
# ... or this fraction of the fitted rise: two loop modes a few Hz apart beat the level ±6 dB frame to frame while
# it rose 60 dB in a second (a gain-2 loop was missed on its residual alone).
RESIDUAL_RISE = 0.15
HARM_GROW = 0.5
HARM_FLOOR_DB = 25.0
HARM_CORR = 0.7  # a partial rises with the peak frame by frame; speech in those bins only fluctuates
FLOOR_DB = -80.0
LOST = 12  # frames a track survives masked (a syllable over the howl)
# The level and harmonic level judged are the mean power of the last SMOOTH frames: two loop modes 1/delay apart
# (33 Hz for a 30 ms loop, inside one peak) beat, and the 20 ms hop sampled that as ±6 dB every third frame; a
# gain-2 loop then failed the residual and slope-ratio tests until it saturated (3 of 16 runs took 340–560 ms).
SMOOTH = 3
EPS = 1e-6  # margin of the vectorised pre-check: only what it rejects by more than this skips the exact tests

_NEIGHBOURS = np.array([1.0] * 5 + [0.0] * 7 + [1.0] * 5)  # symmetric: bins k−8..k−4 and k+4..k+8
_FLOOR = 10 ** (FLOOR_DB / 10)
_W = np.array([w for w, _, _ in WINDOWS], dtype=np.float64)
_LEAST = np.array([least for _, least, _ in WINDOWS])
_RATIO = np.array([ratio for _, _, ratio in WINDOWS])


def _moments() -> np.ndarray:
    """(HISTORY, 3 parts × 3 moments × windows): history @ this = Σ1, Σt, Σt² over each window's last w frames,
    its first half (t < w/2) and its second half, t counted from the window's start (as in `_judge_window`)."""
    m = np.zeros((HISTORY, 3, 3, len(WINDOWS)))
    for j, (w, _, _) in enumerate(WINDOWS):
        t = np.arange(w, dtype=np.float64)
        for part, sel in enumerate((t >= 0, t < w / 2, t >= w / 2)):
            for power in range(3):
                m[HISTORY - w :, part, power, j] = np.where(sel, t**power, 0.0)
    return m.reshape(HISTORY, -1)


_MOMENTS = _moments()


@dataclass(frozen=True)
class FeedbackVerdict:
    """Howling found: mute the speaker. `frequency_hz` is the howling tone, `reason` says which evidence."""

    frequency_hz: float
    reason: str
    level_db: float
    growth_db_per_s: float


class FeedbackGuard:
    """Feed 20 ms mic frames; returns a verdict when the frame completes the evidence for howling."""

    def __init__(self, sample_rate: int = SAMPLE_RATE) -> None:
        self.sample_rate = sample_rate
        self._window = np.hanning(N_FFT)
        self._norm = 1.0 / (np.sum(self._window) / 2) ** 2  # a full-scale sine's peak bin → 0 dB
        self._lo = max(10, int(BAND_HZ[0] * N_FFT / sample_rate))
        self._hi = int(BAND_HZ[1] * N_FFT / sample_rate)
        self._idx = self._bin_table(N_FFT // 2 + 1)
        self.debug: list[dict[str, object]] | None = None  # per-track features, for tuning (exact path for all)
        self.reset()

    def _bin_table(self, n: int) -> np.ndarray:
        """Per peak bin k, the 29 bins `feed` measures: k−1..k+1, k−8..k−4, k+4..k+8, then 2k±2, 3k±2 (n, a zero
        power, where out of range), k//2 ± 1 and 3k//2 ± 1 (harmonic level = their max)."""
        table = np.full((self._hi + 1, 29), n)
        for k in range(self._lo, self._hi + 1):
            near = [*range(k - 1, k + 2), *range(k - 8, k - 3), *range(k + 4, k + 9)]
            h2 = list(range(2 * k - 2, 2 * k + 3)) if 2 * k + 3 < n else [n] * 5
            h3 = list(range(3 * k - 2, 3 * k + 3)) if 3 * k + 3 < n else [n] * 5
            table[k] = near + h2 + h3 + [*range(k // 2 - 1, k // 2 + 2), *range(3 * k // 2 - 1, 3 * k // 2 + 2)]
        return table

    def reset(self) -> None:
        """Forget all evidence: after a mute/unmute the loop was broken, a new howl must grow again."""
        self._buf = np.zeros(N_FFT)
        self._xw = np.zeros(N_FFT)  # windowed
        self._p = np.zeros(N_FFT // 2 + 2)  # power spectrum, plus one zero bin for out-of-range harmonics
        self._bins: list[int] = []  # the tracks, oldest first; row i of the history is track i
        self._misses: list[int] = []
        self._count: list[int] = []  # frames of history (≤ HISTORY)
        self._strong: list[bool] = []  # judged (and may move) in the last frame: see PNPR_HELD
        self._since: list[int] = []  # frames since the track's PNPR was ≥ PNPR_DB
        # level, harmonic level (dB, smoothed), interpolated bin, tonal (0/1), level, harmonic level (power, raw)
        self._hist = np.zeros((6, MAX_TRACKS, HISTORY))
        # The last power spectra, per bin, a ring written twice (columns f % HISTORY and that + HISTORY) so that
        # any run of past frames is one slice, in order.
        self._spectra = np.zeros((N_FFT // 2 + 2, 2 * HISTORY))
        self._frames = 0

    def feed(self, frame: np.ndarray) -> FeedbackVerdict | None:
        x = np.asarray(frame, dtype=np.float64).reshape(-1)
        if not math.isfinite(np.add.reduce(x)):  # a finite sum means finite samples, or nan_to_num changes nothing
            x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        n = len(x)
        self._buf[:-n] = self._buf[n:]
        self._buf[-n:] = x
        self._frames += 1
        np.multiply(self._buf, self._window, out=self._xw)
        spec = np.fft.rfft(self._xw)
        p = self._p[:-1]
        np.multiply(spec.real**2 + spec.imag**2, self._norm, out=p)
        slot = self._frames % HISTORY
        self._spectra[:, slot] = self._p
        self._spectra[:, slot + HISTORY] = self._p
        lo, hi = self._lo, self._hi
        band = p[lo:hi]
        mid = band[1:-1]
        # Candidates by prominence (peak over bins ±4–8 away, as PNPR), not by power: a starting howl is ~50 dB
        # over its neighbours but 30 dB under the speech harmonics, which held all 5 places by power (first seen
        # 12–16 frames after onset).
        neigh = np.convolve(p[lo - 7 : hi + 7], _NEIGHBOURS, mode="valid") + 1e-20  # centres lo+1 … hi−2
        cand_vals = np.where((mid > band[:-2]) & (mid >= band[2:]) & (mid >= _FLOOR), mid / neigh, 0.0)
        best = cand_vals.argpartition(-CANDIDATES)[-CANDIDATES:]
        best = best[cand_vals[best] > 0]
        top = (best[cand_vals[best].argsort()] + (lo + 1)).tolist()  # the most prominent last
        bins, misses, count = self._bins, self._misses, self._count
        old = len(bins)
        if old:  # existing tracks follow their peak (±1 bin); a masked one stays put (a syllable would lure it)
            near = p.take([k + d for k in bins for d in (-1, 0, 1)]).tolist()
            for i, moves in enumerate(self._strong):
                if moves:
                    a, b, c = near[3 * i : 3 * i + 3]  # the first of equal maxima, as np.argmax
                    bins[i] = min(hi, max(lo, bins[i] + (-1 if a >= b and a >= c else 0 if b >= c else 1)))
        taken = {b + d for b in bins for d in (-1, 0, 1)}
        # Full: a new peak takes the slot of the track masked longest. Speech harmonics kept all 8 slots busy while
        # a howl began, so it got no track until ~16 frames after onset (a gain-2 loop clipped unseen: missed).
        # A track that was tonal in most of its frames is kept: a howl masked by a syllable must not lose its history.
        spare: list[int] | None = None
        for k in top:  # the most prominent is handed the last spare slot
            if k in taken:
                continue
            if len(bins) < MAX_TRACKS:
                bins.append(k)
                misses.append(0)
                count.append(0)
                self._since.append(HOLD + 1)
            else:
                if spare is None:
                    # "mostly tonal" over its last LOST frames: a back-filled track's long quiet past (a howl
                    # under the floor) must not make a howl that was tonal since it rose look like speech
                    tonal = self._hist[3, :old, -LOST:].sum(axis=1).tolist()
                    spare = sorted((i for i in range(old) if misses[i] > 0 and tonal[i] * 2 < min(count[i], LOST)),
                                   key=misses.__getitem__)
                if not spare:
                    continue
                i = spare.pop()
                bins[i], misses[i], count[i], self._since[i] = k, 0, 0, HOLD + 1
                self._hist[:, i] = 0.0
            taken.update((k - 1, k, k + 1))
        if not bins:
            return None
        new, pnpr = self._measure(bins)  # rows: level, harmonic level, interpolated bin, tonal
        keep: list[int] = []
        since = [0 if v >= PNPR_DB else n + 1 for v, n in zip(pnpr, self._since, strict=True)]
        taken.clear()
        for i, (k, ton) in enumerate(zip(bins, new[3], strict=True)):
            misses[i] = 0 if ton else misses[i] + 1
            if misses[i] < LOST and k not in taken:
                keep.append(i)
                taken.update((k - 1, k, k + 1))
        m = len(keep)
        hist = self._hist
        if m == len(bins):
            hist[:, :old, :-1] = hist[:, :old, 1:]
            hist[:, :m, -1] = new
        else:
            r = np.array(keep, dtype=np.intp)
            hist[:, :m, :-1] = hist[:, r, 1:]  # rows from len(bins) on are zero: a new track has no history
            hist[:, :m, -1] = [[v[i] for i in keep] for v in new]
            hist[:, m:] = 0.0
            self._bins, self._misses = [bins[i] for i in keep], [misses[i] for i in keep]
            pnpr, since = [pnpr[i] for i in keep], [since[i] for i in keep]
        self._since = since
        self._count = [min(count[i] + 1, HISTORY) for i in keep]
        self._strong = strong = [hist[3, i, -1] > 0 and (pnpr[i] >= PNPR_DB or (pnpr[i] >= PNPR_HELD
                                                         and since[i] <= HOLD)) for i in range(m)]
        fresh = [i for i, j in enumerate(keep) if count[j] == 0 and since[i] == 0 and strong[i]]
        if fresh and self._frames > 1:
            self._backfill(fresh)
        self._smooth(m)
        if self.debug is not None:
            rows = list(range(m))
        else:
            rows = self._possible([i for i in range(m) if self._count[i] >= WINDOWS[0][0] and strong[i]])
        verdict: FeedbackVerdict | None = None
        for i in rows:
            why = self._judge(i)
            level = float(hist[0, i, -1])
            if self.debug is not None:
                self.debug.append({"frame": self._frames, "bin": self._bins[i], "level": level,
                                   "pnpr": float(pnpr[i]), "phpr": level - float(hist[1, i, -1]), "why": why})
            if why == "" and verdict is None:
                slope = self._slope(hist[0, i, -WINDOWS[0][0] :])
                verdict = FeedbackVerdict(self._bins[i] * self.sample_rate / N_FFT, "growing pure tone", level,
                                          slope * self.sample_rate / FRAME_SAMPLES)
                if self.debug is None:
                    break
        return verdict

    def _smooth(self, m: int) -> None:
        """The judged level and harmonic level of the newest frame: dB of the mean power over the track's last
        SMOOTH frames (fewer for a track younger than that)."""
        k = np.minimum(np.array(self._count[:m], dtype=np.float64), SMOOTH)[:, None]
        recent = self._hist[4:6, :m, -SMOOTH:].sum(axis=2).T  # (m, 2); a new track's older frames are zero
        self._hist[0:2, :m, -1] = 10 * np.log10(recent / k + 1e-20).T

    def _measure(self, bins: list[int]) -> tuple[list[list[float]], list[float]]:
        """Per track at bin k: (level, harmonic level in dB, interpolated bin, tonal 0/1, level and harmonic level
        as power) and the PNPR (peak over
        bins ±4–8 away) in dB; tonal = PNPR ≥ PNPR_DB and level ≥ FLOOR_DB. One numpy call per function for all
        tracks, the arithmetic in Python floats (the same IEEE doubles, summed in numpy's order, fewer calls)."""
        g = self._p[self._idx[bins]]
        abc = np.log(g[:, :3] + 1e-30).tolist()
        args: list[float] = []
        for r in g.tolist():
            neigh = (r[3] + r[4] + r[5] + r[6] + r[7] + (r[8] + r[9] + r[10] + r[11] + r[12])) / 10 + 1e-20
            args += (r[0] + r[1] + r[2] + 1e-20, r[1] / neigh + 1e-20, max(r[13:]) + 1e-20)
        db = np.log10(args).tolist()
        out: list[list[float]] = [[], [], [], [], [], []]
        pnprs: list[float] = []
        for i, (k, (a, b, c)) in enumerate(zip(bins, abc, strict=True)):
            level, pnpr, harm = 10 * db[3 * i], 10 * db[3 * i + 1], 10 * db[3 * i + 2]
            den = a - 2 * b + c
            out[0].append(level)
            out[1].append(harm)
            out[2].append(k + (0.5 * (a - c) / den if den < 0 else 0.0))
            out[3].append(1.0 if pnpr >= PNPR_PRESENT and level >= FLOOR_DB else 0.0)
            out[4].append(args[3 * i])
            out[5].append(args[3 * i + 2])
            pnprs.append(pnpr)
        return out, pnprs

    def _backfill(self, rows: list[int]) -> None:
        """Give new tracks the history their bin had before it was a candidate, from the stored spectra: a howl
        is at one frequency from the start, so a track that a syllable cost (masked too long, or its slot taken by
        speech harmonics) does not have to grow its evidence again (that cost 0.2–0.4 s of each slow loop)."""
        past = min(self._frames - 1, HISTORY - 1)
        start = (self._frames - past) % HISTORY
        bins = [self._bins[i] for i in rows]
        g = self._spectra.take(self._idx[bins], axis=0)[..., start : start + past]  # (tracks, 29, frames)
        a, b, c = g[:, 0], g[:, 1], g[:, 2]
        level, pnpr, harm, la, lb, lc = 10 * np.log10(np.stack((
            a + b + c + 1e-20, b / (g[:, 3:13].sum(axis=1) / 10 + 1e-20) + 1e-20, g[:, 13:].max(axis=1) + 1e-20,
            a + 1e-30, b + 1e-30, c + 1e-30)))
        den = la - 2 * lb + lc
        frac = 0.5 * (la - lc) / np.where(den < 0, den, -1.0) * (den < 0)
        tonal = ((pnpr >= PNPR_PRESENT) & (level >= FLOOR_DB)).astype(np.float64)
        r = np.array(rows, dtype=np.intp)
        power = 10 ** (np.stack((level, harm)) / 10)  # (2, tracks, frames)
        kernel = np.ones(SMOOTH)
        k = np.convolve(np.ones(past), kernel)[:past]  # frames in each mean: fewer at the start
        smoothed = 10 * np.log10(np.apply_along_axis(lambda v: np.convolve(v, kernel)[:past], 2, power) / k + 1e-20)
        for f, values in enumerate((smoothed[0], smoothed[1], np.array(bins, dtype=np.float64)[:, None] + frac,
                                    tonal, power[0], power[1])):
            self._hist[f, r, HISTORY - 1 - past : HISTORY - 1] = values
        for i, ton in zip(rows, tonal.tolist(), strict=True):
            self._count[i] = past + 1
            miss = 0
            for t in reversed(ton):
                if t:
                    break
                miss += 1
            self._misses[i] = miss + self._misses[i] if self._misses[i] else 0

    def _possible(self, rows: list[int]) -> list[int]:
        """The rows whose exact judgement could be 'howling': least squares in closed form over all windows at once
        reject (with a margin of EPS) the absent, flat, decelerating and jumpy ones, which are nearly all."""
        if not rows:
            return []
        r = np.array(rows)
        ok = self._hist[3, r]
        y = self._hist[0, r] - self._hist[0, r, -1:]  # relative to the current level: small sums, exact enough
        s = (np.stack((ok, ok * y, ok * y * y)) @ _MOMENTS).reshape(3, len(rows), 3, 3, len(WINDOWS))
        n, st, stt, sy, sty = s[0, :, :, 0], s[0, :, :, 1], s[0, :, :, 2], s[1, :, :, 0], s[1, :, :, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            var = stt - st * st / n
            cov = sty - st * sy / n
            slope = cov / var
            ssr = s[2, :, 0, 0] - sy[:, 0] ** 2 / n[:, 0] - cov[:, 0] ** 2 / var[:, 0]
            s1, s2 = slope[:, 1], slope[:, 2]
            reject = ((n[:, 0] < PRESENT * _W) | (slope[:, 0] * (_W - 1) < _LEAST - EPS) | (n[:, 1] < 3)
                      | (n[:, 2] < 3) | (s1 < -EPS) | (s2 < _RATIO * s1 - EPS)
                      | (s1 < HALF * slope[:, 0] - EPS) | (s2 < HALF * slope[:, 0] - EPS)
                      | (ssr > (np.maximum(RESIDUAL_DB, RESIDUAL_RISE * slope[:, 0] * (_W - 1)) + EPS) ** 2 * n[:, 0]))
        usable = np.array([[c >= w for w, _, _ in WINDOWS] for c in (self._count[i] for i in rows)])
        return [i for i, maybe in zip(rows, (usable & ~reject).any(axis=1).tolist(), strict=True) if maybe]

    @staticmethod
    def _slope(y: np.ndarray) -> float:
        t = np.arange(len(y)) - (len(y) - 1) / 2
        return float(np.dot(t, y - y.mean()) / np.dot(t, t))

    def _judge(self, i: int) -> str:
        """'' if track i is howling, else the first test it fails (for the shortest window it could use)."""
        if self._count[i] < WINDOWS[0][0]:
            return "young"
        if not self._strong[i]:
            return "masked"
        why = "young"
        for w, least, ratio in WINDOWS:
            if self._count[i] < w:
                break
            why = self._judge_window(i, w, least, ratio)
            if not why:
                return ""
        return why

    def _judge_window(self, i: int, w: int, least: float, ratio: float) -> str:
        ok = self._hist[3, i, -w:] > 0
        if np.count_nonzero(ok) < PRESENT * w or not ok[-1]:
            return "absent"
        tt = np.arange(w, dtype=np.float64)[ok]
        y = self._hist[0, i, -w:][ok]
        slope = self._fit(tt, y)
        if slope * (w - 1) < least:
            return "flat"
        h = w / 2
        first, second = tt < h, tt >= h
        if np.count_nonzero(first) < 3 or np.count_nonzero(second) < 3:
            return "absent"
        s1, s2 = self._fit(tt[first], y[first]), self._fit(tt[second], y[second])
        if s1 <= 0 or s2 < ratio * s1 or min(s1, s2) < HALF * slope:
            return "decel"
        resid = y - y.mean() - slope * (tt - tt.mean())
        if float(np.sqrt(np.mean(resid**2))) > max(RESIDUAL_DB, RESIDUAL_RISE * slope * (w - 1)):
            return "jumpy"
        wh = self._hist[2, i, -w:][ok]
        if float(np.max(wh) - np.min(wh)) > 2 * FREQ_SPREAD * (2 if slope * (w - 1) >= FAST_RISE_DB else 1):
            return "wanders"
        hm = self._hist[1, i, -w:][ok]
        if y[-1] - hm[-1] < HARM_FLOOR_DB and self._fit(tt, hm) > HARM_GROW * slope:
            yc, hc = y - y.mean(), hm - hm.mean()
            if float(np.dot(yc, hc)) >= HARM_CORR * float(np.sqrt(np.dot(yc, yc) * np.dot(hc, hc))):
                return "harmonic"
        return ""

    @staticmethod
    def _fit(t: np.ndarray, y: np.ndarray) -> float:
        """Least-squares slope of y over t."""
        tc = t - t.mean()
        return float(np.dot(tc, y - y.mean()) / (np.dot(tc, tc) + 1e-12))
