"""The listener's side of channel N: room state from the controller's announcements, hands sent as whispers.

Trust: only TextRoom `announcement` events say who the controller is (Janus lets only a holder of the channel
secret send them). Besides them, the model takes the controller's whispered answer to our join or `sync` (protocol
§3.3), but only from the sender an announcement on this very connection named, while it is still in the channel
(usernames are unique per server only: on another server, or after it left, anyone could take that name); an
answer that comes first is held (app.listener.answers). Broadcast `message`s are chat or forgeries: ignored.
A delta that does not follow our sequence (or arrives before any snapshot) makes us whisper `sync`.

Fallback: when no announcement arrived for `silence_timeout` (15 s; counted from open() too), the controller is
taken for gone: the model switches to fallback at once (the last known stage, nobody talking, the listener count
unknown) and the channel polls the stage's `listparticipants` (no secret needed), paced by app.listener.fallback so that
the whole audience of a server polls it a bounded number of times a second; the pace follows the channel's own head
count (`audience`: the join reply, then Janus's join/leave events). The next announcement switches back.
The hand intent lives in the model (`model.hand_raised`): it is whispered after every (re)open and whenever an
announcement shows the controller's queue disagreeing with it (a restarted controller starts with an empty queue).

The channel has its own Janus session: its death (`lost`) does not take the feed down, and vice versa.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from app.aio import CloseOnce, cancel_and_wait
from app.events import Event
from app.janus import JanusError, JanusSession
from app.janus.audiobridge import AudioBridgeHandle
from app.janus.textroom import NO_SUCH_ROOM, USERNAME_EXISTS, TextRoomHandle
from app.listener.answers import Answers
from app.listener.channel_fallback import ChannelFallback
from app.listener.fallback import FallbackPolicy
from app.listener.state import RoomStateModel, StateSource
from app.room.errors import NameTaken, RoomError, RoomNotFound, ServerUnreachable, room_error
from app.room.log_throttle import LogThrottle
from app.room.protocol import (
    CONTROLLER_SILENCE,
    MAX_NAME_CHARS,
    Delta,
    HandRequest,
    ProtocolViolation,
    Snapshot,
    SyncRequest,
    announcement_from,
    clean_text,
    is_state,
)
from app.room.protocol_encoding import encode
from app.room.reactions_protocol import reactions_from
from app.room.stage_protocol import Invite, ToListener, to_listener_from
from app.room.wire import decode

log = logging.getLogger(__name__)

SYNC_RETRY = 1.0  # a sync whisper at most this often (the controller answers askers at most every 250 ms)
ANSWER_WAIT = 1.0  # after joining, wait this long for the controller's answer before asking with a sync
HAND_RETRY = 5.0  # re-send the hand intent at most this often when announcements disagree with it
REPORT_INTERVAL = 30.0  # one log line per this long for rejected announcements


def listener_username() -> str:
    """A fresh TextRoom username for a listener (random: it is not an identity, and never a secret)."""
    return f"l-{secrets.token_hex(5)}"


class RoomChannel(ChannelFallback):
    """Channel N on one server, feeding a RoomStateModel."""

    def __init__(self, server: str, room_id: int, model: RoomStateModel, *, username: str | None = None,
                 display: str = "", ice_servers: list[str] | None = None,
                 clock: Callable[[], float] = time.monotonic, silence_timeout: float = CONTROLLER_SILENCE,
                 fallback: FallbackPolicy | None = None) -> None:
        self.server = server
        self.room_id = room_id
        self.model = model
        self.username = username or listener_username()
        model.own_id = self.username
        self.display = clean_text(display, MAX_NAME_CHARS)
        self.ice_servers = ice_servers
        self._clock = clock
        self.silence_timeout = silence_timeout
        self.fallback = fallback or FallbackPolicy()
        self.session: JanusSession | None = None
        self.textroom: TextRoomHandle | None = None
        self._stage: AudioBridgeHandle | None = None
        self.lost: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        # invites, their withdrawals and audience reports, whispered by the controller (only its whispers count)
        self.stage_whispers: Event[[ToListener]] = Event("stage whispers")
        self.controller: str | None = None  # the name in the latest authentic announcement
        self.answers = Answers(model)  # snapshots whispered to us in answer to our join or sync
        self.fallback_polls = 0
        self.audience: int | None = None  # head count of channel N on this server: who would poll its stage
        self._heard_at = 0.0  # clock() of the last announcement (or of open())
        self._sync_at = float("-inf")
        self._answer_due = float("-inf")  # a first join's answer is expected until then (no sync before)
        self._retry: asyncio.TimerHandle | None = None  # the sync that is due once the answer is late
        self._confirmed: str | None = None  # the controller as an announcement on this connection named it
        self._awaiting = False  # we joined or asked for a sync: the next answer may be at any seq
        self._hand_at = float("-inf")
        self._rejections = LogThrottle(log, REPORT_INTERVAL, clock=self._clock)
        self._watch_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self._closer = CloseOnce(self._disconnect, f"close room channel {server}")

    # ------------------------------------------------------------------------------------------ lifecycle
    async def open(self, timeout: float = 5.0) -> None:
        """Join channel N (again after a loss: `lost` is then a fresh future); raises RoomError."""
        if self._closed:
            raise RoomError("the room channel is closed")
        await self._disconnect()
        if self.lost.done():
            self.lost = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout):
                await self._connect(timeout)
        except TimeoutError:
            await self._disconnect()
            raise ServerUnreachable(f"channel {self.room_id} on {self.server} did not open within {timeout:g} s") \
                from None
        except JanusError as exc:
            await self._disconnect()
            raise room_error(exc, self.server, self.room_id) from None
        except BaseException:
            await self._disconnect()
            raise
        if self._closed:  # closed while this was opening: what it just built is ours to drop
            await self._disconnect()
            raise RoomError("the room channel is closed")
        self.model.reset_sequence()
        self.answers.clear()
        self._confirmed, self._awaiting = None, True
        self._heard_at = self._clock()
        self._sync_at = self._hand_at = float("-inf")
        # A first join asks the controller by itself: its answer is on its way, and a delta that came before it
        # is no gap to ask about again (until it is late).
        self._answer_due = self._clock() + ANSWER_WAIT if self.controller is None else float("-inf")
        self._watch_task = asyncio.create_task(self._watch(), name=f"room-channel-watch {self.server}")
        if self.controller is not None:
            self._request_sync()
            if self.model.hand_raised:
                self._send_hand(self.model.hand_raised)

    async def _connect(self, timeout: float) -> None:
        """The Janus part of open(): session, data channel, join (a seam for tests)."""
        session = self.session = await JanusSession.connect(self.server, connect_timeout=min(timeout, 5.0))
        # Only this connection's death counts: a replaced one's late callbacks must not end the next one.
        session.loss.connect(lambda reason: self._lose_if(session, f"connection lost: {reason}"))
        textroom = self.textroom = await TextRoomHandle.attach(session, ice_servers=self.ice_servers)
        textroom.lost.add_done_callback(lambda f: self._lose_if(session, f.result()))
        await textroom.setup(timeout=timeout)
        textroom.events.connect(self.handle_event)
        try:
            others = await textroom.join(self.room_id, self.username, self.display)
        except JanusError as exc:
            if getattr(exc, "code", None) == NO_SUCH_ROOM:
                raise RoomNotFound(self.room_id, self.server) from None
            if getattr(exc, "code", None) == USERNAME_EXISTS:
                raise NameTaken(self.server) from None
            raise
        self.audience = len(others) + 1

    async def close(self) -> None:
        """Leave the channel and drop the session; idempotent, every call waits for the one teardown."""
        self._closed = True
        await self._closer()

    async def _disconnect(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        watch, self._watch_task = self._watch_task, None
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await watch
                except Exception as exc:  # _watch does not fail on server input; if it ever does, close still works
                    log.warning("room channel on %s: the stage watcher had failed: %r", self.server, exc)
        await cancel_and_wait(self._tasks)
        textroom, session = self.textroom, self.session
        self.textroom = self.session = self._stage = None
        if textroom is not None:
            await textroom.close()
        if session is not None:
            with contextlib.suppress(JanusError):
                await session.close()

    def _lose_if(self, session: JanusSession, reason: str) -> None:
        if self.session is session:
            self._lose(reason)

    def _lose(self, reason: str) -> None:
        if not self._closed and not self.lost.done():
            log.warning("room channel on %s lost: %s", self.server, reason)
            self.lost.set_result(reason)

    # ------------------------------------------------------------------------------------------- hands
    def set_hand_raised(self, raised: bool) -> None:
        """Record the user's intent and whisper it to the controller (once its name is known; again after reopen)."""
        self.model.set_hand_raised(raised)
        if self.controller is not None and self.textroom is not None:
            self._send_hand(raised)

    def _send_hand(self, raised: bool) -> None:
        self._hand_at = self._clock()
        self._spawn(self._whisper(encode(HandRequest(raised))))

    def _request_sync(self) -> None:
        now = self._clock()
        if now < self._answer_due:  # the answer to our join is on its way; if it is lost, ask then
            if self._retry is None and not self._closed:
                self._retry = asyncio.get_running_loop().call_later(self._answer_due - now, self._sync_if_late)
            return
        if now - self._sync_at >= SYNC_RETRY:
            self._sync_at = now
            self._awaiting = True
            self._spawn(self._whisper(encode(SyncRequest())))

    def _sync_if_late(self) -> None:
        self._retry = None
        if self.model.state.source != StateSource.FALLBACK and not self.model.synced and self.textroom is not None:
            self._request_sync()

    def whisper(self, text: str, *, confirmed: bool = False) -> asyncio.Task[bool] | None:
        """Whisper `text` to the controller in the background (stage answers, host actions; app.stage); the task
        (True once Janus delivered it), or None when closing. `confirmed`: only to a controller an announcement on
        this connection named and that has not left since (a text that is a capability: §3.8's claim)."""
        return self._spawn(self._whisper(text, confirmed))

    async def _whisper(self, text: str, confirmed: bool = False) -> bool:
        """Whisper to the controller; failures are logged (the next announcement tells us to try again)."""
        controller, textroom = self._confirmed if confirmed else self.controller, self.textroom
        if controller is None or textroom is None or not textroom.is_open:
            return False
        try:
            sent = await textroom.message(self.room_id, text, to=controller, timeout=2.0)
        except JanusError as exc:
            log.info("room channel on %s: whisper to the controller failed: %s", self.server, exc)
            return False
        if not sent.get(controller, False):
            log.info("room channel on %s: the controller %r is not in the channel", self.server, controller)
            return False
        return True

    def _spawn(self, coro: Any) -> asyncio.Task[Any] | None:
        if self._closed:  # an event that arrived while closing: no new task once the teardown began
            coro.close()
            return None
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------------------------------ events
    def handle_event(self, event: dict[str, Any]) -> None:
        """One TextRoom event from the data channel."""
        kind = event.get("textroom")
        if kind == "announcement":
            self._on_announcement(event.get("text"))
        elif kind == "message" and event.get("whisper") is True:
            self._on_whisper(event.get("from"), event.get("text"))
        elif kind == "destroyed":
            self._lose(f"channel {self.room_id} was destroyed")
        elif kind == "kicked" and event.get("username") == self.username:
            self._lose("removed from the channel")
        elif kind in ("join", "leave", "kicked") and self.audience is not None:  # Janus tells everyone
            self.audience = max(1, self.audience + (1 if kind == "join" else -1))
        if kind in ("leave", "kicked") and event.get("username") == self._confirmed:
            self._confirmed = None  # its name is free on this server: a whisper from it proves nothing now

    def _on_announcement(self, text: Any) -> None:
        try:
            kind, obj = decode(text)
            if kind == "reactions":  # counts, not state: no seq, no heartbeat (§3.9)
                self.model.apply_reactions(reactions_from(obj))
                return
            message = announcement_from(kind, obj)
            if isinstance(message, Snapshot) and message.room != self.room_id:
                raise ProtocolViolation(f"snapshot of room {message.room}, not {self.room_id}")
        except ProtocolViolation as exc:
            self._report(str(exc))
            return
        now = self._clock()
        self._heard_at = now
        self.controller = self._confirmed = message.controller
        if self.answers.on_announcement(message.controller, now):
            self._answered()
        if isinstance(message, Snapshot):
            self._answered()
            self.model.apply_snapshot(message, now)
        elif not self.model.apply_delta(message, now):
            self._request_sync()
            return
        self._reconcile_hand()

    def _on_whisper(self, sender: Any, text: Any) -> None:
        """A whisper to us: from the controller of this room, the snapshot answering our join or sync (app.listener.
        answers), a stage invite or its withdrawal, or the audience graph a host asked for; others are chat (or
        forgeries: the server sets `from`, so nobody else can pass for the controller) and are ignored."""
        if not isinstance(sender, str) or (self.controller is not None and sender != self.controller):
            return
        try:
            kind, obj = decode(text)
        except ProtocolViolation as exc:
            if self.controller is not None:  # before that, it may be anyone's chat
                self._report(str(exc), "a whisper")
            return
        try:
            if is_state(kind):
                self._on_answer(sender, announcement_from(kind, obj))
                return
            if self.controller is None:
                return  # stage whispers count only from a known controller
            message = to_listener_from(kind, obj)
            room = message.stage_pass.room if isinstance(message, Invite) else message.room
            if room != self.room_id:
                raise ProtocolViolation(f"stage whisper for room {room}, not {self.room_id}")
        except ProtocolViolation as exc:
            self._report(str(exc), "a whisper")
            return
        self.stage_whispers.emit(message)

    def _on_answer(self, sender: str, message: Snapshot | Delta) -> None:
        """A snapshot (or a part of one) whispered in answer to our join or sync."""
        if isinstance(message, Snapshot) and message.room != self.room_id:
            raise ProtocolViolation(f"snapshot of room {message.room}, not {self.room_id}")
        if isinstance(message, Snapshot) and sender == self._confirmed and self._awaiting:
            self._answered()
            applied = self.answers.on_whisper(sender, message, self._confirmed, self._clock(), answer=True)
        else:  # held while unconfirmed; parts, or an answer we did not ask for, follow the seq rules
            applied = self.answers.on_whisper(sender, message, self._confirmed, self._clock(), answer=False)
        if not applied:
            self._request_sync()
        elif self._confirmed is not None:
            self._reconcile_hand()

    def _answered(self) -> None:
        self._awaiting = False
        self._answer_due = float("-inf")

    def _reconcile_hand(self) -> None:
        """Re-send the intent when the controller's queue disagrees (lost whisper, restarted controller)."""
        state = self.model.state
        if state.source != StateSource.CONTROLLER or state.seq is None:
            return
        listed = self.model.own_hand_in_queue()
        if not listed and state.hands_total > len(state.hands):
            return  # the queue is longer than its listed part: we cannot tell
        if listed != self.model.hand_raised and self._clock() - self._hand_at >= HAND_RETRY:
            self._send_hand(self.model.hand_raised)

    def _report(self, reason: str, what: str = "an announcement") -> None:
        self._rejections.log(logging.WARNING, what, "room channel on %s: dropped %s: %s", self.server, what,
                             reason[:200])
