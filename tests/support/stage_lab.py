"""Helpers for lab tests with speakers on a real stage: tone microphones, tone levels, getting on stage the way a
user does (joined as a listener, invited by the controller, invite accepted), and a tap on what the feed carries."""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.listener.listen import ListenSession
from app.media import SAMPLE_RATE
from app.media.capture import FileSource, MicTrack
from app.media.opus import OpusStreamDecoder
from app.stage.speaker import Role, SpeakerSession

SILENT_DB = -50.0
SOURCE_DB = 20 * np.log10(0.3 / np.sqrt(2))  # the WAV tones' level: -13.5 dBFS


def tone_wav(path: Path, hz: float, seconds: float = 2.0, amplitude: float = 0.3) -> Path:
    """A tone that loops seamlessly (a whole number of cycles in the file)."""
    t = np.arange(int(SAMPLE_RATE * seconds)) / SAMPLE_RATE
    pcm = (np.sin(2 * np.pi * hz * t) * amplitude * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    return path


def band_db(pcm: np.ndarray, hz: float) -> float:
    """Level (dBFS, sine RMS) of the `hz` component of a block (int16 mono or stereo)."""
    x = pcm.astype(np.float64)
    x = x.mean(axis=1) if x.ndim == 2 else x
    x = x / 32768.0
    n = len(x)
    w = np.hanning(n)
    spectrum = np.abs(np.fft.rfft(x * w))
    k = round(hz * n / SAMPLE_RATE)
    peak = spectrum[max(0, k - 2): k + 3].max()
    amplitude = 2 * peak / w.sum()
    return 20 * np.log10(max(amplitude / np.sqrt(2), 1e-9))


async def until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - start


def speaker_session(room: object, wav: Path, name: str, *, record: Path | None = None,
                    muted: bool = False) -> SpeakerSession:
    listen = ListenSession(room.link, use_device=False, record=record, display=name)  # type: ignore[attr-defined]
    return SpeakerSession(listen, MicTrack(FileSource(str(wav))), display=name, start_muted=muted)


async def go_on_stage(room: object, speaker: SpeakerSession) -> None:
    """Join as a listener, get invited by the controller (as a host would), accept."""
    await speaker.start()
    keeper = speaker.listen.channel
    assert keeper is not None
    await until(lambda: keeper.channel is not None and keeper.channel.controller is not None, 15,
                "the listener's channel heard the controller")
    username = speaker.listen.state.own_id
    assert username is not None
    await room.controller.invite(username)  # type: ignore[attr-defined]
    await until(lambda: speaker.role == Role.INVITED, 5, "the invite arrived")
    await speaker.accept()
    assert speaker.role == Role.SPEAKER


class ArrivalTap:
    """Decodes the feed's packets as they arrive at a listener: what the feed carries, without its cushion."""

    def __init__(self, session: ListenSession) -> None:
        self.blocks: list[tuple[float, np.ndarray]] = []
        self._decoder = OpusStreamDecoder()
        playout = session.playout
        original = playout.push_packet

        def push(ssrc: int, seq: int, timestamp: int, payload: bytes, arrival: float) -> None:
            try:
                self.blocks.append((arrival, self._decoder.decode(payload)))
            except Exception:
                pass
            original(ssrc, seq, timestamp, payload, arrival)

        playout.push_packet = push  # type: ignore[method-assign]

    def levels(self, hz: float, since: float) -> list[tuple[float, float]]:
        return [(t, band_db(pcm, hz)) for t, pcm in self.blocks if t >= since]
