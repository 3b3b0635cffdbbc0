"""The TextRoom plugin: channel N, a data channel shared by everyone in a room.

Two paths, as Janus defines them: the Janus API on the handle (`announcement`, `listparticipants`, `exists` —
room management, the secret travels over the WebSocket), and the data channel after `setup` (`join`, `message`,
`leave` — each with its own transaction; replies and events arrive on the channel). `setup` makes Janus offer
`m=application`; we answer with a data channel labelled like janus.js does ("JanusDataChannel", the label Janus
sends on by default) and wait for it to open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from typing import Any

from aiortc import RTCDataChannel, RTCPeerConnection

from app.aio import CloseOnce
from app.events import Event
from app.janus.errors import JanusError, PluginError, RequestTimeout, TransportClosed, shown
from app.janus.handle import PluginHandle
from app.janus.jsep import accept_offer, close_peer, passive_answer, peer_connection
from app.janus.redact import redacted_json
from app.janus.session import JanusSession

log = logging.getLogger(__name__)

PLUGIN = "janus.plugin.textroom"
DATA_CHANNEL_LABEL = "JanusDataChannel"  # janus.js's label; Janus relays plugin data on it by default

# janus_textroom.c error codes
INVALID_JSON = 412
MISSING_ELEMENT = 413
INVALID_ELEMENT = 414
INVALID_REQUEST = 415
ALREADY_SETUP = 416
NO_SUCH_ROOM = 417
UNAUTHORIZED = 419
USERNAME_EXISTS = 420
ALREADY_IN_ROOM = 421
NOT_IN_ROOM = 422
NO_SUCH_USER = 423

DEFAULT_TIMEOUT = 5.0


class TextRoomHandle:
    """A handle on janus.plugin.textroom: Janus-API room requests, and (after `setup`) the data channel."""

    def __init__(self, handle: PluginHandle, *, ice_servers: list[str] | None = None) -> None:
        self.handle = handle
        self.ice_servers = ice_servers
        self.pc: RTCPeerConnection | None = None
        self.channel: RTCDataChannel | None = None
        # every data-channel event that is not a reply (message, announcement, join, leave, ...)
        self.events: Event[[dict[str, Any]]] = Event(f"TextRoom events on {handle.session.url}")
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._open: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Completes with the reason once the data channel, its PeerConnection or the session is gone.
        self.lost: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._closed = False
        self._closer = CloseOnce(self._teardown, f"close TextRoom handle on {handle.session.url}")
        handle.events.connect(self._on_handle_event)
        handle.session.lost.add_done_callback(lambda lost: self._lose(f"session lost: {lost.result()}"))

    @classmethod
    async def attach(cls, session: JanusSession, *, ice_servers: list[str] | None = None,
                     timeout: float | None = None) -> TextRoomHandle:
        return cls(await PluginHandle.attach(session, PLUGIN, timeout=timeout), ice_servers=ice_servers)

    @property
    def is_open(self) -> bool:
        return self.channel is not None and self.channel.readyState == "open" and not self.lost.done()

    # ------------------------------------------------------------------------------------------- setup
    async def setup(self, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Negotiate the data channel (non-trickle) and return once it is open; raises JanusError."""
        if self.pc is not None:
            raise PluginError(PLUGIN, ALREADY_SETUP, "data channel already set up on this handle")
        try:
            async with asyncio.timeout(timeout):
                await self._setup()
        except TimeoutError:
            raise RequestTimeout(f"TextRoom data channel on {self.handle.session.url} did not open "
                                 f"within {timeout:g} s") from None

    async def _setup(self) -> None:
        reply = await self.handle.message({"request": "setup"})
        pc = self.pc = peer_connection(self.ice_servers)
        pc.on("connectionstatechange", lambda: self._on_pc_state(pc))
        # Janus only opens a channel itself when ours is missing; listen on any it opens all the same.
        pc.on("datachannel", lambda remote: remote.on("message", self._on_data))
        where = f"TextRoom on {self.handle.session.url}"
        await accept_offer(pc, reply.jsep, where)
        channel = self.channel = pc.createDataChannel(DATA_CHANNEL_LABEL)
        channel.on("message", self._on_data)
        channel.on("open", self._on_channel_open)
        channel.on("close", lambda: self._lose("data channel closed"))
        jsep = await passive_answer(pc, where)  # Janus as DTLS client, as for the feed (why: passive_answer)
        await self.handle.message({"request": "ack"}, jsep=jsep)
        await asyncio.shield(self._open)

    def _on_channel_open(self) -> None:
        if not self._open.done():
            self._open.set_result(None)

    def _on_pc_state(self, pc: RTCPeerConnection) -> None:
        if pc.connectionState in ("failed", "closed"):
            self._lose(f"data connection {pc.connectionState}")

    def _on_handle_event(self, message: dict[str, Any]) -> None:
        kind = message.get("janus")
        if kind in ("hangup", "detached") and self.pc is not None:
            self._lose(f"server hung up ({shown(message.get('reason', kind))})")

    def _lose(self, reason: str) -> None:
        if self.lost.done():
            return
        if not self._closed:
            log.info("TextRoom on %s: %s", self.handle.session.url, reason)
        self.lost.set_result(reason)
        error = TransportClosed(f"TextRoom on {self.handle.session.url}: {reason}")
        if not self._open.done():
            self._open.set_exception(error)
            self._open.exception()  # consumed: nobody may be waiting any more
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    # ------------------------------------------------------------------------------------- data channel
    def _on_data(self, data: str | bytes) -> None:
        try:
            message = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            log.warning("TextRoom on %s: dropped data that is not JSON", self.handle.session.url)
            return
        if not isinstance(message, dict):
            log.warning("TextRoom on %s: dropped JSON that is not an object", self.handle.session.url)
            return
        # Only for a line that is written: the redacted copy cost the room controller 1.27 s of the 2.11 s it spent
        # here in 20 s of 1,667 join/leave events a second (cProfile, benchmarks.host_actions, 200 members),
        # a quarter of its busy time, with debug logging off.
        if log.isEnabledFor(logging.DEBUG):
            log.debug("TextRoom ← %s", redacted_json(message))
        transaction = message.get("transaction")
        if isinstance(transaction, str) and transaction in self._pending:
            future = self._pending.pop(transaction)
            if future.done():
                return
            if message.get("textroom") == "error" or "error_code" in message:
                code = message.get("error_code")
                future.set_exception(PluginError(PLUGIN, code if type(code) is int else -1,
                                                 str(message.get("error", "unknown error"))))
            else:
                future.set_result(message)
            return
        self.events.emit(message)

    def _send(self, text: str) -> None:
        """Put text on the data channel as it is (requests and messages, already JSON)."""
        if not self.is_open or self.channel is None:
            raise TransportClosed(f"TextRoom data channel on {self.handle.session.url} is not open")
        self.channel.send(text)

    async def request(self, body: dict[str, Any], *, timeout: float = DEFAULT_TIMEOUT,
                      expect_reply: bool = True) -> dict[str, Any]:
        """One data-channel request (`{"textroom": verb, ...}`) with its own transaction and timeout."""
        transaction = secrets.token_hex(8)
        message = dict(body, transaction=transaction)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("TextRoom → %s", redacted_json(message))
        if not expect_reply:
            self._send(json.dumps(message))
            return {}
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[transaction] = future
        try:
            self._send(json.dumps(message))
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise RequestTimeout(f"TextRoom on {self.handle.session.url} did not answer "
                                 f"'{body.get('textroom')}' within {timeout:g} s") from None
        finally:
            self._pending.pop(transaction, None)

    async def join(self, room: int, username: str, display: str = "", *, pin: str | None = None,
                   token: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
        """Join channel `room`; return the others already there (`username`, `display`)."""
        body: dict[str, Any] = {"textroom": "join", "room": room, "username": username, "history": False}
        if display:
            body["display"] = display
        if pin is not None:
            body["pin"] = pin
        if token is not None:
            body["token"] = token
        reply = await self.request(body, timeout=timeout)
        participants = reply.get("participants")
        return [p for p in participants if isinstance(p, dict)] if isinstance(participants, list) else []

    async def message(self, room: int, text: str, *, to: str | None = None, tos: list[str] | None = None,
                      ack: bool = True, timeout: float = DEFAULT_TIMEOUT) -> dict[str, bool]:
        """Broadcast `text`, or whisper it to `to` or to each of `tos` (one request); with `ack`, return Janus's
        `sent` map."""
        if to is not None and tos is not None:
            raise ValueError("whisper to one user (to) or to a list (tos), not both")
        body: dict[str, Any] = {"textroom": "message", "room": room, "text": text, "ack": ack}
        if to is not None:
            body["to"] = to
        if tos is not None:
            body["tos"] = tos
        reply = await self.request(body, timeout=timeout, expect_reply=ack)
        sent = reply.get("sent")
        return {str(k): bool(v) for k, v in sent.items()} if isinstance(sent, dict) else {}

    async def leave(self, room: int, *, timeout: float = 2.0) -> None:
        await self.request({"textroom": "leave", "room": room}, timeout=timeout)

    # ---------------------------------------------------------------------------------------- Janus API
    async def announcement(self, room: int, secret: str, text: str, *, timeout: float | None = None) -> None:
        """Send `text` to everyone in `room` as the room itself (needs the room secret)."""
        await self.handle.message({"request": "announcement", "room": room, "secret": secret, "text": text},
                                  timeout=timeout)

    async def kick(self, room: int, secret: str, username: str, *, timeout: float | None = None) -> None:
        """Put `username` out of `room` (needs the room secret); Janus tells everyone it was kicked."""
        await self.handle.message({"request": "kick", "room": room, "secret": secret, "username": username},
                                  timeout=timeout)

    async def list_participants(self, room: int, *, timeout: float | None = None) -> list[dict[str, Any]]:
        reply = await self.handle.message({"request": "listparticipants", "room": room}, timeout=timeout)
        participants = reply.data.get("participants")
        return [p for p in participants if isinstance(p, dict)] if isinstance(participants, list) else []

    async def exists(self, room: int, *, timeout: float | None = None) -> bool:
        reply = await self.handle.message({"request": "exists", "room": room}, timeout=timeout)
        return reply.data.get("exists") is True

    # ------------------------------------------------------------------------------------------- close
    async def close(self) -> None:
        """Close the data channel and PeerConnection and detach; the session stays. Idempotent: every call waits
        for the one teardown, which a cancelled caller does not cut short."""
        self._closed = True
        await self._closer()

    async def _teardown(self) -> None:
        self._lose("closed")
        if self.pc is not None:
            await close_peer(self.pc, "room channel")
        with contextlib.suppress(JanusError):
            await self.handle.detach()
