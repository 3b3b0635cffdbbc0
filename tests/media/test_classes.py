"""Stretch rates per class of signal on signals built for each: a gated tone ("speech-like": 100 ms on, 100 ms of
digital silence, 5 ms attack and release), white noise, a pause. Pauses grow ≤ 100 % and shrink ≤ 50 %, the tone
≤ 25 %, noise ≤ 5 %, and the onsets and endings are never edited.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.stretch import GROW, MAX_LAG, MAX_QUIET_CHUNK, SHRINK, Kind, accelerate, expand
from tests.media.test_stretch import AMPLITUDE, stretch_stream
from tests.support.analysis import find_clicks, level_dips

LEVEL = AMPLITUDE / np.sqrt(2)
GATE = SAMPLE_RATE // 10  # 100 ms on, 100 ms off
ATTACK = SAMPLE_RATE // 200  # 5 ms raised-cosine attack and release


def gated(n: int, freq: float = 440.0, gate: int = GATE) -> np.ndarray:
    """A tone switched on and off every `gate` samples (the pauses digital silence), as float32 (n, 2)."""
    t = np.arange(n)
    phase = t % (2 * gate)
    env = np.clip(np.minimum(phase, gate - phase) / ATTACK, 0.0, 1.0)
    mono = AMPLITUDE * np.sin(2 * np.pi * freq * t / SAMPLE_RATE) * (0.5 - 0.5 * np.cos(np.pi * env))
    return np.repeat(mono[:, None], 2, axis=1).astype(np.float32)


def edges(n: int, gate: int = GATE) -> list[int]:
    return list(range(gate, n - gate, gate))


def kept_verbatim(segment: np.ndarray, out: np.ndarray) -> bool:
    """Whether `segment` (first channel) appears sample for sample somewhere in `out`."""
    seg, mono = segment[:, 0], out[:, 0]
    candidates = np.flatnonzero(mono[: len(mono) - len(seg) + 1] == seg[len(seg) // 2 - 1])
    return any(np.array_equal(mono[c - len(seg) // 2 + 1 : c - len(seg) // 2 + 1 + len(seg)], seg)
               for c in candidates if c >= len(seg) // 2 - 1)


def rate(stretcher_seen: int, stretched: int) -> float:
    return stretched / stretcher_seen if stretcher_seen else 0.0


@pytest.mark.parametrize("direction", [+1, -1])
def test_gated_tone_pauses_take_the_stretch_and_onsets_are_never_edited(direction: int) -> None:
    signal = gated(100 * FRAME_SAMPLES)
    out, s = stretch_stream(signal, direction)
    quiet, periodic = rate(s.seen[Kind.QUIET], s.stretched[Kind.QUIET]), rate(
        s.seen[Kind.PERIODIC], s.stretched[Kind.PERIODIC])
    bound = GROW if direction > 0 else SHRINK
    # measured: pauses +100 % / −50 %, the tone ±24.4 %, onsets 0 (19 % of the signal), nothing OTHER
    assert bound[Kind.QUIET] - 0.05 <= direction * quiet <= bound[Kind.QUIET]
    assert bound[Kind.PERIODIC] - 0.02 <= direction * periodic <= bound[Kind.PERIODIC]
    assert s.seen[Kind.ONSET] > 0.1 * len(signal) and s.stretched[Kind.ONSET] == 0
    assert s.seen[Kind.OTHER] == 0
    assert len(out) == len(signal) + s.net_samples
    # Never edited: every attack and release (5 ms either side of each gate edge) is in the output unchanged ...
    for e in edges(len(signal)):
        assert kept_verbatim(signal[e - ATTACK : e + ATTACK], out), e
    # ... and no 10 ms inside a sound falls 6 dB under the tone: nothing cut into or faded inside a note.
    assert level_dips(out, LEVEL) == []
    assert find_clicks(out) == []


@pytest.mark.parametrize("edit", ["shorten an onset like a pause", "lengthen an ending like a pause"])
def test_the_onset_checks_catch_an_edited_onset(edit: str) -> None:
    """Guard: a pause-sized (20 ms) edit across an edge is seen by the checks above."""
    signal = gated(20 * FRAME_SAMPLES)
    chunk = MAX_QUIET_CHUNK
    if edit.startswith("shorten"):  # [20 ms of pause | attack and tone], 20 ms removed: a 20 ms fade-in
        e, op = 2 * GATE, accelerate
    else:  # [tone and release | 20 ms of pause], 20 ms repeated: the tone dips and comes back before the pause
        e, op = GATE, expand
    out = np.concatenate((signal[: e - chunk], op(signal[e - chunk : e + chunk], chunk), signal[e + chunk :]))
    if op is accelerate:  # (the repeated ending keeps its own release intact: the dip after it is the tell)
        assert not kept_verbatim(signal[e - ATTACK : e + ATTACK], out)
    assert level_dips(out, LEVEL) != []


def test_shrinking_a_pause_takes_at_most_half_of_it() -> None:
    pause = np.zeros((50 * FRAME_SAMPLES, 2), np.float32)
    pause[::7] = 1.0  # -90 dBFS: quiet, not digital silence
    out, s = stretch_stream(pause, -1)
    assert s.seen[Kind.QUIET] == len(pause)
    assert -0.5 * len(pause) <= s.net_samples <= -0.5 * len(pause) + MAX_QUIET_CHUNK  # measured −50 %
    assert len(out) == len(pause) + s.net_samples


def test_the_quiet_level_is_relative_to_the_last_second() -> None:
    """A pause is −55 dBFS or 30 dB under the loudest frame of the last second: after a loud tone, a tone 40 dB
    down is a pause; without the loud tone before it, it is a tone (25 %)."""
    soft = gated(50 * FRAME_SAMPLES, gate=10**9) * 0.01  # -40 dB, never switched off
    loud = gated(25 * FRAME_SAMPLES, gate=10**9)
    _, after_loud = stretch_stream(np.concatenate((loud, soft)), +1)
    _, alone = stretch_stream(soft, +1)
    assert after_loud.seen[Kind.QUIET] >= 0.9 * len(soft)
    assert alone.seen[Kind.QUIET] == 0 and alone.seen[Kind.PERIODIC] >= 0.95 * len(soft)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(freq=st.floats(110.0, 900.0), gate=st.integers(2, 20).map(lambda k: k * 480),
       noise=st.floats(0.0, 0.5), direction=st.sampled_from([+1, -1]), max_rate=st.sampled_from([0.0, 0.05]))
def test_no_class_is_ever_stretched_beyond_its_bound(freq: float, gate: int, noise: float, direction: int,
                                                    max_rate: float) -> None:
    """Whatever the mix of pauses, tones, noise and edges: per class, |stretched| ≤ rate · seen (the credit is
    earned before it is spent), onsets 0, and the output is the input plus the net samples."""
    signal = gated(40 * FRAME_SAMPLES, freq, gate)
    signal += (np.random.default_rng(gate).standard_normal(signal.shape) * noise * LEVEL).astype(np.float32)
    out, s = stretch_stream(signal, direction, max_rate)
    bound = dict(GROW if direction > 0 else SHRINK)
    bound[Kind.OTHER] = max_rate
    for kind in Kind:
        assert direction * s.stretched[kind] >= 0
        assert abs(s.stretched[kind]) <= bound[kind] * s.seen[kind], kind
    assert sum(s.seen.values()) == len(signal)
    assert len(out) == len(signal) + s.net_samples
    assert abs(s.net_samples) <= 1.0 * len(signal) + 2 * MAX_LAG
