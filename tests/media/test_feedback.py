"""The feedback guard: a simulated acoustic loop is muted; speech, singing and held notes never are.

Signal origins (tests/media/feedback_signals.py): everything is generated with numpy from fixed seeds — the loop
(mic → delay → loudspeaker → random RIR with one resonance → mic, mic clipping at full scale), synthetic speech
(glottal harmonics through vowel formants, syllables and pauses), singing (5–6 Hz ±50 cent vibrato, notes held
2–4 s), organ / clarinet / flute-like held notes (5 s), a 1 s sine swell then hold, a sung crescendo and an organ
swell (+12 / +10 dB over 2 s), a whistle with drifting pitch and held notes under tremolo — except the CC0 project
recording resources/audio/demo-room.ogg (espeak-ng speech and sox plucks).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.media import FRAME_SAMPLES
from app.media.feedback import FeedbackGuard, FeedbackVerdict
from tests.media import feedback_played
from tests.media import feedback_signals as fs
from tests.media.feedback_hard_signals import HARDER_CLASSES, PASSING

CLOSE_FRAME = 50  # the loop closes at 1.0 s

# Every verdict (frame, Hz; the guard reset after each) of the closed-loop cases below, as recorded when partials,
# beats and the rest of the spectrum became evidence, young tracks got their history when they first stood out,
# the long windows' frequency test became robust, and then (December 4 night) harmonic co-growth had to hold in each
# half of the window and a peak that is one partial of a held harmonic series stopped counting (a change of the
# guard's decisions shows here first). Before the first of these, the first verdicts came at frames 85, 66, 57, 69,
# 127, 129, 81, 147, 98. December 5 (third session): a rise back to where the track stood just before stopped
# counting in the windows up to 25 frames (BEAT_W, for a stage's ringing room): 50 ms / 1.2 at 5 kHz 81 → 88.
PINNED = {(40.0, 1.2, 700.0, 2): [(87, 703.125), (102, 703.125), (117, 703.125), (133, 703.125), (148, 703.125),
                                  (163, 703.125), (178, 703.125)],
          (15.0, 2.0, 3000.0, 1): [(66, 3000.0), (74, 2976.5625), (86, 2976.5625)],
          (15.0, 2.0, 3000.0, 2): [(59, 2976.5625), (65, 2976.5625)],
          (30.0, 2.0, 4000.0, 2): [(68, 3984.375), (75, 4007.8125), (84, 4007.8125)],
          (40.0, 1.2, 700.0, 1): [(123, 703.125), (141, 703.125), (166, 703.125), (181, 703.125), (198, 703.125),
                                  (213, 703.125)],
          (20.0, 1.2, 1000.0, 1): [(129, 1007.8125), (143, 1007.8125), (157, 1007.8125), (171, 1007.8125),
                                   (196, 1007.8125)],
          (50.0, 1.2, 5000.0, 2): [(88, 4992.1875), (103, 4992.1875), (116, 4992.1875), (130, 4992.1875),
                                   (145, 4992.1875), (159, 4992.1875), (174, 4992.1875), (189, 4992.1875),
                                   (204, 4992.1875), (221, 4992.1875), (236, 4992.1875)],
          (10.0, 1.05, 500.0, 1): [(133, 515.625), (147, 492.1875), (177, 492.1875), (203, 492.1875),
                                   (229, 492.1875)],
          (10.0, 1.05, 500.0, 2): [(79, 492.1875), (105, 492.1875), (155, 492.1875), (171, 492.1875), (217, 492.1875),
                                   (243, 492.1875)],
          (40.0, 1.2, 700.0, 14): [(81, 703.125), (133, 703.125), (148, 703.125), (161, 703.125), (175, 703.125),
                                   (192, 703.125)],
          (10.0, 1.05, 500.0, 6): [(143, 515.625), (193, 539.0625)],
          (40.0, 1.2, 700.0, 4): [(107, 679.6875), (121, 679.6875), (135, 679.6875), (149, 679.6875), (161, 8882.8125)],
          (10.0, 1.05, 500.0, 13): [(193, 515.625)]}
# (Verdicts at 4–9 kHz late in a run: the simulated loop is never broken, so after a few mute/reset cycles the howl
# clips and its distortion products are tones of their own. December 5: the one at 7 kHz in 20 ms / 1.2 seed 1 is
# gone: the 7th harmonic of the clipped 1 kHz howl, which has only odd ones, is a partial of a held series to the
# series test now that it looks for a partial two either side.)


def verdicts(signal: np.ndarray, guard: FeedbackGuard | None = None,
             played: np.ndarray | None = None) -> list[tuple[int, FeedbackVerdict]]:
    """The guard's verdicts on `signal` with `played` as what the loudspeaker plays (None: nothing): the verdicts'
    advice, and which tests count for a tone in it (tests/media/test_feedback_far_end.py, test_feedback_period.py)."""
    return feedback_played.verdicts(signal, played, guard)


def loop_verdicts(loop: fs.Loop, y: np.ndarray, exact: bool = False) -> list[tuple[int, FeedbackVerdict]]:
    """A loop run judged as a speaker does: a loop this short is local (the system playing the microphone back,
    another device: with mix-minus nothing we play carries our own sound sooner than a stage's round trip), so the
    loudspeaker plays the silent stage. `exact`: on the debug path, which runs the exact tests on every track
    without the vectorised pre-check. Every verdict's advice: through something else than our loudspeaker."""
    guard = FeedbackGuard()
    if exact:
        guard.debug = []
    found = verdicts(y, guard, np.zeros_like(y))
    assert not any(v.played for _, v in found)
    return found


def loop_detection(delay_ms: float, gain: float, hz: float, seed: int) -> tuple[int, list[tuple[int, FeedbackVerdict]],
                                                                               fs.Loop]:
    """(the howl's onset: when it emerges over the speech, the benchmark's primary onset; the verdicts; the loop)."""
    loop = fs.make_loop(delay_ms, gain, hz, seed)
    x = fs.speech(5.0, 10 + seed)
    y = fs.run_loop(loop, x)
    onset = fs.howl_emergence_frame(loop, x, y)
    assert onset is not None, "the simulated loop never howled"
    found = loop_verdicts(loop, y)
    assert [(i, v.frequency_hz) for i, v in found] == PINNED[(delay_ms, gain, hz, seed)]
    assert loop_verdicts(loop, y, exact=True) == found
    return onset, found, loop


# Cases measured within 300 ms of onset (benchmarks/feedback_guard.py has the full sweep, where slower loops are not).
@pytest.mark.parametrize(("delay_ms", "gain", "hz", "seed"), [(40.0, 1.2, 700.0, 2), (15.0, 2.0, 3000.0, 1),
                                                             (15.0, 2.0, 3000.0, 2), (30.0, 2.0, 4000.0, 2),
                                                             (40.0, 1.2, 700.0, 1), (20.0, 1.2, 1000.0, 1),
                                                             (50.0, 1.2, 5000.0, 2)])
def test_a_closed_loop_is_flagged_within_300_ms_of_onset(delay_ms: float, gain: float, hz: float, seed: int) -> None:
    onset, found, loop = loop_detection(delay_ms, gain, hz, seed)
    assert found, "never flagged"
    first, verdict = found[0]
    assert first >= CLOSE_FRAME, "flagged before the loop closed"
    assert (first - onset) * 20 <= 300
    assert abs(verdict.frequency_hz - loop.howl_hz) < 50
    assert verdict.growth_db_per_s > 0


@pytest.mark.parametrize(("delay_ms", "gain", "hz", "seed", "before_ms"), [(40.0, 1.2, 700.0, 14, 840),
                                                                          (10.0, 1.05, 500.0, 6, 660)])
def test_a_loop_first_seen_under_speech_harmonics_is_flagged_within_300_ms(delay_ms: float, gain: float, hz: float,
                                                                          seed: int, before_ms: int) -> None:
    """These two were flagged `before_ms` after onset: the howl's track was first seen at 9–15 dB (PNPR) under
    speech harmonics, so it got no back-filled history and was judged from nothing, and speech harmonics pulled
    its peak frequency off by 0.4–1 bin in one frame of ten (the long windows failed on max − min)."""
    onset, found, loop = loop_detection(delay_ms, gain, hz, seed)
    assert found and found[0][0] >= CLOSE_FRAME
    assert (found[0][0] - onset) * 20 <= 300 < before_ms
    assert abs(found[0][1].frequency_hz - loop.howl_hz) < 50


@pytest.mark.parametrize(("delay_ms", "gain", "hz", "seed", "before_ms"), [(40.0, 1.2, 700.0, 4, 340),
                                                                          (10.0, 1.05, 500.0, 13, 460)])
def test_a_syllable_at_half_the_howl_frequency_does_not_veto_it(delay_ms: float, gain: float, hz: float, seed: int,
                                                                before_ms: int) -> None:
    """These two were flagged `before_ms` after onset: a syllable began at f/2 (a speech harmonic near 340 / 250 Hz)
    while the howl grew, and that step from the pause correlated with the howl's steady rise, so the harmonic
    co-growth test called the howl a crescendo's partial for 0.1–0.3 s. A partial rises with its fundamental in each
    half of the window; a step does not."""
    onset, found, loop = loop_detection(delay_ms, gain, hz, seed)
    assert found and found[0][0] >= CLOSE_FRAME
    assert (found[0][0] - onset) * 20 <= 300 < before_ms
    assert abs(found[0][1].frequency_hz - loop.howl_hz) < 50


def sung_loop(delay_ms: float, gain: float, hz: float, seed: int) -> tuple[int, list[tuple[int, FeedbackVerdict]],
                                                                           fs.Loop]:
    """A loop excited by singing: (the howl's onset, the verdicts — muted after the loop closed, the same on the
    exact path —, the loop)."""
    loop = fs.make_loop(delay_ms, gain, hz, seed)
    x = fs.singing(5.0, 400 + seed)
    y = fs.run_loop(loop, x)
    onset = fs.howl_emergence_frame(loop, x, y)
    found = loop_verdicts(loop, y)
    assert onset is not None and found and found[0][0] >= CLOSE_FRAME
    assert loop_verdicts(loop, y, exact=True) == found
    return onset, found, loop


def growing_modes(loop: fs.Loop) -> list[float]:
    """The loop's frequencies that grow: its phase 0 mod 2π with |G| > 1 (at gain 2 with a 15 ms delay, the modes
    either side of `howl_hz`, 67 Hz away, grow too: seed 12 is muted on one of them)."""
    g = np.fft.rfft(loop.ir, 1 << 18)
    freqs = np.fft.rfftfreq(1 << 18, 1 / fs.FS)
    ph = np.angle(g)
    cross = np.nonzero((np.abs(np.diff(ph)) < np.pi) & (np.sign(ph[:-1]) != np.sign(ph[1:])))[0]
    return [float(freqs[i]) for i in cross if abs(g[i]) > 1]


@pytest.mark.parametrize("seed", [12, 13, 14])
def test_a_howl_among_a_sung_notes_partials_gets_a_track(seed: int) -> None:
    """15 ms / 2 excited by singing: in these three runs all 8 tracks held the note's partials, present in every
    frame, so the howl next to its 9th partial got no track while it grew 60 dB, and clipped unseen (missed in the
    5 s run). A peak whose bin has been growing now takes the slot of the partial whose level has not grown for
    longest: muted within 300 ms of the howl emerging over the singing, at its frequency."""
    onset, found, loop = sung_loop(15.0, 2.0, 3000.0, seed)
    assert (found[0][0] - onset) * 20 <= 300
    assert min(abs(found[0][1].frequency_hz - f) for f in growing_modes(loop)) < 1.5 * fs.FS / 2048


def test_a_howl_beside_a_held_notes_partial_is_caught_before_it_clips() -> None:
    """A straight-tone note with 12 partials (330 Hz, 1/k) keeps every track busy; a tone 60 Hz above its 9th
    partial grows 60 dB/s from −75 dBFS at 1 s. The guard before growth-chosen tracks never tracked it (it muted at
    8.6 kHz, on the clipped howl's distortion, 2.6 s in); now it is muted at its frequency under −15 dBFS."""
    t = np.arange(int(3.0 * fs.FS)) / fs.FS
    note = sum(0.3 / k * np.sin(2 * np.pi * k * 330.0 * t + k) for k in range(1, 13))
    howl = 10 ** ((-75 + 60 * np.maximum(t - 1.0, 0)) / 20) * np.sin(2 * np.pi * (9 * 330.0 + 60) * t)
    y = np.clip(note + howl, -1, 1) + 1e-4 * np.random.default_rng(1).standard_normal(len(t))
    found = verdicts(y, played=np.zeros_like(y))  # a loop this fast is local: nothing we play carries it
    assert found
    frame, verdict = found[0]
    assert verdict.frequency_hz == pytest.approx(9 * 330.0 + 60, abs=30)
    assert -75 + 60 * (frame * 0.02 - 1.0) < -15


def test_the_slow_high_loop_was_late_only_by_the_older_onset() -> None:
    """50 ms / 1.2 at 5 kHz, seed 2: flagged 540 ms after the older onset, which dated the howl from −92 dBFS in its
    critical band, 33 dB under the speech's active level there (the 90th percentile of its sparse fricatives there
    is the room noise), and 80 ms after it emerges over the speech (before the beat rule's windows grew to 25
    frames, 400 ms and before it emerged: the fricatives had raised its bin just before)."""
    loop = fs.make_loop(50.0, 1.2, 5000.0, 2)
    x = fs.speech(5.0, 12)
    y = fs.run_loop(loop, x)
    old, onset = fs.howl_onset_frame(loop, x, y), fs.howl_emergence_frame(loop, x, y)
    found = loop_verdicts(loop, y)
    assert old is not None and onset is not None and found
    assert (found[0][0] - old) * 20 == 540 and (found[0][0] - onset) * 20 == 80
    assert fs.howl_over_speech_db(loop, x, y)[old] < -30  # far under the speech, not a howl yet


@pytest.mark.parametrize("seed", [1, 2])
def test_a_slow_loop_under_speech_is_caught_by_its_onset(seed: int) -> None:
    """10 ms / 1.05: seed 1 was flagged 580 ms after the older onset, seed 2 missed in the 5 s run (its track lost
    its slot to speech harmonics and started from nothing each time). With its bin's history back-filled and
    speech-masked frames counted, both are flagged by the time the howl emerges over the speech, at its frequency."""
    onset, found, loop = loop_detection(10.0, 1.05, 500.0, seed)
    assert found and CLOSE_FRAME <= found[0][0] <= onset
    assert abs(found[0][1].frequency_hz - loop.howl_hz) < 50


def test_a_very_slow_loop_is_caught_by_the_two_second_window() -> None:
    """Gain 1.05 with a 50 ms loop grows ~5 dB/s and hides under speech: the 100-frame window catches it ~2 s after
    the older onset and 0.9 s before it emerges over the speech (before that window it grew unseen for 12 s)."""
    loop = fs.make_loop(50.0, 1.05, 2000.0, 7)
    x = fs.speech(12.0, 17)
    y = fs.run_loop(loop, x)
    onset = fs.howl_emergence_frame(loop, x, y)
    assert onset is not None
    found = loop_verdicts(loop, y)
    assert found and CLOSE_FRAME <= found[0][0] <= onset
    assert abs(found[0][1].frequency_hz - loop.howl_hz) < 50


def test_an_open_loop_is_not_flagged() -> None:
    """The same room at loop gain 0.7 colours the speech but never howls: no mute."""
    loop = fs.make_loop(20.0, 0.7, 1000.0, 1)
    y = fs.run_loop(loop, fs.speech(5.0, 11))
    assert verdicts(y) == [] and loop_verdicts(loop, y) == []


@pytest.mark.parametrize("cls", list(fs.FALSE_POSITIVE_CLASSES))
def test_no_mutes_on_speech_singing_and_held_notes(cls: str) -> None:
    for i, signal in enumerate(fs.FALSE_POSITIVE_CLASSES[cls]()):
        assert verdicts(signal) == [], f"{cls} #{i} muted"


@pytest.mark.parametrize("cls", PASSING)
def test_no_mutes_on_the_harder_negatives_it_passes(cls: str) -> None:
    """Voices in unison beat their partials out of nulls at a loop's rate: the main guard before the harmonic-series
    test muted the 4-cent pair 19 times in 16 s (every signal), the 10-cent pair 11 times, and one of the other
    notes of the straight-tone crescendo and of the pad once each. The classes it still fails are in the benchmark."""
    for i, signal in enumerate(HARDER_CLASSES[cls]()):
        assert verdicts(signal) == [], f"{cls} #{i} muted"


def test_a_steady_pure_tone_is_tolerated_and_a_growing_one_is_not() -> None:
    """The flute case against its howling twin: the same pure tone, steady for 5 s vs. growing 40 dB/s."""
    steady = fs.held_note(5.0, 1000.0, {1: 1.0}, 1, level=0.5)
    assert verdicts(steady) == []
    t = np.arange(int(1.5 * fs.FS)) / fs.FS
    growing = 10 ** ((-70 + 40 * t) / 20) * np.sin(2 * np.pi * 1000.0 * t)
    found = verdicts(growing)
    assert found and found[0][1].frequency_hz == pytest.approx(1000.0, abs=30)


def test_reset_forgets_the_evidence() -> None:
    t = np.arange(int(1.0 * fs.FS)) / fs.FS
    growing = 10 ** ((-70 + 60 * t) / 20) * np.sin(2 * np.pi * 1500.0 * t)
    guard = FeedbackGuard()
    frames = [growing[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES] for i in range(len(growing) // FRAME_SAMPLES)]
    first = next(i for i, f in enumerate(frames) if guard.feed(f) is not None)
    guard.reset()
    assert guard.feed(frames[first]) is None  # one frame is never enough evidence


frame_arrays = st.one_of(
    st.tuples(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0)).map(
        lambda a: (a[1] * np.random.default_rng(a[0]).uniform(-1, 1, FRAME_SAMPLES)).astype(np.float32)),
    st.just(np.zeros(FRAME_SAMPLES, np.float32)),
    st.integers(0, 2**32 - 1).map(lambda s: np.random.default_rng(s).standard_normal(FRAME_SAMPLES).astype(np.float32)),
    st.integers(20, 400).map(lambda p: np.where(np.arange(FRAME_SAMPLES) % p < p // 2, 1.0, -1.0).astype(np.float32)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(frame_arrays, frame_arrays), min_size=1, max_size=40))
def test_arbitrary_frames_never_raise_and_verdicts_are_well_formed(frames: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Microphone and played frames alike."""
    guard = FeedbackGuard()
    for frame, played in frames:
        guard.far_end(played)
        v = guard.feed(frame)
        if v is not None:
            assert 0 < v.frequency_hz < fs.FS / 2
            assert np.isfinite(v.level_db) and np.isfinite(v.growth_db_per_s) and v.reason


@pytest.mark.parametrize(("seed", "before_ms", "now_ms"), [(10, 2300, 300), (7, 1940, 420)])
def test_a_howl_beside_a_sung_partial_is_judged_against_the_floor_beside_it(seed: int, before_ms: int,
                                                                            now_ms: int) -> None:
    """40 ms / 1.2 excited by singing: the howl sat 7–8 bins from a partial of the held note, 20–40 dB under it, so
    its PNPR against bins ±4–8 away (the partial among them) stayed under 0 dB and it was muted `before_ms` after
    onset. With the held partial left out of its ring (feedback_floor) it is muted within `now_ms`, at its
    frequency."""
    onset, found, loop = sung_loop(40.0, 1.2, 700.0, seed)
    assert (found[0][0] - onset) * 20 <= now_ms < before_ms
    assert abs(found[0][1].frequency_hz - loop.howl_hz) < 50
