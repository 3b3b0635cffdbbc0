"""Roles travel with a move, on the controller's side (§3.8): the old controller whispers the stage's roster only to
the signer of an accepted `move`, before it takes the passes away; the new controller invites with the role, also
someone who is not in its channel yet (when they join)."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.controller.controller import RoomController
from app.controller.stage_access import INVITE_WAIT_S
from app.room.host_protocol import HostVerb, encode_host_action, sign
from app.room.protocol import Role
from app.room.roster_protocol import Roster, RosterEntry
from app.room.stage_protocol import Invite, StagePass
from tests.controller.stage_fakes import Recorder, connected_controller
from tests.controller.test_controller_unit import Clock, join, whisper

NEW = "plaza+ws://198.18.0.2:8288/5678"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def controller(clock: Clock) -> RoomController:
    return connected_controller(clock)


@pytest.fixture
def janus(controller: RoomController) -> list[Recorder]:
    return [Recorder(link) for link in controller.links]


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def act(controller: RoomController, sender: str, stage_pass: StagePass, verb: HostVerb, target: str = "",
        link: int = 0) -> None:
    text = encode_host_action(sign(stage_pass, int(time.time() * 1000) + len(target), verb, target))
    controller._on_channel_event(controller.links[link], whisper(sender, text))


async def stage(controller: RoomController) -> dict[str, StagePass]:
    """A host (its pass handed over, in channel as l-host), speakers Ana (on stage) and Cy (only invited), co-host
    Dee (on stage, promoted), speaker Bo (on stage, reconnecting: away)."""
    passes = {"host": await controller.host_pass("Hana")}
    for user, name in (("l-host", "Hana"), ("l-ana", "Ana"), ("l-bo", "Bo"), ("l-cy", "Cy"), ("l-dee", "Dee")):
        controller._on_channel_event(controller.links[0], join(user, name))
    for user in ("l-ana", "l-bo", "l-cy", "l-dee"):
        passes[user] = await controller.invite(user)
    controller._on_stage([{"id": passes[u].stage_id, "display": u} for u in ("host", "l-ana", "l-bo", "l-dee")])
    controller._on_stage([{"id": passes[u].stage_id, "display": u} for u in ("host", "l-ana", "l-dee")])  # Bo away
    await controller.host_action(HostVerb.PROMOTE, str(passes["l-dee"].stage_id))
    return passes


def rosters(recorder: Recorder) -> list[tuple[str, Roster]]:
    return [(c[1], c[2]) for c in recorder.calls if c[0] == "whisper" and isinstance(c[2], Roster)]


async def test_the_signer_of_a_move_gets_the_stage_before_the_passes_go(controller: RoomController,
                                                                        janus: list[Recorder]) -> None:
    passes = await stage(controller)
    janus[0].calls.clear()
    act(controller, "l-host", passes["host"], HostVerb.MOVE, NEW)
    await settle()
    assert controller.book.moved == NEW and controller.book.ended
    (to, roster), = rosters(janus[0])
    assert to == "l-host" and roster.room == 1234
    assert sorted(roster.entries, key=lambda e: e.username) == [
        RosterEntry("l-ana", "Ana", Role.SPEAKER), RosterEntry("l-bo", "Bo", Role.SPEAKER),
        RosterEntry("l-dee", "Dee", Role.CO_HOST)]  # not the host, not Cy's mere invitation; Bo's pass is live
    first_removal = next(i for i, c in enumerate(janus[0].calls) if c[:2] == ("allowed", "remove"))
    roster_at = next(i for i, c in enumerate(janus[0].calls) if c[0] == "whisper" and isinstance(c[2], Roster))
    assert roster_at < first_removal  # whispered while everyone still held a pass
    assert rosters(janus[1]) == []  # only where the request came from (usernames are per server)
    assert len(controller.passes) == 0


async def test_the_roster_goes_to_the_server_the_move_came_from(controller: RoomController,
                                                                janus: list[Recorder]) -> None:
    passes = await stage(controller)
    controller._on_channel_event(controller.links[1], join("l-host", "Hana"))
    act(controller, "l-host", passes["host"], HostVerb.MOVE, NEW, link=1)
    await settle()
    assert [to for to, _ in rosters(janus[1])] == ["l-host"] and rosters(janus[0]) == []


@pytest.mark.parametrize("who", ["co-host", "speaker", "forger", "replay"])
async def test_no_roster_for_a_refused_move(controller: RoomController, janus: list[Recorder], who: str) -> None:
    passes = await stage(controller)
    if who == "replay":  # a recorded move of the host, sent again after a later action
        text = encode_host_action(sign(passes["host"], 5, HostVerb.MOVE, NEW))
        act(controller, "l-host", passes["host"], HostVerb.MUTE_ALL)
        controller._on_channel_event(controller.links[0], whisper("l-evil", text))
    else:
        signer = {"co-host": passes["l-dee"], "speaker": passes["l-ana"],
                  "forger": StagePass(1234, 77, "g" * 32)}[who]
        act(controller, "l-ana", signer, HostVerb.MOVE, NEW)
    await settle()
    assert controller.book.moved is None and rosters(janus[0]) == [] and rosters(janus[1]) == []


async def test_an_in_process_move_has_nobody_to_whisper_to(controller: RoomController,
                                                           janus: list[Recorder]) -> None:
    await stage(controller)
    await controller.host_action(HostVerb.MOVE, NEW)
    assert controller.book.moved == NEW and rosters(janus[0]) == []
    assert controller.hosts.roster() == []  # the passes are gone with the room


async def test_a_co_host_invite_issues_a_co_hosts_pass(controller: RoomController, janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    controller._on_channel_event(controller.links[0], join("l-dee", "Dee"))
    act(controller, "l-host", host, HostVerb.INVITE_CO_HOST, "l-dee")
    await settle()
    issued = controller.passes.of_user("l-dee")
    assert issued is not None and issued.role is Role.CO_HOST
    assert ("whisper", "l-dee", Invite(issued.stage_pass, 60.0)) in janus[0].calls
    controller._on_stage([{"id": issued.stage_id, "display": "Dee"}])
    assert controller.book.members[str(issued.stage_id)].role is Role.CO_HOST


async def test_an_invite_waits_for_its_invitee_to_join(controller: RoomController, janus: list[Recorder],
                                                       clock: Clock) -> None:
    host = await controller.host_pass("Hana")
    act(controller, "l-host", host, HostVerb.INVITE_CO_HOST, "l-dee")  # still following the move
    act(controller, "l-host", host, HostVerb.INVITE, "l-late")
    await settle()
    assert controller.passes.of_user("l-dee") is None  # nobody to whisper to yet
    controller._on_channel_event(controller.links[1], join("l-dee", "Dee"))  # joins on the edge
    await settle()
    issued = controller.passes.of_user("l-dee")
    assert issued is not None and issued.role is Role.CO_HOST
    assert ("whisper", "l-dee", Invite(issued.stage_pass, 60.0)) in janus[1].calls
    clock.now += INVITE_WAIT_S + 1
    controller._on_channel_event(controller.links[0], join("l-late", "Late"))  # too late: no invite
    await settle()
    assert controller.passes.of_user("l-late") is None


async def test_waiting_invites_are_bounded(controller: RoomController) -> None:
    for i in range(250):
        controller.access.wait_for(f"l-{i}", Role.SPEAKER)
    assert len(controller.access._waiting) == 200
    assert controller.access.joined("l-0") is None and controller.access.joined("l-249") is Role.SPEAKER
    assert controller.access.joined("l-249") is None  # taken once


async def test_a_banned_users_waiting_invite_is_refused(controller: RoomController, janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    controller.moderation.ban("l-evil")
    act(controller, "l-host", host, HostVerb.INVITE, "l-evil")
    await settle()
    assert controller.access._waiting == {}
