"""app.sweep on the window's loop (qasync): its call_later returns a plain asyncio.Handle (no `when()`), which the
first version of the sweep relied on — every Janus session close after the first raised AttributeError there."""

from __future__ import annotations

import asyncio
import gc

import pytest
import qasync

from app import sweep
from tests.test_sweep import cycle


async def test_releases_on_the_qasync_loop_schedule_sweeps_that_free_cycles(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(asyncio.get_running_loop(), qasync.QEventLoop)
    monkeypatch.setattr(sweep, "SWEEP_DELAY_S", 0.05)
    enabled = gc.isenabled()
    gc.disable()  # as in the window (app/ui/collector.py): only explicit collections
    try:
        for _ in range(2):  # the second round is what failed: a sweep already scheduled on this loop
            gone = cycle()
            sweep.collect_cycles_soon()
            sweep.collect_cycles_soon()
            for _ in range(50):
                if gone() is None:
                    break
                await asyncio.sleep(0.02)
            assert gone() is None
    finally:
        if enabled:
            gc.enable()
