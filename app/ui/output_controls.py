"""The room's playback controls under the stage: volume, local mute and the output device.

Why apart from app.ui.room_view: they concern this computer's playback only (nothing here reaches the room), and
keep their own state (the device list, the chosen device) that the rest of the view never reads. Passive, like
the room view: the main window tells it the devices, and it emits the user's choices.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QSlider, QWidget

from app.media.output import OutputDevice


class OutputControls(QWidget):
    """Volume slider (with its value), Mute on this computer, and the output device."""

    volume_changed = Signal(float)  # 0.0 .. 1.0
    mute_toggled = Signal(bool)
    device_chosen = Signal(object)  # int device index, or None for the system default

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outputControls")
        self._devices: list[OutputDevice] = []
        self._device: int | None = None

        self.volume_slider = QSlider(Qt.Orientation.Horizontal)
        self.volume_slider.setObjectName("volumeSlider")
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(100)
        self.volume_slider.setPageStep(10)
        self.volume_value = QLabel()
        self.volume_value.setMinimumWidth(48)
        self.mute_box = QCheckBox()
        self.mute_box.setObjectName("muteBox")
        self.device_combo = QComboBox()
        self.device_combo.setObjectName("deviceCombo")
        # A device name is whatever the driver says: a long one must not widen the window.
        self.device_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device_combo.setMinimumContentsLength(24)
        self.volume_label = QLabel()
        self.volume_label.setBuddy(self.volume_slider)
        self.device_label = QLabel()
        self.device_label.setBuddy(self.device_combo)

        volume_row = QHBoxLayout()
        volume_row.addWidget(self.volume_slider, 1)
        volume_row.addWidget(self.volume_value)
        volume_row.addWidget(self.mute_box)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.volume_label, volume_row)
        form.addRow(self.device_label, self.device_combo)
        QWidget.setTabOrder(self.volume_slider, self.mute_box)
        QWidget.setTabOrder(self.mute_box, self.device_combo)

        self.volume_slider.valueChanged.connect(self._on_volume)
        self.mute_box.toggled.connect(self.mute_toggled)
        self.device_combo.activated.connect(self._on_device_activated)
        self.retranslate()

    def retranslate(self) -> None:
        self.volume_label.setText(self.tr("Vol&ume:"))
        self.volume_slider.setAccessibleName(self.tr("Volume"))
        self.mute_box.setText(self.tr("&Mute"))
        self.mute_box.setAccessibleName(self.tr("Mute this room on this computer"))
        self.mute_box.setToolTip(self.tr("Silence the room here only (M)"))
        self.device_label.setText(self.tr("Output &device:"))
        self.device_combo.setAccessibleName(self.tr("Output device"))
        self._show_volume(self.volume_slider.value())
        self._fill_devices()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_devices(self, devices: list[OutputDevice], current: int | None) -> None:
        self._devices, self._device = list(devices), current
        self._fill_devices()

    def volume(self) -> float:
        return self.volume_slider.value() / 100.0

    def set_volume(self, volume: float) -> None:
        self.volume_slider.setValue(round(max(0.0, min(1.0, volume)) * 100))

    def muted(self) -> bool:
        return self.mute_box.isChecked()

    def set_muted(self, muted: bool) -> None:
        self.mute_box.setChecked(muted)

    def _show_volume(self, value: int) -> None:
        self.volume_value.setText(self.tr("{percent} %").format(percent=value))

    def _fill_devices(self) -> None:
        combo = self.device_combo
        combo.blockSignals(True)
        try:
            combo.clear()
            combo.addItem(self.tr("System default"), None)
            for device in self._devices:
                name = self.tr("{name} (default)").format(name=device.name) if device.is_default else device.name
                combo.addItem(name, device.index)
            if not self._devices:
                combo.setItemText(0, self.tr("No output devices found"))
            combo.setEnabled(bool(self._devices))
            found = combo.findData(self._device) if self._device is not None else 0
            combo.setCurrentIndex(max(found, 0))
        finally:
            combo.blockSignals(False)

    def _on_volume(self, value: int) -> None:
        self._show_volume(value)
        self.volume_changed.emit(value / 100.0)

    def _on_device_activated(self, row: int) -> None:
        device = self.device_combo.itemData(row)
        device = device if isinstance(device, int) else None
        if device != self._device:
            self._device = device
            self.device_chosen.emit(device)
