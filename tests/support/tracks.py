"""Speaker tracks for tests: a tone that talks and pauses on cue."""

from __future__ import annotations

import numpy as np

from app.media.sources import ToneTrack


class GatedToneTrack(ToneTrack):
    """A tone that can be switched to digital silence and back (tests make a speaker talk and pause on cue)."""

    def __init__(self, frequency: float = 440.0, amplitude: float = 0.3, *, audible: bool = False) -> None:
        super().__init__(frequency, amplitude)
        self.audible = audible  # (not `on`: that is the track's event-emitter method)

    def samples(self, n: int) -> np.ndarray:
        tone = super().samples(n)  # keep the phase running so the tone resumes without a click
        return tone if self.audible else np.zeros(n, dtype=np.int16)
