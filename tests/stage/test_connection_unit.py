"""StageConnection against a scripted Janus: sessions earlier connections left are ended before joining."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.media.capture import MicTrack
from app.room.errors import RoomError
from app.room.stage_protocol import StagePass
from app.stage.connection import StageConnection, monitor_playout
from tests.janus import scripted_server as ss
from tests.janus.scripted_server import ScriptedServer
from tests.stage.test_speaker_unit import Silence

PASS = StagePass(7, 42, "t" * 24)
OLD, OLDER = 5_000_005, 5_000_004


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with ScriptedServer() as scripted:
        yield scripted
    assert scripted.handler_errors == [], "a scripted responder failed"


def connection(server: ScriptedServer, stale: list[int]) -> StageConnection:
    return StageConnection(server.url, PASS, MicTrack(Silence()), monitor_playout(),  # type: ignore[arg-type]
                           stale_sessions=stale)


async def test_stale_sessions_are_ended_before_the_stage_is_attached(server: ScriptedServer) -> None:
    server.script("claim", ss.success(), ss.error(458, f"No such session {OLD}"))
    server.script("attach", ss.error(459, "No such handle"))  # stop right after: the order is what counts
    stage = connection(server, [OLDER, OLD])
    with pytest.raises(RoomError):
        await stage.open(timeout=2.0)
    verbs = [(m["janus"], m.get("session_id")) for m in server.received]
    assert verbs == [("create", None), ("claim", OLDER), ("destroy", OLDER), ("claim", OLD),
                     ("attach", ss.SESSION_ID), ("destroy", ss.SESSION_ID)]
    assert stage.left_behind == []  # both stale ones gone, ours destroyed: nothing can hold our seat


async def test_what_could_not_be_ended_is_left_for_the_next_attempt(server: ScriptedServer) -> None:
    server.script("claim", ss.silent())
    server.always("destroy", ss.silent())
    stage = connection(server, [OLD])
    with pytest.raises(RoomError):
        await stage.open(timeout=0.5)
    assert stage.left_behind == [OLD, ss.SESSION_ID]  # neither destroy was confirmed
