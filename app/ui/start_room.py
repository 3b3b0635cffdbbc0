"""Start a room from the window: a small dialog, and `plaza start` run as its own program.

The room's controller holds the room's secrets, so it is never part of the window: the window starts `plaza start
SERVER --title T` as a separate process (in a session of its own, so the room goes on if the window closes),
reads the link it prints, and joins it. The secrets and the host's pass go from that process to the OS keyring;
the window finds the pass there and shows the host tools. Nothing secret is on the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.controller.secret_store import HOST_PASS_LINE, SecretsUnavailable, keyring_works
from app.links import LinkError, parse_link
from app.room.errors import RoomError
from app.room.stage_protocol import MIN_TOKEN_CHARS, StagePass

log = logging.getLogger(__name__)

LINK_WAIT_S = 20.0  # making three objects on a reachable server takes well under a second
DEFAULT_SERVER = "ws://127.0.0.1:8188/janus"


@dataclass(frozen=True)
class StartedRoom:
    """What `plaza start` told us: the link to join, and the host's pass when no keyring could keep it."""

    link: str
    host_pass: StagePass | None = field(default=None, repr=False)


def start_command(server: str, title: str, *, admin_key: bool = False) -> list[str]:
    """`plaza start` as this installation runs it (a frozen build is its own interpreter); secrets go on stdin."""
    head = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "app"]
    return [*head, "start", server, "--title", title, "--host-pass-stdout",
            *(["--admin-key-stdin"] if admin_key else [])]


def keyring_problem() -> str | None:
    """Why this machine cannot keep room secrets (None: it can); the start dialog says it before starting."""
    try:
        keyring_works()
    except SecretsUnavailable as exc:
        return str(exc)
    return None


_DRAINS: set[asyncio.Task[bytes]] = set()  # readers of started rooms' output, kept while the window runs


async def run_plaza_start(server: str, title: str, admin_key: str = "") -> StartedRoom:
    """Start `plaza start` detached; the room link (and the host's pass without a keyring) once it printed it;
    raises RoomError with its own words. Its log goes to a file (read back only when it fails); its output is read
    until the window goes, and a closed pipe after that costs it nothing (app.cli.start ignores it)."""
    with tempfile.TemporaryFile() as log_file:
        try:
            process = await asyncio.create_subprocess_exec(
                *start_command(server, title, admin_key=bool(admin_key)), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=log_file, start_new_session=True)
        except OSError as exc:
            raise RoomError(f"could not run plaza start: {exc.strerror or exc}") from None
        assert process.stdin is not None and process.stdout is not None
        with contextlib.suppress(OSError):
            process.stdin.write(f"{admin_key}\n".encode() if admin_key else b"")
            await process.stdin.drain()
        process.stdin.close()
        pass_text = ""
        try:
            async with asyncio.timeout(LINK_WAIT_S):
                while line := (await process.stdout.readline()).decode(errors="replace"):
                    if line.startswith(HOST_PASS_LINE):
                        pass_text = line[len(HOST_PASS_LINE):].strip()
                    elif "Link: " in line:
                        drain = asyncio.ensure_future(process.stdout.read())
                        _DRAINS.add(drain)
                        drain.add_done_callback(_DRAINS.discard)
                        return started_room(line.split("Link: ", 1)[1].strip(), pass_text)
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
            raise RoomError(f"the room was not ready within {LINK_WAIT_S:g} s") from None
        log_file.seek(0)
        lines = log_file.read().decode(errors="replace").strip().splitlines()
    raise RoomError(lines[-1] if lines else f"plaza start exited with code {process.returncode}")


def started_room(link_text: str, pass_text: str) -> StartedRoom:
    """The link, and the pass `<stage id>:<token>` for its room if one came; raises RoomError for nonsense."""
    try:
        link = parse_link(link_text)
    except LinkError as exc:
        raise RoomError(f"plaza start printed a link that is not one: {exc}") from None
    stage_id, _, token = pass_text.partition(":")
    if not pass_text:
        return StartedRoom(link_text)
    if not stage_id.isdigit() or len(token) < MIN_TOKEN_CHARS:
        raise RoomError("plaza start printed a host pass that is not one")
    return StartedRoom(link_text, StagePass(link.room_id, int(stage_id), token))


class StartRoomDialog(QDialog):
    """Server and title; Start runs `starter` and reports its error in place, or closes with the link."""

    started = Signal(object)  # StartedRoom

    def __init__(self, starter: Callable[[str, str, str], Awaitable[StartedRoom]] = run_plaza_start,
                 parent: QWidget | None = None, *, no_keyring: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startRoomDialog")
        self.starter = starter
        self.server_edit = QLineEdit(DEFAULT_SERVER)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(100)
        self.key_edit = QLineEdit()  # only for servers whose plugins set an admin_key; goes to plaza start's stdin
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.server_label, self.title_label, self.key_label = QLabel(), QLabel(), QLabel()
        self.server_label.setBuddy(self.server_edit)
        self.title_label.setBuddy(self.title_edit)
        self.key_label.setBuddy(self.key_edit)
        self.no_keyring = no_keyring
        self.keyring_notice = QLabel()  # said before starting: without a keyring nothing secret is kept
        self.keyring_notice.setObjectName("startRoomKeyringNotice")
        self.keyring_notice.setWordWrap(True)
        self.keyring_notice.setVisible(no_keyring is not None)
        self.message = QLabel()
        self.message.setObjectName("startRoomMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start_button = QPushButton()
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.AcceptRole)
        form = QFormLayout()
        form.addRow(self.server_label, self.server_edit)
        form.addRow(self.title_label, self.title_edit)
        form.addRow(self.key_label, self.key_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.keyring_notice)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self._start)
        self.buttons.rejected.connect(self.reject)
        self.title_edit.textChanged.connect(self._enable)
        self._task: asyncio.Task[None] | None = None
        self.retranslate()
        self._enable()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Start a room"))
        self.server_label.setText(self.tr("&Server:"))
        self.title_label.setText(self.tr("&Title:"))
        self.start_button.setText(self.tr("&Start"))
        self.key_label.setText(self.tr("Server &admin key:"))
        self.server_edit.setAccessibleName(self.tr("Room server address"))
        self.title_edit.setAccessibleName(self.tr("Room title"))
        self.key_edit.setAccessibleName(self.tr("Server admin key"))
        self.key_edit.setPlaceholderText(self.tr("only if the server asks for one"))
        self.keyring_notice.setText(self.tr(
            "This computer has no keyring to keep the room's secrets. The room will run with its secrets in memory "
            "only: they are never saved, no other computer can take it over, and only this window can host it."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _enable(self) -> None:
        busy = self._task is not None and not self._task.done()
        self.start_button.setEnabled(bool(self.title_edit.text().strip()) and not busy)

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self.message.setText(self.tr("Starting the room…"))
            self._task = asyncio.ensure_future(self._run(self.server_edit.text().strip(),
                                                         self.title_edit.text().strip(), self.key_edit.text()))
            self._enable()

    async def _run(self, server: str, title: str, admin_key: str) -> None:
        try:
            started = await self.starter(server, title, admin_key)
        except RoomError as exc:
            log.warning("could not start a room on %s: %s", server, exc)
            self.message.setText(self.tr("The room could not be started: {reason}").format(reason=str(exc)))
            return
        finally:
            self._task = None
            self._enable()
        self.message.clear()
        self.key_edit.clear()
        self.started.emit(started)
        self.accept()
