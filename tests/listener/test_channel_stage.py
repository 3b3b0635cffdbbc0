"""Stage whispers on the listener's channel: only the controller's count; answers go to the controller."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from app.listener.state import RoomStateModel
from app.room.stage_protocol import (
    AudiencePoint,
    AudienceReport,
    Invite,
    LeftStage,
    StageAnswer,
    StagePass,
    Uninvite,
    encode_stage,
    parse_to_controller,
)
from tests.listener.test_channel_unit import ROOM, FakeChannel, FakeTextRoom, announcement, snapshot

TOKEN = "k" * 24


class RawTextRoom(FakeTextRoom):
    async def message(self, room: int, text: str, *, to: str | None = None, ack: bool = True,
                      timeout: float = 5.0) -> dict[str, bool]:
        self.whispers.append((to or "", parse_to_controller(text)))
        return {to or "": True}


def whisper(sender: str, text: str) -> dict[str, Any]:
    return {"textroom": "message", "room": ROOM, "from": sender, "text": text, "whisper": True}


@pytest.fixture
async def channel() -> Any:
    ch = FakeChannel(RoomStateModel())
    ch.fake = RawTextRoom()
    got: list[object] = []
    ch.stage_whispers.connect(got.append)
    ch.got = got  # type: ignore[attr-defined]
    await ch.open()
    ch.handle_event(announcement(snapshot(3)))  # the controller is now known: "ctl-1"
    yield ch
    await ch.close()


async def test_an_invite_from_the_controller_is_passed_on(channel: FakeChannel) -> None:
    invite = Invite(StagePass(ROOM, 42, TOKEN), 60.0)
    channel.handle_event(whisper("ctl-1", encode_stage(invite)))
    channel.handle_event(whisper("ctl-1", encode_stage(Uninvite(ROOM))))
    assert channel.got == [invite, Uninvite(ROOM)]  # type: ignore[attr-defined]


async def test_invites_from_anyone_else_or_broadcast_are_ignored(channel: FakeChannel,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    text = encode_stage(Invite(StagePass(ROOM, 42, TOKEN), 60.0))
    channel.handle_event(whisper("l-evil", text))
    channel.handle_event({**whisper("ctl-1", text), "whisper": False})
    assert channel.got == []  # type: ignore[attr-defined]


async def test_a_bad_or_foreign_invite_is_dropped_and_reported(channel: FakeChannel,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    channel.handle_event(whisper("ctl-1", encode_stage(Invite(StagePass(ROOM + 1, 42, TOKEN), 60.0))))
    channel.handle_event(whisper("ctl-1", '{"v":1,"type":"invite","room":1234}'))
    assert channel.got == []  # type: ignore[attr-defined]
    assert "room 1235" in caplog.text
    assert TOKEN not in caplog.text


async def test_answers_are_whispered_to_the_controller(channel: FakeChannel) -> None:
    task = channel.whisper(encode_stage(StageAnswer(True)))
    assert task is not None
    await task
    channel.whisper(encode_stage(LeftStage()))
    await asyncio.sleep(0.01)
    assert channel.fake.whispers == [("ctl-1", StageAnswer(True)), ("ctl-1", LeftStage())]


async def test_an_audience_report_from_the_controller_is_passed_on_and_others_are_not(
        channel: FakeChannel, caplog: pytest.LogCaptureFixture) -> None:
    report = AudienceReport(ROOM, 10, (AudiencePoint(1_763_721_000, 5, 2, 1, 1),), 1)
    text = encode_stage(report)
    channel.handle_event(whisper("l-evil", text))  # a listener forging the controller's answer
    caplog.set_level(logging.WARNING)
    channel.handle_event(whisper("ctl-1", encode_stage(AudienceReport(ROOM + 1, 10, (), 0))))  # another room
    channel.handle_event(whisper("ctl-1", text.replace(",2,1,1]", ",-2,1,1]")))  # a negative count (the log
    # line of this one is throttled: one per 30 s)
    assert channel.got == []  # type: ignore[attr-defined]
    assert "room 1235" in caplog.text
    channel.handle_event(whisper("ctl-1", text))
    assert channel.got == [report]  # type: ignore[attr-defined]


async def test_a_capability_goes_only_to_a_controller_that_has_not_left(channel: FakeChannel) -> None:
    from app.room.roster_protocol import CarryClaim, encode_claim

    claim = encode_claim(CarryClaim(ROOM, "c" * 64))
    channel.handle_event({"textroom": "leave", "room": ROOM, "username": "ctl-1"})  # its name is free here now
    assert channel.controller == "ctl-1"  # (still the last announced: a hand would be tried there)
    task = channel.whisper(claim, confirmed=True)
    assert task is not None and await task is False  # but a claim is not sent to whoever takes the name
    channel.handle_event(announcement(snapshot(5)))  # named again by an announcement on this connection
    task = channel.whisper(claim, confirmed=True)
    assert task is not None and await task is True
    assert [to for to, _ in channel.fake.whispers] == ["ctl-1"]
