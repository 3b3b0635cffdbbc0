"""Janus's Admin API over its WebSocket (subprotocol `janus-admin-protocol`): what is still open on the server.

The lab's rooms enable it (LocalRoomConfig.admin_port) bound to the server address, with the room's generated
admin secret. The secret stays in memory: it is never put in argv, a link or a log (the websockets logger is
kept at INFO, where frames are not logged, and errors carry the redacted reply).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from app.janus.redact import redacted_json

_ws_log = logging.getLogger(f"{__name__}.websockets")
_ws_log.setLevel(logging.INFO)  # DEBUG would log every frame, the admin secret with it


class AdminError(RuntimeError):
    """The Admin API refused a request or did not answer."""


class JanusAdmin:
    """One admin connection; `async with JanusAdmin(url, secret) as admin: await admin.list_sessions()`."""

    def __init__(self, url: str, secret: str, *, timeout: float = 5.0) -> None:
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self._ws: ClientConnection | None = None

    def __repr__(self) -> str:  # never the secret
        return f"JanusAdmin({self.url!r})"

    async def __aenter__(self) -> JanusAdmin:
        self._ws = await websockets.connect(self.url, subprotocols=[websockets.Subprotocol("janus-admin-protocol")],
                                            open_timeout=self.timeout, ping_interval=None, logger=_ws_log)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def request(self, verb: str, **fields: Any) -> dict[str, Any]:
        """One admin request; the reply when Janus says `success`, else AdminError."""
        if self._ws is None:
            raise AdminError("not connected")
        transaction = secrets.token_hex(8)
        await self._ws.send(json.dumps({"janus": verb, "transaction": transaction, "admin_secret": self._secret,
                                        **fields}))
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    reply = json.loads(await self._ws.recv())
                    if isinstance(reply, dict) and reply.get("transaction") == transaction:
                        break
        except TimeoutError:
            raise AdminError(f"{self.url} did not answer '{verb}' within {self.timeout:g} s") from None
        if reply.get("janus") != "success":
            raise AdminError(f"'{verb}' refused: {redacted_json(reply)}")
        return reply

    async def list_sessions(self) -> set[int]:
        reply = await self.request("list_sessions")
        return {s for s in reply.get("sessions", []) if isinstance(s, int)}

    async def wait_sessions(self, done: Callable[[set[int]], bool], timeout: float = 5.0,
                            what: str = "the expected sessions") -> set[int]:
        """Poll list_sessions (every 20 ms) until `done(sessions)`; AdminError naming `what` after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            sessions = await self.list_sessions()
            if done(sessions):
                return sessions
            if loop.time() > deadline:
                raise AdminError(f"{what} not within {timeout:g} s; Janus has sessions {sorted(sessions)}")
            await asyncio.sleep(0.02)
