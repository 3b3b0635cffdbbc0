"""The playout stage: the only place where network time meets device time.

The network side `push()`es decoded 48 kHz stereo int16 frames; the output side `pull(n)`s exactly what its
clock consumes, from whatever thread that clock runs on (PortAudio's callback thread, or an asyncio timer).
No clock is read here, so a test drives it with a virtual clock by simply calling `pull` on schedule.

This first stage keeps a small prefetch and plays silence on underrun; the outage-masking buffer (FEC/PLC,
cushion, time-stretch) replaces `PlayoutBuffer` behind the same push/pull interface.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.media import CHANNELS, SAMPLE_RATE

BlockTap = Callable[[np.ndarray], None]


@dataclass
class PlayoutCounters:
    pushed_samples: int = 0
    played_samples: int = 0  # samples of real audio delivered to the output
    silence_samples: int = 0  # samples of silence delivered because nothing was buffered
    underruns: int = 0
    dropped_samples: int = 0  # discarded because the buffer exceeded its maximum


class PlayoutBuffer:
    """A FIFO of PCM with a prefetch threshold, a latency cap, volume and mute, and output taps."""

    def __init__(self, *, prefetch_ms: float = 60.0, max_ms: float = 400.0) -> None:
        self.prefetch = int(SAMPLE_RATE * prefetch_ms / 1000)
        self.max_samples = int(SAMPLE_RATE * max_ms / 1000)
        self._chunks: deque[np.ndarray] = deque()
        self._buffered = 0
        self._playing = False
        self._lock = threading.Lock()
        self._taps: list[BlockTap] = []
        self.volume = 1.0  # 0.0 .. 1.0, linear gain on the output
        self.muted = False
        self.counters = PlayoutCounters()
        self.first_audio_callbacks: list[Callable[[], None]] = []
        self._first_audio_sent = False

    # ---------------------------------------------------------------- network side
    def push(self, pcm: np.ndarray) -> None:
        """Queue a block of int16 samples shaped (n, CHANNELS)."""
        if pcm.ndim != 2 or pcm.shape[1] != CHANNELS or pcm.dtype != np.int16:
            raise ValueError(f"playout expects int16 (n, {CHANNELS}) blocks, got {pcm.dtype} {pcm.shape}")
        with self._lock:
            self._chunks.append(pcm)
            self._buffered += len(pcm)
            self.counters.pushed_samples += len(pcm)
            while self._buffered > self.max_samples and self._chunks:
                excess = self._buffered - self.max_samples
                head = self._chunks[0]
                if len(head) <= excess:
                    self._chunks.popleft()
                    dropped = len(head)
                else:  # keep the newest part of the oldest block
                    self._chunks[0] = head[excess:]
                    dropped = excess
                self._buffered -= dropped
                self.counters.dropped_samples += dropped

    def reset(self) -> None:
        """Forget what is buffered (a new stream starts)."""
        with self._lock:
            self._chunks.clear()
            self._buffered = 0
            self._playing = False

    @property
    def buffered_ms(self) -> float:
        return 1000.0 * self._buffered / SAMPLE_RATE

    # ---------------------------------------------------------------- device side
    def add_tap(self, tap: BlockTap) -> None:
        """Call `tap(block)` with every block handed to the output (after volume and mute)."""
        self._taps.append(tap)

    def remove_tap(self, tap: BlockTap) -> None:
        if tap in self._taps:
            self._taps.remove(tap)

    def pull(self, n: int) -> np.ndarray:
        """Return exactly `n` samples (int16, shape (n, CHANNELS)) for the output."""
        out = np.zeros((n, CHANNELS), dtype=np.int16)
        first = False
        with self._lock:
            if not self._playing and self._buffered >= self.prefetch:
                self._playing = True
            filled = 0
            if self._playing:
                while filled < n and self._chunks:
                    head = self._chunks[0]
                    take = min(n - filled, len(head))
                    out[filled:filled + take] = head[:take]
                    if take == len(head):
                        self._chunks.popleft()
                    else:
                        self._chunks[0] = head[take:]
                    self._buffered -= take
                    filled += take
                if filled < n:
                    self._playing = False
                    self.counters.underruns += 1
            self.counters.played_samples += filled
            self.counters.silence_samples += n - filled
            if filled and not self._first_audio_sent:
                self._first_audio_sent = first = True
        if self.muted:
            out[:] = 0
        elif self.volume < 1.0:
            out = (out.astype(np.float32) * max(0.0, self.volume)).astype(np.int16)
        for tap in list(self._taps):
            tap(out)
        if first:
            for callback in list(self.first_audio_callbacks):
                callback()
        return out
