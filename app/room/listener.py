"""Listening to a room: watch feed N on one of the room's servers and feed the playout stage.

Data path: Janus Streaming offer → aiortc answer (recvonly) → remote track → TrackReceiver → PlayoutBuffer.
The status model goes Connecting → Live on the first decoded audio, Error on failure, Ended when the feed ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from app.janus import JanusError, JanusSession, PluginError, RequestTimeout
from app.janus.streaming import NO_SUCH_MOUNTPOINT, StreamingHandle
from app.links import RoomLink
from app.media.playout import PlayoutBuffer
from app.media.receiver import TrackReceiver
from app.room.errors import MediaFailed, RoomError, RoomNotFound, ServerUnreachable
from app.room.status import RoomStatus, StatusModel

log = logging.getLogger(__name__)

DEFAULT_CONNECT_TIMEOUT = 8.0


def peer_connection(ice_servers: list[str] | None = None) -> RTCPeerConnection:
    """A PeerConnection with only the STUN/TURN servers we were given (aiortc's default adds a public one)."""
    servers = [RTCIceServer(urls=url) for url in (ice_servers or [])]
    return RTCPeerConnection(RTCConfiguration(iceServers=servers))


class FeedConnection:
    """One WebRTC subscription to feed N on one server: session, streaming handle, PeerConnection."""

    def __init__(self, server: str, room_id: int, playout: PlayoutBuffer, ice_servers: list[str] | None) -> None:
        self.server = server
        self.room_id = room_id
        self.playout = playout
        self.ice_servers = ice_servers
        self.session: JanusSession | None = None
        self.streaming: StreamingHandle | None = None
        self.pc: RTCPeerConnection | None = None
        self.receiver: TrackReceiver | None = None
        self.ended: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._closed = False

    async def open(self, timeout: float) -> None:
        """Connect, watch, answer; return once the remote track is there (raises RoomError)."""
        try:
            self.session = await JanusSession.connect(self.server, connect_timeout=min(timeout, 5.0))
        except RequestTimeout as exc:
            raise ServerUnreachable(f"cannot reach {self.server}: {exc}") from None
        except JanusError as exc:
            raise ServerUnreachable(str(exc)) from None
        self.session.add_loss_callback(lambda reason: self._end(f"connection lost: {reason}"))
        self.streaming = await StreamingHandle.attach(self.session)
        self.streaming.handle.add_listener(self._on_event)
        try:
            offer = await self.streaming.watch(self.room_id)
        except PluginError as exc:
            if exc.code == NO_SUCH_MOUNTPOINT:
                raise RoomNotFound(self.room_id, self.server) from None
            raise RoomError(f"{self.server} refused to play room {self.room_id}: {exc.message}") from None
        pc = self.pc = peer_connection(self.ice_servers)
        track_future: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio" and not track_future.done():
                track_future.set_result(track)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState in ("failed", "closed") and not self._closed:
                self._end(f"media connection {pc.connectionState}")

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        answer = await pc.createAnswer()
        # Let Janus be the DTLS client. As client, aiortc sends its ClientHello the moment its own ICE check
        # succeeds, often before Janus is ready for it, and then waits 1 s to retransmit: measured 9 of 30 joins
        # at ~1.17 s instead of ~0.17 s. With setup:passive, 0 of 60 (benchmarks/listener.py).
        answer = RTCSessionDescription(sdp=answer.sdp.replace("a=setup:active", "a=setup:passive"), type="answer")
        await pc.setLocalDescription(answer)
        jsep: dict[str, Any] = {"type": "answer", "sdp": pc.localDescription.sdp, "trickle": False}
        await self.streaming.start(jsep)
        try:
            async with asyncio.timeout(timeout):
                track = await track_future
        except TimeoutError:
            raise MediaFailed(f"no audio track from {self.server}") from None
        self.receiver = TrackReceiver(track, self.playout)
        self.receiver.ended.add_done_callback(lambda _f: self._end("the feed's audio track ended"))

    def _on_event(self, message: dict[str, Any]) -> None:
        kind = message.get("janus")
        if kind == "hangup":
            self._end(f"server hung up ({message.get('reason', 'no reason given')})")
        elif kind == "event":
            result = (message.get("plugindata") or {}).get("data", {}).get("result")
            if isinstance(result, dict) and result.get("status") == "stopped":
                self._end("ended")

    def _end(self, reason: str) -> None:
        if not self.ended.done() and not self._closed:
            self.ended.set_result(reason)

    async def close(self) -> None:
        """Tear down media, handle and session; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self.receiver is not None:
            await self.receiver.close()
        if self.pc is not None:
            await self.pc.close()
        if self.streaming is not None:
            with contextlib.suppress(JanusError):
                await self.streaming.handle.detach()
        if self.session is not None:
            await self.session.close()


class RoomListener:
    """Joins a room from its link and keeps its status model up to date."""

    def __init__(
        self,
        link: RoomLink,
        playout: PlayoutBuffer,
        *,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        ice_servers: list[str] | None = None,
    ) -> None:
        self.link = link
        self.playout = playout
        self.connect_timeout = connect_timeout
        self.ice_servers = ice_servers
        self.status = StatusModel()
        self.feed: FeedConnection | None = None
        self.server: str | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._closed = False
        loop = asyncio.get_running_loop()
        playout.first_audio_callbacks.append(lambda: self._call_in_loop(loop))

    async def join(self) -> None:
        """Try the link's servers in order; raise RoomError (and set status Error) if none plays the room."""
        self.status.set(RoomStatus.CONNECTING)
        errors: list[RoomError] = []
        for server in self.link.servers:
            feed = FeedConnection(server, self.link.room_id, self.playout, self.ice_servers)
            try:
                async with asyncio.timeout(self.connect_timeout):
                    await feed.open(self.connect_timeout)
            except TimeoutError:
                await feed.close()
                errors.append(ServerUnreachable(f"{server} did not start the room within {self.connect_timeout:g} s"))
                continue
            except RoomError as exc:
                await feed.close()
                errors.append(exc)
                if isinstance(exc, RoomNotFound) and len(self.link.servers) == 1:
                    break
                continue
            except BaseException:
                await feed.close()
                raise
            self.feed, self.server = feed, server
            self._watch_task = asyncio.create_task(self._watch(feed), name="room-listener-watch")
            if self.playout.counters.played_samples:
                self.status.set(RoomStatus.LIVE, server)
            return
        error = errors[0] if len(errors) == 1 else RoomError("; ".join(str(e) for e in errors))
        self.status.set(RoomStatus.ERROR, str(error))
        raise error

    def _call_in_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        # The first audio is noticed on the output's thread (PortAudio's); the status lives on the loop.
        if not loop.is_closed():
            loop.call_soon_threadsafe(self._on_first_audio)

    def _on_first_audio(self) -> None:
        if self.status.current.status == RoomStatus.CONNECTING and self.server is not None:
            self.status.set(RoomStatus.LIVE, self.server)

    async def _watch(self, feed: FeedConnection) -> None:
        reason = await feed.ended
        if self._closed:
            return
        if reason == "ended":
            self.status.set(RoomStatus.ENDED, f"room {self.link.room_id} has ended")
        else:
            self.status.set(RoomStatus.ERROR, reason)
        await feed.close()

    async def close(self) -> None:
        """Leave the room; idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._watch_task is not None:
            self._watch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch_task
        if self.feed is not None:
            await self.feed.close()
        if self.status.current.status in (RoomStatus.CONNECTING, RoomStatus.LIVE):
            self.status.set(RoomStatus.IDLE)
