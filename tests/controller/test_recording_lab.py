"""Recording the stage mix (lab, real Janus): a host starts and stops it, every listener sees that the room records,
and the server holds a playable WAV of what the stage said; co-hosts may record, speakers may not; a Janus restart
ends a recording and the room is told so.

The file is read where the room's AudioBridge writes it (the local room's record_dir; Janus runs in the lab's
server namespace on the same file system).
"""

from __future__ import annotations

import asyncio
import logging
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.listener.listen import ListenSession
from app.media import SAMPLE_RATE
from app.room.host_protocol import HostVerb, encode_host_action, sign
from app.room.protocol import Role as MemberRole
from app.stage.host import HostDesk
from app.stage.speaker import SpeakerSession
from tests.support import janus_faults
from tests.support.stage_lab import ArrivalTap, band_db, go_on_stage, speaker_session, tone_wav, until

pytestmark = pytest.mark.lab

EFFECT_BUDGET = 1.5  # the issue: state on every listener within 1.5 s
TONE_HZ = 440.0
# Recorded time = from Janus's answer to the start to its answer to the stop (the controller's clock). AudioBridge
# opens the file on its next 20 ms mixer tick after the start and closes it on the next tick after the stop, and
# writes one 20 ms frame per tick, paced by the wall clock (a late mixer catches up): ±20 ms at each end, plus the
# requests' time on the veth (< 5 ms) and the mixer thread's scheduling on a loaded 2-core machine. 100 ms = 5 ticks.
DURATION_TOLERANCE = 0.1


async def desk_on_stage(room: Any, tmp_path: Path, name: str, role: MemberRole) -> tuple[SpeakerSession, HostDesk]:
    """A host or co-host (as tests/controller/test_host_actions_lab.py's host_on_stage): a pass of that role issued
    by the room's controller, taken onto the stage muted, and a desk to act with."""
    speaker = speaker_session(room, tone_wav(tmp_path / f"{name}.wav", 660.0), name, muted=True)
    await speaker.start()
    keeper = speaker.listen.channel
    assert keeper is not None
    await until(lambda: keeper.channel is not None and keeper.channel.controller is not None, 15,
                f"{name}'s channel heard the controller")
    stage_pass = await room.controller.admit(name, role)
    await speaker.take_pass(stage_pass)
    return speaker, HostDesk(keeper, stage_pass)


def answer_times(room: Any) -> list[tuple[bool, float]]:
    """(record, monotonic time) of each `enable_recording` answer from the stage server, as they come."""
    link = room.controller.links[0]
    original = link.enable_recording
    times: list[tuple[bool, float]] = []

    async def timed(record: bool, record_file: str | None = None) -> bool:
        answered: bool = await original(record, record_file)
        times.append((record, time.monotonic()))
        return answered

    link.enable_recording = timed
    return times


def recordings(room: Any) -> list[Path]:
    return sorted(room.record_dir.glob("plaza-room-*.wav"))


def read_wav(path: Path) -> np.ndarray:
    """The samples of a 16-bit mono 48 kHz WAV as a player reads them (the `wave` module: header, then data).

    AudioBridge 1.1.2 writes the RIFF size right but the data chunk's size as the whole file's (janus_audiobridge.c,
    janus_audiobridge_update_wav_header: `size -= 8` for RIFF, then `size += 8` for data): 44 bytes (22 samples,
    0.46 ms) more than there are. Players read to the end of the file; so does `wave`. Anything else is wrong."""
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        pcm = np.frombuffer(w.readframes(params.nframes), dtype="<i2")
    assert (params.nchannels, params.sampwidth, params.framerate, params.comptype) == (1, 2, SAMPLE_RATE, "NONE")
    size = path.stat().st_size
    assert len(pcm) == (size - 44) // 2 and size % 2 == 0, "the samples are not all of the file after the header"
    assert params.nframes in (len(pcm), len(pcm) + 22), f"the header claims {params.nframes} samples, has {len(pcm)}"
    return pcm


def dominant_hz(pcm: np.ndarray) -> tuple[float, float]:
    """The strongest frequency of the recording and the share of its energy within ±20 Hz of it."""
    x = pcm.astype(np.float64) / 32768.0
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SAMPLE_RATE)
    peak = float(freqs[int(np.argmax(power))])
    return peak, float(power[np.abs(freqs - peak) <= 20].sum() / power.sum())


async def test_a_host_records_the_stage_mix_into_a_playable_wav(make_lab_room, tmp_path: Path) -> None:
    room = await make_lab_room(speaker=None, controller=True)
    host, desk = await desk_on_stage(room, tmp_path, "Hana", MemberRole.HOST)
    ana = speaker_session(room, tone_wav(tmp_path / "a.wav", TONE_HZ), "Ana")
    audience = [ListenSession(room.link, use_device=False, display=f"L{i}") for i in range(2)]
    everyone = [*audience, host.listen, ana.listen]
    answers = answer_times(room)
    tap = ArrivalTap(audience[0])  # what the feed carries: the same mix, Opus-coded once more
    try:
        await asyncio.gather(*(x.start() for x in audience))
        await go_on_stage(room, ana)
        await until(lambda: all(any(m.name == "Ana" for m in x.state.state.members) for x in audience), 3,
                    "Ana on stage for everyone")
        assert not any(x.state.state.recording for x in everyone)
        await asyncio.sleep(1.0)  # Ana's tone is in the mix
        asked = time.monotonic()
        await desk.record()
        await until(lambda: all(x.state.state.recording for x in everyone), EFFECT_BUDGET,
                    "every listener sees the recording")
        shown = time.monotonic() - asked
        await asyncio.sleep(6.0 - (time.monotonic() - asked))
        stop_asked = time.monotonic()
        await desk.stop_record()
        await until(lambda: not any(x.state.state.recording for x in everyone), EFFECT_BUDGET,
                    "every listener sees the recording stop")
        hidden = time.monotonic() - stop_asked
        await until(lambda: len(recordings(room)) == 1, 2.0, "the finished .wav on the server")
    finally:
        await asyncio.gather(ana.close(), host.close(), *(x.close() for x in audience))
    (path,) = recordings(room)
    assert path.name == room.controller.recording.file
    assert not list(room.record_dir.glob("*.part")), "a recording left unfinished"
    pcm = read_wav(path)
    assert [r for r, _ in answers] == [True, False]
    recorded = answers[1][1] - answers[0][1]
    duration = len(pcm) / SAMPLE_RATE
    peak, share = dominant_hz(pcm)
    frame = SAMPLE_RATE // 50
    level = float(np.median([band_db(pcm[i:i + frame], TONE_HZ) for i in range(0, len(pcm) - frame, frame)]))
    heard = float(np.median([db for t, db in tap.levels(TONE_HZ, asked + 1.0) if t < stop_asked]))
    print(f"\nrecording shown on all {len(everyone)} clients {shown * 1000:.0f} ms after the host asked, gone "
          f"{hidden * 1000:.0f} ms after the host's stop; file {path.name}: {duration:.3f} s for {recorded:.3f} s "
          f"recorded (error {(duration - recorded) * 1000:+.0f} ms; asked {stop_asked - asked:.3f} s apart), peak "
          f"{peak:.1f} Hz with {share:.1%} of the energy, {level:.1f} dBFS (on the feed {heard:.1f})")
    assert abs(duration - recorded) <= DURATION_TOLERANCE, (duration, recorded)
    assert abs(peak - TONE_HZ) <= 2.0 and share >= 0.9, (peak, share)
    assert abs(level - heard) <= 1.0, (level, heard)  # the recording is the mix the listeners hear


async def test_a_co_host_may_record_a_speaker_may_not(make_lab_room, tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    """Co-hosts record (twice: two files, neither overwriting the other); a speaker's own signed `record` is
    refused and nobody sees a recording."""
    caplog.set_level(logging.WARNING, logger="app.controller.host_actions")
    room = await make_lab_room(speaker=None, controller=True)
    cole, desk = await desk_on_stage(room, tmp_path, "Cole", MemberRole.CO_HOST)
    ana = speaker_session(room, tone_wav(tmp_path / "a.wav", TONE_HZ), "Ana")
    listener = ListenSession(room.link, use_device=False, display="Lu")
    try:
        await listener.start()
        await go_on_stage(room, ana)
        assert ana.stage is not None and ana.listen.channel is not None
        task = ana.listen.channel.whisper(encode_host_action(
            sign(ana.stage.stage_pass, int(time.time() * 1000), HostVerb.RECORD)))
        assert task is not None and await task, "Ana's whisper was not delivered"
        await asyncio.sleep(EFFECT_BUDGET)
        assert not listener.state.state.recording and not recordings(room)
        assert any("not a host: 'record' refused" in r.getMessage() for r in caplog.records), caplog.text
        for _ in range(2):
            await desk.record()
            await until(lambda: listener.state.state.recording, EFFECT_BUDGET, "the co-host's recording shown")
            await asyncio.sleep(1.5)
            await desk.stop_record()
            await until(lambda: not listener.state.state.recording, EFFECT_BUDGET, "the stop shown")
        await until(lambda: len(recordings(room)) == 2, 2.0, "two recordings")
    finally:
        await asyncio.gather(ana.close(), cole.close(), listener.close())
    durations = [len(read_wav(path)) / SAMPLE_RATE for path in recordings(room)]
    print(f"\nco-host's two recordings: {[p.name for p in recordings(room)]}, {durations} s")
    assert all(1.3 < d < 2.5 for d in durations), durations  # each one whole: neither was overwritten


async def test_a_janus_restart_ends_the_recording_and_the_room_is_told(make_lab_room) -> None:
    room = await make_lab_room(speaker=None, controller=True)
    listener = ListenSession(room.link, use_device=False)
    try:
        await listener.start()
        await until(lambda: listener.state.state.controller is not None, 15, "the controller's state")
        await room.controller.host_action(HostVerb.RECORD)
        await until(lambda: listener.state.state.recording, EFFECT_BUDGET, "the recording shown")
        await asyncio.sleep(1.0)
        await janus_faults.restart(room.janus)
        restarted = time.monotonic()
        await until(lambda: not listener.state.state.recording, 20, "the recording's end shown after the restart")
        told = time.monotonic() - restarted
        link = room.controller.links[0]
        assert await link.check_recording() is False  # the server's own word
        assert not room.controller.book.recording
    finally:
        await listener.close()
    print(f"\nafter a Janus restart the listener saw the recording end {told:.2f} s after Janus was back; "
          f"left on the server: {[p.name for p in room.record_dir.iterdir()]}")
