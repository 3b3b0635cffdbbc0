"""A stage's acoustic loop, offline: two speakers whose loudspeakers reach their own microphones, through the bridge.

Mix-minus means nobody hears themselves, so a loop through the stage needs two rooms: Ana's microphone = her
speech + g · room(what her output plays = Ben's microphone, one bridge leg later), Ben's = g · room(what his
plays = Ana's microphone, one leg later). Round trip: 2 × (leg + room) ≈ 0.5 s, as measured in the lab (bridge
legs 188–230 ms with the monitors' cushions, the devices' ~60 ms; tests/support/acoustic_loop.py). Gain at the
room's resonance per round trip: 2 × (20 log g + LEG_DB). No codec, no clock drift: the lab has those
(tests/stage/test_feedback_lab.py); this is for runs by the hundred (benchmarks/feedback_stage_loop.py, the
guard's tests).

Each speaker's guard gets its microphone's frames and, before them, what its output played (the far end), as
SpeakerSession wires them. A verdict resets that guard (as a mute and unmute would); the loop is not broken by it
here, so a run can count every mute of a stable loop and find the first of a howling one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.feedback import FeedbackGuard, FeedbackVerdict
from tests.media.feedback_signals import active_frames, critical_band_db, speech
from tests.support.acoustic_loop import RoomResponse

RESONANCE_HZ = 1000.0
BANDWIDTH_HZ = 30.0  # the room mode's, as the lab test's
LEG_FRAMES = 12  # a bridge leg with the monitor's cushion and the devices: 240 ms
LEG_DB = -3.0  # measured in the lab at 1 kHz (Opus, the mix)
CLOSE_S = 2.0  # the loop closes (the loudspeakers turned up) after this much of Ana's speech


def round_trip_db(gain: float) -> float:
    """The loop's gain a round trip at the resonance for a room gain g."""
    return 2 * (20 * np.log10(gain) + LEG_DB)


def room_gain(round_trip: float) -> float:
    """The room gain g that makes the loop `round_trip` dB a round trip."""
    return float(10 ** ((round_trip / 2 - LEG_DB) / 20))


@dataclass
class StageLoopRun:
    """What a run found: per speaker, (seconds after the closing, verdict) for every verdict; the loop's part of
    Ana's microphone (`wet`) and her speech, to date the howl's emergence."""

    verdicts: dict[str, list[tuple[float, FeedbackVerdict]]] = field(default_factory=dict)
    wet: np.ndarray = field(default_factory=lambda: np.zeros(0))
    talk: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def first(self) -> tuple[float, str, FeedbackVerdict] | None:
        """The first verdict of either speaker's guard after the closing: (s, speaker, verdict)."""
        found = [(t, who, v) for who, hits in self.verdicts.items() for t, v in hits if t >= 0.0]
        return min(found, key=lambda x: x[0]) if found else None

    def over_speech_db(self) -> np.ndarray:
        """Per frame, how far the loop's part of Ana's microphone stands over her speech's active level in the
        ear's critical band at the resonance (feedback_signals.howl_over_speech_db)."""
        reference = 10 * np.log10(float(np.mean(10 ** (critical_band_db(self.talk, RESONANCE_HZ) / 10)
                                                [active_frames(self.talk)])) + 1e-20)
        return critical_band_db(self.wet, RESONANCE_HZ) - reference

    def over_at(self, seconds: float) -> float:
        """`over_speech_db` at `seconds` after the closing."""
        return float(self.over_speech_db()[int((CLOSE_S + seconds) * SAMPLE_RATE) // FRAME_SAMPLES])

    def emergence(self, hold: int = 10) -> float | None:
        """Seconds after the closing at which the howl emerged over Ana's speech: `over_speech_db` ≥ 0 for 200 ms
        (the guard benchmark's onset, feedback_signals.howl_emergence_frame)."""
        over = self.over_speech_db() >= 0.0
        first = int(CLOSE_S * SAMPLE_RATE) // FRAME_SAMPLES
        for i in range(first, len(over) - hold + 1):
            if over[i : i + hold].all():
                return (i - first) * FRAME_SAMPLES / SAMPLE_RATE
        return None


@dataclass
class StageLoopSignals:
    """Per speaker, what its microphone heard and what its output played, frame by frame (frames, FRAME_SAMPLES):
    a guard's verdict does not break the loop here, so the signals do not depend on the guards."""

    mics: dict[str, np.ndarray]
    played: dict[str, np.ndarray]
    wet: np.ndarray
    talk: np.ndarray


def stage_loop_signals(round_trip: float, seed: int, seconds: float = 10.0) -> StageLoopSignals:
    """Ana talks (speech of `seed`), Ben listens; the loop of `round_trip` dB closes at CLOSE_S; `seconds` in all."""
    gain = room_gain(round_trip)
    n = FRAME_SAMPLES
    frames = int(seconds * SAMPLE_RATE) // n
    talk = speech(seconds + 0.1, seed=seed)[: frames * n]
    rooms = {who: RoomResponse(RESONANCE_HZ, bandwidth_hz=BANDWIDTH_HZ) for who in ("Ana", "Ben")}
    mics = {who: np.zeros((frames, n)) for who in ("Ana", "Ben")}
    played = {who: np.zeros((frames, n)) for who in ("Ana", "Ben")}
    wet = np.zeros((frames, n))
    leg = 10 ** (LEG_DB / 20)
    close = int(CLOSE_S * SAMPLE_RATE) // n
    for f in range(frames):
        for who, other in (("Ana", "Ben"), ("Ben", "Ana")):
            played[who][f] = leg * mics[other][f - LEG_FRAMES] if f >= LEG_FRAMES else np.zeros(n)
            back = (gain if f >= close else 0.0) * rooms[who].filter(played[who][f])
            dry = talk[f * n : (f + 1) * n] if who == "Ana" else 0.0
            if who == "Ana":
                wet[f] = back
            mics[who][f] = np.clip(dry + back, -1.0, 1.0)
    return StageLoopSignals(mics, played, wet.reshape(-1), talk)


def run_stage_loop(round_trip: float, seed: int, seconds: float = 10.0, music: bool = False) -> StageLoopRun:
    """Each speaker's guard on `stage_loop_signals`: the far end handed over before each microphone frame."""
    signals = stage_loop_signals(round_trip, seed, seconds)
    close = int(CLOSE_S * SAMPLE_RATE) // FRAME_SAMPLES
    run = StageLoopRun({"Ana": [], "Ben": []}, wet=signals.wet, talk=signals.talk)
    for who, mic in signals.mics.items():
        guard = FeedbackGuard(music=music)
        for f, (frame, played) in enumerate(zip(mic, signals.played[who], strict=True)):
            guard.far_end(played.astype(np.float32))
            verdict = guard.feed(frame.astype(np.float32))
            if verdict is not None:
                run.verdicts[who].append(((f - close) * FRAME_SAMPLES / SAMPLE_RATE, verdict))
                guard.reset()
    return run
