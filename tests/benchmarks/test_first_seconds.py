"""benchmarks.first_seconds's analysis on synthetic groups (no lab): the tables say what the recordings hold."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np

from app.media import SAMPLE_RATE
from benchmarks import first_seconds_tables as tables
from benchmarks.lab_workers import cpu_share

T_JOIN = 100.0
FIRST_S = 0.3  # the output starts (the first block is pulled) this long after the join


def write_listener(directory: Path, name: str, kind: str, gap: tuple[float, float] | None, seconds: float = 10.0,
                   fill_rate: float = 250.0) -> None:
    """A 440 Hz tone recording with an optional silent (start_s, length_s) of output time, and its clock/meta."""
    n = int(seconds * SAMPLE_RATE)
    mono = (8000 * np.sin(2 * np.pi * 440 * np.arange(n) / SAMPLE_RATE)).astype(np.int16)
    if gap is not None:
        mono[int(gap[0] * SAMPLE_RATE) : int((gap[0] + gap[1]) * SAMPLE_RATE)] = 0
    with wave.open(str(directory / f"{name}.wav"), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(np.repeat(mono[:, None], 2, axis=1).tobytes())
    starts = np.arange(0, n, 960)
    times = T_JOIN + FIRST_S + starts / SAMPLE_RATE
    np.save(directory / f"{name}.clock.npy", np.array([times, starts], dtype=np.float64))
    levels = [(T_JOIN + t, min(1500.0, fill_rate * t)) for t in np.arange(0, seconds, 0.05)]
    stats = {f"{c}_ms": 0.0 for c in tables.CLASSES} | {f"{c}_stretch_ms": 0.0 for c in tables.CLASSES}
    stats |= {"periodic_ms": 4000.0, "periodic_stretch_ms": 1000.0}
    (directory / f"{name}.listener.json").write_text(json.dumps({
        "name": name, "kind": kind, "wav": str(directory / f"{name}.wav"), "t_join": T_JOIN, "levels": levels,
        "full_stats": stats if kind == "plaza" else None, "final_stats": stats}))


def write_group(out_dir: Path, label: str, table: str, faults: list[dict[str, float | str]]) -> Path:
    directory = out_dir / label
    directory.mkdir()
    cpu = [(T_JOIN + t, 0.2 * t) for t in range(11)]  # 20 % of a core for the worker
    (directory / "group.json").write_text(json.dumps({
        "label": label, "table": table, "t_join": T_JOIN, "stop_at": T_JOIN + 10.0, "faults": faults,
        "workers": [{"kind": "plaza", "names": ["tone-plaza-0", "tone-plaza-1"], "cpu": cpu},
                    {"kind": "plain", "names": ["tone-plain-0"], "cpu": cpu}]}))
    return directory


def test_the_tables_report_fill_times_fault_windows_stretch_and_cpu(tmp_path: Path) -> None:
    fill = write_group(tmp_path, "fill", "fill", [])
    write_listener(fill, "tone-plaza-0", "plaza", None)
    write_listener(fill, "tone-plaza-1", "plaza", None, fill_rate=200.0)
    write_listener(fill, "tone-plain-0", "plain", None)
    # the fault at join + 3 s = 2.7 s into the recordings: plain is silent 1.1 s inside its window; Plaza's one gap
    # (8.0 s, after the 4 s window) counts in its total but not for the fault
    fault = {"kind": "blackout", "at_s": 3.0, "start": T_JOIN + 3.0, "end": T_JOIN + 4.0}
    one = write_group(tmp_path, "one-3s", "one", [fault])
    write_listener(one, "tone-plaza-0", "plaza", (8.0, 0.5))
    write_listener(one, "tone-plain-0", "plain", (2.8, 1.1))

    judged = tables.analyse(tmp_path, jobs=1)
    fill_group, fill_listeners = judged["fill"]
    one_group, one_listeners = judged["one-3s"]

    rows = {(r[0], r[1]): r for r in tables.fill_rows(fill_listeners)}
    assert rows[("tone", "Plaza")][3] == "300 / 300"  # join → first audible ms
    assert rows[("tone", "Plaza")][4:] == ["2.2 / 2.5", "4.5 / 5.0", "6.5 / 7.2"]  # 250 and 200 ms/s to 1450
    assert rows[("tone", "plain aiortc")][4] == "— ¹"

    plaza, plain = sorted(one_listeners, key=lambda r: r.kind, reverse=True)
    assert plaza.audible_at == [0.0] and plaza.audible_total_ms == 500.0
    assert abs(plain.audible_at[0] - 1100.0) <= 20.0
    row = tables.one_rows([(one_group, one_listeners)])[0]
    assert row[0] == "3 s" and row[1].startswith("750 / ")  # 250 ms/s × 3 s in hand at the fault
    assert row[2] == "0 / 0" and row[3] in ("1100 / 1100", "1090 / 1090", "1110 / 1110") and row[4] == "—"

    stretch = {(r[0], r[1]): r for r in tables.stretch_rows(fill_listeners)}
    assert stretch[("tone", "periodic")][2:5] == ["4000", "1000", "25.0"]
    assert stretch[("tone", "quiet")][4] == "—"

    cpu = {r[0]: r for r in tables.cpu_rows([(fill_group, fill_listeners), (one_group, one_listeners)], "fill")}
    assert cpu["Plaza"][1:] == ["2", "10.0 %", "—", "10.0 %"]  # 20 % of a core over 2 listeners
    assert cpu["plain aiortc"][4] == "20.0 %"


def test_helpers() -> None:
    levels = [(0.0, 0.0), (1.0, 600.0), (2.0, 1200.0)]
    assert tables.time_to_levels(levels, 0.0, (500.0, 1000.0, 1450.0)) == [1.0, 2.0, None]
    assert tables.level_at(levels, 1.5) == 600.0 and tables.level_at(levels, -1.0) is None
    assert tables.audible_between([(0, 480), (960, 1920)], 240, 1440) == 15.0
    assert tables.med_max([1.0, 3.0, None]) == "2 / 3 (1 never)" and tables.med_max([None]) == "—"
    assert cpu_share([(0.0, 0.0), (1.0, 0.5), (2.0, 1.0)], 0.5, 2.0) == 0.5
    assert cpu_share([(0.0, 0.0)], 0.0, 1.0) is None
