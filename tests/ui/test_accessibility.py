"""Every control can be reached with Tab and is named for screen readers: the main window's join view and room view
(with people on stage, the hand and the stage controls showing), and the settings dialog.

The name checked is what a screen reader gets: QAccessible's Name of the widget's interface (its accessible name,
else its own text, else its label buddy's text). The walk presses Tab until the focus comes back.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.listener.status import RoomStatus
from app.stage.speaker import Role as SpeakerRole
from app.ui import main_window as main_window_module
from app.ui.settings import AppSettings
from app.ui.settings_dialog import SettingsDialog
from tests.ui.helpers import WindowFactory, settled, wait_until
from tests.ui.test_stage_view import ANA, BO, CARLA, _SessionStub, hands, snapshot

pytestmark = pytest.mark.gui


def screen_reader_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None, f"{widget!r} has no accessible interface"
    return interface.text(QAccessible.Text.Name).strip()


MAX_STOPS = 60


async def activate(window: QWidget) -> None:
    window.activateWindow()
    await wait_until(lambda: QApplication.activeWindow() is window, 2, "the window to be active")


def tab_stops(qtbot: QtBot, first: QWidget) -> list[QWidget]:
    """The widgets Tab visits, in order, from `first` until it comes back there (the window must be active).

    (Real Tab presses, not a walk of nextInFocusChain() from Python: that walk, over a stage with tiles, leaves
    PySide6 6.11 wrappers that segfault when the next LanguageChange is delivered.)"""
    first.setFocus(Qt.FocusReason.TabFocusReason)
    stops = [first]
    for _ in range(MAX_STOPS):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        assert widget is not None, "Tab lost the focus"
        if widget is first:
            return stops
        stops.append(widget)
    raise AssertionError(f"Tab never came back to {first!r}")


def unnamed(stops: list[QWidget]) -> list[str]:
    return [f"{type(w).__name__}#{w.objectName()}" for w in stops if not screen_reader_name(w)]


def describe(stops: list[QWidget]) -> list[str]:
    return [f"{type(w).__name__}#{w.objectName()}={screen_reader_name(w)!r}" for w in stops]


async def test_join_view_is_walkable_and_named(make_window: WindowFactory, settings: AppSettings,
                                               qtbot: QtBot) -> None:
    settings.add_recent_link("plaza+ws://127.0.0.1:9/5")
    window = make_window()
    window.join_view.set_recent(settings.recent_links())
    await activate(window)
    stops = tab_stops(qtbot, window.join_view.link_edit)
    assert stops == [window.join_view.link_edit, window.join_view.join_button, window.join_view.recent_list]
    assert unnamed(stops) == [], describe(stops)


async def test_room_view_is_walkable_and_named(make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch,
                                               qtbot: QtBot) -> None:
    monkeypatch.setattr(main_window_module, "ListenSession", _SessionStub)
    window = make_window()
    assert window.join("plaza+ws://127.0.0.1:9/1234")
    session = window.session
    assert session is not None
    await wait_until(lambda: session.status.current.status is RoomStatus.CONNECTING, 2, "start() to run")
    snapshot(session.state, ANA, BO, CARLA, count=25, hands=hands("l-a"))
    session.status.set(RoomStatus.LIVE, "ws://127.0.0.1:9/janus")
    room = window.room_view
    await wait_until(lambda: room.stage.tile("7413") is not None and not room.hand.isHidden(), 2, "the stage")
    await activate(window)
    stops = tab_stops(qtbot, room.volume_slider)
    assert {room.stage.tile_area, room.hand.button, room.mute_box, room.leave_button} <= set(stops)
    assert unnamed(stops) == [], describe(stops)

    room.stage_controls.set_role(SpeakerRole.SPEAKER)  # on stage: the stage controls take the hand's place
    room.stage_controls.set_music_mode(False)  # a guard: its music mode switch is on the bar
    room.set_on_stage(True)
    stops = tab_stops(qtbot, room.volume_slider)
    bar = [room.stage_controls.mute_button, room.stage_controls.music_box, room.stage_controls.leave_stage_button]
    at = stops.index(bar[0])
    assert stops[at : at + 3] == bar, describe(stops)  # in the bar's order, one after the other
    assert unnamed(stops) == [], describe(stops)
    await settled(window)


async def test_settings_dialog_is_walkable_and_named(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window(system_tray=True)
    dialog = window.show_settings()
    assert isinstance(dialog, SettingsDialog)
    await activate(dialog)
    stops = tab_stops(qtbot, dialog.language_combo)
    assert {dialog.output_combo, dialog.input_combo, dialog.protected_box, dialog.tray_box,
            dialog.minimized_box} <= set(stops)
    assert unnamed(stops) == [], describe(stops)
    dialog.reject()


async def test_an_unnamed_control_is_caught(make_window: WindowFactory, qtbot: QtBot) -> None:
    """The check can fail: the Join button without its text or accessible name is reported."""
    window = make_window()
    button = window.join_view.join_button
    button.setText("")
    button.setAccessibleName("")
    await activate(window)
    assert unnamed(tab_stops(qtbot, window.join_view.link_edit)) == ["QPushButton#joinButton"]
