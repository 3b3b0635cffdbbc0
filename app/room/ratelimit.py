"""Per-sender token buckets: the controller's defence against whisper floods (hand toggling, sync storms).

Part of the room protocol's API (re-exported by app.room.protocol, whose WHISPER_RATE/WHISPER_BURST configure it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Final


class RateLimiter:
    """Token bucket per sender; an unknown sender starts with a full bucket of `burst` tokens."""

    _PRUNE_EVERY: Final = 4096

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if not (math.isfinite(rate) and rate > 0) or burst < 1:
            raise ValueError("rate must be positive and finite, burst at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # sender -> (tokens, at)
        self._calls = 0

    def allow(self, sender: str) -> bool:
        """Take one token for this sender if it has one."""
        now = self._clock()
        self._calls += 1
        if self._calls % self._PRUNE_EVERY == 0:
            self._prune(now)
        tokens, at = self._buckets.get(sender, (float(self.burst), now))
        if now > at:
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            at = now
        # else: a clock stepping back neither refills nor drains; time resumes from the latest reading
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, at)
        return allowed

    def forget(self, sender: str) -> None:
        """Drop a sender's bucket (it left the channel)."""
        self._buckets.pop(sender, None)

    def __len__(self) -> int:
        return len(self._buckets)

    def _prune(self, now: float) -> None:
        """Full buckets behave exactly like absent ones: drop them so memory follows active senders only."""
        full = [s for s, (tokens, at) in self._buckets.items()
                if tokens + max(0.0, now - at) * self.rate >= self.burst]
        for sender in full:
            del self._buckets[sender]
