"""Backoff policy: bounds of the jittered distribution, the cap, and reset after success."""

from __future__ import annotations

import random

import pytest

from app.room.backoff import Backoff


def test_first_retry_is_within_one_second_and_spread() -> None:
    rng = random.Random(1)
    delays = [Backoff(rand=rng.random).next_delay() for _ in range(2000)]
    assert all(0 <= d <= 1.0 for d in delays)
    # Full jitter: roughly uniform, not clustered at one instant.
    assert 0.45 < sum(delays) / len(delays) < 0.55
    assert min(delays) < 0.05 and max(delays) > 0.95


def test_exponential_growth_then_cap() -> None:
    b = Backoff(rand=lambda: 1.0)
    delays = [b.next_delay() for _ in range(12)]
    assert delays[:7] == [1.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert all(d == 30.0 for d in delays[6:])


def test_never_exceeds_cap_even_after_many_attempts() -> None:
    rng = random.Random(2)
    b = Backoff(rand=rng.random)
    assert all(0 <= b.next_delay() <= 30.0 for _ in range(10_000))
    assert b.upper_bound() == 30.0


def test_reset_after_success_starts_over() -> None:
    b = Backoff(rand=lambda: 1.0)
    for _ in range(5):
        b.next_delay()
    b.reset()
    assert b.next_delay() == 1.0 and b.attempts == 1


def test_invalid_parameters_are_rejected() -> None:
    with pytest.raises(ValueError):
        Backoff(base=0)


def test_a_wait_stays_within_the_outage_age_but_at_least_first_max() -> None:
    b = Backoff(rand=lambda: 1.0)
    for _ in range(5):  # five fast refusals: the failure count alone allows 16 s next
        b.next_delay(age=0.1)
    assert b.upper_bound() == 16.0
    assert b.next_delay(age=2.6) == 2.6  # 2.6 s into the outage: at most 2.6 s
    assert b.next_delay(age=0.2) == 1.0  # never below first_max
    assert b.next_delay(age=600.0) == 30.0  # a long outage still reaches the cap
    assert b.next_delay() == 30.0  # without an age: the failure count alone, as before
