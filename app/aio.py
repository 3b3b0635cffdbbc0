"""Asyncio ownership helpers shared by every layer: a teardown that runs once and cannot be cut short.

A close() cancelled half-way (leave pressed twice, Ctrl-C during a leave, an owner cancelled while it closes
what it holds) can leave a WebSocket open, and for Janus an open socket is a live session with its
PeerConnections. So a teardown runs in a task of its own: every close() call awaits that one run, and
cancelling a caller does not cancel the teardown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

log = logging.getLogger(__name__)


class CloseOnce:
    """`await closer()` runs `teardown` the first time and waits for that same run on every later call."""

    def __init__(self, teardown: Callable[[], Coroutine[Any, Any, None]], name: str) -> None:
        self._teardown = teardown
        self._name = name
        self._task: asyncio.Task[None] | None = None

    @property
    def started(self) -> bool:
        return self._task is not None

    @property
    def done(self) -> bool:
        return self._task is not None and self._task.done()

    def start(self) -> asyncio.Task[None]:
        """Begin the teardown now (also from synchronous code); later awaits join this run."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._teardown(), name=self._name)
            self._task.add_done_callback(_retrieve)
        return self._task

    async def __call__(self) -> None:
        await asyncio.shield(self.start())


def _retrieve(task: asyncio.Task[None]) -> None:
    # A teardown whose every caller was cancelled has nobody to raise to: log it rather than warn at GC time.
    if not task.cancelled() and task.exception() is not None:
        log.error("%s failed", task.get_name(), exc_info=task.exception())


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]]) -> None:
    """Cancel every task and wait until each has ended, whatever it raised: one failing clean-up must not leave
    the others running (their errors are theirs to log)."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


async def succeeded(outcome: Awaitable[bool] | None) -> bool:
    """Whether a background send (a channel's whisper task) went through: False when it failed or was cancelled by
    its owner (a channel that closes cancels its whispers), without that cancellation ending the waiter too."""
    if outcome is None:
        return False
    task = asyncio.ensure_future(outcome)
    await asyncio.wait([task])
    return not task.cancelled() and task.exception() is None and bool(task.result())
