"""Helpers for the UI tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np

from app.ui.i18n import i18n_dir
from app.ui.main_window import MainWindow

WindowFactory = Callable[..., MainWindow]


def ts_messages(code: str) -> dict[tuple[str, str], str]:
    """(context, source) -> translation, read from resources/i18n/plaza_<code>.ts."""
    root = ET.parse(i18n_dir() / f"plaza_{code}.ts").getroot()
    table = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            table[(name, message.findtext("source") or "")] = message.findtext("translation") or ""
    return table


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
