"""LogThrottle on a virtual clock: one line per key per interval, the held-back count on the next line."""

from __future__ import annotations

import logging

import pytest

from app.room.log_throttle import LogThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_key_per_interval_with_the_count_held_back(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    throttle = LogThrottle(logging.getLogger("t"), 10.0, clock=clock)
    with caplog.at_level(logging.WARNING, logger="t"):
        assert throttle.log(logging.WARNING, "a", "failed: %s", "x")
        assert not any(throttle.log(logging.WARNING, "a", "failed: %s", "x") for _ in range(50))
        assert throttle.log(logging.WARNING, "b", "other key")  # keys are independent
        clock.now += 10.0
        assert throttle.log(logging.WARNING, "a", "failed: %s", "y")
    assert [r.getMessage() for r in caplog.records] == [
        "failed: x", "other key", "failed: y (and 50 more since the last report)"]
    assert throttle.lines == 3


def test_reset_lets_the_next_failure_through_at_once() -> None:
    clock = Clock()
    throttle = LogThrottle(logging.getLogger("t"), 60.0, clock=clock)
    assert throttle.log(logging.INFO, "poll", "down")
    throttle.reset("poll")  # it worked again
    assert throttle.log(logging.INFO, "poll", "down")


def test_a_flood_of_distinct_keys_does_not_grow_without_bound() -> None:
    throttle = LogThrottle(logging.getLogger("t"), 60.0, clock=Clock())
    for i in range(3 * LogThrottle.MAX_KEYS):
        throttle.log(logging.DEBUG, i, "x")
    assert len(throttle._keys) <= LogThrottle.MAX_KEYS
