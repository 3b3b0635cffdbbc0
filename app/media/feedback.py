"""The feedback guard: detect acoustic howling on a speaker's microphone path so the speaker can be auto-muted.

Why: one screeching host reaches every listener of a room. Mic only (no far-end reference), pure numpy (Hann
2048-point FFT, hop 960 = one frame; 23.4 Hz bins; 150 Hz–10 kHz). Cost: the benchmark's CPU row
(benchmarks/feedback_guard.py); the FFT is ~25 µs of it, the rest numpy call overhead on 8 tracks.

Features, after van Waterschoot & Moonen, "Fifty years of acoustic feedback control", Proc. IEEE 2011:
- candidates: the 5 most prominent peaks (local maxima over −80 dB, ranked by PNPR) each frame, followed as tracks
  (±1 bin a frame); when all 8 tracks are taken, a new one replaces the track masked longest that was not mostly
  tonal, and an untracked peak whose bin has been growing as a howl's does takes the track whose level has not
  grown for longest (feedback_tracks: a held note's partials are tonal in every frame and kept all 8). A young
  track whose PNPR reaches 15 dB gets its bin's last 2 s from a ring of past spectra (back-fill): a howl sits at
  one frequency from the start, and a track lost to a syllable, or first seen at 9–15 dB under speech harmonics,
  started from nothing (0.2–0.5 s of each slow loop);
- level: the mean power of the last 3 frames, so two beating loop modes do not read as a jumpy level;
- PNPR (peak over bins ±4–8 away, a held note's lines left out: feedback_floor) ≥ 15 dB, or ≥ 9 dB within 25
  frames of that: the track is judged (and followed); ≥ 6 dB: the frame counts ("present": speech over a howl);
- IPMP: present in ≥ 60 % of the window, the peak frequency within ±0.25 bin (±0.5 for a 15 dB rise: beating
  modes); from 25 frames on 80 % of the frames within that of their median (speech harmonics pull a low howl's
  peak off in a frame now and then); sung vibrato (±50 cents) wanders off it above ~600 Hz;
- growth (the decisive one, IMSD's idea as least squares): a loop with gain > 1 grows at a constant rate in dB
  until the mic clips (9–30 dB/s at gain 1.05–1.2, 90–240 dB/s at gain 2). Windows of 6 / 12 / 25 / 50 / 100
  frames need a rise of ≥ 8 / 3.5 / 4.5 / 5 / 6 dB, a second-half slope ≥ 0.9 / 0.75 / 0.6 × the first (a
  raised-cosine swell decelerates), each half ≥ 0.5 × the whole (a tremolo's half cycle) and a residual ≤ 1.5 dB
  (or 0.15 × the rise). A steady note has no rise, so a steady pure tone is tolerated indefinitely — by design, at
  the cost of never catching a howl that saturated unseen; a 6-frame rise back to a level the track had in the 12
  frames before does not count (a synth pad's detuned voices beat in and out of nulls as fast as a gain-2 loop);
- PHPR, three ways: the bins at 2f, 3f, f/2, 3f/2 rising with the peak frame by frame and in each half of the
  window (a crescendo's partials; a syllable starting at f/2 late in the window is a step, not a rise with it);
  the peak less than 10 dB over its partials at 2f / 3f over the window (feedback_evidence: a pad's or a voice's
  partial, not a howl, which has none until it clips); and the rest of the spectrum rising with it (a straight-tone
  crescendo's high partial has no partial at 2f that counts); and the peak one partial of a held harmonic series
  (feedback_evidence.in_series: two voices in unison beat their partials out of nulls at a loop's rate, and the
  beats decorrelate the frame-by-frame tests). PAPR is not used: speech around a growing howl pulled it to 4–10 dB.

Measured: benchmarks/feedback_guard.py --seeds 16, table in the README ("Feedback guard"; the howl's onset is
dated from when it emerges over the speech in its critical band, the benchmark's docstring says why): 0 mutes on the
false-positive set (speech, singing, held notes, flute, swells, sung and straight-tone crescendos, organ swell,
synth pads, whistle, tremolo, demo-room.ogg); harder negatives (voices in unison, which it still mutes now and
then) in a table of their own. A pure sine swelling linearly in dB is muted: for a tone with no partials that is
exactly a slow loop's signature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.feedback_evidence import (
    PARTIAL_DB,
    REST_CORR,
    co_grows,
    fit,
    in_series,
    partial_ratio_db,
    rest_db,
    rises_throughout,
)
from app.media.feedback_floor import Floor
from app.media.feedback_growth import HISTORY, PRESENT, SMOOTH, WINDOWS, growth, possible
from app.media.feedback_growth import smoothed as smooth
from app.media.feedback_tracks import candidates, growing, steadiest

N_FFT = 2048
BAND_HZ = (150.0, 10000.0)
CANDIDATES = 5
MAX_TRACKS = 8
PNPR_DB = 15.0
# A track that had PNPR ≥ PNPR_DB within HOLD frames is still judged from PNPR_HELD (speech around a howl it
# already showed): judging every 9 dB peak cost ~2x the CPU (speech harmonics). 6 dB caught one 1 kHz loop 20 ms
# sooner and made a synth pad's partial a mute (a fresh pad at 196 Hz).
PNPR_HELD = 9.0
HOLD = 25
PNPR_PRESENT = 6.0  # a frame of an established track counts in the fits from this PNPR (speech over the howl)
FREQ_SPREAD = 0.25  # bins; twice that for a rise of FAST_RISE_DB in the window: two loop modes a few Hz apart
# From ROBUST_W frames on, FREQ_HELD of the window within ±spread of its median frequency: speech harmonics
# pulled a 700 Hz howl's peak off by 0.4–1 bin in 1 frame of 10 (max − min failed a 40 ms / 1.2 loop for 0.7 s)
ROBUST_W = 25
FREQ_HELD = 0.8
FAST_RISE_DB = 15.0  # pull the peak between them while they grow 60 dB a second (no voice swells so steadily)
HARM_FLOOR_DB = 25.0  # co-growth of the harmonic bins (feedback_evidence.co_grows) counts within this of the peak
# A 6-frame rise does not count when the track stood BEAT_DB higher in the BEAT frames before it: detuned voices
# of a synth pad beat, and a partial's rise out of a beat's null is as fast as a gain-2 loop's (a howl rises to
# levels it never had).
BEAT = 12
BEAT_DB = 6.0
# A young track is given its bin's history (back-fill) when its PNPR first reaches PNPR_DB, up to this age: a howl
# first tracked at 9–15 dB under speech harmonics was judged from nothing for 0.2–0.5 s
FILL_YOUNG = 25
FLOOR_DB = -80.0
LOST = 12  # frames a track survives masked (a syllable over the howl)

_FLOOR = 10 ** (FLOOR_DB / 10)
_PRESENT = 10 ** (PNPR_PRESENT / 10)


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
        self._floor = Floor(self._lo, self._hi, N_FFT // 2 + 2)
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
        self._floor.reset()
        self._floors = self._floor.history  # the PNPR's floor per bin and frame, a ring as _spectra
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
        floor = self._floor.measure(p, slot)  # bins lo … hi (feedback_floor: held lines left out)
        cand_vals = np.where((mid > band[:-2]) & (mid >= band[2:]) & (mid >= _FLOOR), mid / (10 * floor[1:-2]), 0.0)
        best = np.flatnonzero(cand_vals)  # argpartition of the whole, mostly zero, array took ~30 µs (its ties)
        if len(best) > CANDIDATES:
            best = best[cand_vals[best].argpartition(-CANDIDATES)[-CANDIDATES:]]
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
        grown = self._grow(cand_vals, taken) if self._frames > WINDOWS[0][0] else None
        if not bins:
            return None
        new, pnpr = self._measure(bins)  # rows: level, harmonic level, interpolated bin, tonal
        keep: list[int] = []
        since = [0 if v >= PNPR_DB else n + 1 for v, n in zip(pnpr, self._since, strict=True)]
        was_weak = [n > HOLD for n in self._since]
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
        fresh = [i for i, j in enumerate(keep)
                 if j == grown or (count[j] < FILL_YOUNG and since[i] == 0 and strong[i] and was_weak[j])]
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
                slope = fit(np.arange(WINDOWS[0][0], dtype=np.float64), hist[0, i, -WINDOWS[0][0] :])
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
        floors = self._floors[bins, self._frames % HISTORY].tolist()
        for r, neigh in zip(g.tolist(), floors, strict=True):
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

    def _grow(self, rated: np.ndarray, taken: set[int]) -> int | None:
        """A peak without a track that grows as a howl does gets a free track or the steadiest one's (see
        feedback_tracks); returns its slot, to be back-filled in `feed`, or None."""
        bins, past = candidates(rated, taken, self._lo + 1), min(self._frames, HISTORY)
        start = (self._frames - past + 1) % HISTORY
        found = growing(self._spectra.take(self._idx[bins][:, :3], axis=0)[..., start : start + past],
                        self._floors[bins, start : start + past],
                        float(self._p[self._lo : self._hi].max()), _PRESENT, _FLOOR) if bins else None
        i = len(self._bins) if found is None or len(self._bins) < MAX_TRACKS else steadiest(
            self._hist[0], self._hist[3], self._count)
        if found is None or i is None:
            return None
        j, strong = found
        since = HOLD + 1 if strong is None else strong - 1  # `feed` adds this frame's one
        for track, value in ((self._bins, bins[j]), (self._misses, 0), (self._count, 0), (self._since, since)):
            track[i:i + 1] = [value]  # a free track is appended
        self._hist[:, i] = 0.0
        return i

    def _backfill(self, rows: list[int]) -> None:
        """Give new tracks the history their bin had before it was a candidate, from the stored spectra: a howl
        is at one frequency from the start, so a track that a syllable cost (masked too long, or its slot taken by
        speech harmonics) does not have to grow its evidence again (that cost 0.2–0.4 s of each slow loop)."""
        past = min(self._frames - 1, HISTORY - 1)
        bins = [self._bins[i] for i in rows]
        start = (self._frames - past) % HISTORY
        g = self._spectra.take(self._idx[bins], axis=0)[..., start : start + past]  # (tracks, 29, frames)
        a, b, c = g[:, 0], g[:, 1], g[:, 2]
        level, pnpr, harm, la, lb, lc = 10 * np.log10(np.stack((
            a + b + c + 1e-20, b / self._floors[bins, start : start + past] + 1e-20, g[:, 13:].max(axis=1) + 1e-20,
            a + 1e-30, b + 1e-30, c + 1e-30)))
        den = la - 2 * lb + lc
        frac = 0.5 * (la - lc) / np.where(den < 0, den, -1.0) * (den < 0)
        tonal = ((pnpr >= PNPR_PRESENT) & (level >= FLOOR_DB)).astype(np.float64)
        r = np.array(rows, dtype=np.intp)
        power = 10 ** (np.stack((level, harm)) / 10)  # (2, tracks, frames)
        smoothed = smooth(power)
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
        """The rows whose exact judgement could be 'howling' (feedback_growth.possible rejects nearly all)."""
        if not rows:
            return []
        r = np.array(rows)
        maybe = possible(self._hist[0, r], self._hist[3, r], [self._count[i] for i in rows])
        return [i for i, m in zip(rows, maybe, strict=True) if m]

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
        why, slope = growth(tt, y, w, least, ratio)
        if why:
            return why
        wh = self._hist[2, i, -w:][ok]
        spread = FREQ_SPREAD * (2 if slope * (w - 1) >= FAST_RISE_DB else 1)
        if (float(np.max(wh) - np.min(wh)) > 2 * spread if w < ROBUST_W else
                np.count_nonzero(np.abs(wh - np.median(wh)) <= spread) < FREQ_HELD * len(wh)):
            return "wanders"
        hm = self._hist[1, i, -w:][ok]
        if y[-1] - hm[-1] < HARM_FLOOR_DB and co_grows(tt, y, hm, slope) and rises_throughout(tt, hm, w, slope):
            return "harmonic"
        if w == WINDOWS[0][0] and self._count[i] >= w + BEAT:
            seen = self._hist[:, i, -w - BEAT : -w]
            if float(seen[0][seen[3] > 0].max(initial=-400.0)) > y[0] + BEAT_DB:
                return "beats"
        start = (self._frames - w + 1) % HISTORY  # the window's spectra, in order (the ring is written twice)
        frames, k = self._spectra[:, start : start + w], self._bins[i]
        partial = partial_ratio_db(frames, k, ok)
        if partial is not None and partial < PARTIAL_DB:
            return "partial"
        if co_grows(tt, y, rest_db(frames, k, self._lo, self._hi)[ok], slope, REST_CORR):
            return "swell"
        if in_series(frames, wh, ok, self._lo):
            return "series"
        return ""
