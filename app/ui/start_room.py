"""Start a room from the window: a small dialog, and `plaza start` run as its own program.

The room's controller holds the room's secrets, so it is never part of the window: the window starts `plaza start
SERVER --title T` as a separate process (in a session of its own, so the room goes on if the window closes),
reads the link it prints, and joins it. The secrets and the host's pass go from that process to the OS keyring;
the window finds the pass there and shows the host tools. Nothing secret is on the command line.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from collections.abc import Awaitable, Callable

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

from app.room.errors import RoomError

log = logging.getLogger(__name__)

LINK_WAIT_S = 20.0  # making three objects on a reachable server takes well under a second
DEFAULT_SERVER = "ws://127.0.0.1:8188/janus"


def start_command(server: str, title: str) -> list[str]:
    """`plaza start` as this installation runs it (a frozen build is its own interpreter)."""
    head = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "app"]
    return [*head, "start", server, "--title", title]


_DRAINS: set[asyncio.Task[bytes]] = set()  # readers of started rooms' output, kept while the window runs


async def run_plaza_start(server: str, title: str) -> str:
    """Start `plaza start` detached; the room link once it printed it; raises RoomError with its own words.
    Its log goes to a file (read back only when it fails); its output is read until the window goes, and a closed
    pipe after that costs it nothing (app.cli.start ignores it)."""
    with tempfile.TemporaryFile() as log_file:
        try:
            process = await asyncio.create_subprocess_exec(
                *start_command(server, title), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=log_file, start_new_session=True)
        except OSError as exc:
            raise RoomError(f"could not run plaza start: {exc.strerror or exc}") from None
        assert process.stdout is not None
        try:
            async with asyncio.timeout(LINK_WAIT_S):
                while line := (await process.stdout.readline()).decode(errors="replace"):
                    if "Link: " in line:
                        drain = asyncio.ensure_future(process.stdout.read())
                        _DRAINS.add(drain)
                        drain.add_done_callback(_DRAINS.discard)
                        return line.split("Link: ", 1)[1].strip()
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
            raise RoomError(f"the room was not ready within {LINK_WAIT_S:g} s") from None
        log_file.seek(0)
        lines = log_file.read().decode(errors="replace").strip().splitlines()
    raise RoomError(lines[-1] if lines else f"plaza start exited with code {process.returncode}")


class StartRoomDialog(QDialog):
    """Server and title; Start runs `starter` and reports its error in place, or closes with the link."""

    started = Signal(str)  # the new room's link

    def __init__(self, starter: Callable[[str, str], Awaitable[str]] = run_plaza_start,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startRoomDialog")
        self.starter = starter
        self.server_edit = QLineEdit(DEFAULT_SERVER)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(100)
        self.server_label, self.title_label = QLabel(), QLabel()
        self.server_label.setBuddy(self.server_edit)
        self.title_label.setBuddy(self.title_edit)
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
        layout = QVBoxLayout(self)
        layout.addLayout(form)
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
        self.server_edit.setAccessibleName(self.tr("Room server address"))
        self.title_edit.setAccessibleName(self.tr("Room title"))

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
                                                         self.title_edit.text().strip()))
            self._enable()

    async def _run(self, server: str, title: str) -> None:
        try:
            link = await self.starter(server, title)
        except RoomError as exc:
            log.warning("could not start a room on %s: %s", server, exc)
            self.message.setText(self.tr("The room could not be started: {reason}").format(reason=str(exc)))
            return
        finally:
            self._task = None
            self._enable()
        self.message.clear()
        self.started.emit(link)
        self.accept()
