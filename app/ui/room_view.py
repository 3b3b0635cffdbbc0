"""The room view: title (with a recording indicator), status, listener count, stage, hand or stage controls, the
playback controls (app.ui.output_controls: volume, local mute, output device), Leave.

A passive widget: it shows what the main window tells it (status, output problems, devices) and what the
room's state model says (through a coalescing bridge), and emits the user's intents as signals. It keeps the
raw values (status, error, title) so it can rebuild every string when the language changes. It never shows an
exception's English message: errors are described by app.ui.error_text, and the room title (outside text, from
the link) is plain text, elided to the width there is.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.listener.state import RoomStateModel, StateSource
from app.listener.status import RoomStatus, StatusChange
from app.media.output import OutputDevice
from app.ui.audience import HandControl, ListenerCountLabel
from app.ui.error_text import describe, ended_text, move_failed_text, output_problem_text, unknown_problem_text
from app.ui.output_controls import OutputControls
from app.ui.plain_text import ElidedLabel, isolate, plain_tooltip, shorten
from app.ui.reactions import ReactionBar, ReactionOverlay
from app.ui.reconnect_banner import ReconnectBanner
from app.ui.stage_controls import StageControls
from app.ui.stage_view import StageView
from app.ui.state_bridge import RoomStateBridge

STATUS_STYLES = {
    RoomStatus.LIVE: "color: #1b7f3b; font-weight: bold;",
    RoomStatus.RECONNECTING: "color: #8a5a00; font-weight: bold;",
    RoomStatus.ERROR: "color: #b00020;",
}
HAND_STATUSES = frozenset({RoomStatus.LIVE, RoomStatus.RECONNECTING})  # a hand can wait out a reconnect


class RoomView(QWidget):
    """Controls for the room being listened to; the main window wires them to the session."""

    volume_changed = Signal(float)  # 0.0 .. 1.0
    mute_toggled = Signal(bool)
    device_chosen = Signal(object)  # int device index, or None for the system default
    leave_requested = Signal()
    details_requested = Signal()  # the reconnect banner's "Details…"
    hand_raise_requested = Signal(bool)  # the user's intent; the main window passes it to the session
    hand_availability_changed = Signal(bool)  # the hand control appeared (room live) or went away
    title_changed = Signal()  # room_title() changed on its own (a moved room's controller told its title)
    reaction_requested = Signal(str)  # a reaction code (app.room.reactions_protocol), from the row or its keys

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomView")
        self._room_id = 0
        self._title = ""
        self._status = RoomStatus.IDLE
        self._detail = ""
        self._error: BaseException | None = None  # why the status is ERROR, described in the user's language
        self._output_error: str | None = None
        self._bridge: RoomStateBridge | None = None
        self._on_stage = False  # going on stage or there: the stage controls replace the hand
        self._moved_from: str | None = None  # the title of the room we followed here (a move's notice), if any
        self._move_failed = False  # the room moved and its new room could not be found: why it ENDED
        self._stage_left = False  # a move we made left its stage behind: the host must invite them by hand

        self.title_label = ElidedLabel()
        self.title_label.setObjectName("roomTitle")
        font = QFont(self.title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title_label.setFont(font)
        # Everyone in the room sees whether it is being recorded (the controller says what the server says).
        self.recording_label = QLabel()
        self.recording_label.setObjectName("recordingIndicator")
        self.recording_label.setTextFormat(Qt.TextFormat.PlainText)
        self.recording_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.recording_label.hide()
        self.status_label = QLabel()
        self.status_label.setObjectName("roomStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.output_label = QLabel()
        self.output_label.setObjectName("outputError")
        self.output_label.setTextFormat(Qt.TextFormat.PlainText)
        self.output_label.setWordWrap(True)
        self.output_label.setStyleSheet("color: #8a5a00;")
        self.output_label.hide()
        self.moved_label = QLabel()  # a move followed: said once, non-modal, until the room is left
        self.moved_label.setObjectName("movedNotice")
        self.moved_label.setTextFormat(Qt.TextFormat.PlainText)
        self.moved_label.setWordWrap(True)
        self.moved_label.hide()
        self.banner = ReconnectBanner()
        self.banner.details_requested.connect(self.details_requested)
        self.listeners_label = ListenerCountLabel()
        self.stage = StageView()
        self.hand = HandControl()
        self.hand.hide()
        self.stage_controls = StageControls()
        self.reaction_bar = ReactionBar()  # listeners and speakers alike, while the room is live
        self.reaction_bar.hide()
        self.reaction_bar.reacted.connect(self.reaction_requested)

        self.output = OutputControls()
        self.output.volume_changed.connect(self.volume_changed)
        self.output.mute_toggled.connect(self.mute_toggled)
        self.output.device_chosen.connect(self.device_chosen)
        # (the window and the tests reach these through the view)
        self.volume_slider, self.mute_box, self.device_combo = (self.output.volume_slider, self.output.mute_box,
                                                                self.output.device_combo)
        self.leave_button = QPushButton()
        self.leave_button.setObjectName("leaveButton")

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.leave_button)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label, 1)
        title_row.addWidget(self.recording_label)
        layout = QVBoxLayout(self)
        layout.addLayout(title_row)
        layout.addWidget(self.status_label)
        layout.addWidget(self.moved_label)
        layout.addWidget(self.banner)
        layout.addWidget(self.output_label)
        layout.addWidget(self.listeners_label)
        layout.addWidget(self.stage, 1)
        layout.addWidget(self.hand)
        layout.addWidget(self.stage_controls)
        layout.addWidget(self.reaction_bar)
        layout.addSpacing(6)
        layout.addWidget(self.output)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self.hand.button, self.stage_controls.mute_button)
        QWidget.setTabOrder(self.stage_controls.mute_button, self.stage_controls.music_box)
        QWidget.setTabOrder(self.stage_controls.music_box, self.stage_controls.leave_stage_button)
        QWidget.setTabOrder(self.stage_controls.leave_stage_button, self.volume_slider)
        QWidget.setTabOrder(self.volume_slider, self.mute_box)  # (again: reparenting the controls reset their chain)
        QWidget.setTabOrder(self.mute_box, self.device_combo)
        QWidget.setTabOrder(self.device_combo, self.leave_button)

        self.leave_button.clicked.connect(self.leave_requested)
        self.hand.hand_raise_requested.connect(self.hand_raise_requested)
        self.overlay = ReactionOverlay(self.stage)  # over the stage, above its tiles, transparent to the mouse
        self.retranslate()

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        self.leave_button.setText(self.tr("&Leave"))
        self.leave_button.setAccessibleName(self.tr("Leave the room"))
        self.leave_button.setToolTip(self.tr("Leave the room (Ctrl+L)"))
        self.status_label.setAccessibleName(self.tr("Room status"))
        self.title_label.setAccessibleName(self.tr("Room title"))
        self.recording_label.setText(self.tr("● REC"))
        self.recording_label.setAccessibleName(self.tr("Recording"))
        why = self.tr("This room is being recorded: the room's server is saving what is said on stage.")
        self.recording_label.setToolTip(why)
        self.recording_label.setAccessibleDescription(why)
        self._show_title()
        self._show_status()
        self._show_moved()
        self._show_output_error()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ what the window tells us
    def set_room(self, room_id: int, title: str) -> None:
        self._room_id, self._title = room_id, title
        self._status, self._detail, self._output_error, self._error = RoomStatus.IDLE, "", None, None
        self._moved_from, self._move_failed, self._stage_left = None, False, False
        self._show_title()
        self._show_status()
        self._show_moved()
        self._show_output_error()

    def follow_move(self, room_id: int, title: str) -> None:
        """The room moved and the session follows it: the new room's title, the status as it is, and a notice."""
        self._moved_from, self._move_failed, self._stage_left = self.room_title(), False, False
        self._room_id, self._title = room_id, title
        self._show_title()
        self._show_status()
        self._show_moved()

    def set_stage_left_behind(self) -> None:
        """Our move could not hand the stage's places on (no host pass for the new room here, or its controller
        was not heard): the host must invite them again by hand."""
        self._stage_left = True
        self._show_moved()

    def set_move_failed(self) -> None:
        """Following the move ended the session: the new room was on none of its servers."""
        self._move_failed = True
        self._show_status()

    def set_status_change(self, change: StatusChange) -> None:
        """A change from the session's status model (the banner needs its reconnect details too)."""
        self.banner.set_status(change)
        self.set_status(change.status, change.detail)

    def set_status(self, status: RoomStatus, detail: str = "") -> None:
        """`detail` (English, from the session) is kept for the tooltip of LIVE (the server) and never shown for
        ERROR or ENDED: `set_error` says why, in the user's language."""
        if status != RoomStatus.RECONNECTING:
            self.banner.set_status(StatusChange(status, detail))
        if status != RoomStatus.ERROR:
            self._error = None
        self._status, self._detail = status, detail
        self._show_status()
        self._show_hand_availability()

    def set_error(self, error: BaseException) -> None:
        """The room failed with `error` (typed): the status says so in the user's language."""
        self._error = error  # (set_status keeps it: it only drops the error for other statuses)
        self.set_status(RoomStatus.ERROR, self._detail if self._status == RoomStatus.ERROR else "")

    def set_state_model(self, model: RoomStateModel | None) -> None:
        """Show this room state (None: the session has none); replaces the previous model's bridge."""
        if self._bridge is not None:
            self._bridge.close()
            self._bridge.deleteLater()
            self._bridge = None
        if model is not None:
            self._bridge = RoomStateBridge(model, parent=self)
            self._bridge.changed.connect(self._show_state)
            self._bridge.reactions.connect(self.overlay.show_counts)
            self._bridge.flush()
        else:
            self.overlay.clear()
            self.stage.set_members((), waiting=True)
            self.recording_label.hide()
            self.listeners_label.set_count(None)
            self.hand.set_hand(False, False)
            self._show_hand_availability()

    @property
    def state_bridge(self) -> RoomStateBridge | None:
        return self._bridge

    def hand_available(self) -> bool:
        """The hand control is offered only while the room is live (or reconnecting to it) and not ended, and not
        to a speaker (on stage, or going there: the stage controls take its place)."""
        bridge = self._bridge
        return (bridge is not None and not self._on_stage and self._status in HAND_STATUSES
                and not bridge.model.state.ended)

    def set_on_stage(self, on_stage: bool) -> None:
        self._on_stage = on_stage
        self._show_hand_availability()

    def set_output_error(self, reason: str | None) -> None:
        """The output fell back to no device; `reason` (English) is for the log only."""
        self._output_error = reason
        self._show_output_error()

    def set_devices(self, devices: list[OutputDevice], current: int | None) -> None:
        self.output.set_devices(devices, current)

    def status_text(self) -> str:
        return self.status_label.text()

    # ------------------------------------------------------------------ rendering
    def _show_state(self) -> None:
        """One coalesced model update: each widget diffs the latest state against what it shows."""
        bridge = self._bridge
        if bridge is None:
            return
        model = bridge.model
        state = model.state
        if (self._moved_from is not None and state.source is StateSource.CONTROLLER and not state.ended
                and state.title and state.title != self._title):
            # A moved room's link rarely has a title (a fresh room's link has none): its controller's is the one.
            self._title = state.title  # (cleaned by the protocol like every name)
            self._show_title()
            self._show_moved()
            self.title_changed.emit()
        self.stage.set_members(state.members, waiting=state.source is StateSource.NONE)
        if state.recording == self.recording_label.isHidden():
            self.recording_label.setVisible(state.recording)
        self.listeners_label.set_count(state.listeners)
        self.hand.set_hand(model.hand_raised, model.own_hand_in_queue(), bridge.hand_position())
        if self._status == RoomStatus.ENDED:
            self._show_status()  # who ended it may be known only now
        self._show_hand_availability()

    def _show_hand_availability(self) -> None:
        available = self.hand_available()
        if available == self.hand.isHidden():
            self.hand.setVisible(available)
            self.hand_availability_changed.emit(available)
        bridge = self._bridge  # reactions: anyone in a live room, on stage or not
        live = bridge is not None and self._status in HAND_STATUSES and not bridge.model.state.ended
        if live == self.reaction_bar.isHidden():
            self.reaction_bar.setVisible(live)

    def room_title(self) -> str:
        return self._title or self.tr("Room {number}").format(number=self._room_id)

    def _show_title(self) -> None:
        self.title_label.set_full_text(self.room_title())

    def _show_status(self) -> None:
        if self._status == RoomStatus.CONNECTING:
            text = self.tr("Connecting…")
        elif self._status == RoomStatus.LIVE:
            text = self.tr("Live")
        elif self._status == RoomStatus.RECONNECTING:
            text = self.tr("Live — reconnecting")
        elif self._status == RoomStatus.ENDED:
            bridge = self._bridge
            by_hosts = bridge is not None and bridge.model.state.ended  # the controller said so
            reason = move_failed_text() if self._move_failed else ended_text(by_hosts)
            text = self.tr("Ended: {reason}").format(reason=reason)
        elif self._status == RoomStatus.ERROR:
            reason = describe(self._error) if self._error is not None else unknown_problem_text()
            text = self.tr("Error: {reason}").format(reason=reason)
        else:
            text = self.tr("Not connected")
        self.status_label.setText(text)
        self.status_label.setStyleSheet(STATUS_STYLES.get(self._status, ""))
        self.status_label.setToolTip(plain_tooltip(self._detail) if self._status == RoomStatus.LIVE else "")
        self.status_label.setAccessibleDescription(text)

    def _show_moved(self) -> None:
        if self._moved_from is None:
            self.moved_label.hide()
            return
        text = self.tr("The room moved to “{room}”; you followed it.").format(
            room=isolate(shorten(self.room_title(), 80)))
        if self._stage_left:
            text += " " + self.tr("Its speakers could not be brought onto the new stage; they need to be invited "
                                  "again there.")
        self.moved_label.setText(text)
        self.moved_label.setAccessibleDescription(text)
        self.moved_label.show()

    def _show_output_error(self) -> None:
        if self._output_error:
            self.output_label.setText(output_problem_text())
            self.output_label.show()
        else:
            self.output_label.clear()
            self.output_label.hide()

    # ------------------------------------------------------------------ playback (app.ui.output_controls)
    def volume(self) -> float:
        return self.output.volume()

    def set_volume(self, volume: float) -> None:
        self.output.set_volume(volume)

    def muted(self) -> bool:
        return self.output.muted()

    def set_muted(self, muted: bool) -> None:
        self.output.set_muted(muted)
