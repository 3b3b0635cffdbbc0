"""A sound check before going on stage: the microphone is opened and metered while the invite is pending.

`MicTrack` reads its source only when aiortc sends, i.e. once on stage; the person deciding whether to accept
needs to see that their microphone works before anyone hears it. The same source then goes up (a started
`DeviceSource` is not reopened), so accepting does not reopen the device and a microphone that cannot be opened
is found before the stage is joined.
"""

from __future__ import annotations

import asyncio
import contextlib

from app.events import Event
from app.media.capture import MicSource, level_db


class SoundCheck:
    """Meters `source` (dBFS per 20 ms frame on `level`) from `start()` until `stop()`."""

    def __init__(self, source: MicSource) -> None:
        self.source = source
        self.level: Event[[float]] = Event("sound check level")
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Open the microphone (raises CaptureError, naming the device) and meter it until `stop()`."""
        await self.source.start()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="plaza-sound-check")

    async def _run(self) -> None:
        while True:
            self.level.emit(level_db(await self.source.frame()))

    async def stop(self, *, release: bool) -> None:
        """Stop metering; `release` closes the microphone too (declined), else it stays open for the stage."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if release:
            await self.source.close()
