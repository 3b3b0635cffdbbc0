"""A moved room's roster and carried invites on the listener's channel (§3.8): trusted only from the confirmed
controller, never from a participant; a stage whisper that comes before any announcement is held until one names its
sender (a carried invite is sent as the invitee joins)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from app.listener.state import RoomStateModel
from app.room.protocol import Role
from app.room.roster_protocol import Roster, RosterEntry, encode_rosters
from app.room.stage_protocol import Invite, StagePass, Uninvite, encode_stage
from tests.listener.test_channel_stage import TOKEN, whisper
from tests.listener.test_channel_unit import ROOM, FakeChannel, announcement, snapshot

ROSTER = Roster(ROOM, (RosterEntry("l-ana", "Ana", Role.SPEAKER), RosterEntry("l-dee", "Dee", Role.CO_HOST)))


@pytest.fixture
async def fresh() -> Any:
    """A channel just joined: no announcement heard yet."""
    ch = FakeChannel(RoomStateModel())
    got: list[object] = []
    ch.stage_whispers.connect(got.append)
    ch.got = got  # type: ignore[attr-defined]
    await ch.open()
    yield ch
    await ch.close()


async def test_the_controllers_roster_is_passed_on(fresh: FakeChannel) -> None:
    fresh.handle_event(announcement(snapshot(3)))
    (text,) = encode_rosters(ROOM, ROSTER.entries)
    fresh.handle_event(whisper("ctl-1", text))
    assert fresh.got == [ROSTER]  # type: ignore[attr-defined]


async def test_a_forged_roster_is_ignored(fresh: FakeChannel, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    fresh.handle_event(announcement(snapshot(3)))
    (text,) = encode_rosters(ROOM, ROSTER.entries)
    fresh.handle_event(whisper("l-evil", text))  # a participant's whisper
    fresh.handle_event({**whisper("ctl-1", text), "whisper": False})  # a broadcast under any name
    fresh.handle_event({"textroom": "message", "room": ROOM, "from": "ctl-1", "text": text})  # no whisper flag
    (other,) = encode_rosters(ROOM + 1, ROSTER.entries)
    fresh.handle_event(whisper("ctl-1", other))  # another room's
    assert fresh.got == []  # type: ignore[attr-defined]
    assert "room 1235" in caplog.text


async def test_a_stage_whisper_before_any_announcement_waits_for_one_naming_its_sender(fresh: FakeChannel) -> None:
    invite = Invite(StagePass(ROOM, 42, TOKEN), 60.0)
    fresh.handle_event(whisper("ctl-1", encode_stage(invite)))
    fresh.handle_event(whisper("l-evil", encode_stage(Uninvite(ROOM))))  # anyone's, before we know who is who
    assert fresh.got == []  # type: ignore[attr-defined]
    fresh.handle_event(announcement(snapshot(3)))  # "ctl-1" is the controller
    assert fresh.got == [invite]  # type: ignore[attr-defined]  (the other sender's is dropped)
    fresh.handle_event(announcement(snapshot(4)))
    assert fresh.got == [invite]  # type: ignore[attr-defined]  (once)


async def test_held_whispers_are_bounded_and_dropped_when_their_sender_leaves(fresh: FakeChannel) -> None:
    for i in range(10):
        fresh.handle_event(whisper("ctl-1", encode_stage(Invite(StagePass(ROOM, 100 + i, TOKEN), 60.0))))
    fresh.handle_event(whisper("ctl-2", encode_stage(Invite(StagePass(ROOM, 7, TOKEN), 60.0))))
    fresh.handle_event({"textroom": "leave", "room": ROOM, "username": "ctl-2"})  # its name is free now
    fresh.handle_event(announcement(snapshot(3, controller="ctl-2")))
    assert fresh.got == []  # type: ignore[attr-defined]
    fresh.handle_event(announcement(snapshot(4)))
    assert fresh.got == []  # type: ignore[attr-defined]  (held ones go with the first announcement)


async def test_held_whispers_keep_the_newest_few(fresh: FakeChannel) -> None:
    invites = [Invite(StagePass(ROOM, 100 + i, TOKEN), 60.0) for i in range(10)]
    for invite in invites:
        fresh.handle_event(whisper("ctl-1", encode_stage(invite)))
    fresh.handle_event(announcement(snapshot(3)))
    assert fresh.got == invites[-4:]  # type: ignore[attr-defined]
