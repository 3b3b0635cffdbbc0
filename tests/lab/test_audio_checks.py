"""The recording judges on synthetic signals: they must see a fade, a cut, a dip, a skip; a clean tone is clean."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tests.lab.audio_checks import (
    FADE_MIN_MS,
    WINDOW,
    OutputClock,
    Sweep,
    content_skipped_s,
    content_times,
    gap_ramps,
    judge,
    level_dips,
    sag_windows,
    tone_level,
    wrap,
)
from tests.support.analysis import frame_rms
from tests.support.rtp_source import ToneSynth

SR = 48000


def tone(seconds: float, freq: float = 440.0, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    x = np.sin(2 * np.pi * freq * t + phase) * 0.3 * 32767
    return np.repeat(x[:, None], 2, axis=1)


def pcm16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def test_a_clean_tone_after_a_silent_join_has_no_gap_click_or_dip() -> None:
    pcm = pcm16(np.concatenate([np.zeros((SR // 2, 2)), tone(2.0)]))
    heard = judge(pcm)
    assert heard.gaps == [] and heard.clicks == [] and heard.dips == []
    assert heard.seconds == pytest.approx(2.0, abs=0.011)
    assert heard.level_dbfs == pytest.approx(-13.5, abs=0.2)


def test_faded_gap_is_one_gap_with_ramps_and_no_click() -> None:
    a, b = tone(1.0), tone(1.0, phase=1.0)
    fade = 20 * SR // 1000
    a[-fade:] *= np.linspace(1, 0, fade)[:, None]
    b[:fade] *= np.linspace(0, 1, fade)[:, None]
    pcm = pcm16(np.concatenate([a, np.zeros((SR // 2, 2)), b]))
    heard = judge(pcm)
    assert len(heard.gaps) == 1 and heard.clicks == []
    assert heard.gaps[0][1] == pytest.approx(500, abs=30)
    ramps = gap_ramps(pcm, heard.gaps[0])
    assert ramps.out_ms >= FADE_MIN_MS and ramps.in_ms >= FADE_MIN_MS


def test_cut_gap_has_clicks_and_no_ramps() -> None:
    pcm = pcm16(np.concatenate([tone(1.0, phase=0.5), np.zeros((SR // 2, 2)), tone(1.0, phase=2.0)]))
    heard = judge(pcm)
    assert len(heard.gaps) == 1
    assert heard.clicks, "a cut from a full-level tone to silence is a click"
    ramps = gap_ramps(pcm, heard.gaps[0])
    assert ramps.out_ms < FADE_MIN_MS and ramps.in_ms < FADE_MIN_MS


def test_a_sag_is_a_dip_not_a_gap() -> None:
    x = tone(1.0)
    x[SR // 2 : SR // 2 + 1440] *= 0.2  # 30 ms at −14 dB (step edges are clicks too, fine)
    heard = judge(pcm16(x))
    assert heard.gaps == []
    assert level_dips(pcm16(x)) and abs(level_dips(pcm16(x))[0][1] - 30) <= 10


def test_a_sag_is_audible_and_a_gap_inside_it_counts_once() -> None:
    x = tone(2.0)
    x[SR // 2 : SR // 2 + 1440] *= 10 ** (-10 / 20)  # 30 ms at −10 dB, on the 10 ms grid
    x[SR : SR + 2400] *= 0.1  # 50 ms at −20 dB …
    x[SR + 960 : SR + 1440] = 0  # … with 10 ms of silence inside
    heard = judge(pcm16(np.concatenate([np.zeros((SR // 4, 2)), x])))
    assert heard.audible == [(500.0, 30.0), (1000.0, 50.0)], heard.describe()
    assert heard.audible_ms == 80.0 and heard.gap_ms == 10.0
    assert "80 ms audible" in heard.describe()


def test_a_slow_change_of_the_tone_level_is_no_sag_but_a_sudden_one_is() -> None:
    x = tone(6.0)
    x *= np.geomspace(1.0, 10 ** (-20 / 20), len(x))[:, None]  # −20 dB over 6 s: 0.17 dB per 50 ms
    assert judge(pcm16(x)).audible_ms == 0.0
    assert level_dips(pcm16(x)), "the old rule (one level for the whole recording) calls the slow fade a dip"
    x[3 * SR : 3 * SR + 960] *= 0.45  # 20 ms at −7 dB
    flagged = np.flatnonzero(sag_windows(pcm16(x)))
    assert flagged.tolist() == [300, 301]


def test_the_joins_fade_in_is_not_audible_but_a_sag_right_after_it_is() -> None:
    x = tone(1.0)
    x[:960] *= np.linspace(0, 1, 960)[:, None]  # the join's 20 ms fade-in
    assert judge(pcm16(x)).audible == []
    x[1440:1920] *= 0.3  # the window after ONSET_MS
    assert judge(pcm16(x)).audible == [(30.0, 10.0)]


def test_output_clock_maps_samples_to_pull_times() -> None:
    clock = OutputClock()
    clock.times, clock.starts, clock.total = [10.0, 10.02, 10.10], [0, 960, 1920], 2880
    assert clock.time_at(0) == 10.0
    assert clock.time_at(1000) == pytest.approx(10.02 + 40 / SR)
    assert clock.index_at(10.05) == 1920
    assert clock.index_at(11.0) == 2880


def test_content_time_of_a_sweep_shows_a_skip_and_ignores_slow_play() -> None:
    sweep = Sweep(300.0, 900.0, 60.0)
    synth = ToneSynth(300.0, sweep_to=900.0, sweep_period=60.0)
    frames = [synth.frame() for _ in range(50 * 6)]  # 6 s
    pcm = np.concatenate(frames[:100] + frames[150:])  # content 2.0–3.0 s skipped
    centres, times = content_times(pcm, sweep)
    ok = ~np.isnan(times)
    assert ok.mean() > 0.9
    t_out = centres / SR
    residual = times[ok] - t_out[ok]
    assert np.median(residual[t_out[ok] < 1.9]) == pytest.approx(0.0, abs=0.003)
    assert np.median(residual[t_out[ok] > 2.1]) == pytest.approx(1.0, abs=0.003)
    assert wrap(59.5 - 0.5, 60.0) == pytest.approx(-1.0)


def _sweep_frames(seconds: float) -> list[np.ndarray]:
    synth = ToneSynth(300.0, sweep_to=900.0, sweep_period=60.0)
    return [synth.frame() for _ in range(int(seconds * 50))]


def _quiet_between(pcm: np.ndarray) -> Callable[[float, float], float]:
    rms = frame_rms(pcm, WINDOW)
    quiet = rms < tone_level(pcm) * 10 ** (-10 / 20)

    def gap(a: float, b: float) -> float:
        return float(quiet[int(a * SR) // WINDOW : int(b * SR) // WINDOW].sum()) * WINDOW / SR

    return gap


SWEEP = Sweep(300.0, 900.0, 60.0)


def test_content_skipped_by_a_splice_without_a_gap() -> None:
    frames = _sweep_frames(6)
    pcm = np.concatenate(frames[:100] + frames[125:])  # 0.5 s of content cut out, output continuous
    assert content_skipped_s(pcm, SWEEP, _quiet_between(pcm)) == pytest.approx(0.5, abs=0.02)


def test_content_skipped_during_a_gap_that_kept_up_with_the_source() -> None:
    frames = _sweep_frames(6)
    silent = [np.zeros_like(f) for f in frames[100:130]]
    pcm = np.concatenate(frames[:100] + silent + frames[130:])  # 0.6 s of silence, live content after it
    assert content_skipped_s(pcm, SWEEP, _quiet_between(pcm)) == pytest.approx(0.6, abs=0.03)


def test_a_pause_that_loses_nothing_skips_nothing_and_neither_does_slow_play() -> None:
    frames = _sweep_frames(6)
    silent = [np.zeros_like(frames[0]) for _ in range(30)]
    pcm = np.concatenate(frames[:100] + silent + frames[100:])  # 0.6 s pause, content resumes where it stopped
    assert content_skipped_s(pcm, SWEEP, _quiet_between(pcm)) == pytest.approx(0.0, abs=0.02)
    # 5 % slow: every 20th frame played twice (phase-continuous enough for the estimator to follow)
    slow = np.concatenate([f for i, f in enumerate(frames) for _ in range(2 if i % 20 == 0 else 1)])
    assert content_skipped_s(slow, SWEEP, _quiet_between(slow)) <= 0.02


def test_content_time_of_a_leaping_sweep() -> None:
    sweep = Sweep(400.0, 1000.0, 60.0, leap=2.5)
    synth = ToneSynth(400.0, sweep_to=1000.0, sweep_period=60.0, leap=2.5)
    frames = [synth.frame() for _ in range(50 * 6)]
    pcm = np.concatenate(frames[:100] + frames[125:])  # 0.5 s cut out
    centres, times = content_times(pcm, sweep)
    ok = ~np.isnan(times)
    assert ok.mean() > 0.7  # windows across a leap are dropped
    residual = times[ok] - centres[ok] / SR
    t_out = centres[ok] / SR
    assert np.median(residual[t_out < 1.9]) == pytest.approx(0.0, abs=0.005)
    assert np.median(residual[t_out > 2.1]) == pytest.approx(0.5, abs=0.005)
    assert content_skipped_s(pcm, sweep, _quiet_between(pcm)) == pytest.approx(0.5, abs=0.02)
    assert not sweep.plausible(995.0) and sweep.plausible(700.0) and sweep.plausible(2000.0)
