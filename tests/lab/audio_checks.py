"""What a listener heard, judged from its recording of a continuous tone (outage tests and the benchmark).

Audible means audible: a 10 ms window more than 6 dB under the surrounding level is heard as a fault, not only
silence (`sags`; `Heard.audible_ms` counts gaps and sags once). Speech is judged against its source instead
(tests.lab.speech_checks): its own level comes and goes.

The gap and click detectors are tests.support.analysis's (one definition for tests, benchmarks and the playout's
own tests). Here: the link between recording and wall clock (`OutputClock`), the tone's level, level dips
that are not silence, the shape of a gap's edges (fade-out / fade-in), and the content time of a swept tone.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.media import SAMPLE_RATE
from tests.support.analysis import SILENCE_RMS, audible_gaps, find_clicks, frame_rms

WINDOW = 480  # 10 ms: the gap detector's window
WINDOW_MS = 1000 * WINDOW / SAMPLE_RATE
MIN_SKIP_S = 0.02  # the content-skip measurement's resolution


class OutputClock:
    """A playout tap that remembers when each block was pulled: recording sample index ↔ time.monotonic()."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.starts: list[int] = []
        self.total = 0

    def __call__(self, block: np.ndarray) -> None:
        self.times.append(time.monotonic())
        self.starts.append(self.total)
        self.total += len(block)

    def time_at(self, index: int) -> float:
        """When sample `index` was handed to the output (the pull that contained it)."""
        if not self.starts:
            raise ValueError("nothing was pulled yet")
        i = max(0, bisect.bisect_right(self.starts, index) - 1)
        return self.times[i] + (index - self.starts[i]) / SAMPLE_RATE

    def index_at(self, t: float) -> int:
        """The first sample pulled at or after monotonic time `t`."""
        i = bisect.bisect_left(self.times, t)
        return self.starts[i] if i < len(self.starts) else self.total


def mono(pcm: np.ndarray) -> np.ndarray:
    return (pcm[:, 0] if pcm.ndim == 2 else pcm).astype(np.float64)


def first_sound(pcm: np.ndarray) -> int:
    """Index of the first 10 ms window above silence (in samples), or len(pcm)."""
    loud = np.flatnonzero(frame_rms(pcm, WINDOW) >= SILENCE_RMS)
    return int(loud[0]) * WINDOW if len(loud) else len(pcm)


def tone_level(pcm: np.ndarray) -> float:
    """The tone's steady RMS: the median of the audible 10 ms windows."""
    rms = frame_rms(pcm, WINDOW)
    loud = rms[rms >= SILENCE_RMS]
    return float(np.median(loud)) if len(loud) else 0.0


def runs(flags: np.ndarray) -> list[tuple[float, float]]:
    """(start_ms, length_ms) of each run of True in per-window `flags`."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.astype(np.int8), [0]))))
    return [(float(a * WINDOW_MS), float((b - a) * WINDOW_MS)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


SAG_DB = 6.0
AROUND_S = 0.5  # the surrounding level: wide enough to outvote a short fault, short enough to follow a slow fade


def surrounding_level(rms: np.ndarray, around_s: float = AROUND_S) -> np.ndarray:
    """Per 10 ms window: the median RMS of the audible windows within ±`around_s` (0 where none is audible)."""
    half = round(around_s * 1000 / WINDOW_MS)
    loud = np.where(rms >= SILENCE_RMS, rms, np.nan)
    padded = np.concatenate((np.full(half, np.nan), loud, np.full(half, np.nan)))
    views = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    counts = np.sum(~np.isnan(views), axis=1)
    level = np.zeros(len(rms))
    some = counts > 0
    if some.any():
        level[some] = np.nanmedian(views[some], axis=1)
    return level


def sag_windows(pcm: np.ndarray, below_db: float = SAG_DB, around_s: float = AROUND_S) -> np.ndarray:
    """Per 10 ms window: more than `below_db` under the surrounding level, silent or not (the issue's rule).

    The surrounding level is local, so a source that slowly changes level is no sag, but a fault is."""
    rms = frame_rms(pcm, WINDOW)
    return rms < surrounding_level(rms, around_s) * 10 ** (-below_db / 20)


def level_dips(pcm: np.ndarray, below_db: float = 6.0) -> list[tuple[float, float]]:
    """(start_ms, length_ms) of runs of 10 ms windows more than `below_db` under the tone's level but not silent:
    a tone that only sags (a poor cross-fade, a decaying concealment) is heard although no gap detector fires."""
    rms = frame_rms(pcm, WINDOW)
    level = tone_level(pcm)
    sagging = (rms < level * 10 ** (-below_db / 20)) & (rms >= SILENCE_RMS)
    return runs(sagging)


@dataclass
class Heard:
    """The verdict on a recording from its first sound on (the join before it is not a gap)."""

    seconds: float
    level_dbfs: float
    gaps: list[tuple[float, float]]  # (start_ms, length_ms) below SILENCE_RMS
    clicks: list[int]  # sample indices (from the first sound), after the join's fade-in
    dips: list[tuple[float, float]] = field(default_factory=list)
    onset_clicks: list[int] = field(default_factory=list)  # in the first ONSET_MS: the join, not an outage
    audible: list[tuple[float, float]] = field(default_factory=list)  # gaps ∪ sags > 6 dB (surrounding level)

    @property
    def gap_ms(self) -> float:
        return sum(length for _, length in self.gaps)

    @property
    def audible_ms(self) -> float:
        """Milliseconds heard as a fault: silent or more than 6 dB under the surrounding level (once each)."""
        return sum(length for _, length in self.audible)

    def describe(self) -> str:
        gaps = ", ".join(f"{length:.0f} ms at {start / 1000:.2f} s" for start, length in self.gaps[:8])
        clicks = ", ".join(f"{c / SAMPLE_RATE:.3f} s" for c in self.clicks[:8])
        dips = ", ".join(f"{length:.0f} ms at {start / 1000:.2f} s" for start, length in self.dips[:8])
        audible = ", ".join(f"{length:.0f} ms at {start / 1000:.2f} s" for start, length in self.audible[:8])
        return (f"{self.seconds:.1f} s heard at {self.level_dbfs:.1f} dBFS; {len(self.gaps)} gap(s) "
                f"[{gaps}] = {self.gap_ms:.0f} ms; {len(self.clicks)} click(s) [{clicks}]; "
                f"{len(self.dips)} dip(s) > 6 dB [{dips}]; {self.audible_ms:.0f} ms audible [{audible}]; "
                f"{len(self.onset_clicks)} click(s) in the join's onset")


ONSET_MS = 30.0  # the join's 20 ms fade-in and a frame of a fresh decoder: judged apart from outages


def judge(pcm: np.ndarray) -> Heard:
    """Gaps, clicks, dips and audible windows (gaps ∪ sags under the surrounding level) of a tone recording after
    its first sound; a sag in the join's first ONSET_MS is its fade-in, not a fault."""
    start = first_sound(pcm)
    heard = pcm[start:]
    level = tone_level(heard)
    clicks = find_clicks(heard, window=WINDOW)
    onset = int(ONSET_MS * SAMPLE_RATE / 1000)
    faulty = (frame_rms(heard, WINDOW) < SILENCE_RMS) | sag_windows(heard)
    faulty[: int(ONSET_MS / WINDOW_MS)] &= frame_rms(heard[:onset], WINDOW) < SILENCE_RMS
    return Heard(
        seconds=len(heard) / SAMPLE_RATE,
        level_dbfs=20 * np.log10(max(level, 1e-9) / 32768),
        gaps=audible_gaps(heard, window=WINDOW, skip_leading=False),
        clicks=[c for c in clicks if c >= onset],
        dips=[d for d in level_dips(heard) if d[0] >= ONSET_MS],
        onset_clicks=[c for c in clicks if c < onset],
        audible=runs(faulty),
    )


def envelope(pcm: np.ndarray, window: int = 240) -> np.ndarray:
    """Moving RMS over `window` samples (5 ms: two periods of a 440 Hz tone), one value per sample."""
    power = mono(pcm) ** 2
    kernel = np.ones(window) / window
    return np.sqrt(np.convolve(power, kernel, mode="same"))


@dataclass(frozen=True)
class Ramps:
    """How long the level took to go from the tone (≥ 85 %) to nearly nothing (≤ 10 %) into a gap, and back.

    A fade is a ramp of at least FADE_MIN_MS; a cut shows as ~4 ms (the envelope's own smoothing).
    """

    out_ms: float
    in_ms: float


FADE_MIN_MS = 10.0


def gap_ramps(pcm: np.ndarray, gap: tuple[float, float]) -> Ramps:
    """The fade-out before and the fade-in after `gap` ((start_ms, length_ms) as `audible_gaps` reports)."""
    level = tone_level(pcm)
    env = envelope(pcm) / max(level, 1e-9)
    per_ms = SAMPLE_RATE / 1000
    g0 = int(gap[0] * per_ms)
    g1 = int((gap[0] + gap[1]) * per_ms)
    search = int(400 * per_ms)
    before = env[max(0, g0 - search) : g0 + int(10 * per_ms)]
    full = np.flatnonzero(before >= 0.85)
    out_ms = 0.0
    if len(full):
        a = int(full[-1])
        low = np.flatnonzero(before[a:] <= 0.1)
        out_ms = (int(low[0]) if len(low) else len(before) - a) / per_ms
    after = env[max(0, g1 - int(10 * per_ms)) : g1 + search]
    rising = np.flatnonzero(after >= 0.1)
    in_ms = 0.0
    if len(rising):
        c = int(rising[0])
        high = np.flatnonzero(after[c:] >= 0.85)
        in_ms = (int(high[0]) if len(high) else len(after) - c) / per_ms
    return Ramps(out_ms, in_ms)


# ---------------------------------------------------------------------------------------------- swept tone
def analytic_frequency(x: np.ndarray) -> tuple[float, float]:
    """(frequency Hz, rms phase residual rad) of one tone in `x` from its analytic signal's phase slope."""
    n = len(x)
    spectrum = np.fft.fft(x)
    h = np.zeros(n)
    h[0] = 1
    h[1 : (n + 1) // 2] = 2
    if n % 2 == 0:
        h[n // 2] = 1
    phase = np.unwrap(np.angle(np.fft.ifft(spectrum * h)))
    t = np.arange(n) / SAMPLE_RATE
    keep = slice(n // 8, n - n // 8)  # the ends of an FFT-made analytic signal are unreliable
    slope, offset = np.polyfit(t[keep], phase[keep], 1)
    residual = float(np.sqrt(np.mean((phase[keep] - (slope * t[keep] + offset)) ** 2)))
    return float(slope / (2 * np.pi)), residual


@dataclass(frozen=True)
class Sweep:
    """The source's glide: `low` → `high` Hz linearly over `period` s, then again (tests.support.rtp_source); with
    `leap`, every other 0.25 s sounds `leap` × the glide (choose leap·low > high so the two never overlap)."""

    low: float
    high: float
    period: float
    leap: float | None = None

    def content_time(self, frequency: float) -> float:
        """Seconds into the glide that sound this frequency (modulo the period)."""
        if self.leap is not None and frequency > self.high + 5:
            frequency /= self.leap
        return (frequency - self.low) / (self.high - self.low) * self.period

    def plausible(self, frequency: float) -> bool:
        """A frequency the source can sound, and not one of the few that two moments share."""
        if self.low - 1 <= frequency <= self.high + 1:
            return not (self.leap is not None and frequency > self.leap * self.low - 10)
        if self.leap is not None:
            return self.leap * self.low + 10 <= frequency <= self.leap * self.high + 1
        return False


def content_times(pcm: np.ndarray, sweep: Sweep, *, window: int = 1920, hop: int = 960,
                  min_level: float = 0.7) -> tuple[np.ndarray, np.ndarray]:
    """(sample index of each window's centre, content time or NaN) every `hop` samples.

    NaN where the window is not the clean tone: any 10 ms part below `min_level` of the tone's level (gaps,
    fades), a phase that is not one straight line (a splice inside), or a frequency outside the glide.
    """
    x = mono(pcm)
    level = tone_level(pcm)
    rms10 = frame_rms(pcm, WINDOW)
    centres, values = [], []
    for start in range(0, len(x) - window, hop):
        centres.append(start + window // 2)
        parts = rms10[start // WINDOW : (start + window) // WINDOW]
        if len(parts) == 0 or np.min(parts) < min_level * level:
            values.append(np.nan)
            continue
        freq, residual = analytic_frequency(x[start : start + window])
        if residual > 0.05 or not sweep.plausible(freq):
            values.append(np.nan)
            continue
        values.append(sweep.content_time(freq))
    return np.array(centres), np.array(values)


def wrap(delta: float, period: float) -> float:
    """A content-time difference brought into (−period/2, period/2]."""
    return float((delta + period / 2) % period - period / 2)


def content_skipped_s(pcm: np.ndarray, sweep: Sweep, gap_s: Callable[[float, float], float]) -> float:
    """Seconds of source content never played, in a recording of the swept tone.

    At each break in the content time (a jump, or windows that are not the clean tone), skipped = content
    advance − output time that played content, where `gap_s(a, b)` tells how much of the output between a and b
    (seconds into `pcm`) was not the room (a gap). Medians of ≤ 7 estimates on each side cancel the pitch
    estimator's noise; skips under MIN_SKIP_S are not counted (that is the resolution). A pause that loses
    nothing (the output waits, the content resumes where it stopped) skips 0; slow or fast play is no break."""
    centres, times = content_times(pcm, sweep)
    ok = ~np.isnan(times)
    if ok.sum() < 4:
        return float("nan")
    t = centres[ok] / 48000
    residual = times[ok] - t  # content time minus output time: constant while playing at speed 1
    residual = np.unwrap(residual * 2 * np.pi / sweep.period) * sweep.period / (2 * np.pi)
    dt = np.diff(t)
    jumps = np.abs(np.diff(residual))
    breaks = np.flatnonzero((dt > 0.03) | (jumps > 0.015))
    # breaks closer than 3 estimates are one event (a splice's mixed window sits between two breaks)
    clusters: list[list[int]] = []
    for b in breaks.tolist():
        if clusters and b - clusters[-1][-1] < 3:
            clusters[-1].append(b)
        else:
            clusters.append([b])
    total = 0.0
    for k, cluster in enumerate(clusters):
        first, last = cluster[0], cluster[-1]
        prev_end = clusters[k - 1][-1] + 1 if k else 0
        next_start = clusters[k + 1][0] if k + 1 < len(clusters) else len(t) - 1
        left = residual[max(prev_end, first - 6) : first + 1]
        right = residual[last + 1 : min(next_start, last + 7) + 1]
        skipped = (np.median(right) - np.median(left)) + gap_s(t[first], t[last + 1])
        if skipped > MIN_SKIP_S:  # below: the pitch estimate's noise (a median of ≤ 7 is ±2–3 ms)
            total += skipped
    return float(total)
