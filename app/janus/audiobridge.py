"""The AudioBridge plugin: the stage (room N) where speakers talk and Janus mixes."""

from __future__ import annotations

from typing import Any

from app.janus.handle import PluginHandle, PluginReply
from app.janus.session import JanusSession

PLUGIN = "janus.plugin.audiobridge"
# janus_audiobridge.c: JANUS_AUDIOBRIDGE_ERROR_NO_SUCH_ROOM
NO_SUCH_ROOM = 485
UNAUTHORIZED = 489  # not in the room's `allowed` list (no, a used or a revoked stage pass)
ID_EXISTS = 490


class AudioBridgeHandle:
    """A handle on janus.plugin.audiobridge, with the requests a speaker needs."""

    def __init__(self, handle: PluginHandle) -> None:
        self.handle = handle

    @classmethod
    async def attach(cls, session: JanusSession) -> AudioBridgeHandle:
        return cls(await PluginHandle.attach(session, PLUGIN))

    async def join(
        self,
        room: int,
        *,
        display: str,
        offer: dict[str, Any] | None,
        muted: bool = False,
        token: str | None = None,
        participant_id: int | None = None,
        timeout: float | None = None,
    ) -> PluginReply:
        """Join stage `room` sending our SDP offer; the reply carries Janus's answer. `token` is a stage pass's
        token (rooms that check the `allowed` list refuse joins without one: UNAUTHORIZED); `participant_id`
        the id the pass was issued for. Without an offer the participant sends and hears nothing but gets the
        room's events (the controller's stage watcher)."""
        body: dict[str, Any] = {"request": "join", "room": room, "display": display, "muted": muted}
        if token is not None:
            body["token"] = token
        if participant_id is not None:
            body["id"] = participant_id
        return await self.handle.message(body, jsep=offer, timeout=timeout)

    async def configure(self, *, muted: bool, timeout: float | None = None) -> PluginReply:
        return await self.handle.message({"request": "configure", "muted": muted}, timeout=timeout)

    async def list_participants(self, room: int) -> list[dict[str, Any]]:
        """The stage's participants as Janus lists them; entries that are not objects are dropped."""
        reply = await self.handle.message({"request": "listparticipants", "room": room})
        participants = reply.data.get("participants")
        return [p for p in participants if isinstance(p, dict)] if isinstance(participants, list) else []

    async def list_rooms(self, *, timeout: float | None = None) -> list[dict[str, Any]]:
        """The server's public stage rooms (`list`: id, description, `record`, ...); non-objects dropped."""
        reply = await self.handle.message({"request": "list"}, timeout=timeout)
        rooms = reply.data.get("list")
        return [r for r in rooms if isinstance(r, dict)] if isinstance(rooms, list) else []

    async def leave(self) -> None:
        await self.handle.message({"request": "leave"}, timeout=2.0)
