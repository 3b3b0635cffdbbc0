"""A listener under test in the lab: a ListenSession on the system clock recording what it plays (outage tests)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.listener.listen import ListenSession
from app.listener.status import RoomStatus, StatusChange
from app.media.cushion import CushionPlayout
from tests.lab.audio_checks import SAMPLE_RATE, OutputClock
from tests.support.analysis import dominant_frequency, non_silent_ratio, read_wav

CUSHION_MS = 1500.0
FULL_MS = 1450.0  # "full": within one frame and a bit of the target
TONE_HZ = 440.0
FINDINGS = os.environ.get("PLAZA_FINDINGS", "")  # a file to append each test's measurements to


class Listening:
    """One ListenSession on the system clock, recording to a WAV, with its status history and output clock."""

    def __init__(self, link: Any, path: Path, **kwargs: Any) -> None:
        self.path = path
        self.session = ListenSession(link, use_device=False, record=path, cushion_ms=CUSHION_MS, **kwargs)
        self.clock = OutputClock()
        self.session.playout.played.connect(self.clock)
        self.changes: list[tuple[float, StatusChange]] = []
        self.session.status.changed.connect(lambda change: self.changes.append((time.monotonic(), change)))
        self.pcm: np.ndarray | None = None

    @property
    def playout(self) -> CushionPlayout:
        playout = self.session.playout
        assert isinstance(playout, CushionPlayout)
        return playout

    @property
    def status(self) -> RoomStatus:
        return self.session.status.current.status

    async def wait_for(self, condition: Callable[[], bool], timeout: float, what: str) -> float:
        """Poll every 10 ms; returns time.monotonic() when `condition` held, fails naming `what`."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"{what} not within {timeout:g} s (status {self.session.status.current}, "
                            f"cushion {self.playout.buffered_ms:.0f} ms)")
            await asyncio.sleep(0.01)
        return time.monotonic()

    async def wait_live(self, timeout: float = 5.0) -> float:
        return await self.wait_for(lambda: self.status == RoomStatus.LIVE, timeout, "live")

    async def wait_full(self, timeout: float = 10.0, level_ms: float = FULL_MS) -> float:
        """Wait until the cushion holds `level_ms`; returns the level reached."""
        await self.wait_for(lambda: self.playout.buffered_ms >= level_ms, timeout, f"a {level_ms:g} ms cushion")
        return self.playout.buffered_ms

    def statuses_since(self, t: float) -> list[StatusChange]:
        return [change for when, change in self.changes if when >= t]

    async def finish(self) -> np.ndarray:
        await self.session.close()
        self.pcm = read_wav(self.path)
        return self.pcm


async def listening_factory(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Start listeners (closed at the end); the `listening` fixture in conftest.py."""
    opened: list[Listening] = []

    async def start(link: Any, name: str = "listener", *, start: bool = True, **kwargs: Any) -> Listening:
        listener = Listening(link, tmp_path / f"{name}.wav", **kwargs)
        opened.append(listener)
        if start:
            await listener.session.start()
        return listener

    yield start
    for listener in opened:
        await listener.session.close()


def note(title: str, text: str) -> None:
    """Print a test's measurements (shown with -rA or on failure); also append them to $PLAZA_FINDINGS."""
    line = f"{title}: {text}"
    print(line)
    if FINDINGS:
        try:
            with open(FINDINGS, "a") as f:
                f.write(f"- {time.strftime('%H:%M:%S')} {line}\n")
        except OSError:
            pass


def assert_tone_at_the_end(pcm: np.ndarray, seconds: float = 1.0) -> None:
    tail = pcm[-int(seconds * SAMPLE_RATE):]
    assert non_silent_ratio(tail) >= 0.95, "the room is not playing at the end"
    assert abs(dominant_frequency(tail) - TONE_HZ) <= 2.0
