"""The controller's connection to one server of its room: channel N joined, feed N counted, stage N polled.

One per server, each with its own Janus session, so a lost server costs only its own part: the controller keeps
announcing on the others while this one reconnects (app.controller.controller drives that with a Backoff).
A cascade's origin (docs/deployment.md) carries no feed: its link has `feed=False` and counts no viewers.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from app.aio import cancel_and_wait
from app.controller.edge_forwards import EdgeForward, ensure_forwards
from app.janus import JanusError, JanusSession, PluginError, RequestTimeout
from app.janus.audiobridge import AudioBridgeHandle
from app.janus.streaming import StreamingHandle
from app.janus.textroom import TextRoomHandle
from app.room.log_throttle import LogThrottle
from app.room.stage_protocol import StagePass

log = logging.getLogger(__name__)

FAILURE_LOG_INTERVAL = 60.0

# How often the stage room's `record` flag is read besides (re)connects and our own starts and stops: a recording
# may end on the server's side (app.controller.recording), and AudioBridge sends no event when it does.
RECORDING_CHECK_INTERVAL = 10.0

# Announcements queued for a slow server beyond this are dropped, oldest first: its listeners see a sequence gap
# and ask for a snapshot, which is cheaper than replaying a backlog.
MAX_OUTBOX = 32

# An answer is whispered to at most this many usernames per TextRoom request: the request (the text of up to
# 16 KB plus the list) stays a modest data-channel message.
TOS_PER_REQUEST = 100


@dataclass(frozen=True)
class Answer:
    """Texts to whisper, in order, to each of `usernames` (a snapshot answering joins and syncs)."""

    texts: list[str]
    usernames: list[str]


@dataclass(frozen=True, repr=False)
class ControllerSecrets:
    """The room's secrets: stage (AudioBridge room), feed (Streaming mountpoint), channel (TextRoom room)."""

    stage: str = field(repr=False)
    feed: str = field(repr=False)
    channel: str = field(repr=False)

    def __repr__(self) -> str:  # never print secrets, not even in a traceback
        return "ControllerSecrets(***)"


class ControllerLink:
    """Session, channel handle (setup + joined), streaming handle and, on the stage server, an AudioBridge handle."""

    def __init__(self, url: str, room_id: int, secrets: ControllerSecrets, username: str, *, stage: bool,
                 on_event: Callable[[ControllerLink, dict[str, Any]], None],
                 on_stage: Callable[[list[dict[str, Any]], float], None], on_viewers: Callable[[], None],
                 on_stage_connect: Callable[[ControllerLink], Awaitable[None]] | None = None,
                 on_stage_readings: Callable[[list[tuple[str, bool]], float], None] | None = None,
                 on_recording: Callable[[bool], None] | None = None,
                 ice_servers: list[str] | None = None, display: str = "Room controller",
                 connect_timeout: float = 5.0, request_timeout: float = 2.0,
                 stage_poll_interval: float = 0.25, viewers_poll_interval: float = 1.0,
                 feed: bool = True) -> None:
        self.url = url
        self.has_feed = feed
        self.room_id = room_id
        self._secrets = secrets
        # a failing poll is worth one line when it starts and one a minute while it lasts, not four a second
        self._failures = LogThrottle(log, FAILURE_LOG_INTERVAL)
        self.username = username
        self.display = display
        self.is_stage = stage
        self.ice_servers = ice_servers
        self._on_event = on_event
        self._on_stage = on_stage
        self._on_viewers = on_viewers
        self._on_stage_connect = on_stage_connect
        self._on_stage_readings = on_stage_readings
        self._on_recording = on_recording
        self.connect_timeout = connect_timeout
        self.request_timeout = request_timeout
        self.stage_poll_interval = stage_poll_interval
        self.viewers_poll_interval = viewers_poll_interval
        self.session: JanusSession | None = None
        self.textroom: TextRoomHandle | None = None
        self.streaming: StreamingHandle | None = None
        self.stage: AudioBridgeHandle | None = None
        self.participants: dict[str, str] = {}  # channel username -> display name
        self.viewers: int | None = None
        self.viewers_at = 0.0  # unix time of the viewers measurement
        self.connected = False
        self._outbox: collections.deque[str | Answer] = collections.deque()  # in order: answers follow the seq
        self._outbox_ready = asyncio.Event()
        self._poll_stage_now = asyncio.Event()
        self._recording_generation = 0  # bumped around each enable_recording: older readings are out of date
        self._next_recording_check = 0.0  # monotonic

    # ------------------------------------------------------------------------------------------ lifecycle
    async def connect(self) -> None:
        """Session, channel joined (with the current participants), feed and stage handles; raises JanusError."""
        async with asyncio.timeout(self.connect_timeout * 2):
            self.session = await JanusSession.connect(self.url, connect_timeout=self.connect_timeout,
                                                      request_timeout=self.request_timeout)
            self.textroom = await TextRoomHandle.attach(self.session, ice_servers=self.ice_servers)
            await self.textroom.setup(timeout=self.connect_timeout)
            self.textroom.events.connect(lambda event: self._on_event(self, event))
            others = await self.textroom.join(self.room_id, self.username, self.display)
            self.participants = {str(p["username"]): str(p.get("display") or "") for p in others
                                 if isinstance(p.get("username"), str)}
            if self.has_feed:
                self.streaming = await StreamingHandle.attach(self.session)
            if self.is_stage:
                self.stage = await AudioBridgeHandle.attach(self.session)
                if self._on_stage_connect is not None:
                    # The stage's access list, before anyone is told the link serves: a restarted Janus has an
                    # open static room again, and the live passes must be back before checking is enabled.
                    await self._on_stage_connect(self)
            # Measure before the first announcement, so it does not show an empty stage or an unknown count.
            await self._poll_viewers()
            if self.stage is not None:
                await self._poll_stage()
                await self.check_recording()  # a restarted Janus brought the room back unrecorded
        self._outbox.clear()
        self.connected = True
        log.info("controller joined channel %s on %s as %s", self.room_id, self.url, self.username)

    async def serve(self) -> str:
        """Poll and send until the server is lost; return why."""
        assert self.session is not None and self.textroom is not None
        tasks = [asyncio.create_task(self._send_loop(), name=f"controller-send {self.url}")]
        if self.streaming is not None:
            tasks.append(asyncio.create_task(self._viewers_loop(), name=f"controller-viewers {self.url}"))
        if self.stage is not None:
            tasks.append(asyncio.create_task(self._stage_loop(), name=f"controller-stage {self.url}"))
        watched: list[asyncio.Future[Any]] = [*tasks, self.session.lost, self.textroom.lost]
        try:
            done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await cancel_and_wait(tasks)
        if self.session.lost.done():
            return str(self.session.lost.result())
        if self.textroom.lost.done():
            return self.textroom.lost.result()
        for finished in done:
            if isinstance(finished, asyncio.Task) and not finished.cancelled() and finished.exception() is not None:
                return f"{finished.get_name()} failed: {finished.exception()}"
        return "stopped"

    async def disconnect(self) -> None:
        """Drop everything of this connection (idempotent); the link can connect again."""
        self.connected = False
        self.viewers = None
        self.participants = {}
        if self.textroom is not None:
            await self.textroom.close()
        if self.session is not None:
            with contextlib.suppress(JanusError):
                await self.session.close()
        self.session = self.textroom = self.streaming = self.stage = None

    # --------------------------------------------------------------------------------------- requests
    def post(self, text: str | Answer) -> None:
        """Queue an announcement or an answer for this server (in order; a backlog beyond MAX_OUTBOX loses its
        oldest)."""
        if not self.connected:
            return
        self._outbox.append(text)
        while len(self._outbox) > MAX_OUTBOX:
            self._outbox.popleft()
        self._outbox_ready.set()

    async def mute(self, member_id: str, muted: bool) -> None:
        """Host mute/unmute of a stage member (needs the stage secret), then poll the stage at once."""
        if self.stage is None:
            raise JanusError(f"the stage on {self.url} is not connected")
        participant: int | str = int(member_id) if member_id.isdigit() else member_id
        await self.stage.handle.message({"request": "mute" if muted else "unmute", "room": self.room_id,
                                         "secret": self._secrets.stage, "id": participant},
                                        timeout=self.request_timeout)
        self._poll_stage_now.set()

    async def allowed(self, action: str, tokens: list[str] | None = None) -> None:
        """Edit the stage's `allowed` list: `add`/`remove` tokens, `enable`/`disable` the check (stage secret)."""
        if self.stage is None:
            raise JanusError(f"the stage on {self.url} is not connected")
        body: dict[str, Any] = {"request": "allowed", "secret": self._secrets.stage, "action": action,
                                "room": self.room_id}
        if tokens is not None:
            body["allowed"] = tokens
        await self.stage.handle.message(body, timeout=self.request_timeout)

    async def watch(self, watcher: StagePass) -> None:
        """Join the stage without media as `watcher`, so AudioBridge pushes every participant change to us at
        once (a poll sees them up to 250 ms late): held mutes are enforced within milliseconds."""
        if self.stage is None:
            raise JanusError(f"the stage on {self.url} is not connected")
        self.stage.handle.events.connect(self._on_stage_event)
        reply = await self.stage.join(self.room_id, display=self.display, offer=None, muted=True,
                                      token=watcher.token, participant_id=watcher.stage_id,
                                      timeout=self.request_timeout)
        self._on_stage_event({"janus": "event", "plugindata": {"data": reply.data}})

    def _on_stage_event(self, message: dict[str, Any]) -> None:
        plugindata = message.get("plugindata")
        data = plugindata.get("data") if isinstance(plugindata, dict) else None
        participants = data.get("participants") if isinstance(data, dict) else None
        if not isinstance(participants, list) or self._on_stage_readings is None:
            return
        readings = [(str(p["id"]), p.get("muted") is True) for p in participants
                    if isinstance(p, dict) and isinstance(p.get("id"), int | str) and not isinstance(p["id"], bool)]
        if readings:
            self._on_stage_readings(readings, time.monotonic())  # pushed in order: as new as it gets

    async def forward_to_edges(self, forwards: list[EdgeForward]) -> list[EdgeForward]:
        """Make the stage mix reach every edge's feed (the forwarders it lacks; stage secret); returns those added."""
        if self.stage is None:
            raise JanusError(f"the stage on {self.url} is not connected")
        return await ensure_forwards(self.stage.handle, self.room_id, self._secrets.stage, forwards,
                                     timeout=self.request_timeout)

    async def enable_recording(self, record: bool, record_file: str | None = None) -> bool:
        """Start or stop AudioBridge's recording of the stage mix (stage secret); `record_file` is relative to the
        room's `record_dir` on the server. Returns the `record` flag Janus answers with."""
        if self.stage is None:
            raise JanusError(f"the stage on {self.url} is not connected")
        body: dict[str, Any] = {"request": "enable_recording", "room": self.room_id, "secret": self._secrets.stage,
                                "record": record}
        if record_file is not None:
            body["record_file"] = record_file
        self._recording_generation += 1
        try:
            reply = await self.stage.handle.message(body, timeout=self.request_timeout)
        finally:
            self._recording_generation += 1  # a reading sent while this was on its way may predate it
        return reply.data.get("record") is True

    async def check_recording(self) -> bool | None:
        """Read the stage room's `record` flag from AudioBridge's `list` and report it (`on_recording`); None when
        it cannot be read (not connected, a failed request, or a private room, which `list` leaves out)."""
        self._next_recording_check = time.monotonic() + RECORDING_CHECK_INTERVAL
        if self.stage is None:
            return None
        generation = self._recording_generation
        what = f"stage {self.room_id} recording state"
        try:
            rooms = await self.stage.list_rooms(timeout=self.request_timeout)
        except (RequestTimeout, PluginError) as exc:
            self._failed(what, exc)
            return None
        room = next((r for r in rooms if r.get("room") == self.room_id), None)
        if room is None or not isinstance(room.get("record"), bool):
            self._failed(what, JanusError("the room is not in AudioBridge's list (a private room?)"))
            return None
        self._failures.reset(what)
        record: bool = room["record"]
        if generation == self._recording_generation and self._on_recording is not None:
            self._on_recording(record)
        return record

    async def kick_from_channel(self, username: str) -> None:
        """Put channel user `username` out of channel N on this server (channel secret)."""
        if self.textroom is None:
            raise JanusError(f"the channel on {self.url} is not connected")
        await self.textroom.kick(self.room_id, self._secrets.channel, username, timeout=self.request_timeout)

    async def kick(self, stage_id: int) -> None:
        """Remove participant `stage_id` from the stage (stage secret), then poll the stage at once."""
        if self.stage is None:
            raise JanusError(f"the stage on {self.url} is not connected")
        await self.stage.handle.message({"request": "kick", "secret": self._secrets.stage, "room": self.room_id,
                                         "id": stage_id}, timeout=self.request_timeout)
        self._poll_stage_now.set()

    async def whisper(self, username: str, text: str) -> bool:
        """Send `text` to one channel user on this server; True if Janus delivered it (False if not there)."""
        if self.textroom is None or not self.connected or username not in self.participants:
            return False
        sent = await self.textroom.message(self.room_id, text, to=username, timeout=self.request_timeout)
        return sent.get(username, False)

    # ------------------------------------------------------------------------------------------ loops
    async def _send_loop(self) -> None:
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            # One at a time, each acknowledged before the next: an announcement goes through the Janus API and an
            # answer through the data channel, and only this keeps them in seq order for every listener.
            while self._outbox and self.textroom is not None:
                item = self._outbox.popleft()
                what = "announcement" if isinstance(item, str) else "answer"
                try:
                    if isinstance(item, str):
                        await self.textroom.announcement(self.room_id, self._secrets.channel, item,
                                                         timeout=self.request_timeout)
                    else:
                        await self._whisper_answer(item)
                    self._failures.reset(what)
                except (RequestTimeout, PluginError) as exc:
                    self._failed(what, exc)

    async def _whisper_answer(self, answer: Answer) -> None:
        assert self.textroom is not None
        for at in range(0, len(answer.usernames), TOS_PER_REQUEST):
            tos = answer.usernames[at : at + TOS_PER_REQUEST]
            for text in answer.texts:
                await self.textroom.message(self.room_id, text, tos=tos, timeout=self.request_timeout)

    async def _viewers_loop(self) -> None:
        while self.streaming is not None:
            await asyncio.sleep(self.viewers_poll_interval)
            await self._poll_viewers()
            self._on_viewers()

    async def _poll_viewers(self) -> None:
        what = f"feed {self.room_id} info"
        if self.streaming is None:
            return
        try:
            async with asyncio.timeout(self.request_timeout):
                info = await self.streaming.info(self.room_id, self._secrets.feed)
            viewers = info.get("viewers")
            self.viewers = viewers if isinstance(viewers, int) and viewers >= 0 else None
            self.viewers_at = time.time()
            if self.viewers is None:
                self._failed(what, JanusError("no viewer count in the reply (wrong feed secret?)"))
            else:
                self._failures.reset(what)
        except (TimeoutError, RequestTimeout, PluginError) as exc:
            self.viewers = None
            self._failed(what, exc)

    async def _stage_loop(self) -> None:
        while self.stage is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.stage_poll_interval):
                    await self._poll_stage_now.wait()
            self._poll_stage_now.clear()
            await self._poll_stage()
            if time.monotonic() >= self._next_recording_check:
                await self.check_recording()

    def _failed(self, what: str, exc: BaseException) -> None:
        self._failures.log(logging.WARNING, what, "%s: %s failed: %s", self.url, what, exc or type(exc).__name__)

    async def _poll_stage(self) -> None:
        what = f"stage {self.room_id} listparticipants"
        if self.stage is None:
            return
        asked_at = time.monotonic()  # the reply shows the stage as it was at some point after this
        try:
            async with asyncio.timeout(self.request_timeout):
                participants = await self.stage.list_participants(self.room_id)
        except (TimeoutError, RequestTimeout, PluginError) as exc:
            self._failed(what, exc)
            return
        self._failures.reset(what)
        self._on_stage(participants, asked_at)
