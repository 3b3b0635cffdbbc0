"""Joining from the window without a lab: malformed links, an unreachable server, recent links, keyboard."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget

import qasync  # isort: skip  (PySide6 first)

from app.links import LinkError, LinkProblem, parse_link
from app.listener.status import RoomStatus
from app.room.errors import ServerUnreachable
from app.ui import main_window as main_window_module
from app.ui.error_text import describe, link_problem_text
from app.ui.settings import MAX_RECENT, AppSettings
from tests.ui.helpers import WindowFactory, wait_until

pytestmark = pytest.mark.gui

UNREACHABLE = "plaza+ws://127.0.0.1:9/1234"  # discard port: nothing listens


async def test_the_loop_is_qasync_and_runs_qt() -> None:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, qasync.QEventLoop)  # (the tests' subclass: tests/ui/conftest.py)
    assert QApplication.instance() is not None
    assert not QApplication.quitOnLastWindowClosed()


@pytest.mark.parametrize("text", ["", "http://example.org/1234", "plaza://example.org/lobby",
                                  "plaza://example.org:99999/1", "plaza://example.org/1?secret=x"])
async def test_malformed_link_is_explained_inline_and_stays_in_join_view(
        make_window: WindowFactory, settings: AppSettings, qtbot, text: str) -> None:
    window = make_window()
    with pytest.raises(LinkError) as expected:
        parse_link(text)
    qtbot.keyClicks(window.join_view.link_edit, text)
    qtbot.keyClick(window.join_view.link_edit, Qt.Key.Key_Return)
    await asyncio.sleep(0.05)
    assert window.stack.currentWidget() is window.join_view
    assert window.session is None
    message = window.join_view.message_text()
    assert message == link_problem_text(expected.value.problem)
    assert str(expected.value) not in message  # the English detail goes to the log, not to the user
    assert not window.join_view.message.isHidden()
    assert settings.recent_links() == []
    # Fixing the text clears the complaint; a second bad attempt replaces it (one label, no dialog pile-up).
    qtbot.keyClicks(window.join_view.link_edit, "x")
    assert window.join_view.message_text() == ""
    qtbot.mouseClick(window.join_view.join_button, Qt.MouseButton.LeftButton)
    assert window.join_view.message_text() == link_problem_text(LinkProblem.NOT_A_LINK)
    assert QApplication.activeModalWidget() is None


async def test_unreachable_server_shows_error_within_connect_timeout(make_window: WindowFactory, qtbot) -> None:
    timeout = 2.0
    window = make_window(connect_timeout=timeout)
    qtbot.keyClicks(window.join_view.link_edit, UNREACHABLE)
    qtbot.mouseClick(window.join_view.join_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.room_view
    assert window.room_view.title_label.text() == "Room 1234"
    assert window.windowTitle() == "Room 1234 — Plaza"
    loop = asyncio.get_running_loop()
    started = loop.time()
    await wait_until(lambda: window.room_view.status_text().startswith("Error: "), timeout + 1.0,
                     "the status to show Error")
    assert loop.time() - started <= timeout + 1.0
    assert window.room_view.status_text() == "Error: " + describe(ServerUnreachable("x"))
    assert "127.0.0.1" not in window.room_view.status_text()  # the English detail is in the log only
    assert window.session is not None and window.session.status.current.status == RoomStatus.ERROR
    assert window.stack.currentWidget() is window.room_view  # the reason stays visible until the user leaves
    # Ctrl+L leaves (the Room menu's action), back to the join view with the link remembered.
    window.leave_action.trigger()
    assert window.stack.currentWidget() is window.join_view
    assert window.session is None
    assert window.join_view.recent_list.count() == 1
    assert window.join_view.recent_list.item(0).text() == UNREACHABLE


async def test_recent_links_are_kept_most_recent_first_and_capped(settings: AppSettings) -> None:
    for n in range(MAX_RECENT + 3):
        settings.add_recent_link(f"plaza://host/{n + 1}")
    settings.add_recent_link("plaza://host/5")
    links = settings.recent_links()
    assert len(links) == MAX_RECENT
    assert links[0] == "plaza://host/5"
    assert links.count("plaza://host/5") == 1
    assert links[1] == f"plaza://host/{MAX_RECENT + 3}"
    settings.clear_recent_links()
    assert settings.recent_links() == []
    settings.add_recent_link("plaza://only/1")  # a one-element list read back from INI is a bare str
    assert AppSettings(settings.qsettings).recent_links() == ["plaza://only/1"]


async def test_picking_a_recent_link_joins_it(make_window: WindowFactory, settings: AppSettings) -> None:
    settings.add_recent_link(UNREACHABLE)
    window = make_window(connect_timeout=1.0)
    assert window.join_view.recent_list.count() == 1
    item = window.join_view.recent_list.item(0)
    window.join_view.recent_list.itemActivated.emit(item)
    assert window.stack.currentWidget() is window.room_view
    assert window.join_view.link_text() == UNREACHABLE
    window.clear_recent_action.trigger()
    assert settings.recent_links() == []
    assert window.join_view.recent_list.count() == 0


def tab_sequence(start: QWidget, count: int) -> list[QWidget]:
    """The widgets Tab visits from `start` (the focus chain minus widgets that take no Tab focus)."""
    sequence, widget = [start], start
    while len(sequence) < count:
        widget = widget.nextInFocusChain()
        if widget is start:
            break
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            sequence.append(widget)
    return sequence


async def test_controls_are_named_and_keyboard_reachable(make_window: WindowFactory) -> None:
    window = make_window()
    join, room = window.join_view, window.room_view
    focusable = [join.link_edit, join.join_button, join.recent_list,
                 room.volume_slider, room.mute_box, room.device_combo, room.leave_button]
    for widget in focusable:
        assert widget.accessibleName(), f"{widget.objectName()} has no accessible name"
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus, f"{widget.objectName()} is not tab-reachable"
    assert tab_sequence(join.link_edit, 3) == [join.link_edit, join.join_button, join.recent_list]
    assert tab_sequence(room.volume_slider, 4) == [room.volume_slider, room.mute_box, room.device_combo,
                                                   room.leave_button]
    # Every label with a mnemonic focuses a control.
    for label in window.findChildren(QLabel):
        if "&" in label.text():
            assert isinstance(label.buddy(), QWidget), f"label {label.text()!r} has no buddy"
    assert window.leave_action.shortcut().toString() == "Ctrl+L"
    assert window.mute_action.shortcut().toString() == "M"
    assert not window.leave_action.isEnabled() and not window.mute_action.isEnabled()  # join view: no room


async def test_keyboard_only_join_mute_and_leave(make_window: WindowFactory, qtbot) -> None:
    """Type the link, Return joins; M mutes (focus on the volume slider); Ctrl+L leaves back to the link."""
    window = make_window(connect_timeout=1.0)
    window.activateWindow()
    await wait_until(window.isActiveWindow, 2.0, "the window to become active")
    join = window.join_view
    join.link_edit.setFocus()
    qtbot.keyClicks(join.link_edit, UNREACHABLE)
    qtbot.keyClick(join.link_edit, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.room_view
    assert QApplication.focusWidget() is window.room_view.volume_slider
    qtbot.keyClick(window.room_view.volume_slider, Qt.Key.Key_PageDown)
    assert window.room_view.volume() == pytest.approx(0.9)
    assert window.session is not None and window.session.volume == pytest.approx(0.9)
    qtbot.keyClick(window.room_view.volume_slider, Qt.Key.Key_M)
    assert window.room_view.muted() and window.mute_action.isChecked() and window.session.muted
    qtbot.keyClick(window.room_view.volume_slider, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is join
    assert QApplication.focusWidget() is join.link_edit
    qtbot.keyClick(join.link_edit, Qt.Key.Key_M)  # M is a shortcut only in a room: here it types
    assert join.link_edit.text() == UNREACHABLE + "m"


async def test_about_box_opens_without_a_nested_event_loop(make_window: WindowFactory) -> None:
    from PySide6.QtWidgets import QMessageBox

    window = make_window()
    window.about_action.trigger()  # returns at once: open(), not exec()
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert len(boxes) == 1
    assert "Plaza" in boxes[0].text()
    await asyncio.sleep(0.05)  # the loop keeps running while the box is up
    boxes[0].accept()


async def test_protected_start_is_a_remembered_choice_the_next_join_uses(
        make_window: WindowFactory, settings: AppSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Room → Protected start: off by default (play within ~0.2 s), remembered, and passed to the next session."""
    from app.listener.listen import DEFAULT_START_MS, PROTECTED_START_MS, ListenSession

    class NoConnect(ListenSession):
        async def start(self) -> None:
            self.status.set(RoomStatus.CONNECTING)

    monkeypatch.setattr(main_window_module, "ListenSession", NoConnect)
    window = make_window()
    assert not window.protected_start_action.isChecked() and not settings.protected_start()
    assert window.join(UNREACHABLE)
    assert window.session is not None and window.session.start_ms == DEFAULT_START_MS
    window.leave()
    window.protected_start_action.trigger()
    assert AppSettings(settings.qsettings).protected_start()
    assert window.join(UNREACHABLE)
    assert window.session is not None and window.session.start_ms == PROTECTED_START_MS
    assert window.session.playout.stats().protection_ms == 0.0  # nothing heard yet, nothing in hand


@pytest.mark.parametrize(("stored", "expected"), [("true", True), ("false", False), ("garbage", False), (1, False)])
async def test_protected_start_setting_tolerates_what_an_ini_file_holds(settings: AppSettings, stored: object,
                                                                       expected: bool) -> None:
    settings.qsettings.setValue("protected_start", stored)
    assert settings.protected_start() is expected
