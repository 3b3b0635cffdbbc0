"""A speaker's room for lab tests of the feedback guard: what its output plays comes back into its microphone.

`LoopMic` is a microphone source (app.media.capture.MicSource) whose frames are the speaker's own talk (optional)
plus g · (what that speaker's ListenSession played, through `RoomResponse`: ~20 ms of air and one resonance, a
room mode or loudspeaker peak), clipped at full scale as a real microphone's converter is. Two speakers on one stage
wired this way close an acoustic loop through AudioBridge (mix-minus: a speaker never hears itself, so one room
alone cannot loop). The played blocks come from `ListenSession.heard` (the output's pull, same process) through a
locked buffer; the microphone takes them once two frames are in hand (a device pair's jitter margin), so the
loop's delay is the bridge's plus ~60 ms here.

Each frame's talk and loop parts are kept apart (with the loop clock's time) so a test can say when the howl
emerged over the speech.
"""

from __future__ import annotations

import asyncio
import threading

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.capture import Pacing

FS = SAMPLE_RATE
JITTER_FRAMES = 2  # played frames in hand before the microphone takes them
MAX_BUFFERED_FRAMES = 6  # beyond this the oldest played audio is dropped (the clocks are one: does not happen)


class RoomResponse:
    """Loudspeaker → room → microphone: `delay_ms` of air, a weak direct path and a decaying resonance at
    `resonance_hz` (bandwidth `bandwidth_hz`), scaled so its largest gain near the resonance is 1."""

    def __init__(self, resonance_hz: float, delay_ms: float = 20.0, bandwidth_hz: float = 10.0,
                 direct: float = 0.1) -> None:
        t = np.arange(int(0.1 * FS)) / FS
        res = np.exp(-np.pi * bandwidth_hz * t) * np.cos(2 * np.pi * resonance_hz * t)
        nfft = 1 << 20
        freqs = np.fft.rfftfreq(nfft, 1 / FS)
        near = np.abs(freqs - resonance_hz) <= 3 * bandwidth_hz
        res /= float(np.abs(np.fft.rfft(res, nfft)[near]).max())
        h = res.copy()
        h[0] += direct
        self.delay = int(delay_ms * FS / 1000)  # samples
        self.ir = np.concatenate((np.zeros(self.delay), h))
        spectrum = np.abs(np.fft.rfft(self.ir, nfft))
        self.ir /= float(spectrum[near].max())
        self.peak_hz = float(freqs[near][np.argmax(spectrum[near])])
        self._nfft = 1 << int(np.ceil(np.log2(len(self.ir) + FRAME_SAMPLES - 1)))
        self._spectrum = np.fft.rfft(self.ir, self._nfft)
        self._history = np.zeros(len(self.ir) - 1)

    def gain_at(self, hz: float) -> float:
        return float(np.abs(np.sum(self.ir * np.exp(-2j * np.pi * hz * np.arange(len(self.ir)) / FS))))

    def filter(self, block: np.ndarray) -> np.ndarray:
        """The next len(block) (≤ FRAME_SAMPLES) samples at the microphone (overlap-save, state kept)."""
        seg = np.concatenate((self._history, block))
        out = np.fft.irfft(np.fft.rfft(seg, self._nfft) * self._spectrum, self._nfft)[len(self._history): len(seg)]
        self._history = seg[len(block):]
        return out


class LoopMic:
    """A paced microphone: talk + g · room(played), once `close_loop` was called (before: talk alone)."""

    def __init__(self, name: str, room: RoomResponse, gain: float, talk: np.ndarray | None = None) -> None:
        self.name = name
        self.room = room
        self.gain = gain
        self.talk = talk
        self.closed = False
        self.times: list[float] = []  # loop time of each frame
        self.dry: list[np.ndarray] = []  # its talk part
        self.wet: list[np.ndarray] = []  # its loop part (what the room added), before clipping
        self._lock = threading.Lock()
        self._played = np.zeros(0)
        self._primed = False
        self.underflows = 0  # microphone frames that found less than a frame of played audio (a gap in the loop)
        self.dropped = 0  # played samples dropped over MAX_BUFFERED_FRAMES
        self._pos = 0
        self._pacing = Pacing()

    def heard(self, block: np.ndarray) -> None:
        """Connect to the speaker's `ListenSession.heard`: int16 (samples, channels) as the output plays it."""
        mono = np.asarray(block, dtype=np.float64)
        mono = (mono.mean(axis=1) if mono.ndim == 2 else mono) / 32768.0
        with self._lock:
            played = np.concatenate((self._played, mono))
            if self._primed:
                self.dropped += max(0, len(played) - MAX_BUFFERED_FRAMES * FRAME_SAMPLES)
            self._played = played[-MAX_BUFFERED_FRAMES * FRAME_SAMPLES:]

    def close_loop(self) -> None:
        self.closed = True

    def _take_played(self) -> np.ndarray:
        with self._lock:
            if not self._primed:  # what played before the microphone started is not in its room any more
                if len(self._played) < JITTER_FRAMES * FRAME_SAMPLES:
                    return np.zeros(FRAME_SAMPLES)
                self._played = self._played[-JITTER_FRAMES * FRAME_SAMPLES:]
                self._primed = True
            out = self._played[:FRAME_SAMPLES]
            self.underflows += len(out) < FRAME_SAMPLES
            self._played = self._played[FRAME_SAMPLES:]
        return np.concatenate((out, np.zeros(FRAME_SAMPLES - len(out))))

    async def start(self) -> None:
        self._pacing.start()

    async def frame(self) -> np.ndarray:
        await self._pacing.tick()
        if self.talk is not None:
            dry = self.talk[(self._pos + np.arange(FRAME_SAMPLES)) % len(self.talk)]
            self._pos = (self._pos + FRAME_SAMPLES) % len(self.talk)
        else:
            dry = np.zeros(FRAME_SAMPLES)
        wet = self.room.filter(self._take_played()) * (self.gain if self.closed else 0.0)
        self.times.append(asyncio.get_running_loop().time())
        self.dry.append(dry)
        self.wet.append(wet)
        return np.clip(dry + wet, -1.0, 1.0).astype(np.float32)

    async def close(self) -> None:
        pass
