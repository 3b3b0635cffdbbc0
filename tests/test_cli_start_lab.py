"""`plaza start` on a real Janus (lab): a room made through the API plays, survives a Janus restart, and ends for
everyone when its host ends it — taken down on Janus, listeners told, nothing left behind."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.cli.start import start
from app.controller.secret_store import KEYRING_SERVICE, load_host_pass
from app.janus import JanusSession
from app.janus.audiobridge import AudioBridgeHandle
from app.janus.textroom import TextRoomHandle
from app.links import RoomLink, parse_link
from app.listener.listen import ListenSession
from app.listener.status import RoomStatus
from app.stage.host import HostDesk
from app.stage.speaker import Role
from tests.controller.test_secret_store import MemoryKeyring
from tests.support import janus_faults
from tests.support.stage_lab import ArrivalTap, speaker_session, tone_wav, until

pytestmark = pytest.mark.lab

ROOM = 4321


async def exists(server: str, room: int) -> tuple[bool, bool]:
    session = await JanusSession.connect(server)
    try:
        stage = await AudioBridgeHandle.attach(session)
        on_stage = (await stage.handle.message({"request": "exists", "room": room})).data.get("exists") is True
        channel = await TextRoomHandle.attach(session)
        return on_stage, await channel.exists(room)
    finally:
        await session.close()


async def test_plaza_start_makes_runs_and_ends_a_room(make_lab_room: Any, tmp_path: Path,
                                                     memory_keyring: MemoryKeyring) -> None:
    lab = await make_lab_room(speaker=None, controller=False)
    server = lab.link.servers[0]
    command = asyncio.create_task(start(argparse.Namespace(server=server, title="Launch night", room=ROOM,
                                                          admin_key_stdin=False, host_pass_stdout=False)))
    link = RoomLink(ROOM, (server,), "Launch night")
    await until(lambda: any(name.endswith("/host") for _, name in memory_keyring.entries) or command.done(), 15,
                "the room to be made")
    assert not command.done(), command
    assert {name.rsplit("/", 1)[1] for _, name in memory_keyring.entries} == {"stage", "feed", "channel", "host",
                                                                             "lobby"}
    assert all(service == KEYRING_SERVICE for service, _ in memory_keyring.entries)
    assert await exists(server, ROOM) == (True, True)
    listener = ListenSession(parse_link(link.format()), use_device=False)  # as the printed link is shared
    tap = ArrivalTap(listener)
    ana = speaker_session(SimpleNamespace(link=link), tone_wav(tmp_path / "a.wav", 440.0), "Ana")
    try:
        await listener.start()
        await until(lambda: listener.state.state.title == "Launch night", 5, "the controller's state")
        # on stage the way a user gets there: hand up, the host invites
        await ana.start()
        ana.listen.set_hand_raised(True)
        await until(lambda: any(h.name == "Ana" for h in listener.state.state.hands), 5, "Ana's hand")
        assert listener.channel is not None
        desk = HostDesk(listener.channel, load_host_pass(link))  # the host's pass, as `plaza host` reads it
        await desk.invite(next(h.id for h in listener.state.state.hands if h.name == "Ana"))
        await until(lambda: ana.role == Role.INVITED, 3, "the invite")
        await ana.accept()
        await until(lambda: any(db > -20.0 for _, db in tap.levels(440.0, time.monotonic() - 0.5)), 5,
                    "Ana heard on the made room's feed")
        # a Janus restart forgets rooms made through the API: the controller makes it again, everyone comes back
        channel_before, stage_before = listener.channel.channel, ana.stage
        await janus_faults.restart(lab.janus)
        restarted = time.monotonic()
        back = await until(lambda: any(db > -20.0 for _, db in tap.levels(440.0, restarted + 0.5)), 30,
                           "Ana heard again after the restart")
        assert listener.status.current.status is RoomStatus.LIVE
        assert ana.role == Role.SPEAKER and ana.stage is not stage_before
        keeper = listener.channel
        await until(lambda: keeper.channel is not None and keeper.channel is not channel_before
                    and keeper.channel.controller is not None, 15, "the listener's channel back")
        # the host ends it: listeners see it ended, the command returns, Janus has nothing left
        ended_at = time.monotonic()
        await desk.end()
        await until(lambda: listener.state.state.ended, 1.5, "listeners see the room ended")
        seen = time.monotonic() - ended_at
        assert await asyncio.wait_for(command, 10) == 0
        await until(lambda: listener.status.current.status is RoomStatus.ENDED, 5, "the listener stopped")
        assert await exists(server, ROOM) == (False, False)
    finally:
        command.cancel()
        await asyncio.gather(command, return_exceptions=True)
        await asyncio.gather(ana.close(), listener.close())
    print(f"\nback on the feed {back:.2f} s after the restart; end seen after {seen:.2f} s")
