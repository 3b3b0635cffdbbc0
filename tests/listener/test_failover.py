"""ServerRotation: which server next and when, on a virtual clock with controlled randomness."""

from __future__ import annotations

import pytest

from app.listener.failover import ServerRotation


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def rotation(servers: list[str], rand: float = 1.0, **kw: float) -> tuple[ServerRotation, Clock]:
    clock = Clock()
    return ServerRotation(servers, clock=clock, rand=lambda: rand, **kw), clock


def test_outage_starts_with_one_shared_jitter_and_tries_the_lost_server_last() -> None:
    r, clock = rotation(["a", "b"], rand=0.4)
    assert r.order == ["a", "b"]
    r.start_outage("a")
    server, at = r.next()
    assert server == "b"
    assert at == pytest.approx(clock.now + 0.4)


def test_a_lone_server_is_retried_after_its_loss() -> None:
    r, clock = rotation(["a"], rand=0.4)
    r.start_outage("a")
    assert r.next() == ("a", pytest.approx(clock.now + 0.4))


def test_first_wait_is_within_zero_to_one_second() -> None:
    for rand in (0.0, 0.5, 0.999):
        r, clock = rotation(["a"], rand=rand)
        r.start_outage("a")
        _, at = r.next()
        assert 0.0 <= at - clock.now < 1.0


def test_a_failed_server_backs_off_and_an_untried_one_is_tried_after_a_short_hop() -> None:
    r, clock = rotation(["a", "b"], rand=0.5)
    r.start_outage(None)
    clock.now += 0.5
    first = r.next()[0]
    assert r.failed(first) == 0.5  # its own wait: 0.5 · min(1 s, the outage's age floored at 1 s)
    server, at = r.next()
    assert server != first and at == pytest.approx(clock.now + 0.25)  # the hop: 0.5 · min(base, age)


def test_the_hop_to_another_server_grows_with_the_outages_failures() -> None:
    r, clock = rotation(["a", "b", "c"], rand=1.0)
    r.start_outage("c")
    hops = []
    for _ in range(4):
        clock.now += 10.0  # each attempt times out after a while: the age does not bound the hop
        server, _ = r.next()
        r.failed(server)
        hops.append(min(at for s in r.servers if s != server for at in [r._not_before[s]]) - clock.now)
    assert hops == [0.5, 1.0, 2.0, 4.0]


def test_backoff_grows_per_server_and_is_capped() -> None:
    r, clock = rotation(["a"], rand=1.0, base=0.5, cap=30.0)
    r.start_outage("a")
    waits = []
    for _ in range(10):
        waits.append(r.failed("a"))
        clock.now += waits[-1]  # each attempt is refused at once
    assert waits[:6] == [1.0, 1.0, 2.0, 4.0, 8.0, 16.0]  # bounded by base·2^n and by the outage's age
    assert waits[6:] == [30.0] * 4


def test_quick_refusals_early_in_an_outage_do_not_push_the_next_try_far_out() -> None:
    """2 s into an outage, after 4 instant refusals, the next wait is at most ~2 s, not up to 8 s."""
    r, clock = rotation(["a"], rand=1.0)
    r.start_outage("a")
    for t in (0.07, 0.48, 1.45, 1.62):
        clock.now = 100.0 + t
        wait = r.failed("a")
    assert wait == pytest.approx(1.62)
    assert r.upper_bound(4) == 8.0


def test_full_jitter_stays_within_bounds() -> None:
    import random

    rng = random.Random(7)
    r = ServerRotation(["a"], rand=rng.random)
    r.start_outage("a")
    for failures in range(1, 12):
        wait = r.failed("a")
        assert 0.0 <= wait <= min(30.0, 0.5 * 2**failures)


def test_success_resets_every_server() -> None:
    r, clock = rotation(["a", "b"], rand=1.0)
    r.start_outage("a")
    for _ in range(5):
        r.failed("a")
        r.failed("b")
    r.succeeded("b")
    r.start_outage("b")
    server, at = r.next()
    assert server == "a"
    assert at == pytest.approx(clock.now + 1.0)
    assert r.failed("a") == 1.0  # back to the first step


def test_rotation_alternates_between_dead_servers_by_due_time() -> None:
    r, clock = rotation(["a", "b", "c"], rand=1.0)
    assert r.order == ["c", "b", "a"]  # rand() = 1.0 draws the last one each time
    r.start_outage("b")
    tried = []
    for _ in range(6):
        server, at = r.next()
        clock.now = max(clock.now, at)
        tried.append(server)
        r.failed(server)
    assert tried[:2] == ["c", "a"]  # this client's order, the lost server last
    assert set(tried) == {"a", "b", "c"}


def test_needs_a_server_and_sane_weights() -> None:
    with pytest.raises(ValueError, match="at least one server"):
        ServerRotation([])
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="weights"):
            ServerRotation(["a"], weights={"a": bad})
