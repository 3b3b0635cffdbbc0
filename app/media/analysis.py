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
