"""Every feed connection a listener opens, from its attempt to its close, so that leaving is total in every phase.

Every open attempt runs as a task in `attempts`, every connection an attempt returned is in `feeds` until it is
retired, and every close runs in `closing`. `release()` cancels the attempts, waits for them, then closes every
connection still held — whichever way a cancel and an attempt's success interleaved, nothing built is left open.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from app.listener.feed import FeedConnection
from app.room.errors import RoomError, RoomNotFound

__all__ = ["NOT_FOUND_GRACE_S", "Attempt", "FeedPool", "RoomGoneJudge"]

log = logging.getLogger(__name__)

Attempt = asyncio.Task[FeedConnection]

# "No such room" from every server ends the room only after this long: a restarted Janus has forgotten a room made
# through its API until the room's controller makes it again (app.controller.room_maker, ~1 s after Janus is back).
# A room really ended says so at once (the feed's "stopped", the controller's `ended`).
NOT_FOUND_GRACE_S = 15.0


def cancel_once(task: asyncio.Task[object]) -> None:
    """Cancel unless a cancel is already pending: a second one would interrupt the task's own clean-up."""
    if not task.done() and task.cancelling() == 0:
        task.cancel()


class RoomGoneJudge:
    """Decides when a room that every server calls unknown is gone — the one place for that rule (a reconnect
    and a move both use it)."""

    def __init__(self, servers: list[str], grace: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._servers = set(servers)
        self._grace = grace
        self._clock = clock
        self._not_found: set[str] = set()
        self._since: float | None = None  # when every server first said "no such room"

    def failed(self, server: str, exc: BaseException) -> bool:
        """Note a failed attempt on `server`; True once every server has said "no such room" for `grace` s
        without any of them answering otherwise in between."""
        if not isinstance(exc, RoomNotFound):
            self._not_found.discard(server)
            self._since = None
            return False
        self._not_found.add(server)
        if self._not_found >= self._servers:
            self._since = self._clock() if self._since is None else self._since
        return self._since is not None and self._clock() - self._since >= self._grace


class FeedPool:
    """Owns a listener's open attempts and connections; `open_feed(server)` builds and opens one connection."""

    def __init__(self, open_feed: Callable[[str], Awaitable[FeedConnection]], room_id: int) -> None:
        self._open_feed = open_feed
        self.room_id = room_id
        self.attempts: set[Attempt] = set()  # open attempts in flight
        self.feeds: set[FeedConnection] = set()  # every connection an attempt returned, until it is retired
        self.closing: set[asyncio.Task[None]] = set()
        self.stopped = False  # left or ended: nothing new starts, nothing finished is adopted

    async def attempt(self, server: str) -> FeedConnection | None:
        """One attempt, owned by the pool; cancelling the caller cancels it and closes what it built. None once
        the listener stopped (release closes what it built)."""
        attempt = self.start(server)
        try:
            await asyncio.wait([attempt])
        except asyncio.CancelledError:
            self.abandon(attempt)
            raise
        return self.take(attempt)

    def start(self, server: str) -> Attempt:
        if self.stopped:
            raise RoomError(f"left room {self.room_id}")
        attempt = asyncio.create_task(self._run(server), name=f"open feed {server}")
        self.attempts.add(attempt)
        attempt.add_done_callback(self._attempt_done)
        return attempt

    async def _run(self, server: str) -> FeedConnection:
        feed = await self._open_feed(server)
        self.feeds.add(feed)  # in the same step as the open returns: no cancel can fall between
        return feed

    def _attempt_done(self, attempt: Attempt) -> None:
        self.attempts.discard(attempt)
        if not attempt.cancelled():
            attempt.exception()  # retrieved here; whoever takes the attempt still gets it raised

    def take(self, attempt: Attempt) -> FeedConnection | None:
        """The finished attempt's connection, to adopt; None once the listener stopped (release closes it)."""
        if self.stopped or attempt.cancelled():
            return None
        return attempt.result()

    def abandon(self, attempt: Attempt) -> None:
        """Cancel an attempt nobody will adopt; a connection it still returns is closed."""
        cancel_once(attempt)
        attempt.add_done_callback(self._retire_result)

    def _retire_result(self, attempt: Attempt) -> None:
        if not attempt.cancelled() and attempt.exception() is None:
            self.retire(attempt.result())

    def retire(self, feed: FeedConnection) -> None:
        """Stop `feed` feeding the playout now and close it in the background (release waits for that)."""
        feed.stop_media()
        if feed not in self.feeds:
            return  # already retired
        self.feeds.discard(feed)
        task = asyncio.create_task(feed.close(), name=f"close feed {feed.server}")
        self.closing.add(task)
        task.add_done_callback(self._closed_one)

    def _closed_one(self, task: asyncio.Task[None]) -> None:
        self.closing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("closing a feed connection failed", exc_info=task.exception())

    async def release(self) -> None:
        """Cancel every attempt, wait for them, close every connection still held and wait for every close."""
        self.stopped = True
        attempts = list(self.attempts)
        for attempt in attempts:
            cancel_once(attempt)
        if attempts:
            await asyncio.wait(attempts)
        for feed in list(self.feeds):
            self.retire(feed)
        while self.closing:
            await asyncio.wait(set(self.closing))
