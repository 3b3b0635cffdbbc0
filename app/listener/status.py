"""The listener's connection status as a plain observable model (the UI subscribes; no Qt here)."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from app.events import Event

log = logging.getLogger(__name__)


class RoomStatus(enum.Enum):
    IDLE = "idle"
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"  # the connection was lost; the cushion plays while we retry
    ENDED = "ended"
    ERROR = "error"


@dataclass(frozen=True)
class ReconnectInfo:
    """What the reconnect supervisor is doing, for the banner: "Reconnecting… attempt 3, next try in 2.4 s"."""

    attempt: int  # 1 for the first retry after a loss
    next_try_at: float | None  # time.monotonic() of the next attempt; None while an attempt is running
    server: str  # the server the next (or running) attempt goes to
    reason: str  # why the connection was lost


@dataclass(frozen=True)
class StatusChange:
    status: RoomStatus
    detail: str = ""  # the reason for ERROR / ENDED / RECONNECTING, the server for LIVE
    reconnect: ReconnectInfo | None = None  # set with RECONNECTING


class StatusModel:
    """Holds the current status and tells `changed` about every change."""

    def __init__(self) -> None:
        self.current = StatusChange(RoomStatus.IDLE)
        self.changed: Event[[StatusChange]] = Event("room status")

    def set(self, status: RoomStatus, detail: str = "", reconnect: ReconnectInfo | None = None) -> None:
        change = StatusChange(status, detail, reconnect)
        if change == self.current:
            return
        self.current = change
        log.info("room status: %s%s", status.value, f" ({detail})" if detail else "")
        self.changed.emit(change)
