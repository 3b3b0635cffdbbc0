"""Errors a listener can show to a person as they are (one line, naming the server and the problem)."""

from __future__ import annotations

from app.janus.errors import (
    JanusApiError,
    JanusError,
    MessageTooLarge,
    PluginError,
    ProtocolError,
    RequestTimeout,
    SessionLost,
    TransportClosed,
)


class RoomError(Exception):
    """Joining or staying in a room failed; the message is for the user."""


class RoomNotFound(RoomError):
    def __init__(self, room_id: int, server: str) -> None:
        super().__init__(f"room {room_id} does not exist on {server}")
        self.room_id = room_id
        self.server = server


class NameTaken(RoomError):
    """The room channel on `server` has someone under our username already (ours lingering, or a squatter's)."""

    def __init__(self, server: str) -> None:
        super().__init__(f"our name in the room channel on {server} is taken")
        self.server = server


class ServerUnreachable(RoomError):
    pass


class ServerProtocolError(RoomError):
    """The server sent something Plaza cannot use: a reply of the wrong shape, an offer that is not SDP, a frame
    over the size limit. Retrying the same server is unlikely to help, but it is not proof the room is gone."""


class MediaFailed(RoomError):
    pass


def _named(server: str, text: str) -> str:
    return text if server in text else f"{server}: {text}"


def room_error(exc: JanusError, server: str, room_id: int) -> RoomError:
    """The RoomError a person should see for a Janus-layer failure while joining room `room_id` on `server`."""
    if isinstance(exc, ProtocolError | MessageTooLarge):
        return ServerProtocolError(_named(server, str(exc)))
    if isinstance(exc, TransportClosed | SessionLost | RequestTimeout):
        return ServerUnreachable(f"cannot reach {server}: {exc}")
    if isinstance(exc, JanusApiError | PluginError):
        return RoomError(f"{server} refused room {room_id}: {exc}")
    return RoomError(_named(server, str(exc)))
