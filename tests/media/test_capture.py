"""The microphone path without a device: file pacing, device framing and resampling, the meter, the mute."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np
import pytest

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.capture import (
    MAX_QUEUED_FRAMES,
    SILENCE_DB,
    DeviceSource,
    FileSource,
    MicTrack,
    level_db,
)


def write_wav(path: Path, pcm: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype(np.int16).tobytes())
    return path


def test_level_db() -> None:
    assert level_db(np.zeros(960, np.float32)) == SILENCE_DB
    sine = np.sin(np.arange(960) * 2 * np.pi * 1000 / SAMPLE_RATE).astype(np.float32)
    assert level_db(sine) == pytest.approx(-3.01, abs=0.05)


async def test_a_file_loops_and_is_paced_like_a_microphone(tmp_path: Path) -> None:
    ramp = np.arange(3000) % 30000
    source = FileSource(str(write_wav(tmp_path / "r.wav", ramp)))
    await source.start()
    loop = asyncio.get_running_loop()
    start = loop.time()
    frames = [await source.frame() for _ in range(10)]
    elapsed = loop.time() - start
    got = np.concatenate(frames)
    assert np.allclose(got * 32768, np.resize(ramp, len(got)), atol=1)  # the file, on a loop
    assert 0.17 <= elapsed <= 0.4  # 10 frames of 20 ms: the first at once, then one per 20 ms


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    bad = tmp_path / "not-audio.wav"
    bad.write_bytes(b"nonsense")
    with pytest.raises(ValueError, match=r"not-audio\.wav"):
        FileSource(str(bad))


async def test_device_blocks_are_cut_into_20_ms_frames_and_bounded() -> None:
    source = DeviceSource()
    blocks = [np.full(441, i, np.float32) for i in range(60)]  # 441-sample device blocks
    for block in blocks:
        source._arrived(block)
    assert source._queue.qsize() == MAX_QUEUED_FRAMES  # a stalled loop keeps only the newest 200 ms
    assert source.overruns == 60 * 441 // FRAME_SAMPLES - MAX_QUEUED_FRAMES
    frame = await source.frame()
    assert len(frame) == FRAME_SAMPLES and frame.dtype == np.float32


async def test_a_device_at_another_rate_is_resampled_to_48k() -> None:
    import av

    source = DeviceSource()
    source._rate = 44100
    source._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    t = np.arange(44100) / 44100
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    for i in range(0, len(tone), 441):
        source._arrived(tone[i:i + 441])
    frames = []
    while not source._queue.empty():
        frames.append(source._queue.get_nowait())
    x = np.concatenate(frames)[2000:]
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    assert np.argmax(spectrum) * SAMPLE_RATE / len(x) == pytest.approx(1000, abs=3)


class ListSource:
    name = "test"

    def __init__(self, value: float) -> None:
        self.value = value
        self.closed = False

    async def start(self) -> None:
        pass

    async def frame(self) -> np.ndarray:
        return np.full(FRAME_SAMPLES, self.value, np.float32)

    async def close(self) -> None:
        self.closed = True


async def test_a_muted_track_sends_silence_but_still_meters() -> None:
    source = ListSource(0.25)
    track = MicTrack(source, processors=[lambda x: x * 2])
    assert track.muted  # speakers join muted
    levels: list[float] = []
    track.level.connect(levels.append)
    frame = await track.recv()
    assert not frame.to_ndarray().any()
    assert levels == [pytest.approx(20 * np.log10(0.5), abs=0.01)]
    track.muted = False
    frame = await track.recv()
    assert np.all(frame.to_ndarray() == int(0.5 * 32767))
    assert frame.pts == FRAME_SAMPLES and frame.sample_rate == SAMPLE_RATE
    track.stop()  # what aiortc does when a stage connection closes: the microphone lives on for the next one
    assert track.readyState == "live" and not source.closed
    await track.close()
    await track.close()
    assert source.closed and track.readyState == "ended"
