"""Opus decoding with the two tools aiortc's decoder does not reach: in-band FEC and loss concealment (PLC).

libopus through opuslib: `decode(payload)` for a packet that arrived, `recover(next_payload)` to rebuild a lost
packet from the FEC data carried in the packet after it, `conceal()` to synthesise a lost frame (PLC).
"""

from __future__ import annotations

import numpy as np

from app.media import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE


class OpusDecodeError(Exception):
    """A payload libopus rejects (corrupt or not Opus); the caller conceals instead."""


class OpusStreamDecoder:
    """One decoder per incoming stream (per SSRC): libopus keeps state across packets."""

    def __init__(self) -> None:
        try:
            import opuslib
        except Exception as exc:
            raise OpusDecodeError(f"libopus is not available ({exc}); install libopus0") from None
        self._opuslib = opuslib
        self._decoder = opuslib.Decoder(SAMPLE_RATE, CHANNELS)

    def _run(self, payload: bytes, samples: int, fec: bool) -> np.ndarray:
        try:
            pcm = self._decoder.decode(payload, samples, decode_fec=fec)
        except self._opuslib.OpusError as exc:
            raise OpusDecodeError(f"Opus payload rejected: {exc}") from None
        return np.frombuffer(pcm, dtype=np.int16).reshape(-1, CHANNELS).copy()

    def decode(self, payload: bytes) -> np.ndarray:
        """PCM of a received packet (int16, (n, 2)); n is the packet's duration (normally 960)."""
        if not payload:
            raise OpusDecodeError("empty Opus payload")
        return self._run(payload, 5760, False)  # room for the longest Opus packet (120 ms)

    def recover(self, next_payload: bytes, samples: int = FRAME_SAMPLES) -> np.ndarray:
        """Rebuild the lost packet before `next_payload` from its FEC data (falls back to PLC inside libopus)."""
        return self._run(next_payload, samples, True)

    def conceal(self, samples: int = FRAME_SAMPLES) -> np.ndarray:
        """Synthesise `samples` of a lost frame from the decoder's history (PLC)."""
        return self._run(b"", samples, False)

    def reset(self) -> None:
        self._decoder.reset_state()
