"""TextRoom over aiortc against the real Janus in the lab: setup, join, messages, whispers, announcements, errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from app.janus import JanusSession, PluginError
from app.janus.textroom import (
    ALREADY_IN_ROOM,
    NO_SUCH_ROOM,
    NOT_IN_ROOM,
    UNAUTHORIZED,
    USERNAME_EXISTS,
    TextRoomHandle,
)
from tests.support import janus_faults

pytestmark = pytest.mark.lab

ROOM = 1234


class Peer:
    """One TextRoom client: its session, handle and the events it received."""

    def __init__(self, session: JanusSession, handle: TextRoomHandle) -> None:
        self.session = session
        self.handle = handle
        self.events: list[dict[str, Any]] = []
        handle.events.connect(self.events.append)

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 2.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if predicate(event):
                    return event
            assert time.monotonic() < deadline, f"no matching event; got {self.events}"
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        await self.handle.close()
        await self.session.close()


@pytest.fixture
async def room(make_lab_room: Callable[..., Awaitable[Any]]) -> Any:
    return await make_lab_room(speaker=None)


@pytest.fixture
async def connect(room: Any) -> AsyncIterator[Callable[..., Awaitable[Peer]]]:
    peers: list[Peer] = []

    async def factory(username: str | None = None, display: str = "") -> Peer:
        session = await JanusSession.connect(room.config.ws_url)
        handle = await TextRoomHandle.attach(session, ice_servers=[])
        peer = Peer(session, handle)
        peers.append(peer)
        await handle.setup(timeout=3.0)
        if username is not None:
            await handle.join(ROOM, username, display)
        return peer

    yield factory
    for peer in peers:
        with contextlib.suppress(Exception):
            await peer.close()


async def test_setup_opens_a_data_channel_quickly(connect: Callable[..., Awaitable[Peer]]) -> None:
    t0 = time.monotonic()
    peer = await connect()
    assert peer.handle.is_open
    assert time.monotonic() - t0 < 2.0


async def test_join_message_whisper_leave(connect: Callable[..., Awaitable[Peer]]) -> None:
    ana = await connect("ana", "Ana")
    bo = await connect()
    others = await bo.handle.join(ROOM, "bo", "Bo")
    assert others == [{"username": "ana", "display": "Ana"}]
    await ana.wait_for(lambda e: e.get("textroom") == "join" and e.get("username") == "bo" and e["display"] == "Bo")

    sent = await ana.handle.message(ROOM, "hello all")
    assert sent == {}
    for peer in (ana, bo):  # broadcasts echo to the sender too
        event = await peer.wait_for(lambda e: e.get("text") == "hello all")
        assert event["from"] == "ana" and "whisper" not in event

    assert await bo.handle.message(ROOM, "psst", to="ana") == {"ana": True}
    event = await ana.wait_for(lambda e: e.get("text") == "psst")
    assert event["from"] == "bo" and event["whisper"] is True  # `from` is set by the server
    assert await bo.handle.message(ROOM, "psst", to="nobody") == {"nobody": False}
    await asyncio.sleep(0.2)
    assert not [e for e in bo.events if e.get("text") == "psst"]

    await bo.handle.leave(ROOM)
    await ana.wait_for(lambda e: e.get("textroom") == "leave" and e.get("username") == "bo")


async def test_announcements_need_the_secret_and_carry_no_sender(room: Any, connect: Callable[..., Awaitable[Peer]],
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    ana = await connect("ana")
    admin = await connect()
    secret = room.config.secrets.channel
    with caplog.at_level(logging.DEBUG):
        await admin.handle.announcement(ROOM, secret, '{"state": 1}')
        with pytest.raises(PluginError) as info:
            await admin.handle.announcement(ROOM, "wrong", "forged")
    assert info.value.code == UNAUTHORIZED
    event = await ana.wait_for(lambda e: e.get("textroom") == "announcement")
    assert event["text"] == '{"state": 1}' and "from" not in event
    assert secret not in caplog.text
    await asyncio.sleep(0.2)
    assert not [e for e in ana.events if e.get("text") == "forged"]


async def test_janus_api_room_requests(connect: Callable[..., Awaitable[Peer]]) -> None:
    ana = await connect("ana", "Ana")
    assert await ana.handle.exists(ROOM) is True
    assert await ana.handle.exists(999) is False
    assert await ana.handle.list_participants(ROOM) == [{"username": "ana", "display": "Ana"}]
    with pytest.raises(PluginError) as info:
        await ana.handle.list_participants(999)
    assert info.value.code == NO_SUCH_ROOM


async def test_data_channel_errors_are_typed(connect: Callable[..., Awaitable[Peer]]) -> None:
    ana = await connect("ana")
    bo = await connect()
    cases = [
        (bo.handle.join(999, "bo"), NO_SUCH_ROOM),
        (bo.handle.join(ROOM, "ana"), USERNAME_EXISTS),
        (bo.handle.message(ROOM, "before joining"), NOT_IN_ROOM),
        (ana.handle.join(ROOM, "ana2"), ALREADY_IN_ROOM),
    ]
    for request, code in cases:
        with pytest.raises(PluginError) as info:
            await request
        assert info.value.code == code, info.value
        assert info.value.plugin == "janus.plugin.textroom"
    await bo.handle.join(ROOM, "bo")  # the channel still works after errors


async def test_unanswered_messages_and_raw_garbage_do_not_break_the_channel(
        connect: Callable[..., Awaitable[Peer]]) -> None:
    ana = await connect("ana")
    bo = await connect("bo")
    for text in ("not json", "[1,2]", '{"textroom":"message"}', '{"textroom":"nope","transaction":"t"}'):
        bo.handle.channel.send(text)  # raw text, bypassing the handle's JSON framing
    await bo.handle.message(ROOM, "fire and forget", ack=False)
    await ana.wait_for(lambda e: e.get("text") == "fire and forget")
    assert await bo.handle.message(ROOM, "still fine", to="ana") == {"ana": True}


async def test_server_loss_resolves_lost_and_fails_requests(room: Any,
                                                            connect: Callable[..., Awaitable[Peer]]) -> None:
    ana = await connect("ana")
    janus_faults.kill(room.janus)
    reason = await asyncio.wait_for(ana.handle.lost, 3.0)
    assert "session lost" in reason
    assert not ana.handle.is_open
    with pytest.raises(Exception, match="not open"):
        await ana.handle.message(ROOM, "late")
    await ana.handle.close()
    await ana.handle.close()  # idempotent
