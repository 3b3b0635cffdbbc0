"""Audio outputs: they own the clock and pull from the playout stage.

Plaza uses sounddevice (PortAudio): a callback on the device's own clock, the same API on Linux, Windows and
macOS, usable from the terminal without Qt, and ~1 MB instead of QtMultimedia's 59 MB. `ClockOutput` is the
no-device output: it pulls on the system monotonic clock (for `--no-audio-device`, headless tests, and as the
window's fallback when no device can be opened).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from app.media import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE
from app.media.devices import portaudio_devices

log = logging.getLogger(__name__)

PullFn = Callable[[int], np.ndarray]


class AudioOutputError(Exception):
    """The audio device cannot be opened or used; the message names the device and the reason."""


class AudioOutput(Protocol):
    name: str

    async def start(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class OutputDevice:
    index: int
    name: str
    is_default: bool


def list_output_devices() -> list[OutputDevice]:
    """Output devices PortAudio knows about; empty when PortAudio itself is missing."""
    return [OutputDevice(index, name, default) for index, name, default, _ in portaudio_devices("output")]


class ClockOutput:
    """Pull `FRAME_SAMPLES` blocks on the monotonic clock; catches up if the loop was late.

    Driven by one loop timer callback per tick, not a task awaiting `asyncio.sleep`: each tick of the old loop
    also made a future, ran its done-callback and stepped the task. Measured at 50 ticks/s with a no-op pull
    (plain asyncio, process CPU over 10 s, best of 4): 0.41 % of a core for the task, 0.28 % for the callback,
    i.e. ~0.13 % saved of `plaza listen`'s ~3.7 %; under qasync every `call_soon` saved is one Qt timer fewer.
    """

    name = "no audio device"

    def __init__(self, pull: PullFn, *, clock: Callable[[], float] | None = None, tick: float = 0.02) -> None:
        self._pull = pull
        self._clock = clock
        self._tick = tick
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | asyncio.Handle | None = None
        self._started = 0.0
        self.samples_pulled = 0

    async def start(self) -> None:
        if self._timer is None:
            loop = self._loop = asyncio.get_running_loop()
            self._timer = loop.call_soon(self._first)  # the start time is read when the loop first runs it

    def _now(self) -> float:
        assert self._loop is not None
        return self._clock() if self._clock is not None else self._loop.time()

    def _first(self) -> None:
        self._started = self._now()
        self._run()

    def _run(self) -> None:
        assert self._loop is not None
        due = int((self._now() - self._started) * SAMPLE_RATE)
        try:
            while self.samples_pulled + FRAME_SAMPLES <= due:
                self._pull(FRAME_SAMPLES)
                self.samples_pulled += FRAME_SAMPLES
        except Exception:  # the playout never raises; anything else stops the clock, as it stopped the old task
            self._timer = None
            log.exception("the no-device output stopped")
            return
        self._timer = self._loop.call_later(self._tick, self._run)

    async def close(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()


class SoundDeviceOutput:
    """PortAudio output stream; its callback (on PortAudio's thread, on the device clock) pulls the playout."""

    def __init__(self, pull: PullFn, *, device: int | None = None, latency: str | float = "low") -> None:
        self._pull = pull
        self._device = device
        self._latency = latency
        self._stream: Any = None
        self.name = "default output" if device is None else f"device {device}"
        self.status_flags = 0

    async def start(self) -> None:
        if self._stream is not None:
            return
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:
            raise AudioOutputError(f"audio output unavailable (PortAudio not found: {exc})") from None
        try:
            stream = sd.OutputStream(
                samplerate=SAMPLE_RATE, channels=CHANNELS, dtype="int16", device=self._device,
                latency=self._latency, callback=self._callback,
            )
            stream.start()
        except Exception as exc:
            raise AudioOutputError(f"cannot open audio output {self.name}: {exc}") from None
        self._stream = stream
        with contextlib.suppress(Exception):
            self.name = str(sd.query_devices(stream.device)["name"])

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status:
            self.status_flags += 1
        outdata[:] = self._pull(frames)

    async def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.stop()
                stream.close()
