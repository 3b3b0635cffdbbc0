"""Start a room from the window against a real Janus (lab), on a machine without a keyring (as CI is): the real
`plaza start` makes the room, the window joins it and hosts it with the pass handed over its pipe, and the host's
End takes the room down for everyone."""

from __future__ import annotations

import asyncio

import pytest

from app.janus import JanusSession
from app.janus.textroom import TextRoomHandle
from app.listener.status import RoomStatus
from tests.ui.helpers import WindowFactory, wait_until

pytestmark = [pytest.mark.gui, pytest.mark.lab]

LIVE_WITHIN = 20.0  # a child process starts (Python, aiortc), makes the room, then the window joins it


async def channel_exists(server: str, room: int) -> bool:
    session = await JanusSession.connect(server)
    try:
        return await (await TextRoomHandle.attach(session)).exists(room)
    finally:
        await session.close()


async def test_the_window_starts_hosts_and_ends_a_room(lab: object, make_lab_room, make_window: WindowFactory) -> None:
    room = await make_lab_room(speaker=None)
    server = room.link.servers[0]
    window = make_window()
    dialog = window.start_room()
    assert dialog.keyring_notice.isVisible()
    dialog.server_edit.setText(server)
    dialog.title_edit.setText("Launch night")
    dialog.start_button.click()
    await wait_until(lambda: window.session is not None, LIVE_WITHIN, f"the room to start: {dialog.message.text()}")
    session = window.session
    assert session is not None and session.link.title == "Launch night"
    await wait_until(lambda: window.room_view.status_text() == "Live", LIVE_WITHIN, "Live")
    await wait_until(lambda: window.host_control.desk is not None and window.host_panel.isVisible(), 10,
                     "host tools, with the pass from plaza start's pipe")
    assert await channel_exists(server, session.link.room_id)
    panel = window.host_panel
    panel.confirm = lambda _question: True  # type: ignore[method-assign]
    await wait_until(lambda: panel.end_button.isEnabled(), 5, "the room's state")
    panel.end_button.click()
    await wait_until(lambda: session.state.state.ended, 3, "the room ended")
    await wait_until(lambda: session.status.current.status is RoomStatus.ENDED, 10, "the window's room ended")
    for _ in range(50):  # plaza start destroys the room 1.5 s after the end was announced
        if not await channel_exists(server, session.link.room_id):
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the room was not taken down on Janus")
