"""Start and end a room on a running Janus through its API: stage N, feed N fed by the stage's RTP forward, channel N.

A host's room is made the way the local room's config makes one (resources/janus/*.jcfg.in: the same AudioBridge
settings, Opus with in-band FEC, the forward on the server's loopback), with fresh random secrets that only the
controller keeps (OS keyring). Rooms made here are not permanent in Janus's config files: a Janus restart forgets
them, so the controller makes them again from the same `RoomSpec` when it reconnects (app.controller.controller).
`admin_key` is the plugins' `admin_key` from the server's configuration when it sets one (the same key for the three
plugins); it comes from the OS keyring, never argv. Ending destroys all three, so every listener's feed stops
("ended") and nobody reconnects to a room that is gone.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from app.controller.link import ControllerSecrets
from app.janus import JanusError, JanusSession, PluginError
from app.janus.audiobridge import NO_SUCH_ROOM, AudioBridgeHandle
from app.janus.handle import PluginHandle
from app.janus.streaming import StreamingHandle
from app.janus.textroom import TextRoomHandle
from app.room.errors import RoomError

log = logging.getLogger(__name__)

ROOM_ID_RANGE = (10_000, 2**31 - 1)  # clear of the small numbers configured rooms use; an int32 for every client
ROOM_EXISTS = 486  # AudioBridge/Streaming/TextRoom "already exists" (janus_audiobridge.c ERROR_ROOM_EXISTS)
GONE_CODES = (NO_SUCH_ROOM, 417, 455)  # AudioBridge, TextRoom no such room; Streaming no such mountpoint
OPUS_PT = 100
MAX_TITLE = 100


@dataclass(frozen=True, repr=False)
class RoomSpec:
    """Everything needed to make room `room_id` on `server` (again, after a Janus restart)."""

    server: str
    room_id: int
    title: str
    secrets: ControllerSecrets
    admin_key: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # secrets and the admin key stay out of logs
        return f"RoomSpec(server={self.server!r}, room_id={self.room_id}, title={self.title!r})"


def new_spec(server: str, title: str, *, room_id: int | None = None, admin_key: str | None = None) -> RoomSpec:
    """A room to make: a random number unless given, fresh secrets."""
    title = title.strip()[:MAX_TITLE] or "Plaza room"
    number = room_id if room_id is not None else secrets.randbelow(ROOM_ID_RANGE[1] - ROOM_ID_RANGE[0]) + \
        ROOM_ID_RANGE[0]
    return RoomSpec(server, number, title, ControllerSecrets(stage=secrets.token_urlsafe(24),
                                                             feed=secrets.token_urlsafe(24),
                                                             channel=secrets.token_urlsafe(24)), admin_key)


def gone_room(exc: BaseException) -> bool:
    """Whether a failure says one of the room's objects does not exist (a Janus restart forgot a made room)."""
    return isinstance(exc, PluginError) and exc.code in GONE_CODES


def _with_key(body: dict[str, Any], spec: RoomSpec) -> dict[str, Any]:
    return {**body, "admin_key": spec.admin_key} if spec.admin_key else body


async def make_room(spec: RoomSpec, *, timeout: float = 5.0) -> None:
    """Create the three objects and the forward; on any failure, remove what was made and raise RoomError."""
    try:
        session = await JanusSession.connect(spec.server, request_timeout=timeout)
    except (JanusError, OSError) as exc:
        raise RoomError(f"cannot reach {spec.server}: {exc}") from None
    made: list[tuple[PluginHandle, dict[str, Any]]] = []
    try:
        feed = (await StreamingHandle.attach(session)).handle
        stage = (await AudioBridgeHandle.attach(session)).handle
        channel = (await TextRoomHandle.attach(session)).handle
        n, s = spec.room_id, spec.secrets
        reply = await feed.message(_with_key({
            "request": "create", "type": "rtp", "id": n, "description": spec.title, "secret": s.feed,
            "is_private": False, "permanent": False, "audio": True, "video": False, "audioport": 0,
            "audioiface": "127.0.0.1", "audiopt": OPUS_PT, "audiocodec": "opus", "audiofmtp": "useinbandfec=1"},
            spec), timeout=timeout)
        made.append((feed, {"request": "destroy", "id": n, "secret": s.feed}))
        stream = reply.data.get("stream")
        port = stream.get("audio_port") if isinstance(stream, dict) else None
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise RoomError(f"{spec.server} made feed {n} but did not say its RTP port")
        await stage.message(_with_key({
            "request": "create", "room": n, "description": spec.title, "secret": s.stage, "is_private": False,
            "permanent": False, "sampling_rate": 48000, "audiolevel_ext": True, "audiolevel_event": True,
            "audio_active_packets": 10, "audio_level_average": 40, "default_prebuffering": 4,
            "default_expectedloss": 10}, spec), timeout=timeout)
        made.append((stage, {"request": "destroy", "room": n, "secret": s.stage}))
        await stage.message(_with_key({
            "request": "rtp_forward", "room": n, "secret": s.stage, "host": "127.0.0.1", "host_family": "ipv4",
            "port": port, "ptype": OPUS_PT, "codec": "opus", "always_on": True}, spec), timeout=timeout)
        await channel.message(_with_key({
            "request": "create", "room": n, "description": spec.title, "secret": s.channel, "is_private": False,
            "permanent": False, "history": 0}, spec), timeout=timeout)
        made.append((channel, {"request": "destroy", "room": n, "secret": s.channel}))
        log.info("made room %s on %s", n, spec.server)
    except BaseException as exc:
        for handle, body in reversed(made):
            try:
                await handle.message(body, timeout=timeout)
            except JanusError as undo:
                log.warning("could not undo a half-made room %s on %s: %s", spec.room_id, spec.server, undo)
        if isinstance(exc, PluginError):
            if exc.code == ROOM_EXISTS:
                raise RoomError(f"room {spec.room_id} already exists on {spec.server}") from None
            raise RoomError(f"{spec.server} would not make room {spec.room_id}: {exc.message}") from None
        if isinstance(exc, JanusError):
            raise RoomError(f"{spec.server} would not make room {spec.room_id}: {exc}") from None
        raise
    finally:
        await session.close()


async def end_room(spec: RoomSpec, *, timeout: float = 5.0) -> None:
    """Destroy the three objects (the feed's listeners see it stop: the room ended); raises RoomError for the
    first one that could not be destroyed (an object already gone counts as destroyed)."""
    try:
        session = await JanusSession.connect(spec.server, request_timeout=timeout)
    except (JanusError, OSError) as exc:
        raise RoomError(f"cannot reach {spec.server}: {exc}") from None
    failed: list[str] = []
    try:
        n, s = spec.room_id, spec.secrets
        for attach, body in ((TextRoomHandle.attach, {"request": "destroy", "room": n, "secret": s.channel}),
                             (AudioBridgeHandle.attach, {"request": "destroy", "room": n, "secret": s.stage}),
                             (StreamingHandle.attach, {"request": "destroy", "id": n, "secret": s.feed})):
            try:
                handle: PluginHandle = (await attach(session)).handle
                await handle.message(body, timeout=timeout)
            except PluginError as exc:
                if exc.code not in GONE_CODES:  # already gone
                    failed.append(f"{body['request']} {exc.plugin}: {exc.message}")
            except JanusError as exc:
                failed.append(str(exc))
    finally:
        await session.close()
    if failed:
        raise RoomError(f"room {spec.room_id} on {spec.server} was not fully ended: {'; '.join(failed)}")
    log.info("ended room %s on %s", spec.room_id, spec.server)
