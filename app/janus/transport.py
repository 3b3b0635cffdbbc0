"""WebSocket transport for the Janus API (subprotocol `janus-protocol`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.frames import CloseCode

from app.janus.errors import MessageTooLarge, ProtocolError, RequestTimeout, TransportClosed, shown
from app.janus.redact import redacted_json

log = logging.getLogger(__name__)
# websockets logs raw frames at DEBUG, secrets included: give it a logger that never goes below INFO.
_ws_log = logging.getLogger(f"{__name__}.websockets")
_ws_log.setLevel(logging.INFO)

MessageCallback = Callable[[dict[str, Any]], None]
CloseCallback = Callable[[Exception], None]

# The largest frames Plaza asks for are SDP offers (2–6 KB) and a stage's `listparticipants` (~150 B per
# participant: 30 KB for the protocol's 200 members); 1 MiB is 30× that, and caps what one frame can make us
# buffer and parse on the event loop that also feeds the audio. A larger frame closes the socket (MessageTooLarge).
MAX_MESSAGE_BYTES = 1024 * 1024


class WebSocketTransport:
    """One WebSocket to one Janus server.

    Incoming JSON objects go to `on_message`; the first close (by either side, or a read error) goes to
    `on_close` exactly once. Malformed frames are logged and dropped: one bad frame must not end the session.
    """

    def __init__(self, url: str, ws: ClientConnection) -> None:
        self.url = url
        self._ws = ws
        self.on_message: MessageCallback = lambda _m: None
        self.on_close: CloseCallback = lambda _e: None
        self._closed: Exception | None = None
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, url: str, *, timeout: float = 5.0) -> WebSocketTransport:
        """Open the socket; raise TransportClosed/RequestTimeout with the URL in the message."""
        try:
            async with asyncio.timeout(timeout):
                ws = await websockets.connect(
                    url,
                    subprotocols=[websockets.Subprotocol("janus-protocol")],
                    max_size=MAX_MESSAGE_BYTES,
                    open_timeout=None,
                    ping_interval=None,  # Janus keepalives do the liveness work
                    compression=None,
                    close_timeout=1.0,  # a black-holed peer must not hold up our shutdown for 10 s
                    logger=_ws_log,
                )
        except TimeoutError:
            raise RequestTimeout(f"could not reach {url} within {timeout:g} s") from None
        except InvalidURI as exc:
            raise TransportClosed(f"invalid server address {url!r}: {exc}") from None
        except InvalidHandshake as exc:
            raise TransportClosed(f"{url} is not a Janus WebSocket endpoint ({shown(str(exc))})") from None
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise TransportClosed(f"could not connect to {url}: {reason}") from None
        if ws.subprotocol != "janus-protocol":
            await ws.close()
            raise TransportClosed(f"{url} did not accept the Janus WebSocket protocol (is it a Janus server?)")
        return cls(url, ws)

    def start(self) -> None:
        """Start reading; call after the callbacks are set."""
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_loop(), name=f"janus-ws-reader {self.url}")

    @property
    def closed(self) -> bool:
        return self._closed is not None

    @property
    def local_port(self) -> int | None:
        """Our end's TCP port: tells this connection apart from the others to the same server (`ss`, lab faults)."""
        address = self._ws.local_address
        return address[1] if isinstance(address, tuple) and len(address) >= 2 else None

    async def send(self, message: dict[str, Any]) -> None:
        if self._closed is not None:
            raise TransportClosed(f"connection to {self.url} is closed")
        if log.isEnabledFor(logging.DEBUG):  # the redacted copy only for a line that is written (see _dispatch)
            log.debug("→ %s", redacted_json(message))
        try:
            await self._ws.send(json.dumps(message))
        except ConnectionClosed as exc:
            self._mark_closed(TransportClosed(f"connection to {self.url} closed ({shown(str(exc))})"))
            raise TransportClosed(f"connection to {self.url} closed while sending") from None

    async def _read_loop(self) -> None:
        reason: Exception = TransportClosed(f"connection to {self.url} closed")
        try:
            async for frame in self._ws:
                self._dispatch(frame)
        except ConnectionClosed as exc:
            if exc.sent is not None and exc.sent.code == CloseCode.MESSAGE_TOO_BIG:
                reason = MessageTooLarge(self.url, MAX_MESSAGE_BYTES)
            else:
                reason = TransportClosed(f"connection to {self.url} lost ({shown(str(exc))})")
        except Exception as exc:
            reason = TransportClosed(f"connection to {self.url} failed: {shown(str(exc))}")
        self._mark_closed(reason)

    def _dispatch(self, frame: str | bytes) -> None:
        try:
            message = json.loads(frame)
        except (ValueError, UnicodeDecodeError) as exc:
            log.warning("%s: dropped a frame that is not JSON (%s)", self.url, ProtocolError(str(exc)))
            return
        if not isinstance(message, dict):
            log.warning("%s: dropped a JSON frame that is not an object", self.url)
            return
        # The redacted copy only for a line that is written: a 200-entry `listparticipants` reply took ~2 ms to
        # redact, four times a second, in the room controller (benchmarks.host_actions; see TextRoomHandle._on_data).
        if log.isEnabledFor(logging.DEBUG):
            log.debug("← %s", redacted_json(message))
        try:
            self.on_message(message)
        except Exception:
            log.exception("%s: error while handling a message", self.url)

    def _mark_closed(self, reason: Exception) -> None:
        if self._closed is not None:
            return
        self._closed = reason
        try:
            self.on_close(reason)
        except Exception:
            log.exception("%s: error in close callback", self.url)

    async def close(self) -> None:
        """Close the socket; idempotent."""
        self._mark_closed(TransportClosed(f"connection to {self.url} closed by us"))
        with contextlib.suppress(Exception):
            await self._ws.close()
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
