"""The chaos soak's plan, bounds and verdict (benchmarks/chaos_plan.py, chaos_report.py): no lab needed."""

from __future__ import annotations

import pytest

from app.listener.supervisor import MEDIA_WATCHDOG_S
from app.room.backoff import Backoff
from benchmarks.chaos_plan import EDGE, FIRST_MAX_S, JOIN_S, ORIGIN, RESUME_S, Fault, back_bound, fault_cost, plan
from benchmarks.chaos_report import FaultResult, Soak, render, verdict

STATE = {"title": "T", "members": [["S", "co-host"]], "hands": ["H"]}


def test_the_bounds_come_from_the_code_constants() -> None:
    assert (MEDIA_WATCHDOG_S, FIRST_MAX_S) == (2.0, 1.0)  # if these move, the docs' numbers move too
    move = MEDIA_WATCHDOG_S + FIRST_MAX_S + JOIN_S
    assert back_bound(Fault("kill", EDGE, 4.0)) == move
    assert back_bound(Fault("loss", ORIGIN, 10.0, percent=5)) == move
    assert back_bound(Fault("cut", EDGE, 0.5)) == 0.5 + FIRST_MAX_S + JOIN_S  # heard again when it returns
    assert back_bound(Fault("cut", EDGE, 9.0)) == move  # or moved after the watchdog
    assert back_bound(Fault("cut", ORIGIN, 3.0)) == 3.0 + RESUME_S
    # the origin's kill: the restart, the controller's wait in progress then, and the join allowance
    assert back_bound(Fault("kill", ORIGIN, 4.0), restarted_after=4.3, controller_failures=2) == \
        pytest.approx(4.3 + Backoff(cap=30.0).upper_bound(2) + JOIN_S)  # 2 s: the failures' bound
    assert back_bound(Fault("kill", ORIGIN, 4.0), restarted_after=4.3, controller_failures=5) == \
        pytest.approx(4.3 + 4.3 + JOIN_S)  # the outage's age (16 s by the failures alone)
    assert back_bound(Fault("kill", ORIGIN, 60.0), restarted_after=60.2, controller_failures=20) == \
        pytest.approx(60.2 + 30.0 + JOIN_S)  # the controller's cap


@pytest.mark.parametrize("seed", range(40))
def test_every_short_plan_covers_each_kind_and_both_kills_first(seed: int) -> None:
    faults = plan(seed, 90.0, short=True)
    first = faults[:4]
    assert sorted(f.kind for f in first) == ["cut", "kill", "kill", "loss"]
    assert sorted(f.node for f in first if f.kind == "kill") == [ORIGIN, EDGE]
    assert sum(fault_cost(f) for f in faults) <= 90.0 or len(faults) == 1
    assert plan(seed, 90.0, short=True) == faults  # the seed decides everything


def test_a_long_plan_keeps_going_with_random_faults() -> None:
    faults = plan(1, 30 * 60.0)
    assert len(faults) > 20
    assert {f.kind for f in faults[4:]} == {"kill", "cut", "loss"}
    assert all(f.node in (ORIGIN, EDGE) for f in faults)
    assert all(0 < f.percent <= 20 for f in faults if f.kind == "loss")


def _result(back: dict[int, float], state_s: float | None = 0.5, n: int = 3) -> FaultResult:
    return FaultResult(Fault("kill", EDGE, 3.0), 2, 5.0, back, n, state_s, STATE,
                       STATE if state_s is not None else {**STATE, "hands": []})


def _soak(*results: FaultResult, rss: tuple[float, float] = (100.0, 105.0)) -> Soak:
    soak = Soak(1, 3, 1.5, 10.0, faults=list(results), swarm_live_at_end=3)
    soak.rss["swarm"] = (rss[0], rss[1], rss[1])
    return soak


def test_a_clean_soak_passes_and_its_table_has_every_fault() -> None:
    soak = _soak(_result({1: 0.4, 2: 1.2, 3: 4.9}))
    assert verdict(soak) == []
    text = render(soak)
    assert "kill -9 edge 1, restart after 3.0 s" in text and "4.9" in text and "+5.0 %" in text
    assert "| # | fault |" in render(soak, markdown=True)


def test_each_failed_check_is_named() -> None:
    late = _result({1: 0.4, 2: 6.0, 3: 1.0})  # bound 5 s (+0.5 s sampling)
    missing = _result({1: 0.4, 2: 1.0})  # one listener never came back
    lost_state = _result({1: 0.4, 2: 1.0, 3: 1.0}, state_s=None)
    soak = _soak(late, missing, lost_state, rss=(100.0, 111.0))
    soak.crashes.append("window exited with -11")
    soak.stop_codes.update({"swarm": 130, "controller": -11})
    failures = verdict(soak)
    assert any("fault 1" in f and "back after 6.0 s" in f for f in failures)
    assert any("fault 2" in f and "not every listener came back" in f for f in failures)
    assert any("fault 3" in f and "room state" in f for f in failures)
    assert any("RSS grew 11.0 %" in f for f in failures)
    assert any("crash: window exited with -11" in f for f in failures)
    assert [f for f in failures if "when stopped" in f] == ["controller exited with -11 when stopped (a crash in its "
                                                            "tear-down, or it would not leave)"]


def test_a_soak_that_could_not_run_fails() -> None:
    soak = Soak(1, 3, 1.5, 10.0, error="TimeoutError: every swarm listener live: not within 90 s")
    assert any("could not run" in f for f in verdict(soak))


def test_the_memory_check_starts_after_the_first_round_of_faults_when_there_was_one() -> None:
    soak = _soak(_result({1: 0.4, 2: 1.0, 3: 1.0}), rss=(100.0, 115.0))  # +15 % from the warm-up...
    assert any("RSS grew 15.0 % since the warm-up" in f for f in verdict(soak))
    soak.settled_at, soak.settled_rss["swarm"] = 50.0, 111.0  # ...+3.6 % from the first round's high-water mark
    assert verdict(soak) == []
    assert "+15.0 %" in render(soak) and "+3.6 %" in render(soak)
    soak.settled_rss["swarm"] = 104.0
    assert any("RSS grew 10.6 % since the first round of faults" in f for f in verdict(soak))
