"""Contract: aiortc's Opus encoder still takes PyAV options, and with them its packets carry in-band FEC."""

from __future__ import annotations

import fractions

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCRtpCodecParameters, RTCRtpSender
from aiortc.codecs.opus import OpusEncoder
from hypothesis import given
from hypothesis import strategies as st

from app.media.opus import has_lbrr
from app.media.send import (
    AIORTC_AUDIO_LEVEL,
    SEND_BITRATE,
    audio_level_dbov,
    check_contract,
    enable_fast_audio_level,
    enable_sender_fec,
    encode_on_loop,
)


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


def _frame(pcm: np.ndarray, layout: str) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout=layout)
    frame.sample_rate = 48000
    return frame


@given(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_the_fast_audio_level_equals_aiortcs(seed: int, scale: float) -> None:
    samples = np.random.default_rng(seed).integers(-32768, 32768, 960)
    pcm = (samples * scale).astype(np.int16)
    for frame in (_frame(pcm, "mono"), _frame(np.repeat(pcm[:480], 2), "stereo")):
        assert audio_level_dbov(frame) == AIORTC_AUDIO_LEVEL(frame)


def test_silence_and_full_scale() -> None:
    assert audio_level_dbov(_frame(np.zeros(960, np.int16), "mono")) == -127
    assert audio_level_dbov(_frame(np.full(960, 32767, np.int16), "mono")) == 0


def test_aiortcs_sender_looks_the_level_up_where_we_replace_it() -> None:
    import inspect

    from aiortc import rtcrtpsender

    assert "rtp.compute_audio_level_dbov(" in inspect.getsource(rtcrtpsender.RTCRtpSender)
    enable_fast_audio_level()
    from aiortc import rtp

    assert rtp.compute_audio_level_dbov is audio_level_dbov


class FrameTrack(MediaStreamTrack):
    kind = "audio"

    def __init__(self, frames: list[av.AudioFrame]) -> None:
        super().__init__()
        self.frames = list(frames)

    async def recv(self) -> av.AudioFrame:  # type: ignore[override]
        return self.frames.pop(0)


class OpenTransport:
    state = "new"


OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)


async def test_encoding_on_the_loop_sends_what_aiortcs_pool_hop_sends() -> None:
    """Same packets, timestamps and audio levels as aiortc's own `_next_encoded_frame`, frame for frame (Opus is
    deterministic for the same input), and a disabled sender still drops frames."""
    frames = voiced_frames(20)
    ours = RTCRtpSender(FrameTrack(frames), OpenTransport())  # type: ignore[arg-type]
    theirs = RTCRtpSender(FrameTrack(frames), OpenTransport())  # type: ignore[arg-type]
    encode_on_loop(ours)
    for _ in range(20):
        a, b = await ours._next_encoded_frame(OPUS), await theirs._next_encoded_frame(OPUS)
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert (a.payloads, a.timestamp, a.audio_level) == (b.payloads, b.timestamp, b.audio_level)
    assert a is not None and a.audio_level is not None and a.audio_level < 0
    ours.replaceTrack(FrameTrack(voiced_frames(1)))
    ours._enabled = False
    assert await ours._next_encoded_frame(OPUS) is None
