"""Record exactly what the output plays (the playout after volume/mute) to a 48 kHz stereo WAV file."""

from __future__ import annotations

import queue
import wave
from pathlib import Path

import numpy as np

from app.media import CHANNELS, SAMPLE_RATE


class WavRecorder:
    """A playout tap. `__call__` may run on the audio thread, so it only queues; `flush` writes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._wav = wave.open(str(self.path), "wb")
        except OSError as exc:
            raise OSError(f"cannot write recording {self.path}: {exc.strerror or exc}") from None
        self._wav.setnchannels(CHANNELS)
        self._wav.setsampwidth(2)
        self._wav.setframerate(SAMPLE_RATE)
        self._queue: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()
        self.samples_written = 0
        self._closed = False

    def __call__(self, block: np.ndarray) -> None:
        if not self._closed:
            self._queue.put(block.copy())

    def flush(self) -> None:
        while True:
            try:
                block = self._queue.get_nowait()
            except queue.Empty:
                return
            self._wav.writeframes(block.astype("<i2").tobytes())
            self.samples_written += len(block)

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self._closed = True
        self.flush()
        self._wav.close()
