"""Raised hands on a room of two servers, on real Janus: a squatter who joins the edge's channel under a listener's
username (names are unique per server only) gets no stage pass meant for that listener's hand, cannot lower it, and
its leave does not lower it; its own hand is a second hand of that name, invited on the edge only (§3.3)."""

from __future__ import annotations

from typing import Any

import pytest

from app.room.errors import RoomError
from app.room.host_protocol import HostVerb
from app.room.stage_protocol import Invite, ToListener
from tests.listener.test_room_state_lab import LabListener, edge_and_controller, wait_until

pytestmark = pytest.mark.lab


def invites_of(listener: LabListener) -> list[Invite]:
    got: list[Invite] = []

    def on(message: ToListener) -> None:
        if isinstance(message, Invite):
            got.append(message)

    listener.channel.stage_whispers.connect(on)
    return got


async def test_a_squatter_on_the_edge_gets_nothing_of_a_hand_raised_on_the_origin(lab: Any,
                                                                                   make_lab_room: Any) -> None:

    origin = await make_lab_room(speaker=None, controller=False)
    edge, controller = edge_and_controller(lab, origin, "Two servers")
    bo = LabListener(origin, "Bo", feed=False)
    name = bo.channel.username
    squatter = LabListener(origin, "Not Bo", feed=False, server=edge.config.ws_url, username=name)
    bo_invites, squatter_invites = invites_of(bo), invites_of(squatter)
    try:
        await edge.start()
        await controller.start()
        await bo.open()
        await squatter.open()
        await wait_until(lambda: bo.state.controller == squatter.state.controller == controller.username, 5.0,
                         lambda: f"controller {bo.state.controller} {squatter.state.controller}")
        bo.channel.set_hand_raised(True)
        await wait_until(lambda: [h.id for h in squatter.state.hands] == [name], 3.0, lambda: "Bo's hand")
        owner = controller.book.queue.owner(name)
        assert owner is not None and owner.server == origin.config.ws_url
        assert bo.model.own_hand_in_queue()  # the id old and new clients compare with their name

        # The squatter raises "its" hand and lowers it: a second hand of the name, then only that one goes.
        squatter.channel.set_hand_raised(True)
        await wait_until(lambda: [h.id for h in bo.state.hands] == [name, f"{name}#2"], 3.0,
                         lambda: f"two hands? {bo.state.hands}")
        squatter.channel.set_hand_raised(False)
        await wait_until(lambda: [h.id for h in bo.state.hands] == [name], 3.0, lambda: f"{bo.state.hands}")

        # The host invites Bo's hand: the pass reaches Bo on the origin, and nothing reaches the edge.
        await controller.host_action(HostVerb.INVITE, name)
        await wait_until(lambda: len(bo_invites) == 1, 3.0, lambda: "Bo's invite")
        issued = controller.passes.holder(name, origin.config.ws_url)
        assert issued is not None and issued.server == origin.config.ws_url
        assert bo_invites[0].stage_pass == issued.stage_pass

        # The squatter's own raised hand is invited on the edge only, with its own pass; its id is a new number
        # ("#2" is never handed out twice: a host's stale click on it reaches nobody).
        squatter.channel.set_hand_raised(True)
        await wait_until(lambda: [h.id for h in bo.state.hands] == [name, f"{name}#3"], 3.0, lambda: "again")
        with pytest.raises(RoomError, match="no raised hand"):
            await controller.host_action(HostVerb.INVITE, f"{name}#2")
        await controller.host_action(HostVerb.INVITE, f"{name}#3")
        await wait_until(lambda: len(squatter_invites) == 1, 3.0, lambda: "the squatter's own invite")
        assert squatter_invites[0].stage_pass.token != issued.stage_pass.token
        assert len(bo_invites) == 1 and controller.passes.get(issued.stage_id) is issued

        # The squatter leaves the edge: its hand goes, Bo's stays.
        await squatter.close()
        await wait_until(lambda: [h.id for h in bo.state.hands] == [name], 3.0, lambda: f"{bo.state.hands}")
        assert len(squatter_invites) == 1 and len(bo_invites) == 1
    finally:
        await bo.close()
        await squatter.close()
        await controller.close()
        await edge.close()
