"""A scripted Janus-like WebSocket server on 127.0.0.1, for testing the Janus layer against bad input.

Each test decides how the server answers. Incoming frames are parsed and recorded in `received`; the reply to a
request is chosen by its `"janus"` verb, in this order:

1. one-shot responders queued with `script(verb, r1, r2, ...)` (each used once, in order);
2. a standing responder set with `always(verb, r)`;
3. the built-in defaults (`create`, `attach`, `keepalive`, `destroy`, `detach`, `hangup`), unless disabled;
4. otherwise silence.

A responder is `async def r(server, conn, request) -> None`; the factories below build the usual ones (echoing
the request's transaction): `success`, `ack`, `error`, `plugin_success`, `ack_then_event`, `raw`, `close`,
`abort`, `freeze`, `silent`, `sequence`. Tests can also push frames at any time with `server.send(...)`.

`RawTCPServer` is a plain TCP listener for "this is not a WebSocket server at all" cases.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

SESSION_ID = 7_000_001
FIRST_HANDLE_ID = 8_000_001

# The server's own websockets logger: quiet (no frame dumps at DEBUG), so a test's caplog sees only the client.
_server_log = logging.getLogger("tests.janus.scripted_server")
_server_log.setLevel(logging.WARNING)

Frame = dict[str, Any] | list[Any] | str | bytes
Responder = Callable[["ScriptedServer", ServerConnection, dict[str, Any]], Awaitable[None]]


# ---------------------------------------------------------------------------------------------- responders
def _base(server: ScriptedServer, request: dict[str, Any], janus: str) -> dict[str, Any]:
    reply: dict[str, Any] = {"janus": janus}
    if "transaction" in request:
        reply["transaction"] = request["transaction"]
    if "session_id" in request:
        reply["session_id"] = request["session_id"]
    return reply


def success(data: dict[str, Any] | None = None, **extra: Any) -> Responder:
    """`{"janus": "success", "transaction": <echoed>, "data": data, **extra}`."""

    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        reply = _base(server, request, "success")
        if data is not None:
            reply["data"] = data
        reply.update(extra)
        await server.send(reply, conn)

    return respond


def ack() -> Responder:
    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        await server.send(_base(server, request, "ack"), conn)

    return respond


def error(code: int | None, reason: str | None = None) -> Responder:
    """A Janus-level error; `code=None` sends an error reply without an `error` object."""

    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        reply = _base(server, request, "error")
        if code is not None:
            reply["error"] = {"code": code, "reason": reason or ""}
        await server.send(reply, conn)

    return respond


def _plugin_reply(
    server: ScriptedServer, request: dict[str, Any], janus: str, plugin: str, data: dict[str, Any],
    jsep: dict[str, Any] | None,
) -> dict[str, Any]:
    reply = _base(server, request, janus)
    if "handle_id" in request:
        reply["sender"] = request["handle_id"]
    reply["plugindata"] = {"plugin": plugin, "data": data}
    if jsep is not None:
        reply["jsep"] = jsep
    return reply


def plugin_success(plugin: str, data: dict[str, Any], jsep: dict[str, Any] | None = None) -> Responder:
    """A synchronous plugin answer: `success` with `plugindata`."""

    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        await server.send(_plugin_reply(server, request, "success", plugin, data, jsep), conn)

    return respond


def ack_then_event(plugin: str, data: dict[str, Any], jsep: dict[str, Any] | None = None) -> Responder:
    """An asynchronous plugin answer: `ack`, then an `event` with the same transaction."""

    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        await server.send(_base(server, request, "ack"), conn)
        await server.send(_plugin_reply(server, request, "event", plugin, data, jsep), conn)

    return respond


def raw(*frames: Frame) -> Responder:
    """Send these frames verbatim (dicts/lists as JSON text, str as text, bytes as binary)."""

    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        for frame in frames:
            await server.send(frame, conn)

    return respond


def reply_with(build: Callable[[dict[str, Any]], Frame]) -> Responder:
    """Send `build(request)`: for replies that need the request (its transaction, handle...)."""

    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        await server.send(build(request), conn)

    return respond


def close(code: int = 1000, reason: str = "") -> Responder:
    """Close the WebSocket cleanly (close handshake)."""

    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        await conn.close(code, reason)

    return respond


def abort() -> Responder:
    """Drop the TCP connection without a close handshake."""

    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        conn.transport.abort()

    return respond


def freeze() -> Responder:
    """Stop reading from this connection (a black-holed peer): no replies, no close handshake."""

    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        conn.transport.pause_reading()

    return respond


def silent() -> Responder:
    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        return None

    return respond


def sequence(*responders: Responder) -> Responder:
    async def respond(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
        for responder in responders:
            await responder(server, conn, request)

    return respond


# ---------------------------------------------------------------------------------------------- server
class ScriptedServer:
    """`async with ScriptedServer() as server:` then connect to `server.url`."""

    def __init__(
        self,
        *,
        subprotocols: Sequence[str] | None = ("janus-protocol",),
        select_subprotocol: Callable[[Any, Sequence[str]], str | None] | None = None,
        defaults: bool = True,
        session_id: int = SESSION_ID,
    ) -> None:
        self._subprotocols = [Subprotocol(s) for s in subprotocols] if subprotocols is not None else None
        self._select_subprotocol = select_subprotocol
        self.session_id = session_id
        self._handle_ids = itertools.count(FIRST_HANDLE_ID)
        self.handle_ids: list[int] = []  # handles given out by the default 'attach'
        self.received: list[dict[str, Any]] = []
        self.connections: list[ServerConnection] = []
        self.disconnected = asyncio.Event()
        self._changed = asyncio.Event()
        self._queued: dict[str, deque[Responder]] = defaultdict(deque)
        self._always: dict[str, Responder] = {}
        self._defaults: dict[str, Responder] = self._default_responders() if defaults else {}
        self._server: Server | None = None
        self.handler_errors: list[BaseException] = []

    # ------------------------------------------------------------------ scripting
    def script(self, verb: str, *responders: Responder) -> None:
        """Answer the next `len(responders)` requests with this verb with these responders, in order."""
        self._queued[verb].extend(responders)

    def always(self, verb: str, responder: Responder) -> None:
        self._always[verb] = responder

    def _default_responders(self) -> dict[str, Responder]:
        async def create(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
            await success({"id": server.session_id})(server, conn, request)

        async def attach(server: ScriptedServer, conn: ServerConnection, request: dict[str, Any]) -> None:
            handle_id = next(server._handle_ids)
            server.handle_ids.append(handle_id)
            await success({"id": handle_id})(server, conn, request)

        return {
            "create": create,
            "attach": attach,
            "keepalive": ack(),
            "destroy": success(),
            "detach": success(),
            "hangup": success(),
        }

    # ------------------------------------------------------------------ observing
    def requests(self, verb: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("janus") == verb]

    async def wait_for(self, verb: str, count: int = 1, timeout: float = 2.0) -> dict[str, Any]:
        """Wait until `count` requests with this verb arrived; return the last of them."""
        async with asyncio.timeout(timeout):
            while len(self.requests(verb)) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.requests(verb)[count - 1]

    async def wait_disconnected(self, timeout: float = 2.0) -> None:
        async with asyncio.timeout(timeout):
            await self.disconnected.wait()

    @property
    def connection(self) -> ServerConnection:
        assert self.connections, "no client connected"
        return self.connections[-1]

    # ------------------------------------------------------------------ acting
    async def send(self, frame: Frame, conn: ServerConnection | None = None) -> None:
        conn = conn or self.connection
        if isinstance(frame, dict | list):
            frame = json.dumps(frame)
        await conn.send(frame)

    # ------------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        assert self._server is not None
        return int(next(iter(self._server.sockets)).getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/janus"

    async def __aenter__(self) -> ScriptedServer:
        kwargs: dict[str, Any] = {}
        if self._select_subprotocol is not None:
            kwargs["select_subprotocol"] = self._select_subprotocol
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            subprotocols=self._subprotocols,
            logger=_server_log,
            ping_interval=None,
            compression=None,
            max_size=None,
            close_timeout=1.0,
            **kwargs,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        for conn in self.connections:
            # Frozen connections never finish a close handshake; drop them outright.
            if conn.transport.is_reading() is False:
                conn.transport.abort()
        self._server.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2.0):
                await self._server.wait_closed()

    async def _handle(self, conn: ServerConnection) -> None:
        self.connections.append(conn)
        self.disconnected.clear()
        try:
            async for frame in conn:
                try:
                    request = json.loads(frame)
                except ValueError:
                    continue
                if not isinstance(request, dict):
                    continue
                self.received.append(request)
                self._changed.set()
                verb = str(request.get("janus"))
                responder = self._pick(verb)
                try:
                    await responder(self, conn, request)
                except ConnectionClosed:
                    break
                except Exception as exc:  # a broken responder is a broken test: keep it for the test to see
                    self.handler_errors.append(exc)
                    raise
        except ConnectionClosed:
            pass
        finally:
            self.disconnected.set()
            self._changed.set()

    def _pick(self, verb: str) -> Responder:
        queued = self._queued.get(verb)
        if queued:
            return queued.popleft()
        if verb in self._always:
            return self._always[verb]
        return self._defaults.get(verb) or silent()


# ---------------------------------------------------------------------------------------------- raw TCP
class RawTCPServer:
    """A TCP listener that is not a WebSocket server: `on_connect(reader, writer)` decides what it does."""

    def __init__(self, on_connect: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> None:
        self._on_connect = on_connect
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        with contextlib.suppress(ConnectionError):
            await self._on_connect(reader, writer)
        writer.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/janus"

    async def __aenter__(self) -> RawTCPServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        for writer in self._writers:
            writer.transport.abort()
        self._server.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2.0):
                await self._server.wait_closed()
