"""A local room: Janus with Plaza's reference config in a private temp folder, and a demo speaker."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from aiortc.mediastreams import MediaStreamTrack

from app.aio import CloseOnce
from app.controller.controller import ControllerSecrets, RoomController
from app.controller.stage_passes import StagePasses
from app.janus.errors import JanusApiError
from app.links import RoomLink, parse_link
from app.local.janus_config import LocalRoomConfig, default_record_dir, record_dir, render, resources_dir
from app.local.janus_process import JanusProcess, LocalServerError, check_port_free, find_janus, free_udp_port
from app.local.network import NoNetworkAddress, check_ice_address, is_ice_setup_error
from app.local.speaker import StageSpeaker
from app.media.sources import FileTrack, ToneTrack
from app.room.protocol import Role

log = logging.getLogger(__name__)

SPEAKER_TIMEOUT_S = 10.0


def demo_audio_path() -> Path:
    return resources_dir() / "audio" / "demo-room.ogg"


class LocalRoom:
    """Owns everything it starts (Janus by PID, the temp folder, the speaker) and removes it on close()."""

    def __init__(
        self,
        config: LocalRoomConfig | None = None,
        *,
        prefix: Sequence[str] = (),
        speaker: str | None = "demo",  # "demo", "tone:440", a file path, or None
        speaker_ice_servers: list[str] | None = None,
        controller: bool = True,  # a headless room controller, so room state exists without a host online
        invite_hands: bool = False,  # the controller invites every raised hand on stage
    ) -> None:
        self.config = config or LocalRoomConfig()
        self.prefix = list(prefix)
        self.speaker_spec = speaker
        self.speaker_ice_servers = speaker_ice_servers
        self.folder: Path | None = None
        self.janus: JanusProcess | None = None
        self.speaker: StageSpeaker | None = None  # the first (demo) speaker
        self.speakers: list[StageSpeaker] = []  # every speaker started here, closed with the room
        self.with_controller = controller
        self.invite_hands = invite_hands
        self.controller: RoomController | None = None
        # Kept across controller restarts, so the speakers' passes stay valid (and on the allowed list).
        self.passes = StagePasses(self.config.room_id)
        self._closed = False
        self._closer = CloseOnce(self._teardown, "close local room")

    @classmethod
    def from_options(cls, *, room_id: int = 1234, title: str = "Plaza demo room", host: str = "127.0.0.1",
                     port: int = 8188, speaker: str = "demo", netns: str = "", ice_interface: str = "",
                     controller: bool = True, invite_hands: bool = False) -> LocalRoom:
        """The room `plaza serve` / `plaza demo` describe (`speaker="none"` for an empty stage)."""
        config = LocalRoomConfig(room_id=room_id, title=title, ws_ip=host, ws_port=port, forward_port=0,
                                 ice_enforce_list=ice_interface, record_dir=str(default_record_dir()))
        prefix = ["ip", "netns", "exec", netns] if netns else []
        return cls(config, prefix=prefix, speaker=None if speaker == "none" else speaker, controller=controller,
                   invite_hands=invite_hands)

    @property
    def record_dir(self) -> Path | None:
        """Where the stage's recordings go (None before start)."""
        return None if self.folder is None else record_dir(self.config, self.folder)

    @property
    def link(self) -> RoomLink:
        return parse_link(self.config.link_text)

    def _speaker_track(self) -> MediaStreamTrack | None:
        spec = self.speaker_spec
        if spec is None:
            return None
        if spec == "demo":
            return FileTrack(str(demo_audio_path()))
        if spec.startswith("tone:"):
            return ToneTrack(float(spec.split(":", 1)[1]))
        return FileTrack(spec)

    async def start(self) -> None:
        find_janus()
        if not self.prefix:  # (with a prefix Janus runs in another network namespace: its addresses are not ours)
            check_ice_address(enforce=self.config.ice_enforce_list, ignore=self.config.ice_ignore_list)
            check_port_free(self.config.ws_ip, self.config.ws_port)
        if self.config.forward_port == 0:
            self.config = replace(self.config, forward_port=free_udp_port())
        track = self._speaker_track()  # fail on a bad audio file before starting anything
        self.folder = Path(tempfile.mkdtemp(prefix="plaza-janus-"))
        try:
            render(self.config, self.folder)
            self.janus = JanusProcess(self.folder, self.config.ws_url, prefix=self.prefix)
            await self.janus.start()
            # The controller first: it closes the stage to anyone without a pass, then hands the speaker one.
            if self.with_controller:
                await self.start_controller()
            if track is not None:
                await self.start_speaker(track)
        except BaseException:
            await self.close()
            raise

    async def start_speaker(self, track: MediaStreamTrack, display: str = "Demo speaker",
                            role: Role | None = None) -> StageSpeaker:
        """Put a speaker on the stage, with a pass from the controller when there is one (the first speaker is the
        host unless `role` says otherwise); ICE failures become LocalServerError, with what to do about them."""
        token = stage_id = None
        if self.controller is not None:
            stage_pass = await self.controller.admit(display, role or (Role.HOST if self.speaker is None
                                                                       else Role.SPEAKER))
            token, stage_id = stage_pass.token, stage_pass.stage_id
        speaker = StageSpeaker(self.config.ws_url, self.config.room_id, track, display=display,
                               ice_servers=self.speaker_ice_servers, token=token, stage_id=stage_id)
        try:
            await speaker.open(SPEAKER_TIMEOUT_S)
        except BaseException as exc:
            await speaker.close()
            if self.controller is not None and stage_id is not None:
                with contextlib.suppress(Exception):
                    await self.controller.revoke(stage_id)
            if isinstance(exc, JanusApiError) and is_ice_setup_error(exc.code, exc.reason):
                raise NoNetworkAddress() from exc  # the address check passed, yet Janus found none
            if isinstance(exc, TimeoutError):
                raise LocalServerError(f"the demo speaker's audio did not connect to the local Janus within "
                                       f"{SPEAKER_TIMEOUT_S:g} s (a firewall dropping UDP?)") from None
            raise
        self.speakers.append(speaker)
        if self.speaker is None:
            self.speaker = speaker
        return speaker

    async def start_controller(self) -> RoomController:
        """Start the room's controller with the generated secrets (in this process; tests restart it)."""
        await self.stop_controller()
        room_secrets = self.config.secrets
        controller = RoomController([self.config.ws_url], self.config.room_id,
                                    ControllerSecrets(stage=room_secrets.stage, feed=room_secrets.feed,
                                                      channel=room_secrets.channel),
                                    self.config.title, ice_servers=self.speaker_ice_servers, passes=self.passes,
                                    invite_hands=self.invite_hands,
                                    lobby_secrets={self.config.ws_url: room_secrets.lobby})
        self.controller = controller
        await controller.start()
        return controller

    async def stop_controller(self) -> None:
        controller, self.controller = self.controller, None
        if controller is not None:
            await controller.close()

    async def close(self) -> None:
        """Stop the controller, the speaker and Janus, remove the temp folder; idempotent (every call waits for
        the one teardown)."""
        self._closed = True
        await self._closer()

    async def _teardown(self) -> None:
        with contextlib.suppress(Exception):
            await self.stop_controller()
        for speaker in self.speakers:
            with contextlib.suppress(Exception):
                await speaker.close()
        if self.janus is not None:
            await self.janus.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
