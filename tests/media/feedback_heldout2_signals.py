"""A second held-out set of negatives for the feedback guard (2026-12-05): sounds a speaker might make on stage near a
microphone, of kinds in none of the earlier sets (feedback_signals.py, feedback_hard_signals.py,
feedback_heldout_signals.py).

Origin: generated with numpy from fixed seeds (700–799) by the generators below, reusing the helpers of
tests/media/feedback_signals.py and tests/media/feedback_heldout_signals.py (no recordings). Written 2026-12-05,
before the guard was run on any of them; not to be tuned on: every mute found here is reported, not tuned away.
When the guard is changed because of a mute here, the changed class stops being held out (say so here and make a
new set).

First run on the guard on 2026-12-05: 55 mutes (the normal mode: the microphone's evidence); in music mode 0 with
the stage silent, 1 with another speaker talking. The 25 dB bound on the loudspeaker's reach
(app.media.feedback_far_end.COUPLING_DB) and the played line's −100 dB floor were set after seeing its "own sound
back" mutes, so for that far end this set is no longer held out.

Why these: each is a steady, narrowband or partial-locked sound whose level grows, the shape a howl has. Just
intonation makes four voices' partials coincide exactly (barbershop "ringing"); reeds beat in slow, regular
patterns (musette, harmonica); plucked courses repeat the same lines every second (12-string strums); measured
tremolo bowing is a fast, regular amplitude modulation; children sing high, where howls live; a rubbed bowl or
glass and a theremin are nearly pure tones that swell; overtone singing moves one lone, strong partial.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from tests.media import feedback_heldout_signals as ho
from tests.media import feedback_signals as fs

FS = fs.FS


def _level(n: int, moves: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    """A gain from level moves (start s, duration s, change dB), each a raised cosine in dB (a breath, bellows or
    hand: slow at both ends), added up."""
    t = np.arange(n) / FS
    db = np.zeros(n)
    for start, dur, change in moves:
        x = np.clip((t - start) / dur, 0.0, 1.0)
        db += change * 0.5 * (1 - np.cos(np.pi * x))
    return 10 ** (db / 20)


def _through(formants: list[tuple[float, float]], slope: float) -> Callable[[int, np.ndarray], np.ndarray]:
    """Partial k at k^-`slope` through `formants`, the gain taken at the partial's first frequency: for tones
    whose pitch moves by a few cents at most (the gain would not change), and it keeps the set quick to build."""
    return lambda k, fk: fs._formant_gain(fk[:1], formants) / k**slope


def barbershop(seconds: float, ratios: tuple[float, ...], root: float, seed: int, rise_db: float = 10.0,
               peak: float = 0.5) -> np.ndarray:
    """A barbershop quartet holding a just-intonation chord (one voice on each `ratios` × `root`), straight (±1 cent
    drift), all on one vowel, with a +`rise_db` / 2 s crescendo on the "post". Hard: in just intonation the four
    harmonic series' partials coincide exactly and lock (the "ringing" chord), so energy piles up on a few steady,
    straight lines that grow together."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    formants = [(float(c), float(b)) for c, b in fs.VOWELS[int(rng.integers(len(fs.VOWELS)))]]
    out = np.zeros(n)
    for r in ratios:
        f0 = ho._drift(n, root * r, rng, cents=1.0)
        voice = fs._harmonic(f0, _through(formants, 1.0), rng.uniform(0, 6.28))
        out += voice * rng.uniform(0.8, 1.0)
    return ho._normal(out * fs._env(n, 0.12, 0.2) * ho._swell(n, rise_db, 0.5, 2.0), peak, rng)


def accordion(seconds: float, freqs: tuple[float, ...], seed: int, rise_db: float = 11.0, rise: float = 1.5,
              peak: float = 0.5) -> np.ndarray:
    """An accordion in musette registration: three reeds a note tuned ~0, +12 and −12 cents (each a few tenths of
    a cent off), a bright reed spectrum through the reed block's resonances, a bellows swell of +`rise_db` over
    `rise` s from 0.6 s and a slow ±0.5 dB bellows waver. Hard: steady, straight partials whose regular beating
    (every partial k at k × a few Hz) looks like the modulation of a growing tone."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    body = [(700.0, 500.0), (2300.0, 1400.0)]
    out = np.zeros(n)
    for f in freqs:
        for cents in (0.0, 12.0, -12.0):
            f0 = ho._drift(n, f * 2 ** ((cents + rng.uniform(-0.4, 0.4)) / 1200), rng, cents=0.5)
            out += fs._harmonic(f0, _through(body, 0.8), rng.uniform(0, 6.28))
    walk = np.convolve(rng.standard_normal(n // 2400 + 2), np.ones(9) / 9, "same")
    waver = 10 ** (0.5 * np.repeat(walk / (np.max(np.abs(walk)) + 1e-12), 2400)[:n] / 20)
    return ho._normal(out * waver * fs._env(n, 0.05, 0.15) * ho._swell(n, rise_db, 0.6, rise), peak, rng)


def _pluck(length: int, freq: float, tau: float, pick: float, rng: np.random.Generator) -> np.ndarray:
    """One steel string plucked at `pick` of its length from the bridge: partials k·f·√(1+Bk²) (slight
    stiffness) at sin(πk·pick)/k^1.5, each decaying faster the higher it is (the fundamental's time constant
    `tau` s). Damped complex exponentials, evaluated per 480-sample block as one matrix product (cheap)."""
    k = np.arange(1, 31, dtype=float)
    k = k[k * freq < 10000]
    fk = k * freq * np.sqrt(1 + 4e-5 * k**2)
    pole = -(1 + 0.35 * (k - 1)) / tau + 2j * np.pi * fk
    amp = np.abs(np.sin(np.pi * k * pick)) / k**1.5 * np.exp(1j * rng.uniform(0, 6.28, len(k)))
    block = 480
    blocks = np.arange(-(-length // block)) * block / FS
    inner = np.arange(block) / FS
    out = (amp[:, None] * np.exp(pole[:, None] * blocks[None, :])).T @ np.exp(pole[:, None] * inner[None, :])
    return np.asarray(out.imag.ravel()[:length])


def twelve_string(seconds: float, chord: tuple[float, ...], seed: int, period: float = 1.0,
                  peak: float = 0.5) -> np.ndarray:
    """A 12-string guitar strumming `chord` (six courses, low to high) every ~`period` s, down and up in turn: the
    four low courses are octave pairs, the two high ones unison pairs 3–6 cents apart; a strum crosses the
    courses in 20–40 ms (up strums start high and favour the high courses) and the next strum damps what rings.
    Hard: the same slowly decaying, beating lines come back every second at the same frequencies."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    body = [(110.0, 60.0), (230.0, 120.0), (2500.0, 2000.0)]
    out = np.zeros(n)
    starts = np.cumsum(np.r_[0.15, period * rng.uniform(0.93, 1.07, int(seconds / period) + 2)])
    for i, t0 in enumerate(starts[starts < seconds - 0.3]):
        up = i % 2 == 1
        order = range(len(chord))[::-1] if up else range(len(chord))
        sweep = rng.uniform(0.02, 0.04) / len(chord)
        end = min(n, int(starts[i + 1] * FS) + int(0.015 * FS))
        for j, c in enumerate(order):
            begin = int((t0 + j * sweep) * FS)
            if begin >= end:
                continue
            level = rng.uniform(0.7, 1.0) * (1.0 if up == (c >= 3) else 0.6)
            f = chord[c]
            mate = 2 * f * 2 ** (rng.uniform(-2, 2) / 1200) if c < 4 else f * 2 ** (rng.uniform(3, 6) / 1200)
            tau = 2.5 * (110.0 / f) ** 0.5
            for g, a in ((f, 1.0), (mate, 0.6 if c < 4 else 0.9)):
                s = _pluck(end - begin, g, tau, rng.uniform(0.12, 0.2), rng)
                damp = min(len(s), int(0.015 * FS))  # the next strum's pick stops the string
                s[len(s) - damp :] *= np.linspace(1.0, 0.0, damp)
                out[begin:end] += level * a * s * fs._formant_gain(np.array([g]), body)[0] ** 0.5
    return ho._normal(out * fs._env(n, 0.0, 0.1), peak, rng)


def string_quartet(seconds: float, freqs: tuple[float, ...], seed: int, rate: float, rise_db: float = 16.0,
                   peak: float = 0.5) -> np.ndarray:
    """A string quartet (cello, viola, two violins: one note of `freqs` each) in measured tremolo: bow strokes at
    `rate` per second together (each player ±2 % and a little early or late), the level dipping 60–80 % at each
    bow change, light vibrato (±6 cents, 5–6.5 Hz) and a slow +`rise_db` / 3 s crescendo from 0.5 s. Hard: a fast,
    regular amplitude modulation over steady partials that grow, as a howl's partials do."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    t = np.arange(n) / FS
    out = np.zeros(n)
    for i, f in enumerate(freqs):
        size = 2.0 if i == 0 else 1.4 if i == 1 else 1.0  # the cello's and viola's bodies resonate lower
        body = [(450.0 / size, 200.0 / size), (2800.0 / size**0.5, 900.0)]
        f0 = fs._vibrato(n, f, rng.uniform(5.0, 6.5), 6.0, rng)
        note = fs._harmonic(f0, _through(body, 1.0), rng.uniform(0, 6.28))
        depth = rng.uniform(0.6, 0.8)
        strokes = np.abs(np.sin(np.pi * rate * rng.uniform(0.98, 1.02) * t + rng.uniform(-0.3, 0.3)))
        out += note * (1 - depth + depth * strokes**0.4) * rng.uniform(0.7, 1.0)
    return ho._normal(out * fs._env(n, 0.1, 0.15) * ho._swell(n, rise_db, 0.5, 3.0), peak, rng)


def childrens_choir(seconds: float, freqs: tuple[float, ...], seed: int, rise_db: float = 10.0,
                    peak: float = 0.5) -> np.ndarray:
    """A children's choir: six voices on each pitch of `freqs` (500–1000 Hz), ±6 cents apart, each with its own fast
    vibrato (6–7 Hz, ±40 cents), soft spectra (k^-1.5) through a child's vowel (an adult's formants ×1.2),
    swelling by `rise_db` over 2 s from 0.5 s. Hard: few, high partials where howls usually are, their centres
    steady under the vibrato, growing."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    formants = [(1.2 * c, 1.2 * b) for c, b in fs.VOWELS[int(rng.integers(len(fs.VOWELS)))]]
    out = np.zeros(n)
    for f in freqs:
        for c in rng.uniform(-6.0, 6.0, 6):
            f0 = fs._vibrato(n, f * 2 ** (c / 1200), rng.uniform(6.0, 7.0), 40.0, rng)
            voice = fs._harmonic(f0, lambda k, fk: fs._formant_gain(fk, formants) / k**1.5, rng.uniform(0, 6.28))
            out += voice * rng.uniform(0.6, 1.0)
    return ho._normal(out * fs._env(n, 0.15, 0.15) * ho._swell(n, rise_db, 0.5, 2.0), peak, rng)


def rubbed_bowl(seconds: float, freq: float, split: float, seed: int, build: float = 2.5,
                peak: float = 0.5) -> np.ndarray:
    """A singing bowl or wine glass rubbed round its rim: its lowest mode at `freq` is a doublet (two modes `split`
    Hz apart, so it beats), with weak inharmonic overtones at ~2.7 and ~5.2 × `freq` (−28 and −38 dB), the level
    building from −20 dB as it is rubbed and saturating after ~`build` s, plus faint stick-slip rubbing noise.
    Hard: a nearly pure tone whose level builds up: what a howl looks like."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    t = np.arange(n) / FS
    tone = np.sin(2 * np.pi * freq * t + rng.uniform(0, 6.28))
    tone += rng.uniform(0.6, 0.9) * np.sin(2 * np.pi * (freq + split) * t + rng.uniform(0, 6.28))
    for ratio, db in ((rng.uniform(2.6, 2.8), -28.0), (rng.uniform(5.0, 5.4), -38.0)):
        tone += 10 ** (db / 20) * np.sin(2 * np.pi * ratio * freq * t + rng.uniform(0, 6.28))
    floor = 0.1
    build_up = floor + (1 - floor) * (1 - np.exp(-t / (build / 3)))
    noise = np.convolve(rng.standard_normal(n), np.ones(24) / 24, "same") * 10 ** (-36 / 20)
    return ho._normal(tone * build_up * fs._env(n, 0.02, 0.2) + noise, peak, rng)


def theremin(seconds: float, notes: tuple[float, ...], seed: int, moves: tuple[tuple[float, float, float], ...],
             peak: float = 0.5) -> np.ndarray:
    """A theremin playing `notes` legato: each held 0.7–1.2 s with slow glissandi (0.25–0.5 s) between them and a
    ±20 cent vibrato at 5–6.5 Hz, a pure-ish tone (2nd harmonic −20..−26 dB, 3rd −28..−34 dB), its volume hand
    making the level `moves` (swells of +10..15 dB over 1–2 s). Hard: a nearly pure tone that swells."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    pitch = np.full(n, np.log2(notes[0]))
    at = rng.uniform(0.7, 1.2)
    for a, b in itertools.pairwise(notes):
        glide = rng.uniform(0.25, 0.5)
        x = np.clip((np.arange(n) / FS - at) / glide, 0.0, 1.0)
        pitch += (np.log2(b) - np.log2(a)) * 0.5 * (1 - np.cos(np.pi * x))
        at += glide + rng.uniform(0.7, 1.2)
    rate = rng.uniform(5.0, 6.5) * (1 + 0.05 * np.sin(2 * np.pi * 0.3 * np.arange(n) / FS))
    vib = 20.0 * np.sin(2 * np.pi * np.cumsum(rate) / FS + rng.uniform(0, 6.28))
    phase = 2 * np.pi * np.cumsum(2 ** (pitch + vib / 1200)) / FS
    a2, a3 = 10 ** (-rng.uniform(20, 26) / 20), 10 ** (-rng.uniform(28, 34) / 20)
    tone = np.sin(phase) + a2 * np.sin(2 * phase + rng.uniform(0, 6.28)) + a3 * np.sin(3 * phase + rng.uniform(0, 6.28))
    return ho._normal(tone * fs._env(n, 0.2, 0.2) * _level(n, moves), peak, rng)


def overtone_singing(seconds: float, drone: float, seed: int, peak: float = 0.5) -> np.ndarray:
    """Overtone (throat) singing: a pressed drone at `drone` Hz (±2 cent drift, harmonics k^-1 under a broad vowel)
    whose one reinforced partial, a narrow resonance (bandwidth 30 Hz), steps between harmonics 6–12 every
    0.5–1 s (the tongue moving in ~60 ms) and swells while held (+17 dB growing to +21..25 dB at its centre:
    ~15–20 dB over its neighbours). Hard: one
    lone partial far above the rest, at a steady frequency, growing: a howl's line over a voice."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    t = np.arange(n) / FS
    harmonic = np.zeros(n)
    emphasis = np.zeros(n)
    k, at = int(rng.integers(6, 13)), 0.0
    while at < seconds:
        hold = rng.uniform(0.5, 1.0)
        span = (t >= at) & (t < at + hold)
        harmonic[span] = k
        emphasis[span] = 17.0 + rng.uniform(4.0, 8.0) * np.clip((t[span] - at) / hold, 0.0, 1.0)
        k = int(np.clip(k + rng.choice((-2, -1, 1, 2)), 6, 12))
        at += hold
    smooth = np.ones(int(0.06 * FS)) / int(0.06 * FS)
    harmonic, emphasis = (np.convolve(np.pad(x, len(smooth), mode="edge"), smooth, "same")[len(smooth) : -len(smooth)]
                          for x in (harmonic, emphasis))
    f0 = ho._drift(n, drone, rng)
    centre = harmonic * f0
    boost = 10 ** (emphasis / 20) - 1
    vowel = [(600.0, 300.0), (1400.0, 500.0)]

    def amps(k: int, fk: np.ndarray) -> np.ndarray:
        return fs._formant_gain(fk[:1], vowel) / k * (1 + boost / (1 + ((fk - centre) / 15.0) ** 2))

    voice = fs._harmonic(f0, amps, rng.uniform(0, 6.28))
    return ho._normal(voice * fs._env(n, 0.15, 0.2) * ho._swell(n, 6.0, 0.3, 1.5), peak, rng)


def harmonica(seconds: float, freqs: tuple[float, ...], seed: int, moves: tuple[tuple[float, float, float], ...],
              peak: float = 0.5) -> np.ndarray:
    """A diatonic harmonica chord: one reed a note of `freqs`, steady pitch (±1 cent), a reed spectrum (k^-0.9)
    through the cupped hands and cover plates, the breath making the level `moves` (swells of +10 dB). Hard:
    steady reed partials, several close together, growing by 10 dB in a second."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS)
    cup = [(1100.0, 700.0), (3000.0, 1500.0)]
    out = np.zeros(n)
    for f in freqs:
        note = fs._harmonic(ho._drift(n, f, rng, cents=1.0), _through(cup, 0.9), rng.uniform(0, 6.28))
        out += note * rng.uniform(0.7, 1.0)
    return ho._normal(out * fs._env(n, 0.08, 0.15) * _level(n, moves), peak, rng)


BARBERSHOP_7TH = (1.0, 3 / 2, 7 / 4, 5 / 2)  # 4:6:7:10, every partial on one harmonic series
MAJOR_OPEN = (1.0, 3 / 2, 2.0, 5 / 2)  # 2:3:4:5
_P = "held-out 2 (2026-12-05): "

HELDOUT2_CLASSES: dict[str, Callable[[], list[np.ndarray]]] = {
    _P + "barbershop quartet, just chords, straight, +10 dB / 2 s": lambda: [
        barbershop(4.5, BARBERSHOP_7TH, 116.5, 700, peak=0.5), barbershop(4.5, MAJOR_OPEN, 146.8, 701, 12.0, 0.6)],
    _P + "accordion musette (0 / ±12 cents), bellows swell": lambda: [
        accordion(4.5, (440.0,), 710, 11.0, 1.5, 0.45), accordion(4.5, (261.6, 329.6, 392.0), 711, 9.0, 2.0, 0.6)],
    _P + "12-string guitar chord strummed every ~1 s": lambda: [
        twelve_string(5.0, (98.0, 123.5, 146.8, 196.0, 246.9, 392.0), 720, 1.0, 0.55),
        twelve_string(5.0, (82.4, 123.5, 164.8, 196.0, 246.9, 329.6), 721, 0.9, 0.5),
        twelve_string(4.5, (98.0, 130.8, 164.8, 196.0, 261.6, 329.6), 722, 1.1, 0.65)],
    _P + "string quartet, measured tremolo 8–12 Hz, +16 dB / 3 s": lambda: [
        string_quartet(5.0, (65.4, 196.0, 329.6, 523.3), 730, 8.0, 16.0, 0.5),
        string_quartet(5.0, (98.0, 246.9, 293.7, 392.0), 731, 12.0, 14.0, 0.6),
        string_quartet(4.5, (130.8, 261.6, 392.0, 659.3), 732, 10.0, 18.0, 0.45)],
    _P + "children's choir, 6 voices a pitch, vibrato ±40 cents": lambda: [
        childrens_choir(4.5, (587.3,), 740, peak=0.5), childrens_choir(4.5, (523.3, 659.3), 741, 12.0, 0.6),
        childrens_choir(4.5, (880.0,), 742, 8.0, 0.4)],
    _P + "singing bowl / rubbed wine glass, beating doublet, building up": lambda: [
        rubbed_bowl(5.0, 523.0, 1.2, 750, 2.5, 0.5), rubbed_bowl(5.0, 880.0, 0.6, 751, 2.0, 0.4),
        rubbed_bowl(4.5, 415.0, 2.7, 752, 3.0, 0.6), rubbed_bowl(4.5, 1180.0, 0.9, 753, 2.5, 0.35)],
    _P + "theremin, glissandi, ±20 cents vibrato, +10..15 dB swells": lambda: [
        theremin(5.0, (440.0, 523.3, 493.9, 659.3), 760, ((0.3, 1.5, 12.0), (3.0, 1.0, 3.0)), 0.5),
        theremin(4.5, (293.7, 392.0, 349.2), 761, ((0.4, 2.0, 15.0),), 0.6),
        theremin(4.5, (659.3, 587.3, 784.0, 880.0), 762, ((0.2, 1.0, 10.0), (2.2, 0.6, -8.0), (2.9, 1.2, 12.0)),
                 0.45)],
    _P + "overtone (throat) singing, one partial of 6–12 reinforced": lambda: [
        overtone_singing(5.0, 110.0, 770, 0.5), overtone_singing(4.5, 130.8, 771, 0.6),
        overtone_singing(4.5, 155.6, 772, 0.4)],
    _P + "harmonica chord, steady reeds, breath swells +10 dB": lambda: [
        harmonica(4.5, (261.6, 329.6, 392.0, 523.3), 780, ((0.4, 1.0, 10.0), (2.2, 0.5, -7.0), (2.9, 1.0, 10.0)),
                  0.5),
        harmonica(4.5, (392.0, 493.9, 587.3), 781, ((0.3, 1.2, 10.0),), 0.6),
        harmonica(5.0, (196.0, 246.9, 293.7, 392.0), 782, ((0.5, 0.8, 10.0), (2.5, 1.0, 4.0)), 0.4)],
}
