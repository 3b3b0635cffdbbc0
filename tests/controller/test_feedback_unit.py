"""The feedback flag without Janus: whose report counts, how the flag reaches the announcements, when it ends."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from app.controller.controller import RoomController
from app.controller.feedback_flags import FeedbackFlags
from app.room.protocol import Delta, Role, Snapshot, StageMember, parse_announcement
from app.room.protocol_encoding import encode
from app.room.stage_protocol import FeedbackReport, StagePass, encode_stage
from tests.controller.stage_fakes import Recorder
from tests.controller.test_controller_unit import Clock, join, whisper

REPORT = encode_stage(FeedbackReport(2012.5))


def poll(controller: RoomController, *on_stage: tuple[StagePass, bool]) -> None:
    """One stage poll showing these passes' participants, muted or not."""
    controller._on_stage([{"id": p.stage_id, "display": f"S{p.stage_id}", "muted": muted} for p, muted in on_stage])


def member(controller: RoomController, stage_pass: StagePass) -> StageMember:
    return controller.book.members[str(stage_pass.stage_id)]


def next_delta(controller: RoomController, clock: Clock) -> Delta:
    clock.now += 1.0
    message = controller.book.due()
    assert isinstance(message, Delta)
    return message


async def on_stage(controller: RoomController, username: str, clock: Clock) -> StagePass:
    """`username` invited and seen on the stage, unmuted; the first snapshot already went out."""
    controller._on_channel_event(controller.links[0], join(username, username))
    stage_pass = await controller.invite(username)
    poll(controller, (stage_pass, False))
    assert isinstance(controller.book.due(), Snapshot)
    return stage_pass


async def test_a_report_from_a_pass_holder_on_stage_flags_its_member_in_the_next_delta(
        controller: RoomController, janus: list[Recorder], clock: Clock) -> None:
    ana = await on_stage(controller, "l-ana", clock)
    controller._on_channel_event(controller.links[0], whisper("l-ana", REPORT))
    assert member(controller, ana).feedback and controller.drops.lines == 0
    delta = next_delta(controller, clock)
    assert [(m.id, m.feedback) for m in delta.upsert] == [(str(ana.stage_id), True)]
    text = encode(delta)
    assert json.loads(text)["upsert"][0]["feedback"] is True and parse_announcement(text) == delta
    poll(controller, (ana, True))  # the guard's AudioBridge mute shows up in a poll: the flag stays
    assert member(controller, ana).feedback and member(controller, ana).muted
    snapshot = controller.book.snapshot()
    assert [m.feedback for m in snapshot.members] == [True]


@pytest.mark.parametrize("who", ["stranger", "invited", "away"])
async def test_a_report_from_anyone_not_on_stage_is_dropped_with_one_line(
        controller: RoomController, janus: list[Recorder], clock: Clock, who: str,
        caplog: pytest.LogCaptureFixture) -> None:
    ana = await on_stage(controller, "l-ana", clock)
    link = controller.links[0]
    controller._on_channel_event(link, join("l-bo", "Bo"))
    if who == "invited":
        await controller.invite("l-bo")  # a pass, but not yet on the stage
    elif who == "away":
        bo = await controller.invite("l-bo")
        poll(controller, (ana, False), (bo, False))
        poll(controller, (ana, False))  # Bo dropped off the stage: his pass is away
    with caplog.at_level(logging.WARNING, logger="app.controller.controller"):
        controller._on_channel_event(link, whisper("l-bo", REPORT))
        controller._on_channel_event(link, whisper("l-bo", REPORT))
    assert not any(m.feedback for m in controller.book.members.values()) and len(controller.feedback) == 0
    lines = [r.getMessage() for r in caplog.records if "dropped a whisper" in r.getMessage()]
    assert len(lines) == 1 and "l-bo" in lines[0] and "not on stage" in lines[0]


async def test_a_directly_admitted_member_cannot_be_flagged_by_anyone(controller: RoomController,
                                                                     janus: list[Recorder], clock: Clock) -> None:
    demo = await controller.admit("Demo", Role.HOST)  # no channel user holds this pass
    poll(controller, (demo, False))
    controller._on_channel_event(controller.links[0], join("l-eve", "Eve"))
    controller._on_channel_event(controller.links[0], whisper("l-eve", REPORT))
    assert not member(controller, demo).feedback and controller.drops.lines == 1


async def test_the_flag_ends_when_the_speaker_unmutes_after_a_poll_showed_the_mute(
        controller: RoomController, janus: list[Recorder], clock: Clock) -> None:
    ana = await on_stage(controller, "l-ana", clock)
    controller._on_channel_event(controller.links[0], whisper("l-ana", REPORT))
    poll(controller, (ana, False))  # the report overtook the mute: this reading is older news, not an unmute
    assert member(controller, ana).feedback
    poll(controller, (ana, True))
    poll(controller, (ana, True))
    assert member(controller, ana).feedback
    next_delta(controller, clock)
    poll(controller, (ana, False))  # the speaker unmuted
    assert not member(controller, ana).feedback and len(controller.feedback) == 0
    delta = next_delta(controller, clock)
    assert [(m.feedback, m.muted) for m in delta.upsert] == [(False, False)]
    assert "feedback" not in json.loads(encode(delta))["upsert"][0]
    poll(controller, (ana, True))  # a later mute of its own is just a mute
    assert not member(controller, ana).feedback


async def test_the_flag_ends_when_the_member_leaves_the_stage(controller: RoomController, janus: list[Recorder],
                                                              clock: Clock) -> None:
    ana = await on_stage(controller, "l-ana", clock)
    controller._on_channel_event(controller.links[0], whisper("l-ana", REPORT))
    poll(controller, (ana, True))
    next_delta(controller, clock)
    poll(controller)  # gone from the stage (a network drop counts too)
    assert str(ana.stage_id) not in controller.book.members and len(controller.feedback) == 0
    assert next_delta(controller, clock).remove == (str(ana.stage_id),)
    poll(controller, (ana, True))  # back with the same pass, still muted: no longer flagged
    assert not member(controller, ana).feedback


async def test_a_role_change_keeps_the_flag(controller: RoomController, janus: list[Recorder], clock: Clock) -> None:
    ana = await on_stage(controller, "l-ana", clock)
    controller._on_channel_event(controller.links[0], whisper("l-ana", REPORT))
    controller.set_role(str(ana.stage_id), Role.CO_HOST)
    assert member(controller, ana).feedback and member(controller, ana).role is Role.CO_HOST


def test_flags_follow_the_polled_stage() -> None:
    flags = FeedbackFlags()
    a, b = StageMember("1", "A", Role.SPEAKER, False, False), StageMember("2", "B", Role.SPEAKER, True, False)
    flags.flag("1")
    assert [m.feedback for m in flags.apply([a, b])] == [True, False]
    muted_a = StageMember("1", "A", Role.SPEAKER, True, False)
    assert flags.apply([muted_a, b])[0].feedback
    flags.flag("1")  # a second report: the next unmuted reading may predate its mute again
    assert flags.apply([a, b])[0].feedback
    assert flags.apply([muted_a])[0].feedback
    assert not flags.apply([a])[0].feedback and "1" not in flags
    flags.flag("2")
    assert flags.apply([a]) == [a] and "2" not in flags  # not on the stage: nothing to flag


async def test_a_signed_report_flags_a_pass_handed_over_directly(controller: RoomController, janus: list[Recorder],
                                                                 clock: Clock) -> None:
    """The room's host took its pass onto the stage without an invite: no channel name is tied to its pass, so
    only its signature says whose report it is; someone else's signature or member id does not count."""
    from app.room.host_protocol import HostVerb, encode_host_action, sign

    host = await controller.admit("Hana", Role.HOST)
    speaker = await controller.admit("Sam")
    poll(controller, (host, False), (speaker, False))
    assert isinstance(controller.book.due(), Snapshot)
    controller._on_channel_event(controller.links[0], join("l-any", "Any"))
    forged = sign(speaker, 5, HostVerb.FEEDBACK, str(host.stage_id))  # Sam claims the host howls
    controller._on_channel_event(controller.links[0], whisper("l-any", encode_host_action(forged)))
    await asyncio.sleep(0)
    assert not member(controller, host).feedback
    report = sign(host, 6, HostVerb.FEEDBACK, str(host.stage_id))
    controller._on_channel_event(controller.links[0], whisper("l-any", encode_host_action(report)))
    await asyncio.sleep(0)
    assert member(controller, host).feedback
    clock.now += 1.0
    message = controller.book.due()  # a snapshot: the new channel member asked for one
    assert message is not None
    shown = message.members if isinstance(message, Snapshot) else message.upsert
    assert [m.id for m in shown if m.feedback] == [str(host.stage_id)]
