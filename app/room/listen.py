"""A listening session: room listener + playout + audio output (+ optional recorder), as one object.

Both front ends use it: `plaza listen` in the terminal and the room view in the window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from app.links import RoomLink
from app.media.output import AudioOutput, AudioOutputError, ClockOutput, SoundDeviceOutput
from app.media.playout import PlayoutBuffer
from app.media.recorder import WavRecorder
from app.room.listener import DEFAULT_CONNECT_TIMEOUT, RoomListener
from app.room.status import StatusModel

log = logging.getLogger(__name__)


class ListenSession:
    """Plays one room. `use_device=False` pulls on the system clock instead of a sound card."""

    def __init__(
        self,
        link: RoomLink,
        *,
        use_device: bool = True,
        device: int | None = None,
        record: str | Path | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        ice_servers: list[str] | None = None,
        fall_back_to_clock: bool = True,
    ) -> None:
        self.link = link
        self.use_device = use_device
        self.device = device
        self.record_path = Path(record) if record else None
        self.fall_back_to_clock = fall_back_to_clock
        self.playout = PlayoutBuffer()
        self.listener = RoomListener(link, self.playout, connect_timeout=connect_timeout, ice_servers=ice_servers)
        self.output: AudioOutput | None = None
        self.output_error: str | None = None  # why the device could not be used (shown to the user)
        self.recorder: WavRecorder | None = None
        self._flush_task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def status(self) -> StatusModel:
        return self.listener.status

    async def start(self) -> None:
        """Open the output (and recorder), then join; raises RoomError / AudioOutputError / OSError."""
        if self.record_path is not None:
            self.recorder = WavRecorder(self.record_path)
            self.playout.add_tap(self.recorder)
            self._flush_task = asyncio.create_task(self._flush_loop(), name="recorder-flush")
        await self._open_output()
        await self.listener.join()

    async def _open_output(self) -> None:
        if self.use_device:
            output: AudioOutput = SoundDeviceOutput(self.playout.pull, device=self.device)
            try:
                await output.start()
                self.output = output
                return
            except AudioOutputError as exc:
                if not self.fall_back_to_clock:
                    raise
                self.output_error = str(exc)
                log.warning("%s; playing without a sound device", exc)
        output = ClockOutput(self.playout.pull)
        await output.start()
        self.output = output

    async def set_device(self, device: int | None) -> None:
        """Switch the output device while playing."""
        self.device = device
        self.use_device = True
        old, self.output = self.output, None
        if old is not None:
            await old.close()
        self.output_error = None
        await self._open_output()

    async def _flush_loop(self) -> None:
        assert self.recorder is not None
        while True:
            await asyncio.sleep(0.2)
            self.recorder.flush()

    async def close(self) -> None:
        """Leave the room, stop the output, finish the recording; idempotent."""
        if self._closed:
            return
        self._closed = True
        await self.listener.close()
        if self.output is not None:
            await self.output.close()
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        if self.recorder is not None:
            self.recorder.close()
