"""ServerRotation over a crowd: seeded clients start spread over the edges and spread again after a failure.

Every count below is from fixed seeds, so it cannot fail by chance; the bounds are still ~4 standard deviations
wide (a binomial share of n clients has sd √(n·p·(1−p))), so they would hold for almost any seed too.
"""

from __future__ import annotations

import random
from collections import Counter

from app.listener.failover import ServerRotation, draw_order, server_key, spare_weights

EDGES = ["a", "b", "c"]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def crowd(n: int, seed: int, servers: list[str] = EDGES,
          weights: dict[str, float] | None = None) -> tuple[list[ServerRotation], Clock]:
    rng, clock = random.Random(seed), Clock()
    return [ServerRotation(servers, weights=weights, clock=clock, rand=rng.random) for _ in range(n)], clock


def test_three_thousand_clients_start_evenly_over_three_edges() -> None:
    clients, _ = crowd(3000, seed=1)
    first = Counter(c.next()[0] for c in clients)  # a fresh rotation: its first choice, due at once
    assert first == Counter(c.order[0] for c in clients)
    assert all(900 <= first[e] <= 1100 for e in EDGES), first  # 1000 ± 3.9 sd


def test_weights_share_the_first_choice_in_proportion() -> None:
    clients, _ = crowd(4000, seed=2, weights={"a": 2.0, "b": 1.0, "c": 1.0})
    first = Counter(c.order[0] for c in clients)
    assert 1880 <= first["a"] <= 2120 and all(880 <= first[e] <= 1120 for e in "bc"), first


def test_an_edge_without_weight_comes_last() -> None:
    rng = random.Random(3)
    orders = [draw_order(EDGES, {"a": 1.0, "b": 1.0}, rng.random) for _ in range(200)]
    assert all(order[-1] == "c" for order in orders)
    assert draw_order(EDGES, None, lambda: 0.0) == EDGES


def test_the_clients_of_a_dead_edge_split_evenly_over_the_others() -> None:
    clients, clock = crowd(3000, seed=4)
    on_a = [c for c in clients if c.order[0] == "a"]
    for c in on_a:
        c.start_outage("a")
    clock.now = 1.0  # past the shared first wait
    moved = Counter(c.next()[0] for c in on_a)
    assert "a" not in moved
    share = len(on_a) / 2
    assert all(abs(moved[e] - share) <= 90 for e in "bc"), (len(on_a), moved)  # sd ≈ 16


def test_after_a_failure_no_edge_gets_more_than_its_share() -> None:
    """Five edges, one dies, then its clients' first choices refuse too: every step stays spread."""
    edges = ["a", "b", "c", "d", "e"]
    clients, clock = crowd(5000, seed=5, servers=edges)
    on_a = [c for c in clients if c.order[0] == "a"]
    for c in on_a:
        c.start_outage("a")
    clock.now = 1.0
    first_try = [c.next()[0] for c in on_a]
    counts = Counter(first_try)
    assert max(counts.values()) <= len(on_a) / 4 + 100, counts  # share ≈ 250, sd ≈ 19
    for c, server in zip(on_a, first_try, strict=True):
        c.failed(server)  # the edge each one chose refuses (say it was full)
    retries = [c.next() for c in on_a]
    # the refuser waits random(0, 1 s), the others a hop of random(0, 0.5 s): most move on, all within 1 s
    moved = sum(server != refused for (server, _), refused in zip(retries, first_try, strict=True))
    assert moved >= 0.6 * len(on_a) and all(at <= clock.now + 1.0 for _, at in retries), moved
    second = Counter(server for server, _ in retries)
    assert "a" not in second
    assert max(second.values()) <= len(on_a) / 4 + 100, second


# ------------------------------------------------------------------ announced loads (§6.1): spare room as weights
def test_spare_weights_follow_the_shares_and_keep_a_floor() -> None:
    assert spare_weights(EDGES, {}) is None and spare_weights(EDGES, {"a": 0, "b": 0}) is None  # nothing known
    even = spare_weights(EDGES, {"a": 5, "b": 5, "c": 5})
    assert even is not None and len(set(even.values())) == 1  # equal loads: the uniform draw
    full = spare_weights(["a", "b"], {"a": 100, "b": 0})
    assert full == {"a": 0.05, "b": 1.0}  # a full edge keeps a tenth of its fair share: still tried
    unmeasured = spare_weights(EDGES, {"a": 10, "b": 30})  # the controller cannot reach c: maybe down
    assert unmeasured is not None and unmeasured["c"] == 0.05 and unmeasured["a"] > unmeasured["b"]


def test_newcomers_to_a_draw_prefer_the_empty_edge() -> None:
    """Edge a already carries 400 listeners, b none: of 2000 clients drawing with those loads, ~95 % pick b."""
    clients, _ = crowd(2000, seed=5, servers=["a", "b"])
    for c in clients:
        c.weigh({"a": 400, "b": 0})
    first = Counter(c.order[0] for c in clients)
    assert 1860 <= first["b"] <= 1940, first  # p = 1 / 1.05, sd ≈ 9.5


def test_the_clients_of_a_dead_edge_spread_over_the_survivors_by_spare_room() -> None:
    """a: 30 %, b: 10 %, c (dies): 60 % of the room. Weights 2/3 − share: a 0.367, b 0.567 — the movers go ~39/61,
    each drawing its own order (never all to the emptiest one), and none tries the dead edge first."""
    clients, clock = crowd(3000, seed=6)
    loads = {"a": 300, "b": 100, "c": 600}
    for c in clients:
        c.start_outage("c", loads)
    clock.now = 1.0
    moved = Counter(c.next()[0] for c in clients)
    assert "c" not in moved
    share_b = 0.567 / (0.367 + 0.567)
    assert abs(moved["b"] - 3000 * share_b) <= 110, moved  # sd ≈ 27
    assert moved["a"] >= 1000  # spread, not herded


def test_without_loads_an_outage_keeps_the_clients_own_order() -> None:
    clients, _ = crowd(50, seed=7)
    before = [list(c.order) for c in clients]
    for c in clients:
        c.start_outage("a", {})
        c.weigh(None)
    assert [c.order for c in clients] == before


def test_an_edge_that_refuses_at_once_does_not_starve_one_that_is_back() -> None:
    """Two edges: one refuses in 10 ms forever (its mountpoint is gone), the other is down until 4.3 s. 20,000
    seeded clients: each is back on the second within ~2 × 4.3 s (it waits at most the outage's age), and tries
    the refusing one a logarithmic handful of times meanwhile."""
    rng, back, tries = random.Random(8), [], []
    for _ in range(20_000):
        clock = Clock()
        r = ServerRotation(["refusing", "down"], clock=clock, rand=rng.random)
        r.start_outage("down")
        n = 0
        while True:
            server, at = r.next()
            clock.now = max(clock.now, at)
            if server == "down" and clock.now >= 4.3:
                break
            n += server == "refusing"
            clock.now += 0.01
            r.failed(server)
        back.append(clock.now)
        tries.append(n)
    back.sort()
    tries.sort()
    assert back[10_000] <= 6.0 and back[19_800] <= 9.0 and back[-1] <= 20.0, (back[10_000], back[19_800], back[-1])
    assert tries[10_000] <= 6 and tries[-1] <= 16, (tries[10_000], tries[-1])


def test_loads_match_the_links_servers_however_each_side_spells_them() -> None:
    """A link from the room list carries the lobby's URL as the user typed it; the controller its own spelling."""
    servers = ["ws://EDGE-1.example:80/janus/", "ws://edge-2.example/janus"]
    loads = {"ws://edge-1.example/janus": 90, "WS://edge-2.example:80/janus": 10}
    weights = spare_weights(servers, loads)
    assert weights is not None
    assert weights[servers[1]] > weights[servers[0]]  # the emptier edge, matched despite the spelling
    assert server_key("ws://H:80/janus/") == server_key("ws://h/janus") == "ws://h:80/janus"
    assert server_key("wss://h/janus") == "wss://h:443/janus"


def test_loads_naming_a_server_the_link_lacks_give_the_uniform_draw() -> None:
    """Which of ours is which is unknown then: a guess could steer listeners off their own edges."""
    assert spare_weights(["ws://a/janus", "ws://b/janus"], {"ws://a/janus": 5, "ws://c/janus": 0}) is None
