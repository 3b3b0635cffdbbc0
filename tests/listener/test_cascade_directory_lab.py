"""Joining a cascade room from the directory (lab: an origin and two edges): the edges' lobbies list the room with
its stage server, so the link a browser builds names the origin (`stage=`) — where a speaker joined from the
directory goes on stage — while listeners play from the edges only."""

from __future__ import annotations

import pytest

from app.links import format_link, parse_link
from app.listener.directory import DirectoryBrowser
from app.listener.listen import ListenSession
from app.listener.status import RoomStatus
from tests.support.cascade_lab import ROOM_ID, cascade_room
from tests.support.stage_lab import until

pytestmark = pytest.mark.lab


async def test_a_cascade_room_joined_from_an_edges_lobby_names_its_origin() -> None:
    async with cascade_room(speaker=False, lobby=True) as cascade:
        origin, edges = cascade.origin.config.ws_url, cascade.edge_urls
        browser = DirectoryBrowser([edges[1]])
        listener: ListenSession | None = None
        try:
            browser.start()
            await until(lambda: len(browser.directory) == 1, 10, "the room in the second edge's lobby")
            [room] = browser.directory.rooms()
            link = parse_link(format_link(room.link))  # what the browser's Join and `plaza rooms` hand over
            assert link.room_id == ROOM_ID and link.servers == (edges[1], edges[0])
            assert link.stage == origin and link.stage_server == origin and origin not in link.servers
            listener = ListenSession(link, use_device=False)
            await listener.start()
            await until(lambda: listener is not None and listener.status.current.status is RoomStatus.LIVE, 10,
                        "the listener live on an edge")
            assert listener.supervisor.server in edges  # listeners never play from the origin
        finally:
            if listener is not None:
                await listener.close()
            await browser.close()
