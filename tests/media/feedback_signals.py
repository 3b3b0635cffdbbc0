"""Signals for the feedback guard's tests and benchmark: an acoustic loop simulation and a false-positive test set.

Origin of every signal: all are generated here with numpy from fixed seeds (no recordings), except `demo_room`,
which decodes the project's own CC0 file resources/audio/demo-room.ogg (espeak-ng speech and sox plucks, see
resources/audio/README.md). 48 kHz mono float64 in [-1, 1].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE

FS = SAMPLE_RATE
DEMO_AUDIO = Path(__file__).resolve().parents[2] / "resources" / "audio" / "demo-room.ogg"


def _env(n: int, attack: float, release: float) -> np.ndarray:
    """A linear attack/release envelope over n samples (seconds)."""
    env = np.ones(n)
    a, r = min(n // 2, int(attack * FS)), min(n // 2, int(release * FS))
    if a:
        env[:a] = np.linspace(0.0, 1.0, a)
    if r:
        env[n - r :] = np.linspace(1.0, 0.0, r)
    return env


def _formant_gain(freq: np.ndarray, formants: list[tuple[float, float]]) -> np.ndarray:
    """Magnitude of a cascade of formant resonances (centre Hz, bandwidth Hz), evaluated at `freq`."""
    gain = np.ones_like(freq)
    for fc, bw in formants:
        gain *= fc**2 / np.sqrt((fc**2 - freq**2) ** 2 + (bw * freq) ** 2)
    return gain


def _harmonic(f0: np.ndarray, amps: Callable[[int, np.ndarray], np.ndarray], phase0: float = 0.0) -> np.ndarray:
    """Additive synthesis along the pitch contour f0 (Hz per sample); harmonic k gets amplitude amps(k, k·f0)."""
    phase = phase0 + 2 * np.pi * np.cumsum(f0) / FS
    out = np.zeros(len(f0))
    k = 1
    while k * float(np.min(f0)) < 10000:
        fk = k * f0
        a = amps(k, fk) * (fk < 10000)
        out += a * np.sin(k * phase)
        k += 1
    return out


VOWELS = [[(730, 90), (1090, 110), (2440, 170)], [(270, 60), (2290, 100), (3010, 150)],
          [(530, 60), (1840, 100), (2480, 120)], [(300, 60), (870, 90), (2240, 120)],
          [(570, 80), (840, 90), (2410, 150)]]


def speech(seconds: float, seed: int, f0_base: float = 120.0, level: float = 0.2) -> np.ndarray:
    """Synthetic speech: glottal harmonics (−12 dB/oct) with a drifting f0 through vowel formants, in syllables
    of 80–300 ms with short gaps, fricative noise bursts and 0.2–0.8 s pauses between phrases."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    total = 0
    while total < seconds * FS:
        for _ in range(int(rng.integers(3, 9))):  # a phrase
            n = int(rng.uniform(0.08, 0.3) * FS)
            f_start = f0_base * rng.uniform(0.8, 1.4)
            f0 = np.linspace(f_start, f_start * rng.uniform(0.75, 1.2), n)
            formants = VOWELS[int(rng.integers(len(VOWELS)))]
            syl = _harmonic(f0, lambda k, fk, fm=formants: _formant_gain(fk, fm) / k)  # type: ignore[misc]
            syl *= _env(n, 0.015, 0.03) / (np.max(np.abs(syl)) + 1e-12)
            if rng.random() < 0.4:  # a fricative before the vowel: high-passed noise
                m = int(rng.uniform(0.04, 0.1) * FS)
                noise = np.fft.irfft(np.fft.rfft(rng.standard_normal(m)) * (np.fft.rfftfreq(m, 1 / FS) > 3000), m)
                syl = np.concatenate((0.3 * noise * _env(m, 0.01, 0.01) / (np.std(noise) * 3 + 1e-12), syl))
            out += [syl * rng.uniform(0.5, 1.0), np.zeros(int(rng.uniform(0.02, 0.08) * FS))]
        out.append(np.zeros(int(rng.uniform(0.2, 0.8) * FS)))
        total = sum(len(s) for s in out)
    sig = np.concatenate(out)[: int(seconds * FS)]
    return level * sig + 1e-4 * rng.standard_normal(len(sig))  # room noise at −80 dBFS


def _vibrato(n: int, f: float, rate: float, cents: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / FS
    depth = cents * np.minimum(1.0, t / 0.4)  # vibrato sets in after the attack, as sung
    return f * 2 ** (depth * np.sin(2 * np.pi * rate * t + rng.uniform(0, 6.28)) / 1200)


def singing(seconds: float, seed: int, level: float = 0.3) -> np.ndarray:
    """Sung notes held 2–4 s with 5–6 Hz vibrato of ±50 cents, harmonics through vowel formants, legato joins."""
    rng = np.random.default_rng(seed)
    notes = [196.0, 220.0, 261.6, 293.7, 329.6, 392.0, 440.0, 523.3, 587.3]
    out: list[np.ndarray] = []
    while sum(len(s) for s in out) < seconds * FS:
        n = int(rng.uniform(2.0, 4.0) * FS)
        f0 = _vibrato(n, float(rng.choice(notes)), rng.uniform(5.0, 6.0), 50.0, rng)
        formants = VOWELS[int(rng.integers(len(VOWELS)))]
        note = _harmonic(f0, lambda k, fk, fm=formants: _formant_gain(fk, fm) / k)  # type: ignore[misc]
        out.append(note * _env(n, 0.08, 0.1) / (np.max(np.abs(note)) + 1e-12) * rng.uniform(0.6, 1.0))
    sig = np.concatenate(out)[: int(seconds * FS)]
    return level * sig + 1e-4 * rng.standard_normal(len(sig))


def held_note(seconds: float, freq: float, partials: dict[int, float], seed: int, level: float = 0.4,
              attack: float = 0.05, breath: float = 0.0) -> np.ndarray:
    """A steady instrument note: fixed partial amplitudes (relative to the fundamental), constant level, slight
    natural pitch jitter (±2 cents), optional breath noise (fraction of the level)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    jitter = np.convolve(rng.standard_normal(n // 480 + 2), np.ones(20) / 20, "same")
    f0 = freq * 2 ** (2 * np.repeat(jitter, 480)[:n] / np.max(np.abs(jitter) + 1e-12) / 1200)
    phase = 2 * np.pi * np.cumsum(f0) / FS
    sig = sum(a * np.sin(k * phase + rng.uniform(0, 6.28)) for k, a in partials.items())
    sig = np.asarray(sig) / sum(partials.values()) * level * _env(n, attack, 0.1)
    return sig + breath * level * rng.standard_normal(n) + 1e-4 * rng.standard_normal(n)


ORGAN = {1: 1.0, 2: 0.7, 3: 0.5, 4: 0.35, 6: 0.2, 8: 0.15}
CLARINET = {1: 1.0, 2: 0.03, 3: 0.6, 4: 0.02, 5: 0.35, 7: 0.2, 9: 0.1}
FLUTE = {1: 1.0, 2: 0.025, 3: 0.008}  # 2nd harmonic at 2.5 % (−32 dB): the hard case


def sine_swell(seconds: float, freq: float, seed: int, rise: float = 1.0, level: float = 0.5) -> np.ndarray:
    """A pure sine rising from silence over `rise` s (raised cosine: fastest in dB at the start), then held."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    t = np.arange(n) / FS
    env = np.where(t < rise, 0.5 * (1 - np.cos(np.pi * np.minimum(t, rise) / rise)), 1.0)
    return level * env * np.sin(2 * np.pi * freq * t) + 1e-4 * rng.standard_normal(n)


def _db_ramp(n: int, rise_db: float, start: float, rise: float) -> np.ndarray:
    """A gain that rises linearly in dB by `rise_db` from `start` s over `rise` s, flat before and after (a steady
    crescendo: the shape a loop's growth has, the hard case for a growth test)."""
    t = np.arange(n) / FS
    return 10 ** (rise_db * np.clip((t - start) / rise, 0.0, 1.0) / 20)


def sung_crescendo(seconds: float, freq: float, seed: int, rise_db: float = 12.0, level: float = 0.08,
                   rise: float = 2.0, cents: float = 50.0) -> np.ndarray:
    """One sung vowel held for `seconds` with 5–6 Hz vibrato of ±`cents` (0: a straight tone, as in choral or early
    music), swelling by `rise_db` linearly in dB over `rise` s from 0.5 s (messa di voce), harmonics through vowel
    formants."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    f0 = _vibrato(n, freq, rng.uniform(5.0, 6.0), cents, rng)
    formants = VOWELS[int(rng.integers(len(VOWELS)))]
    note = _harmonic(f0, lambda k, fk, fm=formants: _formant_gain(fk, fm) / k)  # type: ignore[misc]
    note *= _env(n, 0.08, 0.1) * _db_ramp(n, rise_db, 0.5, rise) / (np.max(np.abs(note)) + 1e-12)
    return level * note + 1e-4 * rng.standard_normal(n)


def synth_pad(seconds: float, freq: float, seed: int, rise_db: float = 20.0, level: float = 0.15) -> np.ndarray:
    """A synth pad: three sawtooth voices detuned by −7, 0 and +7 cents (their partials beat), swelling by
    `rise_db` linearly in dB over 2 s from 0.5 s (a slow attack / volume swell)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    t = np.arange(n) / FS
    pad = sum(_harmonic(np.full(n, freq * 2 ** (c / 1200)), lambda k, fk: 1.0 / k, rng.uniform(0, 6.28))
              for c in (-7.0, 0.0, 7.0))
    pad = np.asarray(pad) * _env(n, 0.05, 0.1) * _db_ramp(n, rise_db, 0.5, 2.0)
    return level * pad / (np.max(np.abs(pad)) + 1e-12) + 1e-4 * rng.standard_normal(len(t))


def organ_swell(seconds: float, freq: float, seed: int, rise_db: float = 10.0, level: float = 0.12) -> np.ndarray:
    """A held organ / synth pad note (ORGAN partials, ±2 cent jitter) whose swell pedal opens by `rise_db` linearly
    in dB over 2 s from 0.5 s."""
    note = held_note(seconds, freq, ORGAN, seed, level=level)
    return note * _db_ramp(len(note), rise_db, 0.5, 2.0)


def whistle(seconds: float, freq: float, seed: int, level: float = 0.2) -> np.ndarray:
    """A whistled tone: a pure sine whose pitch drifts slowly (a random walk, ~±15 cents over a second) with breath
    noise at −30 dB and a ±1.5 dB level wander."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    steps = np.cumsum(rng.standard_normal(n // 480 + 2)) * 2.0
    drift = np.repeat(np.convolve(steps, np.ones(10) / 10, "same"), 480)[:n]
    drift = 15.0 * drift / (np.max(np.abs(drift)) + 1e-12)
    wander = np.repeat(np.convolve(rng.standard_normal(n // 4800 + 2), np.ones(3) / 3, "same"), 4800)[:n]
    amp = 10 ** (1.5 * np.convolve(wander, np.ones(2400) / 2400, "same") / 20)
    phase = 2 * np.pi * np.cumsum(freq * 2 ** (drift / 1200)) / FS
    sig = amp * np.sin(phase) * _env(n, 0.1, 0.1)
    return level * (sig + 0.03 * rng.standard_normal(n)) + 1e-4 * rng.standard_normal(n)


def tremolo_note(seconds: float, freq: float, partials: dict[int, float], seed: int, rate: float = 5.0,
                 depth_db: float = 3.0, level: float = 0.2) -> np.ndarray:
    """A held note (fixed partials, ±2 cent jitter) under a sinusoidal tremolo of ±`depth_db` at `rate` Hz (a
    vibraphone's motor, an amp's tremolo, a Leslie)."""
    note = held_note(seconds, freq, partials, seed, level=level)
    t = np.arange(len(note)) / FS
    return note * 10 ** (depth_db * np.sin(2 * np.pi * rate * t) / 20)


def demo_room() -> np.ndarray:
    """The project's CC0 demo recording (espeak-ng speech + sox plucks), decoded by PyAV to 48 kHz mono."""
    from app.media.sources import decode_file

    return decode_file(str(DEMO_AUDIO)).astype(np.float64) / 32768.0


FALSE_POSITIVE_CLASSES: dict[str, Callable[[], list[np.ndarray]]] = {
    "speech (synthetic)": lambda: [speech(20.0, seed, f0) for seed, f0 in ((1, 110.0), (2, 210.0), (3, 150.0))],
    "speech (demo-room.ogg)": lambda: [demo_room()],
    "singing (vibrato)": lambda: [singing(20.0, seed) for seed in (4, 5, 6)],
    "organ / clarinet": lambda: [held_note(5.0, f, ORGAN, 7) for f in (130.8, 523.3, 1046.5)]
    + [held_note(5.0, f, CLARINET, 8) for f in (146.8, 440.0, 880.0)],
    "flute (2.5 % 2nd harm.)": lambda: [held_note(5.0, f, FLUTE, 9, breath=0.003) for f in (523.3, 880.0, 1568.0,
                                                                                              2093.0)],
    "sine swell 1 s + hold": lambda: [sine_swell(5.0, f, 10) for f in (440.0, 1000.0, 3000.0)],
    "sung crescendo +12 dB / 2 s": lambda: [sung_crescendo(4.0, f, 11 + i)
                                           for i, f in enumerate((196.0, 329.6, 440.0, 587.3, 880.0))],
    "organ swell +10 dB / 2 s": lambda: [organ_swell(4.0, f, 12) for f in (130.8, 261.6, 523.3, 1046.5)],
    "sung crescendo +20 dB / 1.5 s": lambda: [sung_crescendo(4.0, f, 21 + i, rise_db=20.0, rise=1.5)
                                             for i, f in enumerate((196.0, 261.6, 440.0, 698.5, 987.8))],
    "straight-tone crescendo +15 dB / 2 s": lambda: [sung_crescendo(4.0, f, 26 + i, rise_db=15.0, cents=0.0)
                                                    for i, f in enumerate((220.0, 392.0, 659.3))],
    "synth pad swell +20 dB / 2 s": lambda: [synth_pad(4.0, f, 29 + i) for i, f in enumerate((110.0, 220.0, 440.0,
                                                                                                880.0))],
    "whistle (drifting pitch)": lambda: [whistle(5.0, f, 13 + i) for i, f in enumerate((1000.0, 1500.0, 2200.0))],
    "tremolo ±3 dB 3–7 Hz": lambda: [tremolo_note(5.0, f, p, 14, rate=r)
                                     for f, p, r in ((220.0, ORGAN, 3.0), (440.0, CLARINET, 5.0),
                                                     (880.0, FLUTE, 7.0), (1046.5, {1: 1.0}, 4.0))],
}


def false_positive_set() -> dict[str, list[np.ndarray]]:
    """The signals the guard must never mute, by class (FALSE_POSITIVE_CLASSES generates one class only)."""
    return {cls: make() for cls, make in FALSE_POSITIVE_CLASSES.items()}


# ------------------------------------------------------------------------------------------- the acoustic loop
@dataclass
class Loop:
    """A closed acoustic loop: mic → delay → loudspeaker → room (RIR with one resonance) → mic."""

    ir: np.ndarray  # the loop's impulse response, delay included (ir[:delay] == 0)
    delay: int  # samples
    gain: float  # the largest |G(f)| where the loop's phase is 0 mod 2π (Nyquist: > 1 howls)
    howl_hz: float  # that frequency


def make_loop(delay_ms: float, gain: float, resonance_hz: float, seed: int) -> Loop:
    """A loop whose open-loop response peaks at `resonance_hz`, scaled so the Nyquist gain there is `gain`.

    The room: 6 decaying early reflections plus a 120 ms exponentially decaying random tail, convolved with a
    resonance (a decaying sinusoid, bandwidth ~10 Hz: a room mode / loudspeaker peak) so that one frequency leads.
    """
    rng = np.random.default_rng(seed)
    n_rir = int(0.12 * FS)
    rir = rng.standard_normal(n_rir) * np.exp(-np.arange(n_rir) / (0.02 * FS)) * 0.2
    for _ in range(6):
        rir[int(rng.integers(0, n_rir // 3))] += rng.uniform(-1, 1) * 0.8
    rir[0] += 1.0
    n_res = int(0.1 * FS)
    tr = np.arange(n_res) / FS
    res = np.exp(-np.pi * 10.0 * tr) * np.cos(2 * np.pi * resonance_hz * tr)
    h = np.convolve(rir, res)[: int(0.2 * FS)]
    d = int(delay_ms * FS / 1000)
    ir = np.concatenate((np.zeros(d), h))
    nfft = 1 << 20
    g = np.fft.rfft(ir, nfft)
    freqs = np.fft.rfftfreq(nfft, 1 / FS)
    ph = np.angle(g)
    cross = np.nonzero((np.abs(np.diff(ph)) < np.pi) & (np.sign(ph[:-1]) != np.sign(ph[1:])) & (freqs[:-1] > 100))[0]
    best = cross[np.argmax(np.abs(g[cross]))]
    scale = gain / np.abs(g[best])
    return Loop(ir * scale, d, gain, float(freqs[best]))


def run_loop(loop: Loop, excitation: np.ndarray, close_at: float = 1.0, clip: float = 1.0) -> np.ndarray:
    """The mic signal y = clip(x + (ir ∗ y)) with the loop closed from `close_at` s (before: x alone).

    Block-wise (blocks no longer than the loop delay, so each block only needs past output), FFT convolution.
    The mic saturates at ±clip (a howl's level stops at full scale, as real ones do).
    """
    h = loop.ir[loop.delay :]
    block = min(480, loop.delay)
    taps = len(h)
    nfft = 1 << int(np.ceil(np.log2(block + taps - 1)))
    spec_h = np.fft.rfft(h, nfft)
    pad = loop.delay + taps
    y = np.zeros(pad + len(excitation))
    start = int(close_at * FS)
    for n0 in range(0, len(excitation), block):
        b = min(block, len(excitation) - n0)
        x = excitation[n0 : n0 + b]
        if n0 >= start:
            i = pad + n0  # y index of the block's first sample
            seg = y[i - loop.delay - taps + 1 : i - loop.delay + b]
            fb = np.fft.irfft(np.fft.rfft(seg, nfft) * spec_h, nfft)[taps - 1 : taps - 1 + b]
            x = x + fb
        y[pad + n0 : pad + n0 + b] = np.clip(x, -clip, clip)
    return y[pad:]


def _frame_power(signal: np.ndarray) -> np.ndarray:
    """Per 20 ms frame: the power spectrum (a full-scale sine's bin → 1) of a Hann 2048-FFT of the last 2048
    samples — the guard's own view of the spectrum."""
    n_fft = 2048
    win = np.hanning(n_fft)
    padded = np.concatenate((np.zeros(n_fft - FRAME_SAMPLES), signal))
    frames = len(signal) // FRAME_SAMPLES
    idx = np.arange(frames)[:, None] * FRAME_SAMPLES + np.arange(n_fft)[None, :]
    return np.abs(np.fft.rfft(padded[idx] * win, axis=1)) ** 2 / (np.sum(win) / 2) ** 2


def narrowband_db(signal: np.ndarray, freq: float) -> np.ndarray:
    """Per 20 ms frame: the level (dB, unnormalised) of `signal` within ±2 bins (±47 Hz) of `freq` in a Hann
    2048-FFT of the last 2048 samples (the guard's own view of the spectrum)."""
    n_fft = 2048
    win = np.hanning(n_fft)
    k = round(freq * n_fft / FS)
    padded = np.concatenate((np.zeros(n_fft - FRAME_SAMPLES), signal))
    frames = len(signal) // FRAME_SAMPLES
    idx = np.arange(frames)[:, None] * FRAME_SAMPLES + np.arange(n_fft)[None, :]
    spec = np.abs(np.fft.rfft(padded[idx] * win, axis=1)[:, k - 2 : k + 3]) ** 2
    return 10 * np.log10(np.sum(spec, axis=1) + 1e-20)


def erb_hz(freq: float) -> float:
    """The equivalent rectangular bandwidth of the auditory filter at `freq` (Glasberg & Moore 1990): the band
    over which the ear adds up a masker's power against a tone (79 Hz at 500 Hz, 133 Hz at 1 kHz, 565 at 5 kHz)."""
    return 24.7 * (4.37 * freq / 1000 + 1)


def critical_band_db(signal: np.ndarray, freq: float) -> np.ndarray:
    """Per 20 ms frame: the power (dBFS, a full-scale sine = 0) of `signal` in the ERB centred on `freq`."""
    freqs = np.fft.rfftfreq(2048, 1 / FS)
    band = np.abs(freqs - freq) <= erb_hz(freq) / 2
    return 10 * np.log10(_frame_power(signal)[:, band].sum(axis=1) + 1e-20)


def active_frames(signal: np.ndarray, margin_db: float = 15.9) -> np.ndarray:
    """The frames where speech is active, after ITU-T P.56's active speech level: the active level is the mean
    power of the frames no more than `margin_db` below it (iterated to its fixed point); pauses do not count."""
    frames = len(signal) // FRAME_SAMPLES
    power = np.mean(signal[: frames * FRAME_SAMPLES].reshape(frames, FRAME_SAMPLES) ** 2, axis=1) + 1e-20
    level = float(power.mean())
    for _ in range(50):
        active = power >= level * 10 ** (-margin_db / 10)
        new = float(power[active].mean())
        if new == level:
            break
        level = new
    return active


def howl_over_speech_db(loop: Loop, excitation: np.ndarray, wet: np.ndarray) -> np.ndarray:
    """Per frame: how far the howl (wet − dry: what the loop adds) stands over the speech in the ear's critical
    band around the howl — the howl's power in that ERB minus the speech's active level there (its mean power over
    the frames where the speech is active, P.56)."""
    speech = 10 ** (critical_band_db(excitation, loop.howl_hz) / 10)
    reference = 10 * np.log10(float(np.mean(speech[active_frames(excitation)])) + 1e-20)
    return critical_band_db(wet - excitation, loop.howl_hz) - reference


def howl_emergence_frame(loop: Loop, excitation: np.ndarray, wet: np.ndarray, close_at: float = 1.0,
                         hold: int = 10) -> int | None:
    """The howl's onset for a detection budget: the first frame after the loop closes from which the howl stays
    at or over the speech's active level in its critical band (`howl_over_speech_db` ≥ 0) for `hold` frames (200
    ms: a tone's detectability and loudness build up over ~200 ms, temporal integration). Before that the howl is
    quieter than the speech where the ear hears it; from then on it is as loud as the speech there and steady,
    i.e. heard as a tone of its own (docs/performance.md, "Onset", and the benchmark's docstring say why not the
    older `howl_onset_frame`)."""
    return _first_held(howl_over_speech_db(loop, excitation, wet) >= 0.0, close_at, hold)


def _first_held(over: np.ndarray, close_at: float, hold: int) -> int | None:
    first = int(close_at * FS) // FRAME_SAMPLES
    held = over[first:]
    if hold > 1:
        held = np.convolve(held.astype(np.int64), np.ones(hold, dtype=np.int64), mode="full")[hold - 1 :] == hold
    above = np.nonzero(held)[0]
    return None if len(above) == 0 else first + int(above[0])


def howl_onset_frame(loop: Loop, excitation: np.ndarray, wet: np.ndarray, close_at: float = 1.0,
                     hold: int = 1) -> int | None:
    """The older onset, kept as the benchmark's second column: the first frame after the loop closes where the
    howl's narrowband level (±47 Hz, wet − dry) exceeds the 90th percentile of the dry excitation's narrowband level
    there — and, with `hold` > 1, stays over it for `hold` frames in a row. Where speech is sparse in that band
    (4–5 kHz: fricatives in few frames) that percentile is the room noise, and this onset came when the howl was at
    −92 dBFS in its critical band, 33 dB under the speech's active level there (50 ms / 1.2 at 5 kHz, seed 2)."""
    howl = narrowband_db(wet - excitation, loop.howl_hz)
    background = float(np.percentile(narrowband_db(excitation, loop.howl_hz), 90))
    return _first_held(howl > background, close_at, hold)
