"""The RTP tap's contract with aiortc: fails loudly if an upgrade moves the private hook it relies on."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCRtpReceiver
from aiortc.codecs import CODECS
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtp import RtpPacket

from app.media import rtp_tap
from app.media.rtp_tap import RtpTap, RtpTapUnsupported, advertise_opus_fec, check_contract


def test_aiortc_is_pinned_exactly_to_the_version_the_tap_was_written_for() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    deps = pyproject["project"]["dependencies"]
    assert f"aiortc=={rtp_tap.PINNED_AIORTC}" in deps


def test_contract_holds_for_the_installed_aiortc() -> None:
    check_contract()


def test_dtls_transport_still_hands_each_packet_to_the_receiver_hook() -> None:
    source = inspect.getsource(RTCDtlsTransport._handle_rtp_data)
    assert re.search(r"await receiver\._handle_rtp_packet\(\s*packet,\s*arrival_time_ms=", source), source


def test_contract_check_fails_loudly_on_another_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rtp_tap.aiortc, "__version__", "9.9.9")
    with pytest.raises(RtpTapUnsupported, match=r"1\.16\.0, found 9\.9\.9"):
        check_contract()


def test_contract_check_fails_when_the_hook_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    async def changed(self: Any, packet: RtpPacket) -> None:
        return None

    monkeypatch.setattr(RTCRtpReceiver, "_handle_rtp_packet", changed)
    with pytest.raises(RtpTapUnsupported, match="signature"):
        check_contract()


class _Receiver:
    """Stands in for RTCRtpReceiver: the tap only replaces its hook on the instance."""

    async def _handle_rtp_packet(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        raise AssertionError("aiortc's own path must not run when tapped")


async def test_tap_diverts_matching_packets_and_ignores_others() -> None:
    got: list[tuple[int, int, bytes]] = []
    receiver = _Receiver()
    tap = RtpTap(receiver, lambda p, t: got.append((p.sequence_number, p.timestamp, p.payload)),  # type: ignore[arg-type]
                 payload_type=111)
    await receiver._handle_rtp_packet(RtpPacket(payload_type=111, sequence_number=7, timestamp=960, payload=b"x"), 0)
    await receiver._handle_rtp_packet(RtpPacket(payload_type=13, sequence_number=8, timestamp=1920, payload=b"y"), 0)
    await receiver._handle_rtp_packet(RtpPacket(payload_type=111, sequence_number=9, timestamp=2880, payload=b""), 0)
    assert got == [(7, 960, b"x")]
    assert (tap.packets, tap.ignored) == (1, 2)
    tap.close()
    await receiver._handle_rtp_packet(RtpPacket(payload_type=111, sequence_number=10, timestamp=3840, payload=b"z"), 0)
    assert len(got) == 1


async def test_a_failing_sink_does_not_break_the_receive_loop(caplog: pytest.LogCaptureFixture) -> None:
    def sink(packet: RtpPacket, arrival: float) -> None:
        raise ValueError("boom")

    receiver = _Receiver()
    RtpTap(receiver, sink)  # type: ignore[arg-type]
    await receiver._handle_rtp_packet(RtpPacket(payload_type=111, payload=b"x"), 0)
    assert "RTP sink failed" in caplog.text


def test_opus_fec_is_advertised() -> None:
    advertise_opus_fec()
    opus = next(c for c in CODECS["audio"] if c.mimeType == "audio/opus")
    assert opus.parameters.get("useinbandfec") == 1


async def test_opus_fec_is_advertised_in_our_sdp() -> None:
    """The SDP side of the contract: aiortc writes the codec table's parameters into its `a=fmtp` line."""
    from aiortc import RTCConfiguration, RTCPeerConnection

    advertise_opus_fec()
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("audio", direction="recvonly")
        offer = await pc.createOffer()
    finally:
        await pc.close()
    assert re.search(r"a=fmtp:\d+ .*useinbandfec=1", offer.sdp), offer.sdp


class _FakeDtlsTransport:
    """What RTCRtpReceiver needs of a transport to send RTCP: `state` and `_send_rtp`."""

    state = "connected"

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def _send_rtp(self, data: bytes) -> None:
        self.sent.append(data)


async def test_tapped_packets_still_produce_rtcp_receiver_reports_with_their_loss() -> None:
    """Janus learns what a tapped listener loses: aiortc's own RTCP loop reports the tap's statistics."""
    import asyncio

    from aiortc.rtp import RtcpPacket, RtcpRrPacket

    transport = _FakeDtlsTransport()
    receiver = RTCRtpReceiver("audio", transport)  # type: ignore[arg-type]
    receiver._set_rtcp_ssrc(0xC0FFEE)
    got: list[int] = []
    RtpTap(receiver, lambda packet, _arrival: got.append(packet.sequence_number), payload_type=111)
    lost = {5, 6, 12}
    for seq in range(1, 21):
        if seq not in lost:
            packet = RtpPacket(payload_type=111, sequence_number=seq, timestamp=seq * 960, ssrc=0xABC)
            packet.payload = b"\xfc\x00"
            await receiver._handle_rtp_packet(packet, arrival_time_ms=seq * 20)
    assert len(got) == 17
    rtcp = asyncio.ensure_future(receiver._run_rtcp())  # aiortc's own loop: one report every 0.5–1.5 s
    try:
        async with asyncio.timeout(5):
            while not transport.sent:  # noqa: ASYNC110 (the fake transport has no event to wait on)
                await asyncio.sleep(0.05)
    finally:
        rtcp.cancel()
    reports = [p for p in RtcpPacket.parse(transport.sent[0]) if isinstance(p, RtcpRrPacket)]
    assert reports and reports[0].ssrc == 0xC0FFEE
    (report,) = reports[0].reports
    assert (report.ssrc, report.highest_sequence, report.packets_lost) == (0xABC, 20, len(lost))
    assert report.fraction_lost == (len(lost) << 8) // 20


def test_contract_check_fails_when_rtcp_reports_stop_reading_the_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    async def changed(self: Any) -> None:
        return None

    monkeypatch.setattr(RTCRtpReceiver, "_run_rtcp", changed)
    with pytest.raises(RtpTapUnsupported, match="__remote_streams"):
        check_contract()
