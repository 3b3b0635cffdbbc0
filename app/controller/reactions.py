"""The controller's reaction tally: `react` whispers in, one `reactions` announcement of counts out, ≤ 2 a second.

Why here and not in the room book: reactions are not room state (no `seq`, nothing to resync, a lost one is simply
not shown), and their load is of another order — at 100,000 listeners thousands of whispers a second — so the work
per whisper must stay O(1): a token bucket per sender (checked before parsing, so a flood costs a dict look-up per
whisper), a counter per code. Memory follows the senders active in the rate window (the limiter forgets full
buckets, and a sender that leaves the channel). The announcement's size and rate do not depend on the audience:
at most one per `interval`, only when there was a reaction, a few dozen bytes. Spec: docs/room-protocol.md §3.9;
benchmark: benchmarks/reactions_flood.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from app.room.log_throttle import LogThrottle
from app.room.ratelimit import RateLimiter
from app.room.reactions_protocol import (
    REACT_BURST,
    REACT_RATE,
    REACTIONS,
    REACTIONS_INTERVAL,
    ReactionCounts,
    encode_reactions,
    parse_react,
)
from app.room.wire import ProtocolViolation

log = logging.getLogger(__name__)

DROP_LOG_INTERVAL = 10.0  # one line per sender per this long about its dropped reactions


class ReactionTally:
    """Counts reactions per code, rate-limited per sender, and builds the announcement when one is due."""

    def __init__(self, controller: str, *, clock: Callable[[], float] = time.monotonic,
                 rate: float = REACT_RATE, burst: int = REACT_BURST, interval: float = REACTIONS_INTERVAL) -> None:
        self.controller = controller
        self.interval = interval
        self._clock = clock
        self.limiter = RateLimiter(rate, burst, clock=clock)
        self._counts: dict[str, int] = {}
        self._announced_at = float("-inf")
        self.wake = asyncio.Event()  # set when counts wait for an announcement (run() waits on it)
        self.drops = LogThrottle(log, DROP_LOG_INTERVAL, clock=clock)
        # Totals since start, for logs, tests and the benchmark.
        self.accepted = 0
        self.limited = 0  # over the sender's rate: dropped unread
        self.invalid = 0  # not a valid `react` whisper
        self.announcements = 0

    def on_whisper(self, sender: str, text: str, server: str = "") -> bool:
        """A whisper that looks like a `react` from `sender` (Janus's `from`) on channel server `server`; True if it
        counted. Limited per server and name: the same name on another server is someone else."""
        key = f"{server} {sender}"  # (a URL has no space)
        if not self.limiter.allow(key):
            self.limited += 1
            self.drops.log(logging.INFO, key, "dropped reactions from %r: over %g a second", sender[:80],
                           self.limiter.rate)
            return False
        try:
            request = parse_react(text)
        except ProtocolViolation as exc:
            self.invalid += 1
            self.drops.log(logging.WARNING, key, "dropped a reaction from %r: %s", sender[:80], str(exc)[:200])
            return False
        self.add(request.code)
        return True

    def add(self, code: str) -> None:
        """One reaction that passed its sender's limit (a whisper parsed elsewhere lands here too)."""
        self._counts[code] = self._counts.get(code, 0) + 1
        self.accepted += 1
        self.wake.set()

    def forget(self, sender: str, server: str = "") -> None:
        """The sender left the channel on `server`: its bucket goes (a rejoin starts with a full one, as for other
        whispers)."""
        key = f"{server} {sender}"
        self.limiter.forget(key)
        self.drops.reset(key)

    @property
    def pending(self) -> int:
        return sum(self._counts.values())

    def next_due(self) -> float:
        """Seconds until an announcement may go out (0: now); infinite while nothing waits."""
        if not self._counts:
            return float("inf")
        return max(0.0, self._announced_at + self.interval - self._clock())

    def due(self) -> str | None:
        """The announcement of everything counted since the previous one, if one may go out now (it resets the
        counts); None otherwise."""
        if not self._counts or self.next_due() > 0:
            return None
        counts = tuple((code, self._counts[code]) for code in REACTIONS if code in self._counts)
        self._counts.clear()
        self._announced_at = self._clock()
        self.announcements += 1
        return encode_reactions(ReactionCounts(self.controller, counts))

    def discard(self) -> None:
        """Forget what was counted (this controller may not announce: it stands by)."""
        self._counts.clear()

    async def run(self, post: Callable[[str], None], may_announce: Callable[[], bool]) -> None:
        """Announce through `post` whenever due, for as long as it runs (a task of the controller)."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            delay = self.next_due()
            if delay == float("inf"):
                continue
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                if not may_announce():
                    self.discard()
                    continue
                text = self.due()
                if text is not None:
                    post(text)
                elif self._counts:
                    self.wake.set()  # a timer that fired a hair early: look again (counts never wait for a click)
            except Exception:  # a bug here must not end the room's reactions for good
                log.exception("room controller: announcing reactions failed")
                self.discard()
