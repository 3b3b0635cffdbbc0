"""The invitation to speak: a microphone chooser with a live meter (a sound check), Accept or Not now.

Non-modal, like the connection details (`exec()` would re-enter the asyncio loop; a modal dialog would block the
room's own controls while the person decides). It is passive: it shows the devices, the level and any problem it
is told about, and emits the person's choice; SpeakerControl runs the microphone and the session. Closing it (Esc,
the title bar) means "Not now"; `dismiss()` closes it without an answer (the invite was withdrawn or taken).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.media.capture import InputDevice
from app.ui.level_meter import LevelMeter
from app.ui.plain_text import plain_tooltip

ProblemText = Callable[[], str]  # evaluated again on a language change


def _note(style: str) -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.hide()
    return label



def music_mode_tip() -> str:
    """What music mode does, for its switch in the invitation and on the stage bar (one text, one translation)."""
    return QCoreApplication.translate(
        "MusicMode", "For singing or playing an instrument: feedback mutes the microphone only when the howl comes "
        "from what Plaza plays, or once it is loud. Wear headphones: a howl through another device is caught late, "
        "or not at all.")


class InviteDialog(QDialog):
    """"You are invited to speak": pick and check the microphone, then Accept or Not now."""

    accept_requested = Signal()
    decline_requested = Signal()
    device_chosen = Signal(object)  # int device index, or None for the system default

    def __init__(self, devices: Sequence[InputDevice], echo_reason: str | None, echo_available: bool,
                 parent: QWidget | None = None, *, preferred: int | None = None, music: bool = False) -> None:
        """`preferred`: the microphone chosen in the settings, offered first (else the system's default);
        `music`: music mode as last chosen."""
        super().__init__(parent)
        self.setObjectName("inviteDialog")
        self._devices = list(devices)
        self._preferred = preferred
        self._echo_reason = echo_reason  # English, for the tooltip (and the log), never the visible text
        self._echo_available = echo_available
        self._problem: ProblemText | None = None
        self._dismissed = False

        self.headline = QLabel()
        self.headline.setObjectName("inviteHeadline")
        font = QFont(self.headline.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.headline.setFont(font)
        self.headline.setWordWrap(True)
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.device_combo = QComboBox()
        self.device_combo.setObjectName("inputDeviceCombo")
        # A device name is whatever the driver says: a long one must not widen the dialog.
        self.device_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device_combo.setMinimumContentsLength(24)
        self.meter = LevelMeter()
        self.meter.setObjectName("inviteMeter")
        self.device_label = QLabel()
        self.device_label.setBuddy(self.device_combo)
        self.meter_label = QLabel()
        self.problem_label = _note("color: #b00020;")
        self.problem_label.setObjectName("inviteProblem")
        self.echo_label = _note("color: #8a5a00;")
        self.echo_label.setObjectName("echoNote")
        # Music mode (app.media.feedback): instruments and choirs are not taken for a howl unless it is in what
        # we play; a loop through another device is then caught only when loud, so it is for headphones.
        self.music_box = QCheckBox()
        self.music_box.setObjectName("musicModeBox")
        self.music_box.setChecked(music)
        self.buttons = QDialogButtonBox()
        self.accept_button = QPushButton()
        self.accept_button.setObjectName("acceptInviteButton")
        self.accept_button.setDefault(True)
        self.decline_button = QPushButton()
        self.decline_button.setObjectName("declineInviteButton")
        self.buttons.addButton(self.accept_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.decline_button, QDialogButtonBox.ButtonRole.RejectRole)

        form = QFormLayout()
        form.addRow(self.device_label, self.device_combo)
        form.addRow(self.meter_label, self.meter)
        form.addRow(self.music_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.explanation)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.echo_label)
        layout.addWidget(self.buttons)

        self.accept_button.clicked.connect(self.accept_requested)
        self.decline_button.clicked.connect(self.reject)
        self.device_combo.activated.connect(self._on_device_activated)
        self.retranslate()
        self.accept_button.setFocus()

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Invitation to speak"))
        self.headline.setText(self.tr("You are invited to speak on stage"))
        self.explanation.setText(self.tr("You join muted and unmute yourself when you are ready. Speak to check "
                                         "that the meter moves."))
        self.device_label.setText(self.tr("&Microphone:"))
        self.device_combo.setAccessibleName(self.tr("Microphone"))
        self.meter_label.setText(self.tr("Input level:"))
        self.meter.setAccessibleName(self.tr("Microphone input level"))
        self.accept_button.setText(self.tr("&Accept"))
        self.accept_button.setAccessibleName(self.tr("Accept and go on stage"))
        self.decline_button.setText(self.tr("&Not now"))
        self.decline_button.setAccessibleName(self.tr("Not now: stay in the audience"))
        self.music_box.setText(self.tr("M&usic mode (on headphones)"))
        self.music_box.setToolTip(music_mode_tip())
        self.music_box.setAccessibleDescription(self.music_box.toolTip())
        if self._echo_available:
            self.echo_label.clear()
            self.echo_label.hide()
        else:
            self.echo_label.setText(self.tr("Echo cancellation is unavailable on this computer. Use headphones, "
                                            "or the room will hear itself through your microphone."))
            self.echo_label.setToolTip(plain_tooltip(self._echo_reason or ""))
            self.echo_label.show()
        self._show_problem()
        self._fill_devices()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ what SpeakerControl tells us
    def set_devices(self, devices: Sequence[InputDevice]) -> None:
        self._devices = list(devices)
        self._fill_devices()

    def has_devices(self) -> bool:
        return bool(self._devices)

    def current_device(self) -> int | None:
        data = self.device_combo.currentData()
        return data if isinstance(data, int) else None

    def set_problem(self, problem: ProblemText | None) -> None:
        """A translated sentence (a function, so it follows a language change); None clears it."""
        self._problem = problem
        self._show_problem()

    def problem_text(self) -> str:
        return self.problem_label.text()

    def set_busy(self, busy: bool) -> None:
        """While the microphone is being opened for the stage: no second Accept, no device change."""
        self.accept_button.setEnabled(not busy)
        self.music_box.setEnabled(not busy)
        self.device_combo.setEnabled(not busy and bool(self._devices))

    def dismiss(self) -> None:
        """Close without an answer: the invite was withdrawn, taken, or the room left."""
        self._dismissed = True
        self.meter.reset()
        super().reject()

    def reject(self) -> None:
        """Not now, Esc or the title bar's close: decline (unless already dismissed)."""
        if not self._dismissed:
            self._dismissed = True
            self.decline_requested.emit()
        super().reject()

    # ------------------------------------------------------------------ rendering
    def _show_problem(self) -> None:
        text = self._problem() if self._problem is not None else ""
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    def _fill_devices(self) -> None:
        combo = self.device_combo
        current = self.current_device() if combo.count() else None
        combo.blockSignals(True)
        try:
            combo.clear()
            if not self._devices:
                combo.addItem(self.tr("No microphone found"), None)
            for device in self._devices:
                name = self.tr("{name} (default)").format(name=device.name) if device.is_default else device.name
                combo.addItem(name, device.index)
            default = next((d.index for d in self._devices if d.is_default), None)
            wanted = current if current is not None else self._preferred if self._preferred is not None else default
            found = combo.findData(wanted) if wanted is not None else 0
            combo.setCurrentIndex(max(found, 0))
            combo.setEnabled(bool(self._devices))
        finally:
            combo.blockSignals(False)

    def _on_device_activated(self, row: int) -> None:
        device = self.device_combo.itemData(row)
        self.device_chosen.emit(device if isinstance(device, int) else None)
