"""One Plaza window per user: a second `plaza [LINK]` hands its link (or just "show yourself") to the running window
and exits, so a room link clicked in a browser (`Exec=plaza %u`) opens in the window already there.

The running window listens on a QLocalServer whose name is per user (a Unix socket in the user's runtime directory,
or a named pipe on Windows). A request is one line, `OPEN <link>` or `SHOW`, answered `OK`; anything else, anything
longer than MAX_REQUEST_BYTES, or a connection that says nothing for REQUEST_TIMEOUT_MS is dropped. The link is
outside input like any other: parse_link() checks it before the window sees it. A socket left by a crashed window
refuses connections: the new window removes it and takes the name over.

The running window raises itself; in a room, it asks before leaving it for the new link (a message box opened with
open(): exec() would re-enter the asyncio loop, DESIGN.md §5).
"""

from __future__ import annotations

import asyncio
import enum
import getpass
import logging
import os
import re
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QMessageBox

from app.links import MAX_LINK_LENGTH, LinkError, RoomLink, parse_link
from app.ui.plain_text import isolate, shorten
from app.ui.tray import present

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

OPEN = b"OPEN "
SHOW = b"SHOW"
ANSWER_OK = b"OK\n"
MAX_REQUEST_BYTES = len(OPEN) + 4 * MAX_LINK_LENGTH + 1  # the longest link parse_link accepts, in UTF-8, and "\n"
REQUEST_TIMEOUT_MS = 3000  # a client that connects and says nothing (or never finishes its line) is dropped
HANDOFF_TIMEOUT_S = 3.0  # how long a second launch waits for the running window's answer
TITLE_MAX_CHARS = 60  # of a room title in the question (outside text)


def instance_name() -> str:
    """The server name for this user: the runtime directory is private to the user where there is one."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    name = "plaza-" + (re.sub(r"[^A-Za-z0-9_.-]", "_", user)[:64] or "user")
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if sys.platform != "win32" and runtime and os.path.isdir(runtime):
        return os.path.join(runtime, f"{name}.sock")
    return name  # Qt puts it in the temp directory (Unix) or makes it a named pipe (Windows)


def request_bytes(link: str | None) -> bytes:
    """The line a second launch sends: its link, or only "show yourself"."""
    if link is None or not link.strip():
        return SHOW + b"\n"
    one_line = " ".join(link.split())  # a newline inside argv must not end the request early
    return OPEN + one_line.encode("utf-8", errors="replace")[:MAX_REQUEST_BYTES - len(OPEN) - 1] + b"\n"


class Handoff(enum.Enum):
    DELIVERED = "delivered"  # the running window has the request: this launch is done
    NO_INSTANCE = "no instance"  # nobody listens (or a crashed window's socket is left): this launch is the window
    NO_ANSWER = "no answer"  # someone listens but did not answer in time


class AppSingleInstance(QObject):
    """The per-user server of the running window, and the client side of a second launch."""

    show_requested = Signal()
    link_requested = Signal(str)  # a link parse_link accepted
    bad_link = Signal(object)  # LinkError: the request was well formed but the link is not usable

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name if name is not None else instance_name()
        self.server: QLocalServer | None = None
        self._requests: set[_Request] = set()

    # ------------------------------------------------------------------ second launch
    async def hand_off(self, link: str | None, timeout: float = HANDOFF_TIMEOUT_S) -> Handoff:
        """Give `link` (None: just show the window) to the running window, if there is one."""
        socket = QLocalSocket(self)
        answer = bytearray()
        done: asyncio.Future[Handoff] = asyncio.get_running_loop().create_future()
        connected = False

        def finish(outcome: Handoff) -> None:
            if not done.done():
                done.set_result(outcome)

        def on_connected() -> None:
            nonlocal connected
            connected = True
            socket.write(request_bytes(link))

        def on_ready_read() -> None:
            answer.extend(socket.readAll().data()[:64 - len(answer)])
            if b"\n" in answer or len(answer) >= 64:
                finish(Handoff.DELIVERED if bytes(answer).startswith(ANSWER_OK) else Handoff.NO_ANSWER)

        def on_closed(*_error: object) -> None:
            if not connected:
                finish(Handoff.NO_INSTANCE)
                return
            on_ready_read()  # the answer may still be unread when the hang-up is seen
            finish(Handoff.DELIVERED if bytes(answer).startswith(ANSWER_OK) else Handoff.NO_ANSWER)

        socket.connected.connect(on_connected)
        socket.readyRead.connect(on_ready_read)
        socket.errorOccurred.connect(on_closed)
        socket.disconnected.connect(on_closed)
        socket.connectToServer(self.name)
        try:
            outcome = await asyncio.wait_for(done, timeout)
        except TimeoutError:
            outcome = Handoff.NO_ANSWER if connected else Handoff.NO_INSTANCE
        finally:
            for signal in (socket.connected, socket.readyRead, socket.errorOccurred, socket.disconnected):
                signal.disconnect()
            socket.abort()
            socket.deleteLater()
        log.info("hand-off to a running window: %s", outcome.value)
        return outcome

    # ------------------------------------------------------------------ the running window
    def listen(self) -> bool:
        """Take the name; a crashed window's socket (nobody answered on it) is removed first. False if it cannot."""
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            QLocalServer.removeServer(self.name)  # only called after hand_off() found nobody answering
            if not server.listen(self.name):
                log.warning("cannot take the single-instance name %s: %s", self.name, server.errorString())
                server.deleteLater()
                return False
        server.newConnection.connect(self._on_new_connection)
        self.server = server
        return True

    def close(self) -> None:
        """Stop listening and drop every connection still open (their timers stop with them)."""
        for request in list(self._requests):
            request.drop()
        if self.server is not None:
            self.server.newConnection.disconnect(self._on_new_connection)
            self.server.close()
            self.server.deleteLater()
            self.server = None

    def _on_new_connection(self) -> None:
        server = self.server
        while server is not None and server.hasPendingConnections():
            socket = server.nextPendingConnection()
            if socket is not None:
                request = _Request(socket, self)
                self._requests.add(request)
                request.line.connect(self._on_line)
                request.gone.connect(self._requests.discard)

    def _on_line(self, line: bytes) -> None:
        if line == SHOW:
            self.show_requested.emit()
            return
        try:
            text = line[len(OPEN):].decode("utf-8")
            link = parse_link(text)
        except UnicodeDecodeError:
            self.bad_link.emit(LinkError("the link is not valid text"))
            return
        except LinkError as exc:
            log.info("a second launch sent a link that cannot be used: %s", exc)
            self.bad_link.emit(exc)
            return
        log.info("a second launch asks for room %s", link.room_id)
        self.link_requested.emit(text.strip())


class _Request(QObject):
    """One connection to the server: at most one bounded line, then the answer, then it goes."""

    line = Signal(bytes)  # a well-formed request line (without "\n")
    gone = Signal(object)  # (this request)

    def __init__(self, socket: QLocalSocket, parent: QObject) -> None:
        super().__init__(parent)
        self.socket = socket
        socket.setParent(self)
        self.buffer = bytearray()
        self._answered = False
        self._dropped = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.drop)
        self.timer.start(REQUEST_TIMEOUT_MS)
        socket.readyRead.connect(self._on_ready_read)
        socket.disconnected.connect(self.drop)

    def _on_ready_read(self) -> None:
        if self._answered or self._dropped:
            self.socket.readAll()  # one request per connection: the rest is ignored
            return
        self.buffer.extend(self.socket.read(MAX_REQUEST_BYTES + 1 - len(self.buffer)).data())
        if b"\n" not in self.buffer:
            if len(self.buffer) > MAX_REQUEST_BYTES:
                log.info("dropped a single-instance request longer than %d bytes", MAX_REQUEST_BYTES)
                self.drop()
            return
        line = bytes(self.buffer[:self.buffer.index(b"\n")])
        if line != SHOW and not line.startswith(OPEN):
            log.info("dropped a malformed single-instance request")
            self.drop()
            return
        self._answered = True
        self.timer.stop()
        self.socket.write(ANSWER_OK)
        self.socket.flush()
        self.line.emit(line)
        self.socket.disconnectFromServer()  # after the answer is written; `disconnected` then drops us

    def drop(self) -> None:
        """Close the connection and go; safe to call more than once (abort() itself says `disconnected`)."""
        if self._dropped:
            return
        self._dropped = True
        self.timer.stop()
        self.socket.readyRead.disconnect(self._on_ready_read)
        self.socket.disconnected.disconnect(self.drop)
        self.socket.abort()
        self.gone.emit(self)
        self.deleteLater()


class LinkHandoff(QObject):
    """The running window's side: show itself, and join the handed link, asking first if that leaves a room."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.prompt: QMessageBox | None = None  # the open question, if any (a newer link replaces it)
        self._pending = ""

    def show_window(self) -> None:
        present(self.window)

    def open_link(self, text: str) -> None:
        present(self.window)
        session = self.window.session
        if session is None:
            self._close_prompt()
            self.window.join_view.set_link_text(text)
            self.window.join(text)
            return
        try:
            link = parse_link(text)  # (the server checked it already; this slot may have other callers)
        except LinkError as exc:
            self.bad_link(exc)
            return
        if _same_room(link, session.link):
            return
        self._ask(text, link)

    def bad_link(self, error: object) -> None:
        """A link that cannot be used: said in the join view (in a room, the room goes on; the log has it)."""
        present(self.window)
        if self.window.session is None and isinstance(error, LinkError):
            self.window.join_view.show_problem(error)

    def _ask(self, text: str, link: RoomLink) -> None:
        self._close_prompt()
        window = self.window
        current = isolate(shorten(window.room_view.room_title(), TITLE_MAX_CHARS))
        new = isolate(shorten(link.title or self.tr("Room {number}").format(number=link.room_id), TITLE_MAX_CHARS))
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Join another room?"),
                          self.tr("Leave {current} and join {new}?").format(current=current, new=new),
                          QMessageBox.StandardButton.NoButton, window)
        box.setTextFormat(Qt.TextFormat.PlainText)  # room titles are outside text
        # The box makes and owns its buttons (a Python-made button could be freed under it by the GC).
        join = box.addButton(self.tr("Leave and &join"), QMessageBox.ButtonRole.AcceptRole)
        stay = box.addButton(self.tr("&Stay here"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)  # Return must not leave a room the person is listening to
        box.setEscapeButton(stay)
        self.prompt, self._pending = box, text
        box.finished.connect(lambda _result: self._answered(box, box.clickedButton() is join))
        box.open()  # never exec(): a nested loop inside qasync re-enters running tasks

    def _answered(self, box: QMessageBox, leave: bool) -> None:
        if box is not self.prompt:
            return  # replaced by a newer link
        text, self.prompt, self._pending = self._pending, None, ""
        box.deleteLater()
        if leave:
            self.window.join_view.set_link_text(text)
            self.window.join(text)

    def _close_prompt(self) -> None:
        box, self.prompt = self.prompt, None
        if box is not None:
            box.close()
            box.deleteLater()


class UrlOpenEvents(QObject):
    """macOS hands a clicked `plaza://` link to the running app as an Apple Event (Qt's QFileOpenEvent on the
    application), not on the command line: pass room links on to `LinkHandoff.open_link` like a second launch's."""

    def __init__(self, handoff: LinkHandoff) -> None:
        super().__init__(handoff)
        self.handoff = handoff

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            url = event.url()
            if url.scheme().lower() in ("plaza", "plaza+ws"):
                self.handoff.open_link(url.toString())
                return True
        return super().eventFilter(watched, event)


def _same_room(a: RoomLink, b: RoomLink) -> bool:
    return a.room_id == b.room_id and set(a.servers) == set(b.servers) and a.stage_server == b.stage_server
