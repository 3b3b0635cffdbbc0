"""The analysis behind benchmarks.first_seconds: recordings, clocks and counters of listener groups → tables.

Apart from the lab run so it can be re-run on kept recordings (`--analyse DIR`) and smoke-tested on synthetic
input without the lab (tests/benchmarks/test_first_seconds.py). Every recording is judged once as a whole (the
tone by tests.lab.audio_checks.judge, speech against the demo source by tests.lab.speech_checks), so the judges
see the surrounding level / source context; a fault's audible ms are the judged audible runs inside its window
of output time (fault start → +WINDOW_S, mapped to recording samples by the listener's OutputClock).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.media import SAMPLE_RATE
from benchmarks.lab_workers import FULL_MS, load_clock

WINDOW_S = 4.0  # a fault's judged window: from its start to this much output time later
LEVELS = (500.0, 1000.0, FULL_MS)  # "0.5 / 1.0 / 1.5 s in hand" (1.5 s: ≥ FULL_MS, the cushion hovers near it)
CLASSES = ("quiet", "periodic", "other", "onset")
FEEDS = ("tone", "speech")
KINDS = ("plaza", "plain")
RECEIVER = {"plaza": "Plaza", "plain": "plain aiortc"}


@dataclass
class ListenerResult:
    """One listener of one group, judged: what the tables need, small enough to pass between processes."""

    name: str
    feed: str  # "tone" | "speech"
    kind: str  # "plaza" | "plain"
    t_join: float
    first_audible_s: float | None  # join → first audible 10 ms window
    audible_total_ms: float  # over the whole recording (after its first sound)
    audible_at: list[float]  # per fault of the group: audible ms in its window
    levels: list[tuple[float, float]] = field(default_factory=list)
    full_stats: dict[str, Any] | None = None
    final_stats: dict[str, Any] | None = None


# ------------------------------------------------------------------------------------------------ pure helpers
def time_to_levels(levels: Sequence[Sequence[float]], t_join: float,
                   thresholds: Sequence[float] = LEVELS) -> list[float | None]:
    """Seconds from the join until the sampled level first reached each threshold (None: never)."""
    out: list[float | None] = []
    for threshold in thresholds:
        reached = next((t for t, level in levels if level >= threshold), None)
        out.append(None if reached is None else reached - t_join)
    return out


def level_at(levels: Sequence[Sequence[float]], t: float) -> float | None:
    """The last sampled level at or before `t`."""
    before = [level for when, level in levels if when <= t]
    return before[-1] if before else None


def audible_between(runs: Sequence[tuple[int, int]], i0: int, i1: int) -> float:
    """Milliseconds of the audible sample runs [a, b) that fall inside samples [i0, i1)."""
    samples = sum(max(0, min(b, i1) - max(a, i0)) for a, b in runs)
    return 1000.0 * samples / SAMPLE_RATE


def med_max(values: Sequence[float | None], digits: int = 0) -> str:
    """'median / max' of the known values, '—' if none; '(k never)' when some are unknown."""
    known = [v for v in values if v is not None]
    if not known:
        return "—"
    text = f"{np.median(known):.{digits}f} / {max(known):.{digits}f}"
    missing = len(values) - len(known)
    return text + (f" ({missing} never)" if missing else "")


# ------------------------------------------------------------------------------------------------ judging
@functools.cache
def _source() -> np.ndarray:
    from app.media.sources import decode_file
    from tests.conftest import DEMO_AUDIO

    return decode_file(str(DEMO_AUDIO))


def audible_runs(pcm: np.ndarray, feed: str) -> list[tuple[int, int]]:
    """The judge's audible runs as absolute recording sample ranges [a, b)."""
    from tests.lab.audio_checks import WINDOW, first_sound, judge
    from tests.lab.speech_checks import SILENCE_DB, judge_against_source, levels_db

    per_ms = SAMPLE_RATE / 1000
    if feed == "tone":
        offset, audible = first_sound(pcm), judge(pcm).audible
    else:
        sounding = np.flatnonzero(levels_db(pcm) >= SILENCE_DB)
        offset = int(sounding[0]) * WINDOW if len(sounding) else len(pcm)
        audible = judge_against_source(pcm, _source()).audible
    return [(offset + round(s * per_ms), offset + round((s + n) * per_ms)) for s, n in audible]


def analyse_listener(group_dir: str, name: str, fault_starts: list[float]) -> ListenerResult:
    """Judge one listener's recording; audible ms per fault window, first audible time, and its samples."""
    from tests.lab.audio_checks import first_sound
    from tests.support.analysis import read_wav

    directory = Path(group_dir)
    meta = json.loads((directory / f"{name}.listener.json").read_text())
    clock = load_clock(directory, name)
    pcm = read_wav(meta["wav"])
    feed = name.split("-")[0]
    runs = audible_runs(pcm, feed)
    first = first_sound(pcm)
    first_s = clock.time_at(first) - meta["t_join"] if first < len(pcm) and clock.starts else None
    at = []
    for start in fault_starts:
        i0 = clock.index_at(start)
        at.append(audible_between(runs, i0, i0 + int(WINDOW_S * SAMPLE_RATE)))
    total = audible_between(runs, 0, len(pcm))
    return ListenerResult(name, feed, meta["kind"], meta["t_join"], first_s, total, at, meta["levels"],
                          meta["full_stats"], meta["final_stats"])


def analyse(out_dir: Path, jobs: int = 2) -> dict[str, tuple[dict[str, Any], list[ListenerResult]]]:
    """Every group under out_dir: its group.json and its judged listeners (judged in `jobs` processes)."""
    groups = [json.loads(p.read_text()) for p in sorted(out_dir.glob("*/group.json"))]
    tasks = []
    for group in groups:
        starts = [f["start"] for f in group["faults"]]
        for meta in sorted((out_dir / group["label"]).glob("*.listener.json")):
            tasks.append((str(out_dir / group["label"]), meta.name.removesuffix(".listener.json"), starts))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(analyse_listener, *zip(*tasks, strict=True))) if tasks else []
    out: dict[str, tuple[dict[str, Any], list[ListenerResult]]] = {}
    for group in groups:
        prefix = str(out_dir / group["label"])
        mine = [r for r, task in zip(results, tasks, strict=True) if task[0] == prefix]
        out[group["label"]] = (group, mine)
    return out


# ------------------------------------------------------------------------------------------------ tables
FILL_HEADER = ["feed", "receiver", "n", "join → first audible ms", "join → 0.5 s cushion, s", "→ 1.0 s, s",
               "→ 1.5 s, s"]


def fill_rows(listeners: list[ListenerResult]) -> list[list[str]]:
    """Table 1: median / max over the listeners of each feed and receiver."""
    rows = []
    for feed in FEEDS:
        for kind in KINDS:
            mine = [r for r in listeners if r.feed == feed and r.kind == kind]
            if not mine:
                continue
            first = med_max([None if r.first_audible_s is None else 1000 * r.first_audible_s for r in mine])
            if kind == "plaza":
                times = [time_to_levels(r.levels, r.t_join) for r in mine]
                fills = [med_max([t[i] for t in times], 1) for i in range(len(LEVELS))]
            else:
                fills = ["— ¹"] * len(LEVELS)
            rows.append([feed, RECEIVER[kind], str(len(mine)), first, *fills])
    return rows


def plain_depth(listeners: list[ListenerResult], after_s: float = 2.0) -> tuple[float, float] | None:
    """Median and p95 of the plain FIFO's sampled level from `after_s` after the join (what plain holds)."""
    values = [level for r in listeners if r.kind == "plain" for t, level in r.levels if t >= r.t_join + after_s]
    return (float(np.median(values)), float(np.percentile(values, 95))) if values else None


FAULT_COLUMNS = [f"{feed}: {RECEIVER[kind]}" for feed in FEEDS for kind in KINDS]


def fault_cells(listeners: list[ListenerResult], index: int) -> list[str]:
    """Audible ms (median / max) of fault `index` for each feed × receiver."""
    return [med_max([r.audible_at[index] for r in listeners if r.feed == feed and r.kind == kind])
            for feed in FEEDS for kind in KINDS]


def cushion_cell(listeners: list[ListenerResult], t: float) -> str:
    """Plaza's median cushion at wall time `t`, tone / speech."""
    parts = []
    for feed in FEEDS:
        levels = [level_at(r.levels, t) for r in listeners if r.feed == feed and r.kind == "plaza"]
        known = [v for v in levels if v is not None]
        parts.append(f"{np.median(known):.0f}" if known else "—")
    return " / ".join(parts)


ONE_HEADER = ["1.0 s blackout at", "Plaza cushion ms (tone / speech)", *FAULT_COLUMNS]
SECOND_HEADER = ["second fault", "after the first", "Plaza cushion ms (tone / speech)", *FAULT_COLUMNS]


def one_rows(groups: list[tuple[dict[str, Any], list[ListenerResult]]]) -> list[list[str]]:
    """Table 2: one 1.0 s blackout at t after the join."""
    rows = []
    for group, listeners in groups:
        fault = group["faults"][0]
        rows.append([f"{fault['at_s']:g} s", cushion_cell(listeners, fault["start"]), *fault_cells(listeners, 0)])
    return rows


def second_rows(groups: list[tuple[dict[str, Any], list[ListenerResult]]]) -> list[list[str]]:
    """Table 3: the second fault's audible ms (its own window only)."""
    rows = []
    for group, listeners in groups:
        first, second = group["faults"][0], group["faults"][1]
        name = "1.0 s blackout" if second["kind"] == "blackout" else "kill -9 + restart"
        rows.append([name, f"{second['at_s'] - first['at_s']:g} s", cushion_cell(listeners, second["start"]),
                     *fault_cells(listeners, 1)])
    return rows


STRETCH_HEADER = ["feed", "class", "ms seen while stretching", "ms added", "% added", "bound"]


def stretch_rows(listeners: list[ListenerResult]) -> list[list[str]]:
    """Table 4: Plaza's counters when the cushion first reached FULL_MS (the end of the run if it never did)."""
    from app.media.stretch import GROW

    bounds = {k.value: rate for k, rate in GROW.items()}
    rows = []
    for feed in FEEDS:
        stats = [s for r in listeners if r.feed == feed and r.kind == "plaza"
                 if (s := r.full_stats or r.final_stats) is not None]
        if not stats:
            continue
        for cls in CLASSES:
            seen = sum(s[f"{cls}_ms"] for s in stats) / len(stats)
            added = sum(s[f"{cls}_stretch_ms"] for s in stats) / len(stats)
            rate = f"{100 * added / seen:.1f}" if seen > 0 else "—"
            rows.append([feed, cls, f"{seen:.0f}", f"{added:.0f}", rate, f"≤ {100 * bounds[cls]:.0f} %"])
    return rows


CPU_HEADER = ["receiver", "listeners / worker", "filling: join+1 → +10 s", "steady: +10 s → end", "all groups"]


def cpu_rows(groups: list[tuple[dict[str, Any], list[ListenerResult]]], fill_label: str) -> list[list[str]]:
    """Table 5: % of one core per listener (worker process CPU / wall / its listeners), median over workers."""
    from benchmarks.lab_workers import cpu_share

    rows = []
    for kind in KINDS:
        cells: list[list[float]] = [[], [], []]
        per = 0
        for group, _ in groups:
            t0 = group["t_join"]
            for worker in group["workers"]:
                if worker["kind"] != kind:
                    continue
                per = len(worker["names"])
                spans = [(t0 + 1, t0 + 10), (t0 + 10, group["stop_at"])] if group["label"] == fill_label else []
                for i, (a, b) in enumerate(spans):
                    share = cpu_share(worker["cpu"], a, b)
                    if share is not None:
                        cells[i].append(share / per)
                share = cpu_share(worker["cpu"], t0 + 1, group["stop_at"])
                if share is not None:
                    cells[2].append(share / per)
        rows.append([RECEIVER[kind], str(per)] + [f"{100 * np.median(c):.1f} %" if c else "—" for c in cells])
    return rows
