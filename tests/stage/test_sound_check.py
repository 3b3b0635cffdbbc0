"""The sound check meters a microphone before the stage, and leaves it open (or closes it) when it stops."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from app.media import FRAME_SAMPLES
from app.media.capture import CaptureError
from app.stage.sound_check import SoundCheck


class Source:
    def __init__(self, fail: bool = False) -> None:
        self.name = "test"
        self.fail = fail
        self.started = self.closed = 0

    async def start(self) -> None:
        if self.fail:
            raise CaptureError("cannot open microphone test: busy")
        self.started += 1

    async def frame(self) -> np.ndarray:
        await asyncio.sleep(0.001)
        return np.full(FRAME_SAMPLES, 0.1, np.float32)  # -20 dBFS

    async def close(self) -> None:
        self.closed += 1


async def test_levels_flow_until_stop_and_the_microphone_stays_open_for_the_stage() -> None:
    source = Source()
    check = SoundCheck(source)
    levels: list[float] = []
    check.level.connect(levels.append)
    await check.start()
    await asyncio.sleep(0.05)
    assert check.running and levels and levels[-1] == pytest.approx(-20.0, abs=0.1)
    await check.stop(release=False)
    count = len(levels)
    await asyncio.sleep(0.02)
    assert len(levels) == count and not check.running
    assert (source.started, source.closed) == (1, 0)


async def test_declined_releases_the_microphone_and_a_busy_one_raises() -> None:
    source = Source()
    check = SoundCheck(source)
    await check.start()
    await check.stop(release=True)
    assert source.closed == 1
    with pytest.raises(CaptureError):
        await SoundCheck(Source(fail=True)).start()
