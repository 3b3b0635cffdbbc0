"""The played audio as the feedback guard's evidence (app.media.feedback_far_end): lines found where they are, in
any block size and sample format, and the guard's verdicts with and without a far end."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.media import FRAME_SAMPLES
from app.media import feedback_far_end as far_end
from app.media.feedback import LOUD_DB, FeedbackGuard
from app.media.feedback_far_end import KEEP, LAG, FarEnd
from app.media.feedback_growth import SMOOTH, smoothed
from tests.media import feedback_signals as fs
from tests.media.feedback_heldout_signals import choir
from tests.media.feedback_played import FAR_ENDS, verdicts

BIN_HZ = fs.FS / 2048


def tone(seconds: float, hz: float, level: float = 0.3, start: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * fs.FS)) / fs.FS + start
    return level * np.sin(2 * np.pi * hz * t)


def lines(far: FarEnd, at: float, hops: int) -> int:
    """In how many of the last `hops` hops a line stood at bin `at`."""
    return int(np.count_nonzero(far.profile(at, hops)[0]))


def push_in_blocks(far: FarEnd, x: np.ndarray, block: int) -> None:
    for i in range(0, len(x), block):
        far.push(x[i : i + block])


def test_a_played_tone_is_a_line_at_its_bin_only() -> None:
    """int16 stereo in odd blocks (441 samples), as an output device hands them over: every whole hop of a 1 kHz
    tone (bin 42.67) is a line there, within half a bin, and nowhere else."""
    far = FarEnd()
    x = tone(1.0, 1000.0)
    stereo = np.rint(np.stack((x, x), axis=1) * 32767).astype(np.int16)
    push_in_blocks(far, stereo, 441)
    at = 1000.0 / BIN_HZ
    hops = len(x) // FRAME_SAMPLES
    assert lines(far, at, hops) == hops
    assert lines(far, at - 0.4, 10) == 10 and lines(far, at + 0.4, 10) == 10
    assert lines(far, at + 0.7, 10) == 0 and lines(far, at - 1.0, 10) == 0
    assert lines(far, 4 * at, hops) == 0 and lines(far, 3000.0 / BIN_HZ, hops) == 0


def test_silence_and_broken_samples_hold_no_line() -> None:
    far = FarEnd()
    assert lines(far, 100.0, 50) == 0  # nothing played yet
    far.push(np.zeros(4 * FRAME_SAMPLES, np.float32))
    bad = np.full(FRAME_SAMPLES, np.nan, np.float32)
    bad[::3] = np.inf
    far.push(bad)
    for odd in (np.zeros((10, 0), np.int16), np.ones((3, 3, 3)), np.array(0.5), np.zeros(0)):
        far.push(odd)  # no channels, a cube, a scalar, nothing: taken as samples, never an error
    assert lines(far, 100.0, 50) == 0


def test_only_the_last_hops_count_after_the_ring_wrapped() -> None:
    """Longer than the ring (KEEP hops): a tone that stopped KEEP hops ago is gone, the one that followed counts
    from its first hops on (the FFT's 2048 samples straddle the change for two)."""
    far = FarEnd()
    a, b = 700.0 / BIN_HZ, 1500.0 / BIN_HZ
    push_in_blocks(far, tone(KEEP * 0.02 + 2.0, 700.0), 960)
    push_in_blocks(far, tone(1.0, 1500.0), 512)
    assert lines(far, b, KEEP) in range(48, 51)
    assert lines(far, a, KEEP) in range(KEEP - 50, KEEP - 47)
    push_in_blocks(far, tone(KEEP * 0.02, 1500.0), 1000)
    assert lines(far, a, KEEP) == 0 and lines(far, b, KEEP) == KEEP


def test_push_and_lines_on_two_threads() -> None:
    """The output device pushes on its thread while the microphone's asks: neither breaks the other."""
    far = FarEnd()
    errors: list[BaseException] = []

    def play() -> None:
        try:
            push_in_blocks(far, tone(6.0, 1000.0), 256)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    player = threading.Thread(target=play)
    player.start()
    while player.is_alive():
        assert 0 <= lines(far, 1000.0 / BIN_HZ, 60) <= 60
    player.join()
    assert not errors and lines(far, 1000.0 / BIN_HZ, 60) == 60


blocks = st.tuples(st.integers(1, 3000), st.sampled_from(["f32", "i16", "stereo"]), st.integers(0, 2**32 - 1),
                   st.floats(0.0, 2.0))


@settings(max_examples=60, deadline=None)
@given(st.lists(blocks, min_size=1, max_size=30), st.floats(-5.0, 1100.0), st.integers(0, 400))
def test_arbitrary_played_blocks_never_raise(spec: list[tuple[int, str, int, float]], k: float, hops: int) -> None:
    far = FarEnd()
    total = 0
    for n, kind, seed, scale in spec:
        x = scale * np.random.default_rng(seed).uniform(-1, 1, n)
        if kind == "i16":
            far.push(np.clip(np.rint(x * 32767), -32768, 32767).astype(np.int16))
        elif kind == "stereo":
            far.push(np.stack((x, -x), axis=1).astype(np.float32))
        else:
            far.push(x.astype(np.float32))
        total += n
    assert 0 <= lines(far, k, hops) <= min(hops, KEEP, total // FRAME_SAMPLES)


def growing_tone(hz: float = 1500.0, db_per_s: float = 40.0, seconds: float = 2.5) -> np.ndarray:
    t = np.arange(int(seconds * fs.FS)) / fs.FS
    noise = 1e-4 * np.random.default_rng(3).standard_normal(len(t))
    return np.clip(10 ** ((-70 + db_per_s * t) / 20), 0, 0.9) * np.sin(2 * np.pi * hz * t) + noise


def played_earlier(x: np.ndarray, db: float, ms: float = 30.0) -> np.ndarray:
    d = int(ms * fs.FS / 1000)
    return 10 ** (db / 20) * np.concatenate((x[d:], np.zeros(d)))


@pytest.mark.parametrize(("played_db", "through_us"), [(0.0, True), (-10.0, True), (-20.0, True), (-40.0, False)])
def test_the_advice_says_whether_the_howl_came_out_of_our_loudspeaker(played_db: float, through_us: bool) -> None:
    """The same growing tone, played `played_db` under what the microphone has, 30 ms before: up to COUPLING_DB
    (+25 dB of loudspeaker-to-microphone gain) it came out of our loudspeaker; 40 dB is beyond any desktop's. The
    mute comes from the microphone's evidence. A steady ramp swings by nothing the microphone could follow, so it is
    not taken for the played sound's echo (feedback.ECHO): its growth counts from the short windows, at the same
    frames as with nothing played."""
    mic = growing_tone()
    alone = verdicts(mic)
    found = verdicts(mic, played_earlier(mic, played_db))
    assert [i for i, _ in alone] == [12, 25, 38, 51, 64, 77]
    assert [i for i, _ in found] == [i for i, _ in alone]
    assert found[0][1].played is through_us and alone[0][1].played  # nothing played at all: the usual advice


def swinging_tone(hz: float = 1500.0, db_per_s: float = 40.0, swing_db: float = 6.0, rate_hz: float = 4.0,
                  seconds: float = 2.5) -> np.ndarray:
    """A tone rising as `growing_tone`, swinging by ±swing_db at rate_hz (the syllables a room's mode rings up)."""
    t = np.arange(int(seconds * fs.FS)) / fs.FS
    level = -70 + db_per_s * t + swing_db * np.sin(2 * np.pi * rate_hz * t)
    return np.clip(10 ** (level / 20), 0, 0.9) * np.sin(2 * np.pi * hz * t)


def test_the_played_sound_reaching_the_microphone_is_not_a_short_loop() -> None:
    """What we play rises, swinging, and the microphone has it 40 ms later, 6 dB down (our loudspeaker, the room): its
    level moves one for one with the played line's, so the rise is the played sound's own (feedback.ECHO) and counts
    only from 50 frames, where a loop through the stage could have grown. The same microphone signal with nothing
    played is muted at 30 frames."""
    played = swinging_tone()
    d = int(0.04 * fs.FS)
    mic = 10 ** (-6 / 20) * np.concatenate((np.zeros(d), played[:-d]))
    mic += 1e-4 * np.random.default_rng(3).standard_normal(len(mic))
    assert next(i for i, _ in verdicts(mic)) == 30
    found = verdicts(mic, played)
    assert [i for i, _ in found] == [49] and found[0][1].played


# Local loops that the echo rule held back while something was played, when "follows" was Pearson's r of the dB
# levels (≥ 0.8): (loop delay ms, gain, howl Hz, seed, far end) → 20–460 ms later than on a silent stage.
OWN, TALK = "own sound back −20 dB / 300 ms", "another speaker talking"
HELD_BACK = [(10.0, 1.05, 500.0, 5, OWN), (10.0, 1.05, 500.0, 8, OWN), (20.0, 1.2, 1000.0, 8, OWN),
             (40.0, 1.2, 700.0, 13, OWN), (15.0, 2.0, 3000.0, 8, TALK), (15.0, 2.0, 3000.0, 11, TALK)]


@pytest.mark.parametrize(("delay_ms", "gain", "hz", "seed", "far"), HELD_BACK)
def test_a_local_loop_is_muted_as_soon_whatever_is_played(delay_ms: float, gain: float, hz: float, seed: int,
                                                          far: str) -> None:
    """A local loop (the system playing the microphone back, another device) is muted at the same frame whether the
    stage is silent, another speaker talks, or our own howl comes back through another speaker's room: neither is
    the played sound reaching the microphone (FarEnd.follows: one for one in dB, swinging as it does)."""
    loop = fs.make_loop(delay_ms, gain, hz, seed)
    y = fs.run_loop(loop, fs.speech(5.0, 10 + seed))
    silent = [i for i, _ in verdicts(y, np.zeros_like(y)) if i >= 50]
    played = [i for i, _ in verdicts(y, FAR_ENDS[far](y, seed)) if i >= 50]
    assert silent and played and played[0] == silent[0]


def test_a_howl_not_in_what_we_play_went_through_something_else() -> None:
    """Our loudspeaker plays another speaker's voice, or nothing: a growing tone the microphone has is not in it
    (the system playing the microphone back, another device playing the room). Muted all the same."""
    mic = growing_tone()
    for played in (np.zeros_like(mic), fs.speech(2.6, 901, f0_base=180.0)[: len(mic)]):
        found = verdicts(mic, played)
        assert [i for i, _ in found] == [i for i, _ in verdicts(mic)]
        assert not found[0][1].played


@pytest.mark.parametrize("played", ["silent", "speech"])
def test_music_mode_does_not_take_a_choir_in_the_room_for_a_howl(played: str) -> None:
    """Four voices on one pitch (110 Hz, 2 cents spread: a signal of the first held-out set) beat partials out of
    their nulls as a loop grows: the guard mutes it 5 times. Nothing of it is in what we play (the stage silent, or
    another speaker talking): in music mode, no mute."""
    mic = choir(4.5, (110.0,), 510, 2.0)
    far = np.zeros_like(mic) if played == "silent" else fs.speech(4.6, 901, f0_base=180.0)[: len(mic)]
    assert len(verdicts(mic, far)) == 5
    assert verdicts(mic, far, music=True) == []


def test_music_mode_mutes_a_howl_through_our_loudspeaker_as_soon_and_a_local_one_when_loud() -> None:
    """The growing tone played back 30 ms earlier (through our loudspeaker): muted at the same frame as in the
    normal mode. Nothing played (the system playing the microphone back): muted once it reaches LOUD_DB."""
    mic = growing_tone()
    normal = verdicts(mic, played_earlier(mic, 0.0))
    assert verdicts(mic, played_earlier(mic, 0.0), music=True) == normal
    local = verdicts(mic, np.zeros_like(mic), music=True)
    assert local and local[0][0] > normal[0][0]
    assert local[0][1].level_db >= LOUD_DB and not local[0][1].played


def test_music_mode_can_be_switched_on_a_running_guard() -> None:
    """The speaker's choice in the invitation applies to the guard already built for the session."""
    mic = growing_tone()
    guard = FeedbackGuard()
    guard.music = True
    assert verdicts(mic, np.zeros_like(mic), guard)[0][0] == verdicts(mic, np.zeros_like(mic), music=True)[0][0]


class Played(FarEnd):
    """A far end whose power at the judged bin, hop by hop (oldest first), is given in dB."""

    def __init__(self, db: np.ndarray | list[float]) -> None:
        super().__init__()
        self._power = 10 ** (np.asarray(db, dtype=np.float64) / 10)

    def profile(self, at: float, hops: int) -> tuple[np.ndarray, np.ndarray]:
        power = self._power[-hops:]
        return np.ones(len(power), dtype=bool), power


def follows(mic_db: np.ndarray | list[float], played_db: np.ndarray | list[float]) -> bool:
    mic = np.asarray(mic_db, dtype=np.float64)
    return Played(played_db).follows(100.0, mic, np.ones(len(mic), dtype=bool))


W = 12
SWING = -60 + 3 * np.random.default_rng(5).standard_normal(W + LAG + SMOOTH - 1)  # a played line, ±3 dB hop by hop
ECHO = smoothed(10 ** (SWING / 10))[-W:] + 10  # ... reaching the microphone at lag 0, 10 dB up
STEADY = np.linspace(-80, -50, W + LAG + SMOOTH - 1)  # a played line that rises as a straight line
PULSED = -60 + 10 * np.sin(np.arange(W + LAG + SMOOTH - 1) * 2 * np.pi / 5)  # syllables, 10 a second
PULSED_ECHO = smoothed(10 ** (PULSED / 10))[-W:] + 10
# From the stage loop benchmark (−3 dB, seed 18, Ben): his microphone's last 6 levels and the 21 hops played before
# (the 2 oldest repeated): an echo 1.1 dB from the played line at lag 1, whose straight lines leave r 0.70–0.75
STAGE_MIC = [-65.6, -63.3, -59.9, -59.6, -58.4, -52.3]
STAGE_PLAYED = [-75.0, -75.0, -75.0, -78.0, -85.0, -89.0, -95.0, -94.0, -65.0, -58.0, -62.0, -72.0, -66.0, -66.0,
                -66.0, -66.0, -68.0, -57.0, -60.0, -63.0, -53.0, -47.0, -49.0]


@pytest.mark.parametrize(("case", "mic", "played", "constant", "lets_through"), [
    ("moves 3 dB a played dB", 3 * (PULSED_ECHO - PULSED_ECHO.mean()) + PULSED_ECHO.mean(), PULSED, "FOLLOW_DB", 1e9),
    ("rises 10 dB over a flat line that swings in step", ECHO + np.linspace(0, 10, W), SWING, "FOLLOW_RISE_DB", 1e9),
    ("a steady ramp", smoothed(10 ** (STEADY / 10))[-W:] + 10, STEADY, "FOLLOW_SWING_DB", 0.0),
    ("a stage loop's echo whose lines leave r < 0.75", STAGE_MIC, STAGE_PLAYED, "FOLLOW_R", 0.75)])
def test_each_of_the_echo_tests_rejects_what_it_is_for(case: str, mic: np.ndarray, played: np.ndarray,
                                                       constant: str, lets_through: float,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The played sound reaching the microphone moves the tone one for one in dB (feedback_far_end.FOLLOW_DB):
    each test rejects its case alone — with its constant at `lets_through` the same levels pass as an echo (or,
    for FOLLOW_R, the stage loop's echo is accepted at 0.7 and would be rejected from 0.75)."""
    assert follows(ECHO, SWING) and follows(PULSED_ECHO, PULSED)  # plain echoes pass every test
    if constant == "FOLLOW_R":
        assert follows(mic, played), case
    else:
        assert not follows(mic, played), case
    monkeypatch.setattr(far_end, constant, lets_through)
    assert follows(mic, played) is (constant != "FOLLOW_R"), case
