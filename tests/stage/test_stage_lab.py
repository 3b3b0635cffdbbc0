"""Speakers on a real stage (lab, real Janus): heard on the feed, self-mute, mix-minus, leaving without a gap.

Every speaker gets on stage the way a user does: it joins as a listener, the room's controller invites it (a host
would), it takes the invite and joins AudioBridge with the one-time pass. Microphones are WAV files of a pure
tone (`FileSource`, paced like a device); listeners run in production configuration (default cushion and start).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest

from app.listener.listen import ListenSession
from app.stage.speaker import Role
from tests.support import janus_faults
from tests.support.analysis import dominant_frequency
from tests.support.stage_lab import (
    SILENT_DB,
    SOURCE_DB,
    ArrivalTap,
    band_db,
    go_on_stage,
    speaker_session,
    tone_wav,
    until,
)

pytestmark = pytest.mark.lab

async def test_a_speaker_is_heard_on_the_feed_and_self_mute_silences_it_within_300_ms(make_lab_room,
                                                                                       tmp_path: Path) -> None:
    room = await make_lab_room(speaker=None, controller=True)
    speaker = speaker_session(room, tone_wav(tmp_path / "a.wav", 440.0), "Ana")
    listener = ListenSession(room.link, use_device=False)
    tap = ArrivalTap(listener)
    heard: list[np.ndarray] = []
    listener.heard.connect(lambda block: heard.append(block.copy()))
    try:
        await listener.start()
        await go_on_stage(room, speaker)
        # The listener plays its cushion behind the feed (up to 1.5 s once it has grown): wait until the tone is
        # heard, then measure 2 s of it.
        await until(lambda: len(heard) >= 10 and band_db(np.concatenate(heard[-10:]), 440.0) > -30.0, 5,
                    "the tone heard by the listener")
        await asyncio.sleep(2.2)
        live = np.concatenate(heard[-100:])  # the last 2 s the listener heard
        level = band_db(live, 440.0)
        arrived = np.concatenate([pcm for _, pcm in tap.blocks[-100:]])
        print(f"source 440 Hz -13.5 dBFS; feed {band_db(arrived, 440.0):.1f} dBFS, heard {level:.1f} dBFS, "
              f"dominant {dominant_frequency(live):.1f} Hz")
        assert abs(level - SOURCE_DB) <= 6.0, f"tone level {level:.1f} dBFS"
        assert abs(dominant_frequency(live) - 440.0) <= 2.0
        muted_at = time.monotonic()
        await speaker.set_muted(True)
        await asyncio.sleep(1.0)
        after = tap.levels(440.0, muted_at)
        silent = next((t for t, db in after if db < SILENT_DB), None)
        assert silent is not None, "the tone never left the feed after the mute"
        assert all(db < SILENT_DB for t, db in after if t >= silent), "the tone came back while muted"
        mute_latency = silent - muted_at
        unmuted_at = time.monotonic()
        await speaker.set_muted(False)
        await asyncio.sleep(1.0)
        back = next((t for t, db in tap.levels(440.0, unmuted_at) if db > -20.0), None)
        assert back is not None, "unmuting did not bring the tone back"
    finally:
        await speaker.close()
        await listener.close()
    print(f"mute → silent on the feed: {mute_latency * 1000:.0f} ms; "
          f"unmute → back: {(back - unmuted_at) * 1000:.0f} ms")
    assert mute_latency <= 0.3


async def test_mix_minus_a_speaker_hears_the_others_not_itself(make_lab_room, tmp_path: Path) -> None:
    room = await make_lab_room(speaker=None, controller=True)
    ana = speaker_session(room, tone_wav(tmp_path / "a.wav", 440.0), "Ana")
    ben = speaker_session(room, tone_wav(tmp_path / "b.wav", 1000.0), "Ben")
    heard: list[np.ndarray] = []
    ana.listen.heard.connect(lambda block: heard.append(block.copy()))
    try:
        await go_on_stage(room, ana)
        await go_on_stage(room, ben)
        await asyncio.sleep(3.0)
        monitor = np.concatenate(heard[-100:])
    finally:
        await asyncio.gather(ana.close(), ben.close())
    own, other = band_db(monitor, 440.0), band_db(monitor, 1000.0)
    print(f"Ana's monitor: own 440 Hz {own:.1f} dBFS, Ben's 1 kHz {other:.1f} dBFS")
    assert other > -20.0, "the other speaker is missing from the monitor"
    assert own < SILENT_DB, "the speaker hears itself on stage"


async def test_leaving_the_stage_plays_on_without_a_gap(make_lab_room, tmp_path: Path) -> None:
    room = await make_lab_room(speaker=None, controller=True)
    ana = speaker_session(room, tone_wav(tmp_path / "a.wav", 440.0), "Ana", muted=True)
    ben = speaker_session(room, tone_wav(tmp_path / "b.wav", 1000.0), "Ben")
    heard: list[np.ndarray] = []
    ana.listen.heard.connect(lambda block: heard.append(block.copy()))
    try:
        await go_on_stage(room, ben)
        await go_on_stage(room, ana)
        await asyncio.sleep(3.0)
        before = len(heard)
        await ana.leave_stage()
        assert ana.role == Role.LISTENER
        await asyncio.sleep(2.0)
        around = np.concatenate(heard[before - 50: before + 100]).astype(np.float64).mean(axis=1)
    finally:
        await asyncio.gather(ana.close(), ben.close())
    # Ben's 1 kHz tone plays on the monitor before and on the feed after: no 10 ms window may fall silent.
    windows = around[: len(around) // 480 * 480].reshape(-1, 480)
    rms_db = 20 * np.log10(np.maximum(np.sqrt(np.mean(np.square(windows / 32768.0), axis=1)), 1e-9))
    gap_ms = 10 * int(np.sum(rms_db < -30.0))
    print(f"switch: quietest 10 ms window {rms_db.min():.1f} dBFS; {gap_ms} ms under -30 dBFS")
    assert gap_ms == 0


async def test_the_stage_survives_a_janus_restart_with_role_and_mute_state(make_lab_room, tmp_path: Path) -> None:
    room = await make_lab_room(speaker=None, controller=True)
    ana = speaker_session(room, tone_wav(tmp_path / "a.wav", 440.0), "Ana")
    listener = ListenSession(room.link, use_device=False)
    tap = ArrivalTap(listener)
    try:
        await listener.start()
        await go_on_stage(room, ana)
        await asyncio.sleep(2.0)
        first = ana.stage
        await janus_faults.restart(room.janus)  # kill -9, then start again at once
        restarted = time.monotonic()
        back = await until(lambda: ana.stage is not None and ana.stage is not first
                           and ana.stage.first_media.done(), 20, "the speaker back on stage")
        assert ana.role == Role.SPEAKER and not ana.muted and ana.stage_reconnects == 1
        await asyncio.sleep(3.0)
        heard_again = next((t for t, db in tap.levels(440.0, restarted) if db > -20.0), None)
        levels = tap.levels(440.0, restarted)
        assert heard_again is not None, (f"the listener never heard the speaker again: {listener.status.current}, "
                                         f"{len(levels)} packets since, levels {[round(d) for _, d in levels[::25]]}")
        members = listener.state.state.members
    finally:
        await asyncio.gather(ana.close(), listener.close())
    print(f"back on stage {back:.2f} s after the restart; heard on the feed {heard_again - restarted:.2f} s after")
    assert [m.name for m in members] == ["Ana"] and not members[0].muted
