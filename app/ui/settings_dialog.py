"""The settings dialog (Ctrl+, / the platform's Preferences key): language, sound devices, the start policy and the
desktop behaviour, in one place.

Changes apply on OK, all together, and Cancel (or Esc) leaves everything as it was: a language that switched while
the person was still choosing would rename the very controls they were reading. The dialog writes AppSettings and
emits `applied`; the main window then makes the running room follow (language, output device, start policy).

Sound devices are kept by name: PortAudio's numbers change when devices come and go. A remembered device that is not
plugged in now stays selected, marked as such, so opening and confirming the dialog never forgets it.
Non-modal use only (open(), never exec(): DESIGN.md §5).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.media.capture import list_input_devices
from app.media.output import list_output_devices
from app.ui.i18n import LANGUAGES
from app.ui.settings import AppSettings


class SettingsDialog(QDialog):
    """Edits AppSettings; OK saves and emits `applied`, Cancel discards."""

    applied = Signal()

    def __init__(self, settings: AppSettings, *, tray_available: bool, parent: QWidget | None = None,
                 outputs: Sequence[str] | None = None, inputs: Sequence[str] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.settings = settings
        self.tray_available = tray_available
        self._outputs = list(outputs) if outputs is not None else [d.name for d in list_output_devices()]
        self._inputs = list(inputs) if inputs is not None else [d.name for d in list_input_devices()]

        self.language_combo = QComboBox()
        self.language_combo.setObjectName("languageCombo")
        self.output_combo = _device_combo("outputDeviceSetting")
        self.input_combo = _device_combo("inputDeviceSetting")
        self.protected_box = QCheckBox()
        self.protected_box.setObjectName("protectedStartBox")
        self.tray_box = QCheckBox()
        self.tray_box.setObjectName("closeToTrayBox")
        self.minimized_box = QCheckBox()
        self.minimized_box.setObjectName("startMinimizedBox")
        self.motion_box = QCheckBox()
        self.motion_box.setObjectName("reduceMotionBox")
        self.tray_note = QLabel()
        self.tray_note.setWordWrap(True)
        self.tray_note.setVisible(not tray_available)
        self.tray_box.setEnabled(tray_available)
        self.language_label = QLabel()
        self.language_label.setBuddy(self.language_combo)
        self.output_label = QLabel()
        self.output_label.setBuddy(self.output_combo)
        self.input_label = QLabel()
        self.input_label.setBuddy(self.input_combo)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)

        form = QFormLayout()
        form.addRow(self.language_label, self.language_combo)
        form.addRow(self.output_label, self.output_combo)
        form.addRow(self.input_label, self.input_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.protected_box)
        layout.addWidget(self.tray_box)
        layout.addWidget(self.tray_note)
        layout.addWidget(self.minimized_box)
        layout.addWidget(self.motion_box)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        self.protected_box.setChecked(settings.protected_start())
        self.tray_box.setChecked(tray_available and settings.close_to_tray())
        self.minimized_box.setChecked(settings.start_minimized())
        self.motion_box.setChecked(settings.reduce_motion())
        self._language = settings.language()
        self._output = settings.output_device()
        self._input = settings.input_device()
        self.retranslate()

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Plaza Settings"))
        self.language_label.setText(self.tr("&Language:"))
        self.language_combo.setAccessibleName(self.tr("Language"))
        self.output_label.setText(self.tr("&Output device:"))
        self.output_combo.setAccessibleName(self.tr("Output device for rooms"))
        self.input_label.setText(self.tr("&Microphone:"))
        self.input_combo.setAccessibleName(self.tr("Microphone for speaking on stage"))
        self.protected_box.setText(self.tr("&Protected start (wait for 0.5 s of audio when joining)"))
        self.protected_box.setToolTip(self.tr("Off: a room plays within a moment and builds its cushion while it "
                                              "plays. On: a short outage right after joining is not heard."))
        self.tray_box.setText(self.tr("&Keep playing in the tray when the window is closed"))
        self.tray_note.setText(self.tr("This desktop has no system tray: closing the window quits Plaza."))
        self.minimized_box.setText(self.tr("Start mi&nimized (in the tray if there is one)"))
        self.motion_box.setText(self.tr("Reduce mo&tion (reactions as a line of counts, without animation)"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _fill(self) -> None:
        """(Re)build the lists in the current language, keeping what is selected."""
        if self.language_combo.count():
            self._language = self.language()
            self._output, self._input = self.output_device(), self.input_device()
        self.language_combo.clear()
        self.language_combo.addItem(self.tr("System default"), "")
        for code, name in LANGUAGES.items():
            self.language_combo.addItem(name, code)
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(self._language), 0))
        self._fill_devices(self.output_combo, self._outputs, self._output)
        self._fill_devices(self.input_combo, self._inputs, self._input)

    def _fill_devices(self, combo: QComboBox, names: list[str], chosen: str) -> None:
        combo.clear()
        combo.addItem(self.tr("System default"), "")
        for name in names:
            combo.addItem(name, name)
        if chosen and chosen not in names:
            combo.addItem(self.tr("{name} (not connected)").format(name=chosen), chosen)
        combo.setCurrentIndex(max(combo.findData(chosen), 0))

    # ------------------------------------------------------------------ what is chosen
    def language(self) -> str:
        return _text(self.language_combo.currentData())

    def output_device(self) -> str:
        return _text(self.output_combo.currentData())

    def input_device(self) -> str:
        return _text(self.input_combo.currentData())

    def accept(self) -> None:
        """OK: save everything, then let the window follow."""
        self.settings.set_language(self.language())
        self.settings.set_output_device(self.output_device())
        self.settings.set_input_device(self.input_device())
        self.settings.set_protected_start(self.protected_box.isChecked())
        if self.tray_available:  # (without a tray the box is off and disabled: keep the stored choice)
            self.settings.set_close_to_tray(self.tray_box.isChecked())
        self.settings.set_start_minimized(self.minimized_box.isChecked())
        self.settings.set_reduce_motion(self.motion_box.isChecked())
        super().accept()
        self.applied.emit()


class _Device(Protocol):
    @property
    def index(self) -> int: ...

    @property
    def name(self) -> str: ...


def device_index(name: str, devices: Iterable[_Device]) -> int | None:
    """The device called `name` as it is numbered now; None (the system default) if "" or not plugged in."""
    return next((d.index for d in devices if name and d.name == name), None)


def _device_combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    # A device name is whatever the driver says: a long one must not widen the dialog.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(24)
    return combo


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
