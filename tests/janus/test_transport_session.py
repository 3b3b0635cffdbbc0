"""The Janus transport and session against a scripted WebSocket server that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import time
import weakref
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from app.janus.errors import (
    JanusApiError,
    JanusError,
    ProtocolError,
    RequestTimeout,
    SessionLost,
    TransportClosed,
)
from app.janus.handle import PluginHandle
from app.janus.session import JanusSession
from tests.janus import scripted_server as ss
from tests.janus.scripted_server import RawTCPServer, ScriptedServer

FAST = 0.5  # "fails fast": well under any request timeout used below


async def connect(server: ScriptedServer, **kwargs: Any) -> JanusSession:
    kwargs.setdefault("connect_timeout", 2.0)
    kwargs.setdefault("keepalive_interval", 30.0)
    return await JanusSession.connect(server.url, **kwargs)


def janus_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("app.janus") and r.levelno >= logging.WARNING]


async def settle() -> None:
    """Let already-scheduled callbacks and tasks run (no wall-clock wait)."""
    for _ in range(5):
        await asyncio.sleep(0)


# ---------------------------------------------------------------------------------------------- lifecycle
async def test_connect_creates_a_session(server: ScriptedServer, session: JanusSession) -> None:
    assert session.session_id == ss.SESSION_ID
    create = server.requests("create")
    assert len(create) == 1
    assert isinstance(create[0]["transaction"], str) and create[0]["transaction"]
    assert server.connection.request is not None
    assert server.connection.subprotocol == "janus-protocol"
    assert not session.is_lost


async def test_requests_carry_session_id_and_unique_transactions(
    server: ScriptedServer, session: JanusSession
) -> None:
    await PluginHandle.attach(session, "janus.plugin.streaming")
    await PluginHandle.attach(session, "janus.plugin.audiobridge")
    attaches = server.requests("attach")
    assert [a["session_id"] for a in attaches] == [ss.SESSION_ID, ss.SESSION_ID]
    assert [a["plugin"] for a in attaches] == ["janus.plugin.streaming", "janus.plugin.audiobridge"]
    transactions = [m["transaction"] for m in server.received]
    assert len(set(transactions)) == len(transactions)


@pytest.mark.parametrize("concurrent", [False, True], ids=["one-after-another", "concurrent"])
async def test_close_sends_destroy_once_and_is_idempotent(server: ScriptedServer, concurrent: bool) -> None:
    session = await connect(server)
    if concurrent:
        await asyncio.gather(session.close(), session.close(), session.close())
    else:
        await session.close()
        await session.close()
    destroys = server.requests("destroy")
    assert len(destroys) == 1
    assert destroys[0]["session_id"] == ss.SESSION_ID
    await server.wait_disconnected()
    assert session.transport.closed
    with pytest.raises(TransportClosed):
        await session.request({"janus": "attach", "plugin": "janus.plugin.streaming"})


async def test_close_does_not_call_loss_callbacks(server: ScriptedServer) -> None:
    session = await connect(server)
    losses: list[JanusError] = []
    session.loss.connect(losses.append)
    await session.close()
    await server.wait_disconnected()
    await settle()
    assert losses == []


async def test_close_fails_a_pending_request_at_once(server: ScriptedServer) -> None:
    server.always("attach", ss.silent())
    session = await connect(server)
    pending = asyncio.create_task(PluginHandle.attach(session, "janus.plugin.streaming", timeout=5.0))
    await server.wait_for("attach")
    started = time.monotonic()
    await session.close()
    with pytest.raises(TransportClosed):
        await pending
    assert time.monotonic() - started < FAST


async def test_create_without_session_id_is_a_protocol_error_and_closes_the_socket() -> None:
    async with ScriptedServer() as server:
        server.script("create", ss.success({"no": "id"}))
        with pytest.raises(ProtocolError, match="session id"):
            await connect(server)
        await server.wait_disconnected()


async def test_create_refused_is_a_janus_api_error() -> None:
    async with ScriptedServer() as server:
        server.script("create", ss.error(403, "Unauthorized request (wrong or missing secret/token)"))
        with pytest.raises(JanusApiError) as info:
            await connect(server)
        assert info.value.code == 403
        await server.wait_disconnected()


async def test_create_unanswered_is_a_request_timeout() -> None:
    async with ScriptedServer() as server:
        server.always("create", ss.silent())
        started = time.monotonic()
        with pytest.raises(RequestTimeout, match="create"):
            await connect(server, connect_timeout=0.2)
        assert time.monotonic() - started < 0.2 + FAST
        await server.wait_disconnected()


# ---------------------------------------------------------------------------------------------- bad frames
MALFORMED = [
    pytest.param("this is not json", "not JSON", id="text-not-json"),
    pytest.param('{"janus": "success", "transaction": ', "not JSON", id="truncated-json"),
    pytest.param(b"\xff\xfe\x00binary", "not JSON", id="binary-not-utf8"),
    pytest.param("[1, 2, 3]", "not an object", id="json-array"),
    pytest.param('"success"', "not an object", id="json-string"),
    pytest.param("42", "not an object", id="json-number"),
    pytest.param("null", "not an object", id="json-null"),
    pytest.param('{"transaction": "x", "data": {}}', "without a 'janus' field", id="no-janus-field"),
    pytest.param('{"janus": 5}', "without a 'janus' field", id="janus-not-a-string"),
]


@pytest.mark.parametrize(("frame", "logged"), MALFORMED)
async def test_malformed_frame_is_dropped_with_a_log_line_and_the_session_keeps_working(
    server: ScriptedServer, session: JanusSession, caplog: pytest.LogCaptureFixture, frame: str | bytes,
    logged: str,
) -> None:
    caplog.set_level(logging.WARNING)
    losses: list[JanusError] = []
    session.loss.connect(losses.append)
    # The bad frame arrives right before the real answer to the same request.
    server.script("attach", ss.sequence(ss.raw(frame), ss.success({"id": 42})))
    handle = await PluginHandle.attach(session, "janus.plugin.streaming", timeout=2.0)
    assert handle.handle_id == 42
    warnings = janus_warnings(caplog)
    assert any(logged in w for w in warnings), warnings
    assert not session.is_lost and losses == []
    # ...and the next request still works.
    second = await PluginHandle.attach(session, "janus.plugin.streaming", timeout=2.0)
    assert second.handle_id == ss.FIRST_HANDLE_ID


async def test_reply_for_unknown_transaction_is_dropped(
    server: ScriptedServer, session: JanusSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    stray: list[dict[str, Any]] = [
        {"janus": "success", "transaction": "nobody-asked", "data": {"id": 1}},
        {"janus": "error", "transaction": "nobody-asked-2", "error": {"code": 458, "reason": "x"}},
        {"janus": "ack", "transaction": "nobody-asked-3"},
        {"janus": "event", "transaction": "nobody-asked-4", "sender": 999,
         "plugindata": {"plugin": "p", "data": {}}},
    ]
    server.script("attach", ss.sequence(ss.raw(*stray), ss.success({"id": 43})))
    handle = await PluginHandle.attach(session, "janus.plugin.streaming", timeout=2.0)
    assert handle.handle_id == 43
    warnings = janus_warnings(caplog)
    # A stray ack is normal (Janus may push the event before acking the request): logged at debug only.
    assert sum("unknown transaction" in w for w in warnings) == len(stray) - 1, warnings
    # The stray 458 must not have been taken for this session's death.
    assert not session.is_lost


async def test_unroutable_event_is_dropped(
    server: ScriptedServer, session: JanusSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    await server.send({"janus": "event", "sender": 123456, "plugindata": {"plugin": "p", "data": {}}})
    await server.send({"janus": "something-new", "session_id": ss.SESSION_ID})
    handle = await PluginHandle.attach(session, "janus.plugin.streaming", timeout=2.0)
    assert handle.handle_id == ss.FIRST_HANDLE_ID
    assert sum("unroutable" in w for w in janus_warnings(caplog)) == 2
    assert not session.is_lost


async def test_late_reply_after_timeout_is_dropped(
    server: ScriptedServer, session: JanusSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    server.script("attach", ss.silent())
    with pytest.raises(RequestTimeout):
        await PluginHandle.attach(session, "janus.plugin.streaming", timeout=0.05)
    late = server.requests("attach")[0]
    await server.send({"janus": "success", "transaction": late["transaction"], "data": {"id": 5}})
    handle = await PluginHandle.attach(session, "janus.plugin.streaming", timeout=2.0)
    assert handle.handle_id == ss.FIRST_HANDLE_ID
    assert any("unknown transaction" in w for w in janus_warnings(caplog))
    assert not session.is_lost


async def test_oversized_frame_ends_the_session_fast(server: ScriptedServer) -> None:
    session = await connect(server)
    try:
        losses: list[JanusError] = []
        session.loss.connect(losses.append)
        big = {"janus": "event", "sender": 1, "blob": "x" * (5 * 1024 * 1024)}
        server.script("attach", ss.raw(big))
        started = time.monotonic()
        with pytest.raises(TransportClosed):
            await PluginHandle.attach(session, "janus.plugin.streaming", timeout=5.0)
        assert time.monotonic() - started < 2.0
        assert isinstance(await asyncio.wait_for(session.lost, 1.0), TransportClosed)
        assert len(losses) == 1
    finally:
        await session.close()


# ---------------------------------------------------------------------------------------------- error replies
@pytest.mark.parametrize(
    ("code", "reason"),
    [(403, "Unauthorized request (wrong or missing secret/token)"), (459, "No such handle 12"), (490, "Bad JSON")],
)
async def test_janus_error_reply_is_a_janus_api_error(
    server: ScriptedServer, session: JanusSession, code: int, reason: str
) -> None:
    server.script("attach", ss.error(code, reason))
    with pytest.raises(JanusApiError) as info:
        await PluginHandle.attach(session, "janus.plugin.streaming")
    assert info.value.code == code
    assert info.value.reason == reason
    assert str(code) in str(info.value) and reason in str(info.value)
    assert not session.is_lost


async def test_error_reply_without_details_is_still_a_janus_api_error(
    server: ScriptedServer, session: JanusSession
) -> None:
    server.script("attach", ss.error(None))
    with pytest.raises(JanusApiError) as info:
        await PluginHandle.attach(session, "janus.plugin.streaming")
    assert info.value.code == -1
    assert not session.is_lost


async def test_error_458_on_a_request_means_session_lost(server: ScriptedServer, session: JanusSession) -> None:
    losses: list[JanusError] = []
    session.loss.connect(losses.append)
    server.always("attach", ss.silent())
    other = asyncio.create_task(PluginHandle.attach(session, "janus.plugin.audiobridge", timeout=5.0))
    await server.wait_for("attach")
    server.script("claim", ss.error(458, "No such session 7000001"))
    started = time.monotonic()
    with pytest.raises(SessionLost, match="no longer knows"):
        await session.request({"janus": "claim"}, timeout=5.0)
    # Every other pending request fails with it at once.
    with pytest.raises(SessionLost):
        await other
    assert time.monotonic() - started < FAST
    assert isinstance(session.lost.result(), SessionLost)
    await server.wait_disconnected()  # a forgotten session's socket is closed too
    await settle()
    assert len(losses) == 1
    with pytest.raises(SessionLost):
        await PluginHandle.attach(session, "janus.plugin.streaming")


async def test_attach_reply_without_handle_id_is_a_protocol_error(
    server: ScriptedServer, session: JanusSession
) -> None:
    server.script("attach", ss.success({"id": "not-an-int"}))
    with pytest.raises(ProtocolError, match="handle id"):
        await PluginHandle.attach(session, "janus.plugin.streaming")


# ---------------------------------------------------------------------------------------------- the socket goes away
@pytest.mark.parametrize("how", [ss.close(1001, "going away"), ss.close(1011, "internal error"), ss.abort()],
                         ids=["close-1001", "close-1011", "tcp-abort"])
async def test_socket_closed_mid_request_fails_it_fast(server: ScriptedServer, how: ss.Responder) -> None:
    session = await connect(server, request_timeout=5.0)
    try:
        losses: list[JanusError] = []
        session.loss.connect(losses.append)
        server.script("attach", how)
        started = time.monotonic()
        with pytest.raises(TransportClosed):
            await PluginHandle.attach(session, "janus.plugin.streaming")
        assert time.monotonic() - started < FAST
        reason = await asyncio.wait_for(session.lost, FAST)
        assert isinstance(reason, TransportClosed)
        await settle()
        assert losses == [reason]
        # Later requests fail at once with the same reason, never wait for a timeout.
        started = time.monotonic()
        with pytest.raises(TransportClosed):
            await PluginHandle.attach(session, "janus.plugin.streaming")
        assert time.monotonic() - started < 0.05
    finally:
        await session.close()
    assert len(losses) == 1


async def test_a_request_failed_while_its_send_is_in_flight_leaves_no_unretrieved_future(
        server: ScriptedServer) -> None:
    """The session is lost while a request's send is still in flight; the send then raises, so nobody awaits the
    request's future, which the loss had failed: asyncio must not log "Future exception was never retrieved"."""
    session = await connect(server)
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    gate = asyncio.Event()
    real_send = session.transport.send

    async def stuck_send(message: dict[str, Any]) -> None:
        await gate.wait()
        raise TransportClosed("the socket went while sending")

    try:
        session.transport.send = stuck_send  # type: ignore[method-assign]
        request = asyncio.create_task(session.send({"janus": "message", "body": {}}, handle_id=1))
        await settle()
        session._fail_all(TransportClosed("lost"), notify=False)
        gate.set()
        with pytest.raises(TransportClosed, match="while sending"):
            await request
        del request
        gc.collect()
        await settle()
    finally:
        loop.set_exception_handler(previous)
        session.transport.send = real_send  # type: ignore[method-assign]
        await session.close()
    assert not [c for c in reported if "never retrieved" in str(c.get("message"))], reported

async def test_socket_closed_while_idle_completes_lost(server: ScriptedServer) -> None:
    session = await connect(server)
    losses: list[JanusError] = []
    session.loss.connect(losses.append)
    await server.connection.close(1001)
    reason = await asyncio.wait_for(session.lost, FAST)
    assert isinstance(reason, TransportClosed)
    assert session.url in str(reason)
    await settle()
    assert losses == [reason]
    await session.close()
    assert server.requests("destroy") == []  # nothing to send it on


# ---------------------------------------------------------------------------------------------- keepalive and timeouts
async def test_keepalives_are_sent_and_acked(server: ScriptedServer) -> None:
    session = await connect(server, keepalive_interval=0.02, ack_timeout=0.5)
    try:
        keepalive = await server.wait_for("keepalive", count=3, timeout=2.0)
        assert keepalive["session_id"] == ss.SESSION_ID
        assert not session.is_lost
    finally:
        await session.close()


async def test_keepalive_without_ack_loses_the_session(server: ScriptedServer) -> None:
    server.always("keepalive", ss.silent())
    server.always("attach", ss.silent())
    session = await connect(server, keepalive_interval=0.05, ack_timeout=0.1)
    try:
        losses: list[JanusError] = []
        session.loss.connect(losses.append)
        pending = asyncio.create_task(PluginHandle.attach(session, "janus.plugin.streaming", timeout=5.0))
        reason = await asyncio.wait_for(session.lost, 2.0)
        assert isinstance(reason, SessionLost)
        assert "keepalive" in str(reason)
        with pytest.raises(SessionLost):
            await asyncio.wait_for(pending, FAST)
        await server.wait_disconnected()
        await settle()
        assert losses == [reason]
        assert len(server.requests("keepalive")) == 1  # the loop stops after the loss
    finally:
        await session.close()
    assert len(losses) == 1


async def test_keepalive_refused_loses_the_session(server: ScriptedServer) -> None:
    server.always("keepalive", ss.error(403, "Unauthorized request"))
    session = await connect(server, keepalive_interval=0.02, ack_timeout=0.5)
    try:
        reason = await asyncio.wait_for(session.lost, 2.0)
        assert isinstance(reason, SessionLost)
    finally:
        await session.close()


async def test_timeout_event_loses_the_session(server: ScriptedServer) -> None:
    server.always("attach", ss.silent())
    session = await connect(server)
    try:
        losses: list[JanusError] = []
        session.loss.connect(losses.append)
        pending = asyncio.create_task(PluginHandle.attach(session, "janus.plugin.streaming", timeout=5.0))
        await server.wait_for("attach")
        started = time.monotonic()
        await server.send({"janus": "timeout", "session_id": ss.SESSION_ID})
        reason = await asyncio.wait_for(session.lost, FAST)
        assert isinstance(reason, SessionLost)
        with pytest.raises(SessionLost):
            await pending
        assert time.monotonic() - started < FAST
        await server.wait_disconnected()
        await settle()
        assert losses == [reason]
    finally:
        await session.close()


async def test_request_timeout(server: ScriptedServer, session: JanusSession) -> None:
    server.script("attach", ss.silent())
    started = time.monotonic()
    with pytest.raises(RequestTimeout) as info:
        await PluginHandle.attach(session, "janus.plugin.streaming", timeout=0.1)
    elapsed = time.monotonic() - started
    assert 0.09 <= elapsed < 0.1 + FAST
    assert "attach" in str(info.value) and server.url in str(info.value)
    assert not session.is_lost
    assert (await PluginHandle.attach(session, "janus.plugin.streaming")).handle_id == ss.FIRST_HANDLE_ID


async def test_default_request_timeout_applies(server: ScriptedServer) -> None:
    session = await connect(server, request_timeout=0.1)
    try:
        server.script("attach", ss.silent())
        with pytest.raises(RequestTimeout):
            await asyncio.wait_for(PluginHandle.attach(session, "janus.plugin.streaming"), 0.1 + FAST)
    finally:
        await session.close()


async def test_close_is_short_when_the_peer_is_black_holed(server: ScriptedServer) -> None:
    # The server stops reading: no keepalive ack, no answer to 'destroy', no close handshake.
    server.always("keepalive", ss.freeze())
    session = await connect(server, keepalive_interval=0.05, ack_timeout=0.1)
    reason = await asyncio.wait_for(session.lost, 2.0)
    assert isinstance(reason, SessionLost)
    started = time.monotonic()
    try:
        await asyncio.wait_for(session.close(), 1.5)
    except TimeoutError:
        pytest.fail(f"close() still running after {time.monotonic() - started:.1f} s")


# ---------------------------------------------------------------------------------------------- connecting
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_connect_where_nothing_listens_is_transport_closed_fast() -> None:
    url = f"ws://127.0.0.1:{_free_port()}/janus"
    started = time.monotonic()
    with pytest.raises(TransportClosed) as info:
        await JanusSession.connect(url, connect_timeout=5.0)
    assert time.monotonic() - started < FAST
    assert url in str(info.value)


async def test_connect_to_an_invalid_url_is_transport_closed() -> None:
    with pytest.raises(TransportClosed, match="invalid server address"):
        await JanusSession.connect("http://127.0.0.1:1/janus", connect_timeout=1.0)


async def _http_200(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
    await writer.drain()


async def _ssh_banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")
    await writer.drain()
    await reader.read()  # until the client gives up on us; then hang up, as sshd does


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


@pytest.mark.parametrize("behaviour", [_http_200, _ssh_banner, _hang_up], ids=["http-200", "ssh-banner", "hang-up"])
async def test_connect_to_a_non_websocket_server_is_a_typed_error(behaviour: Any) -> None:
    async with RawTCPServer(behaviour) as tcp:
        started = time.monotonic()
        with pytest.raises(TransportClosed) as info:
            await JanusSession.connect(tcp.url, connect_timeout=5.0)
        assert time.monotonic() - started < FAST
        assert tcp.url in str(info.value)


async def test_connect_to_a_silent_tcp_server_times_out() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accept the upgrade request, never answer it

    async with RawTCPServer(silent) as tcp:
        started = time.monotonic()
        with pytest.raises(RequestTimeout) as info:
            await JanusSession.connect(tcp.url, connect_timeout=0.2)
        assert time.monotonic() - started < 0.2 + FAST
        assert tcp.url in str(info.value)


async def test_connect_with_tls_to_a_plain_server_is_transport_closed(server: ScriptedServer) -> None:
    url = server.url.replace("ws://", "wss://")
    with pytest.raises(TransportClosed) as info:
        await JanusSession.connect(url, connect_timeout=2.0)
    assert url in str(info.value)


async def test_server_rejecting_the_subprotocol_is_transport_closed() -> None:
    async with ScriptedServer(subprotocols=["something-else"]) as server:
        with pytest.raises(TransportClosed, match="not a Janus WebSocket endpoint"):
            await connect(server)
        assert server.received == []


async def test_server_choosing_another_subprotocol_is_transport_closed() -> None:
    def pick_other(_conn: ServerConnection, _offered: Any) -> str:
        return "mqtt"

    async with ScriptedServer(subprotocols=["mqtt"], select_subprotocol=pick_other) as server:
        with pytest.raises(TransportClosed, match="not a Janus WebSocket endpoint"):
            await connect(server)
        assert server.received == []


# ---------------------------------------------------------------------------------------------- secrets
SECRET = "s3cr3t-value"


async def _exchange_a_secret(server: ScriptedServer) -> None:
    """A request whose body carries a secret, answered by a reply that carries it back (last, as Janus orders)."""
    server.script(
        "message",
        ss.reply_with(lambda req: {
            "janus": "success",
            "session_id": req["session_id"],
            "transaction": req["transaction"],
            "sender": req["handle_id"],
            "plugindata": {"plugin": "janus.plugin.streaming",
                           "data": {"streaming": "created", "permanent": False, "secret": SECRET}},
        }),
    )
    session = await connect(server)
    try:
        handle = await PluginHandle.attach(session, "janus.plugin.streaming")
        reply = await handle.message({"request": "create", "pin": SECRET, "secret": SECRET})
        assert reply.data["secret"] == SECRET  # the secret did travel both ways
        assert server.requests("message")[0]["body"]["secret"] == SECRET
    finally:
        await session.close()


def _leaks(records: list[logging.LogRecord]) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in records if SECRET in r.getMessage()]


async def test_plaza_wire_log_redacts_secrets(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with ScriptedServer() as server:
        await _exchange_a_secret(server)
    ours = [r for r in caplog.records if r.name.startswith("app.")]
    wire = [r.getMessage() for r in ours if r.getMessage().startswith(("→", "←"))]
    assert any('"secret":"***"' in line for line in wire), wire  # the wire log exists and shows the redaction
    assert _leaks(ours) == []


async def test_no_secret_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # before connecting: websockets decides at connect time whether to log frames
    async with ScriptedServer() as server:
        await _exchange_a_secret(server)
    assert caplog.records, "nothing was logged at DEBUG: the test would prove nothing"
    assert _leaks(caplog.records) == []


async def test_a_closed_session_in_a_cycle_is_freed_soon_without_a_full_collection(
        server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A closed connection is cyclic garbage (aiortc's objects hold one another); closing the session sweeps it
    instead of leaving it for CPython's rare full collection (the chaos soak's swarm grew 51 % in 10 min)."""
    from app import sweep

    monkeypatch.setattr(sweep, "SWEEP_DELAY_S", 0.05)
    session = await connect(server)
    owner: list[Any] = [session]
    owner.append(owner)  # held only by a cycle, as a closed FeedConnection and its callbacks are
    gone = weakref.ref(session)
    gc.disable()
    try:
        await session.close()
        del session, owner
        await asyncio.sleep(0.3)
        assert gone() is None
    finally:
        gc.enable()
