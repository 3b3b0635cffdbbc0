"""The retry policies the storm simulator compares: Plaza's (the app's own `ServerRotation`) and two baselines.

Every policy answers the same four calls the listener's supervisor makes (`next`, `failed`, `succeeded`,
`start_outage`). The baselines are what a plain client does: a random first server, then the link's order from
the server that failed (so every client of a dead edge moves to the same next one), retrying either at once or
after a fixed 1 s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from app.listener.failover import ServerRotation


class Policy(Protocol):
    def next(self) -> tuple[str, float]: ...
    def failed(self, server: str) -> float: ...
    def succeeded(self, server: str) -> None: ...
    def start_outage(self, lost: str | None = None) -> None: ...


PolicyFactory = Callable[[Sequence[str], Callable[[], float], Callable[[], float]], Policy]  # servers, clock, rand


class LinkOrderRetry:
    """A random first server, then the link's order after the one that failed or was lost; every retry after
    `delay` s (0: immediate)."""

    def __init__(self, servers: Sequence[str], clock: Callable[[], float], rand: Callable[[], float],
                 delay: float) -> None:
        self.servers = list(servers)
        self._index = {s: i for i, s in enumerate(self.servers)}
        self._clock = clock
        self.delay = delay
        self._current = min(int(rand() * len(self.servers)), len(self.servers) - 1)
        self._due = clock()

    def _after(self, server: str) -> None:
        self._current = (self._index[server] + 1) % len(self.servers)
        self._due = self._clock() + self.delay

    def next(self) -> tuple[str, float]:
        return self.servers[self._current], self._due

    def failed(self, server: str) -> float:
        self._after(server)
        return self.delay

    def succeeded(self, server: str) -> None:
        self._current = self._index[server]

    def start_outage(self, lost: str | None = None) -> None:
        if lost is not None:
            self._after(lost)
        else:
            self._due = self._clock() + self.delay


def plaza(servers: Sequence[str], clock: Callable[[], float], rand: Callable[[], float]) -> Policy:
    return ServerRotation(servers, clock=clock, rand=rand)


def immediate(servers: Sequence[str], clock: Callable[[], float], rand: Callable[[], float]) -> Policy:
    return LinkOrderRetry(servers, clock, rand, 0.0)


def fixed_1s(servers: Sequence[str], clock: Callable[[], float], rand: Callable[[], float]) -> Policy:
    return LinkOrderRetry(servers, clock, rand, 1.0)


POLICIES: dict[str, PolicyFactory] = {"Plaza": plaza, "immediate retry": immediate, "fixed 1 s retry": fixed_1s}
