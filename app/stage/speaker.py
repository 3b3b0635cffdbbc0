"""A listener who can be a speaker: the listening session, plus the stage when the controller invites us.

The way up (docs/room-protocol.md "Stage"): raise a hand (or a host picks us) → the controller whispers an invite
with a one-time stage pass → we answer, join stage N with the pass, muted, and play the stage's mix-minus instead of
the feed (the feed carries our own voice back ~1.5 s late). The way down: the output crossfades back to the feed,
whose cushion kept filling all along (make-before-break), then we whisper `left` (the pass is used up) and close
the stage connection. A withdrawn invite (`uninvite`) while on stage means a host demoted us: same way down.

A moved room (§3.8): the old controller takes everyone off its stage, and the host who moved it hands their places
on to the new room. A speaker that was on stage (or going up) when its session followed the move claims its place
there with a proof from its old pass (app.stage.carry) and takes the invite that answers at once, without asking,
within CARRY_WINDOW_S of the follow, muted or not as it was (a host's held mute does not travel: it stays muted, and
may unmute itself there). Any other invite goes the usual way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from enum import StrEnum
from typing import Any

from app.aio import CloseOnce
from app.events import Event
from app.links import RoomLink
from app.listener.listen import ListenSession
from app.listener.state import RoomState, StateChange
from app.media.capture import MicTrack
from app.media.echo import EchoControl
from app.media.feedback import FeedbackGuard, FeedbackVerdict
from app.room.backoff import Backoff
from app.room.errors import RoomError
from app.room.stage_protocol import (
    MAX_INVITE_TTL,
    Invite,
    LeftStage,
    StageAnswer,
    StagePass,
    ToListener,
    Uninvite,
    encode_stage,
)
from app.stage.carry import CARRY_WINDOW_S, CarriedRole, Carry, claim
from app.stage.connection import StageConnection, StageRefused, monitor_playout
from app.stage.feedback_mute import FeedbackMuting
from app.stage.reconnect import reopen, trouble

log = logging.getLogger(__name__)

STAGE_JOIN_TIMEOUT = 10.0


class Role(StrEnum):
    LISTENER = "listener"
    INVITED = "invited"
    JOINING = "joining"
    SPEAKER = "speaker"


class SpeakerSession(FeedbackMuting):
    """`listen` (already built, not yet started) + a microphone; `auto_accept` takes every invite (bots)."""

    def __init__(self, listen: ListenSession, mic: MicTrack, *, display: str = "", auto_accept: bool = False,
                 start_muted: bool = True, ice_servers: list[str] | None = None,
                 echo: EchoControl | None = None, guard: FeedbackGuard | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if listen.channel is None:
            raise ValueError("a speaker needs the room channel (invites come on it)")
        self.listen = listen
        self.mic = mic
        self.display = display
        self.auto_accept = auto_accept
        self.start_muted = start_muted
        self.ice_servers = ice_servers
        # Echo control on a microphone: what the output plays is the far end (app.media.echo). Not for a file.
        self.echo = echo
        if echo is not None:
            listen.heard.connect(echo.far_end)
            mic.processors.insert(0, echo.near_end)
        # The feedback guard hears the microphone after echo control (what the room would hear) and mutes us;
        # a howl through our loudspeaker is also in what we play (app.media.feedback_far_end).
        self.guard = guard
        self.feedback: Event[[FeedbackVerdict]] = Event("feedback")  # told after the auto-mute, for the user
        self.last_feedback: FeedbackVerdict | None = None
        if guard is not None:
            listen.heard.connect(guard.far_end)
            mic.processors.append(self._guard)
        self.role = Role.LISTENER
        self.invite: Invite | None = None
        self.stage: StageConnection | None = None
        self.error: str | None = None  # why the last attempt to go on stage failed (shown to the user)
        self.stage_reconnects = 0
        self.changed: Event[[Role]] = Event("speaker role")
        self._tasks: set[asyncio.Task[None]] = set()
        self._watch: asyncio.Task[None] | None = None
        self._closed = False
        self._closer = CloseOnce(self._teardown, "close speaker session")
        listen.channel.stage_whispers.connect(self._on_whisper)
        self._was_held = False
        self._report_seq = 0  # seq of our signed reports (app.room.host_protocol)
        listen.state.changed.connect(self._on_state)
        self._carry = Carry(clock)  # a place on stage that travels with a move we follow (app.stage.carry)
        listen.moved.connect(self._on_moved)

    @property
    def stage_server(self) -> str:
        """The stage lives on the room's origin (the link's stage=, else its first server); the others carry its
        feed."""
        return self.listen.link.stage_server

    @property
    def muted(self) -> bool:
        return self.mic.muted

    @property
    def held(self) -> bool:
        """A host muted us and holds it: we cannot unmute until a host lifts it (shown to the user)."""
        stage = self.stage
        if stage is None:
            return False
        member_id = str(stage.stage_pass.stage_id)
        return any(m.id == member_id and m.held for m in self.listen.state.state.members)

    def _on_state(self, state: RoomState, change: StateChange) -> None:
        """A host mute that holds silences our microphone here too, so what we show is what the room hears; its
        start and end are told (`changed`) so the user sees why the unmute is not offered."""
        held = self.held
        if held == self._was_held:
            return
        self._was_held = held
        if held:
            self.mic.muted = True
        self.changed.emit(self.role)

    async def start(self) -> None:
        await self.listen.start()

    def _set_role(self, role: Role) -> None:
        if role != self.role:
            self.role = role
            self.changed.emit(role)

    @property
    def carried(self) -> CarriedRole | None:
        """A place on stage that travels with the move we followed, until taken or its window closes."""
        return self._carry.place

    def _own_pass(self) -> StagePass | None:
        """The pass we are on stage (or going up) with."""
        return self.stage.stage_pass if self.stage is not None else self.invite.stage_pass if self.invite else None

    def _note_removed(self) -> None:
        """A controller takes us off the stage: remembered briefly, in case it is because the room moved."""
        own = self._own_pass()
        if own is not None:
            self._carry.removed(self.mic.muted, own)

    def _on_moved(self, link: RoomLink) -> None:
        """Our session follows the room to `link`: a place on its old stage travels (we claim it there)."""
        if self._closed:
            return
        on_stage = self.role in (Role.JOINING, Role.SPEAKER)
        muted = self.mic.muted if self.role is Role.SPEAKER else self.start_muted
        place = self._carry.moved(link.room_id, self._own_pass() if on_stage else None, muted)
        if place is not None and self.listen.channel is not None:
            log.info("following room %s: back on its stage when its host hands our place on (within %g s)",
                     link.room_id, CARRY_WINDOW_S)
            keeper = self.listen.channel
            self._spawn(claim(lambda text: keeper.whisper_confirmed(text, place.room), self._carry, place))
        if on_stage and self.stage is not None:  # (a place in the new room comes after this: any stage is the old)
            self._spawn(self.leave_stage(tell=False))  # the old room is over; its stage goes
        if self.role is Role.INVITED:
            self.invite = None  # the old room's invitation ended with it
            self._set_role(Role.LISTENER)

    def _take_carried(self, invite: Invite) -> bool:
        """Whether `invite` (for our room: _on_whisper checked) brings back a place that travelled with the move
        (then taken, without asking)."""
        place = self._carry.take(invite.stage_pass.room)
        if place is None:
            return False
        self.invite = invite
        self._set_role(Role.JOINING)  # at once: a second invite meanwhile must not start a second way up
        self._spawn(self._rejoin(invite, place.muted))
        return True

    async def _rejoin(self, invite: Invite, muted: bool) -> None:
        try:
            await self._go_up_carried(invite, muted)
            log.info("back on stage in room %s after the move", invite.stage_pass.room)
        except RoomError as exc:
            log.warning("could not go back on stage after the move: %s", exc)
            if self.invite is invite and self.role is Role.JOINING:  # (no microphone): ask the usual way
                self._set_role(Role.INVITED)

    async def _go_up_carried(self, invite: Invite, muted: bool) -> None:
        try:
            await self.mic.source.start()  # a front end closed it when the old stage let us go (no-op if open)
        except Exception as exc:
            raise RoomError(f"cannot open the microphone: {exc}") from None
        await self._go_up(invite, muted)

    def _on_whisper(self, message: ToListener) -> None:
        if self._closed:
            return
        if isinstance(message, Invite):
            if self.role in (Role.JOINING, Role.SPEAKER) or message.stage_pass.room != self.listen.link.room_id:
                return  # already going up with a pass (a second invite changes nothing), or a room we left
            if self.role is Role.LISTENER and self._take_carried(message):
                return
            self.invite = message
            self._set_role(Role.INVITED)
            if self.auto_accept:
                self._spawn(self._accept_logged())
        elif isinstance(message, Uninvite):
            if message.room != self.listen.link.room_id:
                return  # the room we left in a move, telling us what it does to everyone (our new place stays)
            self.invite = None
            if self.role == Role.SPEAKER:
                log.info("removed from stage %s by a host", self.listen.link.room_id)
                self._note_removed()
                self._spawn(self.leave_stage(tell=False))
            elif self.role == Role.INVITED:
                self._set_role(Role.LISTENER)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept_logged(self) -> None:
        try:
            await self.accept()
        except RoomError as exc:
            log.warning("could not go on stage: %s", exc)

    async def accept(self) -> None:
        """Take the pending invite: join the stage (muted unless `start_muted` is off) and play its mix.
        Raises RoomError (StageRefused for a used, expired or revoked pass)."""
        invite = self.invite
        if invite is None or self.role != Role.INVITED or self._closed:
            raise RoomError("there is no invitation to the stage to accept")
        await self._go_up(invite, self.start_muted)

    async def _go_up(self, invite: Invite, muted: bool) -> None:
        assert self.listen.channel is not None
        self._set_role(Role.JOINING)
        self.listen.channel.whisper(encode_stage(StageAnswer(True)))
        monitor = monitor_playout()
        stage = StageConnection(self.stage_server, invite.stage_pass, self.mic, monitor, display=self.display,
                                ice_servers=self.ice_servers)
        try:
            await stage.open(STAGE_JOIN_TIMEOUT)
        except BaseException as exc:
            self.invite = None
            self.error = str(exc) if isinstance(exc, RoomError) else None
            self._set_role(Role.LISTENER)
            raise
        if self._closed:
            await stage.close()
            raise RoomError(f"left room {self.listen.link.room_id}")
        self.stage = stage
        self.error = None
        self.listen.play_from(monitor)
        self.listen.set_hand_raised(False)
        self._watch = asyncio.create_task(self._keep_stage(stage), name="stage keeper")
        if not muted:  # before the role is told: whoever shows it sees the right mute state
            try:
                await self.set_muted(False)
            except RoomError as exc:  # on stage, still muted: the speaker can unmute again
                log.warning("could not unmute on joining the stage: %s", exc)
        self._set_role(Role.SPEAKER)

    async def take_pass(self, stage_pass: StagePass) -> None:
        """Go on stage with a pass handed over directly (the room's own host, scripts), as if invited. A host whose
        place on stage travelled with a move it made goes up muted or not as it was."""
        invite = Invite(stage_pass, MAX_INVITE_TTL)
        carried = (self._carry.take(stage_pass.room)
                   if self.role is Role.LISTENER and stage_pass.room == self.listen.link.room_id else None)
        if carried is not None:
            self.invite = invite
            self._set_role(Role.JOINING)  # at once: the host tools' "go on stage" meanwhile must not go up twice
            try:
                await self._go_up_carried(invite, carried.muted)
            except BaseException:
                if self.role is Role.JOINING:  # (the microphone did not open: _go_up resets its own failures)
                    self.invite = None
                    self._set_role(Role.LISTENER)
                raise
            return
        self.invite = invite
        self._set_role(Role.INVITED)
        await self.accept()

    def decline(self) -> None:
        """Say no to the pending invite (the controller withdraws the pass)."""
        if self.role == Role.INVITED and self.listen.channel is not None:
            self.listen.channel.whisper(encode_stage(StageAnswer(False)))
            self.invite = None
            self._set_role(Role.LISTENER)

    async def set_muted(self, muted: bool) -> None:
        """Self-mute/unmute on stage (the microphone goes silent at once; everyone sees the state). The choice
        survives a reconnect; while reconnecting it is applied locally and sent on rejoining."""
        if not muted and self.held:
            raise RoomError("a host muted you; you can unmute when a host lifts the mute")
        self.mic.muted = muted
        stage = self.stage
        if stage is not None and not stage.ended.done():
            await stage.set_muted(muted)

    async def _keep_stage(self, stage: StageConnection) -> None:
        """Keep us on stage through trouble (app.stage.reconnect), mute state restored; the feed plays meanwhile.
        A refused pass or a removal ends it."""
        backoff = Backoff()
        while True:
            reason, removed = await trouble(stage)
            if self.stage is not stage:
                return
            if removed:
                log.warning("%s", reason)
                self._note_removed()
                await self.leave_stage(tell=False)
                return
            log.warning("stage connection lost (%s); reconnecting", reason)
            self.listen.play_from(None)  # the feed carries the room meanwhile
            self.stage_reconnects += 1
            stage.end(reason)  # settled, so nothing sends on it any more (set_muted checks)
            await stage.close()

            def make(stale: Sequence[int], lost: StageConnection = stage) -> StageConnection:
                return StageConnection(self.stage_server, lost.stage_pass, self.mic, lost.monitor,
                                       display=self.display, ice_servers=self.ice_servers, stale_sessions=stale)

            try:
                fresh = await reopen(stage, make, backoff, STAGE_JOIN_TIMEOUT)
            except StageRefused as exc:
                self.error = str(exc)
                log.warning("back in the audience: %s", exc)
                await self.leave_stage(tell=False)
                return
            backoff.reset()
            self.stage = stage = fresh
            if not self.mic.muted:  # we rejoin muted, as every join is; the speaker was not
                with contextlib.suppress(RoomError):
                    await fresh.set_muted(False)
            self.listen.play_from(fresh.monitor)
            log.info("back on stage %s after a reconnect", self.listen.link.room_id)

    async def leave_stage(self, *, tell: bool = True) -> None:
        """Back to the audience: the feed first (its cushion is full), then the stage goes; idempotent."""
        stage, self.stage = self.stage, None
        if stage is None:
            return
        self.listen.play_from(None)
        self.mic.muted = True
        told = self.listen.channel.whisper(encode_stage(LeftStage())) if tell and self.listen.channel else None
        self.invite = None
        self._set_role(Role.LISTENER)
        watch, self._watch = self._watch, None
        if watch is not None and watch is not asyncio.current_task():
            watch.cancel()
        await stage.close()
        if told is not None:  # before the channel may close: the controller uses up the pass at once
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await told

    async def close(self) -> None:
        """Leave the stage (telling the controller) and the room; release the microphone. Idempotent."""
        self._closed = True
        await self._closer()

    async def _teardown(self) -> None:
        try:
            await self.leave_stage()
        finally:
            for task in list(self._tasks):
                task.cancel()
            for task in list(self._tasks):
                with contextlib.suppress(BaseException):
                    await task
            await self.mic.close()
            await self.listen.close()
