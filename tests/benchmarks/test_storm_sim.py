"""benchmarks.storm_sim, tiny: the crowd is conserved, edges admit no more than their bucket, and Plaza's policy
(the app's ServerRotation) hits an edge less hard than immediate retry."""

from __future__ import annotations

import math
import random

import pytest

from app.listener.failover import ServerRotation
from app.listener.supervisor import DEFAULT_CONNECT_TIMEOUT
from benchmarks import storm_sim
from benchmarks.storm_policies import POLICIES
from benchmarks.storm_sim import Failure, StormConfig, simulate

# 2,000 listeners in 2.4 s onto 5 edges of 40 joins/s: the arrivals alone overload them; once all play, one dies
TINY = StormConfig(listeners=2000, edges=5, failures=(Failure(40.0, (0,)),), seed=3)


@pytest.mark.parametrize("mode", ["timeout", "refuse"])
def test_everyone_is_connected_or_waiting_and_all_end_up_connected(mode: str) -> None:
    cfg = StormConfig(**{**TINY.__dict__, "overload": mode})
    for policy in POLICIES:
        r = simulate(cfg, policy)
        assert all(c + w == a for c, w, a in zip(r.connected, r.waiting, r.arrived, strict=True)), policy
        assert r.connected[-1] == cfg.listeners and r.waiting[-1] == 0, policy
        assert len(r.audio_lost) > 300 and not math.isnan(r.last_back), policy  # edge 0's crowd came back
        bucket = cfg.join_capacity * (1 + cfg.burst_s)  # the most one second can admit
        assert r.peak_joins() <= bucket and sum(r.joins[0][40:]) == 0, policy  # nothing joins a dead edge


def test_plazas_policy_hits_an_edge_less_hard_than_immediate_retry() -> None:
    plaza, immediate = simulate(TINY, "Plaza"), simulate(TINY, "immediate retry")
    assert plaza.connected[39] == immediate.connected[39] == TINY.listeners  # everyone played before the death
    peaks = plaza.peak_attempts(since=40), immediate.peak_attempts(since=40)
    assert peaks[0] < peaks[1] / 2, peaks


def test_the_simulator_drives_the_apps_policy_with_the_apps_timeout() -> None:
    rotation = POLICIES["Plaza"](["a", "b"], lambda: 0.0, random.Random(1).random)
    assert type(rotation) is ServerRotation
    assert storm_sim.CONNECT_TIMEOUT_S == DEFAULT_CONNECT_TIMEOUT


def test_audio_is_lost_only_beyond_the_cushion() -> None:
    cfg = StormConfig(listeners=300, edges=4, failures=(Failure(60.0, (0,)),), seed=5)
    r = simulate(cfg, "Plaza")  # 300 listeners long settled, 3 edges with room: back well within 1.5 s
    assert r.audio_lost and max(r.outages) < cfg.cushion_s and max(r.audio_lost) == 0.0


def test_a_run_cut_short_says_who_is_not_back() -> None:
    cfg = StormConfig(**{**TINY.__dict__, "max_s": 41.0})
    r = simulate(cfg, "fixed 1 s retry")
    assert r.waiting[-1] > 0 and "not back" in storm_sim.table_row("cut", r)
