"""Stage access against a real Janus: only holders of a live pass join the stage, also after a Janus restart.

The probes are direct AudioBridge joins with aiortc (StageSpeaker); a refused join is AudioBridge error 489.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from app.controller.controller import RoomController
from app.controller.stage_passes import PassState
from app.janus import JanusSession, PluginError
from app.janus.textroom import TextRoomHandle
from app.local.speaker import StageSpeaker
from app.media.sources import ToneTrack
from app.room.stage_protocol import (
    Invite,
    LeftStage,
    StagePass,
    ToListener,
    Uninvite,
    encode_stage,
    parse_to_listener,
)
from tests.support import janus_faults

pytestmark = pytest.mark.lab

ROOM = 1234
NOT_ALLOWED = 489  # janus_audiobridge.c: JANUS_AUDIOBRIDGE_ERROR_UNAUTHORIZED ("not in the allowed list")


async def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.02)


class Probes:
    """Speakers joined for a test; all closed after it."""

    def __init__(self, room: Any) -> None:
        self.room = room
        self.opened: list[StageSpeaker] = []

    async def join(self, token: str | None = None, stage_id: int | None = None,
                   display: str = "Probe") -> StageSpeaker:
        speaker = StageSpeaker(self.room.config.ws_url, ROOM, ToneTrack(440.0), display=display, ice_servers=[],
                               token=token, stage_id=stage_id)
        self.opened.append(speaker)
        await speaker.open(timeout=5.0)
        return speaker

    async def join_with(self, stage_pass: StagePass, display: str = "Probe") -> StageSpeaker:
        return await self.join(stage_pass.token, stage_pass.stage_id, display)

    async def refused(self, token: str | None = None, stage_id: int | None = None) -> int:
        """The error code of a join that must fail."""
        with pytest.raises(PluginError) as info:
            await self.join(token, stage_id)
        return info.value.code


class ChannelUser:
    """A listener on channel N that collects the controller's whispers (and can whisper back)."""

    def __init__(self, room: Any, username: str) -> None:
        self.room = room
        self.username = username
        self.received: list[ToListener] = []
        self.session: JanusSession | None = None
        self.channel: TextRoomHandle | None = None

    async def open(self) -> None:
        self.session = await JanusSession.connect(self.room.config.ws_url)
        self.channel = await TextRoomHandle.attach(self.session, ice_servers=[])
        await self.channel.setup(timeout=5.0)
        self.channel.events.connect(self._on_event)
        await self.channel.join(ROOM, self.username, self.username)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("textroom") == "message" and event.get("whisper") is True \
                and event.get("from") == self.room.controller.username:
            self.received.append(parse_to_listener(event["text"]))

    async def say(self, text: str) -> None:
        assert self.channel is not None
        await self.channel.message(ROOM, text, to=self.room.controller.username)

    async def close(self) -> None:
        if self.channel is not None:
            await self.channel.close()
        if self.session is not None:
            with contextlib.suppress(Exception):
                await self.session.close()


@pytest.fixture
async def room(make_lab_room: Any) -> Any:
    return await make_lab_room(speaker=None, controller=True)


@pytest.fixture
async def probes(room: Any) -> AsyncIterator[Probes]:
    made = Probes(room)
    yield made
    for speaker in made.opened:
        with contextlib.suppress(Exception):
            await speaker.close()


@pytest.fixture
async def ana(room: Any) -> AsyncIterator[ChannelUser]:
    user = ChannelUser(room, "l-ana")
    await user.open()
    await wait_until(lambda: "l-ana" in room.controller.links[0].participants, 3.0, "Ana not seen by the controller")
    yield user
    await user.close()


def on_stage(controller: RoomController, stage_id: int) -> bool:
    issued = controller.passes.get(stage_id)
    return issued is not None and issued.state is PassState.ON_STAGE and str(stage_id) in controller.book.members


async def withdrawals_done(controller: RoomController) -> None:
    access = controller.access
    await wait_until(lambda: not access._pending and not access._lock.locked(), 3.0, "withdrawals pending")
    async with access._lock:
        pass


async def test_no_token_and_a_random_token_are_refused(room: Any, probes: Probes) -> None:
    assert await probes.refused() == NOT_ALLOWED
    assert await probes.refused(secrets.token_urlsafe(24)) == NOT_ALLOWED
    assert await probes.refused(secrets.token_urlsafe(24), 424242) == NOT_ALLOWED


async def test_an_invited_pass_joins_once_and_left_uses_it_up(room: Any, probes: Probes, ana: ChannelUser) -> None:
    controller: RoomController = room.controller
    stage_pass = await controller.invite("l-ana", ttl=30.0)
    await wait_until(lambda: bool(ana.received), 3.0, "no invite whispered")
    assert ana.received == [Invite(stage_pass, 30.0)]
    speaker = await probes.join_with(stage_pass, "Ana")
    await wait_until(lambda: on_stage(controller, stage_pass.stage_id), 3.0, "Ana not on stage")
    assert controller.book.members[str(stage_pass.stage_id)].name == "Ana"
    await speaker.close()
    await ana.say(encode_stage(LeftStage()))
    await wait_until(lambda: controller.passes.get(stage_pass.stage_id) is None, 3.0, "pass not ended")
    await withdrawals_done(controller)
    assert await probes.refused(stage_pass.token, stage_pass.stage_id) == NOT_ALLOWED


async def test_a_revoked_pass_is_kicked_and_cannot_join_again(room: Any, probes: Probes) -> None:
    controller: RoomController = room.controller
    stage_pass = await controller.admit("Guest")
    await probes.join_with(stage_pass, "Guest")
    await wait_until(lambda: on_stage(controller, stage_pass.stage_id), 3.0, "guest not on stage")
    await controller.revoke(stage_pass.stage_id)
    await wait_until(lambda: str(stage_pass.stage_id) not in controller.book.members, 3.0, "guest not kicked")
    assert await probes.refused(stage_pass.token, stage_pass.stage_id) == NOT_ALLOWED


async def test_a_revoked_invite_is_withdrawn_and_refused(room: Any, probes: Probes, ana: ChannelUser) -> None:
    controller: RoomController = room.controller
    stage_pass = await controller.invite("l-ana")
    await controller.revoke(stage_pass.stage_id)
    await wait_until(lambda: len(ana.received) == 2, 3.0, f"whispers {ana.received}")
    assert ana.received == [Invite(stage_pass, 60.0), Uninvite(ROOM)]
    assert await probes.refused(stage_pass.token, stage_pass.stage_id) == NOT_ALLOWED


async def test_after_a_janus_restart_the_stage_is_closed_again_and_live_passes_still_join(
        room: Any, probes: Probes) -> None:
    controller: RoomController = room.controller
    stage_pass = await controller.admit("Speaker")
    await probes.join_with(stage_pass, "Speaker")
    await wait_until(lambda: on_stage(controller, stage_pass.stage_id), 3.0, "speaker not on stage")
    link = controller.links[0]
    before = link.session
    t0 = time.monotonic()
    await janus_faults.restart(room.janus)
    await wait_until(lambda: link.connected and link.session is not before, 15.0, "controller did not reconnect")
    reconnected = time.monotonic() - t0
    assert await probes.refused() == NOT_ALLOWED
    issued = controller.passes.get(stage_pass.stage_id)
    assert issued is not None and issued.state is PassState.AWAY  # within the reconnect grace
    await probes.join_with(stage_pass, "Speaker")  # the same pass, the same id: back on stage
    await wait_until(lambda: on_stage(controller, stage_pass.stage_id), 3.0, "speaker not back on stage")
    print(f"\ncontroller back {reconnected:.2f} s after the kill; the stage checks tokens again")


async def test_a_restarted_controller_lets_the_local_speakers_back(make_lab_room: Any) -> None:
    """LocalRoom keeps its passes across controller restarts: the demo speaker can rejoin with its pass."""
    room = await make_lab_room(speaker="tone:440", controller=True)
    speaker = room.speaker
    assert speaker is not None and speaker.token is not None and speaker.stage_id is not None
    book = room.controller.book
    await wait_until(lambda: str(speaker.stage_id) in book.members, 3.0, "demo speaker not on stage")
    assert book.members[str(speaker.stage_id)].role.value == "host"
    await room.stop_controller()
    controller = await room.start_controller()
    await speaker.close()
    again = StageSpeaker(room.config.ws_url, ROOM, ToneTrack(440.0), display="Demo speaker", ice_servers=[],
                         token=speaker.token, stage_id=speaker.stage_id)
    try:
        await again.open(timeout=5.0)
        await wait_until(lambda: str(speaker.stage_id) in controller.book.members, 3.0, "not back on stage")
        assert controller.book.members[str(speaker.stage_id)].role.value == "host"
    finally:
        await again.close()
