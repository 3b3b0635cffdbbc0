"""Audio sources for speakers: a test tone and a looping file, paced in real time like a microphone."""

from __future__ import annotations

import asyncio
import fractions
import math
import time

import av
import numpy as np
from aiortc.mediastreams import MediaStreamTrack

from app.media import FRAME_SAMPLES, SAMPLE_RATE

TIME_BASE = fractions.Fraction(1, SAMPLE_RATE)


class PacedAudioTrack(MediaStreamTrack):
    """Emits 20 ms mono frames on the wall clock (a microphone would); subclasses fill `samples()`."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._start: float | None = None
        self._pts = 0

    def samples(self, n: int) -> np.ndarray:
        raise NotImplementedError

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            from aiortc.mediastreams import MediaStreamError

            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._pts += FRAME_SAMPLES
            wait = self._start + self._pts / SAMPLE_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        pcm = self.samples(FRAME_SAMPLES)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = TIME_BASE
        return frame


class ToneTrack(PacedAudioTrack):
    """A continuous sine tone (tests and benchmarks measure its frequency and continuity at the listener)."""

    def __init__(self, frequency: float = 440.0, amplitude: float = 0.3) -> None:
        super().__init__()
        self.frequency = frequency
        self.amplitude = amplitude
        self._n = 0

    def samples(self, n: int) -> np.ndarray:
        t = (np.arange(self._n, self._n + n) / SAMPLE_RATE) * 2 * math.pi * self.frequency
        self._n += n
        return (np.sin(t) * self.amplitude * 32767).astype(np.int16)


class FileTrack(PacedAudioTrack):
    """A decoded audio file played on a loop (the demo speaker)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.pcm = decode_file(path)
        self._pos = 0

    def samples(self, n: int) -> np.ndarray:
        out = np.empty(n, dtype=np.int16)
        filled = 0
        while filled < n:
            take = min(n - filled, len(self.pcm) - self._pos)
            out[filled:filled + take] = self.pcm[self._pos:self._pos + take]
            filled += take
            self._pos = (self._pos + take) % len(self.pcm)
        return out


def decode_file(path: str) -> np.ndarray:
    """Decode any audio file PyAV reads to 48 kHz mono int16; raise ValueError naming the file if unusable."""
    try:
        container = av.open(path)
    except (av.FFmpegError, OSError) as exc:
        raise ValueError(f"cannot read audio file {path}: {exc}") from None
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    blocks: list[np.ndarray] = []
    with container:
        if not container.streams.audio:
            raise ValueError(f"{path} has no audio stream")
        for frame in container.decode(audio=0):
            blocks.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
    pcm = np.concatenate(blocks) if blocks else np.zeros(0, np.int16)
    if len(pcm) < FRAME_SAMPLES:
        raise ValueError(f"{path} holds less than 20 ms of audio")
    return pcm.astype(np.int16)
