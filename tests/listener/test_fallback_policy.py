"""The fallback's pace: the formula, and whole audiences simulated on virtual time with a seeded RNG.

Every listener of a room loses the controller at the same instant (t = 0) and polls the stage of the server it is
on as FallbackPolicy says; the simulation collects every poll and measures the busiest 1 s window anywhere (not
only whole seconds) and each listener's wait for its first poll (its time to see the stage). Run with -s for
the table.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

import pytest

from app.listener.fallback import UNKNOWN_AUDIENCE, FallbackPolicy

SERVER_LIMIT = 100.0  # polls/s one stage server may get from a room's fallback, in any 1 s window


@dataclass(frozen=True)
class Run:
    listeners: int
    interval: float
    max_rate: int  # polls in the busiest 1 s window
    mean_rate: float  # polls per second over the whole run
    max_to_stage: float  # the longest wait from the controller going quiet to a listener's first poll
    seconds: float


def busiest_second(polls: list[float]) -> int:
    """Polls in the busiest window [t, t + 1 s): the busiest one can always be slid to start at a poll."""
    return max((bisect.bisect_left(polls, t + 1.0, lo=i) - i for i, t in enumerate(polls)), default=0)


def simulate(listeners: int, *, seed: int = 1, intervals: float = 5.0) -> Run:
    """`listeners` on one server, each seeing that head count in channel N, polling for `intervals` × I."""
    policy = FallbackPolicy(rand=random.Random(seed).random)
    audience = policy.audience(listeners)
    interval = policy.interval(audience)
    horizon = intervals * interval
    polls: list[float] = []
    to_stage = 0.0
    for _ in range(listeners):
        t = policy.first_delay(audience)
        to_stage = max(to_stage, t)
        while t < horizon:
            polls.append(t)
            t += policy.next_delay(audience)
    polls.sort()
    return Run(listeners, interval, busiest_second(polls), len(polls) / horizon, to_stage, horizon)


def old_policy_busiest_second(listeners: int, seed: int = 1) -> int:
    """Before: every listener polled at once on falling back, then every 5 ± 1 s."""
    rng = random.Random(seed)
    polls = []
    for _ in range(listeners):
        t = 0.0
        while t < 30.0:
            polls.append(t)
            t += rng.uniform(4.0, 6.0)
    polls.sort()
    return busiest_second(polls)


def report(run: Run) -> None:
    print(f"\n{run.listeners:>7,} listeners: I = {run.interval:7.1f} s; polls/s on the server max "
          f"{run.max_rate:3d} (any 1 s window), mean {run.mean_rate:5.1f} over {run.seconds:,.0f} s; "
          f"stage seen ≤ {run.max_to_stage:7.1f} s after falling back")


# --- the formula ---------------------------------------------------------------------------------------------------

def test_the_interval_grows_with_the_audience_above_250() -> None:
    policy = FallbackPolicy()
    assert [policy.interval(n) for n in (1, 250, 500, 1_000, 10_000, 100_000)] == [
        5.0, 5.0, 10.0, 20.0, 200.0, 2000.0]


def test_first_poll_spreads_over_one_interval_later_ones_over_one_to_one_and_a_half() -> None:
    low, high = FallbackPolicy(rand=lambda: 0.0), FallbackPolicy(rand=lambda: 1.0)
    assert (low.first_delay(1000), high.first_delay(1000)) == (0.0, 20.0)
    assert (low.next_delay(1000), high.next_delay(1000)) == (20.0, 30.0)
    assert (low.next_delay(3), high.next_delay(3)) == (5.0, 7.5)  # small rooms: every 5 to 7.5 s


def test_the_audience_is_the_own_head_count_else_the_room_count_else_a_big_room() -> None:
    policy = FallbackPolicy()
    assert policy.audience(here=40, room=90_000) == 40  # what this server really has beats the whole room's count
    assert policy.audience(here=0) == 1
    assert policy.audience(here=None, room=90_000) == 90_000
    assert policy.audience(here=None, room=None) == UNKNOWN_AUDIENCE == 100_000
    with pytest.raises(ValueError):
        FallbackPolicy(target_rate=0)


# --- whole audiences -----------------------------------------------------------------------------------------------

def test_100k_listeners_losing_the_controller_at_once_keep_their_server_under_100_polls_a_second() -> None:
    run = simulate(100_000)
    report(run)
    assert run.max_rate <= SERVER_LIMIT
    assert 35.0 <= run.mean_rate <= 50.0  # they do poll: ~0.8 × 50/s once the first round is over
    assert run.max_to_stage <= run.interval


def test_the_same_simulation_catches_the_old_stampede() -> None:
    assert old_policy_busiest_second(100_000) > 50 * SERVER_LIMIT  # 100,000 polls in the first second


@pytest.mark.parametrize("listeners", [1, 10, 100, 250, 500])
def test_a_small_room_sees_its_stage_within_10_s_of_falling_back(listeners: int) -> None:
    run = simulate(listeners, seed=listeners, intervals=20)
    report(run)
    assert run.max_to_stage <= (5.0 if listeners <= 250 else 10.0)
    assert run.max_rate <= SERVER_LIMIT


@pytest.mark.parametrize("listeners", [1_000, 10_000])
def test_rooms_in_between_stay_bounded_too(listeners: int) -> None:
    run = simulate(listeners, seed=listeners)
    report(run)
    assert run.max_rate <= SERVER_LIMIT
    assert run.max_to_stage <= listeners / 50.0
