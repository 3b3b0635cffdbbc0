"""The speech judge on the demo room's audio through Opus: clean, stretched and skipped play is clean; a dropout,
a sag, a click and an outage are found where they are."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.media.opus import OpusStreamDecoder
from app.media.sources import decode_file
from app.media.stretch import accelerate, expand, find_period
from tests.lab.speech_checks import SpeechHeard, judge_against_source, levels_db
from tests.support.analysis import read_wav
from tests.support.rtp_source import FileSynth, make_encoder

SR = 48000
DEMO = "resources/audio/demo-room.ogg"
LEAD = SR // 2  # the listener's silence before its first sound
FAULT_SETTINGS = settings(max_examples=3, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])


@functools.cache
def source() -> np.ndarray:
    return decode_file(DEMO)


@functools.cache
def coded() -> np.ndarray:
    """Two loops of the demo through the feed's Opus encoder and the listener's decoder (float, stereo)."""
    synth, encoder, decoder = FileSynth(DEMO), make_encoder(), OpusStreamDecoder()
    frames = int(2 * synth.seconds / 0.02)
    pcm = [decoder.decode(encoder.encode(synth.frame().tobytes(), 960)) for _ in range(frames)]  # type: ignore[attr-defined]
    return np.concatenate(pcm).astype(np.float64)


@functools.cache
def steady_speech() -> np.ndarray:
    """Sample positions (in the coded demo) in the middle of speech: > −30 dBFS and within 3 dB over ±50 ms."""
    level = levels_db(coded())
    ok = [i for i in range(300, 1800) if level[i] > -30 and np.ptp(level[i - 5 : i + 6]) < 3]
    return np.array(ok) * 480


def listen(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(np.concatenate((np.zeros((LEAD, 2)), x))), -32768, 32767).astype(np.int16)


def first_sound_offset(x: np.ndarray) -> int:
    """Where `x` starts in the judged part of its recording (which starts at the first sound's window)."""
    level = levels_db(listen(x))
    return LEAD - int(np.flatnonzero(level >= -50)[0]) * 480


def judged(x: np.ndarray) -> SpeechHeard:
    return judge_against_source(listen(x), source())


def at(heard: SpeechHeard, sample: int, length_ms: float) -> list[tuple[float, float]]:
    """The audible runs within 20 ms of a fault at `sample` (of the coded demo, which starts with the chime's
    first window: the judged part starts there too) lasting `length_ms`."""
    ms = sample * 1000 / SR
    return [(s, n) for s, n in heard.audible if s + n >= ms - 20 and s <= ms + length_ms + 20]


def test_clean_play_through_opus_is_clean() -> None:
    # (No timed assertion: it failed on a loaded 2-core machine at 1.06 s for the 1.0 s bar; the judge's speed,
    # ~0.5 s per 20 s unloaded, is a property of the suite's run time, not of the product.)
    x = coded()[int(3.3 * SR) : int(3.3 * SR) + 20 * SR]  # joins mid-loop, crosses the loop's end
    heard = judged(x)
    assert heard.audible == [] and heard.clicks == [] and heard.jumps == 0, heard.describe()
    assert heard.seconds == pytest.approx(20.0, abs=0.05)


def stretched(x: np.ndarray, pause: int, voiced: int, every: int = 4) -> np.ndarray:
    """The playout's stretch, simulated: pauses (< −50 dBFS) by `pause` (+1: 2×, −1: ×0.5), every `every`-th
    voiced 20 ms block by one pitch period (`voiced` +1 longer, −1 shorter)."""
    out, pos, block = [], 0, 960
    while pos + 2 * block <= len(x):
        seg = x[pos : pos + block]
        quiet = np.sqrt(np.mean(seg[:, 0] ** 2)) < 32768 * 10 ** (-50 / 20)
        if quiet and pause:
            out.append(expand(seg, block // 2) if pause > 0 else accelerate(seg, block // 4))
        elif not quiet and voiced and (pos // block) % every == 0:
            both = x[pos : pos + 2 * block]
            lag, _ = find_period(both)
            out.append(expand(both, lag) if voiced > 0 else accelerate(both, lag))
            pos += block
        else:
            out.append(seg)
        pos += block
    return np.concatenate(out)


@pytest.mark.parametrize(("pause", "voiced", "every"), [(1, 1, 4), (0, -1, 4), (-1, 1, 3)])
def test_stretched_pauses_and_pitch_periods_are_not_audible(pause: int, voiced: int, every: int) -> None:
    x = coded()[int(5.0 * SR) : int(15.0 * SR)]
    y = stretched(x, pause, voiced, every)
    assert abs(len(y) / len(x) - 1) > 0.05  # it did stretch
    heard = judged(y)
    assert heard.audible == [] and heard.clicks == [], heard.describe()


@FAULT_SETTINGS
@given(st.integers(0, 10**6))
def test_a_20_ms_dropout_in_speech_is_found_where_it_is(seed: int) -> None:
    spots = steady_speech()
    p = int(spots[seed % len(spots)]) + seed % 480  # anywhere on the sample grid
    x = coded().copy()
    x[p : p + 960] = 0
    heard = judged(x[: p + 4 * SR])
    assert heard.audible, heard.describe()
    runs = at(heard, p, 20)
    assert runs == heard.audible and 10 <= heard.audible_ms <= 30, (p, heard.describe())


@FAULT_SETTINGS
@given(st.integers(0, 10**6))
def test_a_30_ms_sag_of_10_db_in_speech_is_found_where_it_is(seed: int) -> None:
    spots = steady_speech()
    p = int(spots[seed % len(spots)]) + seed % 480
    x = coded().copy()
    x[p : p + 1440] *= 10 ** (-10 / 20)
    heard = judged(x[: p + 4 * SR])
    runs = at(heard, p, 30)
    assert runs == heard.audible and 10 <= heard.audible_ms <= 40, (p, heard.describe())  # ± a window an edge


@FAULT_SETTINGS
@given(st.integers(0, 10**6))
def test_a_1_ms_step_click_in_speech_is_a_click_the_source_has_not(seed: int) -> None:
    spots = steady_speech()
    p = int(spots[seed % len(spots)]) + seed % 480
    x = coded().copy()
    x[p : p + 48] += 8000.0
    heard = judged(x[: p + 4 * SR])
    assert heard.clicks and all(abs(c - (first_sound_offset(x) + p)) <= 60 for c in heard.clicks), (p, heard.describe())
    assert heard.audible == [], heard.describe()




@FAULT_SETTINGS
@given(st.integers(0, 10**6))
def test_a_skipped_second_spliced_with_a_cross_fade_is_not_audible(seed: int) -> None:
    p = int(2 * SR + seed % (14 * SR))
    x, fade = coded(), 480
    ramp = np.linspace(0, 1, fade)[:, None]
    splice = x[p : p + fade] * (1 - ramp) + x[p + SR : p + SR + fade] * ramp
    y = np.concatenate((x[:p], splice, x[p + SR + fade : p + 5 * SR]))
    heard = judged(y)
    assert heard.audible == [] and heard.clicks == [], (p, heard.describe())


RECORDED_SKIP = Path(__file__).parent / "recordings" / "skip_into_fricative.wav"


@pytest.mark.parametrize("click", [False, True])
def test_a_skip_out_of_a_pause_into_a_fricative_is_judged_on_the_content_it_lands_in(click: bool) -> None:
    """2 s a lab listener played (9.0–11.0 s of test_first_seconds_lab's speech run, December 2026): the blackout's
    skip leaves a stretched pause for the fricative at 9.05 s of the demo audio, cross-faded over 10 ms. The
    alignment placed its jump 2 windows late, so the fricative's first edges were compared with the faint onset
    before the jump in the source: 7 "clicks" where the playout had spliced cleanly. A real click right after the
    jump still counts."""
    x = read_wav(RECORDED_SKIP).astype(np.float64)
    x = np.repeat(x, 2, axis=1)
    if click:
        p = int(0.83 * SR)  # 10 ms into the fricative
        x[p : p + 48] += 8000.0
    heard = judged(x)
    assert heard.jumps >= 1, heard.describe()
    assert bool(heard.clicks) == click, heard.describe()


def test_a_new_stream_that_lands_in_a_pause_is_that_pause() -> None:
    """1.5 s the playout made in an offline run of the lab's fault schedule (December 2026): the kill's new stream
    starts in a pause of the source (windows 1392–1400), so 30 ms of silence follow the splice. The alignment put
    the jump after the silence, judging it a gap in the loud content before the jump (40 ms "audible"); a silence
    at a jump is judged against either side."""
    x = read_wav(Path(__file__).parent / "recordings" / "kill_into_pause.wav").astype(np.float64)
    heard = judged(np.repeat(x, 2, axis=1))
    assert heard.jumps >= 1 and heard.audible == [] and heard.clicks == [], heard.describe()


@pytest.mark.parametrize("dropout", [False, True])
def test_a_re_entry_after_a_pause_is_aligned_where_it_fits(dropout: bool) -> None:
    """2 s a lab listener played in CI (2026-12-03, 16.5–18.5 s after its first sound): after the kill, the new
    stream re-enters from a pause at source window 1580; the alignment put it at 1601–1604, warped to fit, and
    compared 20 ms with another syllable ("sag"). A 20 ms dropout just after the re-entry still counts."""
    x = read_wav(Path(__file__).parent / "recordings" / "kill_reentry.wav").astype(np.float64)
    if dropout:
        p = int(0.90 * SR)
        x[p : p + SR // 50] = 0.0
    heard = judged(np.repeat(x, 2, axis=1))
    assert bool(heard.audible) == dropout, heard.describe()
    assert heard.clicks == [] or dropout, heard.describe()


def test_an_outage_with_comfort_noise_is_audible_and_the_alignment_recovers_after_it() -> None:
    x = coded()
    p, down = int(spots_at(4.0)), 2 * SR
    fade = np.linspace(1, 0, 480)[:, None]
    noise = np.random.default_rng(1).normal(0, 32768 * 10 ** (-60 / 20), (down, 1)).repeat(2, axis=1)
    # the playout fades out, plays comfort noise, then fades in on live content (the outage's content skipped)
    y = np.concatenate((x[:p], x[p : p + 480] * fade, noise, x[p + down + 480 : p + down + 960] * fade[::-1],
                        x[p + down + 960 : p + down + 8 * SR]))
    heard = judged(y)
    start_ms, end_ms = p * 1000 / SR, (p + down + 960) * 1000 / SR
    assert all(start_ms - 20 <= s and s + n <= end_ms + 20 for s, n in heard.audible), heard.describe()
    assert 1000 <= heard.audible_ms <= 2030, heard.describe()  # the skipped content's own pauses may be excused
    assert heard.clicks == [], heard.describe()


def spots_at(seconds: float) -> int:
    """The first steady-speech position at or after `seconds`."""
    spots = steady_speech()
    return int(spots[np.searchsorted(spots, seconds * SR)])
