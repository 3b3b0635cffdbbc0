"""The tray: closing to it keeps the room, its menu's actions, and notifications only while nobody looks.

Offscreen there is no system tray, so the windows here are told there is one (`system_tray=True`); the icon is then
made as on a desktop, and `DesktopTray.notified` reports every notification it shows.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from app.listener.status import ReconnectInfo, RoomStatus, StatusChange
from app.ui.main_window import MainWindow
from app.ui.settings import AppSettings
from tests.ui.helpers import WindowFactory, settled, wait_until

pytestmark = pytest.mark.gui

ROOM = "plaza+ws://127.0.0.1:9/5"


class Notes:
    def __init__(self, window: MainWindow) -> None:
        self.seen: list[tuple[str, str]] = []
        window.tray.notified.connect(lambda title, text: self.seen.append((title, text)))

    def titles(self) -> list[str]:
        return [title for title, _text in self.seen]


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


async def active(window: MainWindow) -> None:
    window.show()
    window.activateWindow()
    await wait_until(lambda: QApplication.activeWindow() is window, 2, "the window to be active")


# ---------------------------------------------------------------------------------------- close to the tray
async def test_close_to_tray_keeps_the_room_playing(make_window: WindowFactory, settings: AppSettings) -> None:
    settings.set_close_to_tray(True)
    window = make_window(system_tray=True)
    notes = Notes(window)
    assert window.join(ROOM)
    session = window.session
    window.close()
    assert window.isHidden()
    assert window.session is session and not window.finished.is_set()
    assert notes.titles() == ["Plaza is still running"]  # the one-time hint
    assert settings.tray_hint_shown()
    window.tray.show_action.trigger()
    assert window.isVisible() and window.session is session
    window.close()
    assert window.isHidden() and notes.titles() == ["Plaza is still running"]  # once only
    window.tray.quit_action.trigger()  # Quit really quits
    await wait_until(window.finished.is_set, 10, "the shutdown")
    assert window.session is None


async def test_without_the_setting_closing_quits(make_window: WindowFactory) -> None:
    window = make_window(system_tray=True)
    assert window.join(ROOM)
    window.close()
    await wait_until(window.finished.is_set, 10, "the shutdown")


async def test_without_a_tray_closing_quits_whatever_the_setting(make_window: WindowFactory,
                                                                 settings: AppSettings) -> None:
    settings.set_close_to_tray(True)
    window = make_window(system_tray=False)
    assert window.tray.icon is None
    window.close()
    await wait_until(window.finished.is_set, 10, "the shutdown")


async def test_the_menus_quit_is_a_real_quit(make_window: WindowFactory, settings: AppSettings) -> None:
    settings.set_close_to_tray(True)
    window = make_window(system_tray=True)
    window.quit_action.trigger()
    await wait_until(window.finished.is_set, 10, "the shutdown")


async def test_start_minimized(make_window: WindowFactory) -> None:
    in_tray = make_window(system_tray=True)
    in_tray.tray.start_hidden()
    assert in_tray.isHidden()
    no_tray = make_window(system_tray=False)
    no_tray.tray.start_hidden()
    await wait_until(no_tray.isMinimized, 2, "the window to be minimized")
    assert no_tray.isVisible()


# ---------------------------------------------------------------------------------------- the tray menu
async def test_tray_menu_mutes_leaves_and_shows(make_window: WindowFactory) -> None:
    window = make_window(system_tray=True)
    tray = window.tray
    menu = tray.menu.actions()
    assert tray.show_action in menu and tray.quit_action in menu
    assert window.mute_action in menu and window.leave_action in menu
    assert not window.mute_action.isEnabled() and not window.leave_action.isEnabled()  # not in a room
    assert window.join(ROOM)
    assert window.mute_action.isEnabled()
    window.hide()
    window.mute_action.trigger()
    assert window.room_view.muted() and window.mute_action.isChecked()
    window.mute_action.trigger()
    assert not window.room_view.muted()
    window.leave_action.trigger()
    assert window.session is None
    tray.show_action.trigger()
    assert window.isVisible()
    await settled(window)


# ---------------------------------------------------------------------------------------- notifications
async def test_notifications_only_while_the_window_is_out_of_sight(make_window: WindowFactory) -> None:
    window = make_window(system_tray=True)
    notes = Notes(window)
    tray = window.tray
    clock = Clock()
    tray.clock = clock
    await active(window)
    tray.invited()
    tray.status_changed(StatusChange(RoomStatus.ENDED, "room 5 has ended"))
    assert notes.seen == []  # the person is looking at the window

    window.showMinimized()
    await wait_until(window.isMinimized, 2, "the window to be minimized")
    tray.invited()
    assert notes.titles() == ["You are invited to speak"]

    window.hide()
    notes.seen.clear()
    tray.invited()
    tray.status_changed(StatusChange(RoomStatus.RECONNECTING, "lost", ReconnectInfo(1, 101.0, "ws://a", "lost")))
    clock.t = 107.4
    tray.status_changed(StatusChange(RoomStatus.RECONNECTING, "lost", ReconnectInfo(2, None, "ws://a", "lost")))
    clock.t = 112.2
    tray.status_changed(StatusChange(RoomStatus.LIVE, "ws://a"))
    tray.status_changed(StatusChange(RoomStatus.LIVE, "ws://b"))  # live again, not after a loss: nothing
    tray.status_changed(StatusChange(RoomStatus.ENDED, "room 5 has ended"))
    assert notes.seen == [
        ("You are invited to speak", "Open Plaza to check your microphone and accept, or choose Not now."),
        ("Reconnected", "Back in the room after 12 s."),
        ("The room has ended", "The room has ended."),
    ]


async def test_no_tray_no_notifications(make_window: WindowFactory) -> None:
    window = make_window(system_tray=False)
    notes = Notes(window)
    window.hide()
    window.tray.invited()
    assert notes.seen == []


async def test_room_events_reach_the_tray_from_the_session_and_the_invite(make_window: WindowFactory) -> None:
    """The wiring: the session's status model and SpeakerControl's invitation both end up as notifications."""
    window = make_window(system_tray=True)
    notes = Notes(window)
    assert window.join(ROOM)
    session = window.session
    assert session is not None
    window.hide()
    session.status.changed.emit(StatusChange(RoomStatus.ENDED, "room 5 has ended"))
    await wait_until(lambda: "The room has ended" in notes.titles(), 2, "the ended notification")
    window.speaker_control.invited.emit()
    assert "You are invited to speak" in notes.titles()
    await settled(window)
