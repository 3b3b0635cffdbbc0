"""One window per user: a second launch hands its link to the running window (app.ui.single_instance).

Both ends run in this process on the test's qasync loop, under a name of their own (never the user's real one).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QApplication, QMessageBox

from app.links import LinkError
from app.ui import single_instance
from app.ui.app import EXIT_OK, run_main_window
from app.ui.main_window import MainWindow
from app.ui.settings import AppSettings
from app.ui.single_instance import (
    AppSingleInstance,
    Handoff,
    LinkHandoff,
    UrlOpenEvents,
    instance_name,
    request_bytes,
)
from tests.ui.helpers import WindowFactory, settled, wait_until
from tests.ui.test_shutdown import PlazaProcess, wait_for_line

pytestmark = pytest.mark.gui

ROOM_5 = "plaza+ws://127.0.0.1:9/5"
ROOM_6 = "plaza+ws://127.0.0.1:9/6"


@pytest.fixture
def name() -> Iterator[str]:
    """A socket path of this test's own, short enough for a Unix socket."""
    path = os.path.join(tempfile.gettempdir(), f"plaza-test-{uuid.uuid4().hex[:12]}.sock")
    yield path
    if os.path.exists(path):
        os.unlink(path)


@pytest.fixture
async def server(name: str) -> Iterator[AppSingleInstance]:
    instance = AppSingleInstance(name)
    assert instance.listen()
    yield instance
    instance.close()
    instance.deleteLater()
    await asyncio.sleep(0)


class Received:
    def __init__(self, instance: AppSingleInstance) -> None:
        self.links: list[str] = []
        self.shows = 0
        self.bad: list[object] = []
        instance.link_requested.connect(self.links.append)
        instance.show_requested.connect(self._show)
        instance.bad_link.connect(self.bad.append)

    def _show(self) -> None:
        self.shows += 1

    def nothing(self) -> bool:
        return not self.links and not self.shows and not self.bad


async def hand_off(name: str, link: str | None) -> Handoff:
    client = AppSingleInstance(name)
    try:
        return await client.hand_off(link)
    finally:
        client.deleteLater()


async def send_raw(name: str, data: bytes) -> bytes:
    """Write `data` as a misbehaving client would; what the server answered before it hung up."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    await wait_until(lambda: sock.state() == QLocalSocket.LocalSocketState.ConnectedState, 3.0, "connected")
    sock.write(data)
    await wait_until(lambda: sock.state() == QLocalSocket.LocalSocketState.UnconnectedState, 5.0, "the hang-up")
    answer = sock.readAll().data()
    sock.deleteLater()
    return answer


# ---------------------------------------------------------------------------------------- the protocol
async def test_a_second_launch_hands_its_link_over(name: str, server: AppSingleInstance) -> None:
    received = Received(server)
    assert await hand_off(name, f"  {ROOM_5} ") == Handoff.DELIVERED
    await wait_until(lambda: received.links, 3.0, "the link")
    assert received.links == [ROOM_5]
    assert await hand_off(name, None) == Handoff.DELIVERED  # `plaza` alone: just show the window
    await wait_until(lambda: received.shows == 1, 3.0, "the show request")


async def test_no_running_window_means_no_instance(name: str) -> None:
    assert await hand_off(name, ROOM_5) == Handoff.NO_INSTANCE


async def test_a_bad_link_is_checked_like_any_outside_input(name: str, server: AppSingleInstance) -> None:
    received = Received(server)
    assert await hand_off(name, "plaza://user:secret@host/5") == Handoff.DELIVERED
    await wait_until(lambda: received.bad, 3.0, "the rejection")
    assert isinstance(received.bad[0], LinkError)
    assert received.links == []
    assert await send_raw(name, b"OPEN \xff\xfe\n") == b"OK\n"  # well formed, but not text: a bad link
    await wait_until(lambda: len(received.bad) == 2, 3.0, "the second rejection")


@pytest.mark.parametrize("garbage", [
    b"\x00\x01\x02 hello\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"OPEN" + b"x" * (single_instance.MAX_REQUEST_BYTES + 10),  # no newline, too long
    b"\n",
])
async def test_garbage_on_the_socket_is_dropped(name: str, server: AppSingleInstance, garbage: bytes) -> None:
    received = Received(server)
    assert await send_raw(name, garbage) == b""
    assert received.nothing()
    assert await hand_off(name, ROOM_5) == Handoff.DELIVERED  # the server still works
    await wait_until(lambda: received.links == [ROOM_5], 3.0, "the link after the garbage")


async def test_a_silent_client_is_dropped(name: str, server: AppSingleInstance,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(single_instance, "REQUEST_TIMEOUT_MS", 100)
    received = Received(server)
    assert await send_raw(name, b"OPEN plaza+ws://127.0.0.1:9/5") == b""  # never ends its line
    assert received.nothing()
    assert server._requests == set()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave nothing behind")
async def test_a_crashed_windows_socket_is_taken_over(name: str) -> None:
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(name)  # bound, never listening, then gone: what a crashed window leaves
    stale.close()
    assert os.path.exists(name)
    second = AppSingleInstance(name)
    try:
        assert await second.hand_off(ROOM_5) == Handoff.NO_INSTANCE
        assert second.listen()
        received = Received(second)
        assert await hand_off(name, ROOM_6) == Handoff.DELIVERED
        await wait_until(lambda: received.links == [ROOM_6], 3.0, "the link")
    finally:
        second.close()
        second.deleteLater()


def test_names_and_requests() -> None:
    own = instance_name()
    assert "plaza-" in own
    assert request_bytes(None) == request_bytes("  ") == b"SHOW\n"
    assert request_bytes("a\nb") == b"OPEN a b\n"
    assert len(request_bytes("x" * 100_000)) == single_instance.MAX_REQUEST_BYTES


# ---------------------------------------------------------------------------------------- the running window
def answer(prompt: QMessageBox, role: QMessageBox.ButtonRole) -> None:
    button = next(b for b in prompt.buttons() if prompt.buttonRole(b) == role)
    button.click()


async def test_a_link_joins_at_once_outside_a_room(make_window: WindowFactory) -> None:
    window = make_window()
    handoff = LinkHandoff(window)
    window.hide()  # in the tray, say
    handoff.open_link(ROOM_5)
    assert window.isVisible()
    assert window.session is not None and window.session.link.room_id == 5
    assert handoff.prompt is None
    await settled(window)


async def test_a_link_the_desktop_sends_as_an_open_event_joins(make_window: WindowFactory) -> None:
    """macOS delivers a clicked plaza:// link as a QFileOpenEvent to the running application (no second launch)."""
    window = make_window()
    events = UrlOpenEvents(LinkHandoff(window))
    app = QApplication.instance()
    assert app is not None
    app.installEventFilter(events)
    try:
        QApplication.sendEvent(app, QFileOpenEvent(QUrl("file:///tmp/not-a-room.txt")))  # not ours: left alone
        assert window.session is None
        QApplication.sendEvent(app, QFileOpenEvent(QUrl(ROOM_5)))
        assert window.session is not None and window.session.link.room_id == 5
    finally:
        app.removeEventFilter(events)
    await settled(window)


async def test_in_a_room_it_asks_before_leaving(make_window: WindowFactory) -> None:
    window = make_window()
    handoff = LinkHandoff(window)
    assert window.join(ROOM_5)
    first = window.session
    handoff.open_link(ROOM_5)  # the room it is in already: nothing to ask
    assert handoff.prompt is None and window.session is first

    handoff.open_link(ROOM_6)
    prompt = handoff.prompt
    assert prompt is not None and prompt.isVisible()
    assert "Room 5" in prompt.text() and "Room 6" in prompt.text()
    assert prompt.defaultButton() is not None and prompt.buttonRole(prompt.defaultButton()) == \
        QMessageBox.ButtonRole.RejectRole  # Return does not leave the room
    answer(prompt, QMessageBox.ButtonRole.RejectRole)
    assert handoff.prompt is None
    assert window.session is first

    handoff.open_link(ROOM_6)
    assert handoff.prompt is not None
    answer(handoff.prompt, QMessageBox.ButtonRole.AcceptRole)
    assert window.session is not None and window.session is not first
    assert window.session.link.room_id == 6
    await settled(window)


async def test_a_newer_link_replaces_the_open_question(make_window: WindowFactory) -> None:
    window = make_window()
    handoff = LinkHandoff(window)
    assert window.join(ROOM_5)
    handoff.open_link(ROOM_6)
    old = handoff.prompt
    handoff.open_link("plaza+ws://127.0.0.1:9/7")
    assert handoff.prompt is not old and handoff.prompt is not None
    assert old is not None and not old.isVisible()
    answer(handoff.prompt, QMessageBox.ButtonRole.AcceptRole)
    assert window.session is not None and window.session.link.room_id == 7
    await settled(window)


async def test_a_bad_link_is_explained_in_the_join_view(make_window: WindowFactory) -> None:
    window = make_window()
    handoff = LinkHandoff(window)
    handoff.bad_link(LinkError("nope"))
    assert window.session is None
    assert not window.join_view.message.isHidden()


async def test_run_main_window_hands_over_and_exits(name: str, settings: AppSettings) -> None:
    """The app's own main coroutine, twice under one name: the second gives its link to the first and returns 0."""
    first = asyncio.ensure_future(run_main_window(use_device=False, connect_timeout=2.0, settings=settings,
                                                  single_instance=name))
    await wait_until(lambda: any(isinstance(w, MainWindow) and w.isVisible()
                                 for w in QApplication.topLevelWidgets()), 5.0, "the first window")
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
    try:
        assert await asyncio.wait_for(run_main_window(ROOM_5, use_device=False, settings=settings,
                                                      single_instance=name), 10) == EXIT_OK
        await wait_until(lambda: window.session is not None, 3.0, "the handed link to be joined")
        assert window.session is not None and window.session.link.room_id == 5
    finally:
        window.quit()
        assert await asyncio.wait_for(first, 10) == EXIT_OK
    assert not os.path.exists(name)  # the server went with the window


def test_plaza_with_a_link_hands_it_to_the_running_process(tmp_path: Path) -> None:
    """`plaza plaza://…` (what the desktop runs for a clicked link) with a Plaza already open: exit 0 at once."""
    running = PlazaProcess(["window"], tmp_path)
    try:
        wait_for_line(running, "window open", 20)
        second = PlazaProcess([ROOM_5], tmp_path)
        assert second.proc.wait(20) == 0, second.output
        assert not second.has("window open"), second.output
        wait_for_line(running, "a second launch asks for room 5", 10)
    finally:
        running.stop()


@pytest.mark.parametrize(("argv", "expected"), [
    (["plaza://h/5"], ["window", "plaza://h/5"]),
    (["-v", "plaza+ws://h:1/5"], ["-v", "window", "plaza+ws://h:1/5"]),
    (["window", "plaza://h/5"], ["window", "plaza://h/5"]),
    (["listen", "plaza://h/5"], ["listen", "plaza://h/5"]),
    ([], []),
    (["--version"], ["--version"]),
    (["https://example.org/1"], ["https://example.org/1"]),  # not a room link: argparse says so
])
def test_a_bare_link_on_the_command_line_opens_the_window(argv: list[str], expected: list[str]) -> None:
    """The desktop runs `plaza %u` for a clicked link: that is `plaza window LINK`."""
    from app.cli import build_parser, with_default_command

    assert with_default_command(argv) == expected
    if expected[:1] == ["window"] or expected[1:2] == ["window"]:
        args = build_parser().parse_args(with_default_command(argv))
        assert args.command == "window" and args.link == argv[-1]
