"""The live room directory on a real Janus (lab): three rooms on one server show up with their titles and counts
within 5 s, an ended room drops out at once and a silent one after the timeout, and a listener's forged lobby
messages (a broadcast, an announcement with a wrong secret) never reach the directory."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import pytest

from app.cli.rooms import rooms as rooms_command
from app.controller.controller import RoomController
from app.controller.room_maker import end_room, make_room, new_spec
from app.janus import JanusError, JanusSession
from app.janus.textroom import TextRoomHandle
from app.links import RoomLink, parse_link
from app.listener.directory import DirectoryBrowser, RoomDirectory
from app.listener.listen import ListenSession
from app.room.lobby_protocol import LOBBY_ROOM_ID
from tests.support.stage_lab import until

pytestmark = pytest.mark.lab

TIMEOUT = 6.0  # the directory's timeout here (15 s in the app): a silent room must drop out after it


def titles(directory: RoomDirectory) -> dict[str, int | None]:
    return {r.summary.title: r.summary.listeners for r in directory.rooms()}


async def test_three_rooms_show_up_an_ended_one_drops_out_forgeries_are_ignored(
        make_lab_room: Any, capsys: pytest.CaptureFixture[str]) -> None:
    lab = await make_lab_room(title="Alpha", controller=True)  # room 1234, its demo speaker is the host
    server = lab.link.servers[0]
    specs = [new_spec(server, title) for title in ("Beta", "Gamma")]
    controllers: list[RoomController] = []
    listener: ListenSession | None = None
    browser = DirectoryBrowser([server], RoomDirectory(timeout=TIMEOUT))
    forger = await JanusSession.connect(server)
    try:
        for spec in specs:
            await make_room(spec)
            controller = RoomController([server], spec.room_id, spec.secrets, spec.title, spec=spec,
                                        lobby_secrets={server: lab.config.secrets.lobby})
            controllers.append(controller)
            await controller.start()
        beta = specs[0]
        listener = ListenSession(RoomLink(beta.room_id, (server,), "Beta"), use_device=False)
        await listener.start()
        await until(lambda: all(c.announced.is_set() for c in [lab.controller, *controllers]), 10,
                    "every controller announcing")
        await until(lambda: controllers[0].book.listeners is not None and controllers[0].book.listeners.count == 1,
                    10, "Beta's controller counting its listener")

        started = time.monotonic()
        browser.start()
        await until(lambda: titles(browser.directory).keys() == {"Alpha", "Beta", "Gamma"}, 5,
                    "the three rooms in the directory")
        shown = time.monotonic() - started
        await until(lambda: titles(browser.directory).get("Beta") == 1, 5, "Beta's listener count")
        rooms = {r.summary.title: r for r in browser.directory.rooms()}
        assert rooms["Alpha"].summary.hosts == ("Demo speaker",)
        assert rooms["Alpha"].summary.listeners == lab.controller.book.listeners.count
        assert rooms["Gamma"].summary.listeners == 0
        assert rooms["Beta"].link.room_id == beta.room_id and rooms["Beta"].link.servers == (server,)

        capsys.readouterr()
        assert await rooms_command(argparse.Namespace(servers=[server], wait=2.0, json=True)) == 0
        listed = json.loads(capsys.readouterr().out)
        assert {(r["title"], r["listeners"]) for r in listed} == {(t, n) for t, n in titles(browser.directory).items()}
        assert {parse_link(r["link"]) for r in listed} >= {RoomLink(beta.room_id, (server,), "Beta")}

        # A listener in the lobby forges: a broadcast message shaped like a summary, then an announcement with a
        # guessed secret (Janus refuses it).
        textroom = await TextRoomHandle.attach(forger)
        await textroom.setup()
        await textroom.join(LOBBY_ROOM_ID, "l-forger")
        forged = json.dumps({"v": 1, "type": "lobby", "room": 777, "title": "Forged", "hosts": ["Mallory"],
                             "listeners": 99999, "started": time.time()}, separators=(",", ":"))
        await textroom.message(LOBBY_ROOM_ID, forged)
        with pytest.raises(JanusError):
            await textroom.announcement(LOBBY_ROOM_ID, "guessed-secret", forged)
        await asyncio.sleep(1.5)
        assert "Forged" not in titles(browser.directory)
        assert all(r.summary.room != 777 for r in browser.directory.rooms())

        # Gamma's host ends it: announced as ended, it drops out at once. Beta's controller stops: after the timeout.
        gamma = controllers[1]
        ended_at = time.monotonic()
        await gamma.hosts.end()
        await until(lambda: "Gamma" not in titles(browser.directory), 3, "the ended room dropping out")
        ended_in = time.monotonic() - ended_at
        await controllers[0].close()
        silent_at = time.monotonic()
        await until(lambda: "Beta" not in titles(browser.directory), TIMEOUT + 7, "the silent room dropping out")
        silent_for = time.monotonic() - silent_at
        assert silent_for >= TIMEOUT - 5.5  # its last announcement may be up to a period (5 s) old when it stopped
        assert titles(browser.directory).keys() == {"Alpha"}
        with capsys.disabled():
            print(f"\nthree rooms listed {shown:.2f} s after the browser started; ended room gone after "
                  f"{ended_in:.2f} s; silent room gone {silent_for:.2f} s after its controller stopped")
    finally:
        await browser.close()
        if listener is not None:
            await listener.close()
        await forger.close()
        for controller in controllers:
            await controller.close()
        for spec in specs:
            try:
                await end_room(spec)
            except Exception:
                pass
