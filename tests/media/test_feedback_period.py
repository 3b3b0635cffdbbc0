"""The feedback guard on a stage's loop: growth a round trip at a time (app.media.feedback_period), and the echo of
what we play (feedback.ECHO). Offline two-room loops: tests/media/feedback_stage_loop.py; on a real stage:
tests/stage/test_feedback_lab.py; the sweep: benchmarks/feedback_stage_loop.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from app.media.feedback_growth import HISTORY
from app.media.feedback_period import LAGS, RISE_DB, rising_tracks, round_trip_growth
from tests.media.feedback_stage_loop import run_stage_loop


def pulsed(lag: int, rise_db: float, rng: np.random.Generator) -> np.ndarray:
    """A loop's level history: one round trip's pulses (syllables ringing), repeated `rise_db` louder each time."""
    shape = -60 + 15 * np.abs(np.sin(np.linspace(0, 3 * np.pi, lag))) + rng.normal(0, 0.5, lag)
    reps = -(-HISTORY // lag)
    return np.concatenate([shape + k * rise_db for k in range(reps)])[-HISTORY:]


@pytest.mark.parametrize("lag", [15, 26, 33])
def test_a_level_that_repeats_itself_louder_each_round_trip_is_found_at_its_round_trip(lag: int) -> None:
    levels = pulsed(lag, 8.0, np.random.default_rng(lag))
    tonal = np.ones(HISTORY)
    assert rising_tracks(levels[None, :], tonal[None, :], [HISTORY]) == [True]
    found = round_trip_growth(levels, tonal, HISTORY)
    assert found is not None and found[0] in (lag, 2 * lag) and found[1] == pytest.approx(8.0 * found[0] / lag, abs=1)


def test_a_steady_swell_a_ringing_that_does_not_grow_and_a_young_track_are_not() -> None:
    """A straight line in dB has no pulses (the steady windows judge it); pulses that repeat at the same level do
    not grow; three round trips must fit the history."""
    tonal = np.ones(HISTORY)
    assert round_trip_growth(np.linspace(-80, -20, HISTORY), tonal, HISTORY) is None
    assert round_trip_growth(pulsed(26, 0.0, np.random.default_rng(1)), tonal, HISTORY) is None
    assert round_trip_growth(pulsed(26, 8.0, np.random.default_rng(1)), tonal, 3 * LAGS[0] - 1) is None
    assert round_trip_growth(pulsed(26, RISE_DB / 2, np.random.default_rng(1)), tonal, HISTORY) is None
    gone = tonal.copy()
    gone[-1] = 0.0
    assert round_trip_growth(pulsed(26, 8.0, np.random.default_rng(1)), gone, HISTORY) is None


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, HISTORY, elements=st.floats(-200, 10)), arrays(np.float64, HISTORY, elements=st.sampled_from(
    [0.0, 1.0])), st.integers(0, HISTORY))
def test_any_history_gives_an_answer(levels: np.ndarray, tonal: np.ndarray, count: int) -> None:
    found = round_trip_growth(levels, tonal, count)
    rising = rising_tracks(levels[None, :], tonal[None, :], [count])
    assert len(rising) == 1 and (found is None or rising == [True])
    assert found is None or (found[0] in LAGS and 3 * found[0] <= count and np.isfinite(found[1]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(int(LAGS[0]), int(LAGS[-1])), st.floats(0.0, 12.0), st.floats(0.0, 20.0),
                          st.integers(0, 8), st.integers(0, 2**16), st.integers(0, HISTORY)), min_size=1, max_size=8))
def test_tracks_are_judged_alone_when_checked_together(loops: list[tuple[int, float, float, int, int, int]]) -> None:
    """All tracks share one array and its strided views: each track's answer is the one it gets alone."""
    rows = [masked_loop(*loop[:5]) for loop in loops]
    levels, tonal = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    counts = [loop[5] for loop in loops]
    assert rising_tracks(levels, tonal, counts) == [
        rising_tracks(levels[i : i + 1], tonal[i : i + 1], counts[i : i + 1])[0] for i in range(len(loops))]
    assert rising_tracks(levels[:0], tonal[:0], []) == []


# A masked loop the pre-check before (each round trip's own mask) rejected, the exact test finding it
PINNED = (27, 2.191491195125691, 9.773146662526294, 6, 1292)


def masked_loop(lag: int, rise_db: float, depth: float, runs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A loop's level history (`depth` dB pulses repeated `rise_db` louder each round trip) and its tone's presence
    with `runs` stretches of 1–8 frames masked (syllables over the howl), never the last frame."""
    rng = np.random.default_rng(seed)
    shape = -60 + depth * np.abs(np.sin(np.linspace(0, 3 * np.pi, lag))) + rng.normal(0, 0.5, lag)
    levels = np.concatenate([shape + k * rise_db for k in range(-(-HISTORY // lag))])[-HISTORY:]
    tonal = np.ones(HISTORY)
    for start, length in zip(rng.integers(0, HISTORY - 1, runs), rng.integers(1, 9, runs), strict=True):
        tonal[start : min(start + length, HISTORY - 1)] = 0.0
    return levels, tonal


@settings(max_examples=300, deadline=None)
@given(st.integers(int(LAGS[0]), int(LAGS[-1])), st.floats(0.0, 12.0), st.floats(0.0, 20.0), st.integers(0, 8),
       st.integers(0, 2**16))
@example(lag=PINNED[0], rise_db=PINNED[1], depth=PINNED[2], runs=PINNED[3], seed=PINNED[4])
def test_the_pre_check_passes_every_loop_the_exact_test_finds(lag: int, rise_db: float, depth: float, runs: int,
                                                              seed: int) -> None:
    """Necessary, masked frames or not: its sums are over the exact test's joint masks (the frames where the tone
    was in both round trips). The pinned example is a masked loop that the pre-check before (each round trip's own
    mask) rejected, the exact test finding it; runs=0 is the tone in every frame."""
    levels, tonal = masked_loop(lag, rise_db, depth, runs, seed)
    found = round_trip_growth(levels, tonal, HISTORY)
    assert found is None or rising_tracks(levels[None, :], tonal[None, :], [HISTORY]) == [True]


@pytest.mark.parametrize("seed", [13, 20, 25])
def test_a_stage_loop_that_howls_is_muted_through_our_loudspeaker_within_300_ms_of_emerging(seed: int) -> None:
    """+10 dB a round trip (0.52 s) through two speakers' rooms: one of them muted within 300 ms of the howl
    emerging over Ana's speech, the advice "through our loudspeaker". The guard before the round-trip test never
    muted these in 8 s (the steady windows judged the pulsing howl jumpy or decelerating). Not every seed is this
    quick: the benchmark's 16 (README, "A stage's loop")."""
    run = run_stage_loop(10.0, seed)
    first, emerged = run.first(), run.emergence()
    assert first is not None and emerged is not None
    at, _, verdict = first
    assert at - emerged <= 0.3 and verdict.played and abs(verdict.frequency_hz - 1000.0) < 30
    assert "round trip" in verdict.reason


@pytest.mark.parametrize("seed", [12, 13, 16, 19, 24])
def test_a_stage_loop_that_rings_but_does_not_howl_is_not_muted(seed: int) -> None:
    """−6 dB a round trip: each syllable rings in the rooms' 1 kHz mode, a tone rising 8–16 dB in 100 ms and again a
    round trip later, weaker. The guard before the echo rule and the longer beat windows muted all five (in 7 of 16
    seeds, by windows of 6, 12 and 25 frames)."""
    run = run_stage_loop(-6.0, seed)
    assert run.verdicts == {"Ana": [], "Ben": []}


def test_a_stable_stage_loop_is_muted_at_most_once_in_16_runs() -> None:
    """−6 dB a round trip, the benchmark's 16 seeds: the round-trip test mutes one of them (seed 23, 2.8 s after the
    closing; the guard before muted 7, none of them that one). Pinned so that it cannot grow unnoticed."""
    mutes = [(seed, t) for seed in range(11, 27) for hits in run_stage_loop(-6.0, seed).verdicts.values()
             for t, _ in hits if t >= 0]
    assert len(mutes) <= 1, mutes
