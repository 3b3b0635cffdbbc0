"""Measurements of what a listener heard (a `--record` WAV or playout blocks), for tests and benchmarks."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from app.media import FRAME_SAMPLES, SAMPLE_RATE

# -50 dBFS: well below speech/tone levels, well above dither or decoder noise on silence.
SILENCE_RMS = 32768 * 10 ** (-50 / 20)


def read_wav(path: str | Path) -> np.ndarray:
    """A 16-bit WAV as int16 (n, channels); raises ValueError naming the file if it is not one."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise ValueError(f"{path}: expected 16-bit samples")
            channels = wav.getnchannels()
            data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"{path}: not a WAV file ({exc})") from None
    return data.reshape(-1, channels)


def frame_rms(pcm: np.ndarray, frame: int = FRAME_SAMPLES) -> np.ndarray:
    """RMS of each 20 ms frame (first channel)."""
    mono = pcm[:, 0] if pcm.ndim == 2 else pcm
    n = len(mono) // frame
    frames = mono[: n * frame].astype(np.float64).reshape(n, frame)
    return np.sqrt(np.mean(frames**2, axis=1)) if n else np.zeros(0)


def non_silent_ratio(pcm: np.ndarray) -> float:
    rms = frame_rms(pcm)
    return float(np.mean(rms > SILENCE_RMS)) if len(rms) else 0.0


def dominant_frequency(pcm: np.ndarray) -> float:
    """Frequency of the strongest FFT bin, refined by parabolic interpolation (Hann window)."""
    mono = (pcm[:, 0] if pcm.ndim == 2 else pcm).astype(np.float64)
    if len(mono) < 1024:
        return 0.0
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    k = int(np.argmax(spectrum[1:]) + 1)
    if 1 <= k < len(spectrum) - 1:
        a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-12)
        k += 0.5 * (a - c) / (a - 2 * b + c)
    return float(k * SAMPLE_RATE / len(mono))


def audible_gaps(pcm: np.ndarray, window: int = FRAME_SAMPLES // 2, threshold: float = SILENCE_RMS,
                 skip_leading: bool = True) -> list[tuple[float, float]]:
    """(start_ms, length_ms) of each run of 10 ms windows whose RMS (first channel) is below `threshold`.

    With `skip_leading`, silence before the first audible window (joining, not a gap) is not reported.
    """
    quiet = frame_rms(pcm, window) < threshold
    loud = np.flatnonzero(~quiet)
    begin = (int(loud[0]) if len(loud) else len(quiet)) if skip_leading else 0
    gaps: list[tuple[float, float]] = []
    start: int | None = None
    ms = window * 1000 / SAMPLE_RATE
    for i in range(begin, len(quiet) + 1):
        if i < len(quiet) and quiet[i]:
            start = i if start is None else start
        elif start is not None:
            gaps.append((start * ms, (i - start) * ms))
            start = None
    return gaps


def max_step(pcm: np.ndarray) -> float:
    """Largest sample-to-sample difference (first channel). A sine of amplitude A at f Hz never exceeds 2πfA/fs."""
    mono = (pcm[:, 0] if pcm.ndim == 2 else pcm).astype(np.float64)
    return float(np.max(np.abs(np.diff(mono)))) if len(mono) > 1 else 0.0


def find_clicks(pcm: np.ndarray, ratio: float = 8.0, floor: float = 2 * SILENCE_RMS,
                window: int = FRAME_SAMPLES // 2) -> list[int]:
    """Sample indices of clicks: spikes of the second difference (a high-pass) standing out from its surroundings.

    A sample is a click when |x[n] − 2x[n−1] + x[n−2]| exceeds both `floor` and `ratio` times the RMS of that
    high-pass in the neighbouring 10 ms windows (the larger of the one before and the one after), so steady
    noise, tones and coding noise do not count, but a step or a splice without a cross-fade does.
    """
    mono = (pcm[:, 0] if pcm.ndim == 2 else pcm).astype(np.float64)
    hp = np.abs(np.diff(mono, 2))
    n = len(hp) // window
    if n < 3:
        return []
    blocks = hp[: n * window].reshape(n, window)
    rms = np.sqrt(np.mean(blocks**2, axis=1))
    ref = np.maximum(np.concatenate(([rms[1]], rms[:-1])), np.concatenate((rms[1:], [rms[-2]])))
    limit = np.maximum(floor, ratio * ref)
    hits = np.flatnonzero(blocks > limit[:, None])
    return [int(h) + 2 for h in hits]


def level_dips(pcm: np.ndarray, level: float, db: float = 6.0, window: int = FRAME_SAMPLES // 2,
               floor_db: float = 30.0) -> list[int]:
    """Start samples of the `window`-long windows (10 ms, 1 ms apart) lying wholly inside a sounding part whose RMS
    (first channel) is more than `db` under `level`: a sag, a dropout or an edited onset inside a sound.

    A sounding part is a run of 1 ms blocks whose RMS is within `floor_db` of `level`, so pauses and the silence
    before the first audio are not dips, but a concealment that fades, two out-of-phase copies cross-faded or a
    note cut short are.
    """
    mono = (pcm[:, 0] if pcm.ndim == 2 else pcm).astype(np.float64)
    ms = SAMPLE_RATE // 1000
    n = len(mono) // ms
    blocks = np.sqrt(np.mean(mono[: n * ms].reshape(n, ms) ** 2, axis=1)) if n else np.zeros(0)
    sounding = blocks > level * 10 ** (-floor_db / 20)
    power = np.concatenate(([0.0], np.cumsum(mono[: n * ms] ** 2)))
    per = window // ms
    dips: list[int] = []
    for b in range(0, n - per + 1):
        if sounding[b : b + per].all():
            start = b * ms
            rms = np.sqrt((power[start + window] - power[start]) / window)
            if rms < level * 10 ** (-db / 20):
                dips.append(start)
    return dips
