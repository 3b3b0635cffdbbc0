"""The controller's voice in each server's lobby: a short summary of its room, for listeners browsing live rooms.

Why a lobby channel and not polling: a browser joins one TextRoom room (the lobby, `LOBBY_ROOM_ID`) per server and
hears every room there, however many browsers there are; the server lists nothing per request. The controller
announces its room's summary (title, hosts, listener count, since when, the room's other servers and stage) with
the lobby's secret every `LOBBY_PERIOD` (5 s), and sooner — coalesced to one per `LOBBY_MIN_INTERVAL` (1 s) — when
the title, the hosts or the end changed, or a browser joined (so a new browser sees every room within about a
second instead of a period). It stands by while its controller does (`summary` returns None): one voice per room.

The lobby's secret is per server, not per room: every controller on a server announces with it. It comes from the
OS keyring (app.controller.secret_store, `server@HOST:PORT/lobby`) or, for a local room, from Janus's generated
config. A lobby that does not exist yet is made (not permanent: after a Janus restart the first controller to
reconnect makes it again). One that exists with another secret refuses our announcements (TextRoom 419): logged
once per server, with what to do, and retried each period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from app.aio import CloseOnce, cancel_and_wait
from app.janus import JanusError, JanusSession, PluginError
from app.janus.textroom import UNAUTHORIZED, TextRoomHandle
from app.room.backoff import Backoff
from app.room.lobby_protocol import (
    LOBBY_MIN_INTERVAL,
    LOBBY_PERIOD,
    LOBBY_ROOM_ID,
    MAX_HOSTS,
    ProtocolViolation,
    RoomSummary,
    encode_summary,
)
from app.room.log_throttle import LogThrottle
from app.room.protocol import ListenerCount, Role, StageMember

log = logging.getLogger(__name__)

ROOM_EXISTS = 486  # TextRoom "room already exists": another controller made the lobby first


class LobbyVoice:
    """Announces one room's summary on the lobby of one server, with that server's lobby secret."""

    def __init__(self, server: str, secret: str, summary: Callable[[str], RoomSummary | None], *,
                 admin_key: str | None = None, ice_servers: list[str] | None = None,
                 period: float = LOBBY_PERIOD, min_interval: float = LOBBY_MIN_INTERVAL,
                 clock: Callable[[], float] = time.monotonic, connect_timeout: float = 5.0) -> None:
        self.server = server
        self._secret = secret
        self._summary = summary
        self._admin_key = admin_key
        self.ice_servers = ice_servers
        self.period = period
        self.min_interval = min_interval
        self._clock = clock
        self.connect_timeout = connect_timeout
        self.wake = asyncio.Event()  # a browser joined: announce soon
        self.sent = 0  # announcements Janus took (tests, diagnostics)
        self._last: RoomSummary | None = None  # what we last announced (its title/hosts/end, to spot a change)
        self._sent_at = float("-inf")
        self._refusals = LogThrottle(log, 300.0, clock=clock)

    def __repr__(self) -> str:  # the secret stays out of logs
        return f"LobbyVoice({self.server!r})"

    def due(self, summary: RoomSummary | None, now: float) -> bool:
        """Whether to announce `summary` now: each period, or on news once `min_interval` has passed since the last."""
        if summary is None or (summary.ended and self._last is not None and self._last.ended):
            return False  # standing by; or the end is told (browsers drop it; joiners never see it again)
        if now - self._sent_at >= self.period:
            return True
        last = self._last
        news = self.wake.is_set() or last is None or (summary.title, summary.hosts, summary.ended) != \
            (last.title, last.hosts, last.ended)
        return news and now - self._sent_at >= self.min_interval

    async def run(self) -> None:
        """Connect, make the lobby if needed, announce; reconnect with backoff when the server is lost."""
        backoff = Backoff(cap=30.0)
        while True:
            session: JanusSession | None = None
            textroom: TextRoomHandle | None = None
            try:
                session = await JanusSession.connect(self.server, connect_timeout=self.connect_timeout)
                textroom = await TextRoomHandle.attach(session, ice_servers=self.ice_servers)
                await self._ensure_lobby(textroom)
                await self._listen(textroom)
                backoff.reset()
                await self._announce_until_lost(textroom, session)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: this server's lobby is retried, the room goes on
                log.info("lobby on %s: %s", self.server, exc or type(exc).__name__)
            finally:
                if textroom is not None:
                    await textroom.close()
                if session is not None:
                    with contextlib.suppress(JanusError):
                        await session.close()
            await asyncio.sleep(backoff.next_delay())

    async def _ensure_lobby(self, textroom: TextRoomHandle) -> None:
        if await textroom.exists(LOBBY_ROOM_ID):
            return
        body: dict[str, Any] = {"request": "create", "room": LOBBY_ROOM_ID, "description": "Plaza lobby",
                                "secret": self._secret, "is_private": False, "permanent": False, "history": 0}
        if self._admin_key:
            body["admin_key"] = self._admin_key
        try:
            await textroom.handle.message(body)
            log.info("lobby on %s: made the lobby channel", self.server)
        except PluginError as exc:
            if exc.code != ROOM_EXISTS:
                raise

    async def _listen(self, textroom: TextRoomHandle) -> None:
        """Join the lobby's data channel: a browser's join is our cue to announce soon."""
        await textroom.setup(timeout=self.connect_timeout)
        textroom.events.connect(self._on_event)
        await textroom.join(LOBBY_ROOM_ID, f"lobby-{secrets.token_hex(5)}")

    def _on_event(self, event: dict[str, Any]) -> None:
        # A browser joined: announce soon. Another room's controller joining (its `lobby-` name) is no browser:
        # waking on those too would multiply every room's announcements by the controllers' churn.
        username = event.get("username")
        if event.get("textroom") == "join" and not (isinstance(username, str) and username.startswith("lobby-")):
            self.wake.set()

    async def _announce_until_lost(self, textroom: TextRoomHandle, session: JanusSession) -> None:
        self._sent_at = float("-inf")  # announce at once after (re)connecting: browsers may have joined meanwhile
        while not textroom.lost.done() and not session.lost.done():
            now = self._clock()
            summary = self._summary(self.server)
            if self.due(summary, now):
                assert summary is not None
                self.wake.clear()
                await self._announce(textroom, summary)
                self._last, self._sent_at = summary, now
            # Looked at every `min_interval`: the summary is cheap to build, and news waits at most that long.
            lost: list[asyncio.Future[Any]] = [textroom.lost, session.lost]
            await asyncio.wait(lost, timeout=min(self.min_interval, self.period), return_when=asyncio.FIRST_COMPLETED)
        reason = textroom.lost.result() if textroom.lost.done() else "session lost"
        raise ConnectionError(f"lost the lobby channel: {reason}")

    async def _announce(self, textroom: TextRoomHandle, summary: RoomSummary) -> None:
        try:
            text = encode_summary(summary)
        except ProtocolViolation as exc:
            log.warning("lobby on %s: cannot announce room %s: %s", self.server, summary.room, exc)
            return
        try:
            await textroom.announcement(LOBBY_ROOM_ID, self._secret, text, timeout=5.0)
        except PluginError as exc:
            if exc.code != UNAUTHORIZED:
                raise
            self._refusals.log(logging.WARNING, "refused",
                               "lobby on %s: the lobby refused our secret (another controller made it with "
                               "another one); give every controller on this server the same lobby secret "
                               "(see app/controller/secret_store.py)", self.server)
            return
        self.sent += 1


class Lobby:
    """A room's voices in the lobbies of its servers (those with a lobby secret); driven by the controller."""

    def __init__(self, secrets_by_server: dict[str, str], summary: Callable[[str], RoomSummary | None], *,
                 admin_key: str | None = None, ice_servers: list[str] | None = None,
                 period: float = LOBBY_PERIOD, min_interval: float = LOBBY_MIN_INTERVAL) -> None:
        self.voices = [LobbyVoice(server, secret, summary, admin_key=admin_key, ice_servers=ice_servers,
                                  period=period, min_interval=min_interval)
                       for server, secret in secrets_by_server.items()]
        self._tasks: list[asyncio.Task[None]] = []
        self._closer = CloseOnce(self._teardown, "close lobby voices")

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [asyncio.create_task(v.run(), name=f"lobby {v.server}") for v in self.voices]

    async def close(self) -> None:
        await self._closer()

    async def _teardown(self) -> None:
        await cancel_and_wait(self._tasks)


def room_summary(room_id: int, title: str, members: Iterable[StageMember], listeners: ListenerCount | None,
                 started: float, servers: Iterable[str], server: str, ended: bool,
                 stage_server: str | None = None) -> RoomSummary:
    """The summary announced on `server`'s lobby: the hosts in stage order, the room's other servers (a browser
    joins on the lobby's server first), and the stage's server when it is not this one (a cascade's origin, or the
    first server of a room announced on another: the stage of a link is its first server unless it says stage=)."""
    hosts = tuple(m.name for m in members if m.role in (Role.HOST, Role.CO_HOST))[:MAX_HOSTS]
    return RoomSummary(room=room_id, title=title, hosts=hosts,
                       listeners=None if listeners is None else listeners.count, started=started,
                       servers=tuple(s for s in servers if s != server), ended=ended,
                       stage=stage_server if stage_server and stage_server != server else "")
