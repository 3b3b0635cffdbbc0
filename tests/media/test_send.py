"""Contract: aiortc's Opus encoder still takes PyAV options, and with them its packets carry in-band FEC."""

from __future__ import annotations

import fractions

import av
import numpy as np
from aiortc.codecs.opus import OpusEncoder

from app.media.opus import has_lbrr
from app.media.send import SEND_BITRATE, check_contract, enable_sender_fec


def voiced_frames(n: int) -> list[av.AudioFrame]:
    frames = []
    for i in range(n):
        t = np.arange(i * 960, (i + 1) * 960) / 48000
        x = (np.sin(2 * np.pi * (150 + 50 * np.sin(t * 3)) * t) * 8000 * (1 + np.sin(t * 7))).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(x.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = 48000, i * 960, fractions.Fraction(1, 48000)
        frames.append(frame)
    return frames


def test_aiortc_encoder_contract() -> None:
    check_contract()


def test_sent_packets_carry_fec_after_enabling() -> None:
    enable_sender_fec()
    enable_sender_fec()  # once per process, however often it is called
    encoder = OpusEncoder()
    assert encoder.codec.bit_rate == SEND_BITRATE
    packets = [p for f in voiced_frames(50) for p in encoder.encode(f)[0]]
    assert sum(has_lbrr(p) for p in packets) >= 20
