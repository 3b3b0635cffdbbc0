"""Take Opus RTP from an aiortc receiver before its jitter buffer and decoder (DESIGN.md §3).

aiortc's audio path cannot mask outages: its jitter buffer throws away good frames around a loss and keeps the
extra delay, and its decoder has no FEC and no concealment. So the listener takes each packet (sequence number,
timestamp, payload) where SRTP hands it to the receiver — `RTCRtpReceiver._handle_rtp_packet`, a private
coroutine — and gives it to `CushionPlayout`, which decodes with libopus itself. aiortc's own jitter buffer
and decoder thread then stay idle, which also saves the CPU they cost.

Taking the packets there also bypasses the receiver's statistics, from which aiortc's RTCP loop builds its
receiver reports; without them Janus would never learn what a listener loses. So the tap keeps those statistics
itself, in aiortc's own `StreamStatistics` objects inside the receiver (`__remote_streams`), and aiortc keeps
sending its RTCP receiver reports (loss, jitter, LSR/DLSR) on its own schedule.

Both are private, so aiortc is pinned exactly (pyproject.toml) and `check_contract()` (run by a test and before
every tap) fails loudly when an upgrade moves or changes either.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable

import aiortc
from aiortc import RTCRtpReceiver
from aiortc.codecs import CODECS
from aiortc.rtcrtpreceiver import StreamStatistics
from aiortc.rtp import RtpPacket

log = logging.getLogger(__name__)

PINNED_AIORTC = "1.16.0"
REMOTE_STREAMS = "_RTCRtpReceiver__remote_streams"  # ssrc -> StreamStatistics, read by RTCRtpReceiver._run_rtcp
OPUS_CLOCK_RATE = 48000
PacketSink = Callable[[RtpPacket, float], None]  # (packet, arrival time on time.monotonic())


class RtpTapUnsupported(RuntimeError):
    """The installed aiortc does not have the receive hook this tap was written against."""


def check_contract() -> None:
    """Raise RtpTapUnsupported unless aiortc still delivers packets the way the tap expects."""
    if aiortc.__version__ != PINNED_AIORTC:
        raise RtpTapUnsupported(f"the RTP tap is written for aiortc {PINNED_AIORTC}, found {aiortc.__version__}; "
                                "re-check RTCRtpReceiver._handle_rtp_packet and update the pin")
    method = getattr(RTCRtpReceiver, "_handle_rtp_packet", None)
    if method is None or not inspect.iscoroutinefunction(method):
        raise RtpTapUnsupported("aiortc.RTCRtpReceiver._handle_rtp_packet is gone or no longer a coroutine")
    params = list(inspect.signature(method).parameters)
    if params != ["self", "packet", "arrival_time_ms"]:
        raise RtpTapUnsupported(f"aiortc.RTCRtpReceiver._handle_rtp_packet{tuple(params)} changed its signature")
    if "self.__remote_streams.items()" not in inspect.getsource(RTCRtpReceiver._run_rtcp):
        raise RtpTapUnsupported("aiortc.RTCRtpReceiver._run_rtcp no longer builds its reports from __remote_streams")


_fec_advertised = False


def advertise_opus_fec() -> None:
    """Say `useinbandfec=1` in our SDP so senders that honour it put FEC data in their Opus packets.

    aiortc's codec table is global: this changes it once per process, not on every join."""
    global _fec_advertised
    if _fec_advertised:
        return
    for codec in CODECS["audio"]:
        if codec.mimeType.lower() == "audio/opus":
            codec.parameters["useinbandfec"] = 1
    _fec_advertised = True


class RtpTap:
    """Diverts one receiver's RTP packets of `payload_type` to `sink` (installed per receiver instance)."""

    def __init__(self, receiver: RTCRtpReceiver, sink: PacketSink, *, payload_type: int | None = None) -> None:
        check_contract()
        self.receiver = receiver
        self.sink = sink
        self.payload_type = payload_type
        self.packets = 0
        self.ignored = 0  # other payload types (e.g. comfort noise) and empty payloads
        self.active = True
        streams = getattr(receiver, REMOTE_STREAMS, None)
        # (a stand-in receiver in tests has no statistics; aiortc's always has them: check_contract() says so)
        self._streams: dict[int, StreamStatistics] = streams if isinstance(streams, dict) else {}
        receiver._handle_rtp_packet = self._handle_rtp_packet  # type: ignore[method-assign]

    async def _handle_rtp_packet(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        if not self.active:
            return
        if (self.payload_type is not None and packet.payload_type != self.payload_type) or not packet.payload:
            self.ignored += 1
            return
        self.packets += 1
        stream = self._streams.get(packet.ssrc)
        if stream is None:
            stream = self._streams[packet.ssrc] = StreamStatistics(OPUS_CLOCK_RATE)
        stream.add(packet)  # what aiortc's receive path would have counted, for its receiver reports
        try:
            self.sink(packet, time.monotonic())
        except Exception:  # a bug in the sink must not kill aiortc's DTLS receive loop
            log.exception("RTP sink failed")

    def close(self) -> None:
        """Stop delivering; idempotent. The receiver keeps the diversion (it is being closed anyway)."""
        self.active = False
