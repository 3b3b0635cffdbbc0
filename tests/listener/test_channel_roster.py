"""A moved room's roster on the moving host's channel (§3.8): trusted only from the confirmed controller, never from
a participant."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from app.listener.state import RoomStateModel
from app.room.protocol import Role
from app.room.roster_protocol import Roster, RosterEntry, encode_rosters
from tests.listener.test_channel_stage import whisper
from tests.listener.test_channel_unit import ROOM, FakeChannel, announcement, snapshot

ROSTER = Roster(ROOM, (RosterEntry("l-ana", "Ana", Role.SPEAKER, "a" * 64),
                      RosterEntry("l-dee", "Dee", Role.CO_HOST, "b" * 64)))


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


