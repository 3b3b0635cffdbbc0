"""Host tools: the hand queue and the stage with what a host can do to them, docked beside the room.

Shown only to a holder of a host's pass (the room's creator: from its controller's OS keyring entry, or the local
demo room's own controller). Every button is a signed request to the controller (app.stage.host.HostDesk); the
panel never changes the room itself — what it shows comes back in the room state, like everyone else's view.
Keyboard: the lists take focus with Tab, Enter on a hand invites it, every action has a mnemonic.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QDateTime, QEvent, QLocale, QObject, Qt, Signal
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

from app.controller.secret_store import SecretsUnavailable, load_host_pass
from app.links import RoomLink, format_link, parse_link
from app.listener.state import RoomState
from app.room.errors import RoomError
from app.room.host_protocol import NEEDS_TARGET, HostVerb
from app.room.protocol import Role, StageMember
from app.room.roster_protocol import RosterEntry
from app.room.stage_protocol import StagePass
from app.stage.host import HostDesk, move_target
from app.stage.roster import RosterCollector, carry_roles
from app.stage.speaker import Role as SpeakerRole
from app.stage.speaker import SpeakerSession
from app.ui.audience_window import AudienceWindow
from app.ui.reactions import ReactionRates
from app.ui.state_bridge import RoomStateBridge
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)

MOVE_WAIT_S = 8.0  # as `plaza host move`: the controller announces a move within a second
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


def keyring_host_pass(link: RoomLink) -> StagePass | None:
    """The room creator's pass, if this machine's keyring has it (its controller runs here); else None: the
    window is a listener's. Read once per join, on the Qt thread (a quick keyring lookup, as Vorta does)."""
    try:
        return load_host_pass(link)
    except SecretsUnavailable as exc:
        log.debug("no host pass for room %s: %s", link.room_id, exc)
        return None


class HostControl(QObject):
    """Shows the panel to a holder of a host's pass and runs its requests through a HostDesk on the window's
    tasks, saying when one fails."""

    desk_changed = Signal(bool)  # whether this window hosts the room now ("Move room…" is enabled by it)

    def __init__(self, panel: HostPanel, tasks: TaskSet,
                 provider: Callable[[RoomLink], Awaitable[StagePass | None] | StagePass | None] = keyring_host_pass
                 ) -> None:
        super().__init__(panel)
        self.panel = panel
        self.provider = provider
        self.desk: HostDesk | None = None
        self.speaker: SpeakerSession | None = None
        self._bridge: RoomStateBridge | None = None
        self._known: dict[int, StagePass] = {}  # passes handed over in memory, by room number
        self._lookup = 0  # bumped by follow(): a pass lookup started for an earlier room (a move) is dropped
        # A move this window made: (the new room's number, the old room's roster coming in), until the new room's
        # host pass is found and its invites are sent (roles travel with the move, §3.8).
        self._carrying: tuple[int, RosterCollector] | None = None
        self._tasks = tasks
        panel.action_requested.connect(self._on_action)
        panel.go_on_stage_requested.connect(self._go_on_stage)
        self.audience = AudienceWindow(lambda: self.desk, tasks, panel)
        panel.audience_requested.connect(self.audience.open)
        panel.hide()

    def follow(self, speaker: SpeakerSession | None, bridge: RoomStateBridge | None) -> None:
        """The window's session (None: the room was left): host tools appear if we hold the room's host pass."""
        if self._bridge is not None:
            self._bridge.changed.disconnect(self._on_state)
            self._bridge.reactions.disconnect(self.audience.add_reactions)
        self.speaker, self._bridge = speaker, None
        self._lookup += 1
        self.audience.rates = ReactionRates()  # another room's (or no) reactions
        self.set_desk(None)
        if speaker is None or bridge is None:
            self._stop_carrying()
        if speaker is not None and bridge is not None:
            self._tasks.start(self._find_pass(speaker, bridge, self._lookup), name="plaza-host-pass")

    def remember(self, stage_pass: StagePass) -> None:
        """A host pass handed over in memory (a room this window started on a machine without a keyring)."""
        self._known[stage_pass.room] = stage_pass

    async def _find_pass(self, speaker: SpeakerSession, bridge: RoomStateBridge, lookup: int) -> None:
        room_id = speaker.listen.link.room_id
        stage_pass = self._known.get(room_id)
        if stage_pass is None:
            found = self.provider(speaker.listen.link)
            stage_pass = await found if inspect.isawaitable(found) else found  # (a keyring may ask to unlock)
        channel = speaker.listen.channel
        # The same session follows a moved room: a lookup for the room it left must not attach its pass to the
        # new one (nor connect the bridge twice when both lookups finish).
        if lookup != self._lookup or speaker is not self.speaker:
            return
        if (stage_pass is None or channel is None or stage_pass.room != room_id
                or speaker.listen.link.room_id != room_id):
            if self._carrying is not None and self._carrying[0] == room_id:
                log.warning("moved to room %s without its host pass here: its speakers must be invited by hand",
                            room_id)
                self._stop_carrying()
            return
        self._bridge = bridge
        bridge.changed.connect(self._on_state)
        bridge.reactions.connect(self.audience.add_reactions)
        desk = HostDesk(channel, stage_pass)
        self.set_desk(desk)
        self._on_state()
        carrying = self._carrying
        if carrying is not None and carrying[0] == room_id:
            self._stop_carrying()
            if carrying[1].entries or speaker.carried is not None:
                self._tasks.start(self._carry(speaker, desk, carrying[1].entries), name="plaza-host-carry-roles")

    def _stop_carrying(self) -> None:
        carrying, self._carrying = self._carrying, None
        if carrying is not None:
            carrying[1].close()

    async def _carry(self, speaker: SpeakerSession, desk: HostDesk, entries: list[RosterEntry]) -> None:
        """After our move: back on the new stage if we were on the old one, and everyone else invited again."""
        if speaker.carried is not None:
            try:
                await speaker.take_pass(desk.stage_pass)
            except RoomError as exc:
                log.warning("could not go back on stage after the move: %s", exc)
        if not entries:
            return
        try:
            await carry_roles(desk, entries)
        except RoomError as exc:
            log.warning("the moved room's speakers were not invited again: %s", exc)
            if desk is self.desk:
                self.panel.set_message(self.tr("The speakers could not be invited to the new room; invite them "
                                               "from the hands."))

    def set_desk(self, desk: HostDesk | None) -> None:
        self.desk = desk
        self.desk_changed.emit(desk is not None)
        self.audience.close()  # another session's (or no) host: its graph is not this one's
        self.panel.setVisible(desk is not None)
        self.panel.set_message("")

    def _on_state(self) -> None:
        speaker = self.speaker
        if speaker is None:
            return
        self.panel.show_state(speaker.listen.state.state)
        self.panel.set_on_stage(speaker.role in (SpeakerRole.JOINING, SpeakerRole.SPEAKER))

    def _go_on_stage(self) -> None:
        speaker, desk = self.speaker, self.desk
        if speaker is not None and desk is not None and speaker.role is SpeakerRole.LISTENER:
            self._tasks.start(self._take_pass(speaker, desk), name="plaza-host-on-stage")

    async def _take_pass(self, speaker: SpeakerSession, desk: HostDesk) -> None:
        try:
            await speaker.take_pass(desk.stage_pass)
        except RoomError as exc:
            log.warning("the host could not go on stage: %s", exc)
            if desk is self.desk:
                self.panel.set_message(self.tr("Could not go on stage; try again."))

    async def move(self, link: str, timeout: float = MOVE_WAIT_S) -> None:
        """Move the room to `link` and wait until the room state shows the forward (the window follows it like
        every listener); raises LinkError for a bad link, RoomError when not carried out within `timeout`."""
        desk, speaker = self.desk, self.speaker
        if desk is None or speaker is None:
            raise RoomError("this window does not host the room (any more)")
        session = speaker.listen
        target = move_target(link)
        done = asyncio.Event()

        def on_moved(moved: RoomLink) -> None:
            if format_link(moved) == target:
                done.set()

        def on_state(state: RoomState, _change: object) -> None:
            if state.moved == target:
                done.set()

        session.moved.connect(on_moved)
        session.state.changed.connect(on_state)
        if session.channel is not None:  # the old controller whispers us its stage before it ends the room
            self._stop_carrying()
            self._carrying = (parse_link(target).room_id, RosterCollector(session.channel, desk.stage_pass.room))
        try:
            await desk.move(target)
            async with asyncio.timeout(timeout):
                await done.wait()
        except TimeoutError:
            self._stop_carrying()
            raise RoomError(f"the controller did not move room {desk.stage_pass.room} within {timeout:g} s") from None
        except BaseException:
            self._stop_carrying()
            raise
        finally:
            session.moved.disconnect(on_moved)
            session.state.changed.disconnect(on_state)

    def _on_action(self, verb: HostVerb, target: str) -> None:
        desk = self.desk
        if desk is not None:
            self._tasks.start(self._act(desk, verb, target), name=f"plaza-host-{verb.value}")

    async def _act(self, desk: HostDesk, verb: HostVerb, target: str) -> None:
        try:
            await desk.act(verb, target)
        except RoomError as exc:
            log.warning("host action %s failed: %s", verb.value, exc)
            if desk is self.desk:
                self.panel.set_message(self.tr("The room's controller could not be reached; try again."))
            return
        if desk is self.desk:
            self.panel.set_message("")
