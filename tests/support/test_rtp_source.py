"""The external feed sender: continuous RTP of a phase-continuous Opus tone that survives a Janus kill."""

from __future__ import annotations

import asyncio
import itertools
import socket
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.opus import OpusStreamDecoder, has_lbrr
from app.media.sources import decode_file
from tests.support import janus_faults
from tests.support.analysis import dominant_frequency, frame_rms
from tests.support.rtp_source import (
    PAYLOAD_TYPE,
    FileSynth,
    RtpSourceProcess,
    ToneSynth,
    main,
    make_encoder,
    rtp_packet,
)

DEMO = str(Path(__file__).resolve().parents[2] / "resources" / "audio" / "demo-room.ogg")


def test_room_config_without_the_stage_forward_leaves_the_feed_port_to_an_external_sender(
        janus_installed: None, tmp_path: Path) -> None:
    from app.local.janus_config import LocalRoomConfig, render

    render(LocalRoomConfig(forward_port=5555), tmp_path / "default")
    render(LocalRoomConfig(forward_port=5555, stage_forward=False), tmp_path / "external")
    default = (tmp_path / "default" / "janus.plugin.audiobridge.jcfg").read_text()
    external = (tmp_path / "external" / "janus.plugin.audiobridge.jcfg").read_text()
    active = [ln.strip() for ln in default.splitlines() if ln.strip().startswith("rtp_forward_")]
    assert "rtp_forward_port = 5555" in active and len(active) == 7
    assert not [ln for ln in external.splitlines() if ln.strip().startswith("rtp_forward_")]
    assert "# external feed: rtp_forward_port = 5555" in external
    streaming = (tmp_path / "external" / "janus.plugin.streaming.jcfg").read_text()
    assert "audioport = 5555" in streaming  # the mountpoint still listens where the sender sends


def test_tone_is_phase_continuous_across_frames() -> None:
    synth = ToneSynth(440.0)
    pcm = np.concatenate([synth.frame() for _ in range(10)])[:, 0].astype(np.float64)
    expected = np.round(np.sin(2 * np.pi * 440.0 * np.arange(len(pcm)) / SAMPLE_RATE) * 0.3 * 32767)
    assert np.max(np.abs(pcm - expected)) <= 1.0


def test_sweep_glides_and_wraps_without_a_jump() -> None:
    synth = ToneSynth(400.0, sweep_to=800.0, sweep_period=2.0)
    frames = [synth.frame() for _ in range(int(3.0 / 0.02))]
    pcm = np.concatenate(frames)[:, 0].astype(np.float64)
    assert abs(dominant_frequency(pcm[:4800]) - 410.0) < 2  # mid-window 0.05 s: 400 + 200 Hz/s * 0.05 s
    assert abs(dominant_frequency(pcm[48000:52800]) - 610.0) < 2
    assert abs(dominant_frequency(pcm[96000:100800]) - 410.0) < 2  # wrapped after 2 s
    # phase continuous: no sample-to-sample step bigger than the steepest sine can make
    assert np.max(np.abs(np.diff(pcm))) <= 2 * np.pi * 800 / SAMPLE_RATE * 0.3 * 32767 + 2
    assert synth.frequency_at(1.0) == pytest.approx(600.0)


def test_leaping_tone_switches_frequency_without_a_step() -> None:
    synth = ToneSynth(440.0, leap=3.0, leap_every=0.25)
    pcm = np.concatenate([synth.frame() for _ in range(50)])[:, 0].astype(np.float64)
    assert abs(dominant_frequency(pcm[2400:9600]) - 440.0) < 3
    assert abs(dominant_frequency(pcm[14400:21600]) - 1320.0) < 3
    assert np.max(np.abs(np.diff(pcm))) <= 2 * np.pi * 1320 / SAMPLE_RATE * 0.3 * 32767 + 2
    assert synth.frequency_at(0.3) == 1320.0 and synth.frequency_at(0.6) == 440.0


def test_leaping_tone_keeps_inband_fec_in_the_stream() -> None:
    """A steady tone loses its FEC (SILK's VAD calls it background); a leaping one keeps it."""
    import opuslib

    def fec_rebuilds(synth: ToneSynth, lost: int = 60) -> bool:
        encoder = make_encoder()
        packets = [encoder.encode(synth.frame().tobytes(), FRAME_SAMPLES)  # type: ignore[attr-defined]
                   for _ in range(lost + 2)]
        outputs = []
        for fec in (True, False):
            decoder = opuslib.Decoder(SAMPLE_RATE, 2)
            for packet in packets[:lost]:
                decoder.decode(packet, FRAME_SAMPLES)
            outputs.append(decoder.decode(packets[lost + 1] if fec else b"", FRAME_SAMPLES, decode_fec=fec))
        return outputs[0] != outputs[1]  # FEC found data; otherwise libopus falls back to the same PLC

    assert not fec_rebuilds(ToneSynth(440.0))
    assert fec_rebuilds(ToneSynth(440.0, leap=3.0))


def test_tone_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        ToneSynth(5.0)
    with pytest.raises(ValueError):
        ToneSynth(440.0, amplitude=2.0)
    with pytest.raises(ValueError):
        ToneSynth(440.0, sweep_to=8800.0, leap=3.0)


def test_file_synth_loops_the_decoded_file_end_to_start_in_stereo() -> None:
    synth = FileSynth(DEMO)
    source = decode_file(DEMO)
    assert synth.seconds == pytest.approx(len(source) / SAMPLE_RATE) and 18 < synth.seconds < 20
    frames = int(synth.seconds / 0.02) + 30  # past the end of the first loop
    pcm = np.concatenate([synth.frame() for _ in range(frames)])
    assert pcm.dtype == np.int16 and pcm.shape == (frames * FRAME_SAMPLES, 2)
    assert np.array_equal(pcm[:, 0], pcm[:, 1])
    assert np.array_equal(pcm[:, 0], np.tile(source, 2)[: len(pcm)])  # no sample lost or doubled at the wrap


def test_file_synth_refuses_what_is_not_audio(tmp_path: Path) -> None:
    bogus = tmp_path / "x.ogg"
    bogus.write_bytes(b"not audio")
    with pytest.raises(ValueError, match=r"x\.ogg"):
        FileSynth(str(bogus))
    with pytest.raises(SystemExit):
        main(["--port", "5000", "--file", DEMO, "--leap", "3"])  # a file is sent as it is


def test_speech_file_keeps_inband_fec_in_most_packets() -> None:
    """Speech is what SILK's VAD calls active: the feed carries FEC, as the room's real stage does."""
    synth, encoder = FileSynth(DEMO), make_encoder()
    packets = [encoder.encode(synth.frame().tobytes(), FRAME_SAMPLES)  # type: ignore[attr-defined]
               for _ in range(int(synth.seconds / 0.02))]
    assert np.mean([has_lbrr(p) for p in packets]) > 0.5


def test_encoder_has_inband_fec_and_a_voice_bitrate() -> None:
    from opuslib.api import ctl
    from opuslib.api import encoder as api_encoder

    encoder = make_encoder()
    assert api_encoder.encoder_ctl(encoder.encoder_state, ctl.get_inband_fec) == 1  # type: ignore[attr-defined]
    assert api_encoder.encoder_ctl(encoder.encoder_state, ctl.get_packet_loss_perc) > 0  # type: ignore[attr-defined]
    assert encoder.bitrate <= 32000  # type: ignore[attr-defined]


def test_rtp_header() -> None:
    packet = rtp_packet(0x1FFFF, 2**32 + 5, 0xDEADBEEF, b"xy", marker=True)
    first, second, seq, ts, ssrc = struct.unpack("!BBHII", packet[:12])
    assert first == 0x80 and second == 0x80 | PAYLOAD_TYPE
    assert (seq, ts, ssrc) == (0xFFFF, 5, 0xDEADBEEF)
    assert packet[12:] == b"xy"


async def test_sender_paces_a_continuous_stream_that_decodes_to_the_tone() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    source = RtpSourceProcess(sock.getsockname()[1], tone=440.0)
    loop = asyncio.get_running_loop()
    packets: list[tuple[float, bytes]] = []
    await source.start()
    try:
        t_end = time.monotonic() + 2.0
        while time.monotonic() < t_end:
            try:
                data = await asyncio.wait_for(loop.sock_recv(sock, 2048), 0.5)
            except TimeoutError:
                break
            packets.append((time.monotonic(), data))
    finally:
        await source.stop()
        sock.close()
    assert 95 <= len(packets) <= 102, len(packets)  # 2 s at 50 packets/s
    headers = [struct.unpack("!BBHII", p[:12]) for _, p in packets]
    assert len({h[4] for h in headers}) == 1, "one SSRC"
    assert all((b[2] - a[2]) % 65536 == 1 for a, b in itertools.pairwise(headers))
    assert all((b[3] - a[3]) % 2**32 == FRAME_SAMPLES for a, b in itertools.pairwise(headers))
    assert all(h[1] & 0x7F == PAYLOAD_TYPE for h in headers)
    # paced, not bursty: arrival times follow a 20 ms grid within scheduling noise
    arrivals = np.array([t for t, _ in packets])
    grid = arrivals[0] + 0.02 * np.arange(len(arrivals))
    assert np.median(np.abs(arrivals - grid)) < 0.01
    decoder = OpusStreamDecoder()
    pcm = np.concatenate([decoder.decode(p[12:]) for _, p in packets])[FRAME_SAMPLES * 5 :]
    assert abs(dominant_frequency(pcm) - 440.0) < 1.0
    rms = float(np.sqrt(np.mean(pcm[:, 0].astype(np.float64) ** 2)))
    assert 0.25 * 32767 / np.sqrt(2) < rms < 0.35 * 32767 / np.sqrt(2)
    assert len(p := packets[10][1]) - 12 <= 32000 / 8 * 0.02 * 1.5, p  # ~80 bytes at 32 kbps


async def test_sender_with_a_file_sends_the_file() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    source = RtpSourceProcess(sock.getsockname()[1], file=DEMO)
    loop = asyncio.get_running_loop()
    payloads: list[bytes] = []
    await source.start()
    try:
        while len(payloads) < 100:  # the first 2 s: the chime's four notes
            payloads.append((await asyncio.wait_for(loop.sock_recv(sock, 2048), 2.0))[12:])
    finally:
        await source.stop()
        sock.close()
    decoder = OpusStreamDecoder()
    heard = np.concatenate([decoder.decode(p) for p in payloads])
    sent = decode_file(DEMO)[: len(heard)]
    # the same 20 ms level contour (Opus changes each frame's level by a fraction of a dB), decoder delay aside
    a = 20 * np.log10(frame_rms(heard)[5:95] + 1)
    b = 20 * np.log10(frame_rms(sent)[5:95] + 1)
    assert np.median(np.abs(a - b)) < 1.5 and np.corrcoef(a, b)[0, 1] > 0.9


async def test_sender_keeps_going_when_nobody_listens() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: every packet gets an ICMP port unreachable
    source = RtpSourceProcess(port)
    await source.start()
    await asyncio.sleep(1.0)
    assert source.running
    await source.stop()
    assert "0 send errors" in source.output, source.output
    sent = int(source.output.split("sent ")[1].split()[0])
    assert 45 <= sent <= 56, source.output


async def _hear(room: object, seconds: float) -> np.ndarray:
    from app.listener.listen import ListenSession

    session = ListenSession(room.link, use_device=False)  # type: ignore[attr-defined]
    blocks: list[np.ndarray] = []
    session.playout.played.connect(lambda block: blocks.append(block.copy()))
    try:
        await session.start()
        await asyncio.sleep(seconds)
    finally:
        await session.close()
    return np.concatenate(blocks)


@pytest.mark.lab
async def test_external_feed_plays_through_janus_and_outlives_a_kill(tone_room: object) -> None:
    from tests.support.analysis import non_silent_ratio

    room = tone_room
    source = room.source  # type: ignore[attr-defined]
    config_text = (room.folder / "janus.plugin.audiobridge.jcfg").read_text()  # type: ignore[attr-defined]
    assert "\n\t# external feed: rtp_forward_port" in config_text  # the stage does not forward
    before = await _hear(room, 2.0)
    tail = before[-48000:]
    assert non_silent_ratio(tail) >= 0.95 and abs(dominant_frequency(tail) - 440.0) < 1.0
    pid = source.process.pid
    await janus_faults.restart(room.janus)  # type: ignore[attr-defined]
    assert source.running and source.process.pid == pid
    after = await _hear(room, 2.0)
    tail = after[-48000:]
    assert non_silent_ratio(tail) >= 0.95 and abs(dominant_frequency(tail) - 440.0) < 1.0
