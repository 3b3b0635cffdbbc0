"""Errors a listener can show to a person as they are."""

from __future__ import annotations


class RoomError(Exception):
    """Joining or staying in a room failed; the message is for the user."""


class RoomNotFound(RoomError):
    def __init__(self, room_id: int, server: str) -> None:
        super().__init__(f"room {room_id} does not exist on {server}")
        self.room_id = room_id
        self.server = server


class ServerUnreachable(RoomError):
    pass


class MediaFailed(RoomError):
    pass
