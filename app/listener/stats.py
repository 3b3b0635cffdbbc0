"""Connection statistics for `plaza listen --stats` and the window's connection details dialog.

Plain data, filled by `ListenSession.stats()`; front ends only format it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.media.counters import PlayoutStats

__all__ = ["ConnectionStats", "PlayoutStats", "ReconnectRecord"]


@dataclass(frozen=True)
class ReconnectRecord:
    """One loss and what followed it (the reconnect history)."""

    lost_at: float  # wall-clock time.time() of the loss
    reason: str  # why the connection was lost
    server: str  # the server that was lost
    attempts: int = 0  # attempts made so far / until success
    recovered_at: float | None = None  # wall-clock time the new connection played again; None while retrying
    recovered_server: str | None = None


@dataclass(frozen=True)
class ConnectionStats:
    server: str | None = None  # the server playing now
    status: str = "idle"  # RoomStatus value
    rtt_ms: float | None = None  # Janus request round trip (keepalive), None before the first one
    loss_percent: float = 0.0  # packets_lost / (received + lost) * 100
    playout: PlayoutStats = field(default_factory=PlayoutStats)
    reconnects: tuple[ReconnectRecord, ...] = ()
