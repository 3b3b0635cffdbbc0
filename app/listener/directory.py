"""The live room directory: the lobby channels of one or more servers, read into a plain model of rooms.

A browser joins each server's lobby (a TextRoom room, `LOBBY_ROOM_ID`) and takes summaries only from TextRoom
`announcement` events, which only holders of the lobby secret — room controllers — can send; a participant's
broadcast or whisper with the same text is ignored, as on channel N. Each summary is parsed strictly
(app.room.lobby_protocol); a bad one is dropped with a throttled log line. A room not announced for `timeout`
(15 s, three missed periods) drops out, an `ended` one at once. The join link is derived: the lobby's own server
first (the browser reached it), then the room's other servers from the summary, and the stage server (`stage=`)
when the summary names one. Spec: docs/room-protocol.md §11.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from app.aio import CloseOnce, cancel_and_wait
from app.events import Event
from app.janus import JanusError, JanusSession
from app.janus.textroom import NO_SUCH_ROOM, TextRoomHandle
from app.links import MAX_SERVERS, RoomLink
from app.listener.channel import listener_username
from app.room.backoff import Backoff
from app.room.lobby_protocol import (
    LOBBY_ROOM_ID,
    LOBBY_TIMEOUT,
    MAX_LOBBY_ROOMS,
    ProtocolViolation,
    RoomSummary,
    parse_summary,
)
from app.room.log_throttle import LogThrottle

log = logging.getLogger(__name__)

REPORT_INTERVAL = 30.0  # one log line per server per this long for dropped lobby messages
EXPIRE_EVERY = 1.0  # how often silent rooms are looked for


@dataclass(frozen=True, slots=True)
class ListedRoom:
    """One room as the directory shows it."""

    server: str  # the lobby it was announced on
    summary: RoomSummary
    heard_at: float  # clock() of its last announcement

    @property
    def link(self) -> RoomLink:
        """The room's full link: the lobby's server first, its other servers, and `stage=` when the stage is
        elsewhere (a cascade's origin: speakers go there, listeners never do)."""
        servers = (self.server, *(s for s in self.summary.servers if s != self.server))
        stage = self.summary.stage if self.summary.stage != self.server else ""
        return RoomLink(self.summary.room, servers[:MAX_SERVERS], self.summary.title, stage)

    def live_for(self, now_wall: float) -> float:
        """Seconds since the room started (0 for a start time in the future: clocks differ)."""
        return max(0.0, now_wall - self.summary.started)


class RoomDirectory:
    """The rooms heard in the lobbies, keyed by (server, room); `changed` fires after every visible change."""

    def __init__(self, *, timeout: float = LOBBY_TIMEOUT, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self._clock = clock
        self._rooms: dict[tuple[str, int], ListedRoom] = {}
        self.changed: Event[[]] = Event("room directory changed")

    def apply(self, server: str, summary: RoomSummary) -> None:
        key = (server, summary.room)
        if summary.ended:
            if self._rooms.pop(key, None) is not None:
                self.changed.emit()
            return
        old = self._rooms.get(key)
        if old is None and sum(1 for s, _ in self._rooms if s == server) >= MAX_LOBBY_ROOMS:
            return  # a bound on memory, whoever announces
        self._rooms[key] = ListedRoom(server, summary, self._clock())
        if old is None or old.summary != summary:
            self.changed.emit()

    def expire(self) -> None:
        """Drop the rooms whose controller stopped announcing."""
        now = self._clock()
        silent = [key for key, room in self._rooms.items() if now - room.heard_at >= self.timeout]
        for key in silent:
            del self._rooms[key]
        if silent:
            self.changed.emit()

    def rooms(self) -> list[ListedRoom]:
        """Busiest first (an unknown count last), then by title."""
        return sorted(self._rooms.values(), key=lambda r: (-(r.summary.listeners if r.summary.listeners is not None
                                                               else -1), r.summary.title.casefold(), r.summary.room))

    def __len__(self) -> int:
        return len(self._rooms)


class LobbyChannel:
    """The lobby of one server, feeding a RoomDirectory (only announcements count)."""

    def __init__(self, server: str, directory: RoomDirectory, *, ice_servers: list[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.server = server
        self.directory = directory
        self.ice_servers = ice_servers
        self.username = listener_username()
        self.session: JanusSession | None = None
        self.textroom: TextRoomHandle | None = None
        self.dropped = 0  # messages ignored or refused (tests, diagnostics)
        self._rejections = LogThrottle(log, REPORT_INTERVAL, clock=clock)

    async def open(self, timeout: float = 5.0) -> asyncio.Future[str]:
        """Join the lobby; the future completes with the reason when it is lost. Raises JanusError, TimeoutError."""
        async with asyncio.timeout(timeout):
            session = self.session = await JanusSession.connect(self.server, connect_timeout=timeout)
            textroom = self.textroom = await TextRoomHandle.attach(session, ice_servers=self.ice_servers)
            await textroom.setup(timeout=timeout)
            textroom.events.connect(self.handle_event)
            await textroom.join(LOBBY_ROOM_ID, self.username)
        return textroom.lost

    def handle_event(self, event: dict[str, Any]) -> None:
        """One TextRoom event of the lobby: an announcement carries a summary; anything else is not ours to read."""
        kind = event.get("textroom")
        if kind != "announcement":
            if kind == "message":  # a participant's text (chat, or a forged summary): never state
                self.dropped += 1
            return
        try:
            summary = parse_summary(event.get("text"))
        except ProtocolViolation as exc:
            self.dropped += 1
            self._rejections.log(logging.WARNING, "bad", "lobby on %s: dropped an announcement: %s", self.server,
                                 str(exc)[:200])
            return
        self.directory.apply(self.server, summary)

    async def close(self) -> None:
        textroom, session = self.textroom, self.session
        self.textroom = self.session = None
        if textroom is not None:
            await textroom.close()
        if session is not None:
            with contextlib.suppress(JanusError):
                await session.close()


class DirectoryBrowser:
    """Keeps the lobby of every server open (reconnecting with backoff) and the directory's timeouts running."""

    def __init__(self, servers: Iterable[str], directory: RoomDirectory | None = None, *,
                 ice_servers: list[str] | None = None, open_timeout: float = 5.0) -> None:
        self.servers = list(dict.fromkeys(servers))
        self.directory = directory if directory is not None else RoomDirectory()
        self.ice_servers = ice_servers
        self.open_timeout = open_timeout
        self.joined: set[str] = set()  # servers whose lobby is open now
        self.problems: dict[str, str] = {}  # server -> why its lobby is not open (the last failure)
        self.attempted = asyncio.Event()  # every server's lobby was tried at least once
        self._tried: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._closer = CloseOnce(self._teardown, "close room directory")

    def start(self) -> None:
        if self._tasks:
            return
        self._tasks = [asyncio.create_task(self._keep(s), name=f"lobby {s}") for s in self.servers]
        self._tasks.append(asyncio.create_task(self._expire(), name="lobby timeouts"))
        if not self.servers:
            self.attempted.set()

    def _tried_once(self, server: str) -> None:
        self._tried.add(server)
        if self._tried >= set(self.servers):
            self.attempted.set()

    async def _keep(self, server: str) -> None:
        backoff = Backoff(cap=30.0)
        while True:
            channel = LobbyChannel(server, self.directory, ice_servers=self.ice_servers)
            try:
                lost = await channel.open(self.open_timeout)
            except asyncio.CancelledError:
                await channel.close()
                raise
            except Exception as exc:  # unreachable, no lobby there yet, a bad answer: retried
                await channel.close()
                no_lobby = getattr(exc, "code", None) == NO_SUCH_ROOM
                self.problems[server] = "no lobby on this server yet" if no_lobby else \
                    (str(exc) or type(exc).__name__)
                self._tried_once(server)
                await asyncio.sleep(backoff.next_delay())
                continue
            self.problems.pop(server, None)
            self.joined.add(server)
            self._tried_once(server)
            backoff.reset()
            try:
                reason = await lost
                log.info("lobby on %s lost: %s", server, reason)
                self.problems[server] = reason
            finally:
                self.joined.discard(server)
                await channel.close()
            # Its rooms stay listed until their timeout: a lobby that comes back within it shows no gap.
            await asyncio.sleep(backoff.next_delay())

    async def _expire(self) -> None:
        while True:
            await asyncio.sleep(EXPIRE_EVERY)
            self.directory.expire()

    async def close(self) -> None:
        await self._closer()

    async def _teardown(self) -> None:
        await cancel_and_wait(self._tasks)
