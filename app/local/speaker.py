"""A speaker on stage N: an AudioBridge participant that sends a track (the demo speaker, test speakers)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from app.aio import CloseOnce
from app.janus import JanusError, JanusSession
from app.janus.audiobridge import AudioBridgeHandle
from app.janus.jsep import close_peer, peer_connection
from app.media.send import enable_fast_audio_level, enable_sender_fec, encode_on_loop

log = logging.getLogger(__name__)


class StageSpeaker:
    """Joins stage `room_id` on `server` and sends `track` until closed.

    With a stage pass (`token`, `stage_id`) it joins a stage whose controller checks the allowed list; the same
    pass lets it join again after a drop, within the controller's reconnect grace."""

    def __init__(self, server: str, room_id: int, track: MediaStreamTrack, *, display: str = "Demo speaker",
                 ice_servers: list[str] | None = None, token: str | None = None,
                 stage_id: int | None = None) -> None:
        self.server = server
        self.room_id = room_id
        self.track = track
        self.display = display
        self.ice_servers = ice_servers
        self.token = token
        self.stage_id = stage_id
        self.session: JanusSession | None = None
        self.pc: RTCPeerConnection | None = None
        self.connected = asyncio.Event()
        self._closer = CloseOnce(self._teardown, f"close stage speaker {server}")

    async def open(self, timeout: float = 10.0) -> None:
        """Join the stage and send; failing or cancelled half-way, it closes what it built."""
        try:
            await self._open(timeout)
        except BaseException:
            await self.close()
            raise

    async def _open(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            self.session = await JanusSession.connect(self.server)
            stage = await AudioBridgeHandle.attach(self.session)
            enable_sender_fec()  # what every speaker sends (app.stage), so the demo room's feed carries FEC too
            enable_fast_audio_level()
            pc = self.pc = peer_connection(self.ice_servers)
            encode_on_loop(pc.addTransceiver(self.track, direction="sendonly").sender)

            @pc.on("connectionstatechange")
            def on_state() -> None:
                if pc.connectionState == "connected":
                    self.connected.set()

            await pc.setLocalDescription(await pc.createOffer())
            offer = {"type": "offer", "sdp": pc.localDescription.sdp, "trickle": False}
            reply = await stage.join(self.room_id, display=self.display, offer=offer, token=self.token,
                                     participant_id=self.stage_id)
            if reply.jsep is None:
                raise JanusError(f"stage {self.room_id} on {self.server} returned no SDP answer")
            await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.jsep["sdp"], type="answer"))
            await self.connected.wait()
        log.info("speaker %r on stage %s at %s", self.display, self.room_id, self.server)

    async def close(self) -> None:
        """Leave the stage; idempotent, every call waits for the one teardown."""
        await self._closer()

    async def _teardown(self) -> None:
        try:
            if self.pc is not None:
                await close_peer(self.pc, f"demo speaker on {self.server}")
        finally:
            if self.session is not None:
                with contextlib.suppress(JanusError):
                    await self.session.close()
