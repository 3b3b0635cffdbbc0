"""The settings dialog and the settings behind it: OK saves and the window follows, Cancel leaves all as it was,
and whatever a hand-edited settings file holds is tolerated."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence

from app.media.output import OutputDevice
from app.ui import listen_control as listen_control_module
from app.ui import main_window as main_window_module
from app.ui import settings_dialog as settings_dialog_module
from app.ui.settings import MAX_DEVICE_NAME, AppSettings
from app.ui.settings_dialog import SettingsDialog, device_index
from tests.ui.helpers import WindowFactory, settled

pytestmark = pytest.mark.gui

OUTPUTS = ["HDA Intel", "USB headset"]
INPUTS = ["Built-in mic", "USB headset mic"]


@pytest.fixture
def dialog(qtbot, settings: AppSettings) -> SettingsDialog:
    widget = SettingsDialog(settings, tray_available=True, outputs=OUTPUTS, inputs=INPUTS)
    qtbot.addWidget(widget)
    widget.open()
    return widget


def choose(combo, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def test_defaults(dialog: SettingsDialog) -> None:
    assert dialog.language() == "" and dialog.language_combo.currentText() == "System default"
    assert dialog.output_device() == "" and dialog.input_device() == ""
    assert not dialog.protected_box.isChecked()
    assert not dialog.tray_box.isChecked() and dialog.tray_box.isEnabled()
    assert not dialog.minimized_box.isChecked()
    assert dialog.tray_note.isHidden()


def test_ok_saves_everything_and_a_new_dialog_shows_it(qtbot, dialog: SettingsDialog,
                                                       settings: AppSettings) -> None:
    applied: list[bool] = []
    dialog.applied.connect(lambda: applied.append(True))
    choose(dialog.language_combo, "es")
    choose(dialog.output_combo, "USB headset")
    choose(dialog.input_combo, "USB headset mic")
    dialog.protected_box.setChecked(True)
    dialog.tray_box.setChecked(True)
    dialog.minimized_box.setChecked(True)
    dialog.buttons.accepted.emit()  # OK
    assert applied == [True]
    assert settings.language() == "es"
    assert settings.output_device() == "USB headset" and settings.input_device() == "USB headset mic"
    assert settings.protected_start() and settings.close_to_tray() and settings.start_minimized()

    again = SettingsDialog(settings, tray_available=True, outputs=OUTPUTS, inputs=INPUTS)
    qtbot.addWidget(again)
    assert (again.language(), again.output_device(), again.input_device()) == ("es", "USB headset",
                                                                               "USB headset mic")
    assert again.protected_box.isChecked() and again.tray_box.isChecked() and again.minimized_box.isChecked()


def test_cancel_changes_nothing(dialog: SettingsDialog, settings: AppSettings) -> None:
    choose(dialog.language_combo, "id")
    dialog.protected_box.setChecked(True)
    dialog.buttons.rejected.emit()
    assert settings.language() == "" and not settings.protected_start()
    assert not dialog.isVisible()


def test_an_unplugged_device_stays_chosen(qtbot, settings: AppSettings) -> None:
    settings.set_output_device("Bluetooth speaker")
    dialog = SettingsDialog(settings, tray_available=True, outputs=OUTPUTS, inputs=INPUTS)
    qtbot.addWidget(dialog)
    assert dialog.output_combo.currentText() == "Bluetooth speaker (not connected)"
    dialog.accept()
    assert settings.output_device() == "Bluetooth speaker"


def test_without_a_tray_the_option_is_off_and_explained(qtbot, settings: AppSettings) -> None:
    settings.set_close_to_tray(True)
    dialog = SettingsDialog(settings, tray_available=False, outputs=[], inputs=[])
    qtbot.addWidget(dialog)
    assert not dialog.tray_box.isEnabled() and not dialog.tray_box.isChecked()
    assert not dialog.tray_note.isHidden()
    assert [dialog.output_combo.itemText(i) for i in range(dialog.output_combo.count())] == ["System default"]
    dialog.accept()
    assert settings.close_to_tray()  # kept for the day there is a tray again


def test_a_hand_edited_file_is_tolerated(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "edited.ini"
    path.write_text("[General]\nlanguage=@Invalid()\nprotected_start=perhaps\nclose_to_tray=1\n"
                    "tray_hint_shown=no\nstart_minimized=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18)\n"
                    f"output_device={'x' * (MAX_DEVICE_NAME + 1)}\ninput_device=1, 2, 3\n")
    settings = AppSettings(QSettings(str(path), QSettings.Format.IniFormat))
    assert settings.language() == ""
    assert settings.protected_start() is False
    assert settings.close_to_tray() is True
    assert settings.tray_hint_shown() is False
    assert settings.start_minimized() is False
    assert settings.output_device() == ""
    assert settings.input_device() == ""  # a list, not a name
    dialog = SettingsDialog(settings, tray_available=True, outputs=OUTPUTS, inputs=INPUTS)
    qtbot.addWidget(dialog)
    assert dialog.output_device() == "" and dialog.language() == ""


def test_device_names_map_to_todays_numbers() -> None:
    devices = [OutputDevice(0, "HDA Intel", False), OutputDevice(3, "USB headset", True)]
    assert device_index("USB headset", devices) == 3
    assert device_index("", devices) is None
    assert device_index("gone", devices) is None


# ---------------------------------------------------------------------------------------- the window
async def test_the_window_opens_it_with_the_preferences_key(make_window: WindowFactory) -> None:
    window = make_window()
    assert QKeySequence("Ctrl+,") in window.settings_action.shortcuts()
    assert window.settings_action in window.room_menu.actions()
    dialog = window.show_settings()
    assert dialog.isVisible() and dialog.parent() is window
    dialog.reject()


async def test_ok_applies_to_the_running_window(make_window: WindowFactory, settings: AppSettings,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    devices = [OutputDevice(0, "HDA Intel", False), OutputDevice(3, "USB headset", True)]
    monkeypatch.setattr(main_window_module, "list_output_devices", lambda: devices)
    monkeypatch.setattr(listen_control_module, "list_output_devices", lambda: devices)
    monkeypatch.setattr(settings_dialog_module, "list_output_devices", lambda: devices)
    window = make_window()
    assert window.join("plaza+ws://127.0.0.1:9/5")
    session = window.session
    assert session is not None and session.device is None
    switched: list[object] = []
    monkeypatch.setattr(window.listen_control, "set_device", switched.append)  # (a real switch opens a sound card)
    dialog = window.show_settings()
    choose(dialog.language_combo, "es")
    choose(dialog.output_combo, "USB headset")
    dialog.protected_box.setChecked(True)
    dialog.accept()
    assert window.room_menu.title() == "&Sala"  # switched at once
    assert window.language_actions["es"].isChecked()
    assert window.protected_start_action.isChecked()  # for the next room joined
    assert window.room_view.device_combo.currentData() == 3
    assert switched == [3]  # the room view's own device switch, as if picked there
    window.leave()
    assert window.join("plaza+ws://127.0.0.1:9/6")  # the next room starts on the chosen device
    assert window.session is not None and window.session.device == 3
    await settled(window)
