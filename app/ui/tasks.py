"""Fire-and-forget asyncio tasks started from Qt slots, kept alive and accounted for.

asyncio holds only weak references to tasks: a task started from a slot and not stored can be garbage
collected mid-flight ("Task was destroyed but it is pending"). TaskSet keeps them, logs their failures,
and lets shutdown wait until none is left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class TaskSet:
    """A set of running tasks with strong references."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        exc = None if task.cancelled() else task.exception()
        if exc is not None:
            log.error("task %s failed", task.get_name(), exc_info=(type(exc), exc, exc.__traceback__))

    def __len__(self) -> int:
        return len(self._tasks)

    async def join(self) -> None:
        """Wait until every task (including ones started meanwhile) has finished."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))
