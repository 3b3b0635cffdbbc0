"""`plaza swarm`: its option checks, join schedule, summary and exit codes (no server: loopback only)."""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from typing import Any

import pytest

from app.cli import build_parser
from app.cli.swarm import (
    EXIT_SOME_FAILED,
    MAX_LISTENERS,
    CpuSpan,
    ListenerResult,
    SwarmSummary,
    check_args,
    join_times,
    raise_open_files_limit,
    summary_text,
    swarm,
)

LINK = "plaza+ws://127.0.0.1:9/1234"  # nothing listens on port 9: every join is refused at once


def args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["swarm", *argv])


def test_the_parser_has_swarm_with_its_defaults() -> None:
    a = args("5", LINK, "--duration", "8")
    assert (a.command, a.n, a.link, a.duration, a.ramp, a.no_channel, a.cushion, a.stats_every) == \
        ("swarm", 5, LINK, 8.0, 20.0, False, 1.5, None)
    assert check_args(a) is None
    assert check_args(args(str(MAX_LISTENERS), LINK, "--no-channel", "--ramp", "0.5", "--stats-every", "5")) is None


@pytest.mark.parametrize(("argv", "problem"), [
    (["0", LINK], "N must be 1-1000 (one process plays on one core), got 0"),
    (["1001", LINK], "N must be 1-1000 (one process plays on one core), got 1001"),
    (["-3", LINK], "N must be 1-1000"),
    (["5", LINK, "--duration", "0"], "--duration must be positive"),
    (["5", LINK, "--ramp", "0"], "--ramp must be more than 0"),
    (["5", LINK, "--duration", "nan"], "--duration must be positive"),
    (["5", LINK, "--ramp", "5000"], "--ramp must be more than 0 and at most 1000 joins per second"),
    (["5", LINK, "--ramp", "nan"], "--ramp must be more than 0"),
    (["5", LINK, "--cushion", "0.1"], "--cushion must be between 0.2 and 5 seconds"),
    (["5", LINK, "--cushion", "6"], "--cushion must be between 0.2 and 5 seconds"),
    (["5", LINK, "--stats-every", "0.5"], "--stats-every must be at least 1 second"),
    (["5", LINK, "--stats-every", "inf"], "--stats-every must be at least 1 second"),
])
def test_bad_options_are_named(argv: list[str], problem: str) -> None:
    found = check_args(args(*argv))
    assert found is not None and found.startswith(problem), found


@pytest.mark.parametrize("argv", [["0", LINK], ["5", "plaza://example.org/not-a-room"], ["5", "http://x/1"]])
async def test_bad_usage_or_link_exits_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert await swarm(args(*argv)) == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.splitlines()) == 1 and out.err.startswith("plaza: ")
    assert "Traceback" not in out.err


def test_joins_are_spread_one_per_slot_with_jitter() -> None:
    times = join_times(100, 20.0, random.Random(1))
    assert len(times) == 100
    assert all(i / 20 <= t < (i + 1) / 20 for i, t in enumerate(times))  # never two in one slot: no stampede
    offsets = [t - i / 20 for i, t in enumerate(times)]
    assert max(offsets) - min(offsets) > 0.025  # jittered, not in lockstep
    assert times != join_times(100, 20.0, random.Random(2))


def result(index: int, **kw: Any) -> ListenerResult:
    return ListenerResult(index, True, **{"first_audio_ms": 150.0, "status": "live", **kw})


def test_summary_has_a_line_per_listener_the_totals_and_listeners_per_core() -> None:
    summary = SwarmSummary(
        (result(1, first_audio_ms=120.0), result(2, reconnects=1, audible_gaps=2, audible_gap_ms=340.0,
                                                  concealed_frames=17, packets_lost=9, status="reconnecting"),
         ListenerResult(3, False, status="did not join: room 1234 does not exist")),
        run=CpuSpan(wall_s=32.0, cpu_s=8.0), playing=CpuSpan(wall_s=30.0, cpu_s=1.5), playing_count=2)
    lines = summary_text(summary).splitlines()
    assert lines[0].split() == ["#", "joined", "first", "audio", "ms", "reconnects", "gaps", "gap", "ms",
                                "concealed", "lost", "status"]
    assert lines[1].split() == ["1", "yes", "120", "0", "0", "0", "0", "0", "live"]
    assert lines[2].split() == ["2", "yes", "150", "1", "2", "340", "17", "9", "reconnecting"]
    assert lines[3].split()[:3] == ["3", "no", "-"] and lines[3].endswith("did not join: room 1234 does not exist")
    assert lines[4] == ("total: 3 listeners, 2 joined, 2 heard audio (first audio median 135 ms, max 150 ms), "
                        "1 did not join")
    assert lines[5] == "total: 1 reconnects, 2 audible gaps (340 ms), 17 concealed frames, 9 packets lost"
    assert lines[6].startswith("cpu: 8.0 s over 32.0 s = 25.0 % of one core (the whole run")
    # 1.5 CPU s in 30 s = 5 % of a core for 2 listeners: 2.5 % each, 40 per core
    assert lines[7] == "cpu: playing 2 listeners for 30.0 s: 5.0 % of one core, 2.50 % each = 40 listeners per core"
    assert summary.listeners_per_core() == pytest.approx(40.0)
    assert len(lines) == 8


def test_no_per_core_figure_without_a_span_of_playing() -> None:
    summary = SwarmSummary((ListenerResult(1, False, status="did not join: stopped before its turn"),),
                           run=CpuSpan(2.0, 0.5))
    text = summary_text(summary)
    assert summary.listeners_per_core() is None
    assert "0 heard audio (no audio heard)" in text and text.endswith("no per-core figure")
    short = SwarmSummary((result(1),), run=CpuSpan(2.0, 0.5), playing=CpuSpan(0.4, 0.1), playing_count=1)
    assert short.listeners_per_core() is None  # under a second of playing says nothing


@pytest.mark.parametrize(("joined", "code"), [((True, True), 0), ((True, False), EXIT_SOME_FAILED),
                                               ((False, False), 3)])
def test_exit_code_all_some_or_none_joined(joined: tuple[bool, ...], code: int) -> None:
    rows = tuple(ListenerResult(i, j) for i, j in enumerate(joined, start=1))
    assert SwarmSummary(rows, run=CpuSpan(1.0, 0.1)).exit_code() == code


async def test_none_can_join_exits_3_at_once_and_leaves_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    before = asyncio.all_tasks()
    t0 = time.monotonic()
    assert await swarm(args("3", LINK, "--ramp", "50", "--no-channel")) == 3  # no --duration: stops by itself
    assert time.monotonic() - t0 < 5.0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "swarm: 3 listeners joining room 1234 at 50 per second"
    rows = out[2:5]
    assert [r.split()[:2] for r in rows] == [["1", "no"], ["2", "no"], ["3", "no"]]
    assert all("did not join: cannot reach ws://127.0.0.1:9/janus" in r for r in rows)
    assert "total: 3 listeners, 0 joined" in out[5]
    left = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert left == set(), sorted(t.get_name() for t in left)


def test_open_files_limit_is_enough_for_a_few() -> None:
    assert raise_open_files_limit(5) is None


async def test_json_file_has_every_listener_and_the_final_summary(tmp_path: Any,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import json

    path = tmp_path / "swarm.json"
    assert await swarm(args("3", LINK, "--ramp", "50", "--no-channel", "--json", str(path))) == 3
    doc = json.loads(path.read_text())
    assert not (tmp_path / "swarm.json.part").exists()  # written beside, then renamed over
    assert (doc["v"], doc["final"], doc["n"]) == (1, True, 3)
    assert abs(doc["at"] - time.monotonic()) < 5.0  # the machine's monotonic clock: comparable across processes
    assert [e["index"] for e in doc["listeners"]] == [1, 2, 3]
    for entry in doc["listeners"]:
        assert (entry["joined"], entry["server"], entry["last_media_at"]) == (False, None, None)
        assert "cannot reach ws://127.0.0.1:9/janus" in entry["error"]
    assert doc["summary"]["joined"] == 0 and len(doc["summary"]["results"]) == 3
    capsys.readouterr()


def test_json_option_is_parsed() -> None:
    assert args("2", LINK, "--json", "out.json").json == "out.json"
    assert args("2", LINK).json is None
