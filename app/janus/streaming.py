"""The Streaming plugin: how a listener watches a room's feed (mountpoint N)."""

from __future__ import annotations

from typing import Any

from app.janus.handle import PluginHandle, PluginReply
from app.janus.jsep import offer_sdp
from app.janus.session import JanusSession

PLUGIN = "janus.plugin.streaming"
# janus_streaming.c: JANUS_STREAMING_ERROR_NO_SUCH_MOUNTPOINT
NO_SUCH_MOUNTPOINT = 455


class StreamingHandle:
    """A handle on janus.plugin.streaming, with the requests a listener needs."""

    def __init__(self, handle: PluginHandle) -> None:
        self.handle = handle

    @classmethod
    async def attach(cls, session: JanusSession) -> StreamingHandle:
        return cls(await PluginHandle.attach(session, PLUGIN))

    async def watch(self, mountpoint: int, *, timeout: float | None = None) -> dict[str, Any]:
        """Ask to watch; Janus answers with an SDP offer (returned as a JSEP dict whose SDP parses)."""
        reply = await self.handle.message({"request": "watch", "id": mountpoint}, timeout=timeout)
        return {"type": "offer", "sdp": offer_sdp(reply.jsep, self.handle.session.url)}

    async def start(self, answer: dict[str, Any], *, timeout: float | None = None) -> PluginReply:
        return await self.handle.message({"request": "start"}, jsep=answer, timeout=timeout)

    async def stop(self) -> None:
        await self.handle.message({"request": "stop"}, timeout=2.0)

    async def info(self, mountpoint: int, secret: str | None = None) -> dict[str, Any]:
        """Mountpoint details; with the secret Janus adds `viewers` and `age_ms`."""
        body: dict[str, Any] = {"request": "info", "id": mountpoint}
        if secret is not None:
            body["secret"] = secret
        reply = await self.handle.message(body)
        info = reply.data.get("info")
        return info if isinstance(info, dict) else {}
