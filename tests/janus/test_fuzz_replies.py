"""Replies and events from a hostile Janus: the session, handle and plugin wrappers let only JanusError out.

Two levels. (1) Every request the wrappers make, answered by hypothesis-drawn frames over an in-memory transport
(the socket "closes" after the script, so nothing waits for a timeout): each call returns what its signature
promises or raises a JanusError, and no listener on the handle (the feed's, the TextRoom's) fails. (2) The real
WebSocket transport against the scripted server: arbitrary frames around a real answer are dropped and the
session keeps working; one frame over the size limit ends it with MessageTooLarge.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from aiortc.sdp import SessionDescription
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.janus.audiobridge import AudioBridgeHandle
from app.janus.errors import JanusError, MessageTooLarge, SessionLost, TransportClosed
from app.janus.handle import PluginHandle, PluginReply
from app.janus.session import JanusSession
from app.janus.streaming import StreamingHandle
from app.janus.textroom import TextRoomHandle
from app.janus.transport import MAX_MESSAGE_BYTES, WebSocketTransport
from app.listener.feed import FeedConnection
from app.media.cushion import CushionPlayout
from tests.janus import scripted_server as ss
from tests.janus.hostile import JSON_VALUES, STREAMING_OFFER, TEXTROOM_OFFER, no_error_logs
from tests.janus.scripted_server import ScriptedServer

URL = "ws://fuzz.invalid/janus"
SESSION_ID, HANDLE_ID = 11, 22

# ------------------------------------------------------------------------------------------------ strategies
# Wrong-typed values where a field is expected: cheap to draw (the deep JSON values are the SDP tests' job).
ODD = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=8),
                st.lists(st.integers() | st.text(max_size=4), max_size=2),
                st.dictionaries(st.text(max_size=4), st.integers() | st.none(), max_size=2))
VERBS = ["success", "ack", "event", "error", "timeout", "hangup", "detached", "webrtcup", "media", "slowlink",
         "keepalive", "trickle"]
IDS = st.one_of(st.integers(-1, 2**64), ODD)
PARTICIPANT = st.fixed_dictionaries({}, optional={"id": IDS, "display": ODD, "muted": ODD, "talking": ODD})
JSEPS = st.one_of(
    st.sampled_from([{"type": "offer", "sdp": STREAMING_OFFER}, {"type": "offer", "sdp": TEXTROOM_OFFER},
                     {"type": "offer", "sdp": STREAMING_OFFER.replace("m=audio 9", "m=audio x")},
                     {"type": "offer", "sdp": 42}, {"type": "offer"}, {"type": "answer", "sdp": "v=0"}]),
    st.fixed_dictionaries({"type": st.just("offer")}, optional={"sdp": ODD}),
    ODD,
)
PLUGIN_RESULT = st.fixed_dictionaries({}, optional={
    "result": st.fixed_dictionaries({}, optional={"status": st.sampled_from(["stopped", "starting"]) | ODD}) | ODD,
    "participants": st.lists(PARTICIPANT | ODD, max_size=3) | ODD,
    "info": st.dictionaries(st.sampled_from(["id", "viewers", "age_ms"]), ODD, max_size=2) | ODD,
    "exists": ODD,
})
PLUGIN_FAILURE = st.fixed_dictionaries({}, optional={"error_code": st.sampled_from([455, 485, 417]) | ODD,
                                                     "error": ODD})
PLUGIN_DATA = st.one_of(PLUGIN_RESULT, PLUGIN_RESULT, PLUGIN_RESULT, PLUGIN_FAILURE)
# A reply of the right shape with wrong-typed or missing parts here and there...
PLAUSIBLE = st.fixed_dictionaries(
    {"janus": st.sampled_from(["success", "event", "ack", "error"]),
     "data": st.fixed_dictionaries({"id": IDS}), "plugindata": st.fixed_dictionaries(
         {"plugin": st.just("janus.plugin.fuzz"), "data": PLUGIN_DATA})},
    optional={"jsep": JSEPS, "error": st.fixed_dictionaries({"code": IDS, "reason": ODD})})
# ...or anything with a "janus" field.
WILD = st.fixed_dictionaries({"janus": st.sampled_from(VERBS) | ODD}, optional={
    "data": st.fixed_dictionaries({}, optional={"id": IDS}) | ODD,
    "plugindata": st.fixed_dictionaries({"plugin": st.just("janus.plugin.fuzz")}, optional={"data": PLUGIN_DATA | ODD})
    | ODD,
    "jsep": JSEPS,
    "error": st.fixed_dictionaries({}, optional={"code": st.sampled_from([458, 459, 403]) | ODD, "reason": ODD})
    | ODD,
    "reason": ODD,
})
FRAME = st.one_of(PLAUSIBLE, WILD)
# How each frame is routed: to the pending request (most), to a transaction nobody made, or to none; and
# whether it names our handle as its sender (so unanswered frames become the handle's events).
ROUTED = st.tuples(st.sampled_from(["mine", "mine", "mine", "stranger", "none"]), st.booleans(), FRAME)
SCRIPT = st.lists(ROUTED, min_size=1, max_size=3)

Script = list[tuple[str, bool, dict[str, Any]]]


class MemoryTransport:
    """Stands in for WebSocketTransport: requests are answered with `script`'s frames, then the socket closes.

    With no script (setup requests) the answer is the valid default: a session / handle id or an ack.
    """

    url = URL

    def __init__(self, script: Script | None) -> None:
        self.script = script
        self.on_message: Callable[[dict[str, Any]], None] = lambda _m: None
        self.on_close: Callable[[Exception], None] = lambda _e: None
        self._closed: Exception | None = None

    @property
    def closed(self) -> bool:
        return self._closed is not None

    def start(self) -> None:
        pass

    async def send(self, message: dict[str, Any]) -> None:
        if self._closed is not None:
            raise TransportClosed("closed")
        loop = asyncio.get_running_loop()
        transaction = message["transaction"]
        if self.script is None:
            verb = message["janus"]
            reply: dict[str, Any] = {"janus": "ack" if verb == "keepalive" else "success", "transaction": transaction}
            if verb in ("create", "attach"):
                reply["data"] = {"id": SESSION_ID if verb == "create" else HANDLE_ID}
            loop.call_soon(self._deliver, reply)
            return
        for route, from_handle, frame in self.script:
            frame = dict(frame)
            if route == "mine":
                frame["transaction"] = transaction
            elif route == "stranger":
                frame["transaction"] = "not-ours"
            if from_handle:
                frame["sender"] = HANDLE_ID
            loop.call_soon(self._deliver, frame)
        loop.call_soon(self._mark_closed, TransportClosed("end of script"))
        self.script = None  # later requests (close's destroy) find a closed socket

    def _deliver(self, frame: dict[str, Any]) -> None:
        if self._closed is None:
            self.on_message(frame)

    def _mark_closed(self, reason: Exception) -> None:
        if self._closed is None:
            self._closed = reason
            self.on_close(reason)

    async def close(self) -> None:
        self._mark_closed(TransportClosed("closed by us"))


def _sdp_parses(jsep: dict[str, Any]) -> bool:
    SessionDescription.parse(jsep["sdp"])
    return isinstance(jsep["sdp"], str)


def _is_reply(value: Any) -> bool:
    return (isinstance(value, PluginReply) and isinstance(value.data, dict)
            and (value.jsep is None or isinstance(value.jsep, dict)))


# Each operation: (call it on (session, handle, textroom), check what it returned).
OPERATIONS: dict[str, tuple[Callable[..., Any], Callable[[Any], bool]]] = {
    "attach": (lambda s, h, t: PluginHandle.attach(s, "janus.plugin.streaming"), lambda r: type(r.handle_id) is int),
    "keepalive": (lambda s, h, t: s.request({"janus": "keepalive"}), lambda r: isinstance(r, dict)),
    "message": (lambda s, h, t: h.message({"request": "x"}), _is_reply),
    "watch": (lambda s, h, t: StreamingHandle(h).watch(1234), _sdp_parses),
    "start": (lambda s, h, t: StreamingHandle(h).start({"type": "answer", "sdp": "v=0"}), _is_reply),
    "info": (lambda s, h, t: StreamingHandle(h).info(1234, "feed-secret"), lambda r: isinstance(r, dict)),
    "stage participants": (lambda s, h, t: AudioBridgeHandle(h).list_participants(1234),
                           lambda r: isinstance(r, list) and all(isinstance(p, dict) for p in r)),
    "channel participants": (lambda s, h, t: t.list_participants(1234),
                             lambda r: isinstance(r, list) and all(isinstance(p, dict) for p in r)),
    "exists": (lambda s, h, t: t.exists(1234), lambda r: isinstance(r, bool)),
    "textroom setup": (lambda s, h, t: t.setup(timeout=2.0), lambda r: r is None),
}


# ------------------------------------------------------------------------------------------------ level 1
async def run_operation(operation: str, script: Script) -> None:
    """Run one wrapper call answered by `script`: its promised type or a JanusError, and no listener failing."""
    call, check = OPERATIONS[operation]
    transport = MemoryTransport(None)
    session = JanusSession(transport, request_timeout=2.0)  # type: ignore[arg-type]
    session.session_id = SESSION_ID
    handle = PluginHandle(session, "janus.plugin.fuzz", HANDLE_ID)
    # (constructing the handle routes its events: nothing more to register)
    feed = FeedConnection(URL, 1234, CushionPlayout())
    handle.events.connect(feed._on_event)  # the feed's event listener sees every unanswered frame
    textroom = TextRoomHandle(handle)
    transport.script = script
    with no_error_logs():
        try:
            result = await call(session, handle, textroom)
        except JanusError as exc:
            assert str(exc).isprintable(), str(exc)
            event(f"raised {type(exc).__name__}")
        else:
            assert check(result), result
            event("answered")
        finally:
            await textroom.close()
            await session.close()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operation=st.sampled_from(sorted(OPERATIONS)), script=SCRIPT)
async def test_any_reply_to_any_request_gives_a_typed_result_or_a_janus_error(operation: str, script: Script) -> None:
    await run_operation(operation, script)


EVENTS = st.fixed_dictionaries(
    {"janus": st.one_of(st.just("event"), st.sampled_from(["hangup", "detached", "webrtcup", "media", "slowlink"]),
                        ODD),
     "sender": st.just(HANDLE_ID),
     "plugindata": st.fixed_dictionaries({"plugin": st.just("janus.plugin.fuzz")},
                                         optional={"data": PLUGIN_DATA | ODD}) | ODD},
    optional={"jsep": JSEPS, "reason": ODD, "transaction": ODD})


@settings(max_examples=500, deadline=None)
@given(events=st.lists(EVENTS, min_size=1, max_size=4))
async def test_any_event_for_a_handle_reaches_its_listeners_without_breaking_them(
    events: list[dict[str, Any]]
) -> None:
    session = JanusSession(MemoryTransport(None), request_timeout=2.0)  # type: ignore[arg-type]
    session.session_id = SESSION_ID
    handle = PluginHandle(session, "janus.plugin.fuzz", HANDLE_ID)
    # (constructing the handle routes its events: nothing more to register)
    feed = FeedConnection(URL, 1234, CushionPlayout())
    handle.events.connect(feed._on_event)
    textroom = TextRoomHandle(handle)
    seen: list[dict[str, Any]] = []
    handle.events.connect(seen.append)
    try:
        with no_error_logs():
            for frame in events:
                session._on_message(frame)
        # Every routable event reached every listener: none was lost to a listener that failed before it.
        assert seen == [e for e in events if isinstance(e["janus"], str)]
        event("feed ended" if feed.ended.done() else "feed still open")
    finally:
        await textroom.close()
        await session.close()


PLUGIN_OPERATIONS = ["message", "watch", "info", "stage participants", "channel participants", "exists"]


@settings(max_examples=500, deadline=None)
@given(operation=st.sampled_from(PLUGIN_OPERATIONS), data=PLUGIN_RESULT | PLUGIN_DATA | ODD, jsep=JSEPS,
       verb=st.sampled_from(["success", "event"]))
async def test_any_plugin_data_in_a_successful_reply_gives_the_promised_type_or_a_janus_error(
    operation: str, data: Any, jsep: Any, verb: str
) -> None:
    """The answered path, targeted: one reply of the right kind, whatever its plugin data holds."""
    frame = {"janus": verb, "plugindata": {"plugin": "janus.plugin.fuzz", "data": data}, "jsep": jsep}
    await run_operation(operation, [("mine", True, frame)])


@settings(max_examples=300, deadline=None)
@given(operation=st.sampled_from(["stage participants", "channel participants"]),
       participants=st.lists(PARTICIPANT | ODD, max_size=5) | ODD)
async def test_participant_lists_keep_only_objects(operation: str, participants: Any) -> None:
    """Measured: a non-object entry in `participants` killed the listener's stage watcher (AttributeError)."""
    frame = {"janus": "success", "plugindata": {"plugin": "janus.plugin.fuzz", "data": {"participants": participants}}}
    await run_operation(operation, [("mine", True, frame)])
    event("some entries are not objects" if isinstance(participants, list)
          and not all(isinstance(p, dict) for p in participants) else "all objects, or not a list")


@settings(max_examples=200, deadline=None)
@given(script=SCRIPT)
async def test_any_reply_to_create_gives_a_session_or_a_janus_error(script: Script) -> None:
    transport = MemoryTransport(script)
    with mock.patch.object(WebSocketTransport, "connect", mock.AsyncMock(return_value=transport)), no_error_logs():
        try:
            session = await JanusSession.connect(URL, connect_timeout=2.0)
        except JanusError as exc:
            event(f"raised {type(exc).__name__}")
            return
        event("created")
        assert type(session.session_id) is int
        await session.close()


# ------------------------------------------------------------------------------------------------ level 2
RAW_FRAMES = st.lists(
    st.one_of(st.text(max_size=40), st.binary(max_size=40), JSON_VALUES.map(json.dumps), FRAME.map(json.dumps)),
    min_size=1, max_size=4,
)


def _is_timeout(frame: str | bytes) -> bool:
    try:
        value = json.loads(frame)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(value, dict) and value.get("janus") == "timeout"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=RAW_FRAMES)
async def test_stray_frames_over_a_real_socket_are_dropped_and_the_session_keeps_working(
    server: ScriptedServer, frames: list[str | bytes]
) -> None:
    session = await JanusSession.connect(server.url, connect_timeout=2.0, keepalive_interval=30.0)
    try:
        server.script("attach", ss.sequence(ss.raw(*frames), ss.success({"id": 42})))
        with no_error_logs():
            if any(_is_timeout(f) for f in frames):  # Janus saying "session timed out" is honoured, typed
                with pytest.raises(SessionLost):
                    await PluginHandle.attach(session, "janus.plugin.streaming", timeout=2.0)
                event("timeout frame: session lost")
                return
            handle = await PluginHandle.attach(session, "janus.plugin.streaming", timeout=2.0)
        assert handle.handle_id == 42 and not session.is_lost
    finally:
        await session.close()


@pytest.mark.parametrize("excess", [-64, 1])
async def test_the_frame_size_limit_is_exact_and_named(server: ScriptedServer, excess: int) -> None:
    """A frame of up to MAX_MESSAGE_BYTES is taken; one byte more closes the socket with MessageTooLarge."""
    session = await JanusSession.connect(server.url, connect_timeout=2.0, keepalive_interval=30.0)
    try:
        def padded(request: dict[str, Any]) -> str:
            reply = {"janus": "success", "transaction": request["transaction"], "data": {"id": 42}, "pad": ""}
            reply["pad"] = "x" * (MAX_MESSAGE_BYTES + excess - len(json.dumps(reply)))
            text = json.dumps(reply)
            assert len(text) == MAX_MESSAGE_BYTES + excess
            return text

        server.script("attach", ss.reply_with(padded))
        if excess <= 0:
            assert (await PluginHandle.attach(session, "janus.plugin.streaming", timeout=5.0)).handle_id == 42
            return
        with pytest.raises(MessageTooLarge, match=r"sent a message larger than 1024 KiB") as info:
            await PluginHandle.attach(session, "janus.plugin.streaming", timeout=5.0)
        assert info.value.limit == MAX_MESSAGE_BYTES == 1024 * 1024
        assert isinstance(await asyncio.wait_for(session.lost, 1.0), MessageTooLarge)
    finally:
        await session.close()
