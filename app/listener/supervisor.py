"""Listening to a room, and staying in it: join feed N, notice failure fast, reconnect with failover.

Data path: Janus Streaming offer → aiortc answer (recvonly) → RTP tap → CushionPlayout (app.listener.feed).

The supervisor notices a failure as soon as it can tell: the WebSocket closing (at once), a keepalive without
its ack, Janus `timeout`/`hangup`/`detached`, and a media watchdog — no RTP for 2 s while the room is live,
because a dead server looks alive to aiortc for ~29 s. It then rebuilds everything (socket → session → handle →
new PeerConnection) on the servers of the link in the order `ServerRotation` gives, while the cushion keeps
playing. It never gives up while the room may be live; it stops on an authoritative end (the feed of a one-server
room says it stopped, every server says the room does not exist, or the channel says the room ended) or when the
user leaves. On a room of several servers one edge's feed stopping (its mountpoint destroyed or reconfigured) is
that edge's trouble: its listeners fail over like from a dead edge, and the end is the controller's to announce.
Every connection it opens is owned by its FeedPool (app.listener.feed_pool), so leaving is total in every phase.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from app.aio import CloseOnce
from app.events import Event
from app.links import RoomLink
from app.listener.failover import ServerRotation
from app.listener.feed import FeedConnection, FeedEnd
from app.listener.feed_pool import NOT_FOUND_GRACE_S, Attempt, FeedPool, RoomGoneJudge
from app.listener.stats import ReconnectRecord
from app.listener.status import ReconnectInfo, RoomStatus, StatusModel
from app.media.cushion import CushionPlayout
from app.room.errors import RoomError, RoomNotFound, ServerUnreachable

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "FeedSupervisor"]

log = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 8.0
MEDIA_WATCHDOG_S = 2.0
MEDIA_POLL_S = 0.05  # media time is written by aiortc's receive path with no event to wait on: poll it (cheap)
HISTORY_LIMIT = 50

FeedFactory = Callable[..., FeedConnection]  # (server, room_id, playout, *, ice_servers, before_first_media)


class FeedSupervisor:
    """Joins a room from its link, keeps its status model up to date, and reconnects on failure."""

    def __init__(
        self,
        link: RoomLink,
        playout: CushionPlayout,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        ice_servers: list[str] | None = None,
        feed_factory: FeedFactory = FeedConnection,
        watchdog_s: float = MEDIA_WATCHDOG_S,
        rand: Callable[[], float] = random.random,
        not_found_grace: float = NOT_FOUND_GRACE_S,
        loads: Callable[[], Mapping[str, int]] = dict,
    ) -> None:
        self.link = link
        self.not_found_grace = not_found_grace
        self._loads = loads  # the room's announced listeners per server (§6.1): weigh each rejoin's choice
        self.playout = playout
        self.connect_timeout = connect_timeout
        self.ice_servers = ice_servers
        self.feed_factory = feed_factory
        self.watchdog_s = watchdog_s
        self.status = StatusModel()
        self._rand = rand
        self.rotation = ServerRotation(link.servers, rand=rand)
        self.feed: FeedConnection | None = None
        self.server: str | None = None
        self.history: list[ReconnectRecord] = []
        self.connected: Event[[str]] = Event("feed connected")  # (server): the channel re-joins on that server
        self._supervisor: asyncio.Task[None] | None = None
        self._pool = FeedPool(lambda server: self._open(server), link.room_id)
        self._release = CloseOnce(self._release_all, "feed supervisor release")
        self._heard = False  # the output has played this room's audio at least once
        self._lingering: FeedConnection | None = None  # a quiet old connection kept until a new one plays
        loop = asyncio.get_running_loop()
        playout.first_audio.connect(lambda: self._call_in_loop(loop))

    # ------------------------------------------------------------------ join
    async def join(self) -> None:
        """Try the link's servers in this client's random order (the rotation's); raise RoomError (and set status
        Error) if none plays the room."""
        if self._stopped:
            raise RoomError(f"left room {self.link.room_id}")
        self.status.set(RoomStatus.CONNECTING)
        self.rotation.weigh(self._loads())  # a first join knows none: its order stays the uniform draw
        errors: list[RoomError] = []
        for server in self.rotation.order:
            try:
                feed = await self._pool.attempt(server)
            except RoomError as exc:
                errors.append(exc)
                if self._stopped or (isinstance(exc, RoomNotFound) and len(self.link.servers) == 1):
                    break
                continue
            if feed is None:
                break
            self._adopt(feed)
            if self._heard:
                self.status.set(RoomStatus.LIVE, server)
            self._supervisor = asyncio.create_task(self._supervise(), name="feed-supervisor")
            return
        if self._stopped:
            how = "ended" if self.status.current.status == RoomStatus.ENDED else "was left"
            raise RoomError(f"room {self.link.room_id} {how} while joining")
        error = errors[0] if len(errors) == 1 else RoomError("; ".join(str(e) for e in errors))
        self.status.set(RoomStatus.ERROR, str(error))
        raise error

    @property
    def _stopped(self) -> bool:
        return self._pool.stopped

    async def _open(self, server: str) -> FeedConnection:
        feed = self.feed_factory(server, self.link.room_id, self.playout, ice_servers=self.ice_servers,
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
        self.connected.emit(feed.server)

    def _call_in_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        # The first audio is noticed on the output's thread (PortAudio's); the status lives on the loop.
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._on_first_audio)

    def _on_first_audio(self) -> None:
        self._heard = True
        if not self._stopped and self.status.current.status == RoomStatus.CONNECTING and self.server is not None:
            self.status.set(RoomStatus.LIVE, self.server)

    # ------------------------------------------------------------------ supervise
    async def _supervise(self) -> None:
        while not self._stopped and self.feed is not None:
            feed = self.feed
            end = await self._watch(feed)
            if self._stopped:
                return
            if end.room_ended and len(self.rotation.servers) == 1:
                self._pool.retire(feed)
                self.feed = None
                self.status.set(RoomStatus.ENDED, end.reason)
                return
            reason = f"{feed.server} stopped the feed" if end.room_ended else end.reason
            log.warning("lost room %s on %s: %s", self.link.room_id, feed.server, reason)
            await self._reconnect(feed, reason, stopped=end.room_ended)

    async def _watch(self, feed: FeedConnection) -> FeedEnd:
        """Wait for `feed` to end; end it when its media stopped (the stage mix is continuous while live)."""
        step = min(0.25, self.watchdog_s / 4)
        while not feed.ended.done():
            # Wake when the watchdog could first fire (the newest packet + watchdog_s), not every `step`: while
            # audio flows that is once per ~2 s instead of 4 times a second (py-spy: 0.4 % of the window's CPU
            # in this loop; each asyncio.wait is a future, callbacks and a timer, which qasync turns into Qt
            # timers). A silence is still noticed between watchdog_s and watchdog_s + step after the last packet.
            await asyncio.wait([feed.ended], timeout=max(step, self.watchdog_s - feed.media_quiet_for))
            if not feed.ended.done() and feed.media_quiet_for > self.watchdog_s:
                feed.end(f"no audio from {feed.server} for {self.watchdog_s:g} s")
        return feed.ended.result()

    async def _reconnect(self, lost: FeedConnection, reason: str, *, stopped: bool = False) -> None:
        # Make-before-break: a connection that only went quiet (its session is fine: a network blackout, a stalled
        # source) stays open and keeps feeding the playout until a new connection's first packet arrives — and if
        # its media comes back first, it simply carries on. A connection whose session died is closed at once, and
        # so is a feed the server `stopped`: nothing comes back on it, and its last packets, still fresh, must not
        # make it look revived.
        keep_old = lost.session is not None and not lost.session.is_lost and not stopped
        if keep_old:
            self._lingering = lost
        else:
            self._pool.retire(lost)
        record = ReconnectRecord(lost_at=time.time(), reason=reason, server=lost.server)
        self._record(record)
        self.rotation.start_outage(lost.server, self._loads())
        gone = RoomGoneJudge(self.rotation.servers, self.not_found_grace)
        tries = 0
        loop = asyncio.get_running_loop()
        while not self._stopped:
            server, at = self.rotation.next()
            tries += 1
            now = time.monotonic()
            if at > now:
                self.status.set(RoomStatus.RECONNECTING, reason, ReconnectInfo(tries, at, server, reason))
            if await self._old_returns(lost, until=loop.time() + max(0.0, at - now)):
                self._take_back(lost, record)
                return
            self.status.set(RoomStatus.RECONNECTING, reason, ReconnectInfo(tries, None, server, reason))
            record = replace(record, attempts=tries)
            self._record(record)
            started = loop.time()
            attempt = self._pool.start(server)
            try:
                old_back = await self._old_returns(lost, attempt=attempt)
            except asyncio.CancelledError:
                self._pool.abandon(attempt)
                raise
            if old_back:
                self._pool.abandon(attempt)
                self._take_back(lost, record)
                return
            try:
                feed = self._pool.take(attempt)
            except Exception as exc:  # RoomError, or anything unexpected from the stack: never give up on the room
                delay = self.rotation.failed(server)
                # a RoomError is the network or the server; anything else is a bug of ours: keep its traceback
                log.log(logging.INFO if isinstance(exc, RoomError) else logging.WARNING,
                        "reconnect attempt %d to %s failed after %.2f s: %s; %s due again in %.2f s",
                        tries, server, loop.time() - started, exc, server, delay,
                        exc_info=None if isinstance(exc, RoomError) else exc)
                if gone.failed(server, exc):
                    self._retire_lingering()
                    self.feed = None
                    self.status.set(RoomStatus.ENDED, f"room {self.link.room_id} no longer exists")
                    return
                continue
            if feed is None:
                return
            self._retire_lingering()
            self._adopt(feed)
            self._record(replace(record, recovered_at=time.time(), recovered_server=server))
            log.info("room %s back on %s after %d attempt(s)", self.link.room_id, server, tries)
            self.status.set(RoomStatus.LIVE, server)
            return

    # ------------------------------------------------------------------ move
    async def move_to(self, link: RoomLink) -> None:
        """The room went on at `link` (its controller said so, §3.8): make-before-break onto the new room. The
        connection that plays now keeps feeding the playout until the new room's first packet (which stops it,
        and the cushion splices the new stream on); the new room is tried on its servers until one plays it.
        Returns once it plays (or the listener left); the status stays live throughout."""
        if self._stopped:
            return
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            await asyncio.wait([supervisor])
        old = self.feed
        if old is not None and old is not self._lingering:
            self._retire_lingering()  # an old room's reconnect in flight: the connection that plays wins
            self._lingering = old
        self.feed = None
        self.link = link
        self.rotation = ServerRotation(link.servers, rand=self._rand)
        self._pool.room_id = link.room_id
        gone = RoomGoneJudge(self.rotation.servers, self.not_found_grace)
        tries = 0
        while not self._stopped:
            server, at = self.rotation.next()
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            tries += 1
            try:
                feed = await self._pool.attempt(server)
            except Exception as exc:  # RoomError, or a bug in the stack: keep trying, the old room still plays
                delay = self.rotation.failed(server)
                log.info("moving to room %s: attempt %d on %s failed: %s; due again in %.2f s", link.room_id,
                         tries, server, exc, delay)
                if gone.failed(server, exc):  # a forward to a room no server has: end, not wait forever
                    self._retire_lingering()
                    self.status.set(RoomStatus.ENDED, f"the room moved to room {link.room_id}, which does not exist")
                    return
                continue
            if feed is None:
                return
            self._retire_lingering()
            self._adopt(feed)
            log.info("moved to room %s on %s after %d attempt(s)", link.room_id, server, tries)
            self.status.set(RoomStatus.LIVE, server)
            self._supervisor = asyncio.create_task(self._supervise(), name="feed-supervisor")
            return

    async def _old_returns(self, lost: FeedConnection, *, until: float | None = None,
                           attempt: Attempt | None = None) -> bool:
        """Wait until loop time `until`, or until `attempt` is done (it wins a tie); return True instead when
        the lingering old connection's media flows again first and it could be taken back. Always yields."""
        loop = asyncio.get_running_loop()
        watching = self._lingering is lost
        yielded = False
        while True:
            if attempt is not None and attempt.done():
                return False
            if watching and lost.media_quiet_for <= 0.2 and lost.session is not None and not lost.session.is_lost:
                if lost.revive():
                    return True
                watching = False
            remaining = None if until is None else until - loop.time()
            if remaining is not None and remaining <= 0 and yielded:
                return False
            step = remaining
            if watching:
                step = MEDIA_POLL_S if step is None else min(step, MEDIA_POLL_S)
            step = None if step is None else max(0.0, step)
            if attempt is not None:
                await asyncio.wait([attempt], timeout=step)
            else:
                await asyncio.sleep(step or 0.0)
            yielded = True

    def _take_back(self, lost: FeedConnection, record: ReconnectRecord) -> None:
        self._lingering = None
        self.feed, self.server = lost, lost.server
        self.rotation.succeeded(lost.server)
        self._record(replace(record, recovered_at=time.time(), recovered_server=lost.server))
        log.info("room %s: media from %s came back; keeping that connection", self.link.room_id, lost.server)
        self.status.set(RoomStatus.LIVE, lost.server)

    def _record(self, record: ReconnectRecord) -> None:
        if self.history and self.history[-1].lost_at == record.lost_at and self.history[-1].reason == record.reason:
            self.history[-1] = record
        else:
            self.history.append(record)
            del self.history[:-HISTORY_LIMIT]

    # ------------------------------------------------------------------ retire and release
    def _stop_lingering_media(self) -> None:
        """A new connection's first packet is here: the old one must stop feeding the playout now."""
        if self._lingering is not None:
            self._lingering.stop_media()

    def _retire_lingering(self) -> None:
        if self._lingering is not None:
            self._pool.retire(self._lingering)
            self._lingering = None

    def end_room(self, detail: str) -> None:
        """An authoritative end from elsewhere (the channel's state says the room ended): release everything
        in the background; close() waits for that release."""
        if self._stopped or self.status.current.status == RoomStatus.ENDED:
            return
        self._stop()
        self.status.set(RoomStatus.ENDED, detail)
        self._release.start()

    async def close(self) -> None:
        """Leave the room; idempotent, and every call waits until everything is released."""
        self._stop()
        await self._release()

    def _stop(self) -> None:
        self._pool.stopped = True
        for feed in (self.feed, self._lingering):
            if feed is not None:
                feed.stop_media()  # silent at once; the release closes it

    async def _release_all(self) -> None:
        supervisor = self._supervisor
        if supervisor is not None:
            supervisor.cancel()
            await asyncio.wait([supervisor])
            if not supervisor.cancelled() and supervisor.exception() is not None:
                log.error("the reconnect supervisor failed", exc_info=supervisor.exception())
        self.feed = self._lingering = None
        await self._pool.release()
        if self.status.current.status in (RoomStatus.CONNECTING, RoomStatus.LIVE, RoomStatus.RECONNECTING):
            self.status.set(RoomStatus.IDLE)
