"""The main window's menu bar: Room (start, leave, mute, hand, stage, details, settings, quit), View (language), Help.

Every action has a keyboard path (a shortcut or a menu mnemonic), so all of Plaza can be used without a mouse.
The actions live on the window (tests and the tray menu use them); this module only builds and names them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from app.ui.i18n import LANGUAGES

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

translate = QCoreApplication.translate  # the window's own context: the strings were MainWindow.tr() calls before


def settings_shortcuts() -> list[QKeySequence]:
    """The platform's Preferences key(s), and Ctrl+, everywhere (the platform may define none)."""
    keys = list(QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences))
    comma = QKeySequence("Ctrl+,")
    return keys if comma in keys else [*keys, comma]


def build_menus(window: MainWindow) -> None:
    bar = window.menuBar()
    window.room_menu = bar.addMenu("")
    window.start_room_action = QAction(window)
    window.start_room_action.setShortcut(QKeySequence("Ctrl+N"))
    window.start_room_action.triggered.connect(window.start_room)
    window.browse_action = QAction(window)
    window.browse_action.setShortcut(QKeySequence("Ctrl+B"))
    window.browse_action.triggered.connect(window.browse_rooms)
    window.move_action = QAction(window)  # the room's host only: enabled while the window holds its host pass
    window.move_action.setEnabled(False)
    window.move_action.triggered.connect(window.moves.open_dialog)
    window.host_control.desk_changed.connect(window.move_action.setEnabled)
    window.leave_action = QAction(window)
    window.leave_action.setShortcut(QKeySequence("Ctrl+L"))
    window.leave_action.triggered.connect(window.leave)
    window.mute_action = QAction(window)
    window.mute_action.setCheckable(True)
    window.mute_action.setShortcut(QKeySequence("M"))
    window.mute_action.toggled.connect(window.room_view.set_muted)
    window.room_view.mute_toggled.connect(window.mute_action.setChecked)
    window.hand_action = QAction(window)
    window.hand_action.setCheckable(True)
    window.hand_action.setShortcut(QKeySequence("H"))
    window.hand_action.setEnabled(False)
    window.hand_action.triggered.connect(lambda _checked=False: window.room_view.hand.button.click())
    window.room_view.hand.button.toggled.connect(window.hand_action.setChecked)
    window.room_view.hand_availability_changed.connect(window.hand_action.setEnabled)
    window.details_action = QAction(window)
    window.details_action.setShortcut(QKeySequence("Ctrl+I"))
    window.details_action.triggered.connect(window.show_connection_details)
    window.protected_start_action = QAction(window)
    window.protected_start_action.setCheckable(True)
    window.protected_start_action.setChecked(window.settings.protected_start())
    window.protected_start_action.toggled.connect(window.settings.set_protected_start)
    window.clear_recent_action = QAction(window)
    window.clear_recent_action.triggered.connect(window.clear_recent)
    window.settings_action = QAction(window)
    window.settings_action.setShortcuts(settings_shortcuts())
    window.settings_action.triggered.connect(window.show_settings)
    window.quit_action = QAction(window)
    window.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
    window.quit_action.triggered.connect(window.quit)
    stage = window.room_view.stage_controls
    window.room_menu.addActions([window.browse_action, window.start_room_action, window.move_action,
                                 window.leave_action, window.mute_action, window.hand_action, stage.mic_action,
                                 stage.leave_stage_action, window.details_action])
    window.room_menu.addSeparator()
    window.room_menu.addAction(window.protected_start_action)
    window.room_menu.addAction(window.clear_recent_action)
    window.room_menu.addAction(window.settings_action)
    window.room_menu.addSeparator()
    window.room_menu.addAction(window.quit_action)

    window.view_menu = bar.addMenu("")
    window.language_menu = window.view_menu.addMenu("")
    group = QActionGroup(window)
    group.setExclusive(True)
    window.language_actions = {}
    for code in ("", *LANGUAGES):
        action = QAction(LANGUAGES.get(code, ""), window)
        action.setCheckable(True)
        action.setData(code)
        action.triggered.connect(lambda _checked=False, c=code: window.set_language(c))
        group.addAction(action)
        window.language_menu.addAction(action)
        window.language_actions[code] = action
    window.language_actions.get(window.settings.language(), window.language_actions[""]).setChecked(True)

    window.help_menu = bar.addMenu("")
    window.about_action = QAction(window)
    window.about_action.triggered.connect(window.show_about)
    window.help_menu.addAction(window.about_action)


def retranslate_menus(window: MainWindow) -> None:
    window.room_menu.setTitle(translate("MainWindow", "&Room"))
    window.browse_action.setText(translate("MainWindow", "&Browse rooms…"))
    window.start_room_action.setText(translate("MainWindow", "&Start a room…"))
    window.move_action.setText(translate("MainWindow", "Mo&ve room…"))
    window.leave_action.setText(translate("MainWindow", "&Leave room"))
    window.mute_action.setText(translate("MainWindow", "&Mute"))
    window.hand_action.setText(translate("MainWindow", "Raise &hand"))
    window.details_action.setText(translate("MainWindow", "Connection &details…"))
    window.protected_start_action.setText(
        translate("MainWindow", "&Protected start (wait for 0.5 s of audio when joining)"))
    window.clear_recent_action.setText(translate("MainWindow", "Clear &recent rooms"))
    window.settings_action.setText(translate("MainWindow", "Setti&ngs…"))
    window.quit_action.setText(translate("MainWindow", "&Quit"))
    window.view_menu.setTitle(translate("MainWindow", "&View"))
    window.language_menu.setTitle(translate("MainWindow", "&Language"))
    window.language_actions[""].setText(translate("MainWindow", "&System default"))
    window.help_menu.setTitle(translate("MainWindow", "&Help"))
    window.about_action.setText(translate("MainWindow", "&About Plaza"))
