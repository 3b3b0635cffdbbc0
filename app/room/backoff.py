"""Reconnect timing: jittered so that half a million listeners do not hit a recovering server at once.

First retry after random(0, first_max) s, then AWS "full jitter": random(0, min(cap, base * 2**n)). Never gives
up by itself; `reset()` after a success. `exponential_bound` is the one formula: app.listener.failover uses it too.

With the outage's `age`, a wait is also kept within it (at least first_max), as app.listener.failover keeps a
listener's: a restarted server refuses in milliseconds, so counting failures alone lets a client that drew short
waits reach a 16 s bound two seconds into an outage. Measured in the chaos soak (docs/deployment.md): the room
controller failed 5 times while an origin restarted (2.6 s) and its audience heard 16 s of silence before the
controller's next attempt re-added the forwards. Bounded by the age, every wait stays proportional to how long the
server has been gone, which still spreads a crowd and still reaches the cap in a long outage.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def exponential_bound(attempt: int, base: float, cap: float) -> float:
    """min(cap, base·2^attempt): the longest full-jitter wait after `attempt` failures (2^62 keeps it finite)."""
    return min(cap, base * 2 ** min(attempt, 62))


class Backoff:
    def __init__(self, *, base: float = 0.5, cap: float = 30.0, first_max: float = 1.0,
                 rand: Callable[[], float] = random.random) -> None:
        if base <= 0 or cap <= 0 or first_max < 0:
            raise ValueError("backoff base and cap must be positive, first_max non-negative")
        self.base = base
        self.cap = cap
        self.first_max = first_max
        self._rand = rand
        self.attempts = 0

    def upper_bound(self, attempt: int | None = None) -> float:
        """The largest delay the given attempt (0-based; default: the next one) can get."""
        n = self.attempts if attempt is None else attempt
        if n == 0:
            return self.first_max
        return exponential_bound(n, self.base, self.cap)

    def next_delay(self, age: float | None = None) -> float:
        """The next wait; with `age` (seconds since the outage began) at most max(first_max, age) too."""
        bound = self.upper_bound()
        if age is not None:
            bound = min(bound, max(self.first_max, age))
        delay = self._rand() * bound
        self.attempts += 1
        return delay

    def reset(self) -> None:
        self.attempts = 0
