"""One voice per room (lab, real Janus): a second controller stands by while the first announces, then carries on
the same room — hands, roles, held mutes — when the first goes away; listeners never see two controllers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from app.controller.controller import RoomController
from app.controller.link import ControllerSecrets
from app.listener.listen import ListenSession
from app.room.protocol import CONTROLLER_SILENCE
from app.stage.speaker import Role
from tests.controller.test_host_actions_lab import host_on_stage, member
from tests.support.stage_lab import go_on_stage, speaker_session, tone_wav, until

pytestmark = pytest.mark.lab


async def test_a_second_controller_stands_by_then_takes_over_the_same_room(make_lab_room: Any,
                                                                           tmp_path: Path) -> None:
    room = await make_lab_room(speaker=None, controller=True)
    first = room.controller
    host, desk = await host_on_stage(room, tmp_path)
    ana = speaker_session(room, tone_wav(tmp_path / "a.wav", 440.0), "Ana")
    cy = ListenSession(room.link, use_device=False, display="Cy")
    listener = ListenSession(room.link, use_device=False)
    s = room.config.secrets
    second = RoomController(list(room.link.servers), room.link.room_id,
                            ControllerSecrets(stage=s.stage, feed=s.feed, channel=s.channel), "Lab room")
    controllers_seen: set[str] = set()
    listener.state.changed.connect(lambda state, change: controllers_seen.add(state.controller or ""))
    try:
        await asyncio.gather(listener.start(), cy.start())
        await go_on_stage(room, ana)
        await until(lambda: member(listener, "Ana") is not None, 3, "Ana on stage")
        ana_id = member(listener, "Ana").id
        await desk.mute(ana_id)
        await until(lambda: member(listener, "Ana").held, 1.5, "Ana held")
        cy.set_hand_raised(True)
        await until(lambda: len(listener.state.state.hands) == 1, 3, "Cy's hand")
        before = listener.state.state
        await second.start()
        await asyncio.sleep(3.0)  # it has heard the first one: nothing from it
        assert not second.announced.is_set() and second.handover.standing_by()
        assert listener.state.state.controller == first.username
        await room.stop_controller()
        took = await until(lambda: listener.state.state.controller == second.username, CONTROLLER_SILENCE + 5,
                           "the second controller announcing")
        after = listener.state.state
        assert [(h.id, h.raised_at) for h in after.hands] == [(h.id, h.raised_at) for h in before.hands]
        assert member(listener, "Ana").held and member(listener, "Ana").muted
        assert member(listener, "Hana").role.value == "host"
        # the hold is the new controller's now: a client that unmutes itself is put off the stage
        assert ana.stage is not None
        ana.mic.muted = False
        await ana.stage.stage.handle.message({"request": "configure", "muted": False})
        await until(lambda: member(listener, "Ana") is None, 1.5, "Ana removed by the new controller")
        await until(lambda: ana.role == Role.LISTENER or ana.stage is None or ana.stage.ended.done(), 3,
                    "Ana off the stage")
    finally:
        await asyncio.gather(ana.close(), host.close(), cy.close(), listener.close())
        await second.close()
    print(f"\nthe listener saw the second controller {took:.1f} s after the first went (the silence rule: "
          f"≤ {CONTROLLER_SILENCE:g} s after its last announcement); it saw {sorted(c for c in controllers_seen if c)}")
    assert controllers_seen - {""} == {first.username, second.username}
