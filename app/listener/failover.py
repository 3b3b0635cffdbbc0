"""Which server to try next, and when: per-server backoff over the servers of a room link.

An outage starts with one random wait of 0–1 s (so a crowd that lost the same server does not return at the
same instant), then tries the server that worked last. A server that fails waits its own full-jitter backoff
(random(0, min(cap, base·2^failures))) before it is tried again; a server not yet tried in this outage may be
tried at once. The bound is also kept within the outage's age (at least first_max): a refusal comes back in
milliseconds, so counting failures alone would let a listener who drew short waits reach an 8 s bound two seconds
into an outage and come back long after the server did; bounded by the age, every wait stays proportional to how
long the room has been gone, which still spreads a crowd and still reaches the cap in a long outage.
So with two servers a dead one costs one quick refusal before the other is tried, and a lone server that is
down for a minute sees attempts at most every ~30 s from each client.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

from app.room.backoff import exponential_bound


class ServerRotation:
    def __init__(self, servers: Sequence[str], *, base: float = 0.5, cap: float = 30.0, first_max: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, rand: Callable[[], float] = random.random) -> None:
        if not servers:
            raise ValueError("a room needs at least one server")
        self.servers = list(dict.fromkeys(servers))
        self.base = base
        self.cap = cap
        self.first_max = first_max
        self._clock = clock
        self._rand = rand
        self.preferred = self.servers[0]
        self._failures = dict.fromkeys(self.servers, 0)
        self._not_before = dict.fromkeys(self.servers, 0.0)
        self._outage_started = clock()

    def start_outage(self, lost: str | None = None) -> None:
        """A connection was lost: every server becomes due after one shared random 0–first_max wait."""
        self._outage_started = self._clock()
        start = self._outage_started + self._rand() * self.first_max
        for server in self.servers:
            self._failures[server] = 0
            self._not_before[server] = start
        if lost is not None and lost in self._failures:
            self.preferred = lost

    def upper_bound(self, failures: int) -> float:
        """The longest wait after a server's `failures`-th consecutive failure (≥ 1)."""
        return exponential_bound(failures, self.base, self.cap)

    def next(self) -> tuple[str, float]:
        """The server to try next and the clock time to try it at (may be in the past: try now)."""
        order = {s: (0 if s == self.preferred else 1, i) for i, s in enumerate(self.servers)}
        server = min(self.servers, key=lambda s: (self._not_before[s], order[s]))
        return server, self._not_before[server]

    def failed(self, server: str) -> float:
        """Record a failed attempt; returns the wait before `server` is due again."""
        self._failures[server] += 1
        age = max(self.first_max, self._clock() - self._outage_started)
        delay = self._rand() * min(self.upper_bound(self._failures[server]), age)
        self._not_before[server] = self._clock() + delay
        return delay

    def succeeded(self, server: str) -> None:
        """`server` plays again: prefer it, and forget every server's failures."""
        self.preferred = server
        for s in self.servers:
            self._failures[s] = 0
            self._not_before[s] = 0.0
