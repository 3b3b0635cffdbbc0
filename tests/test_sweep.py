"""app.sweep: cyclic garbage collected soon after a release, and startup objects frozen out of its way."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from app import sweep


class Node:
    """Cyclic garbage, as a closed PeerConnection and its transports are (each holds the other)."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def no_automatic_gc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only the sweep may collect (as in a process whose full collection is far off); a short delay."""
    monkeypatch.setattr(sweep, "SWEEP_DELAY_S", 0.05)
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def test_a_release_collects_its_cycles_after_the_delay(no_automatic_gc: None) -> None:
    garbage = cycle()
    sweep.collect_cycles_soon()
    await asyncio.sleep(0)
    assert garbage() is not None  # not at once: the rest of a reconnect's closes come first
    await asyncio.sleep(0.15)
    assert garbage() is None


async def test_a_burst_of_releases_shares_one_sweep(no_automatic_gc: None, monkeypatch: pytest.MonkeyPatch) -> None:
    sweeps: list[int] = []
    monkeypatch.setattr(sweep, "sweep", lambda: sweeps.append(1))
    for _ in range(50):
        sweep.collect_cycles_soon()
    await asyncio.sleep(0.15)
    assert sweeps == [1]
    sweep.collect_cycles_soon()  # a release after the sweep ran gets its own
    await asyncio.sleep(0.15)
    assert sweeps == [1, 1]


def test_freezing_collects_the_garbage_first_and_hides_the_rest_from_collections() -> None:
    garbage = cycle()
    kept = Node()
    try:
        sweep.freeze_startup_objects()
        assert garbage() is None  # never frozen: it would never be freed
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # a sweep no longer walks it
    finally:
        gc.unfreeze()


def test_a_sweep_frees_cycles_and_gives_pages_back_without_failing() -> None:
    garbage = cycle()
    assert sweep.sweep() >= 2
    assert garbage() is None


def test_plaza_freezes_after_the_heavy_imports_every_command_uses() -> None:
    """The commands import their own modules lazily: freezing before aiortc, PyAV and numpy came in froze ~18,000
    objects of ~50,000 (the review of the first version)."""
    import sys

    from app.cli import _preload_and_freeze

    try:
        _preload_and_freeze()
        assert {"aiortc", "av", "numpy"} <= set(sys.modules)
        assert gc.get_freeze_count() > 40_000
    finally:
        gc.unfreeze()
