"""Connection statistics for `plaza listen --stats` and the window's connection details dialog.

Plain data, filled by `ListenSession.stats()`; front ends only format it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
class PlayoutStats:
    """The outage-masking playout's counters (milliseconds unless named otherwise)."""

    cushion_ms: float = 0.0  # audio buffered now
    target_ms: float = 0.0  # the cushion it is growing / shrinking towards
    masked_gap_ms: float = 0.0  # network gaps the listener did not hear
    audible_gap_ms: float = 0.0  # output that was concealment fade / comfort noise instead of the room
    content_skipped_ms: float = 0.0  # live content that never arrived and was skipped over
    concealed_frames: int = 0  # 20 ms frames synthesised by PLC
    fec_recoveries: int = 0  # frames rebuilt from in-band FEC
    drift_ppm: float = 0.0  # sender clock vs our clock
    packets_received: int = 0
    packets_lost: int = 0
    late_packets: int = 0  # arrived after their play time
    duplicate_packets: int = 0
    jitter_ms: float = 0.0  # RFC 3550 interarrival jitter


@dataclass(frozen=True)
class ConnectionStats:
    server: str | None = None  # the server playing now
    status: str = "idle"  # RoomStatus value
    rtt_ms: float | None = None  # Janus request round trip (keepalive), None before the first one
    loss_percent: float = 0.0  # packets_lost / (received + lost) * 100
    playout: PlayoutStats = field(default_factory=PlayoutStats)
    reconnects: tuple[ReconnectRecord, ...] = ()
