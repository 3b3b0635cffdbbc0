"""Raised hands bound to the server they were raised on (§3.3): channel usernames are unique per server only, so the
same name on another of the room's servers is someone else. It gets no stage pass meant for the hand, cannot lower
it, and its leave does not lower it; two same-name hands on two servers are two hands, invited separately."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from app.controller.controller import RoomController
from app.controller.handover import adopt
from app.listener.state import RoomState
from app.room.errors import RoomError
from app.room.host_protocol import HostVerb, encode_host_action, sign
from app.room.protocol import Hand, parse_announcement
from app.room.protocol_encoding import encode
from app.room.stage_protocol import Invite, StageAnswer, StagePass, Uninvite, encode_stage
from tests.controller.stage_fakes import FakeStage, Recorder, only_pass, settle
from tests.controller.test_controller_unit import HAND_DOWN, HAND_UP, SECRETS, Clock, join, whisper

A, B = 0, 1  # the controller's two servers (links)
_SEQ = itertools.count(int(time.time() * 1000))  # host actions' seqs: always growing


def event(controller: RoomController, on: int, message: dict[str, object]) -> None:
    controller._on_channel_event(controller.links[on], message)


def leave(username: str, kind: str = "leave") -> dict[str, object]:
    return {"textroom": kind, "room": 1234, "username": username}


def host_act(controller: RoomController, host: StagePass, verb: HostVerb, target: str) -> None:
    """The host (l-host on A) whispers a signed action."""
    text = encode_host_action(sign(host, next(_SEQ), verb, target))
    event(controller, A, whisper("l-host", text))


def invites(recorder: Recorder, username: str) -> list[Invite]:
    return [c[2] for c in recorder.calls if c[0] == "whisper" and c[1] == username and isinstance(c[2], Invite)]


async def squatted_hand(controller: RoomController) -> StagePass:
    """Bo raised a hand on A; a squatter of Bo's channel username is on B. Returns the host's pass."""
    host = await controller.host_pass("Hana")
    event(controller, A, join("l-host", "Hana"))
    event(controller, A, join("l-bo", "Bo"))
    event(controller, B, join("l-bo", "Not Bo"))
    event(controller, A, whisper("l-bo", HAND_UP))
    assert [(h.id, h.name) for h in controller.book.hands.values()] == [("l-bo", "Bo")]  # the id old clients expect
    return host


async def test_inviting_a_hand_whispers_its_pass_only_on_its_server(controller: RoomController,
                                                                    janus: list[Recorder]) -> None:
    host = await squatted_hand(controller)
    host_act(controller, host, HostVerb.INVITE, "l-bo")
    await settle()
    issued = only_pass(controller.passes, "l-bo")
    assert issued is not None and issued.server == controller.links[A].url  # bound to the hand's server
    assert invites(janus[A], "l-bo") == [Invite(issued.stage_pass, 60.0)]
    assert invites(janus[B], "l-bo") == []  # the squatter got no token
    event(controller, B, whisper("l-bo", encode_stage(StageAnswer(False))))  # the squatter declines "for" Bo
    await settle()
    assert only_pass(controller.passes, "l-bo") is issued  # counted only from A
    await controller.revoke(issued.stage_id)
    assert ("whisper", "l-bo", Uninvite(1234)) in janus[A].calls
    assert not any(c[0] == "whisper" and isinstance(c[2], Uninvite) for c in janus[B].calls)


async def test_auto_invite_of_a_hand_goes_only_to_its_server(clock: Clock) -> None:
    ctl = RoomController(["ws://a.invalid:8188/janus", "ws://b.invalid:8188/janus"], 1234, SECRETS, "Room",
                         username="ctl-test", clock=clock, invite_hands=True)
    for link in ctl.links:
        link.connected = True
    ctl.links[A].stage = FakeStage()  # type: ignore[assignment]
    janus = [Recorder(link) for link in ctl.links]
    event(ctl, A, join("l-bo", "Bo"))
    event(ctl, B, join("l-bo", "Not Bo"))
    event(ctl, A, whisper("l-bo", HAND_UP))
    await asyncio.gather(*ctl._invites)
    issued = only_pass(ctl.passes, "l-bo")
    assert issued is not None and issued.server == ctl.links[A].url
    assert len(invites(janus[A], "l-bo")) == 1 and invites(janus[B], "l-bo") == []
    await ctl.close()


async def test_a_squatter_cannot_lower_the_hand_nor_its_leave(controller: RoomController,
                                                              janus: list[Recorder]) -> None:
    await squatted_hand(controller)
    event(controller, B, whisper("l-bo", HAND_DOWN))
    event(controller, B, leave("l-bo"))
    event(controller, B, join("l-bo", "Not Bo"))
    event(controller, B, leave("l-bo", "kicked"))
    assert list(controller.book.hands) == ["l-bo"]
    event(controller, A, leave("l-bo"))  # Bo leaves: the hand goes
    assert controller.book.hands == {}


async def test_the_raiser_lowers_its_own_hand(controller: RoomController, janus: list[Recorder]) -> None:
    await squatted_hand(controller)
    event(controller, A, whisper("l-bo", HAND_DOWN))
    assert controller.book.hands == {}


async def test_same_name_hands_on_two_servers_are_listed_and_invited_separately(controller: RoomController,
                                                                                 janus: list[Recorder],
                                                                                 clock: Clock) -> None:
    host = await controller.host_pass("Hana")
    event(controller, A, join("l-host", "Hana"))
    event(controller, A, join("l-bo", "Bo"))
    event(controller, B, join("l-bo", "Bob"))
    event(controller, B, whisper("l-bo", HAND_UP))
    event(controller, A, whisper("l-bo", HAND_UP))
    event(controller, A, whisper("l-bo", HAND_UP))  # again: keeps its place
    assert [(h.id, h.name) for h in controller.book.hands.values()] == [("l-bo", "Bob"), ("l-bo#2", "Bo")]
    snapshot = controller.book.snapshot()
    parsed = parse_announcement(encode(snapshot))
    assert [h.id for h in parsed.hands] == ["l-bo", "l-bo#2"] and parsed.hands_total == 2
    host_act(controller, host, HostVerb.INVITE, "l-bo#2")  # Bo, on A
    await settle()
    on_a = controller.passes.holder("l-bo", controller.links[A].url)
    assert on_a is not None and on_a.server == controller.links[A].url
    assert invites(janus[A], "l-bo") == [Invite(on_a.stage_pass, 60.0)] and invites(janus[B], "l-bo") == []
    host_act(controller, host, HostVerb.INVITE, "l-bo")  # Bob, on B: his own pass, Bo's stays
    await settle()
    on_b = controller.passes.holder("l-bo", controller.links[B].url)
    assert on_b is not None and on_b is not on_a and on_b.server == controller.links[B].url
    assert invites(janus[B], "l-bo") == [Invite(on_b.stage_pass, 60.0)]
    assert invites(janus[A], "l-bo") == [Invite(on_a.stage_pass, 60.0)]  # nothing more on A
    assert controller.passes.get(on_a.stage_id) is on_a
    event(controller, B, whisper("l-bo", encode_stage(StageAnswer(False))))  # Bob declines: only his pass ends
    await settle()
    assert controller.passes.get(on_b.stage_id) is None and controller.passes.get(on_a.stage_id) is on_a
    assert not any(c[0] == "whisper" and isinstance(c[2], Uninvite) for c in janus[A].calls)
    event(controller, B, leave("l-bo"))  # Bob's hand goes, Bo's stays with its id
    assert list(controller.book.hands) == ["l-bo#2"]


def bo_and_bob(controller: RoomController) -> None:
    """Bo (l-bo) on A and Bob (l-bo) on B, both in channel N; the host l-host on A."""
    event(controller, A, join("l-host", "Hana"))
    event(controller, A, join("l-bo", "Bo"))
    event(controller, B, join("l-bo", "Bob"))


def owners(controller: RoomController) -> dict[str, tuple[str | None, str]]:
    found = {i: controller.book.queue.owner(i) for i in controller.book.hands}
    return {i: (o.server, o.username) for i, o in found.items() if o is not None}


async def test_removing_a_member_by_its_id_withdraws_every_pass_of_its_name(controller: RoomController,
                                                                            janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    bo_and_bob(controller)
    event(controller, A, whisper("l-bo", HAND_UP))
    event(controller, B, whisper("l-bo", HAND_UP))
    host_act(controller, host, HostVerb.INVITE, "l-bo")
    host_act(controller, host, HostVerb.INVITE, "l-bo#2")
    await settle()
    on_a = controller.passes.holder("l-bo", controller.links[A].url)
    on_b = controller.passes.holder("l-bo", controller.links[B].url)
    assert on_a is not None and on_b is not None and on_a is not on_b
    controller.passes.seen([on_a.stage_id])  # Bo is on the stage
    host_act(controller, host, HostVerb.REMOVE, str(on_a.stage_id))
    await settle()
    assert controller.moderation.is_banned("l-bo") and controller.passes.all_of("l-bo") == []
    live = controller.passes.live_tokens()
    assert on_a.token not in live and on_b.token not in live  # the name is banned everywhere: no pass of it lives
    assert ("whisper", "l-bo", Uninvite(1234)) in janus[B].calls


async def test_a_takeover_binds_each_hand_to_the_one_server_its_name_is_on(controller: RoomController,
                                                                           janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    event(controller, A, join("l-host", "Hana"))
    event(controller, A, join("l-bo", "Bo"))
    event(controller, A, join("l-cy", "Cy"))
    event(controller, B, join("l-cy", "Not Cy"))
    # the silent controller announced Bo (A), Bob as l-bo#2, Cy (on both servers) and Dee (gone)
    left = RoomState(hands=(Hand("l-bo", "Bo", 1.0), Hand("l-bo#2", "Bob", 2.0), Hand("l-cy", "Cy", 3.0),
                            Hand("l-dee", "Dee", 4.0)), hands_total=4)
    adopt(left, controller.book, controller.moderation, {}, controller.links)
    assert owners(controller) == {"l-bo": (controller.links[A].url, "l-bo")}  # the rest raise again (§5)
    assert controller.book.hands["l-bo"].raised_at == 1.0  # its place and time kept
    event(controller, B, join("l-bo", "Squatter"))
    event(controller, B, whisper("l-bo", HAND_UP))  # the squatter raises: its own hand, behind Bo's
    event(controller, B, whisper("l-bo", HAND_DOWN))
    event(controller, B, whisper("l-bo", HAND_UP))
    assert owners(controller) == {"l-bo": (controller.links[A].url, "l-bo"), "l-bo#3": (controller.links[B].url,
                                                                                          "l-bo")}
    event(controller, B, whisper("l-bo", HAND_DOWN))  # a same-name non-raiser's periodic `hand false`
    assert list(controller.book.hands) == ["l-bo"]
    host_act(controller, host, HostVerb.INVITE, "l-bo")
    await settle()
    assert len(invites(janus[A], "l-bo")) == 1 and invites(janus[B], "l-bo") == []


async def test_a_raiser_whose_name_cannot_be_its_id_is_refused(controller: RoomController) -> None:
    for username in ("l-bo#2", "l-bo#17", "x" * 113, "l-\x07bo"):
        event(controller, A, join(username, "Mallory"))
        event(controller, A, whisper(username, HAND_UP))
    assert controller.book.hands == {}
    for username in ("l-bo#", "l-bo#x", "x" * 112):  # names an id may be, as they are
        event(controller, A, join(username, "Fine"))
        event(controller, A, whisper(username, HAND_UP))
    assert list(controller.book.hands) == ["l-bo#", "l-bo#x", "x" * 112]


async def test_a_stale_generated_id_reaches_nobody(controller: RoomController, janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    bo_and_bob(controller)
    event(controller, A, join("l-bo#2", "Mallory"))  # named like the id Bob's hand will get
    event(controller, A, whisper("l-bo", HAND_UP))
    event(controller, B, whisper("l-bo", HAND_UP))
    event(controller, A, whisper("l-bo#2", HAND_UP))  # refused: it would own the id "l-bo#2"
    assert owners(controller) == {"l-bo": (controller.links[A].url, "l-bo"),
                                  "l-bo#2": (controller.links[B].url, "l-bo")}
    event(controller, B, whisper("l-bo", HAND_DOWN))  # Bob lowers just before the host's click lands
    with pytest.raises(RoomError, match="no raised hand"):
        await controller.host_action(HostVerb.INVITE, "l-bo#2")
    event(controller, B, whisper("l-bo", HAND_UP))  # Bob again: a new number, never the stale one
    assert list(controller.book.hands) == ["l-bo", "l-bo#3"]
    host_act(controller, host, HostVerb.INVITE, "l-bo#2")
    await settle()
    assert invites(janus[A], "l-bo#2") == invites(janus[B], "l-bo#2") == [] and controller.passes.all_of("l-bo") == []


async def test_inviting_a_plain_name_binds_it_to_the_one_server_it_is_on(controller: RoomController,
                                                                         janus: list[Recorder]) -> None:
    await controller.host_pass("Hana")
    bo_and_bob(controller)
    event(controller, B, join("l-cy", "Cy"))
    with pytest.raises(RoomError, match="2 of the room's servers"):
        await controller.host_action(HostVerb.INVITE, "l-bo")  # no hand: which of the two would it be?
    assert controller.passes.all_of("l-bo") == [] and invites(janus[A], "l-bo") == invites(janus[B], "l-bo") == []
    await controller.host_action(HostVerb.INVITE, "l-cy")
    issued = controller.passes.all_of("l-cy")
    assert [p.server for p in issued] == [controller.links[B].url] and len(invites(janus[B], "l-cy")) == 1
    with pytest.raises(RoomError, match="not in the room's channel"):
        await controller.host_action(HostVerb.INVITE, "l-nobody")


async def test_a_freed_name_id_goes_to_the_next_raiser_and_numbers_are_not_reused(controller: RoomController) -> None:
    bo_and_bob(controller)
    event(controller, A, whisper("l-bo", HAND_UP))
    event(controller, B, whisper("l-bo", HAND_UP))
    event(controller, A, whisper("l-bo", HAND_DOWN))  # Bo lowers: "l-bo" is free, Bob keeps l-bo#2
    event(controller, A, whisper("l-bo", HAND_UP))
    assert owners(controller) == {"l-bo#2": (controller.links[B].url, "l-bo"),
                                  "l-bo": (controller.links[A].url, "l-bo")}
    event(controller, B, whisper("l-bo", HAND_DOWN))
    event(controller, B, whisper("l-bo", HAND_UP))  # Bob again: "l-bo#2" is not handed out twice
    assert list(controller.book.hands) == ["l-bo", "l-bo#3"]


async def test_removing_a_hand_by_its_id_bans_its_name(controller: RoomController, janus: list[Recorder]) -> None:
    host = await controller.host_pass("Hana")
    event(controller, A, join("l-host", "Hana"))
    event(controller, A, join("l-bo", "Bo"))
    event(controller, B, join("l-bo", "Bob"))
    event(controller, A, whisper("l-bo", HAND_UP))
    event(controller, B, whisper("l-bo", HAND_UP))
    host_act(controller, host, HostVerb.REMOVE, "l-bo#2")
    await settle()
    assert controller.moderation.is_banned("l-bo") and controller.book.hands == {}
    assert not controller.moderation.is_banned("l-bo#2")


async def test_a_leave_on_one_server_forgets_only_that_servers_asker(controller: RoomController) -> None:
    event(controller, A, join("l-bo", "Bo"))
    event(controller, B, join("l-bo", "Bob"))  # both ask for the state by joining
    event(controller, A, leave("l-bo"))
    assert "l-bo" in controller.askers._waiting[controller.links[B]]  # Bob still gets his answer
    assert "l-bo" not in controller.askers._waiting[controller.links[A]]
