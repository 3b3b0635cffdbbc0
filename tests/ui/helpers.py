"""Helpers for the UI tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import asyncio
import importlib.util
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument

from app.ui.i18n import i18n_dir
from app.ui.main_window import MainWindow

WindowFactory = Callable[..., MainWindow]


@dataclass(frozen=True)
class TsEntry:
    """One message of a .ts file: its translation, or for a plural message (numerus) every form."""

    context: str
    source: str
    forms: tuple[str, ...]
    numerus: bool


def ts_entries(path: Path) -> list[TsEntry]:
    entries = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            numerus = message.get("numerus") == "yes"
            if translation is None:
                forms: tuple[str, ...] = ()
            elif numerus:
                forms = tuple(form.text or "" for form in translation.iter("numerusform"))
            else:
                forms = (translation.text or "",)
            entries.append(TsEntry(name, message.findtext("source") or "", forms, numerus))
    return entries


def ts_messages(code: str) -> dict[tuple[str, str], str]:
    """(context, source) -> translation of the singular messages in resources/i18n/plaza_<code>.ts."""
    return {(e.context, e.source): e.forms[0] if e.forms else "" for e in ts_entries(i18n_dir() / f"plaza_{code}.ts")
            if not e.numerus}


def shown_tooltip(tip: str) -> str:
    """The text a tooltip displays: Qt renders a tooltip as rich text whenever it looks like HTML."""
    if not GuiQt.mightBeRichText(tip):
        return tip
    document = QTextDocument()
    document.setHtml(tip)
    return document.toPlainText()


async def wait_until(predicate: Callable[[], object], timeout: float, what: str = "condition") -> None:
    """Poll `predicate` while the qasync loop keeps running Qt and asyncio."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.02)


def block_rms(blocks: list[np.ndarray]) -> float:
    """Median RMS of the blocks: robust to an occasional underrun block of silence."""
    if not blocks:
        raise AssertionError("no output blocks were pulled")
    values = [float(np.sqrt(np.mean(b.astype(np.float64) ** 2))) for b in blocks]
    return float(np.median(values))


async def collect(blocks: list[np.ndarray], seconds: float) -> list[np.ndarray]:
    """The blocks a tap appends during the next `seconds`."""
    start = len(blocks)
    await asyncio.sleep(seconds)
    return blocks[start:]


def load_script(path: Path, name: str) -> ModuleType:
    """A script that lives outside app/ and tests/ (docs/, packaging/), loaded from its path to be exercised."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def settled(window: MainWindow, timeout: float = 10.0) -> None:
    """Every task the window started has finished. A test that returns with one still stepping leaves it to qasync's
    last processEvents() after the loop stopped, where the step fails ("no running event loop")."""
    await wait_until(lambda: len(window._tasks) == 0, timeout, "the window's tasks to finish")
