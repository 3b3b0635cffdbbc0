"""What the speaker plays (the far end) beside a test signal of the feedback guard, and a run of the guard on both. What
is played decides the advice a verdict carries (`played`: the howl went through our loudspeaker, or through something
else near the microphone), the round-trip test and the echo rule (app.media.feedback_period, ECHO). A simulated loop's
loudspeaker plays the microphone's signal one loop delay later (`loop_played`: the loop's IR is the delay followed by
the room, tests/media/feedback_signals.make_loop); a local loop (the system playing the microphone back, another device)
plays nothing of ours.

In music mode what is played also decides the mute, so signals that must not be muted are measured under four far
ends (`FAR_ENDS`): the stage silent (a performer alone, or on headphones), another speaker talking (synthetic
speech), and our own sound coming back 300 ms later from another speaker's loudspeaker and microphone — the same
tones in what we play, the hardest case — at −20 dB (their echo control all but off: pessimistic) and at −35 dB
(~10 dB of coupling into their microphone and ~25 dB of echo control).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from app.media import FRAME_SAMPLES
from app.media.feedback import FeedbackGuard, FeedbackVerdict
from tests.media import feedback_signals as fs


def loop_played(loop: fs.Loop, mic: np.ndarray) -> np.ndarray:
    """The loudspeaker's signal of a loop run: the microphone's, one loop delay later."""
    return np.concatenate((np.zeros(loop.delay), mic[: len(mic) - loop.delay]))


RETURN_DELAY = 0.3  # s


def _silent(mic: np.ndarray, seed: int) -> np.ndarray:
    return np.zeros_like(mic)


def _speech(mic: np.ndarray, seed: int) -> np.ndarray:
    return fs.speech(len(mic) / fs.FS + 0.1, 900 + seed, f0_base=180.0)[: len(mic)]


def _own_return(db: float) -> Callable[[np.ndarray, int], np.ndarray]:
    def back(mic: np.ndarray, seed: int) -> np.ndarray:
        d = int(RETURN_DELAY * fs.FS)
        return 10 ** (db / 20) * np.concatenate((np.zeros(d), mic[: len(mic) - d]))

    return back


FAR_ENDS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    "stage silent": _silent, "another speaker talking": _speech,
    "own sound back −20 dB / 300 ms": _own_return(-20.0), "own sound back −35 dB / 300 ms": _own_return(-35.0)}


def verdicts(mic: np.ndarray, played: np.ndarray | None = None, guard: FeedbackGuard | None = None,
             music: bool = False) -> list[tuple[int, FeedbackVerdict]]:
    """(frame, verdict) wherever the guard returns one (reset after each, as after a mute/unmute); each frame's
    played audio is handed over before its microphone frame (a sound is played before it is heard). `played`
    None: nothing is played; `music`: a guard in music mode."""
    guard = guard or FeedbackGuard(music=music)
    hits = []
    for i in range(len(mic) // FRAME_SAMPLES):
        if played is not None:
            guard.far_end(played[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES].astype(np.float32))
        verdict = guard.feed(mic[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES].astype(np.float32))
        if verdict is not None:
            hits.append((i, verdict))
            guard.reset()
    return hits
