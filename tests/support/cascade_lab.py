"""A cascade in the lab (docs/deployment.md): an origin Janus mixing the stage, two (or three) edge Janus serving its
feed, each in its own namespace (tests.lab.netlab), a room controller keeping the origin's forwards, a tone speaker
on stage.

Every Janus renders Plaza's local-room config with the same secrets; the origin's stage forwards nothing by config
(the controller adds one forwarder per edge) and each edge's feed listens on the edge's own address. The unused
objects that config also makes (a feed on the origin, a stage on each edge) are never joined.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from app.controller.controller import RoomController
from app.controller.edge_forwards import EdgeForward
from app.controller.link import ControllerSecrets
from app.janus import JanusSession
from app.janus.streaming import StreamingHandle
from app.links import RoomLink
from app.local.janus_config import LocalRoomConfig, RoomSecrets
from app.local.room import LocalRoom
from app.room.protocol import Role
from tests.lab import netlab

ROOM_ID = 4321
FEED_PORT = 5002  # each edge's mountpoint input, on the edge's lab address
TONE_HZ = 440.0


@dataclass
class Cascade:
    origin: LocalRoom
    edges: list[LocalRoom]
    controller: RoomController | None = None
    speaker: asyncio.subprocess.Process | None = None  # tests.support.stage_speaker_process
    rooms: list[LocalRoom] = field(default_factory=list)
    secrets: RoomSecrets = field(default_factory=RoomSecrets)

    @property
    def edge_urls(self) -> list[str]:
        return [edge.config.ws_url for edge in self.edges]

    def link(self, first_edge: int = 0) -> RoomLink:
        """The room's link, listing the edges starting at `first_edge` (a listener plays from the first listed)."""
        urls = self.edge_urls
        return RoomLink(ROOM_ID, tuple(urls[first_edge:] + urls[:first_edge]), "Cascade",
                        stage=self.origin.config.ws_url)

    def viewers(self) -> list[int | None]:
        """The feed's viewers per edge, as the controller last measured them."""
        assert self.controller is not None
        by_url = {link.url: link.viewers for link in self.controller.links}
        return [by_url[url] for url in self.edge_urls]


def node_config(node: int, secrets: RoomSecrets) -> LocalRoomConfig:
    """Cascade node `node`'s Janus (0 the origin, 1 and 2 the edges), every node with the room's same secrets."""
    ip = netlab.CASCADE_IPS[node]
    return LocalRoomConfig(room_id=ROOM_ID, title="Cascade", ws_ip=ip, ws_port=8188, forward_port=FEED_PORT,
                           feed_iface=ip, ice_enforce_list=netlab.CASCADE_IFS[node], stage_forward=False,
                           secrets=secrets)


@contextlib.asynccontextmanager
async def cascade_room(*, speaker: bool = True, lobby: bool = False, edges: int = 2) -> AsyncIterator[Cascade]:
    """Start origin, `edges` edges (2 or 3), controller and (with `speaker`) a 440 Hz speaker on the origin's stage,
    in a process of its own; all stopped after. With `lobby`, the controller announces the room in each edge's
    lobby."""
    secrets = RoomSecrets()
    rooms = [LocalRoom(node_config(node, secrets), prefix=["ip", "netns", "exec", ns], speaker=None, controller=False)
             for node, ns in enumerate(netlab.CASCADE_NS[:1 + edges])]
    cascade = Cascade(rooms[0], rooms[1:], rooms=rooms, secrets=secrets)
    try:
        for room in rooms:
            await room.start()
        forwards = [EdgeForward(edge.config.ws_url, edge.config.feed_iface, FEED_PORT) for edge in cascade.edges]
        cascade.controller = RoomController(
            cascade.edge_urls, ROOM_ID, ControllerSecrets(stage=secrets.stage, feed=secrets.feed,
                                                          channel=secrets.channel),
            "Cascade", stage_server=cascade.origin.config.ws_url, forwards=forwards,
            lobby_secrets={url: secrets.lobby for url in cascade.edge_urls} if lobby else None)
        await cascade.controller.start()
        if speaker:
            stage_pass = await cascade.controller.admit("Origin speaker", Role.HOST)
            cascade.speaker = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.support.stage_speaker_process", cascade.origin.config.ws_url,
                str(ROOM_ID), str(stage_pass.stage_id), str(TONE_HZ), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, start_new_session=True)
            assert cascade.speaker.stdin is not None and cascade.speaker.stdout is not None
            cascade.speaker.stdin.write(stage_pass.token.encode() + b"\n")
            await cascade.speaker.stdin.drain()
            line = await asyncio.wait_for(cascade.speaker.stdout.readline(), 15.0)
            assert line == b"speaking\n", f"the speaker did not get on stage: {line!r}"
        yield cascade
    finally:
        if cascade.speaker is not None and cascade.speaker.returncode is None:
            cascade.speaker.terminate()
            try:
                await asyncio.wait_for(cascade.speaker.wait(), 5.0)
            except TimeoutError:
                cascade.speaker.kill()
                await cascade.speaker.wait()
        if cascade.controller is not None:
            await cascade.controller.close()
        for room in rooms:
            await room.close()


@contextlib.asynccontextmanager
async def held_viewers(url: str, n: int) -> AsyncIterator[None]:
    """`n` viewers of the feed on the edge at `url` that asked to watch and hold the offer without playing: Janus
    counts them in the mountpoint's `viewers` (what the controller announces), at no decoding cost to the lab."""
    session = await JanusSession.connect(url)
    try:
        for _ in range(n):
            handle = await StreamingHandle.attach(session)
            await handle.watch(ROOM_ID, timeout=5.0)
        yield
    finally:
        await session.close()
