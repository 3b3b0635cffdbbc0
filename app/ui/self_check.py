"""The Qt half of `plaza --self-test` (app/cli/self_test.py runs it; Qt is only allowed in app.ui).

What a frozen build most often loses on the way to a window: a platform plugin or the X/xcb libraries it loads, the
SVG icon engine, fonts, qasync, the compiled translations. Each check returns a short note for its PASS line and
raises SelfCheckError (or whatever broke) otherwise. Nothing here writes to the user's settings: the window gets a
throwaway settings file.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

# PySide6 before qasync (qasync takes the first Qt binding already loaded).
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtGui import QGuiApplication, QIcon

import qasync  # isort: skip

from app.ui.i18n import FULL_TRANSLATIONS, SOURCE_LANGUAGE, Translations, qm_path, ts_path
from app.ui.icons import icon_path

SHOW_TIMEOUT_S = 10.0


class SelfCheckError(RuntimeError):
    """A check found the build broken; the message says what is missing."""


def choose_platform(environ: MutableMapping[str, str] = os.environ, platform: str = sys.platform) -> str:
    """Use Qt's offscreen platform when there is no display to show a window on (a server, CI, ssh); returns a
    note saying so, or "" when Qt picks the platform itself."""
    if environ.get("QT_QPA_PLATFORM"):
        return ""
    if platform.startswith("linux") and not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        environ["QT_QPA_PLATFORM"] = "offscreen"
        return "no display"
    return ""


def process_age() -> float | None:
    """Seconds since this process started (the kernel's start time: before the interpreter, before PyInstaller's
    bootloader), on Linux; None elsewhere."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat[stat.rindex(")") + 2:].split()[19])  # field 22, starttime, in clock ticks since boot
        return time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


@dataclass(frozen=True)
class WindowShown:
    platform: str  # Qt's platform plugin, e.g. "xcb", "wayland", "offscreen"
    shown_after_s: float  # from the check's start to the window exposed and painted
    process_age_s: float | None  # the process's age at that moment (process_age()), when known


def show_main_window(timeout: float = SHOW_TIMEOUT_S) -> WindowShown:
    """Create the application as `plaza` does, show the real main window (no audio device, no room), wait until it
    is exposed and paints, then close it through its shutdown path. Returns what was shown."""
    started = time.perf_counter()
    from app.ui.app import create_application
    from app.ui.main_window import MainWindow
    from app.ui.settings import AppSettings

    app = create_application()
    if app.windowIcon().isNull():
        raise SelfCheckError(f"the window icon did not load ({icon_path()}: SVG icon engine or file missing)")
    if QIcon(str(icon_path())).pixmap(64, 64).isNull():
        raise SelfCheckError("the SVG icon renders empty (Qt's svg icon engine plugin is missing)")
    with tempfile.TemporaryDirectory(prefix="plaza-self-test-") as tmp:
        settings = AppSettings(QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat))

        async def show() -> tuple[float, float | None]:
            await check_single_instance(f"plaza-self-test-{os.getpid()}")
            translations = Translations()
            translations.apply(settings.language())
            window = MainWindow(settings, translations, use_device=False)
            try:
                window.show()
                deadline = time.monotonic() + timeout
                handle = window.windowHandle()
                while handle is None or not handle.isExposed():
                    if time.monotonic() > deadline:
                        raise SelfCheckError(f"the window was not shown within {timeout:.0f} s")
                    await asyncio.sleep(0.005)
                    handle = window.windowHandle()
                if window.grab().isNull():
                    raise SelfCheckError("the window could not be painted")
                shown = (time.perf_counter() - started, process_age())
            finally:
                window.close()
                await asyncio.wait_for(window.shutdown(), timeout)
                window.deleteLater()
            return shown

        shown_after, age = qasync.run(show())
    return WindowShown(QGuiApplication.platformName(), shown_after, age)


async def check_single_instance(name: str) -> None:
    """One window per user needs QtNetwork's local sockets (a trimmed build once left QtNetwork out): a window
    listens under `name` and a second launch's "show yourself" reaches it."""
    from app.ui.single_instance import AppSingleInstance, Handoff

    server, client = AppSingleInstance(name), AppSingleInstance(name)
    try:
        if not server.listen():
            raise SelfCheckError(f"one window per user: cannot listen on the local socket {name}")
        outcome = await client.hand_off(None)
        if outcome is not Handoff.DELIVERED:
            raise SelfCheckError(f"one window per user: a second launch's request was {outcome.name.lower()}")
    finally:
        server.close()
        server.deleteLater()
        client.deleteLater()


def check_qt() -> str:
    """The self-test's `qt` check: the note names the platform plugin used and when the window was up (from the
    process's start: benchmarks/package.py reads it as the cold start to a shown window)."""
    offscreen = choose_platform()
    shown = show_main_window()
    note = shown.platform + (f" ({offscreen})" if offscreen else "")
    if shown.process_age_s is not None:
        note += f"; window shown {shown.process_age_s * 1000:.0f} ms after the process started"
    return note


def known_translation(ts: Path) -> tuple[str, str, str, str]:
    """(context, source, disambiguation, translation) of the first finished, singular message of a .ts file."""
    try:
        root = ET.parse(ts).getroot()
    except (OSError, ET.ParseError) as exc:
        raise SelfCheckError(f"cannot read {ts.name}: {exc}") from None
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            source = message.findtext("source") or ""
            if (message.get("numerus") != "yes" and translation is not None and translation.get("type") is None
                    and translation.text and source and translation.text != source):
                return name, source, message.findtext("comment") or "", translation.text
    raise SelfCheckError(f"{ts.name} has no finished translation to check against")


def check_translations(codes: tuple[str, ...] = FULL_TRANSLATIONS) -> str:
    """The self-test's `translations` check: each language's compiled .qm loads through app.ui.i18n and
    translates a string its .ts says it translates. Leaves the source language installed."""
    _app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])  # the translators need one
    translations = Translations()
    try:
        for code in codes:
            qm = qm_path(code)
            if not qm.is_file():
                raise SelfCheckError(f"{qm} is missing (the build must run `python -m app.ui.i18n` first)")
            context, source, disambiguation, expected = known_translation(ts_path(code))
            if translations.apply(code) != code:
                raise SelfCheckError(f"{qm.name} did not load")
            got = QCoreApplication.translate(context, source, disambiguation or None)
            if got != expected:
                raise SelfCheckError(f"{code}: {context} {source!r} translated to {got!r}, expected {expected!r}")
    finally:
        translations.apply(SOURCE_LANGUAGE)
    return ", ".join(codes)
