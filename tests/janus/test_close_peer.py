"""close_peer: aiortc's close is bounded, so a close that waits on a dead first close cannot hang a leave."""

from __future__ import annotations

import asyncio
import logging

import pytest

from app.janus import jsep
from app.janus.jsep import close_peer, peer_connection


class StuckPeer:
    """aiortc's close when its first close died: it awaits a future nobody will resolve."""

    def __init__(self) -> None:
        self.calls = 0

    async def close(self) -> None:
        self.calls += 1
        await asyncio.get_running_loop().create_future()


async def test_a_close_that_never_finishes_is_given_up_and_said(monkeypatch: pytest.MonkeyPatch,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(jsep, "PEER_CLOSE_TIMEOUT", 0.05)
    peer = StuckPeer()
    with caplog.at_level(logging.WARNING, "app.janus.jsep"):
        await asyncio.wait_for(close_peer(peer, "feed 7 on ws://a"), 2.0)  # type: ignore[arg-type]
    assert peer.calls == 1
    assert "feed 7 on ws://a: the WebRTC connection did not close" in caplog.text


async def test_a_real_peer_connection_closes_within_the_bound(caplog: pytest.LogCaptureFixture) -> None:
    pc = peer_connection()
    pc.addTransceiver("audio", direction="recvonly")
    with caplog.at_level(logging.WARNING, "app.janus.jsep"):
        await close_peer(pc, "feed")
    assert pc.connectionState == "closed" and caplog.text == ""
