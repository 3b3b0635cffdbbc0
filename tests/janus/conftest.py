"""Fixtures for the Janus layer: a scripted server and a session connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.janus.session import JanusSession
from tests.janus.scripted_server import ScriptedServer


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with ScriptedServer() as scripted:
        yield scripted
    assert scripted.handler_errors == [], "a scripted responder failed"


@pytest.fixture
async def session(server: ScriptedServer) -> AsyncIterator[JanusSession]:
    """A session on the scripted server, keepalives far enough apart not to interfere."""
    janus = await JanusSession.connect(server.url, connect_timeout=2.0, keepalive_interval=30.0)
    yield janus
    await janus.close()
