"""Closing the window shuts down cleanly: the session is closed, no task is left, no asyncio error is logged.

Two levels: in-process (a window on the test's qasync loop) and the real `plaza window` process, which is
where qasync's "Event loop stopped before Future completed" would appear if Qt quit before cleanup.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.listener.listen import ListenSession
from app.listener.status import RoomStatus
from app.ui.app import run_main_window
from app.ui.settings import AppSettings
from tests.ui.helpers import WindowFactory, wait_until

pytestmark = pytest.mark.gui

UNREACHABLE = "plaza+ws://127.0.0.1:9/1234"
ASYNCIO_TROUBLE = ("Task was destroyed but it is pending", "Event loop stopped before Future completed",
                   "Traceback", "never awaited", "still running at exit", "Unhandled exception")


def spy_on_close(session: ListenSession) -> list[bool]:
    """Record that session.close() ran (and let it do its work)."""
    calls: list[bool] = []
    original = session.close

    async def close() -> None:
        calls.append(True)
        await original()

    session.close = close  # type: ignore[method-assign]
    return calls


def asyncio_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    gc.collect()  # a pending task dropped on the floor complains when it is collected
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.levelno >= logging.ERROR or any(t in r.getMessage() for t in ASYNCIO_TROUBLE)]


def other_tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


async def test_closing_the_window_closes_the_session_and_leaves_no_task(
        make_window: WindowFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    window = make_window(connect_timeout=2.0)
    assert window.join(UNREACHABLE)
    session = window.session
    assert session is not None
    calls = spy_on_close(session)
    await wait_until(lambda: session.status.current.status == RoomStatus.ERROR, 3.0, "the join to fail")
    window.close()
    assert not window.isVisible()
    await asyncio.wait_for(window.finished.wait(), 10)
    assert calls == [True]
    assert window.session is None
    await asyncio.sleep(0)
    assert other_tasks() == set()
    assert asyncio_errors(caplog) == []


async def test_closing_while_still_connecting_cancels_the_join(
        make_window: WindowFactory, caplog: pytest.LogCaptureFixture) -> None:
    """Close in the middle of a join: the join task is cancelled and awaited, then the session closed."""
    caplog.set_level(logging.INFO)
    server_closed = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await server_closed.wait()  # accept the TCP connection, never answer the WebSocket handshake
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        window = make_window(connect_timeout=30.0)
        assert window.join(f"plaza+ws://127.0.0.1:{port}/1234")
        session = window.session
        assert session is not None
        calls = spy_on_close(session)
        await asyncio.sleep(0.3)
        assert window.room_view.status_text() == "Connecting…"
        window.quit_action.trigger()  # Room → Quit (Ctrl+Q) closes the window
        await asyncio.wait_for(window.finished.wait(), 10)
        assert calls == [True]
    finally:
        server_closed.set()
        server.close()
        await server.wait_closed()
    await asyncio.sleep(0.05)
    assert other_tasks() == set()
    assert asyncio_errors(caplog) == []


async def test_run_main_window_returns_after_the_window_closes(
        settings: AppSettings, caplog: pytest.LogCaptureFixture) -> None:
    """The app's own main coroutine: join from the command line, close, return 0 with nothing left over."""
    caplog.set_level(logging.INFO)
    from PySide6.QtWidgets import QApplication
    settings.set_language("en")  # the texts checked below are English, whatever the machine's locale

    from app.ui.main_window import MainWindow

    main = asyncio.ensure_future(run_main_window(UNREACHABLE, use_device=False, connect_timeout=2.0,
                                                 settings=settings))
    await wait_until(lambda: any(isinstance(w, MainWindow) and w.isVisible()
                                 for w in QApplication.topLevelWidgets()), 5.0, "the window")
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
    await wait_until(lambda: window.room_view.status_text().startswith("Error: "), 3.0, "the join to fail")
    window.close()
    assert await asyncio.wait_for(main, 10) == 0
    assert "shut down cleanly" in caplog.text
    assert asyncio_errors(caplog) == []
    assert settings.recent_links() == [UNREACHABLE]


# ---------------------------------------------------------------------------------------- real process
def plaza_env(tmp_path: Path) -> dict[str, str]:
    """Offscreen Qt, a private config dir, so the child never touches the user's settings, and a private runtime
    dir, so its one-window-per-user socket never meets a Plaza running for real (or another test run)."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_RUNTIME_DIR=str(runtime),
               PYTHONUNBUFFERED="1")
    return env


class PlazaProcess:
    """`python -m app ...` with its stderr collected by a thread (so the test can wait for log lines)."""

    def __init__(self, args: list[str], tmp_path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "app", "-v", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=plaza_env(tmp_path))
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def has(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        """Ask the app to quit as a desktop session or Ctrl-C would; its exit code."""
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"plaza did not exit within {timeout} s:\n{self.output}") from None
        self._reader.join(5)
        return code


def wait_for_line(plaza: PlazaProcess, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not plaza.has(text):
        if plaza.proc.poll() is not None or time.monotonic() > deadline:
            plaza.proc.kill()
            raise AssertionError(f"no {text!r} from plaza within {timeout} s:\n{plaza.output}")
        time.sleep(0.05)


def assert_clean_exit(plaza: PlazaProcess, code: int) -> None:
    assert code == 0, plaza.output
    assert plaza.has("shut down cleanly"), plaza.output
    for trouble in ASYNCIO_TROUBLE:
        assert not plaza.has(trouble), plaza.output
    assert not plaza.has(" ERROR "), plaza.output


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_plaza_window_process_quits_cleanly(tmp_path: Path, sig: int) -> None:
    plaza = PlazaProcess(["window"], tmp_path)
    wait_for_line(plaza, "window open", 20)
    time.sleep(0.5)
    assert_clean_exit(plaza, plaza.stop(sig))


def test_plaza_window_with_unreachable_link_quits_cleanly(tmp_path: Path) -> None:
    plaza = PlazaProcess(["window", UNREACHABLE], tmp_path)
    wait_for_line(plaza, "room status: error", 20)
    assert_clean_exit(plaza, plaza.stop())
    assert plaza.has("left room 1234"), plaza.output
    settings_file = tmp_path / "config" / "Plaza" / "Plaza.conf"
    assert UNREACHABLE in settings_file.read_text()
