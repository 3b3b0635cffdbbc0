"""Qt + asyncio in one loop for the UI tests, isolated settings, and window helpers.

Every async test (and async fixture, e.g. the lab room) in tests/ui runs on a fresh `qasync.QEventLoop`,
given to pytest-asyncio through its `pytest_asyncio_loop_factories` hook: awaiting in a test then also
runs Qt's event processing, exactly as in the app. qtbot's blocking waits (waitSignal/waitUntil) would
re-enter that loop from inside a task ("Cannot enter into task"), so async tests poll with `wait_until`
and use qtbot only for synchronous input (keyClicks, mouseClick).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QStandardPaths

import qasync  # isort: skip  (PySide6 first: qasync binds to the Qt already imported)

from app.ui.app import create_application
from app.ui.i18n import TRANSLATED, Translations, build_translations, i18n_dir
from app.ui.main_window import MainWindow
from app.ui.settings import AppSettings
from tests.ui.helpers import WindowFactory


class _TestEventLoop(qasync.QEventLoop):  # type: ignore[misc,name-defined]
    """qasync 0.28's loop, with its last event pass of `run_until_complete` run as the running loop.

    qasync runs Qt's events once more after `run_forever` returned and had unset the running loop. The app runs
    one loop (`qasync.run`: its main, then asyncio.run's own clean-up runs at exit); pytest-asyncio calls it for
    every fixture and test, so a timer due in that
    pass (a task's `asyncio.sleep` ending) steps a task with no running loop: the step raises "no running event
    loop" inside the task. An aiortc sender's RTCP task died that way, never set the event its `stop()` waits
    for, and the next fixture teardown closing that PeerConnection hung (the Qt suite's hang of December 3 2026,
    1 run in 3 to 8, caught with the senders' events in the hang report)."""

    latest: _TestEventLoop | None = None  # the loop of the running test (one per test, made by pytest-asyncio)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        _TestEventLoop.latest = self

    def close(self) -> None:
        if _TestEventLoop.latest is self:
            _TestEventLoop.latest = None
        super().close()

    def run_until_complete(self, future: object) -> object:
        if self.is_running():
            raise RuntimeError("Event loop already running")
        task = asyncio.ensure_future(future, loop=self)  # type: ignore[arg-type]

        def stop(_done: object) -> None:
            self.stop()

        task.add_done_callback(stop)
        try:
            self.run_forever()
        finally:
            task.remove_done_callback(stop)
        asyncio.events._set_running_loop(self)
        try:
            dispatcher = QCoreApplication.eventDispatcher()  # qasync's last pass, now with this loop running
            if dispatcher is not None:
                dispatcher.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
        finally:
            asyncio.events._set_running_loop(None)
        if not task.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return task.result()


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = create_application()  # quitOnLastWindowClosed off: closing a window must not stop the loop
    return _TestEventLoop(app)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, object]:
    """Only items under tests/ui see this hook (conftest hooks are per directory)."""
    return {"qasync": _qasync_loop}


_process_events = QCoreApplication.processEvents


def _process_events_outside_tasks(*args: object) -> None:
    """A nested processEvents() inside a running asyncio task re-enters the qasync loop: a task's wake-up runs
    inside another task's step, asyncio refuses it ("Cannot enter into task"), the wake-up is lost and the test
    hangs in QEventLoop::exec with nothing scheduled (the CI hang of December 2026; tests/ui/test_reentry.py).
    Fail at once instead; in async code `await asyncio.sleep(0)` lets the loop process events."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop: a synchronous test may process events
        task = None
    if task is not None:
        raise RuntimeError("processEvents() inside an asyncio task loses wake-ups; await asyncio.sleep(0) instead")
    loop = _TestEventLoop.latest
    if asyncio.events._get_running_loop() is not None or loop is None or loop.is_closed():
        _process_events(*args)
        return
    # Between pytest-asyncio's run_until_complete calls (pytest-qt's teardown hook processes events there): qasync
    # runs its due timers and callbacks in this pass too, so run them as the running loop, as run_until_complete's
    # last pass does above. Without it a task stepped here finds no running loop and dies: aiortc's own
    # RTCPeerConnection.close() (started when Janus closed the DTLS) died in `Event.wait`, never resolved the
    # future every later close() awaits, and the window's shutdown hung (1 run in 13 of tests/ui/test_move_lab.py
    # under load, December 5 2026; the hang report showed our close() waiting on it, and the dead task's
    # AttributeError at exit).
    asyncio.events._set_running_loop(loop)
    try:
        _process_events(*args)
    finally:
        asyncio.events._set_running_loop(None)


@pytest.fixture(scope="session", autouse=True)
def _no_nested_event_processing_in_tasks() -> Iterator[None]:
    QCoreApplication.processEvents = staticmethod(_process_events_outside_tasks)  # type: ignore[method-assign,assignment]
    yield
    QCoreApplication.processEvents = _process_events  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def _isolated_qsettings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Any QSettings made without an explicit file lands in a temp dir, never in the real user config."""
    root = tmp_path_factory.mktemp("qsettings")
    QStandardPaths.setTestModeEnabled(True)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(root / "user"))
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, str(root / "system"))
    yield root


@pytest.fixture
def settings(tmp_path: Path) -> AppSettings:
    return AppSettings(QSettings(str(tmp_path / "plaza.ini"), QSettings.Format.IniFormat))


@pytest.fixture(scope="session")
def qm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fresh .qm files compiled from the .ts files in git (never a stale build lying in resources/)."""
    directory = tmp_path_factory.mktemp("i18n")
    for code in TRANSLATED:
        shutil.copy(i18n_dir() / f"plaza_{code}.ts", directory)
    build_translations(directory)
    return directory


def awaiting(coro: Any) -> str:
    """Where a suspended coroutine waits, down its chain of awaits (Task.get_stack shows only its own frame)."""
    lines = []
    while coro is not None and len(lines) < 20:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            lines.append(f"\n      {frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
        else:
            lines.append(f"\n      {coro!r}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return "".join(lines)


@pytest.fixture
async def make_window(settings: AppSettings, qm_dir: Path) -> AsyncIterator[WindowFactory]:
    """Build shown MainWindows that play on the system clock (no sound card); all shut down after the test."""
    windows: list[MainWindow] = []
    translations = Translations(qm_dir)

    def factory(*, connect_timeout: float = 5.0, system_tray: bool = False) -> MainWindow:
        """`system_tray`: whether the window believes the desktop has a tray (never the machine's own answer)."""
        window = MainWindow(settings, translations, use_device=False, connect_timeout=connect_timeout,
                            system_tray=system_tray)
        window.show()
        windows.append(window)
        return window

    yield factory
    stuck: list[str] = []
    try:
        for window in windows:  # every one, even after one is stuck
            window.close()
            try:
                await asyncio.wait_for(asyncio.shield(window.shutdown()), 15)
            except TimeoutError:  # say what it waits for: the tasks still running, where each one is
                stuck.append("\n".join(f"  {task.get_name()}{awaiting(task.get_coro())}"
                                       for task in asyncio.all_tasks()))
            finally:
                window.deleteLater()
    finally:
        translations.apply("en")  # the language is process-wide: do not leak it into the next test
    await asyncio.sleep(0)  # back to the loop once, which runs the deleteLater()s (never a nested processEvents)
    if stuck:
        pytest.fail("a window did not shut down within 15 s; tasks:\n" + stuck[0])
