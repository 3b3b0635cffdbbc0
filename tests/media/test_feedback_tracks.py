"""Which peak gets a track when all are taken (app.media.feedback_tracks): one that grows, in place of the steadiest."""

from __future__ import annotations

import numpy as np

from app.media.feedback_growth import HISTORY
from app.media.feedback_tracks import GROW_RANGE_DB, STEADY, candidates, growing, steadiest

PRESENT, FLOOR = 10 ** 0.6, 1e-8


def peak_spectra(levels_db: np.ndarray, floor_db: float = -100.0) -> np.ndarray:
    """A peak's 3 measured bins (k−1..k+1) over frames, the peak at `levels_db` (power dB)."""
    out = np.full((3, len(levels_db)), 10 ** (floor_db / 10))
    out[1] = 10 ** (levels_db / 10)
    return out


def floors(peaks: int, frames: int, floor_db: float = -100.0) -> np.ndarray:
    """The peaks' floors (feedback_floor) over frames."""
    return np.full((peaks, frames), 10 ** (floor_db / 10))


def test_candidates_skip_tracked_bins_and_weak_peaks() -> None:
    rated = np.zeros(50)
    rated[[5, 10, 20, 30]] = [10.0, 8.0, 0.5, 6.0]  # rated against the sum of 10 neighbours: 0.5 is 7 dB
    assert candidates(rated, {15, 16, 17}, 5) == [10, 35]  # offset 5: bin 15 (index 10) is tracked
    assert candidates(rated, set(), 5) == [10, 15, 35]


def test_a_peak_growing_steadily_is_found_and_a_steady_one_is_not() -> None:
    t = np.arange(40, dtype=np.float64)
    steady = peak_spectra(np.full(40, -30.0) + np.sin(t))
    rising = peak_spectra(-70 + 1.5 * t)
    found = growing(np.stack((steady, rising)), floors(2, 40), 10 ** (-30 / 10), PRESENT, FLOOR)
    assert found is not None and found[0] == 1
    assert found[1] == 1  # its PNPR was over 15 dB in the frame before this one
    assert growing(np.stack((steady,)), floors(1, 40), 10 ** (-30 / 10), PRESENT, FLOOR) is None


def test_a_growing_peak_far_under_the_loudest_bin_is_left_alone() -> None:
    rising = peak_spectra(-100 + 1.5 * np.arange(40, dtype=np.float64))  # now at −41.5 dB
    loudest = 10 ** ((-41.5 + GROW_RANGE_DB + 1) / 10)
    assert growing(rising[None], floors(1, 40), loudest, PRESENT, FLOOR) is None
    assert growing(rising[None], floors(1, 40), loudest / 10 ** 0.2, PRESENT, FLOOR) is not None


def test_the_steadiest_track_is_the_one_without_a_new_high_for_longest() -> None:
    levels, tonal = np.zeros((4, HISTORY)), np.ones((4, HISTORY))
    t = np.arange(HISTORY, dtype=np.float64)
    levels[0] = -30 + np.where(t == HISTORY - 40, 3.0, 0.0)  # its high 39 frames ago
    levels[1] = -30 + np.where(t == HISTORY - 70, 3.0, 0.0)  # 69 frames ago: the steadiest
    levels[2] = -80 + 0.5 * t  # growing: never evicted
    levels[3] = -30 + np.where(t == HISTORY - 5, 3.0, 0.0)  # a new high 4 frames ago
    assert steadiest(levels, tonal, [HISTORY] * 4) == 1
    assert steadiest(levels, tonal, [HISTORY, STEADY - 1, HISTORY, HISTORY]) == 0  # too young to judge
    assert steadiest(levels[2:], tonal[2:], [HISTORY] * 2) is None
