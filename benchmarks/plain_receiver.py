"""The baseline the outage benchmark compares Plaza against: aiortc's own audio path, `track.recv()` into a FIFO.

Not shipped: the installed app only has the cushion. Here are the FIFO playout (`PlayoutBuffer`), the reader of
aiortc's decoded track (`TrackReceiver`) and a feed connection that uses them instead of the RTP tap
(`PlainFeedConnection`); `plain_listen_session()` builds a ListenSession on them. Same supervisor, same output.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import av
import numpy as np
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from app.events import Event
from app.links import RoomLink
from app.listener.feed import FeedConnection
from app.listener.listen import ListenSession
from app.media import CHANNELS, SAMPLE_RATE
from app.media.counters import PlayoutStats

log = logging.getLogger(__name__)


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
        self.played: Event[[np.ndarray]] = Event("plain playout blocks")
        self.volume = 1.0  # 0.0 .. 1.0, linear gain on the output
        self.muted = False
        self.counters = PlayoutCounters()
        self.first_audio: Event[[]] = Event("plain first audio")
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
        self.played.emit(out)
        if first:
            self.first_audio.emit()
        return out

    def stats(self) -> PlayoutStats:
        """The cushion's counters that mean something for a FIFO (for the listener's --stats and reports)."""
        with self._lock:
            return PlayoutStats(cushion_ms=self.buffered_ms, target_ms=self.prefetch * 1000.0 / SAMPLE_RATE,
                                audible_gap_ms=1000.0 * self.counters.silence_samples / SAMPLE_RATE)


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


class PlainFeedConnection(FeedConnection):
    """A feed connection on aiortc's own jitter buffer and decoder: no RTP tap; frames from `track.recv()`."""

    def __init__(self, server: str, room_id: int, playout: Any, **kwargs: Any) -> None:
        super().__init__(server, room_id, playout, **kwargs)
        self.receiver: TrackReceiver | None = None

    def _prepare_media(self, pc: RTCPeerConnection, offer_sdp: str) -> None:
        pass  # aiortc's own receive path stays in place

    def _track_arrived(self, track: MediaStreamTrack) -> None:
        self.receiver = TrackReceiver(track, self.playout)
        self.receiver.on_frame = self._on_frame
        self.receiver.ended.add_done_callback(lambda _f: self.end(f"the audio track from {self.server} ended"))

    def _on_frame(self) -> None:
        self.last_media = time.monotonic()
        if not self.first_media.done():
            self._on_first_media()

    def stop_media(self) -> None:
        super().stop_media()
        if self.receiver is not None:
            self.receiver.on_frame = None
            self.receiver.paused = True

    async def _close_media(self) -> None:
        if self.receiver is not None:
            await self.receiver.close()


def plain_listen_session(link: RoomLink, **kwargs: Any) -> ListenSession:
    """A ListenSession that plays through aiortc's own path (same supervisor, output and recorder)."""
    return ListenSession(link, playout=PlayoutBuffer(), feed_factory=PlainFeedConnection,  # type: ignore[arg-type]
                         **kwargs)
