"""Move decoded audio from an aiortc track into the playout stage."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from app.media import CHANNELS, SAMPLE_RATE
from app.media.playout import PlayoutBuffer

log = logging.getLogger(__name__)


def frame_to_pcm(frame: av.AudioFrame, resampler: av.AudioResampler | None = None) -> np.ndarray:
    """An AudioFrame as int16 (n, 2) at 48 kHz (aiortc's Opus decoder already gives that)."""
    if frame.format.name != "s16" or frame.layout.name != "stereo" or frame.sample_rate != SAMPLE_RATE:
        resampler = resampler or av.AudioResampler(format="s16", layout="stereo", rate=SAMPLE_RATE)
        blocks = [f.to_ndarray().reshape(-1, CHANNELS) for f in resampler.resample(frame)]
        return np.concatenate(blocks) if blocks else np.zeros((0, CHANNELS), np.int16)
    return frame.to_ndarray().reshape(-1, CHANNELS)


class TrackReceiver:
    """Reads a remote audio track until it ends and pushes its PCM into the playout."""

    def __init__(self, track: MediaStreamTrack, playout: PlayoutBuffer) -> None:
        self.track = track
        self.playout = playout
        self.frames = 0
        self.last_frame_time: float | None = None
        self.ended = asyncio.get_running_loop().create_future()
        self._resampler: av.AudioResampler | None = None
        self.on_frame: Callable[[], None] | None = None  # told about every frame (the supervisor's watchdog)
        self.paused = False  # a newer connection feeds the playout; keep reading, stop pushing
        self._task = asyncio.create_task(self._run(), name="track-receiver")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                frame = await self.track.recv()
                if not isinstance(frame, av.AudioFrame):
                    continue
                if self.paused:
                    continue
                pcm = frame_to_pcm(frame, self._resampler)
                if len(pcm):
                    self.playout.push(pcm)
                self.frames += 1
                self.last_frame_time = loop.time()
                if self.on_frame is not None:
                    self.on_frame()
        except MediaStreamError:
            log.info("remote audio track ended")
        finally:
            if not self.ended.done():
                self.ended.set_result(None)

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
