"""The PNPR's floor (app.media.feedback_floor): a held note's partial in a peak's ring is left out of its floor."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.media import feedback
from app.media.feedback_floor import HELD_FRAMES, PEAK_FLOOR, RING, Floor

LO, HI, SIZE = 10, 200, 1026


def spectrum(lines: dict[int, float], seed: int) -> np.ndarray:
    """A power spectrum: noise at −90 dB and a 3-bin line (−6 dB either side) per entry (bin: power)."""
    p = 1e-9 * np.random.default_rng(seed).exponential(size=SIZE)
    for k, power in lines.items():
        p[k] += power
        p[k - 1] += power / 4
        p[k + 1] += power / 4
    return p


def plain(p: np.ndarray) -> np.ndarray:
    """The whole ring's mean power, bins LO..HI."""
    return np.convolve(p[LO - 8 : HI + 9], RING, mode="valid") / 10 + 1e-20


def test_a_held_partial_is_left_out_of_a_quiet_peaks_ring() -> None:
    """A partial at bin 50 (−13 dB), a peak 7 bins above it at −53 dB: the whole ring holds the partial (the peak
    stands under it), the floor is the noise beside it."""
    floor = Floor(LO, HI)
    for t in range(HELD_FRAMES):
        p = spectrum({50: 10 ** -1.3, 57: 10 ** -5.3}, t)
        got = floor.measure(p, t)
    k = 57 - LO
    assert 10 * np.log10(10 ** -5.3 / plain(p)[k]) < 0
    assert 10 * np.log10(10 ** -5.3 / got[k]) > 30
    assert got[50 - LO] == plain(p)[50 - LO]  # the partial itself keeps its ring
    assert np.array_equal(floor.history[LO : HI + 1, HELD_FRAMES - 1], got)


def test_a_line_not_yet_held_stays_in_the_ring() -> None:
    """Until the partial has been a line in SERIES_HELD of HELD_FRAMES frames, nothing is left out: a syllable's
    harmonic is not a held note's."""
    floor = Floor(LO, HI)
    for t in range(HELD_FRAMES // 2):
        p = spectrum({50: 10 ** -1.3}, t)
        assert np.array_equal(floor.measure(p), plain(p))
    for t in range(HELD_FRAMES):
        floor.measure(spectrum({50: 10 ** -1.3}, t))
    floor.reset()
    p = spectrum({50: 10 ** -1.3}, 0)
    assert np.array_equal(floor.measure(p), plain(p))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(LO, HI), st.floats(-80.0, 0.0)), max_size=12), st.integers(1, 40))
def test_the_floor_is_positive_and_finite(lines: list[tuple[int, float]], frames: int) -> None:
    floor = Floor(LO, HI)
    for t in range(frames):
        got = floor.measure(spectrum({k: 10 ** (db / 10) for k, db in lines}, t))
        assert got.shape == (HI - LO + 1,)
        assert np.all(np.isfinite(got)) and np.all(got > 0)


def test_a_partial_of_a_low_note_keeps_its_ring() -> None:
    """A 175 Hz note: partials 7.45 bins apart fill each other's rings, so only some are lines by the ring test. The
    4th partial (bin 30) has the held line at bin 22 in its ring; the 2nd and 5th partials continue the series with
    it, so it is a partial, not a howl beside one: its floor is its whole ring (with the line left out, two voices in
    unison beating it out of its nulls stood 17 dB over the floor and were muted)."""
    floor = Floor(LO, HI)
    note = {15: 10 ** -2.6, 22: 10 ** -2.0, 30: 10 ** -2.7, 37: 10 ** -3.8, 45: 10 ** -4.0}
    for t in range(HELD_FRAMES):
        p = spectrum(note, t)
        got = floor.measure(p)
    assert got[30 - LO] == plain(p)[30 - LO]
    # A howl where no partial continues the series with the line: its ring leaves the line out.
    floor = Floor(LO, HI)
    for t in range(HELD_FRAMES):
        p = spectrum({22: 10 ** -2.0, 30: 10 ** -5.0}, t)
        got = floor.measure(p)
    assert got[30 - LO] < plain(p)[30 - LO] / 100


def test_the_guards_candidates_are_the_floors_maxima() -> None:
    """The guard takes its candidate peaks from the floor's local maxima (`Floor.maxima`): the same −80 dB."""
    assert feedback._FLOOR == PEAK_FLOOR
    floor = Floor(LO, HI)
    p = spectrum({50: 1e-3, 120: 1e-9}, 0)
    floor.measure(p, 0)
    band = p[LO:HI]
    mid = band[1:-1]
    assert np.array_equal(floor.maxima[:-1], (mid > band[:-2]) & (mid >= band[2:]) & (mid >= feedback._FLOOR))
