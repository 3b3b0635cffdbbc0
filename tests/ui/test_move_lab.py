"""The window follows a moved room, against real Janus servers in the lab: two rooms (A on one Janus, B on another),
each with its controller and a tone fed from outside Janus. A listener's window moved by `plaza host LINK move`
plays room B with B's controller's state and shows it (title, notice, recent rooms); the host's own window moves
the room with Room → Move room… and follows it too."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from app.cli.host import host
from app.cli.serve import keep_host_pass
from app.links import format_link, parse_link
from app.listener.listen import ListenSession
from app.listener.state import StateSource
from app.listener.status import RoomStatus
from app.ui.main_window import MainWindow
from app.ui.move_room import MoveRoomDialog
from tests.ui.helpers import WindowFactory, settled, wait_until

pytestmark = [pytest.mark.lab, pytest.mark.gui]

LIVE_WITHIN = 8.0
FOLLOW_WITHIN = 10.0  # a move takes ≤ 5 s under load (README, "Room moves"); the window must not add to it


def plays(session: ListenSession | None, room: Any) -> bool:
    """Plays `room`, live, with that room's controller's state (the channel came along)."""
    if session is None:
        return False
    feed, state = session.supervisor.feed, session.state.state
    return (feed is not None and feed.room_id == room.config.room_id and session.link.room_id == room.config.room_id
            and session.status.current.status is RoomStatus.LIVE and state.source is StateSource.CONTROLLER
            and state.controller == room.controller.username)


async def two_rooms(make_lab_room: Any) -> tuple[Any, Any, str, str]:
    room_a = await make_lab_room(external_feed=True, ws_port=8188, room_id=1234, title="A", controller=True)
    room_b = await make_lab_room(external_feed=True, ws_port=8189, room_id=5678, title="B", controller=True)
    link_a, link_b = room_a.config.link_text, format_link(parse_link(room_b.config.link_text))
    await keep_host_pass(room_a.controller, link_a, "test")
    return room_a, room_b, link_a, link_b


async def in_room_a(window: MainWindow, link_a: str, room_a: Any) -> ListenSession:
    assert window.join(link_a)
    session = window.session
    assert session is not None
    await wait_until(lambda: plays(session, room_a), LIVE_WITHIN, "the window in room A")
    return session


def assert_shows_room_b(window: MainWindow, link_b: str) -> None:
    view = window.room_view
    # The lab's links carry no title: the title is room B's controller's, not "Room 5678".
    assert view.room_title() == "B" and view.status_text() == "Live"
    assert window.windowTitle() == "B — Plaza"
    assert view.moved_label.isVisible() and view.moved_label.text() == "The room moved to “B”; you followed it."
    assert window.settings.recent_links()[0] == link_b and window.join_view.link_text() == link_b


@pytest.mark.timeout(90)
async def test_a_listeners_window_follows_plaza_host_move(make_lab_room: Any, memory_keyring: Any,
                                                          make_window: WindowFactory) -> None:
    room_a, room_b, link_a, link_b = await two_rooms(make_lab_room)
    window = make_window()
    window.host_control.provider = lambda _link: None  # a listener's window: not the host (the keyring is shared)
    session = await in_room_a(window, link_a, room_a)
    assert not window.move_action.isEnabled()
    assert await host(argparse.Namespace(link=link_a, action="move", target=link_b, timeout=8.0)) == 0
    await wait_until(lambda: plays(window.session, room_b), FOLLOW_WITHIN, "the window to play room B")
    assert window.session is session  # the same session followed: no rejoin, the room never left the window
    await wait_until(lambda: window.room_view.room_title() == "B", 2, "the title")
    assert_shows_room_b(window, link_b)
    assert session.playout.counters.audible_gap_ms == 0  # make-before-break: nothing heard missing
    await settled(window)


@pytest.mark.timeout(90)
async def test_the_hosts_window_moves_the_room_and_follows(make_lab_room: Any, memory_keyring: Any,
                                                           make_window: WindowFactory) -> None:
    room_a, room_b, link_a, link_b = await two_rooms(make_lab_room)
    window = make_window()
    session = await in_room_a(window, link_a, room_a)
    await wait_until(lambda: window.move_action.isEnabled(), 5, "Move room… for the host (its pass in the keyring)")
    window.move_action.trigger()
    dialog = window.findChild(MoveRoomDialog)
    assert dialog is not None
    dialog.link_edit.setText(room_b.config.link_text)
    dialog.move_button.click()
    await wait_until(lambda: any(b.isVisible() for b in dialog.findChildren(QMessageBox)), 2, "the confirmation")
    [box] = [b for b in dialog.findChildren(QMessageBox) if b.isVisible()]
    box.button(QMessageBox.StandardButton.Yes).click()
    await wait_until(lambda: room_a.controller.book.moved == link_b, 5, "room A's controller to announce the move")
    await wait_until(lambda: plays(window.session, room_b), FOLLOW_WITHIN, "the host's window to play room B")
    assert window.session is session
    await wait_until(lambda: window.room_view.room_title() == "B", 2, "the title")
    assert_shows_room_b(window, link_b)
    # This window holds no pass of room B (B's controller made its own), so no host tools there.
    await wait_until(lambda: not window.move_action.isEnabled() and window.host_panel.isHidden(), 5,
                     "no host tools in room B")
    assert session.playout.counters.audible_gap_ms == 0
    await settled(window)
