"""Which server to try next, and when: a per-client random order and per-server backoff over a room link's edges.

A link lists several edges (Janus servers) carrying the same feed. Every client draws its own order of them once,
from its own `rand`: the first is chosen at random (uniformly, or in proportion to `weights`, e.g. each edge's
join capacity), the rest as a random permutation drawn the same way. So a crowd starts spread over the edges, and
the clients of an edge that fails spread over the others instead of all moving to the link's next server (the old
rule, "prefer servers[0], break ties by link order", sent every client of a link to the same one after a failure).

After a loss the server that was lost is tried last, not first. For one client it costs little either way, but a
crowd is what matters: a killed edge refuses at once, so retrying it first costs each of its listeners one fast
refusal — cheap, but useless. An edge that is merely overloaded (or hung) does not refuse: each of its listeners
would wait a whole connect timeout (8 s, far beyond the 1.5 s cushion) on it, and the whole crowd it just dropped
would come back to the one edge that could not carry it. A brief stall of the old connection needs no retry of
that server at all: the supervisor keeps a quiet connection and takes it back if its media returns first. With
one server the lost one is of course retried.

Every outage draws the order again, weighted by the room's announced per-server loads when the listener has them
(the controller's `loads`, docs/room-protocol.md §6.1): `spare_weights` gives each server its fair share plus
what it lacks of it, 2/n − share (at least a tenth of the fair share), so a listener prefers the emptier edges, the
listeners of a dead edge spread over the survivors in proportion to their spare room, and a restarted (empty) edge
gets most of the next rejoins. Still a random draw per client, never "the emptiest": every client acts on the same
announcement, a few seconds old, and if all of them took its emptiest edge they would crowd it together (the herd
that stale load information causes); a proportional weight moves the crowd only by what the loads say is spare.
Equal loads give the uniform draw. A first join knows no loads (the room state comes over the channel, which is
joined on the feed's server once the feed plays) and draws uniformly; so does the storm simulator, which models
no announcements.

An outage starts with one random wait of 0–1 s (so a crowd that lost the same server does not return at the same
instant). A server that fails waits its own full-jitter backoff (random(0, min(cap, base·2^failures))) before it is
tried again, while the others are tried after a shorter hop: full jitter on the outage's failures so far (random(0,
min(cap, base·2^(n−1))): ≤ 0.5 s after the first failure, then 1, 2, 4 s…). Without the hop a crowd moves on in
lockstep: edges that time out (8 s) when full fail a whole wave of joins at once, the wave moves on at once, and the
edges sit idle for 8 s between waves (benchmarks/storm_sim, docs/storm.md: the last of the 16,557 listeners of an
edge killed at the peak of 500,000 was back after 74 s without the hop, 50 s with it; 52 s with today's). Both
bounds are also kept within the outage's age (at least first_max): a refusal comes back in milliseconds, so counting
failures alone would let a listener who drew short waits reach an 8 s bound two seconds into an outage and come back
long after the server did; bounded by the age, every wait stays proportional to how long the room has been gone,
which still spreads a crowd and still reaches the cap in a long outage. The hop delays only servers that are due
(not one already waiting for its own time): otherwise a server that refuses in milliseconds (its mountpoint gone)
pushes the others out again at each refusal, each push a new random draw, and starves them — with one refusing edge
and one down for 4.3 s, a listener came back to the second after 6.2 s at the median but 45 s at p99 and 155 s at
worst, trying the refusing one up to 24 times meanwhile (20,000 seeded clients; now 5.4 / 8.1 / 16.9 s, at most 13
tries; tests/listener/test_failover_crowd.py). Among servers due at once, one that failed less in this outage goes
first. A lone server that is down for a minute sees attempts at most every ~30 s from each client.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit

from app.room.backoff import exponential_bound

SPARE_FLOOR = 0.1  # the least weight of a full (or unmeasured) server, as a share of the fair share: still tried


def server_key(url: str) -> str:
    """A server URL as compared with the controller's spelling of it: scheme and host in lower case, the default
    port spelled out, no trailing slash (a link from the room list carries the lobby's URL as the user typed it)."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"ws": 80, "wss": 443}.get(parts.scheme.lower(), 0)
    except ValueError:
        return url
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}{parts.path.rstrip('/')}"


def spare_weights(servers: Sequence[str], loads: Mapping[str, int]) -> dict[str, float] | None:
    """Weights for a draw from the announced `loads` (listeners per server): max(SPARE_FLOOR/n, 2/n − share) over
    the n servers measured; a server of `servers` the controller did not measure gets the floor (it may be down).
    None when nothing useful is known (no measured server, or no listener anywhere), or when the loads name a
    server this link does not list (the two sides spell the servers differently: which is which is unknown, and
    a wrong guess would steer listeners off their own edges): draw uniformly."""
    ours = {server_key(s): s for s in servers}
    keyed = {server_key(s): n for s, n in loads.items()}
    if any(key not in ours for key in keyed):
        return None
    measured = {s: keyed[key] for key, s in ours.items() if key in keyed}
    total = sum(measured.values())
    if not measured or total <= 0:
        return None
    fair = 1.0 / len(measured)
    floor = SPARE_FLOOR * fair
    return {s: max(floor, 2 * fair - measured[s] / total) if s in measured else floor for s in servers}


def draw_order(servers: Sequence[str], weights: Mapping[str, float] | None,
               rand: Callable[[], float]) -> list[str]:
    """A random order of `servers`: each next one drawn in proportion to its weight among those left (servers
    without a positive weight come after all weighted ones, in random order). rand() = 0 gives the link order."""
    left = list(servers)
    order: list[str] = []
    while left:
        if weights is None:  # the common case, and cheap: the storm simulator draws 500,000 of these
            n = len(left)
            i = int(rand() * n)
            order.append(left.pop(i if i < n else n - 1))  # rand() may return 1.0 in tests
            continue
        pool = [(s, w) for s in left if (w := weights.get(s, 0.0)) > 0] or [(s, 1.0) for s in left]
        x = rand() * sum(w for _, w in pool)
        chosen = pool[-1][0]
        for server, weight in pool:
            if x < weight:
                chosen = server
                break
            x -= weight
        order.append(chosen)
        left.remove(chosen)
    return order


class ServerRotation:
    def __init__(self, servers: Sequence[str], *, weights: Mapping[str, float] | None = None, base: float = 0.5,
                 cap: float = 30.0, first_max: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 rand: Callable[[], float] = random.random) -> None:
        """`weights`: relative share of clients per server (e.g. join capacity); None: all equal."""
        if not servers:
            raise ValueError("a room needs at least one server")
        if weights is not None and any(not math.isfinite(w) or w < 0 for w in weights.values()):
            raise ValueError("server weights must be finite and not negative")
        self.servers = list(dict.fromkeys(servers))
        self.base = base
        self.cap = cap
        self.first_max = first_max
        self._clock = clock
        self._rand = rand
        self.order = draw_order(self.servers, weights, rand)  # this client's own order; order[0] joins first
        self._rank = {s: i for i, s in enumerate(self.order)}
        self._failures = dict.fromkeys(self.servers, 0)
        self._not_before = dict.fromkeys(self.servers, 0.0)
        self._outage_failures = 0
        self._outage_started = clock()

    def weigh(self, loads: Mapping[str, int] | None) -> None:
        """Draw this client's order again, weighted by spare room (`spare_weights`); nothing known: keep it."""
        weights = spare_weights(self.servers, loads) if loads else None
        if weights is not None:
            self.order = draw_order(self.servers, weights, self._rand)
            self._rank = {s: i for i, s in enumerate(self.order)}

    def start_outage(self, lost: str | None = None, loads: Mapping[str, int] | None = None) -> None:
        """A connection to `lost` was lost: every server becomes due after one shared random 0–first_max wait,
        in this client's order (drawn again from `loads` when known), with `lost` last (see the module docstring
        for why)."""
        self.weigh(loads)
        self._outage_started = self._clock()
        self._outage_failures = 0
        start = self._outage_started + self._rand() * self.first_max
        for server in self.servers:
            self._failures[server] = 0
            self._not_before[server] = start
        ranked = [s for s in self.order if s != lost] + [s for s in self.order if s == lost]
        self._rank = {s: i for i, s in enumerate(ranked)}

    def upper_bound(self, failures: int) -> float:
        """The longest wait after a server's `failures`-th consecutive failure (≥ 1)."""
        return exponential_bound(failures, self.base, self.cap)

    def next(self) -> tuple[str, float]:
        """The server to try next and the clock time to try it at (may be in the past: try now)."""
        server = min(self.servers, key=lambda s: (self._not_before[s], self._failures[s], self._rank[s]))
        return server, self._not_before[server]

    def failed(self, server: str) -> float:
        """Record a failed attempt; returns the wait before `server` is due again. The other servers wait at
        least a hop: full jitter on the outage's failures so far (same bounds), so a crowd moves on spread out."""
        now = self._clock()
        self._failures[server] += 1
        self._outage_failures += 1
        age = max(self.first_max, now - self._outage_started)
        delay = self._rand() * min(self.upper_bound(self._failures[server]), age)
        self._not_before[server] = now + delay
        if len(self.servers) > 1:
            hop = now + self._rand() * min(self.upper_bound(self._outage_failures - 1), age)
            for other in self.servers:
                if other != server and self._not_before[other] <= now:  # due: not one already waiting (below)
                    self._not_before[other] = hop
        return delay

    def succeeded(self, server: str) -> None:
        """`server` plays again: forget every server's failures (its own order stays)."""
        self._outage_failures = 0
        for s in self.servers:
            self._failures[s] = 0
            self._not_before[s] = 0.0
