"""A held-out set of harder negatives for the feedback guard (2026-12-05): ensembles and sustained instruments the
guard was never tuned on. benchmarks/feedback_guard.py prints their mutes as "held-out (2026-12-05)" rows.

Origin: generated with numpy from fixed seeds (500–599) by the generators below and tests/media/feedback_signals.py's
(no recordings). Written and committed before the guard was run on any of them, and not changed after: every mute
found here is reported, not tuned away. When the guard is changed because of a mute here, the changed class is no
longer held out (say so here and make a new set).

Since 2026-12-05 (second session) no longer unseen: its mutes were traced and a change was tried on them (the
"new high" veto, not merged), and the far end's line test was designed while looking at them.

Why these: the guard's vetoes were built on two or three voices in unison, one pad and single notes. These are
larger ensembles (four voices per part, six bowed strings: more beating partials, each with its own beat rate),
chords (several harmonic series whose partials fall near each other), a brass-like swell (partials that grow
faster than the fundamental as it gets louder: the brighter-when-louder of real brass), an organ chord under a
Leslie-like rotor (amplitude and Doppler pitch modulation together) and a sung note over a sustained pad.
Straight voices drift ±2 cents (no singer or player holds a pitch exactly); vibrato voices have their own rates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tests.media import feedback_signals as fs

FS = fs.FS


def _drift(n: int, freq: float, rng: np.random.Generator, cents: float = 2.0) -> np.ndarray:
    """A pitch contour (Hz per sample) around `freq` that wanders slowly by ±`cents` (a straight tone as held)."""
    walk = np.convolve(rng.standard_normal(n // 480 + 2), np.ones(25) / 25, "same")
    return freq * 2 ** (cents * np.repeat(walk, 480)[:n] / (np.max(np.abs(walk)) + 1e-12) / 1200)


def _swell(n: int, rise_db: float, start: float, rise: float) -> np.ndarray:
    """A raised-cosine swell in dB by `rise_db` from `start` s over `rise` s (a bow or breath swell: slow at both
    ends), flat before and after."""
    t = np.arange(n) / FS
    x = np.clip((t - start) / rise, 0.0, 1.0)
    return 10 ** (rise_db * 0.5 * (1 - np.cos(np.pi * x)) / 20)


def _normal(sig: np.ndarray, peak: float, rng: np.random.Generator) -> np.ndarray:
    return peak * sig / (np.max(np.abs(sig)) + 1e-12) + 1e-4 * rng.standard_normal(len(sig))


def choir(seconds: float, freqs: tuple[float, ...], seed: int, spread: float, vibrato: float = 0.0,
          rise_db: float = 12.0, peak: float = 0.5) -> np.ndarray:
    """Four voices on each pitch of `freqs` (a chord, or one pitch: unison), detuned evenly over ±`spread`/2 cents,
    straight (±2 cent drift) or with their own 4.5–6 Hz vibrato of ±`vibrato` cents, through one vowel's formants,
    swelling by `rise_db` over 2 s from 0.5 s."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    formants = [(float(c), float(b)) for c, b in fs.VOWELS[int(rng.integers(len(fs.VOWELS)))]]
    out = np.zeros(n)
    for f in freqs:
        for c in np.linspace(-spread / 2, spread / 2, 4):
            g = f * 2 ** (c / 1200)
            f0 = fs._vibrato(n, g, rng.uniform(4.5, 6.0), vibrato, rng) if vibrato else _drift(n, g, rng)
            voice = fs._harmonic(f0, lambda k, fk: fs._formant_gain(fk, formants) / k, rng.uniform(0, 6.28))
            out += voice * rng.uniform(0.7, 1.0)
    return _normal(out * fs._env(n, 0.15, 0.15) * _swell(n, rise_db, 0.5, 2.0), peak, rng)


def strings(seconds: float, freq: float, seed: int, rise_db: float = 15.0, peak: float = 0.5) -> np.ndarray:
    """A string section: six sawtooth voices ±3–10 cents apart with light vibrato (±8 cents, 5–6.5 Hz, each its
    own), a body resonance, and a slow bow swell of `rise_db` over 2.5 s from 0.5 s."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    body = [(450.0, 200.0), (2800.0, 900.0)]
    out = np.zeros(n)
    for c in rng.uniform(3.0, 10.0, 6) * rng.choice((-1.0, 1.0), 6):
        f0 = fs._vibrato(n, freq * 2 ** (c / 1200), rng.uniform(5.0, 6.5), 8.0, rng)
        out += fs._harmonic(f0, lambda k, fk: fs._formant_gain(fk, body) / k, rng.uniform(0, 6.28))
    return _normal(out * fs._env(n, 0.3, 0.2) * _swell(n, rise_db, 0.5, 2.5), peak, rng)


def brass(seconds: float, freq: float, seed: int, rise_db: float, rise: float = 2.0, peak: float = 0.5) -> np.ndarray:
    """A brass-like note: every partial (odd and even) strong, and brighter as it gets louder (partial k at
    k^-p with p from 1.6 to 0.7 over the swell), swelling by `rise_db` over `rise` s from 0.5 s, ±2 cent drift."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    gain = _swell(n, rise_db, 0.5, rise)
    slope = 1.6 - 0.9 * (20 * np.log10(gain) / rise_db)
    note = fs._harmonic(_drift(n, freq, rng), lambda k, fk: k ** -slope, rng.uniform(0, 6.28))
    return _normal(note * gain * fs._env(n, 0.06, 0.15), peak, rng)


def leslie_organ(seconds: float, freqs: tuple[float, ...], seed: int, rate: float, pedal_db: float = 0.0,
                 peak: float = 0.5) -> np.ndarray:
    """A held electric-organ chord (drawbar partials 1, 2, 3, 4, 6, 8) through a Leslie-like rotor at `rate` Hz:
    ±4 dB amplitude and ±12 cents Doppler pitch modulation in step, plus a swell pedal opening by `pedal_db` over
    2 s from 0.5 s."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    t = np.arange(n) / FS
    rotor = np.sin(2 * np.pi * rate * t + rng.uniform(0, 6.28))
    out = np.zeros(n)
    for f in freqs:
        phase = 2 * np.pi * np.cumsum(f * 2 ** (12 * rotor / 1200)) / FS
        out += sum(a * np.sin(k * phase + rng.uniform(0, 6.28)) for k, a in fs.ORGAN.items())
    out *= 10 ** (4 * rotor / 20) * fs._db_ramp(n, pedal_db, 0.5, 2.0) * fs._env(n, 0.02, 0.1)
    return _normal(out, peak, rng)


def singer_over_pad(seconds: float, note: float, pad: tuple[float, ...], seed: int, vibrato: float,
                    peak: float = 0.5) -> np.ndarray:
    """A singer holding `note` (vibrato ±`vibrato` cents, 0: straight) with a +10 dB / 2 s messa di voce, over a
    synth pad sustaining the chord `pad` (three detuned saws a pitch, steady), the voice 6 dB over the pad."""
    rng = np.random.default_rng(seed)
    voice = fs.sung_crescendo(seconds, note, seed, rise_db=10.0, cents=vibrato)
    bed = sum(fs.synth_pad(seconds, f, seed + 1 + i, rise_db=0.0) for i, f in enumerate(pad))
    bed = np.asarray(bed) / (np.max(np.abs(bed)) + 1e-12) * np.max(np.abs(voice)) / 2
    return _normal(voice + bed, peak, rng)


HELDOUT_CLASSES: dict[str, Callable[[], list[np.ndarray]]] = {
    "held-out (2026-12-05): choir chords, 4 voices a part, straight, +12 dB / 2 s": lambda: [
        choir(4.5, (130.8, 164.8, 196.0, 261.6), 500, 6.0), choir(4.5, (349.2, 440.0, 523.3, 698.5), 501, 10.0),
        choir(4.5, (146.8, 220.0, 293.7, 370.0), 502, 3.0, vibrato=20.0)],
    "held-out (2026-12-05): 4-voice unisons, 2–12 cents spread, +12 dB / 2 s": lambda: [
        choir(4.5, (110.0,), 510, 2.0), choir(4.5, (185.0,), 511, 12.0), choir(4.5, (370.0,), 512, 5.0),
        choir(4.5, (622.3,), 513, 8.0, vibrato=30.0)],
    "held-out (2026-12-05): string section, 6 saws ±3–10 cents, bow swell +15 dB / 2.5 s": lambda: [
        strings(5.0, f, 520 + i) for i, f in enumerate((98.0, 146.8, 293.7, 587.3))],
    "held-out (2026-12-05): brass-like swells +10..20 dB, brighter when louder": lambda: [
        brass(4.5, f, 530 + i, db, rise) for i, (f, db, rise) in
        enumerate(((116.5, 20.0, 2.0), (233.1, 15.0, 1.5), (349.2, 10.0, 1.0), (466.2, 18.0, 2.0)))],
    "held-out (2026-12-05): electric-organ chord, Leslie-like tremolo": lambda: [
        leslie_organ(5.0, (196.0, 246.9, 293.7), 540, 6.7), leslie_organ(5.0, (261.6, 329.6, 392.0), 541, 0.8),
        leslie_organ(5.0, (174.6, 220.0, 261.6, 349.2), 542, 6.7, pedal_db=10.0)],
    "held-out (2026-12-05): singer holding a note over a sustained pad": lambda: [
        singer_over_pad(4.5, 392.0, (130.8, 196.0), 550, 45.0), singer_over_pad(4.5, 440.0, (146.8, 220.0), 553, 0.0),
        singer_over_pad(4.5, 293.7, (98.0, 146.8, 196.0), 556, 30.0)],
}
