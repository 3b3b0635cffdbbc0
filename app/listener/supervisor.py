"""Listening to a room, and staying in it: join feed N, notice failure fast, reconnect with failover.

Data path: Janus Streaming offer → aiortc answer (recvonly) → RTP tap → CushionPlayout (app.listener.feed).

The supervisor notices a failure as soon as it can tell: the WebSocket closing (at once), a keepalive without
its ack, Janus `timeout`/`hangup`/`detached`, and a media watchdog — no RTP for 2 s while the room is live,
because a dead server looks alive to aiortc for ~29 s. It then rebuilds everything (socket → session → handle →
new PeerConnection) on the servers of the link in the order `ServerRotation` gives, while the cushion keeps
playing. It never gives up while the room may be live; it stops on an authoritative end (the feed says it
stopped, every server says the room does not exist, or the channel says the room ended) or when the user leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from app.links import RoomLink
from app.listener.failover import ServerRotation
from app.listener.feed import ENDED, FeedConnection, MediaPath, peer_connection
from app.listener.stats import ReconnectRecord
from app.listener.status import ReconnectInfo, RoomStatus, StatusModel
from app.media.cushion import CushionPlayout
from app.media.playout import PlayoutBuffer
from app.room.errors import RoomError, RoomNotFound, ServerUnreachable

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "FeedSupervisor", "peer_connection"]

log = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 8.0
MEDIA_WATCHDOG_S = 2.0
HISTORY_LIMIT = 50

ConnectedCallback = Callable[[str], None]  # (server) — the channel re-joins on the same server


class FeedSupervisor:
    """Joins a room from its link, keeps its status model up to date, and reconnects on failure."""

    def __init__(
        self,
        link: RoomLink,
        playout: CushionPlayout | PlayoutBuffer,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        ice_servers: list[str] | None = None,
        media: MediaPath = "plaza",
        watchdog_s: float = MEDIA_WATCHDOG_S,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.link = link
        self.playout = playout
        self.connect_timeout = connect_timeout
        self.ice_servers = ice_servers
        self.media: MediaPath = media
        self.watchdog_s = watchdog_s
        self.status = StatusModel()
        self.rotation = ServerRotation(link.servers, rand=rand)
        self.feed: FeedConnection | None = None
        self.server: str | None = None
        self.history: list[ReconnectRecord] = []
        self.connected_callbacks: list[ConnectedCallback] = []
        self._supervisor: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False
        self._heard = False  # the output has played this room's audio at least once
        self._lingering: FeedConnection | None = None  # a quiet old connection kept until a new one plays
        loop = asyncio.get_running_loop()
        playout.first_audio_callbacks.append(lambda: self._call_in_loop(loop))

    # ------------------------------------------------------------------ join
    async def join(self) -> None:
        """Try the link's servers in order; raise RoomError (and set status Error) if none plays the room."""
        self.status.set(RoomStatus.CONNECTING)
        errors: list[RoomError] = []
        for server in self.link.servers:
            try:
                feed = await self._open(server)
            except RoomError as exc:
                errors.append(exc)
                if isinstance(exc, RoomNotFound) and len(self.link.servers) == 1:
                    break
                continue
            self._adopt(feed)
            if self._heard:
                self.status.set(RoomStatus.LIVE, server)
            self._supervisor = asyncio.create_task(self._supervise(), name="room-listener-supervisor")
            return
        error = errors[0] if len(errors) == 1 else RoomError("; ".join(str(e) for e in errors))
        self.status.set(RoomStatus.ERROR, str(error))
        raise error

    async def _open(self, server: str) -> FeedConnection:
        feed = FeedConnection(server, self.link.room_id, self.playout, ice_servers=self.ice_servers, media=self.media,
                              before_first_media=self._stop_lingering_media)
        try:
            async with asyncio.timeout(self.connect_timeout):
                await feed.open(self.connect_timeout)
        except TimeoutError:
            await feed.close()
            raise ServerUnreachable(f"{server} did not start the room within {self.connect_timeout:g} s") from None
        except BaseException:
            await feed.close()
            raise
        return feed

    def _adopt(self, feed: FeedConnection) -> None:
        self.feed, self.server = feed, feed.server
        self.rotation.succeeded(feed.server)
        for callback in list(self.connected_callbacks):
            try:
                callback(feed.server)
            except Exception:
                log.exception("error in connected callback")

    def _call_in_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        # The first audio is noticed on the output's thread (PortAudio's); the status lives on the loop.
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._on_first_audio)

    def _on_first_audio(self) -> None:
        self._heard = True
        if self.status.current.status == RoomStatus.CONNECTING and self.server is not None:
            self.status.set(RoomStatus.LIVE, self.server)

    # ------------------------------------------------------------------ supervise
    async def _supervise(self) -> None:
        while not self._closed and self.feed is not None:
            feed = self.feed
            watchdog = asyncio.create_task(self._watchdog(feed), name="media-watchdog")
            try:
                reason = await feed.ended
            finally:
                watchdog.cancel()
            if self._closed:
                return
            if reason == ENDED:
                self._retire(feed)
                self.feed = None
                self.status.set(RoomStatus.ENDED, f"room {self.link.room_id} has ended")
                return
            log.warning("lost room %s on %s: %s", self.link.room_id, feed.server, reason)
            await self._reconnect(feed, reason)

    async def _watchdog(self, feed: FeedConnection) -> None:
        """End a connection whose media stopped: the stage mix is continuous while the room is live."""
        while not feed.ended.done():
            await asyncio.sleep(min(0.25, self.watchdog_s / 4))
            if feed.media_quiet_for > self.watchdog_s:
                feed.end(f"no audio from {feed.server} for {self.watchdog_s:g} s")

    async def _reconnect(self, lost: FeedConnection, reason: str) -> None:
        # Make-before-break: a connection that only went quiet (its session is fine: a network blackout, a stalled
        # source) stays open and keeps feeding the playout until a new connection's first packet arrives — and if
        # its media comes back first, it simply carries on. A connection whose session died is closed at once.
        keep_old = lost.session is not None and not lost.session.is_lost
        if keep_old:
            self._lingering = lost
        else:
            lost.stop_media()
            self._retire(lost)
        record = ReconnectRecord(lost_at=time.time(), reason=reason, server=lost.server)
        self._record(record)
        self.rotation.start_outage(lost.server)
        not_found: set[str] = set()
        attempt = 0
        loop = asyncio.get_running_loop()
        while not self._closed:
            server, at = self.rotation.next()
            attempt += 1
            now = time.monotonic()
            if at > now:
                self.status.set(RoomStatus.RECONNECTING, reason, ReconnectInfo(attempt, at, server, reason))
            # always yields, even when the server is due now
            if await self._unless_old_returns(asyncio.sleep(max(0.0, at - now)), lost, record):
                return
            self.status.set(RoomStatus.RECONNECTING, reason, ReconnectInfo(attempt, None, server, reason))
            record = replace(record, attempts=attempt)
            self._record(record)
            started = loop.time()
            opening = asyncio.ensure_future(self._open(server))
            try:
                if await self._unless_old_returns(opening, lost, record):
                    return
                feed = opening.result()
            except Exception as exc:  # RoomError, or anything unexpected from the stack: never give up on the room
                delay = self.rotation.failed(server)
                log.info("reconnect attempt %d to %s failed after %.2f s: %s; %s due again in %.2f s",
                         attempt, server, loop.time() - started, exc, server, delay)
                if isinstance(exc, RoomNotFound):
                    not_found.add(server)
                    if not_found >= set(self.rotation.servers):
                        self._retire_lingering()
                        self.feed = None
                        self.status.set(RoomStatus.ENDED, f"room {self.link.room_id} no longer exists")
                        return
                else:
                    not_found.discard(server)
                continue
            if self._closed:
                await feed.close()
                return
            self._retire_lingering()
            self._adopt(feed)
            self._record(replace(record, recovered_at=time.time(), recovered_server=server))
            log.info("room %s back on %s after %d attempt(s)", self.link.room_id, server, attempt)
            self.status.set(RoomStatus.LIVE, server)
            return

    async def _unless_old_returns(self, work: Awaitable[Any], lost: FeedConnection, record: ReconnectRecord) -> bool:
        """Await `work`, unless the lingering old connection's media comes back first: then cancel `work`,
        take the old connection back, and return True."""
        task = asyncio.ensure_future(work)
        if self._lingering is not lost:
            await asyncio.wait([task])
            return False
        watch = asyncio.ensure_future(self._media_returns(lost))
        try:
            await asyncio.wait([task, watch], return_when=asyncio.FIRST_COMPLETED)
        finally:
            watch.cancel()
        if task.done() or not watch.done() or watch.cancelled() or not lost.revive():
            if not task.done():
                await asyncio.wait([task])
            return False
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, RoomError):
            await task
        self._lingering = None
        self.feed, self.server = lost, lost.server
        self.rotation.succeeded(lost.server)
        self._record(replace(record, recovered_at=time.time(), recovered_server=lost.server))
        log.info("room %s: media from %s came back; keeping that connection", self.link.room_id, lost.server)
        self.status.set(RoomStatus.LIVE, lost.server)
        return True

    @staticmethod
    async def _media_returns(feed: FeedConnection) -> None:
        # Media time is written by aiortc's receive path; there is no event to wait on, so poll (cheap, 20 Hz).
        while feed.media_quiet_for > 0.2 or feed.session is None or feed.session.is_lost:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    def _record(self, record: ReconnectRecord) -> None:
        if self.history and self.history[-1].lost_at == record.lost_at and self.history[-1].reason == record.reason:
            self.history[-1] = record
        else:
            self.history.append(record)
            del self.history[:-HISTORY_LIMIT]

    def _retire(self, feed: FeedConnection) -> None:
        """Close a connection in the background (its session may take a moment to say goodbye)."""
        task = asyncio.create_task(feed.close(), name=f"close feed {feed.server}")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def _stop_lingering_media(self) -> None:
        """A new connection's first packet is here: the old one must stop feeding the playout now."""
        if self._lingering is not None:
            self._lingering.stop_media()

    def _retire_lingering(self) -> None:
        if self._lingering is not None:
            self._lingering.stop_media()
            self._retire(self._lingering)
            self._lingering = None

    def end_room(self, detail: str) -> None:
        """An authoritative end from elsewhere (the channel's state says the room ended)."""
        if self._closed or self.status.current.status == RoomStatus.ENDED:
            return
        if self._supervisor is not None:
            self._supervisor.cancel()
        self._retire_lingering()
        if self.feed is not None:
            self._retire(self.feed)
            self.feed = None
        self.status.set(RoomStatus.ENDED, detail)

    async def close(self) -> None:
        """Leave the room; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        if self.feed is not None:
            await self.feed.close()
        self._retire_lingering()
        for task in list(self._closing):
            with contextlib.suppress(Exception):
                await task
        if self.status.current.status in (RoomStatus.CONNECTING, RoomStatus.LIVE, RoomStatus.RECONNECTING):
            self.status.set(RoomStatus.IDLE)
