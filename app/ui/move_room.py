"""Room moves in the window: following one (every listener), and "Move room…" (the room's host).

Following: the ListenSession follows a forward by itself (app.listener.follow); the window only shows it — the
new room's title (its controller's, once heard), a short notice, the new link first in the recent rooms, and the
host tools looked up again for the new room (the host is the new room's host through that room's own pass; with
it, the host's window invites the moved stage there: app.ui.host_control.HostControl, §3.8). A speaker's place on
stage comes back without a dialog (app.stage.speaker).

Moving: the dialog takes a room link (checked like a pasted one; the problem is said, the link never echoed) or
starts a fresh room the way "Start a room…" does (`plaza start` as its own program: the window never holds a
room's secrets), asks before it moves everyone, then sends the signed `move` the CLI sends (HostControl.move ->
HostDesk.move) and waits until the room state shows it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.links import LinkError, RoomLink, format_link, parse_link
from app.listener.follow import same_room
from app.listener.listen import ListenSession
from app.room.errors import RoomError
from app.room.lobby_protocol import MAX_TITLE_CHARS
from app.room.wire import clean_text
from app.ui.error_text import link_problem_text
from app.ui.start_room import StartedRoom

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

Mover = Callable[[str], Awaitable[None]]  # sends the move and waits for it: HostControl.move
Starter = Callable[[str, str, str], Awaitable[StartedRoom]]  # (server, title, admin key): run_plaza_start


class MoveRoomDialog(QDialog):
    """Where to move the room: a link, or a fresh room; Move asks first, then reports a failure in place."""

    fresh_started = Signal(object)  # StartedRoom: the window keeps a pass that came over the pipe

    def __init__(self, current: RoomLink, mover: Mover, starter: Starter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("moveRoomDialog")
        self.current, self.mover, self.starter = current, mover, starter
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.to_link = QRadioButton()
        self.to_link.setChecked(True)
        self.link_edit = QLineEdit()
        self.link_edit.setObjectName("moveLinkEdit")
        self.to_fresh = QRadioButton()
        self.server_edit = QLineEdit(current.servers[0])
        self.title_edit = QLineEdit(clean_text(current.title, MAX_TITLE_CHARS))
        self.title_edit.setMaxLength(100)
        self.server_label, self.title_label = QLabel(), QLabel()
        self.server_label.setBuddy(self.server_edit)
        self.title_label.setBuddy(self.title_edit)
        self.message = QLabel()
        self.message.setObjectName("moveRoomMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_button = QPushButton()
        self.buttons.addButton(self.move_button, QDialogButtonBox.ButtonRole.AcceptRole)
        fresh = QFormLayout()
        fresh.addRow(self.server_label, self.server_edit)
        fresh.addRow(self.title_label, self.title_edit)
        layout = QVBoxLayout(self)
        for widget in (self.intro, self.to_link, self.link_edit, self.to_fresh):
            layout.addWidget(widget)
        layout.addLayout(fresh)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.request_move)
        self.buttons.rejected.connect(self.reject)
        self.to_link.toggled.connect(self._enable)
        self.link_edit.textEdited.connect(lambda _text: self.to_link.setChecked(True))
        self._task: asyncio.Task[None] | None = None
        self.retranslate()
        self._enable()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Move room"))
        self.intro.setText(self.tr("Everyone in this room goes to the new room: listeners follow on their own; "
                                   "speakers and co-hosts are invited onto its stage if you hold its host pass."))
        self.to_link.setText(self.tr("To the room at this &link:"))
        self.link_edit.setAccessibleName(self.tr("New room link"))
        self.link_edit.setPlaceholderText(self.tr("Paste a link such as plaza://host:8989/1234"))
        self.to_fresh.setText(self.tr("To a &fresh room, started now:"))
        self.server_label.setText(self.tr("&Server:"))
        self.title_label.setText(self.tr("&Title:"))
        self.server_edit.setAccessibleName(self.tr("Room server address"))
        self.title_edit.setAccessibleName(self.tr("Room title"))
        self.move_button.setText(self.tr("&Move…"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def _enable(self) -> None:
        fresh = self.to_fresh.isChecked()
        self.server_edit.setEnabled(fresh)
        self.title_edit.setEnabled(fresh)
        self.move_button.setEnabled(not self._busy())

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setAccessibleDescription(text)

    # ------------------------------------------------------------------ the move
    def request_move(self) -> None:
        """Check what was given, ask, then move (a bad link is said here, nothing is sent)."""
        if self._busy():
            return
        if self.to_fresh.isChecked():
            if not self.title_edit.text().strip():
                self.say(self.tr("Give the new room a title."))
                return
            question = self.tr("Start a fresh room and move everyone in this room there?")
            self.confirm(question, lambda: self._run(self._start_and_move(self.server_edit.text().strip(),
                                                                          self.title_edit.text().strip())))
            return
        try:
            target = parse_link(self.link_edit.text())
        except LinkError as exc:
            log.info("cannot move to that link: %s", exc)
            self.say(link_problem_text(exc.problem))
            return
        if same_room(self.current, target):
            self.say(self.tr("That is the link of this room. Paste the link of the room to move to."))
            return
        self.confirm(self.tr("Move everyone in this room to the new room? The room ends here."),
                     lambda: self._run(self._move(format_link(target))))

    def confirm(self, question: str, proceed: Callable[[], None]) -> None:
        """Ask before moving everyone; never exec() (a nested loop inside qasync re-enters running tasks)."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Move room"), question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("moveRoomConfirm")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                proceed()

        box.finished.connect(answered)
        box.open()

    def _run(self, work: Awaitable[None]) -> None:
        self._task = asyncio.ensure_future(work)
        self._task.add_done_callback(self._finished)
        self._enable()

    def _finished(self, task: asyncio.Future[None]) -> None:
        """A failure nobody expected (a bug, or an error type the mover did not promise) is logged and said,
        never left as "Task exception was never retrieved" with the dialog stuck on "Moving the room…"."""
        if task.cancelled() or task.exception() is None:
            return
        log.error("moving the room failed", exc_info=task.exception())
        if self._task is task:
            self.say(self.tr("The room did not move: something went wrong. Try again."))
            self._done()

    async def _start_and_move(self, server: str, title: str) -> None:
        self.say(self.tr("Starting the new room…"))
        try:
            started = await self.starter(server, title, "")
        except RoomError as exc:
            log.warning("could not start a room on %s to move to: %s", server, exc)
            self.say(self.tr("The new room could not be started, so nobody moved. Check the server address."))
            self._done()
            return
        self.fresh_started.emit(started)
        # A retry must not start yet another room: the started one is now the link to move to.
        self.link_edit.setText(started.link)
        self.to_link.setChecked(True)
        await self._move(started.link)

    async def _move(self, link: str) -> None:
        self.say(self.tr("Moving the room…"))
        try:
            await self.mover(link)
        except (RoomError, LinkError) as exc:
            log.warning("could not move the room: %s", exc)
            self.say(self.tr("The room did not move: its controller could not be reached or did not carry it "
                             "out. Try again."))
            self._done()
            return
        self._done()
        self.accept()

    def _done(self) -> None:
        self._task = None
        self._enable()

    def done(self, result: int) -> None:
        """Closing while it works stops waiting (a move already sent still happens, and the window follows it)."""
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        super().done(result)


class RoomMoves(QObject):
    """The window's side of moves: follows its session's `moved`/`move_failed`, opens the host's dialog."""

    _moved = Signal(object, object)  # (ListenSession, RoomLink): carried into Qt's thread
    _failed = Signal(object, object)
    followed = Signal(object)  # RoomLink: the window shows another room now (title, actions)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._moved.connect(self._on_moved)
        self._failed.connect(self._on_failed)
        window.host_control.stage_left_behind.connect(window.room_view.set_stage_left_behind)

    def watch(self, session: ListenSession) -> None:
        session.moved.connect(lambda link: self._moved.emit(session, link))
        session.move_failed.connect(lambda link: self._failed.emit(session, link))

    def _on_moved(self, session: object, link: object) -> None:
        window = self.window
        if session is not window.session or not isinstance(link, RoomLink):
            return  # a session already left
        window.room_view.follow_move(link.room_id, clean_text(link.title, MAX_TITLE_CHARS))
        window.join_view.set_recent(window.settings.add_recent_link(format_link(link)))
        window.join_view.set_link_text(format_link(link))
        # Host tools again only with the new room's own host pass (then our move's stage is invited there, §3.8).
        window.host_control.follow(window.speaker, window.room_view.state_bridge)
        self.followed.emit(link)

    def _on_failed(self, session: object, link: object) -> None:
        if session is self.window.session and isinstance(link, RoomLink):
            self.window.room_view.set_move_failed()

    def open_dialog(self) -> MoveRoomDialog | None:
        """Menu Room → Move room… (enabled only while this window hosts the room)."""
        window = self.window
        session = window.session
        if session is None or window.host_control.desk is None:
            return None
        dialog = MoveRoomDialog(session.link, window.host_control.move, window.room_starter, window)
        dialog.fresh_started.connect(self._fresh_started)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _fresh_started(self, started: StartedRoom) -> None:
        if started.host_pass is not None:  # no keyring: the new room's pass came over `plaza start`'s pipe
            self.window.host_control.remember(started.host_pass)
