"""Host tools: the hand queue and the stage with what a host can do to them, docked beside the room.

Shown only to a holder of a host's pass (the room's creator: from its controller's OS keyring entry, or the local
demo room's own controller). Every button is a signed request to the controller (app.stage.host.HostDesk); the
panel never changes the room itself — what it shows comes back in the room state, like everyone else's view.
Keyboard: the lists take focus with Tab, Enter on a hand invites it, every action has a mnemonic.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QDateTime, QEvent, QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.listener.state import RoomState
from app.room.host_protocol import NEEDS_TARGET, HostVerb
from app.room.protocol import Role, StageMember

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole


def clock_time(unix: float) -> str:
    """A raise time as the user's clock shows it (a fixed time, unlike "2 min ago", stays true unrefreshed)."""
    moment = QDateTime.fromSecsSinceEpoch(int(unix)).time()
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)


class HostPanel(QDockWidget):
    """The host's dock: `action_requested(verb, target)` for every button; `show_state` keeps the lists current."""

    action_requested = Signal(object, str)  # (HostVerb, target id or "")
    go_on_stage_requested = Signal()
    audience_requested = Signal()  # the audience graph (app.ui.audience_window)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hostPanel")
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        body = QWidget()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.stage_button = QPushButton()
        self.stage_button.setObjectName("hostGoOnStage")
        self.hands_label = QLabel()
        self.hands = QListWidget()
        self.hands.setObjectName("hostHands")
        self.invite_button = QPushButton()
        self.members_label = QLabel()
        self.members = QListWidget()
        self.members.setObjectName("hostMembers")
        self.mute_button = QPushButton()
        self.promote_button = QPushButton()
        self.demote_button = QPushButton()
        self.remove_button = QPushButton()
        self.mute_all_button = QPushButton()
        self.end_button = QPushButton()
        self.end_button.setStyleSheet("color: #b00020;")
        self.audience_button = QPushButton()
        self.audience_button.setObjectName("hostAudience")
        self.record_button = QPushButton()  # starts or stops the server's recording of the stage mix
        self.record_button.setObjectName("hostRecord")
        self.message = QLabel()
        self.message.setObjectName("hostMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.hands_label.setBuddy(self.hands)
        self.members_label.setBuddy(self.members)

        member_row = QHBoxLayout()
        for button in (self.mute_button, self.promote_button, self.demote_button, self.remove_button):
            member_row.addWidget(button)
        room_row = QHBoxLayout()
        room_row.addWidget(self.mute_all_button)
        room_row.addWidget(self.audience_button)
        room_row.addWidget(self.record_button)
        room_row.addStretch(1)
        room_row.addWidget(self.end_button)
        layout = QVBoxLayout(body)
        for widget in (self.intro, self.stage_button, self.hands_label, self.hands, self.invite_button,
                       self.members_label, self.members):
            layout.addWidget(widget)
        layout.addLayout(member_row)
        layout.addLayout(room_row)
        layout.addWidget(self.message)
        self.setWidget(body)

        self._state = RoomState()
        self._on_stage = False
        self.stage_button.clicked.connect(self.go_on_stage_requested)
        self.invite_button.clicked.connect(lambda: self._ask(HostVerb.INVITE, self._selected(self.hands)))
        self.hands.itemActivated.connect(lambda item: self._ask(HostVerb.INVITE, item.data(ID_ROLE)))
        self.mute_button.clicked.connect(self._mute_or_lift)
        self.promote_button.clicked.connect(lambda: self._ask(HostVerb.PROMOTE, self._selected(self.members)))
        self.demote_button.clicked.connect(lambda: self._ask(HostVerb.DEMOTE, self._selected(self.members)))
        self.remove_button.clicked.connect(self._remove)
        self.mute_all_button.clicked.connect(lambda: self._ask(HostVerb.MUTE_ALL, ""))
        self.end_button.clicked.connect(self._end)
        self.audience_button.clicked.connect(self.audience_requested)
        self.record_button.clicked.connect(
            lambda: self._ask(HostVerb.STOP_RECORD if self._state.recording else HostVerb.RECORD, ""))
        self.hands.itemSelectionChanged.connect(self._enable)
        self.members.itemSelectionChanged.connect(self._enable)
        self.retranslate()

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Host tools"))
        self.intro.setText(self.tr("You host this room. What you do here reaches everyone within a second."))
        self.stage_button.setText(self.tr("&Go on stage as host"))
        self.hands_label.setText(self.tr("&Raised hands (oldest first)"))
        self.hands.setAccessibleName(self.tr("Raised hands"))
        self.invite_button.setText(self.tr("&Invite to speak"))
        self.members_label.setText(self.tr("On s&tage"))
        self.members.setAccessibleName(self.tr("Stage members"))
        self.promote_button.setText(self.tr("Make &co-host"))
        self.demote_button.setText(self.tr("Move to a&udience"))
        self.remove_button.setText(self.tr("Remo&ve…"))
        self.mute_all_button.setText(self.tr("Mute a&ll speakers"))
        self.end_button.setText(self.tr("&End room…"))
        self.audience_button.setText(self.tr("&Audience…"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ state
    def show_state(self, state: RoomState) -> None:
        self._state = state
        self._fill()

    def set_on_stage(self, on_stage: bool) -> None:
        self._on_stage = on_stage
        self.stage_button.setVisible(not on_stage)

    def set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setAccessibleDescription(text)

    def _fill(self) -> None:
        raised = self.tr("{name} — raised at {time}")
        self._refill(self.hands, [(h.id, raised.format(name=h.name, time=clock_time(h.raised_at)))
                                  for h in self._state.hands])
        self._refill(self.members, [(m.id, self._member_text(m)) for m in self._state.members])
        self.setEnabled(not self._state.ended)
        self._enable()

    def _member_text(self, m: StageMember) -> str:
        role = {Role.HOST: self.tr("host"), Role.CO_HOST: self.tr("co-host"), Role.SPEAKER: self.tr("speaker")}
        flags = [self.tr("muted by a host") if m.held else self.tr("muted") if m.muted else ""]
        flags += [self.tr("feedback") if m.feedback else ""]
        shown = ", ".join(f for f in flags if f)
        return f"{m.name} ({role[m.role]}{', ' + shown if shown else ''})"

    @staticmethod
    def _refill(widget: QListWidget, rows: list[tuple[str, str]]) -> None:
        """Replace the rows, keeping the selection on the same id (a refresh must not move the focus)."""
        selected = HostPanel._selected(widget)
        if [(widget.item(i).data(ID_ROLE), widget.item(i).text()) for i in range(widget.count())] == rows:
            return
        widget.clear()
        for row_id, text in rows:
            item = QListWidgetItem(text)
            item.setData(ID_ROLE, row_id)
            widget.addItem(item)
            if row_id == selected:
                item.setSelected(True)
                widget.setCurrentItem(item)

    @staticmethod
    def _selected(widget: QListWidget) -> str:
        items = widget.selectedItems()
        return str(items[0].data(ID_ROLE)) if items else ""

    def selected_member(self) -> StageMember | None:
        member_id = self._selected(self.members)
        return next((m for m in self._state.members if m.id == member_id), None)

    def _enable(self) -> None:
        self.invite_button.setEnabled(bool(self._selected(self.hands)))
        member = self.selected_member()
        for button in (self.mute_button, self.promote_button, self.demote_button, self.remove_button):
            button.setEnabled(member is not None and member.role is not Role.HOST)
        self.promote_button.setEnabled(member is not None and member.role is Role.SPEAKER)
        self.mute_button.setText(self.tr("Lift &mute") if member is not None and member.held
                                 else self.tr("&Mute"))
        self.mute_all_button.setEnabled(any(m.role is Role.SPEAKER for m in self._state.members))
        self.record_button.setText(self.tr("Stop recor&ding") if self._state.recording
                                   else self.tr("Start recor&ding"))

    # ------------------------------------------------------------------ actions
    def _ask(self, verb: HostVerb, target: str) -> None:
        if target or verb not in NEEDS_TARGET:
            self.action_requested.emit(verb, target)

    def _mute_or_lift(self) -> None:
        member = self.selected_member()
        if member is not None:
            self._ask(HostVerb.UNMUTE if member.held else HostVerb.MUTE, member.id)

    def _remove(self) -> None:
        member = self.selected_member()
        if member is not None and self.confirm(self.tr("Remove {name} from this room? They cannot come back "
                                                       "while it lasts.").format(name=member.name)):
            self._ask(HostVerb.REMOVE, member.id)

    def _end(self) -> None:
        if self.confirm(self.tr("End the room for everyone? Listeners will see that it ended.")):
            self._ask(HostVerb.END, "")

    def confirm(self, question: str) -> bool:
        """Ask before what cannot be undone (tests replace this)."""
        answer = QMessageBox.question(self, self.tr("Host tools"), question)
        return answer == QMessageBox.StandardButton.Yes
