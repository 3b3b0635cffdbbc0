"""Joining a feed on a server that answers nonsense: a one-line RoomError, never an aiortc or wire exception.

No lab needed: every case fails before ICE. Measured before the fix (plaza listen): an offer whose SDP does not
parse (ValueError from aiortc), an `sdp` that is not a string (AttributeError) and a frame over the WebSocket
limit (TransportClosed) all escaped as tracebacks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.janus import streaming
from app.links import RoomLink
from app.listener.status import RoomStatus
from app.listener.supervisor import FeedSupervisor
from app.media.cushion import CushionPlayout
from app.room.errors import RoomError, RoomNotFound, ServerProtocolError, ServerUnreachable
from tests.janus import scripted_server as ss
from tests.janus.hostile import ICE_PWD, STREAMING_OFFER
from tests.janus.scripted_server import ScriptedServer

ROOM = 1234
PREPARING = {"streaming": "event", "result": {"status": "preparing"}}


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    async with ScriptedServer() as scripted:
        yield scripted
    assert scripted.handler_errors == [], "a scripted responder failed"


def watch_answers(jsep: Any) -> ss.Responder:
    return ss.ack_then_event(streaming.PLUGIN, PREPARING, jsep)


async def join(server: ScriptedServer) -> tuple[FeedSupervisor, RoomError]:
    listener = FeedSupervisor(RoomLink(ROOM, (server.url,)), CushionPlayout(), connect_timeout=3.0)
    try:
        with pytest.raises(RoomError) as info:
            await listener.join()
    finally:
        await listener.close()
    assert listener.status.current.status == RoomStatus.ERROR
    text = str(info.value)
    assert text.isprintable() and len(text) < 300 and ICE_PWD not in text, text
    return listener, info.value


@pytest.mark.parametrize(
    ("jsep", "expected"),
    [
        pytest.param({"type": "offer", "sdp": STREAMING_OFFER.replace("SAVPF 111", "SAVPF opus")},
                     "server sent an offer whose SDP does not parse (ValueError: invalid literal for int()",
                     id="sdp-does-not-parse"),
        pytest.param({"type": "offer", "sdp": 42}, "server sent an offer whose 'sdp' is int, not text",
                     id="sdp-not-a-string"),
        pytest.param({"type": "offer", "sdp": {"v": 0}}, "server sent an offer whose 'sdp' is dict, not text",
                     id="sdp-object"),
        pytest.param({"type": "offer"}, "server sent an offer whose 'sdp' is missing, not text", id="sdp-missing"),
        pytest.param({"type": "offer", "sdp": "\n".join(line for line in STREAMING_OFFER.split("\r\n")
                                                        if not line.startswith("a=rtcp-mux"))},
                     "server sent an offer Plaza cannot use (ValueError: RTCP mux is not enabled)",
                     id="aiortc-refuses-it"),
    ],
)
async def test_a_broken_offer_is_a_server_protocol_error(server: ScriptedServer, jsep: Any, expected: str) -> None:
    server.always("message", watch_answers(jsep))
    _, error = await join(server)
    assert isinstance(error, ServerProtocolError)
    assert str(error).startswith(f"{server.url}: {expected}"), str(error)
    assert len(server.requests("message")) == 1  # no answer was sent for an offer we could not take
    await server.wait_disconnected()  # ...and the session was closed, not leaked


async def test_a_frame_over_the_limit_is_named_with_the_limit(server: ScriptedServer) -> None:
    server.always("message", ss.raw({"janus": "event", "blob": "x" * (1024 * 1024 + 1)}))
    _, error = await join(server)
    assert isinstance(error, ServerProtocolError)
    assert str(error) == f"{server.url} sent a message larger than 1024 KiB (Plaza's limit); connection closed"


@pytest.mark.parametrize(
    ("verb", "responder", "kind", "expected"),
    [
        pytest.param("attach", ss.success({"id": "7"}), ServerProtocolError, "'attach' reply has no handle id",
                     id="attach-id-not-int"),
        pytest.param("create", ss.success({"id": True}), ServerProtocolError, "'create' reply has no session id",
                     id="create-id-bool"),
        pytest.param("message", ss.reply_with(lambda r: {"janus": "success", "transaction": r["transaction"],
                                                          "plugindata": "nope"}),
                     ServerProtocolError, "reply without plugin data", id="plugindata-not-object"),
        pytest.param("attach", ss.error(403, "Unauthorized\nrequest"), RoomError,
                     "refused room 1234: Janus error 403: Unauthorized request", id="janus-error-one-line"),
        pytest.param("message", ss.ack_then_event(streaming.PLUGIN, {"error_code": 455, "error": "gone"}),
                     RoomNotFound, "room 1234 does not exist", id="no-such-mountpoint"),
        pytest.param("message", ss.close(1011, "oops"), ServerUnreachable, "cannot reach", id="closed-mid-join"),
    ],
)
async def test_every_other_failure_while_joining_is_a_room_error(
    server: ScriptedServer, verb: str, responder: ss.Responder, kind: type[RoomError], expected: str
) -> None:
    server.always(verb, responder)
    _, error = await join(server)
    assert type(error) is kind, repr(error)
    assert expected in str(error)


async def test_a_reply_without_a_transaction_never_answers_the_join_and_it_times_out(server: ScriptedServer) -> None:
    server.always("message", ss.raw({"janus": "success"}))
    listener = FeedSupervisor(RoomLink(ROOM, (server.url,)), CushionPlayout(), connect_timeout=0.5)
    try:
        with pytest.raises(ServerUnreachable, match=r"did not start the room within 0\.5 s"):
            await listener.join()
    finally:
        await listener.close()
