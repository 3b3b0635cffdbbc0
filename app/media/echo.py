"""Echo control for a speaker's microphone: echo cancellation, noise suppression and gain control.

A speaker without headphones hears the stage through their loudspeakers, and their microphone picks it up again:
without cancellation the room hears itself ~50-150 ms late. `EchoControl` is told what is played (`far_end`, the
stage mix) and cleans what is captured (`near_end`) with WebRTC's audio processing module (AEC3 + NS + AGC2, the
same code as in browsers) through the `pywebrtc-audio` bindings; see docs/echo-control.md for why that library.

It is an optional subsystem: if the library cannot be loaded, `EchoControl.available()` is False, `reason()` says
why, and `near_end` passes the microphone through unchanged, so the caller can tell the user "echo cancellation
unavailable: <reason>; use headphones" and carry on.

Framing: the app moves 20 ms frames (960 samples at 48 kHz); the library works in 10 ms frames and zero-pads a
partial one (a click and a broken filter state), so both paths are cut into whole 10 ms blocks here. 20 ms frames
split exactly, adding no latency; other sizes wait for the rest of their block (at most 10 ms, with zeros before
the first block).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.media import SAMPLE_RATE

# The far end waiting for its microphone frame. Each microphone block is paired with the oldest waiting far block,
# so the delay the canceller sees is (output latency + room + input latency) minus this queue's depth: a deep queue
# would hand over the reference after its echo (non-causal, uncancellable). Bounded to two app frames: enough for
# the jitter between the output and input callbacks, far below any real device's round trip (PortAudio's default
# low latencies alone add up to more).
MAX_FAR_QUEUE_MS = 40


@dataclass(frozen=True)
class EchoSettings:
    """What the speaker asked for (each part can be switched off, e.g. AGC for a studio microphone)."""

    enabled: bool = True
    echo_cancellation: bool = True
    noise_suppression: bool = True
    auto_gain_control: bool = True
    noise_level: int = 1  # WebRTC NS: 0..3 = 6, 12, 18, 21 dB of suppression; 1 keeps speech natural
    delay_ms: int = 0  # the device round-trip hint; 0 lets AEC3's delay estimator find it (it does in ~2 s)


def _load_backend() -> tuple[Any, str | None]:
    """The library's `AudioProcessor` class, or None with why it cannot be used (import error, broken wheel)."""
    try:
        from pywebrtc_audio import AudioProcessor
    except Exception as exc:  # ImportError, or an OSError/symbol error from the native module
        return None, f"the pywebrtc-audio library could not be loaded ({type(exc).__name__}: {exc})"
    return AudioProcessor, None


_backend: tuple[Any, str | None] | None = None


def _backend_cached() -> tuple[Any, str | None]:
    global _backend
    if _backend is None:
        _backend = _load_backend()
    return _backend


def mono_float(frame: np.ndarray) -> np.ndarray:
    """A block as mono float32 (int16 scaled to [-1, 1]), contiguous and finite: int16 or float, 1-D or (samples,
    channels) as the devices have it. Runs on the audio threads every block (echo control and the feedback guard's
    far end): a matrix product for the channels (mean(axis=1) of an int16 block took 18 µs, this 7), and nan_to_num
    only when the sum is not finite (on every block it cost 5 µs)."""
    data = np.asarray(frame)
    if data.ndim == 2:
        mono = data.astype(np.float32) @ np.full(data.shape[1], 1.0 / max(data.shape[1], 1), np.float32)
    else:
        mono = data.reshape(-1).astype(np.float32, copy=False)
    if data.dtype == np.int16:
        mono = mono * np.float32(1.0 / 32768.0)
    if not math.isfinite(np.add.reduce(mono, dtype=np.float64)):  # a finite sum means finite samples
        mono = np.nan_to_num(mono, nan=0.0, posinf=0.0, neginf=0.0)
    return np.ascontiguousarray(mono, dtype=np.float32)


class EchoControl:
    """Cleans the microphone of the played stage (AEC), of steady noise (NS), and evens its level (AGC).

    `far_end` and `near_end` may be called from different threads (the output and input callbacks); one lock keeps
    the queues and the processor consistent. Both take mono or (samples, channels) frames, int16 or float32;
    `near_end` returns mono float32 of the same length as its input.
    """

    def __init__(self, settings: EchoSettings | None = None, sample_rate: int = SAMPLE_RATE) -> None:
        self._rate = sample_rate
        self._block = sample_rate // 100  # the library's 10 ms
        self._max_far = sample_rate * MAX_FAR_QUEUE_MS // 1000
        self._lock = threading.Lock()
        self._far = np.zeros(0, np.float32)
        self._near = np.zeros(0, np.float32)
        self._out = np.zeros(0, np.float32)
        self._processor: Any = None
        self.settings = settings or EchoSettings()
        self.configure(self.settings)

    @staticmethod
    def available() -> bool:
        """Whether the processing library can be used on this machine."""
        return _backend_cached()[0] is not None

    @staticmethod
    def reason() -> str | None:
        """Why it cannot (for the user, with "use headphones"), or None when it can."""
        return _backend_cached()[1]

    @property
    def active(self) -> bool:
        """Whether `near_end` processes at all (enabled, available, and at least one part switched on)."""
        return self._processor is not None

    def configure(self, settings: EchoSettings) -> None:
        """Apply new settings. A new processor starts from scratch: AEC3 re-converges within ~2 s of far speech."""
        cls = _backend_cached()[0]
        parts = settings.echo_cancellation or settings.noise_suppression or settings.auto_gain_control
        with self._lock:
            self.settings = settings
            self._far = self._near = self._out = np.zeros(0, np.float32)
            self._processor = None
            if cls is not None and settings.enabled and parts:
                self._processor = cls(
                    sample_rate=self._rate, num_channels=1,
                    echo_cancellation=settings.echo_cancellation, noise_suppression=settings.noise_suppression,
                    # The high-pass filter removes DC and rumble; AEC3 turns it on regardless.
                    high_pass_filter=True, auto_gain_control=settings.auto_gain_control,
                    ns_level=min(3, max(0, settings.noise_level)), stream_delay_ms=max(0, settings.delay_ms),
                )

    def set_delay_ms(self, delay_ms: int) -> None:
        """Update the round-trip hint (output + input latency as the audio devices report it), keeping the state."""
        with self._lock:
            self.settings = EchoSettings(**{**self.settings.__dict__, "delay_ms": max(0, delay_ms)})
            if self._processor is not None:
                self._processor.stream_delay_ms = self.settings.delay_ms

    def far_end(self, frame: np.ndarray) -> None:
        """What is being played to the loudspeaker (the stage mix), as it is handed to the output device."""
        if self._processor is None or not self.settings.echo_cancellation:
            return
        data = mono_float(frame)
        with self._lock:
            far = np.concatenate((self._far, data))
            self._far = far[-self._max_far:] if len(far) > self._max_far else far  # keep the newest (see above)

    def near_end(self, frame: np.ndarray) -> np.ndarray:
        """The microphone frame, cleaned (or as it came, mono float32, when nothing is active)."""
        data = mono_float(frame)
        if self._processor is None:
            return data
        with self._lock:
            processor = self._processor
            if processor is None:  # switched off meanwhile
                return data
            near = np.concatenate((self._near, data))
            usable = len(near) - len(near) % self._block
            self._near = near[usable:]
            if usable:
                far = self._take_far(usable) if self.settings.echo_cancellation else None
                cleaned = processor.process(near[:usable], far)
                self._out = np.concatenate((self._out, np.asarray(cleaned, np.float32)))
            return self._pop_out(len(data))

    def reset(self) -> None:
        """Forget the adaptation and the queues (e.g. after the audio devices changed)."""
        self.configure(self.settings)

    def _take_far(self, count: int) -> np.ndarray:
        """The oldest `count` far samples; silence for what was not played (nothing on stage, or output stopped)."""
        take = self._far[:count]
        self._far = self._far[count:]
        if len(take) < count:
            take = np.concatenate((take, np.zeros(count - len(take), np.float32)))
        return take

    def _pop_out(self, count: int) -> np.ndarray:
        """`count` processed samples; zeros first while a partial block is still waiting for its rest."""
        if len(self._out) < count:
            self._out = np.concatenate((np.zeros(count - len(self._out), np.float32), self._out))
        result, self._out = self._out[:count], self._out[count:]
        return result

