"""`plaza host LINK move NEW_LINK` without a lab: after the move it hands the old stage's places on to the new room's
controller with the new room's host pass (each place's proof, not a username), or, holding none, says whom to invite
by hand (roles travel with a move, §3.8)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.cli.host import move
from app.controller.secret_store import save_host_pass
from app.links import parse_link
from app.listener.channel_keeper import ChannelKeeper
from app.listener.state import RoomStateModel
from app.room.host_protocol import HostAction, parse_request, verify
from app.room.protocol import Role, Snapshot
from app.room.roster_protocol import Roster, RosterEntry
from app.room.stage_protocol import StagePass

OLD_PASS = StagePass(1234, 5, "t" * 24)
NEW_PASS = StagePass(5678, 6, "n" * 24)
NEW = "plaza+ws://198.18.0.2:8288/5678"
PA, PD = "a" * 64, "d" * 64
ROSTER = Roster(1234, (RosterEntry("l-ana", "Ana", Role.SPEAKER, PA), RosterEntry("l-dee", "Dee", Role.CO_HOST, PD)))


class Keeper(ChannelKeeper):
    """A channel keeper that never connects: whispers are recorded and delivered; follow() only records."""

    def __init__(self, model: RoomStateModel) -> None:
        super().__init__(1234, model)
        self.sent: list[HostAction] = []
        self.followed: list[str] = []
        self.whispered = asyncio.Event()
        self.joined = asyncio.Event()

    def whisper(self, text: str) -> asyncio.Task[bool]:
        action = parse_request(text)
        assert isinstance(action, HostAction)
        self.sent.append(action)
        self.whispered.set()

        async def delivered() -> bool:
            return True

        return asyncio.ensure_future(delivered())

    def whisper_confirmed(self, text: str, room: int) -> asyncio.Task[bool]:
        assert room == self.room_id  # a carried place's proof only through the room's own channel
        return self.whisper(text)

    def follow(self, server: str) -> None:
        self.followed.append(server)
        self.joined.set()


def snapshot(room: int, controller: str, *, moved: str | None = None) -> Snapshot:
    return Snapshot(1, room, controller, "T", moved is not None, (), None, (), 0, moved=moved)


async def old_controller(keeper: Keeper, model: RoomStateModel, roster: Roster | None) -> None:
    """Carries out the move once it is whispered: the roster first, then the announcement."""
    await keeper.whispered.wait()
    if roster is not None:
        keeper.stage_whispers.emit(roster)
    model.apply_snapshot(snapshot(1234, "ctl-a", moved=NEW), now=1.0)


async def run(keeper: Keeper, model: RoomStateModel, roster: Roster | None) -> int:
    acting = asyncio.ensure_future(old_controller(keeper, model, roster))
    try:
        return await move(keeper, OLD_PASS, NEW, asyncio.Event(), 2.0)
    finally:
        await acting


async def test_the_stages_places_are_handed_on_in_the_new_room_with_its_pass(memory_keyring: Any,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    save_host_pass(parse_link(NEW), NEW_PASS)
    model = RoomStateModel()
    keeper = Keeper(model)

    async def new_controller() -> None:
        await keeper.joined.wait()
        model.apply_snapshot(snapshot(5678, "ctl-b"), now=2.0)

    answering = asyncio.ensure_future(new_controller())
    assert await run(keeper, model, ROSTER) == 0
    await answering
    move_action, *invites = keeper.sent
    assert move_action.verb.value == "move" and verify(move_action, OLD_PASS.token)
    assert [(a.verb.value, a.target) for a in invites] == [("carry_speaker", PA), ("carry_co_host", PD)]
    assert all(a.room == 5678 and verify(a, NEW_PASS.token) for a in invites)
    assert keeper.room_id == 5678 and keeper.followed == ["ws://198.18.0.2:8288/janus"]
    out = capsys.readouterr().out
    assert f"move {NEW}: done" in out
    assert "handed on the place of Ana as speaker in room 5678" in out
    assert "handed on the place of Dee as co-host" in out and "l-ana" not in out
    assert NEW_PASS.token not in out and OLD_PASS.token not in out and PA not in out


async def test_without_the_new_rooms_pass_it_says_whom_to_invite_by_hand(memory_keyring: Any,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    model = RoomStateModel()
    keeper = Keeper(model)
    assert await run(keeper, model, ROSTER) == 0
    assert [a.verb.value for a in keeper.sent] == ["move"] and keeper.followed == []
    out = capsys.readouterr().out
    assert "no host pass for room 5678 here: invite them by hand: Ana (speaker), Dee (co-host)" in out


@pytest.mark.parametrize("roster, said", [(Roster(1234, ()), "nobody else was on the stage"),
                                          (None, "sent no stage roster: invite its speakers by hand")])
async def test_nobody_to_invite(memory_keyring: Any, capsys: pytest.CaptureFixture[str], roster: Roster | None,
                                said: str) -> None:
    save_host_pass(parse_link(NEW), NEW_PASS)
    model = RoomStateModel()
    keeper = Keeper(model)
    assert await run(keeper, model, roster) == 0
    assert len(keeper.sent) == 1 and said in capsys.readouterr().out


async def test_another_rooms_roster_is_not_ours(memory_keyring: Any, capsys: pytest.CaptureFixture[str]) -> None:
    model = RoomStateModel()
    keeper = Keeper(model)
    assert await run(keeper, model, Roster(999, ROSTER.entries)) == 0
    assert "sent no stage roster" in capsys.readouterr().out

