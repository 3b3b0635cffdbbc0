"""What a listener heard of speech, judged against the source it plays (the issue's rule on the demo room's audio).

Audible means audible: a 10 ms window of the recording more than 6 dB under what the source had at the same
*content moment* is heard as a fault (silence included), and so is a click the source does not have. Speech has
its own pauses, so its level cannot come from the recording; and the playout stretches pauses (up to 2×) and
voiced parts (pitch periods), conceals losses and skips content, so the recording is not sample-aligned with the
source. Hence: 10 ms log-level envelopes, aligned by dynamic programming over the looped source (steps of 0, 1
or 2 source windows per recorded window, a costly jump anywhere for a skip), silence in the recording judged as a
whole (a pause of the source stretched by at most 2× is fine; anything else in it is a gap), then the rule.

A recorded window is flagged only if the source was louder than it + 6 dB throughout ±TOLERANCE_MS around the
aligned moment: the alignment is good to about one 10 ms window (a window of the recording straddles two of the
source's), and a fault of 20 ms or more still has a whole window whose neighbourhood is the fault's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.media import SAMPLE_RATE
from tests.lab.audio_checks import ONSET_MS, WINDOW, WINDOW_MS, mono, runs
from tests.support.analysis import SILENCE_RMS, find_clicks

SAG_DB = 6.0
SILENCE_DB = 20 * np.log10(SILENCE_RMS / 32768)  # −50 dBFS: a recorded window this quiet is silence
QUIET_DB = -40.0  # a source window this faint is not judged: Opus codes faint tails ±10 dB (and > −44)
FLOOR_DB = -60.0  # levels are compared above this (comfort noise at −60 dBFS = digital silence)
TOLERANCE_MS = 10.0  # ± around the aligned moment: see the module doc
CLICK_TOLERANCE_MS = 20.0  # a recorded click within this of one of the source's is the source's
CLICK_MARGIN = 2.0  # a recorded click no sharper than this × the source's sharpest edge nearby is the source's
MAX_STRETCH = 2.0  # a pause may last up to this × the source's (the playout lengthens pauses up to 2×)
SLACK = 2  # windows: edges of a pause straddle windows, and coding moves a faint edge across −50 dBFS
# windows: how far from a silence's edge its pause may end, when the silence follows a skip. The sounding window
# after the silence is aligned by level, and at a loud re-entry the DP lands up to 4 windows off the source's
# own pause edge (seen: a kill's splice onto the loop's last pause, re-entry aligned 4 windows past it; and in
# benchmarks.fault_schedule, a pause doubled while the cushion refilled after the kill, re-entry 7 windows past it)
EDGE_SEARCH = 8
# alignment costs, in dB of level mismatch per window
CAP_DB = 20.0  # one window's mismatch counts at most this (a fault must not drag the alignment away)
STEP_DB = 1.0  # holding or skipping one source window (stretch, shrink)
GAP_DB = 20.0  # a silence that is not a pause of the source (an outage, a dropout): rarer than a mismatch
JUMP_DB = 60.0  # content skipped: ~3–6 windows of mismatch buy a jump, a 30 ms sag (≤ 40 dB) does not
JUMP_REACH = 3  # windows: how far from where the alignment put a content jump it may really be (clicks)
EDGE_JUMP_REACH = 15  # sounding windows: how far from a silence a misplaced jump is looked for (_edge_contents)
REANCHOR_SPAN = 15  # sounding windows after a silence re-matched as a whole (see _reanchor)
REANCHOR_MAX = 30  # windows: how far they may move


def levels_db(pcm: np.ndarray, hop: int = WINDOW) -> np.ndarray:
    """Level of each 10 ms window every `hop` samples (first channel), dBFS, floored at −100."""
    x = mono(pcm)
    power = np.concatenate(([0.0], np.cumsum(x**2)))
    starts = np.arange(0, len(x) - WINDOW + 1, hop)
    rms = np.sqrt(np.maximum(power[starts + WINDOW] - power[starts], 0.0) / WINDOW)
    return 20 * np.log10(np.maximum(rms, 32768e-5) / 32768)


@dataclass
class SpeechHeard:
    """The verdict on a speech recording from its first sound on (the join before it is not a gap)."""

    seconds: float
    audible: list[tuple[float, float]]  # (start_ms, length_ms): > 6 dB under the source's moment, after the onset
    clicks: list[int]  # sample indices (from the first sound) of clicks the source has not, after the onset
    onset_audible_ms: float = 0.0  # in the first ONSET_MS: the join's fade-in, judged apart
    onset_clicks: list[int] = field(default_factory=list)
    jumps: int = 0  # content skips the alignment made
    content: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # source window of each window

    @property
    def audible_ms(self) -> float:
        return sum(length for _, length in self.audible)

    def describe(self) -> str:
        audible = ", ".join(f"{length:.0f} ms at {start / 1000:.2f} s" for start, length in self.audible[:8])
        clicks = ", ".join(f"{c / SAMPLE_RATE:.3f} s" for c in self.clicks[:8])
        return (f"{self.seconds:.1f} s of speech heard; {self.audible_ms:.0f} ms audible [{audible}]; "
                f"{len(self.clicks)} click(s) [{clicks}]; {self.jumps} content jump(s); onset: "
                f"{self.onset_audible_ms:.0f} ms audible, {len(self.onset_clicks)} click(s)")


class _RangeMin:
    """Minimum and its index over [lo, hi] of a fixed array, for many ranges at once (a sparse table)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = [values]
        self.index = [np.arange(len(values))]
        width = 1
        while 2 * width <= len(values):
            v, i = self.values[-1], self.index[-1]
            left, right = v[: len(v) - width], v[width:]
            take_right = right < left
            self.values.append(np.where(take_right, right, left))
            self.index.append(np.where(take_right, i[width:], i[: len(i) - width]))
            width *= 2

    def query(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(min, argmin) over [lo, hi] each; +inf and 0 where the range is empty."""
        ok = hi >= lo
        span = np.where(ok, hi - lo + 1, 1)
        p = np.floor(np.log2(span)).astype(np.int64)
        lo_ = np.where(ok, lo, 0)
        hi_ = np.where(ok, hi - (1 << p) + 1, 0)
        vals = np.full(len(lo), np.inf)
        idx = np.zeros(len(lo), np.int64)
        for level in np.unique(p[ok]):
            sel = ok & (p == level)
            a, b = lo_[sel], hi_[sel]
            va, vb = self.values[level][a], self.values[level][b]
            right = vb < va
            vals[sel] = np.where(right, vb, va)
            idx[sel] = np.where(right, self.index[level][b], self.index[level][a])
        return vals, idx


class _Source:
    """The looped source as the judge needs it: levels per window, at half-window steps, quiet runs, clicks."""

    def __init__(self, source_pcm: np.ndarray) -> None:
        x = mono(source_pcm)
        self.n = len(x) // WINDOW
        looped = np.concatenate((x[: self.n * WINDOW], x[:WINDOW]))  # the window across the wrap, too
        half = levels_db(looped, WINDOW // 2)[: 2 * self.n]
        self.half = np.maximum(half, FLOOR_DB)  # [2j]: window j; [2j+1]: window j shifted by 5 ms
        self.level = np.maximum(half[::2], FLOOR_DB)
        self.quiet = self.level <= QUIET_DB
        loud2 = np.flatnonzero(~np.tile(self.quiet, 2))
        # last loud window at or before each index of the doubled loop (−1: none)
        marks = np.full(2 * self.n, -1)
        marks[loud2] = loud2
        self.last_loud2 = np.maximum.accumulate(marks)
        # windows from each window to the next loud one (the quiet run ahead), over the wrap
        nxt = np.full(2 * self.n + 1, 4 * self.n)
        nxt[loud2] = loud2
        nxt = np.minimum.accumulate(nxt[::-1])[::-1]
        self.quiet_ahead = np.minimum(nxt[: self.n] - np.arange(self.n), self.n)
        prev_loud = self.last_loud2[self.n : 2 * self.n]
        self.quiet_behind = np.where(prev_loud >= 0, np.arange(self.n, 2 * self.n) - prev_loud, self.n)
        # the sharpest edge (|second difference|) the source has within CLICK_TOLERANCE_MS of each window
        hp = np.abs(np.diff(np.concatenate((x[-2:], x[: self.n * WINDOW])), 2))
        peak = hp.reshape(self.n, WINDOW).max(axis=1)
        tol = round(CLICK_TOLERANCE_MS / WINDOW_MS)
        self.sharpest = np.max([np.roll(peak, k) for k in range(-tol, tol + 1)], axis=0)

    def cost(self, level: float) -> np.ndarray:
        """Mismatch of one recorded window with every source window (the nearer of the two 5 ms phases)."""
        d = np.abs(self.half - max(level, FLOOR_DB)).reshape(self.n, 2).min(axis=1)
        return np.minimum(d, CAP_DB)


def _align(src: _Source, rec: np.ndarray, sounding: np.ndarray) -> tuple[np.ndarray, int]:
    """Source window of each sounding recorded window (dynamic programming), and the number of jumps."""
    n = src.n
    k_count = len(sounding)
    back = np.zeros((k_count, n), np.int32)
    jumped = np.zeros((k_count, n), bool)
    dist = src.cost(rec[sounding[0]])
    cols = np.arange(n)
    for k in range(1, k_count):
        gap = int(sounding[k] - sounding[k - 1] - 1)
        jump_from = int(np.argmin(dist))
        best = np.full(n, dist[jump_from] + JUMP_DB + (GAP_DB if gap else 0.0))
        frm = np.full(n, jump_from)
        is_jump = np.ones(n, bool)
        if gap == 0:
            options = ((0, STEP_DB), (1, 0.0), (2, STEP_DB))
            for step, extra in options:
                cand = np.roll(dist, step) + extra
                better = cand < best
                best = np.where(better, cand, best)
                frm = np.where(better, (cols - step) % n, frm)
                is_jump &= ~better
        else:
            table = _RangeMin(np.tile(dist, 2))
            b2 = cols + n  # b in the doubled loop; a = b − 1 − (content windows between)
            n_min = max(0, int(np.ceil((gap - SLACK) / MAX_STRETCH)))
            n_max = min(int(MAX_STRETCH * (gap + SLACK)), n - 1)
            lo = np.maximum(b2 - 1 - n_max, src.last_loud2[b2 - 1])
            for lo_, hi_, extra in ((lo, b2 - 1 - n_min, 0.0),  # a pause of the source, stretched ≤ 2×
                                    (b2 - 1 - min(int(MAX_STRETCH * gap) + SLACK, n - 1), b2 - 1, GAP_DB)):
                vals, idx = table.query(lo_, hi_)
                cand = vals + extra
                better = cand < best
                best = np.where(better, cand, best)
                frm = np.where(better, idx % n, frm)
                is_jump &= ~better
        dist = best + src.cost(rec[sounding[k]])
        back[k], jumped[k] = frm, is_jump
    path = np.zeros(k_count, np.int64)
    path[-1] = int(np.argmin(dist))
    jumps = 0
    for k in range(k_count - 1, 0, -1):
        jumps += int(jumped[k, path[k]])
        path[k - 1] = back[k, path[k]]
    return path, jumps


def _quiet_run_near(src: _Source, edge: int, within: int, ahead: bool) -> int:
    """Windows of silence a pause next to `edge` explains: the quiet run that starts (ahead) or ends (behind)
    within SLACK windows of it, stretched ≤ MAX_STRETCH, plus those SLACK windows (the alignment's error)."""
    for s in range(min(EDGE_SEARCH, within - 1) + 1):
        at = (edge + s if ahead else edge - s) % src.n
        run = min(int(src.quiet_ahead[at] if ahead else src.quiet_behind[at]), within - s)
        if run:
            return s + int(MAX_STRETCH * run) + SLACK
    return 0


def _silent_run(src: _Source, length: int, a: int, b: int | None, reach: int) -> tuple[np.ndarray, np.ndarray]:
    """(faulty, content) for `length` silent windows between sounding windows aligned to `a` and `b` (None: the
    recording ends). No content between: a gap if the source was loud (> QUIET_DB) from a to b ± `reach` half
    windows (the tolerance). A pause of the source
    between: fine up to MAX_STRETCH × its length (+ SLACK), the rest is a gap. Content skipped: fine up to that ×
    the quiet run the skip leaves or lands in, the rest is a gap."""
    n_src = src.n
    between = int(src.quiet_ahead[(a + 1) % n_src]) if b is None else (b - a - 1) % n_src
    content = (a + 1 + np.arange(length) * max(between, 1) // max(length, 1)) % n_src
    if between == 0:
        span = np.arange(2 * a - reach, 2 * (a if b is None else b) + reach + 1) % (2 * n_src)
        return np.full(length, src.half[span].min() > QUIET_DB), content
    faulty = np.ones(length, bool)
    if src.quiet_ahead[(a + 1) % n_src] >= between:  # all of it a pause
        flagged = max(0, length - int(MAX_STRETCH * between) - SLACK)
        first = (length - flagged) // 2
        faulty[:] = False
        faulty[first : first + flagged] = True
        return faulty, content
    assert b is not None
    faulty[: _quiet_run_near(src, a + 1, between, ahead=True)] = False
    faulty[max(0, length - _quiet_run_near(src, b - 1, between, ahead=False)) :] = False
    return faulty, content


def _sags(src: _Source, heard: np.ndarray, content: np.ndarray, reach: int) -> np.ndarray:
    """The rule for sounding windows (levels `heard`, aligned to `content`): the source louder than the window + 6 dB
    throughout ±`reach` half windows of the aligned moment, and not faint itself."""
    offsets = np.arange(-reach, reach + 1)
    around = src.half[(2 * content[:, None] + offsets[None, :]) % (2 * src.n)].min(axis=1)
    return (around > np.maximum(heard, SILENCE_DB) + SAG_DB) & (around > QUIET_DB)


def _edge_contents(path: np.ndarray, k: int, direction: int) -> list[int]:
    """The content of sounding window `k` (at a silence's edge), and, if the alignment jumps within EDGE_JUMP_REACH
    sounding windows away from the silence (direction +1: after it, −1: before it), that jump's other side traced
    back to window `k`. Further than JUMP_REACH: after a kill's splice the alignment held one source window for 12
    recorded ones before it jumped (benchmarks.fault_schedule)."""
    out = [int(path[k])]
    for m in range(1, EDGE_JUMP_REACH + 1):
        j = k + direction * m
        if not 0 <= j < len(path) or not 0 <= j - direction < len(path):
            break
        step = (int(path[j]) - int(path[j - direction])) * direction
        if step < 0 or step > 2:
            out.append(int(path[j]) - direction * m)
            break
    return out


def _reanchor(src: _Source, rec: np.ndarray, sounding: np.ndarray, path: np.ndarray, reach: int) -> np.ndarray:
    """`path` with each re-entry after a silence re-aligned where the alignment went wrong.

    Across a silence the alignment may step 0–2 source windows per recorded one, and it can land the sounding
    window after it off by tens of windows, warping what follows to fit (seen in CI: a kill's new stream re-entered
    at source window 1580, aligned to 1601–1604, so 20 ms were compared with another syllable: a "sag"). So the
    first REANCHOR_SPAN sounding windows after each silence are also tried as straight runs of the source (one
    window per window) starting within ±REANCHOR_MAX of the alignment's start. A straight run replaces the
    alignment only if it fits the levels at least as well on average and shows fewer faults. A dropout or a sag
    that no straight run of the source explains still counts."""
    out = path.copy()

    def judge(heard: np.ndarray, content: np.ndarray) -> tuple[int, float]:
        faults = int(_sags(src, heard, content, reach).sum())
        return faults, float(np.abs(src.level[content % src.n] - np.maximum(heard, FLOOR_DB)).mean())

    for k in (np.flatnonzero(np.diff(sounding) > 1) + 1).tolist():
        end = k + 1
        while end < len(sounding) and end - k < REANCHOR_SPAN and sounding[end] == sounding[end - 1] + 1:
            end += 1
        if end - k < REANCHOR_SPAN:
            continue
        heard = rec[sounding[k:end]]
        faults, cost = judge(heard, path[k:end])
        if not faults:
            continue
        for start in range(int(path[k]) - REANCHOR_MAX, int(path[k]) + REANCHOR_MAX + 1):
            straight = (start + np.arange(end - k)) % src.n
            f, c = judge(heard, straight)
            if f < faults and c <= cost:
                faults, cost, out[k:end] = f, c, straight
    return out


def _sharpest_heard(src: _Source, content: np.ndarray) -> np.ndarray:
    """The source's sharpest edge near each recorded window's content. Within JUMP_REACH windows of a content
    jump, the sharpest on either side of it: a jump costs JUMP_DB, so the alignment places it up to a few windows
    late while a mismatch is cheaper (seen in the lab: a skip out of a pause into a fricative, aligned 2 windows
    late, compared the fricative's edges with the faint onset before the jump: 7 false clicks)."""
    sharpest = src.sharpest[content % src.n].astype(np.float64)
    steps = np.diff(content)
    for j in np.flatnonzero((steps < 0) | (steps > 2)) + 1:
        lo, hi = max(0, j - JUMP_REACH), min(len(content), j + JUMP_REACH)
        sharpest[lo:hi] = sharpest[lo:hi].max()
    return sharpest


def judge_against_source(recording_pcm: np.ndarray, source_pcm: np.ndarray,
                         tolerance_ms: float = TOLERANCE_MS) -> SpeechHeard:
    """Audible windows and clicks of a recording of `source_pcm` (played on a loop), from its first sound on."""
    src = _Source(source_pcm)
    rec_all = levels_db(recording_pcm)
    sounding_all = np.flatnonzero(rec_all >= SILENCE_DB)
    if len(sounding_all) == 0:
        return SpeechHeard(0.0, [], [])
    start = int(sounding_all[0])
    rec = rec_all[start:]
    heard = recording_pcm[start * WINDOW :]
    sounding = sounding_all - start
    path, jumps = _align(src, rec, sounding)
    reach = round(tolerance_ms / (WINDOW_MS / 2))
    path = _reanchor(src, rec, sounding, path, reach)
    content = np.zeros(len(rec), np.int64)
    faulty = np.zeros(len(rec), bool)
    content[sounding] = path
    faulty[sounding] = _sags(src, rec[sounding], path, reach)
    for k in [*np.flatnonzero(np.diff(sounding) > 1).tolist(), len(sounding) - 1]:
        i0, i1 = int(sounding[k]), int(sounding[k + 1]) if k + 1 < len(sounding) else len(rec)
        if i1 - i0 > 1:
            # the content either side, or across a jump the alignment put up to EDGE_JUMP_REACH windows off (see
            # _edge_contents): a skip that lands in a pause is that pause, wherever the jump was placed
            runs_ = [_silent_run(src, i1 - i0 - 1, a, b, reach) for a in _edge_contents(path, k, -1)
                     for b in (_edge_contents(path, k + 1, 1) if k + 1 < len(sounding) else [None])]
            faulty[i0 + 1 : i1], content[i0 + 1 : i1] = min(runs_, key=lambda r: int(r[0].sum()))
    onset = int(ONSET_MS / WINDOW_MS)
    hp = np.abs(np.diff(mono(heard), 2))
    sharpest = _sharpest_heard(src, content)
    clicks = [c for c in find_clicks(heard, window=WINDOW) if c // WINDOW < len(rec)
              and hp[c - 2] > CLICK_MARGIN * sharpest[c // WINDOW]]
    onset_samples = onset * WINDOW
    return SpeechHeard(
        seconds=len(heard) / SAMPLE_RATE,
        audible=[(s + onset * WINDOW_MS, length) for s, length in runs(faulty[onset:])],
        clicks=[c for c in clicks if c >= onset_samples],
        onset_audible_ms=float(faulty[:onset].sum() * WINDOW_MS),
        onset_clicks=[c for c in clicks if c < onset_samples],
        jumps=jumps,
        content=content,
    )
