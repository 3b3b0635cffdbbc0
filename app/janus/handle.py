"""A plugin handle: plugin messages with their results, and the handle's own events."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from app.events import Event
from app.janus.errors import JanusError, MalformedReply, PluginError
from app.janus.session import JanusSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PluginReply:
    """What a plugin answered: its data and, for media requests, a JSEP (SDP offer/answer)."""

    data: dict[str, Any]
    jsep: dict[str, Any] | None = None


def plugin_data(message: dict[str, Any], plugin: str) -> dict[str, Any]:
    """Extract `plugindata.data`, raising PluginError when the plugin reports `error_code`."""
    plugindata = message.get("plugindata")
    if not isinstance(plugindata, dict) or not isinstance(plugindata.get("data"), dict):
        raise MalformedReply(f"{plugin}: reply without plugin data")
    data: dict[str, Any] = plugindata["data"]
    if "error_code" in data or "error" in data:
        code = data.get("error_code")
        raise PluginError(plugin, code if type(code) is int else -1, str(data.get("error", "unknown error")))
    return data


class PluginHandle:
    """One attachment to a plugin within a session (Janus `handle`)."""

    def __init__(self, session: JanusSession, plugin: str, handle_id: int) -> None:
        self.session = session
        self.plugin = plugin
        self.handle_id = handle_id
        # every message Janus sends for this handle outside a transaction (events, webrtcup, hangup, detached...)
        self.events: Event[[dict[str, Any]]] = Event(f"{plugin} handle {handle_id} events")
        self.detached = False
        session.route(handle_id, self._on_event)

    @classmethod
    async def attach(cls, session: JanusSession, plugin: str, *, timeout: float | None = None) -> PluginHandle:
        """Attach to `plugin` in `session`; raises typed errors."""
        reply = await session.send({"janus": "attach", "plugin": plugin}, timeout=timeout)
        data = reply.get("data")
        if not isinstance(data, dict) or type(data.get("id")) is not int:
            raise MalformedReply(f"{session.url}: 'attach' reply has no handle id")
        return cls(session, plugin, data["id"])

    async def message(
        self, body: dict[str, Any], *, jsep: dict[str, Any] | None = None, timeout: float | None = None
    ) -> PluginReply:
        """Send a plugin request; return its result whether Janus answers synchronously or by event."""
        request: dict[str, Any] = {"janus": "message", "body": body}
        if jsep is not None:
            request["jsep"] = jsep
        reply = await self.session.send(request, timeout=timeout, handle_id=self.handle_id)
        data = plugin_data(reply, self.plugin)
        reply_jsep = reply.get("jsep")
        return PluginReply(data, reply_jsep if isinstance(reply_jsep, dict) else None)

    async def hangup(self) -> None:
        await self.session.send({"janus": "hangup"}, handle_id=self.handle_id, timeout=2.0)

    async def detach(self) -> None:
        """Detach from the plugin (best effort, idempotent)."""
        if self.detached:
            return
        self.detached = True
        self.session.unroute(self.handle_id)
        if not self.session.is_lost:
            with contextlib.suppress(JanusError):
                await self.session.send({"janus": "detach"}, handle_id=self.handle_id, timeout=2.0)

    def _on_event(self, message: dict[str, Any]) -> None:
        if message.get("janus") == "detached":
            self.detached = True
        self.events.emit(message)
