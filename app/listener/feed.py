"""One WebRTC subscription to feed N (a Janus Streaming mountpoint) on one server.

RTP is tapped before aiortc's jitter buffer (app.media.rtp_tap) into the `CushionPlayout`, which decodes Opus
itself with FEC and concealment. (The outage benchmark's baseline, aiortc's own path, is a subclass that overrides
the media hooks: benchmarks/plain_receiver.py.)

The connection ends (`ended` resolves with a `FeedEnd`) on session loss, hangup, detach, a "stopped" feed (the
room ended: authoritative), or the media connection closing. `last_media` lets the supervisor's watchdog notice
a feed that went quiet: a dead server looks alive to aiortc for ~29 s.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtp import RtpPacket
from aiortc.sdp import SessionDescription

from app.aio import CloseOnce
from app.janus import JanusError, JanusSession, PluginError
from app.janus.errors import shown
from app.janus.jsep import accept_offer, close_peer, passive_answer, peer_connection
from app.janus.streaming import NO_SUCH_MOUNTPOINT, StreamingHandle
from app.media.cushion import CushionPlayout
from app.media.rtp_tap import RtpTap, advertise_opus_fec
from app.room.errors import MediaFailed, RoomError, RoomNotFound, ServerUnreachable, room_error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedEnd:
    """Why a feed connection ended."""

    reason: str
    room_ended: bool = False  # the server said the feed stopped: the room is over (no reconnect)


def opus_payload_type(sdp: str) -> int | None:
    """The payload type the offer gives Opus (None if it offers no Opus)."""
    try:
        description = SessionDescription.parse(sdp)
    except Exception:  # aiortc's parser raises assorted errors on bad SDP
        return None
    for media in description.media:
        for codec in media.rtp.codecs:
            if codec.mimeType.lower() == "audio/opus":
                return codec.payloadType
    return None


class FeedConnection:
    """Session + streaming handle + PeerConnection for feed `room_id` on `server`."""

    def __init__(self, server: str, room_id: int, playout: CushionPlayout, *,
                 ice_servers: list[str] | None = None,
                 before_first_media: Callable[[], None] | None = None) -> None:
        self.server = server
        self.room_id = room_id
        self.playout = playout
        self.ice_servers = ice_servers
        self.session: JanusSession | None = None
        self.streaming: StreamingHandle | None = None
        self.pc: RTCPeerConnection | None = None
        self.tap: RtpTap | None = None
        self.opened_at: float | None = None  # time.monotonic() when the track arrived
        self.last_media: float | None = None  # time.monotonic() of the newest packet / frame
        self.ended: asyncio.Future[FeedEnd] = asyncio.get_running_loop().create_future()
        self.first_media: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Called once, just before this connection's first media reaches the playout: make-before-break lets an
        # older connection play until then, and this is where it must stop.
        self.before_first_media = before_first_media
        self._closed = False
        self._closer = CloseOnce(self._teardown, f"close feed {server}")

    @property
    def media_quiet_for(self) -> float:
        """Seconds since the newest media (or since the connection opened, before any)."""
        last = self.last_media or self.opened_at
        return 0.0 if last is None else time.monotonic() - last

    async def open(self, timeout: float) -> None:
        """Connect, watch, answer; return once the first audio packet has arrived (raises RoomError).
        Failing or cancelled half-way, it closes what it built: a session left open stays alive on Janus."""
        try:
            await self._open(timeout)
        except BaseException as exc:
            await self.close()
            if isinstance(exc, JanusError):  # whatever the wire or the server did: a typed, one-line reason
                raise room_error(exc, self.server, self.room_id) from None
            if isinstance(exc, OSError):
                raise ServerUnreachable(f"cannot reach {self.server}: {exc.strerror or exc}") from None
            raise

    async def _open(self, timeout: float) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        self.session = await JanusSession.connect(self.server, connect_timeout=min(timeout, 5.0))
        self.session.loss.connect(lambda reason: self._end(f"connection to {self.server} lost: {reason}"))
        self.streaming = await StreamingHandle.attach(self.session)
        self.streaming.handle.events.connect(self._on_event)
        try:
            offer = await self.streaming.watch(self.room_id)
        except PluginError as exc:
            if exc.code == NO_SUCH_MOUNTPOINT:
                raise RoomNotFound(self.room_id, self.server) from None
            raise RoomError(f"{self.server} refused to play room {self.room_id}: {exc.message}") from None
        advertise_opus_fec()
        pc = self.pc = peer_connection(self.ice_servers)
        track_future: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio" and not track_future.done():
                track_future.set_result(track)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState in ("failed", "closed") and not self._closed:
                self._end(f"media connection to {self.server} {pc.connectionState}")

        offer_sdp = await accept_offer(pc, offer, self.server)
        self._prepare_media(pc, offer_sdp)
        # Let Janus be the DTLS client (why: app.janus.jsep.passive_answer).
        await self.streaming.start(await passive_answer(pc, self.server))
        try:
            async with asyncio.timeout(timeout):
                track = await track_future
        except TimeoutError:
            raise MediaFailed(f"no audio track from {self.server}") from None
        self.opened_at = time.monotonic()
        self._track_arrived(track)
        remaining = max(0.0, deadline - asyncio.get_running_loop().time())
        waiters: list[asyncio.Future[Any]] = [self.first_media, self.ended]
        await asyncio.wait(waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        if self.ended.done():
            raise MediaFailed(self.ended.result().reason)
        if not self.first_media.done():
            raise MediaFailed(f"no audio from {self.server} within {timeout:g} s")

    def _prepare_media(self, pc: RTCPeerConnection, offer_sdp: str) -> None:
        """Before the answer: divert the offer's Opus RTP from aiortc's receiver into the cushion."""
        playout = self.playout
        receivers = [t.receiver for t in pc.getTransceivers() if t.kind == "audio"]
        if not receivers:
            raise MediaFailed(f"{self.server} offered no audio for room {self.room_id}")
        pt = opus_payload_type(offer_sdp)
        if pt is None:
            raise MediaFailed(f"{self.server} offers room {self.room_id} without Opus audio")
        def sink(packet: RtpPacket, arrival: float) -> None:
            self.last_media = arrival
            if not self.first_media.done():
                self._on_first_media()
                playout.reanchor()  # a new connection is a new stream, even if the SSRC happens to be the same
            playout.push_packet(packet.ssrc, packet.sequence_number, packet.timestamp, packet.payload, arrival)

        self.tap = RtpTap(receivers[0], sink, payload_type=pt)

    def _track_arrived(self, track: MediaStreamTrack) -> None:
        """aiortc's audio track is here; the tap already takes its packets, so nothing reads it."""

    def _on_first_media(self) -> None:
        if self.before_first_media is not None:
            try:
                self.before_first_media()
            except Exception:
                log.exception("error in before_first_media")
        self.first_media.set_result(None)

    def revive(self) -> bool:
        """Make a connection whose media came back usable again (its session never died); False if it cannot be."""
        if self._closed or self.session is None or self.session.is_lost or not self.ended.done():
            return False
        self.ended = asyncio.get_running_loop().create_future()
        return True

    def stop_media(self) -> None:
        """Stop feeding the playout (a newer connection takes over); idempotent."""
        if self.tap is not None:
            self.tap.close()

    def _on_event(self, message: dict[str, Any]) -> None:
        kind = message.get("janus")
        if kind == "hangup":
            self._end(f"{self.server} hung up ({shown(message.get('reason', 'no reason given'))})")
        elif kind == "detached":
            self._end(f"{self.server} detached the feed")
        elif kind == "event":
            plugindata = message.get("plugindata")
            data = plugindata.get("data") if isinstance(plugindata, dict) else None
            result = data.get("result") if isinstance(data, dict) else None
            if isinstance(result, dict) and result.get("status") == "stopped":
                self._finish(FeedEnd(f"room {self.room_id} has ended", room_ended=True))

    def end(self, reason: str) -> None:
        """Declare this connection dead (the supervisor's media watchdog uses this)."""
        self._end(reason)

    def _end(self, reason: str) -> None:
        self._finish(FeedEnd(reason))

    def _finish(self, end: FeedEnd) -> None:
        if not self.ended.done() and not self._closed:
            self.ended.set_result(end)

    async def close(self) -> None:
        """Tear down media, PeerConnection and session; idempotent, every call waits for the one teardown."""
        self._closed = True
        self.stop_media()
        await self._closer()

    async def _close_media(self) -> None:
        """Release what the media hooks built beyond the PeerConnection (the tap needs nothing)."""

    async def _teardown(self) -> None:
        try:
            await self._close_media()
            if self.pc is not None:
                await close_peer(self.pc, f"feed {self.room_id} on {self.server}")
        finally:
            # Destroying the session detaches its handle on Janus too: no separate detach, which would cost up
            # to 2 s more on a dead link.
            if self.session is not None:
                await self.session.close()
