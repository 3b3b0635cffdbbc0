"""One connection to stage N (an AudioBridge room) on one server: the microphone goes up, the mix comes down.

AudioBridge sends every participant its own mix of everyone but that participant (mix-minus), so what comes down
is the stage without our own voice, ~100 ms after it was spoken: the speaker's monitor. It is tapped before
aiortc's jitter buffer into a `CushionPlayout` with a small target (conversation needs low latency; FEC and
concealment still apply), the same path the listener's feed takes (app.listener.feed).

Joining needs a stage pass (app.room.stage_protocol.StagePass) once the controller has turned on AudioBridge's
`allowed` list: without one, or with a used or revoked one, Janus refuses the join (UNAUTHORIZED) and this raises
`StageRefused`. We join muted (as Spaces do); `set_muted` tells Janus, so everyone sees the state, and the track
sends silence meanwhile.

A pass carries a fixed participant id, and AudioBridge refuses a second participant with the same id (ID_EXISTS).
A connection that died without reaching Janus (network loss) leaves its session there, seat included, for up to
`session_timeout` (60 s): so a rejoin first ends the sessions earlier connections may have left (`stale_sessions`,
from their `left_behind`), through Janus's `claim` (JanusSession.end_other), and only then joins.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiortc import RTCPeerConnection
from aiortc.rtp import RtpPacket

from app.aio import CloseOnce
from app.janus import JanusError, JanusSession, PluginError
from app.janus.audiobridge import NO_SUCH_ROOM, UNAUTHORIZED, AudioBridgeHandle
from app.janus.errors import shown
from app.janus.jsep import accept_answer, close_peer, peer_connection
from app.listener.feed import opus_payload_type
from app.media.capture import MicTrack
from app.media.cushion import CushionPlayout
from app.media.rtp_tap import RtpTap, advertise_opus_fec
from app.media.send import enable_fast_audio_level, enable_sender_fec, encode_on_loop
from app.room.errors import MediaFailed, RoomError, RoomNotFound, ServerUnreachable, room_error
from app.room.stage_protocol import StagePass

log = logging.getLogger(__name__)

MONITOR_CUSHION_MS = 100.0  # the 60-150 ms: one lost packet's worth of FEC lookahead and 4 of jitter
MONITOR_START_MS = 60.0


class StageRefused(RoomError):
    """The stage would not let us on: no pass, or a used, expired or revoked one."""


@dataclass(frozen=True)
class StageEnd:
    reason: str
    removed: bool = False  # kicked or the room destroyed: do not rejoin


def monitor_playout() -> CushionPlayout:
    """The playout for the stage mix: small cushion, same FEC/concealment as the feed's."""
    return CushionPlayout(cushion_ms=MONITOR_CUSHION_MS, start_ms=MONITOR_START_MS)


class StageConnection:
    """Session + AudioBridge handle + a sendrecv PeerConnection for stage `stage_pass.room` on `server`."""

    def __init__(self, server: str, stage_pass: StagePass, mic: MicTrack, monitor: CushionPlayout, *,
                 display: str = "", ice_servers: list[str] | None = None, stale_sessions: Sequence[int] = ()) -> None:
        self.server = server
        self.stage_pass = stage_pass
        self.room_id = stage_pass.room
        self.mic = mic
        self.monitor = monitor
        self.display = display
        self.ice_servers = ice_servers
        self.session: JanusSession | None = None
        self.stage: AudioBridgeHandle | None = None
        self.pc: RTCPeerConnection | None = None
        self.tap: RtpTap | None = None
        self.last_media: float | None = None
        loop = asyncio.get_running_loop()
        self.ended: asyncio.Future[StageEnd] = loop.create_future()
        self.first_media: asyncio.Future[None] = loop.create_future()
        self._stale = list(stale_sessions)  # ended one by one before we join: what is left may still hold our seat
        self._closed = False
        self._closer = CloseOnce(self._teardown, f"close stage {server}")

    @property
    def left_behind(self) -> list[int]:
        """Sessions on the server that may still hold our seat after this connection: the stale ones it did not end,
        and its own unless Janus confirmed destroying it. The next connection with this pass ends them first."""
        own = self.session
        mine = [own.session_id] if own is not None and own.session_id is not None and not own.destroyed else []
        return [*self._stale, *mine]

    async def open(self, timeout: float = 10.0) -> None:
        """Join the stage (muted) and return once the mix flows; raises RoomError (StageRefused for a bad pass).
        Failing or cancelled half-way, it closes what it built."""
        try:
            async with asyncio.timeout(timeout):
                await self._open()
        except BaseException as exc:
            await self.close()
            if isinstance(exc, TimeoutError):
                raise MediaFailed(f"no stage audio from {self.server} within {timeout:g} s") from None
            if isinstance(exc, PluginError):
                raise self._refusal(exc) from None
            if isinstance(exc, JanusError):
                raise room_error(exc, self.server, self.room_id) from None
            if isinstance(exc, OSError):
                raise ServerUnreachable(f"cannot reach {self.server}: {exc.strerror or exc}") from None
            raise

    def _refusal(self, exc: PluginError) -> RoomError:
        if exc.code == UNAUTHORIZED:
            return StageRefused(f"stage {self.room_id} on {self.server} refused the stage pass (no invite, or a "
                                "used, expired or revoked one)")
        if exc.code == NO_SUCH_ROOM:
            return RoomNotFound(self.room_id, self.server)
        return RoomError(f"{self.server} refused to put us on stage {self.room_id}: {exc.message}")

    async def _open(self) -> None:
        self.session = await JanusSession.connect(self.server)
        self.session.loss.connect(lambda reason: self._end(f"connection to {self.server} lost: {reason}"))
        while self._stale:
            await self.session.end_other(self._stale[0])
            del self._stale[0]
        stage = self.stage = await AudioBridgeHandle.attach(self.session)
        stage.handle.events.connect(self._on_event)
        advertise_opus_fec()
        enable_sender_fec()
        enable_fast_audio_level()
        pc = self.pc = peer_connection(self.ice_servers)
        transceiver = pc.addTransceiver(self.mic, direction="sendrecv")
        encode_on_loop(transceiver.sender)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            if pc.connectionState in ("failed", "closed") and not self._closed:
                self._end(f"media connection to {self.server} {pc.connectionState}")

        await pc.setLocalDescription(await pc.createOffer())
        pt = opus_payload_type(pc.localDescription.sdp)
        if pt is None:
            raise MediaFailed("this build of aiortc offers no Opus")
        self.tap = RtpTap(transceiver.receiver, self._sink, payload_type=pt)
        offer = {"type": "offer", "sdp": pc.localDescription.sdp, "trickle": False}
        p = self.stage_pass
        reply = await stage.join(p.room, display=self.display, offer=offer, muted=True, token=p.token,
                                 participant_id=p.stage_id)
        await accept_answer(pc, reply.jsep, self.server)
        waiters: list[asyncio.Future[Any]] = [self.first_media, self.ended]
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        if self.ended.done():
            raise MediaFailed(self.ended.result().reason)
        log.info("on stage %s at %s as %s", self.room_id, self.server, p.stage_id)

    def _sink(self, packet: RtpPacket, arrival: float) -> None:
        self.last_media = arrival
        if not self.first_media.done():
            self.first_media.set_result(None)
            self.monitor.reanchor()
        self.monitor.push_packet(packet.ssrc, packet.sequence_number, packet.timestamp, packet.payload, arrival)

    @property
    def media_quiet_for(self) -> float:
        return 0.0 if self.last_media is None else time.monotonic() - self.last_media

    async def set_muted(self, muted: bool) -> None:
        """Self-mute/unmute: silence at once locally, then tell Janus (everyone sees it in the room state)."""
        self.mic.muted = muted
        if self.stage is None:
            raise RoomError(f"not on stage {self.room_id}")
        try:
            await self.stage.configure(muted=muted, timeout=5.0)
        except JanusError as exc:
            raise room_error(exc, self.server, self.room_id) from None

    def _on_event(self, message: dict[str, Any]) -> None:
        kind = message.get("janus")
        if kind == "hangup":
            self._end(f"{self.server} hung up ({shown(message.get('reason', 'no reason given'))})")
        elif kind == "detached":
            self._end(f"{self.server} detached the stage")
        elif kind == "event":
            plugindata = message.get("plugindata")
            data = plugindata.get("data") if isinstance(plugindata, dict) else None
            if not isinstance(data, dict):
                return
            if data.get("audiobridge") == "destroyed":
                self._finish(StageEnd(f"stage {self.room_id} was closed", removed=True))
            elif data.get("kicked") == self.stage_pass.stage_id or data.get("result") == "kicked":
                self._finish(StageEnd(f"removed from stage {self.room_id} by a host", removed=True))

    def end(self, reason: str) -> None:
        self._end(reason)

    def _end(self, reason: str) -> None:
        self._finish(StageEnd(reason))

    def _finish(self, end: StageEnd) -> None:
        if not self.ended.done() and not self._closed:
            self.ended.set_result(end)

    async def close(self) -> None:
        """Leave the stage and release the connection; idempotent (every call waits for the one teardown).
        The microphone belongs to the caller and stays open (a reconnect reuses it)."""
        self._closed = True
        if self.tap is not None:
            self.tap.close()
        await self._closer()

    async def _teardown(self) -> None:
        try:
            if self.stage is not None and self.session is not None and not self.session.is_lost:
                try:
                    await self.stage.leave()
                except (JanusError, OSError) as exc:
                    log.info("leaving stage %s on %s: %s", self.room_id, self.server, exc)
            if self.pc is not None:
                await close_peer(self.pc, f"stage {self.room_id} on {self.server}")
        finally:
            if self.session is not None:
                await self.session.close()
