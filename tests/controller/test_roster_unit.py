"""Roles travel with a move, on the controller's side (§3.8): the old controller whispers the stage's roster (with a
proof per place) only to the signer of an accepted `move`, before it takes the passes away; the new controller
invites, with the role, whoever claims a place's proof that its host handed on, and nobody else: not a squatter of
the speaker's channel username."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from app.controller.controller import RoomController
from app.controller.stage_access import CARRY_WAIT_S
from app.room.host_protocol import HostVerb, encode_host_action, sign
from app.room.protocol import Role
from app.room.roster_protocol import CarryClaim, Roster, RosterEntry, carry_proof, encode_claim
from app.room.stage_protocol import FeedbackReport, Invite, StageAnswer, StagePass, encode_stage
from tests.controller.stage_fakes import Recorder, only_pass, settle
from tests.controller.test_controller_unit import Clock, join, whisper

NEW = "plaza+ws://198.18.0.2:8288/5678"


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
    def proof(user: str) -> str:  # what the holder computes from its own pass (app.stage.carry)
        return carry_proof(passes[user].token, 1234, passes[user].stage_id)

    assert sorted(roster.entries, key=lambda e: e.username) == [
        RosterEntry("l-ana", "Ana", Role.SPEAKER, proof("l-ana")), RosterEntry("l-bo", "Bo", Role.SPEAKER,
                                                                             proof("l-bo")),
        RosterEntry("l-dee", "Dee", Role.CO_HOST, proof("l-dee"))]  # not the host, not Cy's invitation; Bo's is live
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


PROOF = carry_proof("old-token-of-dee-xxxxxxxxxx", 1234, 7)


def claim(controller: RoomController, sender: str, proof: str = PROOF, room: int = 1234, link: int = 0) -> None:
    text = encode_claim(CarryClaim(room, proof))
    controller._on_channel_event(controller.links[link], whisper(sender, text))


async def test_a_carried_place_goes_to_whoever_claims_its_proof(controller: RoomController, janus: list[Recorder],
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    host = await controller.host_pass("Hana")
    for user, name in (("l-dee", "Dee"), ("l-evil", "Dee")):  # a squatter took Dee's old name here...
        controller._on_channel_event(controller.links[0], join(user, name))
    controller._on_channel_event(controller.links[1], join("l-dee", "Dee"))  # ...and Dee, on an edge, kept hers
    act(controller, "l-host", host, HostVerb.CARRY_CO_HOST, PROOF)
    await settle()
    assert len(controller.passes) == 1  # the host's: nobody is invited by name
    claim(controller, "l-evil", carry_proof("a-guess-xxxxxxxxxxxxxxxxxxx", 1234, 7))
    claim(controller, "l-dee", "0" * 64)  # the squatter of Dee's name, on the origin
    await settle()
    assert controller.passes.all_of("l-evil") == [] and controller.passes.all_of("l-dee") == []
    claim(controller, "l-dee", link=1)
    await settle()
    issued = only_pass(controller.passes, "l-dee")
    assert issued is not None and issued.role is Role.CO_HOST and issued.server == controller.links[1].url
    assert ("whisper", "l-dee", Invite(issued.stage_pass, 60.0)) in janus[1].calls
    assert not any(c[0] == "whisper" and isinstance(c[2], Invite) for c in janus[0].calls)  # not to the squatter
    decline = encode_stage(StageAnswer(False))
    controller._on_channel_event(controller.links[0], whisper("l-dee", decline))  # the squatter, in Dee's name
    await settle()
    assert only_pass(controller.passes, "l-dee") is issued  # not withdrawn: the pass is Dee's on the edge
    controller._on_stage([{"id": issued.stage_id, "display": "Dee"}])
    assert controller.book.members[str(issued.stage_id)].role is Role.CO_HOST
    claim(controller, "l-evil")  # the proof, learnt somehow, from someone else: the place is Dee's
    await settle()
    assert controller.passes.all_of("l-evil") == []
    assert PROOF not in caplog.text  # a capability: never logged


async def test_a_repeated_claim_gets_the_same_invite_again(controller: RoomController, janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    controller._on_channel_event(controller.links[0], join("l-ana", "Ana"))
    act(controller, "l-host", host, HostVerb.CARRY_SPEAKER, PROOF)
    await settle()
    claim(controller, "l-ana")
    await settle()
    first = only_pass(controller.passes, "l-ana")
    assert first is not None
    claim(controller, "l-ana")  # its invite was lost, or crossed this claim: the same pass, not a fresh one
    await settle()
    assert only_pass(controller.passes, "l-ana") is first
    invites = [c[2] for c in janus[0].calls if c[0] == "whisper" and isinstance(c[2], Invite)]
    assert [i.stage_pass for i in invites] == [first.stage_pass] * 2


async def test_a_failed_invite_leaves_the_place_for_the_next_claim(controller: RoomController,
                                                                   janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    act(controller, "l-host", host, HostVerb.CARRY_SPEAKER, PROOF)
    await settle()
    claim(controller, "l-ana")  # not in the channel's list yet (its join event comes later): no invite
    await settle()
    assert controller.passes.all_of("l-ana") == []
    controller._on_channel_event(controller.links[0], join("l-ana", "Ana"))
    claim(controller, "l-ana")
    await settle()
    assert controller.passes.all_of("l-ana") != []


async def test_a_claim_before_the_hosts_request_is_sent_again_and_then_taken(controller: RoomController,
                                                                             janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    controller._on_channel_event(controller.links[0], join("l-ana", "Ana"))
    claim(controller, "l-ana")  # the speaker got here first: nothing to claim yet (the client claims again)
    await settle()
    assert controller.passes.all_of("l-ana") == []
    act(controller, "l-host", host, HostVerb.CARRY_SPEAKER, PROOF)
    await settle()
    claim(controller, "l-ana")
    await settle()
    issued = only_pass(controller.passes, "l-ana")
    assert issued is not None and issued.role is Role.SPEAKER


@pytest.mark.parametrize("case", ["late", "other room", "banned", "co-host carries", "speaker carries"])
async def test_a_carried_place_is_refused(controller: RoomController, janus: list[Recorder], clock: Clock,
                                          case: str) -> None:
    host = await controller.host_pass("Hana")
    controller._on_channel_event(controller.links[0], join("l-ana", "Ana"))
    signer = host
    if case in ("co-host carries", "speaker carries"):  # only the host who moved the room hands places on
        controller._on_channel_event(controller.links[0], join("l-co", "Co"))
        signer = await controller.invite("l-co")
        controller._on_stage([{"id": signer.stage_id, "display": "Co"}])
        if case == "co-host carries":
            await controller.host_action(HostVerb.PROMOTE, str(signer.stage_id))
    act(controller, "l-host", signer, HostVerb.CARRY_SPEAKER, PROOF)
    await settle()
    if case == "late":
        clock.now += CARRY_WAIT_S + 1
    if case == "banned":
        controller.moderation.ban("l-ana")
    claim(controller, "l-ana", room=1235 if case == "other room" else 1234)
    await settle()
    assert controller.passes.all_of("l-ana") == []


async def test_carried_places_are_bounded(controller: RoomController) -> None:
    proofs = [carry_proof(f"token-{i}-xxxxxxxxxxxxxxxxxxxx", 1234, i + 1) for i in range(250)]
    for proof in proofs:
        controller.access.expect(proof, Role.SPEAKER)
    assert len(controller.access._expected) == 200
    url = controller.links[0].url
    assert controller.access.claim(proofs[0], url, "l-a") is None
    assert controller.access.claim(proofs[-1], url, "l-a") is Role.SPEAKER
    assert controller.access.claim(proofs[-1], url, "l-b") is None  # another's now
    assert controller.access.claim(proofs[-1], url, "l-a") is Role.SPEAKER  # (its claim again)


async def test_a_second_move_while_the_first_whispers_its_roster_is_refused(controller: RoomController,
                                                                            janus: list[Recorder],
                                                                            caplog: pytest.LogCaptureFixture) -> None:
    passes = await stage(controller)
    recorded = controller.links[0].whisper

    async def slow_whisper(username: str, text: str) -> bool:  # the roster takes a while to reach Janus
        await asyncio.sleep(0.05)
        return await recorded(username, text)

    controller.links[0].whisper = slow_whisper  # type: ignore[method-assign]
    first = encode_host_action(sign(passes["host"], 10**12, HostVerb.MOVE, NEW))
    second = encode_host_action(sign(passes["host"], 10**12 + 1, HostVerb.MOVE, "plaza+ws://198.18.0.2:8288/9999"))
    caplog.set_level(logging.WARNING)
    for text in (first, second):  # (distinct seqs: not refused as a replay)
        controller._on_channel_event(controller.links[0], whisper("l-host", text))
    await settle()
    await asyncio.sleep(0.1)
    await settle()
    assert "the room is already moving" in caplog.text and "replayed" not in caplog.text
    assert controller.book.moved == NEW and len(rosters(janus[0])) == 1


async def test_a_bound_pass_is_not_acted_on_or_replaced_from_another_server(controller: RoomController,
                                                                           janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    controller._on_channel_event(controller.links[1], join("l-dee", "Dee"))  # Dee on an edge...
    controller._on_channel_event(controller.links[0], join("l-dee", "Not Dee"))  # ...her name on the origin
    act(controller, "l-host", host, HostVerb.CARRY_SPEAKER, PROOF)
    await settle()
    claim(controller, "l-dee", link=1)
    await settle()
    issued = only_pass(controller.passes, "l-dee")
    assert issued is not None
    controller._on_stage([{"id": issued.stage_id, "display": "Dee"}])
    report = encode_stage(FeedbackReport(1000.0))
    controller._on_channel_event(controller.links[0], whisper("l-dee", report))  # the other one's "feedback"
    await settle()
    assert not controller.book.members[str(issued.stage_id)].feedback
    act(controller, "l-host", host, HostVerb.INVITE, "l-dee")  # a host invites "l-dee" by name (a raised hand)
    await settle()
    assert only_pass(controller.passes, "l-dee") is issued  # not replaced, and no token to the origin's one
    assert not any(c[0] == "whisper" and isinstance(c[2], Invite) for c in janus[0].calls)
    controller._on_channel_event(controller.links[1], whisper("l-dee", report))  # Dee's own report counts
    await settle()
    assert controller.book.members[str(issued.stage_id)].feedback
