"""The feedback guard: detect acoustic howling on a speaker's microphone path so the speaker can be auto-muted.

Why: one screeching host reaches every listener of a room. A howl is a frequency-stable, strongly tonal peak whose
level keeps growing at a steady rate in dB, without partials growing with it (van Waterschoot & Moonen, "Fifty years
of acoustic feedback control", Proc. IEEE 2011: PNPR, IPMP, IMSD-like growth, PHPR). Whether it is also in what we play
(feedback_far_end) chooses the advice, and decides the tests for a stage's loop (feedback_period, ECHO). Each feature,
each threshold and why it is there: docs/feedback-guard.md. Measured: benchmarks/feedback_guard.py
(docs/performance.md, "Feedback guard").
Pure numpy: a Hann 2048-point FFT a 20 ms frame (23.4 Hz bins, 150 Hz–10 kHz), 8 tracks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.feedback_evidence import BEAT, against, fit
from app.media.feedback_far_end import FarEnd
from app.media.feedback_floor import Floor
from app.media.feedback_growth import HISTORY, PRESENT, SMOOTH, WINDOWS, growth, possible
from app.media.feedback_growth import smoothed as smooth
from app.media.feedback_period import LAGS, THREE_ROUND_TRIPS, rising_tracks, round_trip_growth
from app.media.feedback_tracks import candidates, growing, loud, steadiest

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
# A young track is given its bin's history (back-fill) when its PNPR first reaches PNPR_DB, up to this age: a howl
# first tracked at 9–15 dB under speech harmonics was judged from nothing for 0.2–0.5 s
FILL_YOUNG = 25
FLOOR_DB = -80.0
LOST = 12  # frames a track survives masked (a syllable over the howl)
# Music mode, for a speaker who performs on headphones: a growing tone counts only when it is also in what we play
# or from LOUD_DB (60 % of full scale); ensembles' beating partials otherwise read as slow loops, and local loops
# pay for it, caught late or never (docs/feedback-guard.md).
LOUD_DB = -3.0
# ECHO: what we play carries our own sound only through another speaker's room (mix-minus), ≥ 0.3 s a round trip,
# so a tone in what we play that rises with it within less than two of those (FarEnd.follows: one for one in dB) is
# the played sound reaching the microphone, not a loop (docs/feedback-guard.md, "Echo": what it must not take for one).

_FLOOR = 10 ** (FLOOR_DB / 10)
_PRESENT = 10 ** (PNPR_PRESENT / 10)


@dataclass(frozen=True)
class FeedbackVerdict:
    """Howling found: mute the speaker. `frequency_hz` is the howling tone, `reason` says which evidence;
    `played`: the howl was also in what we play, so it goes through our loudspeaker (False: through something
    else near the microphone — another device playing the room, the system playing the microphone back; the advice
    differs)."""

    frequency_hz: float
    reason: str
    level_db: float
    growth_db_per_s: float
    played: bool = True


class FeedbackGuard:
    """Feed 20 ms mic frames; returns a verdict when the frame completes the evidence for howling."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, *, music: bool = False) -> None:
        """`music`: music mode (see MUSIC); may be switched at any time."""
        self.sample_rate = sample_rate
        self.music = music
        self.played = FarEnd()  # what the output plays: where a howl goes through, for the advice
        self._window, self._spec = np.hanning(N_FFT), np.zeros(N_FFT // 2 + 1, dtype=np.complex128)  # FFT in, out
        self._norm = 1.0 / (np.sum(self._window) / 2) ** 2  # a full-scale sine's peak bin → 0 dB
        self._lo = max(10, int(BAND_HZ[0] * N_FFT / sample_rate))
        self._hi = int(BAND_HZ[1] * N_FFT / sample_rate)
        self._idx = self._bin_table(N_FFT // 2 + 1)
        self._floor = Floor(self._lo, self._hi, N_FFT // 2 + 2)
        self.debug: list[dict[str, object]] | None = None  # per-track features, for tuning (exact path for all)
        self.reset()

    def _bin_table(self, n: int) -> np.ndarray:
        """Per peak bin k, the 19 bins `feed` measures: k−1..k+1, then 2k±2, 3k±2 (n, a zero power, where out of
        range), k//2 ± 1 and 3k//2 ± 1 (harmonic level = their max). (The PNPR's ring is feedback_floor's.)"""
        table = np.full((self._hi + 1, 19), n)
        for k in range(self._lo, self._hi + 1):
            near = [k - 1, k, k + 1]
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

    def far_end(self, frame: np.ndarray) -> None:
        """What is being played to the loudspeaker, as it is handed to the output device (its own thread)."""
        self.played.push(frame)

    def feed(self, frame: np.ndarray) -> FeedbackVerdict | None:
        x = np.asarray(frame, dtype=np.float64).reshape(-1)
        if not math.isfinite(np.add.reduce(x)):  # a finite sum means finite samples, or nan_to_num changes nothing
            x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        n = len(x)
        self._buf[:-n] = self._buf[n:]
        self._buf[-n:] = x
        self._frames += 1
        np.multiply(self._buf, self._window, out=self._xw)
        spec = np.fft.rfft(self._xw, out=self._spec)
        p = self._p[:-1]
        np.multiply(spec.real**2 + spec.imag**2, self._norm, out=p)
        slot = self._frames % HISTORY
        self._spectra[:, slot] = self._p
        self._spectra[:, slot + HISTORY] = self._p
        lo, hi = self._lo, self._hi
        mid = p[lo + 1 : hi - 1]
        # Candidates by prominence (peak over bins ±4–8 away, as PNPR), not by power: a starting howl is ~50 dB
        # over its neighbours but 30 dB under the speech harmonics, which held all 5 places by power (first seen
        # 12–16 frames after onset). The peaks: the floor's local maxima over FLOOR_DB (the same tests, bins).
        floor = self._floor.measure(p, slot)  # bins lo … hi (feedback_floor: held lines left out)
        cand_vals = np.where(self._floor.maxima[:-1], mid / (10 * floor[1:-2]), 0.0)
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
        self._strong = strong = [new[3][j] > 0 and (pnpr[i] >= PNPR_DB or (pnpr[i] >= PNPR_HELD and since[i] <= HOLD))
                                 for i, j in enumerate(keep)]  # new[3]: this frame's tonal, as in the history
        fresh = [i for i, j in enumerate(keep)
                 if j == grown or (count[j] < FILL_YOUNG and since[i] == 0 and strong[i] and was_weak[j])]
        if fresh and self._frames > 1:
            self._backfill(fresh)
        self._smooth(m)
        if self.debug is not None:
            rows = list(range(m))
        else:
            rows = self._possible([i for i in range(m) if self._count[i] >= WINDOWS[0][0] and strong[i]])
        verdict = self._verdict(rows, pnpr)
        if verdict is None and self.played.sounding():  # a stage's loop (feedback_period)
            verdict = self._round_trip([i for i in range(m) if strong[i] and self._count[i] >= THREE_ROUND_TRIPS])
        return verdict

    def _verdict(self, rows: list[int], pnpr: list[float]) -> FeedbackVerdict | None:
        """The first of the tracks `rows` that grows as a howl (all of them judged in debug)."""
        hist, verdict = self._hist, None
        for i in rows:
            level = float(hist[0, i, -1])
            why, w = self._judge(i, level)
            if self.debug is not None:
                self.debug.append({"frame": self._frames, "bin": self._bins[i], "level": level,
                                   "pnpr": float(pnpr[i]), "phpr": level - float(hist[1, i, -1]), "why": why})
            if why == "" and verdict is None:
                slope = fit(np.arange(WINDOWS[0][0], dtype=np.float64), hist[0, i, -WINDOWS[0][0] :])
                verdict = FeedbackVerdict(self._bins[i] * self.sample_rate / N_FFT, "growing pure tone", level,
                                          slope * self.sample_rate / FRAME_SAMPLES, self._played(i, w, level))
                if self.debug is None:
                    break
        return verdict

    def _round_trip(self, rows: list[int]) -> FeedbackVerdict | None:
        """The first of the tracks `rows` whose level repeats itself a round trip later, louder, with a howl's
        evidence, and is in what we play (feedback_period)."""
        if not rows:
            return None
        r = slice(0, len(rows)) if rows[-1] == len(rows) - 1 else np.array(rows)  # the first rows: no copy
        rising = rising_tracks(self._hist[0, r], self._hist[3, r], [self._count[i] for i in rows])
        for i in (i for i, up in zip(rows, rising, strict=True) if up):
            found = round_trip_growth(self._hist[0, i], self._hist[3, i], self._count[i])
            if found is None:
                continue
            lag, rise = found
            ok = self._hist[3, i, -2 * lag :] > 0
            tt, level = np.arange(2 * lag, dtype=np.float64)[ok], float(self._hist[0, i, -1])
            if not self._evidence(i, 2 * lag, ok, tt, self._hist[0, i, -2 * lag :][ok], rise / lag) and \
                    self._played(i, 2 * lag, level):
                return FeedbackVerdict(self._bins[i] * self.sample_rate / N_FFT, "pure tone growing each round trip",
                                       level, rise / lag * self.sample_rate / FRAME_SAMPLES)
        return None

    def _played(self, i: int, w: int, level: float) -> bool:
        """Whether track i, howling over its last w frames, is in what we play (it goes through our loudspeaker);
        True when nothing was ever played (no better advice to give)."""
        if not self.played.pushed():
            return True
        ok = self._hist[3, i, -w:] > 0
        return self.played.carries(float(np.median(self._hist[2, i, -w:][ok])), w, int(np.count_nonzero(ok)), level)

    def _echo(self, i: int, w: int, level: float) -> bool:
        """Whether track i's rise over its last w frames is what we play rising (ECHO): in it, and following it."""
        ok = self._hist[3, i, -w:] > 0
        return (self.played.pushed() and self._played(i, w, level)
                and self.played.follows(float(np.median(self._hist[2, i, -w:][ok])), self._hist[0, i, -w:], ok))

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
            args += (r[0] + r[1] + r[2] + 1e-20, r[1] / neigh + 1e-20, max(r[3:]) + 1e-20)
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
        loudest = float(self._p[self._lo : self._hi].max()) if bins else 0.0
        bins = loud(bins, self._p.take(self._idx[bins][:, :3]).tolist(), loudest) if bins else bins
        found = growing(self._spectra.take(self._idx[bins][:, :3], axis=0)[..., start : start + past],
                        self._floors[bins, start : start + past], loudest, _PRESENT, _FLOOR) if bins else None
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
        g = self._spectra.take(self._idx[bins], axis=0)[..., start : start + past]  # (tracks, 19, frames)
        a, b, c = g[:, 0], g[:, 1], g[:, 2]
        level, pnpr, harm, la, lb, lc = 10 * np.log10(np.stack((
            a + b + c + 1e-20, b / self._floors[bins, start : start + past] + 1e-20, g[:, 3:].max(axis=1) + 1e-20,
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
        r = slice(0, len(rows)) if rows[-1] == len(rows) - 1 else np.array(rows)  # all the first rows: no copy
        maybe = possible(self._hist[0, r], self._hist[3, r], [self._count[i] for i in rows])
        return [i for i, m in zip(rows, maybe, strict=True) if m]

    def _judge(self, i: int, level: float) -> tuple[str, int]:
        """('', the window) if track i is howling, else (the first test it fails, for the shortest window it could
        use; 0). A window shorter than two stage round trips does not count for the played sound's echo (ECHO); in
        music mode a window's growth counts only for a tone in what we play, or a loud one."""
        if self._count[i] < WINDOWS[0][0]:
            return "young", 0
        if not self._strong[i]:
            return "masked", 0
        why = "young"
        for w, least, ratio in WINDOWS:
            if self._count[i] < w:
                break
            why = self._judge_window(i, w, least, ratio)
            if not why and w < 2 * LAGS[0] and self._echo(i, w, level):
                why = "echo"
            if not why and self.music and level < LOUD_DB and not self._played(i, w, level):
                why = "not played"
            if not why:
                return "", w
        return why, 0

    def _judge_window(self, i: int, w: int, least: float, ratio: float) -> str:
        ok = self._hist[3, i, -w:] > 0
        if np.count_nonzero(ok) < PRESENT * w or not ok[-1]:
            return "absent"
        tt = np.arange(w, dtype=np.float64)[ok]
        y = self._hist[0, i, -w:][ok]
        why, slope = growth(tt, y, w, least, ratio)
        return why or self._evidence(i, w, ok, tt, y, slope)

    def _evidence(self, i: int, w: int, ok: np.ndarray, tt: np.ndarray, y: np.ndarray, slope: float) -> str:
        """'' or the first test a track that grew over its last w frames (present in `ok`, at frames tt, levels y,
        fitted slope dB a frame) fails (feedback_evidence.against)."""
        start = (self._frames - w + 1) % HISTORY  # the window's spectra, in order (the ring is written twice)
        return against(self._hist[:, i, -w - BEAT :], self._count[i], w, ok, tt, y, slope,
                       self._spectra[:, start : start + w], self._bins[i], self._lo, self._hi)
