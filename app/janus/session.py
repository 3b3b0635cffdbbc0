"""A Janus session: transactions, keepalive and routing of events to handles.

Failure is the normal case here. Every request has a timeout; when the socket closes, the keepalive goes
unanswered, or Janus says the session is gone, every pending request fails at once with a typed error and
`lost` completes, so the layer above can reconnect without waiting for anything to time out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.aio import CloseOnce
from app.events import Event
from app.janus.errors import (
    NO_SUCH_SESSION,
    JanusApiError,
    JanusError,
    MalformedReply,
    RequestTimeout,
    SessionLost,
    TransportClosed,
    shown,
)
from app.janus.transport import WebSocketTransport
from app.sweep import collect_cycles_soon

log = logging.getLogger(__name__)

# Janus's default session_timeout is 60 s; keepalives every 25 s leave room for one lost keepalive.
DEFAULT_KEEPALIVE_INTERVAL = 25.0
DEFAULT_ACK_TIMEOUT = 5.0
DEFAULT_REQUEST_TIMEOUT = 10.0


@dataclass
class _Pending:
    future: asyncio.Future[dict[str, Any]]
    final_on_ack: bool  # keepalive/trickle end with `ack`; plugin messages wait for the event after it
    kind: str = field(default="")
    own: bool = True  # about our session; False: about another one (end_other), whose 458 does not lose ours


class JanusSession:
    """One session on one Janus server, over its own WebSocket."""

    def __init__(
        self,
        transport: WebSocketTransport,
        *,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        keepalive_interval: float = DEFAULT_KEEPALIVE_INTERVAL,
        ack_timeout: float = DEFAULT_ACK_TIMEOUT,
    ) -> None:
        self.transport = transport
        self.url = transport.url
        self.session_id: int | None = None
        self.request_timeout = request_timeout
        self.keepalive_interval = keepalive_interval
        self.ack_timeout = ack_timeout
        self._pending: dict[str, _Pending] = {}
        self._routes: dict[int, Callable[[dict[str, Any]], None]] = {}  # handle id -> its handle's event sink
        self._keepalive_task: asyncio.Task[None] | None = None
        self._closing = False
        self._close_task: asyncio.Task[None] | None = None
        self._closer = CloseOnce(self._teardown, f"close janus session {self.url}")
        # `loss`: told once when the session is lost (not on our own close); `lost` completes either way.
        self.loss: Event[[JanusError]] = Event(f"session loss on {self.url}")
        self.lost: asyncio.Future[JanusError] = asyncio.get_running_loop().create_future()
        self.rtt: float | None = None  # seconds, round trip of the latest create/keepalive (connection details)
        self.destroyed = False  # Janus confirmed our `destroy`: nothing of this session is left on the server
        transport.on_message = self._on_message
        transport.on_close = self._on_transport_closed
        transport.start()

    # ----------------------------------------------------------------- lifecycle
    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        connect_timeout: float = 5.0,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        keepalive_interval: float = DEFAULT_KEEPALIVE_INTERVAL,
        ack_timeout: float = DEFAULT_ACK_TIMEOUT,
    ) -> JanusSession:
        """Open a socket to `url` and create a session on it."""
        transport = await WebSocketTransport.connect(url, timeout=connect_timeout)
        session = cls(
            transport,
            request_timeout=request_timeout,
            keepalive_interval=keepalive_interval,
            ack_timeout=ack_timeout,
        )
        try:
            started = asyncio.get_running_loop().time()
            reply = await session.send({"janus": "create"}, timeout=connect_timeout)
            session.rtt = asyncio.get_running_loop().time() - started
            data = reply.get("data")
            if not isinstance(data, dict) or type(data.get("id")) is not int:
                raise MalformedReply(f"{url}: 'create' reply has no session id")
            session.session_id = data["id"]
        except BaseException:
            await session.close()
            raise
        session._keepalive_task = asyncio.create_task(session._keepalive_loop(), name=f"janus-keepalive {url}")
        log.info("session created on %s", url)
        return session

    @property
    def is_lost(self) -> bool:
        return self.lost.done()

    async def close(self) -> None:
        """Destroy the session (best effort, short) and close the socket. Idempotent: every call waits for the
        one teardown, and a cancelled caller does not cut it short (an open socket keeps the session on Janus)."""
        self._closing = True
        await self._closer()

    async def _teardown(self) -> None:
        try:
            if self._keepalive_task is not None:
                self._keepalive_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._keepalive_task
            if self.session_id is not None and not self.lost.done() and not self.transport.closed:
                with contextlib.suppress(JanusError):
                    await self.send({"janus": "destroy"}, timeout=1.0)
                    self.destroyed = True
        finally:
            self._fail_all(TransportClosed(f"session on {self.url} closed"), notify=False)
            await self.transport.close()
            if self._close_task is not None:  # the socket close _lose started
                await asyncio.wait([self._close_task])
            try:  # what hung on this session (PeerConnections, handles) is cyclic garbage now
                collect_cycles_soon()
            except Exception:  # housekeeping: never a reason for a close to fail
                log.exception("could not schedule the sweep after closing the session on %s", self.url)

    # ----------------------------------------------------------------- requests
    async def request(self, body: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """Send a session-level request and return the final reply (raises typed errors)."""
        return await self.send(body, timeout=timeout)

    async def end_other(self, session_id: int, *, timeout: float | None = None) -> bool:
        """Destroy another session of ours on this server that a dead connection left behind: Janus keeps it, with
        its handles (an AudioBridge seat held under our participant id among them), until its socket closes or
        session_timeout passes without a keepalive, up to a minute. `claim` moves it onto this socket, then
        `destroy` ends it. True if Janus still had it, False if it was gone already."""
        try:
            await self.send({"janus": "claim"}, session_id=session_id, timeout=timeout)
            await self.send({"janus": "destroy"}, session_id=session_id, timeout=timeout)
        except JanusApiError as exc:
            if exc.code == NO_SUCH_SESSION:
                return False
            raise
        log.info("ended session %s a lost connection left on %s", session_id, self.url)
        return True

    def route(self, handle_id: int, sink: Callable[[dict[str, Any]], None]) -> None:
        """Deliver every message Janus sends for `handle_id` outside a transaction to `sink` (the handle)."""
        self._routes[handle_id] = sink

    def unroute(self, handle_id: int) -> None:
        self._routes.pop(handle_id, None)

    async def send(
        self,
        body: dict[str, Any],
        *,
        timeout: float | None = None,
        handle_id: int | None = None,
        final_on_ack: bool | None = None,
        session_id: int | None = None,
    ) -> dict[str, Any]:
        """Send one request (for a handle: `handle_id`; about another session than ours: `session_id`) and return
        its final reply; raises typed errors."""
        if self.lost.done():
            raise self.lost.result()
        if self._closing and body.get("janus") != "destroy":
            raise TransportClosed(f"session on {self.url} is closed")
        transaction = secrets.token_hex(8)
        message = dict(body, transaction=transaction)
        target = self.session_id if session_id is None else session_id
        if target is not None:
            message["session_id"] = target
        if handle_id is not None:
            message["handle_id"] = handle_id
        kind = str(body.get("janus"))
        if final_on_ack is None:
            final_on_ack = kind in ("keepalive", "trickle", "hangup")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = _Pending(future, final_on_ack, kind, own=target == self.session_id)
        limit = self.request_timeout if timeout is None else timeout
        try:
            await self.transport.send(message)
            async with asyncio.timeout(limit):
                return await future
        except TimeoutError:
            raise RequestTimeout(f"{self.url} did not answer '{kind}' within {limit:g} s") from None
        finally:
            self._pending.pop(transaction, None)
            # The session may have failed this request while its send was still in flight (the send then raised
            # or was cancelled, and nobody awaits the future): asyncio would log "Future exception was never
            # retrieved" with the loss's traceback (seen in the chaos soak's logs).
            if future.done() and not future.cancelled():
                future.exception()

    # ----------------------------------------------------------------- incoming
    def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("janus")
        if not isinstance(kind, str):
            log.warning("%s: dropped a message without a 'janus' field", self.url)
            return
        if kind == "timeout":
            self._lose(SessionLost(f"Janus on {self.url} timed the session out"))
            return
        transaction = message.get("transaction")
        if isinstance(transaction, str) and transaction in self._pending:
            self._resolve(self._pending[transaction], kind, message)
            return
        sender = message.get("sender")
        if type(sender) is int and sender in self._routes:
            self._routes[sender](message)
            return
        if kind == "ack":
            # Janus may push a plugin's event before acking the request: a late ack is normal.
            log.debug("%s: late or unknown ack", self.url)
        elif kind in ("success", "error", "event") and transaction is not None:
            log.warning("%s: dropped a '%s' for unknown transaction", self.url, shown(kind, 40))
        elif kind in ("detached", "hangup", "webrtcup", "media", "slowlink") and isinstance(sender, int):
            log.debug("%s: '%s' for a handle we already detached", self.url, kind)
        else:
            log.warning("%s: dropped an unroutable '%s' message", self.url, shown(kind, 40))

    def _resolve(self, pending: _Pending, kind: str, message: dict[str, Any]) -> None:
        if pending.future.done():
            return
        if kind == "ack":
            if pending.final_on_ack:
                pending.future.set_result(message)
            return  # plugin request accepted; the result follows as an event
        if kind == "error":
            error = message.get("error")
            code, reason = -1, "unknown error"
            if isinstance(error, dict):
                code = error["code"] if type(error.get("code")) is int else -1
                reason = shown(error.get("reason", reason))
            exc: JanusError = JanusApiError(code, reason)
            if code == NO_SUCH_SESSION and pending.own:
                exc = SessionLost(f"Janus on {self.url} no longer knows this session ({reason})")
                pending.future.set_exception(exc)
                self._lose(exc)
                return
            pending.future.set_exception(exc)
            return
        pending.future.set_result(message)

    def _on_transport_closed(self, reason: Exception) -> None:
        error = reason if isinstance(reason, JanusError) else TransportClosed(str(reason))
        if self._closing:
            self._fail_all(error, notify=False)
        else:
            self._lose(error)

    # ----------------------------------------------------------------- loss
    def _lose(self, reason: JanusError) -> None:
        if self.lost.done():
            return
        # INFO: whoever owns the session (feed, channel, controller) reports the loss with its context.
        log.info("session on %s lost: %s", self.url, reason)
        self._fail_all(reason, notify=True)
        if not self._closing:
            # Close the socket too: a session Janus forgot is of no use, and a half-open socket hides that.
            self._close_task = asyncio.get_running_loop().create_task(self.transport.close())

    def _fail_all(self, reason: JanusError, *, notify: bool) -> None:
        if not self.lost.done():
            self.lost.set_result(reason)
        for pending in list(self._pending.values()):
            if not pending.future.done():
                pending.future.set_exception(reason)
        self._pending.clear()
        if notify:
            self.loss.emit(reason)

    async def _keepalive_loop(self) -> None:
        while not self.lost.done():
            await asyncio.sleep(self.keepalive_interval)
            try:
                started = asyncio.get_running_loop().time()
                await self.send({"janus": "keepalive"}, timeout=self.ack_timeout)
                self.rtt = asyncio.get_running_loop().time() - started
            except RequestTimeout:
                self._lose(SessionLost(f"{self.url} did not acknowledge a keepalive within {self.ack_timeout:g} s"))
                return
            except JanusApiError as exc:
                self._lose(SessionLost(f"keepalive refused by {self.url}: {exc}"))
                return
            except JanusError:
                return  # already lost; _lose ran
