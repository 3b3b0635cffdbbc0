"""WavRecorder: a playout tap that writes exactly what it was given as 48 kHz stereo 16-bit WAV."""

from __future__ import annotations

import gc
import wave
from pathlib import Path

import numpy as np
import pytest

from app.media import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE
from app.media.recorder import WavRecorder
from benchmarks.plain_receiver import PlayoutBuffer


def blocks(count: int, size: int = FRAME_SAMPLES, seed: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-32768, 32767, size=(size, CHANNELS), endpoint=True, dtype=np.int16) for _ in range(count)]


def read_wav(path: Path) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        params = wav.getparams()
        frames = wav.readframes(params.nframes)
    return params, np.frombuffer(frames, dtype="<i2").reshape(-1, params.nchannels)


def test_writes_exactly_the_blocks_it_got(tmp_path: Path) -> None:
    path = tmp_path / "rec.wav"
    given = [*blocks(5), np.zeros((1, CHANNELS), np.int16), *blocks(2, size=333, seed=9)]
    recorder = WavRecorder(path)
    for block in given:
        recorder(block)
    recorder.close()
    params, data = read_wav(path)
    assert (params.nchannels, params.sampwidth, params.framerate) == (2, 2, 48000)
    assert (CHANNELS, SAMPLE_RATE) == (2, 48000)
    assert np.array_equal(data, np.concatenate(given))
    assert recorder.samples_written == params.nframes == sum(len(b) for b in given)


def test_a_block_is_copied_when_tapped(tmp_path: Path) -> None:
    path = tmp_path / "rec.wav"
    recorder = WavRecorder(path)
    block = blocks(1)[0]
    original = block.copy()
    recorder(block)
    block[:] = 0  # the output may reuse its buffer before flush() runs
    recorder.close()
    assert np.array_equal(read_wav(path)[1], original)


def test_flush_writes_what_is_queued_so_far(tmp_path: Path) -> None:
    path = tmp_path / "rec.wav"
    recorder = WavRecorder(path)
    first, second = blocks(2)
    recorder(first)
    assert recorder.samples_written == 0  # the tap itself only queues
    recorder.flush()
    assert recorder.samples_written == FRAME_SAMPLES
    recorder(second)
    recorder.close()
    assert np.array_equal(read_wav(path)[1], np.concatenate([first, second]))


def test_records_what_the_playout_plays(tmp_path: Path) -> None:
    path = tmp_path / "rec.wav"
    playout = PlayoutBuffer(prefetch_ms=40.0)
    recorder = WavRecorder(path)
    playout.played.connect(recorder)
    pulled = []
    for block in blocks(6):
        playout.push(block)
        pulled.append(playout.pull(FRAME_SAMPLES))
        playout.volume = 0.5
    recorder.close()
    assert np.array_equal(read_wav(path)[1], np.concatenate(pulled))  # silence, volume and all


def test_close_is_idempotent_and_later_blocks_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "rec.wav"
    recorder = WavRecorder(path)
    block = blocks(1)[0]
    recorder(block)
    recorder.close()
    recorder.close()
    recorder(blocks(1, seed=5)[0])  # an output still running after close must not break anything
    recorder.flush()
    recorder.close()
    params, data = read_wav(path)
    assert params.nframes == FRAME_SAMPLES
    assert np.array_equal(data, block)


def test_empty_recording_is_a_valid_wav(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    WavRecorder(path).close()
    params, data = read_wav(path)
    assert (params.nchannels, params.framerate, params.nframes) == (2, 48000, 0)
    assert data.shape == (0, CHANNELS)


# CPython 3.11's wave.Wave_write.__del__ trips over its own failed __init__ (no `_file` yet): stdlib noise.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("where", ["missing-dir", "is-a-dir", "under-a-file"])
def test_unwritable_path_is_an_oserror_naming_the_path(tmp_path: Path, where: str) -> None:
    if where == "missing-dir":
        path = tmp_path / "no" / "such" / "dir" / "rec.wav"
    elif where == "is-a-dir":
        path = tmp_path / "a-directory.wav"
        path.mkdir()
    else:
        (tmp_path / "plain-file").write_text("x")
        path = tmp_path / "plain-file" / "rec.wav"
    with pytest.raises(OSError) as info:
        WavRecorder(path)
    message = str(info.value)
    del info  # its traceback keeps the half-built wave writer alive; let it die here, under this test's filter
    gc.collect()
    assert str(path) in message
    assert "cannot write recording" in message
