"""One way to keep a log readable under a flood or a long outage: at most one line per key per interval.

Used for dropped whispers per sender (controller), failing polls per server (controller) and refused
announcements (listener). The lines held back are counted and the count rides on the next line written.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable


class LogThrottle:
    """At most one line per key per `interval` seconds; `reset(key)` (a success) lets the next one through."""

    MAX_KEYS = 10_000  # a flood of distinct keys (senders) must not grow memory without bound

    def __init__(self, logger: logging.Logger, interval: float, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.interval = interval
        self._clock = clock
        self._keys: dict[Hashable, tuple[float, int]] = {}  # key -> (logged at, lines held back since)
        self.lines = 0  # lines written (tests check that floods stay quiet)

    def log(self, level: int, key: Hashable, msg: str, *args: object) -> bool:
        """Write `msg % args` unless `key` was logged less than `interval` ago; True if written."""
        now = self._clock()
        logged_at, held = self._keys.get(key, (float("-inf"), 0))
        if now - logged_at < self.interval:
            self._keys[key] = (logged_at, held + 1)
            return False
        if len(self._keys) >= self.MAX_KEYS:
            self._keys.clear()
        self._keys[key] = (now, 0)
        self.lines += 1
        if held:
            msg += f" (and {held} more since the last report)"
        self.logger.log(level, msg, *args)
        return True

    def reset(self, key: Hashable) -> None:
        self._keys.pop(key, None)
