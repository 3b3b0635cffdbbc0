"""What the feedback guard (app.media.feedback) compares a peak with: its floor, for the PNPR.

Why a module of its own: the floor is the mean power of the bins ±4–8 away from the peak (van Waterschoot & Moonen's
peak-to-neighbour ratio), but a held note's partial 5–8 bins from a howl sits in that ring and is 20–40 dB louder
than the howl: the howl's PNPR stayed under 0 dB while it grew 30 dB beside a sung note's partial (sung 40 ms / 1.2
loops muted 0.5–2.3 s after onset, one missed). So ring bins within HELD_NEAR of a held line — a spectral line at a
bin (±1) in SERIES_HELD of the last HELD_FRAMES frames, the same rule by which feedback_evidence.in_series tells a
held note's partials — are left out, and the howl is compared with the floor beside it. A peak that is itself next
to a held line (its own skirt, or a partial's vibrato) keeps the whole ring, and so does one with fewer than
HELD_KEPT ring bins left. Speech's harmonics move with its pitch and are rarely held; a howl is held, but never in
its own ring (4 bins away at least).
"""

from __future__ import annotations

import numpy as np

from app.media.feedback_evidence import PARTIAL_PNPR, SERIES_HELD, SERIES_NEXT
from app.media.feedback_growth import HISTORY

HELD_FRAMES = 25  # frames (0.5 s) over which a line must be held
HELD_NEAR = 2  # ring bins within this of a held line's bins (its bin ±1) are left out: a vibrato partial's skirt
HELD_KEPT = 3  # ... unless fewer than this many of the 10 would be left
# The masks of the last MASKS sets of held lines are kept: a sung note's vibrato moves its partials' lines back and
# forth between a few sets (a song: the masks made anew in ~18 % of its frames, ~60 µs each, 3 in 4 of them for one
# of the last 4 sets)
MASKS = 8

RING = np.array([1.0] * 5 + [0.0] * 7 + [1.0] * 5)  # symmetric: bins k−8..k−4 and k+4..k+8
_OFFSETS = np.array([-8, -7, -6, -5, -4, 4, 5, 6, 7, 8])  # the bins whose ring holds a line: line ± 4…8
PEAK_FLOOR = 1e-8  # −80 dBFS: a peak counts (for a series' continuation) from the guard's floor


class Floor:
    """Per frame, the floor of every bin lo..hi (mean power of its ring, held lines left out), remembering which
    bins held a line over the last HELD_FRAMES frames."""

    def __init__(self, lo: int, hi: int, size: int = 1026, history: int = HISTORY) -> None:
        self.lo, self.hi, self.size, self.frames = lo, hi, size, history
        self._spread = np.ones(2 * HELD_NEAR + 1)
        self._masks: dict[bytes, tuple[np.ndarray, ...]] = {}  # `_ring_of`'s, by held lines (bytes), the newest last
        self.reset()

    def reset(self) -> None:
        n = self.hi - self.lo + 17  # bins lo−8 … hi+8
        self._seen = np.zeros((HELD_FRAMES, n), dtype=np.int32)  # per frame: a line at the bin or next to it
        self._count = np.zeros(n, dtype=np.int32)
        self._peak_seen = np.zeros((HELD_FRAMES, n), dtype=np.int32)  # per frame: a peak at the bin or next to it
        self._peaks = np.zeros(n, dtype=np.int32)
        self._held = b""  # the held lines `_ring_of` last made its masks from (their bytes)
        self._steady = np.zeros(n + 1, dtype=bool)  # bins with a steady peak, and False for "out of range" (-1)
        self.maxima = np.zeros(0, dtype=bool)  # this frame's local maxima over PEAK_FLOOR, bins lo+1 … hi−1
        self._keep = self._kept = np.zeros(0)
        self._use = np.zeros(0, dtype=bool)
        self._ahead = self._behind = self._inside = np.zeros(0, dtype=np.intp)
        self._frame = 0
        # the floors of the last `frames` frames per bin (1 where not measured), a ring written twice (columns
        # slot and slot + frames) so that any run of past frames is one slice, in order, as the guard's spectra
        self.history = np.ones((self.size, 2 * self.frames))

    def measure(self, p: np.ndarray, slot: int | None = None) -> np.ndarray:
        """The floor of the bins lo..hi of the power spectrum p: the mean power of the ring without the bins next to
        held lines (or of the whole ring). Records this frame's lines (local maxima PARTIAL_PNPR over the whole
        ring), and the floor in `history` at `slot`."""
        floor = self._measure(p)
        if slot is not None:
            self.history[self.lo : self.hi + 1, slot] = floor
            self.history[self.lo : self.hi + 1, slot + self.frames] = floor
        return floor

    def _measure(self, p: np.ndarray) -> np.ndarray:
        lo, hi = self.lo, self.hi
        seg = p[lo - 8 : hi + 9]
        plain = np.convolve(seg, RING, mode="valid") / 10 + 1e-20  # centres lo … hi
        mid = seg[8:-8]
        top = (mid[1:-1] > mid[:-2]) & (mid[1:-1] >= mid[2:])
        self.maxima = top & (mid[1:-1] >= PEAK_FLOOR)  # bins lo+1 … hi−1: the guard's candidates are among these
        line = np.zeros(len(seg), dtype=np.int32)
        line[9:-9] = top & (mid[1:-1] >= PARTIAL_PNPR * plain[1:-1])
        line[1:-1] |= line[:-2] | line[2:]  # ±1 bin: a vibrato partial's peak moves
        peak = np.zeros(len(seg), dtype=np.int32)
        peak[9:-9] = self.maxima
        peak[1:-1] |= peak[:-2] | peak[2:]
        slot = self._frame % HELD_FRAMES
        self._count += line - self._seen[slot]
        self._seen[slot] = line
        self._peaks += peak - self._peak_seen[slot]
        self._peak_seen[slot] = peak
        self._frame += 1
        held = self._count >= SERIES_HELD * HELD_FRAMES
        if not held.any():
            return plain
        key = held.tobytes()  # ~4 µs less than np.array_equal, every frame of a song
        if key != self._held:  # held lines change slowly: their masks are kept
            self._held = key
            masks = self._masks.pop(key, None) or self._ring_of(held)
            self._masks[key] = masks  # the newest last
            if len(self._masks) > MASKS:
                del self._masks[next(iter(self._masks))]
            self._keep, self._kept, self._use, self._ahead, self._behind, self._inside = masks
        np.greater_equal(self._peaks, SERIES_NEXT * HELD_FRAMES, out=self._steady[:-1])  # [-1]: out of range
        steady = self._steady
        use = self._use.copy()
        use[self._inside[steady[self._ahead] | steady[self._behind]]] = False
        return np.where(use, np.convolve(seg * self._keep, RING, mode="valid") / self._kept + 1e-20, plain)

    def _ring_of(self, held: np.ndarray) -> tuple[np.ndarray, ...]:
        """From the held lines (bins lo−8 … hi+8): `_keep`, 1 for the bins a ring may use; `_kept`, the ring bins
        kept per bin lo … hi; `_use`, the bins whose floor leaves some out. A bin with a held line h in its ring that
        continues a series with it (a steady peak at 2k − h or 2h − k: `_ahead`, `_behind`, index −1 where out of
        range, for the bins `_inside`) is a partial of a low note (partials 6–8 bins apart fill each other's rings,
        so most are not lines) and keeps its whole ring: with the line left out, two voices in unison beating that
        partial out of its nulls were muted. Returns them in that order (read only: `_measure` keeps them)."""
        keep = (np.convolve(held.astype(np.float64), self._spread, mode="same") == 0).astype(np.float64)
        kept = np.convolve(keep, RING, mode="valid")
        edges = np.flatnonzero(np.diff(np.concatenate(([0], held.view(np.int8), [0]))))
        h = np.repeat((edges[0::2] + edges[1::2] - 1) // 2, len(_OFFSETS))  # the held lines' centres
        k = h + np.tile(_OFFSETS, len(h) // len(_OFFSETS))
        n = len(held)
        sel = (k >= 8) & (k < n - 8)
        k, h = k[sel], h[sel]
        ahead, behind = 2 * k - h, 2 * h - k
        return (keep, np.maximum(kept, 1.0), (kept >= HELD_KEPT) & (keep[8:-8] > 0),
                np.where((ahead >= 0) & (ahead < n), ahead, -1), np.where((behind >= 0) & (behind < n), behind, -1),
                k - 8)
