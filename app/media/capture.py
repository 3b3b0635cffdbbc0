"""A speaker's microphone: capture (a device, or a file for bots and tests), processing, an input meter, and the
aiortc track that sends it.

The device is captured through sounddevice (PortAudio), the library the output uses. PortAudio delivers blocks on
its own thread at the device's rate; they are resampled to 48 kHz when the device cannot open at it, cut into
20 ms frames and handed to the event loop. `MicTrack.recv()` takes one frame per 20 ms, runs the processing chain
(echo control, feedback guard: app.stage wires them), updates the meter, and sends silence while self-muted: a
muted microphone never leaves the machine, whatever the server does with the mute flag.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from app.events import Event
from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.devices import portaudio_devices
from app.media.sources import decode_file

log = logging.getLogger(__name__)

TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)
MAX_QUEUED_FRAMES = 10  # 200 ms: a stalled loop drops the oldest audio rather than sending it ever later
SILENCE_DB = -100.0

Processor = Callable[[np.ndarray], np.ndarray]  # 20 ms float32 frame in, same out


class CaptureError(Exception):
    """The microphone cannot be opened or read; the message names the device and the reason."""


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    is_default: bool
    default_rate: float


def list_input_devices() -> list[InputDevice]:
    """Input devices PortAudio knows about; empty when PortAudio itself is missing."""
    return [InputDevice(index, name, default, float(info.get("default_samplerate", 0)))
            for index, name, default, info in portaudio_devices("input")]


class MicSource(Protocol):
    name: str

    async def start(self) -> None: ...

    async def frame(self) -> np.ndarray: ...  # the next 20 ms, float32 in [-1, 1]

    async def close(self) -> None: ...


class Pacing:
    """A microphone's clock on the event loop, for sources that have no device to pace them: `tick` returns when
    the next 20 ms frame is due (from `start`, or the first tick)."""

    def __init__(self) -> None:
        self._next: float | None = None

    def start(self) -> None:
        self._next = asyncio.get_running_loop().time()

    async def tick(self) -> None:
        loop = asyncio.get_running_loop()
        if self._next is None:
            self._next = loop.time()
        wait = self._next - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._next += FRAME_SAMPLES / SAMPLE_RATE


class FileSource:
    """A decoded audio file on a loop, paced on the loop's clock like a microphone (`plaza speak --input`)."""

    def __init__(self, path: str) -> None:
        self.name = path
        self.pcm = decode_file(path).astype(np.float32) / 32768.0  # raises ValueError naming the file
        self._pos = 0
        self._pacing = Pacing()

    async def start(self) -> None:
        self._pacing.start()

    async def frame(self) -> np.ndarray:
        await self._pacing.tick()
        idx = (self._pos + np.arange(FRAME_SAMPLES)) % len(self.pcm)
        self._pos = (self._pos + FRAME_SAMPLES) % len(self.pcm)
        return self.pcm[idx]

    async def close(self) -> None:
        pass


class DeviceSource:
    """A PortAudio input stream; 48 kHz if the device takes it, else its own rate resampled."""

    def __init__(self, device: int | None = None) -> None:
        self.device = device
        self.name = "default input" if device is None else f"device {device}"
        self.overruns = 0
        self._stream: Any = None
        self._queue: asyncio.Queue[np.ndarray] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._resampler: av.AudioResampler | None = None
        self._rate = SAMPLE_RATE
        self._pending = np.zeros(0, np.float32)

    async def start(self) -> None:
        if self._stream is not None:
            return
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:
            raise CaptureError(f"microphone unavailable (PortAudio not found: {exc})") from None
        self._loop = asyncio.get_running_loop()
        try:
            self._stream = self._open(sd, SAMPLE_RATE)
        except Exception:
            try:
                rate = int(sd.query_devices(self.device, "input")["default_samplerate"])
                self._stream = self._open(sd, rate)
                self._rate = rate
                self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            except Exception as exc:
                raise CaptureError(f"cannot open microphone {self.name}: {exc}") from None
        with contextlib.suppress(Exception):
            self.name = str(sd.query_devices(self._stream.device)["name"])

    def _open(self, sd: Any, rate: int) -> Any:
        stream = sd.InputStream(samplerate=rate, channels=1, dtype="float32", device=self.device,
                                latency="low", callback=self._callback)
        stream.start()
        return stream

    def _callback(self, indata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        if status:
            self.overruns += 1
        block = indata[:, 0].copy()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call
                loop.call_soon_threadsafe(self._arrived, block)

    def _arrived(self, block: np.ndarray) -> None:
        if self._resampler is not None:
            frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = self._rate
            block = np.concatenate([f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)] or
                                   [np.zeros(0, np.float32)])
        self._pending = np.concatenate([self._pending, block.astype(np.float32)])
        while len(self._pending) >= FRAME_SAMPLES:
            if self._queue.qsize() >= MAX_QUEUED_FRAMES:
                self._queue.get_nowait()
                self.overruns += 1
            self._queue.put_nowait(self._pending[:FRAME_SAMPLES])
            self._pending = self._pending[FRAME_SAMPLES:]

    async def frame(self) -> np.ndarray:
        return await self._queue.get()

    async def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.stop()
                stream.close()


def level_db(frame: np.ndarray) -> float:
    """RMS level in dBFS (full-scale sine = -3 dB)."""
    rms = float(np.sqrt(np.mean(np.square(frame, dtype=np.float64)))) if len(frame) else 0.0
    return SILENCE_DB if rms <= 1e-5 else max(SILENCE_DB, 20 * math.log10(rms))


class MicTrack(MediaStreamTrack):
    """The microphone as an aiortc audio track: source → processors → meter → (silence while muted) → Opus."""

    kind = "audio"

    def __init__(self, source: MicSource, processors: list[Processor] | None = None) -> None:
        super().__init__()
        self.source = source
        self.processors = list(processors or [])
        self.muted = True  # speakers join muted and unmute themselves
        self.level_db = SILENCE_DB  # after processing, before the mute: the sound check shows it while muted
        self.level = Event[[float]]("microphone level")
        self.sent = Event[[np.ndarray]]("microphone frames sent")
        self._pts = 0
        self._started = False

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if not self._started:
            self._started = True
            await self.source.start()
        x = await self.source.frame()
        for process in self.processors:
            x = process(x)
        self.level_db = level_db(x)
        self.level.emit(self.level_db)
        out = np.zeros(FRAME_SAMPLES, np.float32) if self.muted else x
        self.sent.emit(out)
        pcm = (np.clip(out, -1.0, 1.0) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = TIME_BASE
        self._pts += FRAME_SAMPLES
        return frame

    def stop(self) -> None:
        """Ignored: aiortc stops a sender's track when its connection closes, but the microphone outlives a
        stage connection (a reconnect sends the same track on the next one). `close()` ends it."""

    async def close(self) -> None:
        """End the track and release the microphone; idempotent."""
        super().stop()
        await self.source.close()
