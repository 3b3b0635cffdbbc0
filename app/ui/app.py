"""Application bootstrap: QApplication + qasync event loop, the main window, and `plaza demo`'s local room.

Shutdown order matters with qasync: Qt must not quit on its own when the window closes (the loop would stop
while cleanup still awaits: "Event loop stopped before Future completed"). So quitOnLastWindowClosed is off,
closing the window starts `MainWindow.shutdown()`, `_main()` awaits `window.finished`, closes the local room,
and returns; qasync.run() then stops the loop and Qt with it. With "keep playing in the tray" on, closing only hides
the window; Quit (menu, tray, Ctrl+Q) and SIGINT/SIGTERM go through `MainWindow.quit()`, which closes for real.

One window per user (app.ui.single_instance): `plaza [LINK]` first offers its link to a running window and exits 0
if that window took it. `plaza demo` runs its own room and window, and tests pass a name of their own (or none).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import cast

# PySide6 must be imported before qasync, which picks the first Qt binding already loaded.
import PySide6
from PySide6.QtWidgets import QApplication

import qasync  # isort: skip

from app import __version__
from app.janus.errors import JanusError
from app.listener.supervisor import DEFAULT_CONNECT_TIMEOUT
from app.local.janus_process import LocalServerError
from app.local.room import LocalRoom
from app.room.errors import RoomError
from app.ui.collector import collect_on_gui_thread
from app.ui.i18n import Translations
from app.ui.icons import app_icon
from app.ui.main_window import MainWindow
from app.ui.settings import APPLICATION, ORGANIZATION, AppSettings
from app.ui.single_instance import AppSingleInstance, Handoff, LinkHandoff, UrlOpenEvents, instance_name
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_DEMO_FAILED = 1
EXIT_UNSUPPORTED_QT = 2

# PySide6 releases the window must not run on, and why. 6.12.0 on CPython 3.11 drops a reference to None or True
# on every void Qt call and every Signal.emit(); after a few thousand calls the interpreter aborts
# ("Fatal Python error: none_dealloc"). The pin excludes it; this catches an install that forced it anyway.
UNSUPPORTED_PYSIDE6 = {
    "6.12.0": "it crashes on Python 3.11: void Qt calls and signals drop references to None/True "
              "until the interpreter aborts",
}


def unsupported_qt(version: str) -> str | None:
    """The message refusing this PySide6 version, or None if the window can run on it."""
    reason = UNSUPPORTED_PYSIDE6.get(version)
    if reason is None:
        return None
    return (f"PySide6 {version} is not supported ({reason}); "
            f"install another version: pip install 'PySide6-Essentials!={version}'")


def create_application() -> QApplication:
    """The QApplication, configured for Plaza (reused if one exists, e.g. under pytest-qt)."""
    existing = QApplication.instance()
    app = cast(QApplication, existing) if existing is not None else QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Plaza")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("plaza")
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # we quit after async cleanup, not when the window goes away
    collect_on_gui_thread(app)  # the cyclic GC must never free a QObject on a worker thread (see collector.py)
    return app


async def run_main_window(
    link: str | None = None,
    *,
    local_room: LocalRoom | None = None,
    use_device: bool = True,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    settings: AppSettings | None = None,
    single_instance: str | None = None,
    system_tray: bool | None = None,
) -> int:
    """Show the window, optionally start a local room and join it, and return once all is cleaned up.

    `single_instance`: the per-user name of the one window (None: no single-instance behaviour); if a window
    already runs under it, the link is handed to it and this returns EXIT_OK without a window of its own."""
    app = create_application()
    already_running = asyncio.all_tasks()  # (under tests, the test's own task)
    instance: AppSingleInstance | None = None
    if single_instance is not None:
        instance = AppSingleInstance(single_instance)
        outcome = await instance.hand_off(link)
        if outcome is Handoff.DELIVERED:
            instance.deleteLater()
            log.info("the running Plaza window took over")
            return EXIT_OK
        if outcome is Handoff.NO_ANSWER or not instance.listen():  # a hung window keeps its name; we run without
            log.warning("another Plaza window holds %s but does not answer; links will not reach this one",
                        single_instance)
    settings = settings if settings is not None else AppSettings()
    translations = Translations()
    translations.apply(settings.language())
    window = MainWindow(settings, translations, use_device=use_device, connect_timeout=connect_timeout,
                        system_tray=system_tray)
    handoff = LinkHandoff(window)
    app.installEventFilter(UrlOpenEvents(handoff))  # (removed by Qt when the window, its owner, goes)
    if instance is not None:
        instance.show_requested.connect(handoff.show_window)
        instance.link_requested.connect(handoff.open_link)
        instance.bad_link.connect(handoff.bad_link)
    tasks = TaskSet()
    app.lastWindowClosed.connect(lambda: tasks.start(window.shutdown(), name="plaza-shutdown"))
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, window.quit)  # Ctrl-C / kill: quit like the user would
            handled.append(sig)
    exit_code = EXIT_OK
    if settings.start_minimized() and local_room is None:  # (`plaza demo` is for looking at)
        window.tray.start_hidden()
    else:
        window.show()
    log.info("window open (language %s)", translations.language)
    try:
        if local_room is not None:
            window.demo_starting()
            try:
                await local_room.start()
            except (LocalServerError, JanusError, RoomError, ValueError, OSError) as exc:
                log.error("the demo room could not start: %s", exc)
                window.demo_failed(exc)
                exit_code = EXIT_DEMO_FAILED
            else:
                controller = local_room.controller
                if controller is not None:  # the demo's user is the room's creator: host tools, host pass
                    window.host_control.provider = lambda _link: controller.host_pass("You (host)")
                window.join(local_room.config.link_text)
        elif link:
            window.join_view.set_link_text(link)
            window.join(link)
        await window.finished.wait()
        await tasks.join()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        with contextlib.suppress(RuntimeError, TypeError):
            app.lastWindowClosed.disconnect()
        if instance is not None:
            instance.close()
            instance.deleteLater()
        if local_room is not None:
            await local_room.close()
        window.deleteLater()
    leftover = sorted(t.get_name() for t in asyncio.all_tasks() - already_running)
    if leftover:  # asyncio.run() will cancel them; say so, since it means some close() did not finish its work
        log.warning("%d task(s) still running at exit: %s", len(leftover), ", ".join(leftover))
    else:
        log.info("shut down cleanly")
    return exit_code


def run_window(
    link: str | None = None,
    *,
    local_room: LocalRoom | None = None,
    use_device: bool = True,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> int:
    """`plaza` / `plaza window [LINK]` / `plaza demo`: run the window until it is closed; the exit code."""
    problem = unsupported_qt(PySide6.__version__)
    if problem is not None:  # before any window: a crash minutes later would lose the user's room
        print(f"plaza: {problem}", file=sys.stderr)
        return EXIT_UNSUPPORTED_QT
    create_application()
    try:
        return cast(int, qasync.run(run_main_window(
            link, local_room=local_room, use_device=use_device, connect_timeout=connect_timeout,
            single_instance=instance_name() if local_room is None else None)))
    except KeyboardInterrupt:  # Ctrl-C before the loop could install its handler
        return 130
