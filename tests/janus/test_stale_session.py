"""Ending a session a dead connection left on Janus (claim + destroy), and knowing whether ours was destroyed."""

from __future__ import annotations

import pytest

from app.janus.errors import JanusApiError, RequestTimeout
from app.janus.session import JanusSession
from tests.janus import scripted_server as ss
from tests.janus.scripted_server import ScriptedServer

STALE = 5_000_005


async def test_end_other_claims_the_stale_session_then_destroys_it(server: ScriptedServer,
                                                                   session: JanusSession) -> None:
    server.script("claim", ss.success())
    assert await session.end_other(STALE, timeout=1.0)
    claim, destroy = server.requests("claim")[0], server.requests("destroy")[0]
    assert claim["session_id"] == STALE and destroy["session_id"] == STALE  # about the other session, not ours
    assert server.received.index(claim) < server.received.index(destroy)
    await session.request({"janus": "keepalive"}, timeout=1.0)  # ours is untouched
    assert server.requests("keepalive")[-1]["session_id"] == ss.SESSION_ID


async def test_a_stale_session_janus_already_forgot_is_no_loss_of_ours(server: ScriptedServer,
                                                                       session: JanusSession) -> None:
    server.script("claim", ss.error(458, f"No such session {STALE}"))
    assert not await session.end_other(STALE, timeout=1.0)
    assert server.requests("destroy") == []
    assert not session.is_lost  # a 458 about another session says nothing about ours


async def test_end_other_reports_other_refusals_and_silence(server: ScriptedServer, session: JanusSession) -> None:
    server.script("claim", ss.error(403, "Unauthorized request"), ss.silent())
    with pytest.raises(JanusApiError):
        await session.end_other(STALE, timeout=1.0)
    with pytest.raises(RequestTimeout):
        await session.end_other(STALE, timeout=0.2)
    assert not session.is_lost


async def test_destroyed_only_when_janus_confirmed_our_destroy(server: ScriptedServer) -> None:
    session = await JanusSession.connect(server.url, connect_timeout=2.0, keepalive_interval=30.0)
    await session.close()
    assert session.destroyed
    server.always("destroy", ss.silent())
    unanswered = await JanusSession.connect(server.url, connect_timeout=2.0, keepalive_interval=30.0)
    await unanswered.close()
    assert not unanswered.destroyed  # still on the server as far as we know: a rejoin must end it first
