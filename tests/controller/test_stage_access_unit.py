"""The controller's stage access without Janus: which `allowed`/`kick` requests and whispers it makes, and when."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from app.controller.controller import RoomController
from app.room.errors import RoomError
from app.room.protocol import Role
from app.room.stage_protocol import Invite, Uninvite, encode_stage
from tests.controller.stage_fakes import FakeStage, Recorder, only_pass
from tests.controller.test_controller_unit import SECRETS, Clock, join, whisper


def left() -> str:
    return json.dumps({"v": 1, "type": "left"})


def answer(accepted: bool) -> str:
    return json.dumps({"v": 1, "type": "answer", "accepted": accepted})


async def test_invite_adds_the_token_then_whispers_on_every_server_of_the_user(controller: RoomController,
                                                                              janus: list[Recorder]) -> None:
    a, b = controller.links
    controller._on_channel_event(a, join("l-ana", "Ana"))
    controller._on_channel_event(b, join("l-ana", "Ana"))
    stage_pass = await controller.invite("l-ana", ttl=30.0)
    assert janus[0].calls == [("allowed", "add", [stage_pass.token]),
                              ("whisper", "l-ana", Invite(stage_pass, 30.0))]
    assert janus[1].calls == [("whisper", "l-ana", Invite(stage_pass, 30.0))]
    issued = only_pass(controller.passes, "l-ana")
    assert issued is not None and issued.display == "Ana"


async def test_invite_refuses_a_stranger_and_an_unreachable_stage(controller: RoomController,
                                                                  janus: list[Recorder]) -> None:
    with pytest.raises(RoomError, match="not in the room"):
        await controller.invite("l-nobody")
    controller._on_channel_event(controller.links[0], join("l-ana", "Ana"))
    janus[0].fail = True
    with pytest.raises(RoomError, match="could not add"):
        await controller.invite("l-ana")
    assert len(controller.passes) == 0 and not any(c[0] == "whisper" for c in janus[0].calls)
    controller.links[0].stage = None
    with pytest.raises(RoomError, match="cannot reach the stage"):
        await controller.admit("Demo")


async def test_revoke_removes_uninvites_and_kicks(controller: RoomController, janus: list[Recorder]) -> None:
    controller._on_channel_event(controller.links[0], join("l-ana", "Ana"))
    stage_pass = await controller.invite("l-ana")
    controller._on_stage([{"id": stage_pass.stage_id, "display": "Ana"}])
    janus[0].calls.clear()
    await controller.revoke(stage_pass.stage_id)
    assert janus[0].calls == [("allowed", "remove", [stage_pass.token]), ("kick", stage_pass.stage_id),
                              ("whisper", "l-ana", Uninvite(1234))]
    janus[0].calls.clear()
    await controller.revoke(stage_pass.stage_id)  # again: nothing left to do
    assert janus[0].calls == []


async def test_admit_is_silent_and_its_role_shows_on_stage(controller: RoomController,
                                                          janus: list[Recorder]) -> None:
    demo = await controller.admit("Demo", Role.HOST)
    guest = await controller.admit("Guest")
    assert [c[:2] for c in janus[0].calls] == [("allowed", "add"), ("allowed", "add")]
    controller._on_stage([{"id": 5, "display": "Early"}, {"id": guest.stage_id, "display": "Guest"},
                          {"id": demo.stage_id, "display": "Demo"}])
    roles = {m.name: m.role for m in controller.book.members.values()}
    assert roles == {"Early": Role.HOST, "Guest": Role.SPEAKER, "Demo": Role.HOST}  # Early: the first, no pass
    assert controller.book.members[str(demo.stage_id)].role is Role.HOST


async def test_left_and_decline_whispers_end_the_pass_of_their_sender(controller: RoomController,
                                                                     janus: list[Recorder]) -> None:
    link = controller.links[0]
    for name in ("l-ana", "l-bo"):
        controller._on_channel_event(link, join(name, name))
    ana = await controller.invite("l-ana")
    bo = await controller.invite("l-bo")
    janus[0].calls.clear()
    controller._on_channel_event(link, whisper("l-ana", answer(True)))
    controller._on_channel_event(link, whisper("l-bo", left()))  # not Ana's pass: only Bo's ends
    await controller.access.flush()
    assert janus[0].calls == [("allowed", "remove", [bo.token])]
    controller._on_channel_event(link, whisper("l-ana", answer(False)))
    await controller.access.flush()
    assert janus[0].calls[-1] == ("allowed", "remove", [ana.token]) and len(controller.passes) == 0
    assert controller.drops.lines == 0


async def test_expiry_runs_by_itself(controller: RoomController, janus: list[Recorder], clock: Clock) -> None:
    controller._on_channel_event(controller.links[0], join("l-ana", "Ana"))
    stage_pass = await controller.invite("l-ana", ttl=60.0)
    controller.access.tick = 0.01
    task = asyncio.create_task(controller.access.run())
    try:
        await asyncio.sleep(0.05)
        assert len(controller.passes) == 1
        clock.now += 60.0
        for _ in range(100):
            if len(controller.passes) == 0 and janus[0].calls[-1][0] == "whisper":
                break
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
    assert janus[0].calls[-2:] == [("allowed", "remove", [stage_pass.token]), ("whisper", "l-ana", Uninvite(1234))]


async def test_a_reconnect_removes_what_failed_adds_the_live_then_enables(controller: RoomController,
                                                                         janus: list[Recorder]) -> None:
    stays = await controller.admit("Stays")
    goes = await controller.admit("Goes")
    janus[0].fail = True
    await controller.revoke(goes.stage_id)  # the stage is unreachable: the token stays pending
    janus[0].fail = False
    janus[0].calls.clear()
    watcher = controller.access.watcher  # the controller's own place on the stage, without media
    await controller._on_stage_connect(controller.links[0])
    live = sorted([stays.token, watcher.token])
    assert janus[0].calls == [("allowed", "remove", [goes.token]), ("allowed", "add", live),
                              ("allowed", "enable", None), ("watch", watcher.stage_id)]
    janus[0].calls.clear()
    await controller._on_stage_connect(controller.links[0])  # nothing pending any more
    assert janus[0].calls == [("allowed", "add", live), ("allowed", "enable", None), ("watch", watcher.stage_id)]


async def test_a_fresh_controller_closes_the_stage_even_without_passes(controller: RoomController,
                                                                      janus: list[Recorder]) -> None:
    watcher = controller.access.watcher
    await controller._on_stage_connect(controller.links[0])
    assert janus[0].calls == [("allowed", "add", [watcher.token]), ("allowed", "enable", None),
                              ("watch", watcher.stage_id)]


async def test_invite_hands_invites_a_newly_raised_hand_once(clock: Clock) -> None:
    ctl = RoomController(["ws://a.invalid:8188/janus"], 1234, SECRETS, "Room", username="ctl-test", clock=clock,
                         invite_hands=True)
    link = ctl.links[0]
    link.connected = True
    link.stage = FakeStage()  # type: ignore[assignment]
    janus = Recorder(link)
    ctl._on_channel_event(link, join("l-ana", "Ana"))
    hand_up = json.dumps({"v": 1, "type": "hand", "raised": True})
    ctl._on_channel_event(link, whisper("l-ana", hand_up))
    ctl._on_channel_event(link, whisper("l-ana", hand_up))
    await asyncio.gather(*ctl._invites)
    invites = [c for c in janus.calls if c[0] == "whisper"]
    assert len(invites) == 1 and isinstance(invites[0][2], Invite)
    await ctl.close()


def test_an_invite_whisper_never_logs_its_token(controller: RoomController, caplog: pytest.LogCaptureFixture) -> None:
    from app.janus.redact import redacted_json
    from app.room.stage_protocol import StagePass

    stage_pass = StagePass(1234, 7, "t" * 32)
    text = encode_stage(Invite(stage_pass, 60.0))
    shown = redacted_json({"textroom": "message", "room": 1234, "to": "l-ana", "text": text})
    assert stage_pass.token not in shown and "invite" in shown
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("app").debug("%r", stage_pass)
    assert stage_pass.token not in caplog.text


async def test_a_speaker_from_the_audience_is_counted_once(controller: RoomController,
                                                           janus: list[Recorder]) -> None:
    a, b = controller.links
    controller._on_channel_event(a, join("l-ana", "Ana"))
    demo = await controller.admit("Demo", Role.HOST)  # the local demo speaker: not a feed viewer
    ana = await controller.invite("l-ana")  # Ana keeps her feed on stage (make-before-break)
    controller._on_stage([{"id": demo.stage_id, "display": "Demo"}, {"id": ana.stage_id, "display": "Ana"}])
    a.viewers, a.viewers_at = 3, 50.0  # Ana and two listeners
    b.viewers, b.viewers_at = 0, 50.0
    controller._update_count()
    assert controller.book.listeners is not None and controller.book.listeners.count == 4  # 3 viewers + Demo
