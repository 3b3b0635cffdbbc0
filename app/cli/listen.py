"""`plaza listen`: hear a room from a terminal (status lines, state lines, optional stats), and `--list-devices`.

Imports of the audio and network stack stay inside the functions: `plaza --version` and the window's start
should not pay for them.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from app.cli import (
    EXIT_AUDIO,
    EXIT_INTERRUPTED,
    EXIT_JOIN_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    _fail,
    _link_or_fail,
    _stop_event,
    print_devices,
)

if TYPE_CHECKING:
    from app.listener.listen import ListenSession
    from app.listener.state import RoomState
    from app.listener.stats import ConnectionStats
    from app.listener.status import StatusChange

__all__ = ["list_devices", "listen", "state_line", "stats_text"]


async def listen(args: argparse.Namespace) -> int:
    from app.janus.errors import JanusError
    from app.listener.listen import ListenSession
    from app.listener.status import RoomStatus
    from app.media.output import AudioOutputError
    from app.room.errors import RoomError

    link = _link_or_fail(args.link)
    if link is None:
        return EXIT_USAGE
    session = ListenSession(
        link,
        use_device=not args.no_audio_device,
        device=args.output_device,
        record=args.record,
        connect_timeout=args.connect_timeout,
        fall_back_to_clock=False,
        cushion_ms=args.cushion * 1000.0,
        protected_start=args.protected_start,
    )
    stop = _stop_event()
    ended = asyncio.Event()
    session.status.changed.connect(lambda change: print(_status_line(change), flush=True))
    stats_task: asyncio.Task[None] | None = None
    if args.show_state:
        session.state.changed.connect(lambda state, change: print(state_line(state), flush=True))

    def on_status(change: StatusChange) -> None:
        if change.status == RoomStatus.ENDED:
            ended.set()

    session.status.changed.connect(on_status)
    try:
        try:
            await session.start()
        except (RoomError, JanusError) as exc:  # JanusError: app.listener.feed maps them all; a backstop
            _fail(exc)
            return EXIT_JOIN_FAILED
        except AudioOutputError as exc:
            _fail(f"{exc} (use --no-audio-device to play without one)")
            return EXIT_AUDIO
        except OSError as exc:
            _fail(exc)
            return EXIT_AUDIO
        if args.stats:
            stats_task = asyncio.create_task(_print_stats_every(session, 5.0))
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(ended.wait())]
        try:
            await asyncio.wait(waiters, timeout=args.duration, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        # Once joined, the supervisor never gives up while the room may be live: only Ctrl-C, --duration or an
        # authoritative end get here.
        return EXIT_INTERRUPTED if stop.is_set() else EXIT_OK
    finally:
        if stats_task is not None:
            stats_task.cancel()
        if args.stats:
            print(stats_text(session.stats()), flush=True)
        await session.close()


def _status_line(change: StatusChange) -> str:
    from app.listener.status import RoomStatus

    line = f"status: {change.status.value}" + (f" ({change.detail})" if change.detail else "")
    info = change.reconnect
    if change.status == RoomStatus.RECONNECTING and info is not None:
        import time

        when = (f"next try in {max(0.0, info.next_try_at - time.monotonic()):.1f} s"
                if info.next_try_at is not None else "connecting")
        line += f" attempt {info.attempt} to {info.server}, {when}"
    return line


async def _print_stats_every(session: ListenSession, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        print(stats_text(session.stats()), flush=True)


def state_line(state: RoomState) -> str:
    """`--show-state` output: the whole room state on one line (who talks, who is muted, count, hands)."""
    import time

    members = []
    for m in state.members:
        flags = [m.role.value] + (["muted"] if m.muted else []) + (["talking"] if m.talking else [])
        members.append(f"{m.name}({', '.join(flags)})")
    if state.listeners is None:
        count = "unknown"
    else:
        age = max(0.0, time.time() - state.listeners.measured_at)
        count = f"{state.listeners.count}" + (f" (measured {age:.0f} s ago)" if age >= 10 else "")
    hands = ", ".join(h.name or h.id for h in state.hands)
    return (f"state: stage [{'; '.join(members)}] listeners={count} hands={state.hands_total}"
            f"{f' [{hands}]' if hands else ''} source={state.source.value}{' RECORDING' if state.recording else ''}"
            f"{' ENDED' if state.ended else ''}")


def stats_text(stats: ConnectionStats) -> str:
    """`--stats` output: one line of counters, and one line per reconnect so far."""
    p = stats.playout
    rtt = "-" if stats.rtt_ms is None else f"{stats.rtt_ms:.0f}ms"
    lines = [
        f"stats: server={stats.server or '-'} status={stats.status} rtt={rtt} loss={stats.loss_percent:.1f}% "
        f"jitter={p.jitter_ms:.1f}ms cushion={p.cushion_ms:.0f}/{p.target_ms:.0f}ms "
        f"protection={p.protection_ms:.0f}ms "
        f"masked_gap={p.masked_gap_ms:.0f}ms audible_gap={p.audible_gap_ms:.0f}ms "
        f"content_skipped={p.content_skipped_ms:.0f}ms concealed_frames={p.concealed_frames} "
        f"fec_recoveries={p.fec_recoveries} drift={p.drift_ppm:+.0f}ppm packets={p.packets_received} "
        f"lost={p.packets_lost} late={p.late_packets} duplicate={p.duplicate_packets} "
        f"reconnects={len(stats.reconnects)}"
    ]
    for r in stats.reconnects:
        outcome = (f"back on {r.recovered_server} after {r.recovered_at - r.lost_at:.2f} s"
                   if r.recovered_at is not None else "still retrying")
        lines.append(f"reconnect: lost {r.server} ({r.reason}); {r.attempts} attempt(s); {outcome}")
    return "\n".join(lines)


def list_devices() -> int:
    from app.media.output import list_output_devices

    return print_devices(list_output_devices(),
                         "no audio output devices found (is PortAudio installed? try --no-audio-device)")

