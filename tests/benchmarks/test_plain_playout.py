"""The playout stage on a virtual clock: what goes in comes out, once, in order, at the output's pace."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from app.media import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE
from app.media.output import ClockOutput
from benchmarks.plain_receiver import PlayoutBuffer

TICK_MS = 20  # one FRAME_SAMPLES block of output time
PREFETCH_FRAMES = 3  # the default prefetch (60 ms) in 20 ms frames


# ---------------------------------------------------------------------------------------------- signals
def ramp(start: int, n: int) -> np.ndarray:
    """Samples `start..start+n` of a never-zero, never-repeating test signal (int16 stereo)."""
    index = np.arange(start, start + n, dtype=np.int64)
    left = index % 32000 + 1
    right = -(index // 32000) - 1
    return np.stack([left, right], axis=1).astype(np.int16)


def ramp_index(block: np.ndarray) -> np.ndarray:
    """Inverse of `ramp` (for non-silent samples)."""
    return (block[:, 0].astype(np.int64) - 1) + 32000 * (-block[:, 1].astype(np.int64) - 1)


def tone(n: int, amplitude: float = 16000.0, freq: float = 440.0) -> np.ndarray:
    t = np.arange(n) / SAMPLE_RATE
    mono = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    return np.repeat(mono[:, None], CHANNELS, axis=1)


def rms(block: np.ndarray) -> float:
    return float(np.sqrt(np.mean(block.astype(np.float64) ** 2)))


# ---------------------------------------------------------------------------------------------- harness
class VirtualClockHarness:
    """Drive a PlayoutBuffer on virtual time.

    Every 20 ms tick: first the producer's frames due by now are pushed (in due order), then the output pulls
    one 960-sample block, as a device clock would. No wall clock is involved.
    """

    def __init__(self, playout: PlayoutBuffer) -> None:
        self.playout = playout
        self.now_ms = 0.0
        self._due: list[tuple[float, int, np.ndarray]] = []
        self._order = itertools.count()
        self.blocks: list[np.ndarray] = []
        self.pushed: list[np.ndarray] = []

    def push_at(self, at_ms: float, pcm: np.ndarray) -> None:
        heapq.heappush(self._due, (at_ms, next(self._order), pcm))

    def schedule(self, arrivals: Iterator[tuple[float, np.ndarray]] | list[tuple[float, np.ndarray]]) -> None:
        for at_ms, pcm in arrivals:
            self.push_at(at_ms, pcm)

    def tick(self) -> np.ndarray:
        while self._due and self._due[0][0] <= self.now_ms:
            _at, _order, pcm = heapq.heappop(self._due)
            self.playout.push(pcm)
            self.pushed.append(pcm)
        block = self.playout.pull(FRAME_SAMPLES)
        self.blocks.append(block)
        self.now_ms += TICK_MS
        return block

    def run(self, ticks: int) -> None:
        for _ in range(ticks):
            self.tick()

    def run_until_idle(self, extra_ticks: int = 0) -> None:
        while self._due:
            self.tick()
        self.run(extra_ticks)

    @property
    def output(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros((0, CHANNELS), np.int16)

    @property
    def input(self) -> np.ndarray:
        return np.concatenate(self.pushed) if self.pushed else np.zeros((0, CHANNELS), np.int16)


def silent_blocks(blocks: list[np.ndarray]) -> list[bool]:
    return [not block.any() for block in blocks]


def frames_every_tick(first: int, count: int, start_ms: float) -> list[tuple[float, np.ndarray]]:
    return [(start_ms + i * TICK_MS, ramp((first + i) * FRAME_SAMPLES, FRAME_SAMPLES)) for i in range(count)]


# ---------------------------------------------------------------------------------------------- producers
def steady(frames: int) -> list[tuple[float, np.ndarray]]:
    return frames_every_tick(0, frames, 0.0)


def jittered(frames: int, max_late_ms: float = 35.0, seed: int = 1) -> list[tuple[float, np.ndarray]]:
    """Each frame late by 0..max_late_ms, arrival order kept (reordering is not playout's job)."""
    rng = random.Random(seed)
    arrivals: list[tuple[float, np.ndarray]] = []
    due = 0.0
    for k in range(frames):
        due = max(due, k * TICK_MS + rng.uniform(0, max_late_ms))
        arrivals.append((due, ramp(k * FRAME_SAMPLES, FRAME_SAMPLES)))
    return arrivals


def late_bursts(frames: int) -> list[tuple[float, np.ndarray]]:
    """Every 5th frame is held back 20 ms and arrives together with the next one (a burst of two)."""
    arrivals: list[tuple[float, np.ndarray]] = []
    for k in range(frames):
        at = (k + 1) * TICK_MS if k % 5 == 0 else k * TICK_MS
        arrivals.append((at, ramp(k * FRAME_SAMPLES, FRAME_SAMPLES)))
    return arrivals


def odd_chunks(total: int) -> list[tuple[float, np.ndarray]]:
    """Chunks of sizes unrelated to the output block, each arriving when its last sample is 'produced'."""
    arrivals: list[tuple[float, np.ndarray]] = []
    start = 0
    for size in itertools.cycle([700, 1220, 480, 1440, 1]):
        if start >= total:
            break
        size = min(size, total - start)
        arrivals.append(((start + size) * 1000 / SAMPLE_RATE, ramp(start, size)))
        start += size
    return arrivals


# ---------------------------------------------------------------------------------------------- tests
def test_prefetch_before_first_audio() -> None:
    playout = PlayoutBuffer()
    harness = VirtualClockHarness(playout)
    first_audio_at: list[float] = []
    playout.first_audio.connect(lambda: first_audio_at.append(harness.now_ms))
    harness.schedule(steady(10))
    harness.run(PREFETCH_FRAMES + 1)
    assert silent_blocks(harness.blocks) == [True] * (PREFETCH_FRAMES - 1) + [False, False]
    assert np.array_equal(harness.blocks[PREFETCH_FRAMES - 1], ramp(0, FRAME_SAMPLES))
    assert first_audio_at == [(PREFETCH_FRAMES - 1) * TICK_MS]
    assert playout.counters.silence_samples == (PREFETCH_FRAMES - 1) * FRAME_SAMPLES
    assert playout.counters.underruns == 0  # waiting for the prefetch is not an underrun


@pytest.mark.parametrize("prefetch_ms", [20.0, 100.0, 200.0])
def test_prefetch_threshold_is_honoured(prefetch_ms: float) -> None:
    playout = PlayoutBuffer(prefetch_ms=prefetch_ms)
    harness = VirtualClockHarness(playout)
    harness.schedule(steady(20))
    harness.run(15)
    expected_silent = int(prefetch_ms / TICK_MS) - 1
    assert silent_blocks(harness.blocks).index(False) == expected_silent


@pytest.mark.parametrize(
    "producer",
    [
        pytest.param(lambda: steady(150), id="steady"),
        pytest.param(lambda: jittered(150), id="jitter-35ms"),
        pytest.param(lambda: late_bursts(150), id="late-bursts"),
        pytest.param(lambda: odd_chunks(150 * FRAME_SAMPLES), id="odd-chunk-sizes"),
    ],
)
def test_no_sample_lost_or_duplicated_when_the_producer_keeps_up(
    producer: Callable[[], list[tuple[float, np.ndarray]]],
) -> None:
    playout = PlayoutBuffer()
    harness = VirtualClockHarness(playout)
    harness.schedule(producer())
    harness.run_until_idle()
    out = harness.output
    first = int(np.flatnonzero(out[:, 0])[0])
    played = out[first:]
    # Everything after the prefetch is the input, sample for sample: no gap, no repeat, no reorder.
    assert np.array_equal(played, ramp(0, len(played)))
    assert playout.counters.underruns == 0
    assert playout.counters.dropped_samples == 0
    assert playout.counters.played_samples == len(played)
    # What is still buffered is exactly the rest of the input.
    pushed = len(harness.input)
    assert pushed == playout.counters.pushed_samples
    assert pushed - len(played) == round(playout.buffered_ms * SAMPLE_RATE / 1000)
    assert playout.counters.played_samples + playout.counters.silence_samples == len(out)


def test_underrun_is_counted_once_and_plays_silence() -> None:
    playout = PlayoutBuffer()
    harness = VirtualClockHarness(playout)
    harness.push_at(0, ramp(0, 10 * FRAME_SAMPLES + 480))  # 10.5 frames, then nothing
    harness.run(16)
    assert np.array_equal(harness.output[: 10 * FRAME_SAMPLES + 480], ramp(0, 10 * FRAME_SAMPLES + 480))
    assert not harness.output[10 * FRAME_SAMPLES + 480:].any()
    assert playout.counters.underruns == 1
    assert playout.counters.silence_samples == 16 * FRAME_SAMPLES - (10 * FRAME_SAMPLES + 480)
    assert playout.counters.played_samples == 10 * FRAME_SAMPLES + 480


def test_prefetches_again_after_an_underrun() -> None:
    playout = PlayoutBuffer()
    harness = VirtualClockHarness(playout)
    first_audio: list[float] = []
    playout.first_audio.connect(lambda: first_audio.append(harness.now_ms))
    harness.schedule(frames_every_tick(0, 10, 0.0))
    harness.schedule(frames_every_tick(10, 10, 400.0))  # the stream resumes after a 200 ms gap
    harness.run(400 // TICK_MS + PREFETCH_FRAMES - 1 + 10)  # up to the last resumed frame, not past it
    silent = silent_blocks(harness.blocks)
    resume_tick = 400 // TICK_MS
    # Playing, gap, then a fresh prefetch (two silent ticks with audio already arriving) before audio resumes.
    assert silent[resume_tick: resume_tick + PREFETCH_FRAMES] == [True] * (PREFETCH_FRAMES - 1) + [False]
    assert playout.counters.underruns == 1
    # Resumed audio continues exactly where the producer resumed; nothing was lost across the gap.
    played = harness.output[harness.output[:, 0] != 0]
    assert np.array_equal(ramp_index(played), np.arange(len(played)))
    assert len(played) == playout.counters.played_samples
    assert len(first_audio) == 1  # 'first audio' means first, not 'first after each gap'


def test_max_buffer_drops_the_oldest_and_counts_it() -> None:
    playout = PlayoutBuffer(max_ms=100.0)  # 4800 samples = 5 frames
    for k in range(8):
        playout.push(ramp(k * FRAME_SAMPLES, FRAME_SAMPLES))
    assert playout.counters.dropped_samples == 3 * FRAME_SAMPLES
    assert playout.buffered_ms == pytest.approx(100.0)
    out = np.concatenate([playout.pull(FRAME_SAMPLES) for _ in range(5)])
    assert np.array_equal(out, ramp(3 * FRAME_SAMPLES, 5 * FRAME_SAMPLES))  # the newest 100 ms
    assert playout.counters.pushed_samples == 8 * FRAME_SAMPLES


def test_one_block_longer_than_the_cap_keeps_its_newest_part() -> None:
    playout = PlayoutBuffer(max_ms=100.0)  # 4800 samples
    playout.push(ramp(0, 6000))
    assert playout.counters.dropped_samples == 1200
    assert playout.buffered_ms == pytest.approx(100.0)
    assert np.array_equal(playout.pull(4800), ramp(1200, 4800))


def test_a_fast_producer_is_held_to_the_cap() -> None:
    playout = PlayoutBuffer(max_ms=200.0)
    harness = VirtualClockHarness(playout)
    harness.schedule([(k * TICK_MS / 2, ramp(k * FRAME_SAMPLES, FRAME_SAMPLES)) for k in range(200)])  # 2x speed
    harness.run_until_idle()
    assert playout.buffered_ms <= 200.0
    c = playout.counters
    assert c.dropped_samples > 0
    assert c.pushed_samples == c.played_samples + c.dropped_samples + round(playout.buffered_ms * SAMPLE_RATE / 1000)
    played = harness.output[harness.output[:, 0] != 0]
    assert np.all(np.diff(ramp_index(played)) > 0)  # drops only skip ahead: nothing repeats or goes back


@pytest.mark.parametrize("volume", [1.0, 0.5, 0.25, 0.1])
def test_volume_scales_rms(volume: float) -> None:
    playout = PlayoutBuffer(prefetch_ms=0.0)
    signal = tone(4 * FRAME_SAMPLES)
    playout.push(signal)
    playout.volume = volume
    out = np.concatenate([playout.pull(FRAME_SAMPLES) for _ in range(4)])
    assert rms(out) == pytest.approx(volume * rms(signal), rel=0.01)


@pytest.mark.parametrize("volume", [0.0, -0.5])
def test_zero_or_negative_volume_is_silence(volume: float) -> None:
    playout = PlayoutBuffer(prefetch_ms=0.0)
    playout.push(tone(FRAME_SAMPLES))
    playout.volume = volume
    assert not playout.pull(FRAME_SAMPLES).any()


def test_mute_zeroes_the_output_but_time_goes_on() -> None:
    playout = PlayoutBuffer()
    harness = VirtualClockHarness(playout)
    harness.schedule(steady(20))
    harness.run(5)
    playout.muted = True
    harness.run(3)
    playout.muted = False
    harness.run(3)
    assert silent_blocks(harness.blocks[5:8]) == [True, True, True]
    # Muted audio was consumed, not paused: after unmuting the stream is where it would have been.
    after = harness.blocks[8]
    assert np.array_equal(after, ramp((8 - (PREFETCH_FRAMES - 1)) * FRAME_SAMPLES, FRAME_SAMPLES))
    assert playout.counters.underruns == 0
    assert playout.counters.played_samples == (11 - (PREFETCH_FRAMES - 1)) * FRAME_SAMPLES


def test_taps_receive_exactly_the_pulled_blocks() -> None:
    playout = PlayoutBuffer()
    harness = VirtualClockHarness(playout)
    tapped: list[np.ndarray] = []
    other: list[np.ndarray] = []

    def tap(block: np.ndarray) -> None:
        tapped.append(block.copy())

    playout.played.connect(tap)
    playout.played.connect(other.append)
    harness.schedule(jittered(30))
    playout.volume = 0.5
    harness.run(20)
    playout.muted = True
    harness.run(5)
    playout.played.disconnect(tap)
    playout.played.disconnect(tap)  # removing twice is harmless
    harness.run(5)
    assert len(tapped) == 25
    assert all(np.array_equal(a, b) for a, b in zip(tapped, harness.blocks[:25], strict=True))
    assert len(other) == 30
    assert all(np.array_equal(a, b) for a, b in zip(other, harness.blocks, strict=True))


def test_first_audio_callbacks_fire_once() -> None:
    playout = PlayoutBuffer()
    harness = VirtualClockHarness(playout)
    calls: list[str] = []
    playout.first_audio.connect(lambda: calls.append("a"))
    playout.first_audio.connect(lambda: calls.append("b"))
    harness.run(5)
    assert calls == []  # silence is not audio
    harness.schedule(frames_every_tick(0, 5, harness.now_ms))
    harness.run(20)
    playout.reset()
    harness.schedule(frames_every_tick(5, 5, harness.now_ms))
    harness.run(10)
    assert calls == ["a", "b"]


def test_first_audio_fires_after_the_block_is_ready() -> None:
    playout = PlayoutBuffer(prefetch_ms=0.0)
    seen: list[int] = []
    playout.played.connect(lambda block: seen.append(len(block)))
    playout.first_audio.connect(lambda: seen.append(-1))
    playout.push(ramp(0, FRAME_SAMPLES))
    playout.pull(FRAME_SAMPLES)
    assert seen == [FRAME_SAMPLES, -1]


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((960, 2), np.float32),
        np.zeros((960, 2), np.int32),
        np.zeros((960, 2), np.uint16),
        np.zeros(1920, np.int16),
        np.zeros((960, 1), np.int16),
        np.zeros((960, 3), np.int16),
        np.zeros((2, 960), np.int16),
        np.zeros((960, 2, 1), np.int16),
    ],
    ids=["float32", "int32", "uint16", "flat", "mono", "three-channels", "transposed", "3d"],
)
def test_push_rejects_wrong_dtype_or_shape(bad: np.ndarray) -> None:
    playout = PlayoutBuffer()
    with pytest.raises(ValueError, match="int16"):
        playout.push(bad)
    assert playout.counters.pushed_samples == 0
    assert playout.buffered_ms == 0.0


@pytest.mark.parametrize("n", [1, 441, FRAME_SAMPLES, 1024, 4800])
@pytest.mark.parametrize("with_audio", [False, True])
def test_pull_returns_exactly_n_int16_stereo_samples(n: int, with_audio: bool) -> None:
    playout = PlayoutBuffer(prefetch_ms=0.0)
    if with_audio:
        playout.push(ramp(0, 700))
    block = playout.pull(n)
    assert block.shape == (n, CHANNELS)
    assert block.dtype == np.int16
    if with_audio:
        assert np.array_equal(block[: min(n, 700)], ramp(0, min(n, 700)))


def test_reset_forgets_buffered_audio_and_prefetches_again() -> None:
    playout = PlayoutBuffer()
    playout.push(ramp(0, 10 * FRAME_SAMPLES))
    assert playout.pull(FRAME_SAMPLES).any()
    playout.reset()
    assert playout.buffered_ms == 0.0
    playout.push(ramp(50_000, FRAME_SAMPLES))
    assert not playout.pull(FRAME_SAMPLES).any()  # below the prefetch again
    playout.push(ramp(50_000 + FRAME_SAMPLES, 2 * FRAME_SAMPLES))
    assert np.array_equal(playout.pull(FRAME_SAMPLES), ramp(50_000, FRAME_SAMPLES))


# ---------------------------------------------------------------------------------------------- ClockOutput
class FakeClock:
    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


async def _until(condition: Callable[[], bool], timeout: float = 1.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - ClockOutput has no event to wait on; poll its counter
            await asyncio.sleep(0.001)


async def _idle_ticks(n: int = 5) -> None:
    """Give the output's loop (tick=1 ms) a few real turns."""
    for _ in range(n):
        await asyncio.sleep(0.002)


@pytest.mark.parametrize("start", [0.0, 12345.678])
async def test_clock_output_pulls_what_virtual_time_says(start: float) -> None:
    clock = FakeClock(start)
    requests: list[int] = []

    def pull(n: int) -> np.ndarray:
        requests.append(n)
        return np.zeros((n, CHANNELS), np.int16)

    output = ClockOutput(pull, clock=clock, tick=0.001)
    await output.start()
    try:
        await _idle_ticks()
        assert output.samples_pulled == 0  # no virtual time has passed, however long we wait
        for elapsed, blocks in [(0.0105, 0), (0.0205, 1), (0.1105, 5), (0.1195, 5), (1.0005, 50), (10.0005, 500)]:
            clock.now = start + elapsed
            target = blocks * FRAME_SAMPLES
            await _until(lambda: output.samples_pulled >= target)  # noqa: B023 - awaited in this iteration
            await _idle_ticks()
            assert output.samples_pulled == blocks * FRAME_SAMPLES, elapsed
        assert requests == [FRAME_SAMPLES] * 500
        assert output.samples_pulled == len(requests) * FRAME_SAMPLES
    finally:
        await output.close()


async def test_clock_output_stops_pulling_when_closed() -> None:
    clock = FakeClock()
    pulls: list[int] = []

    def pull(n: int) -> np.ndarray:
        pulls.append(n)
        return np.zeros((n, CHANNELS), np.int16)

    output = ClockOutput(pull, clock=clock, tick=0.001)
    await output.start()
    await output.start()  # idempotent: one loop, not two
    await _idle_ticks()  # the loop reads its start time when it first runs
    clock.now = 0.1005
    await _until(lambda: len(pulls) >= 5)
    await _idle_ticks()
    assert len(pulls) == 5
    await output.close()
    await output.close()
    clock.now = 1.0
    await _idle_ticks()
    assert len(pulls) == 5


async def test_clock_output_drives_a_playout_end_to_end() -> None:
    clock = FakeClock()
    playout = PlayoutBuffer()
    played: list[np.ndarray] = []
    playout.played.connect(played.append)
    for k in range(15):
        playout.push(ramp(k * FRAME_SAMPLES, FRAME_SAMPLES))
    output = ClockOutput(playout.pull, clock=clock, tick=0.001)
    await output.start()
    try:
        await _idle_ticks()
        clock.now = 0.2005  # 10 blocks of virtual time
        await _until(lambda: output.samples_pulled >= 10 * FRAME_SAMPLES)
        await _idle_ticks()
    finally:
        await output.close()
    assert np.array_equal(np.concatenate(played), ramp(0, 10 * FRAME_SAMPLES))
    assert playout.buffered_ms == pytest.approx(5 * TICK_MS)
