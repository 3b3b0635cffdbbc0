"""Plugin handles (and the Streaming/AudioBridge wrappers) against a scripted Janus."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from app.janus import audiobridge, streaming
from app.janus.audiobridge import AudioBridgeHandle
from app.janus.errors import JanusApiError, MalformedReply, PluginError, ProtocolError, RequestTimeout, TransportClosed
from app.janus.handle import PluginHandle, PluginReply
from app.janus.session import JanusSession
from app.janus.streaming import StreamingHandle
from tests.janus import scripted_server as ss
from tests.janus.scripted_server import ScriptedServer

OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\n"}


@pytest.fixture
async def handle(session: JanusSession) -> PluginHandle:
    return await PluginHandle.attach(session, "janus.plugin.test")


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


# ---------------------------------------------------------------------------------------------- replies
async def test_ack_then_event_returns_the_event_data_and_jsep(server: ScriptedServer, handle: PluginHandle) -> None:
    server.script("message", ss.ack_then_event("janus.plugin.test", {"test": "event", "result": "ok"}, OFFER))
    reply = await handle.message({"request": "go", "n": 1}, jsep=ANSWER)
    assert reply == PluginReply({"test": "event", "result": "ok"}, OFFER)
    sent = server.requests("message")[0]
    assert sent["body"] == {"request": "go", "n": 1}
    assert sent["jsep"] == ANSWER
    assert sent["handle_id"] == handle.handle_id
    assert sent["session_id"] == ss.SESSION_ID


async def test_ack_alone_does_not_end_a_plugin_request(server: ScriptedServer, handle: PluginHandle) -> None:
    server.script("message", ss.ack())
    with pytest.raises(RequestTimeout):
        await handle.message({"request": "go"}, timeout=0.05)


async def test_sync_success_returns_plugindata(server: ScriptedServer, handle: PluginHandle) -> None:
    server.script("message", ss.plugin_success("janus.plugin.test", {"test": "success", "list": [1, 2]}))
    reply = await handle.message({"request": "list"})
    assert reply.data == {"test": "success", "list": [1, 2]}
    assert reply.jsep is None
    assert "jsep" not in server.requests("message")[0]


async def test_non_dict_jsep_is_ignored(server: ScriptedServer, handle: PluginHandle) -> None:
    server.script("message", ss.plugin_success("janus.plugin.test", {"ok": True}, jsep="not-a-dict"))  # type: ignore[arg-type]
    assert (await handle.message({"request": "x"})).jsep is None


@pytest.mark.parametrize(
    "reply",
    [
        {"janus": "success"},
        {"janus": "success", "plugindata": "nope"},
        {"janus": "success", "plugindata": {"plugin": "janus.plugin.test"}},
        {"janus": "success", "plugindata": {"plugin": "janus.plugin.test", "data": [1]}},
    ],
    ids=["no-plugindata", "plugindata-not-object", "no-data", "data-not-object"],
)
async def test_reply_without_plugin_data_is_a_protocol_error(
    server: ScriptedServer, handle: PluginHandle, reply: dict[str, Any]
) -> None:
    server.script("message", ss.reply_with(lambda req: dict(reply, transaction=req["transaction"])))
    with pytest.raises(ProtocolError, match=r"janus\.plugin\.test"):
        await handle.message({"request": "x"})


async def test_plugin_error_code_in_an_event_is_a_plugin_error(server: ScriptedServer, session: JanusSession) -> None:
    stream = await StreamingHandle.attach(session)
    server.script("message", ss.ack_then_event(
        streaming.PLUGIN, {"streaming": "event", "error_code": 455, "error": "No such mountpoint/stream 99"}))
    with pytest.raises(PluginError) as info:
        await stream.watch(99)
    assert info.value.plugin == "janus.plugin.streaming"
    assert info.value.code == streaming.NO_SUCH_MOUNTPOINT == 455
    assert info.value.message == "No such mountpoint/stream 99"
    assert "455" in str(info.value)
    assert server.requests("message")[0]["body"] == {"request": "watch", "id": 99}
    assert not session.is_lost


async def test_plugin_error_code_in_a_sync_reply_is_a_plugin_error(
    server: ScriptedServer, session: JanusSession
) -> None:
    bridge = await AudioBridgeHandle.attach(session)
    server.script("message", ss.plugin_success(
        audiobridge.PLUGIN, {"audiobridge": "event", "error_code": 485, "error": "No such room (1234)"}))
    with pytest.raises(PluginError) as info:
        await bridge.list_participants(1234)
    assert (info.value.plugin, info.value.code, info.value.message) == (
        "janus.plugin.audiobridge", audiobridge.NO_SUCH_ROOM, "No such room (1234)")


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ({"error": "Something broke"}, -1, "Something broke"),
        ({"error_code": 499}, 499, "unknown error"),
        ({"error_code": "455", "error": "code is a string"}, -1, "code is a string"),
    ],
)
async def test_incomplete_plugin_errors_are_still_plugin_errors(
    server: ScriptedServer, handle: PluginHandle, data: dict[str, Any], code: int, message: str
) -> None:
    server.script("message", ss.plugin_success("janus.plugin.test", data))
    with pytest.raises(PluginError) as info:
        await handle.message({"request": "x"})
    assert (info.value.code, info.value.message) == (code, message)


async def test_janus_level_error_on_a_plugin_message(server: ScriptedServer, handle: PluginHandle) -> None:
    server.script("message", ss.error(459, "No such handle 8000001 in session 7000001"))
    with pytest.raises(JanusApiError) as info:
        await handle.message({"request": "x"})
    assert info.value.code == 459


async def test_socket_closed_after_ack_fails_the_plugin_request_fast(
    server: ScriptedServer, handle: PluginHandle
) -> None:
    server.script("message", ss.sequence(ss.ack(), ss.abort()))
    started = time.monotonic()
    with pytest.raises(TransportClosed):
        await handle.message({"request": "x"}, timeout=5.0)
    assert time.monotonic() - started < 0.5


# ---------------------------------------------------------------------------------------------- streaming / audiobridge
async def test_streaming_watch_and_start(server: ScriptedServer, session: JanusSession) -> None:
    stream = await StreamingHandle.attach(session)
    assert server.requests("attach")[0]["plugin"] == "janus.plugin.streaming"
    server.script(
        "message",
        ss.ack_then_event(streaming.PLUGIN, {"streaming": "event", "result": {"status": "preparing"}}, OFFER),
        ss.ack_then_event(streaming.PLUGIN, {"streaming": "event", "result": {"status": "starting"}}),
    )
    assert await stream.watch(1234) == OFFER
    started = await stream.start(ANSWER)
    assert started.data["result"] == {"status": "starting"}
    start_request = server.requests("message")[1]
    assert start_request["body"] == {"request": "start"}
    assert start_request["jsep"] == ANSWER


@pytest.mark.parametrize("jsep", [None, ANSWER], ids=["no-jsep", "answer-not-offer"])
async def test_streaming_watch_without_an_offer_is_a_malformed_reply(
    server: ScriptedServer, session: JanusSession, jsep: dict[str, Any] | None
) -> None:
    """A watch that brings no offer is the server misbehaving (not Janus refusing): the one offer check says so."""
    stream = await StreamingHandle.attach(session)
    server.script("message", ss.ack_then_event(streaming.PLUGIN, {"streaming": "event"}, jsep))
    with pytest.raises(MalformedReply, match="offer"):
        await stream.watch(5)


async def test_streaming_info_sends_the_secret_only_when_given(server: ScriptedServer, session: JanusSession) -> None:
    stream = await StreamingHandle.attach(session)
    server.script(
        "message",
        ss.plugin_success(streaming.PLUGIN, {"streaming": "info", "info": {"id": 5, "viewers": 3}}),
        ss.plugin_success(streaming.PLUGIN, {"streaming": "info", "info": "garbage"}),
    )
    assert await stream.info(5, secret="adminpw") == {"id": 5, "viewers": 3}
    assert await stream.info(5) == {}
    bodies = [m["body"] for m in server.requests("message")]
    assert bodies == [{"request": "info", "id": 5, "secret": "adminpw"}, {"request": "info", "id": 5}]


async def test_audiobridge_join_and_participants(server: ScriptedServer, session: JanusSession) -> None:
    bridge = await AudioBridgeHandle.attach(session)
    server.script(
        "message",
        ss.ack_then_event(audiobridge.PLUGIN, {"audiobridge": "joined", "room": 7, "id": 99}, ANSWER),
        ss.plugin_success(audiobridge.PLUGIN, {"audiobridge": "participants", "participants": [{"id": 99}]}),
        ss.plugin_success(audiobridge.PLUGIN, {"audiobridge": "participants", "participants": None}),
    )
    joined = await bridge.join(7, display="Ann", offer=OFFER, muted=True, token="t0k")
    assert joined.jsep == ANSWER and joined.data["id"] == 99
    assert await bridge.list_participants(7) == [{"id": 99}]
    assert await bridge.list_participants(7) == []
    join = server.requests("message")[0]
    assert join["body"] == {"request": "join", "room": 7, "display": "Ann", "muted": True, "token": "t0k"}
    assert join["jsep"] == OFFER


# ---------------------------------------------------------------------------------------------- events
def _event(sender: int, **fields: Any) -> dict[str, Any]:
    return {"janus": "event", "session_id": ss.SESSION_ID, "sender": sender, **fields}


async def test_events_for_a_handle_reach_its_listeners_in_order(server: ScriptedServer, session: JanusSession) -> None:
    first = await PluginHandle.attach(session, "janus.plugin.test")
    second = await PluginHandle.attach(session, "janus.plugin.test")
    got_first: list[dict[str, Any]] = []
    got_first_too: list[dict[str, Any]] = []
    got_second: list[dict[str, Any]] = []
    first.events.connect(got_first.append)
    first.events.connect(got_first_too.append)
    second.events.connect(got_second.append)
    frames = [
        _event(first.handle_id, plugindata={"plugin": "janus.plugin.test", "data": {"n": 1}}),
        {"janus": "webrtcup", "session_id": ss.SESSION_ID, "sender": first.handle_id},
        _event(second.handle_id, plugindata={"plugin": "janus.plugin.test", "data": {"n": 2}}),
        {"janus": "hangup", "session_id": ss.SESSION_ID, "sender": first.handle_id, "reason": "DTLS alert"},
    ]
    for frame in frames:
        await server.send(frame)
    await PluginHandle.attach(session, "janus.plugin.test")  # a round trip: all sent before it is dispatched
    assert got_first == [frames[0], frames[1], frames[3]]
    assert got_first_too == got_first
    assert got_second == [frames[2]]


async def test_a_failing_listener_does_not_starve_the_others(
    server: ScriptedServer, handle: PluginHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    got: list[dict[str, Any]] = []

    def broken(_message: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    handle.events.connect(broken)
    handle.events.connect(got.append)
    await server.send(_event(handle.handle_id, n=1))
    await server.send(_event(handle.handle_id, n=2))
    await PluginHandle.attach(handle.session, "janus.plugin.test")
    assert [m["n"] for m in got] == [1, 2]
    assert sum("error in a callback of" in r.getMessage() for r in caplog.records) == 2
    assert not handle.session.is_lost


async def test_detached_event_marks_the_handle(server: ScriptedServer, handle: PluginHandle) -> None:
    await server.send({"janus": "detached", "session_id": ss.SESSION_ID, "sender": handle.handle_id})
    await PluginHandle.attach(handle.session, "janus.plugin.test")
    assert handle.detached


async def test_a_session_loss_is_the_sessions_event_not_a_made_up_handle_event(
        server: ScriptedServer, handle: PluginHandle) -> None:
    got: list[dict[str, Any]] = []
    losses: list[Exception] = []
    handle.events.connect(got.append)
    handle.session.loss.connect(losses.append)
    await server.send({"janus": "timeout", "session_id": ss.SESSION_ID})
    await asyncio.wait_for(handle.session.lost, 0.5)
    assert got == []  # handle events are only what Janus sent for the handle
    assert len(losses) == 1 and "timed the session out" in str(losses[0])


# ---------------------------------------------------------------------------------------------- hangup / detach
async def test_hangup_ends_on_ack(server: ScriptedServer, handle: PluginHandle) -> None:
    server.script("hangup", ss.ack())
    await asyncio.wait_for(handle.hangup(), 1.0)
    assert server.requests("hangup")[0]["handle_id"] == handle.handle_id


async def test_detach_is_idempotent_and_forgets_the_handle(
    server: ScriptedServer, handle: PluginHandle, caplog: pytest.LogCaptureFixture
) -> None:
    got: list[dict[str, Any]] = []
    handle.events.connect(got.append)
    await handle.detach()
    await handle.detach()
    detaches = server.requests("detach")
    assert len(detaches) == 1 and detaches[0]["handle_id"] == handle.handle_id
    assert handle.detached
    caplog.set_level(logging.DEBUG, logger="app.janus.session")
    await server.send({"janus": "hangup", "session_id": ss.SESSION_ID, "sender": handle.handle_id})
    await PluginHandle.attach(handle.session, "janus.plugin.test")
    assert got == []
    assert any("already detached" in r.getMessage() for r in caplog.records)


async def test_detach_refused_is_not_an_error(server: ScriptedServer, handle: PluginHandle) -> None:
    server.script("detach", ss.error(459, "No such handle"))
    await handle.detach()
    assert handle.detached


async def test_detach_after_session_loss_sends_nothing(server: ScriptedServer, handle: PluginHandle) -> None:
    await server.send({"janus": "timeout", "session_id": ss.SESSION_ID})
    await asyncio.wait_for(handle.session.lost, 0.5)
    await handle.detach()
    assert server.requests("detach") == []
