"""The `plaza` command: window (default), listen, speak (app.cli.speak), host (app.cli.host), start
(app.cli.start), swarm (app.cli.swarm), rooms (app.cli.rooms), serve, demo, controller.

Exit codes of `plaza listen` (also documented in the README):
  0 played for --duration, or the room ended; 2 bad usage or malformed link; 3 could not join (server
  unreachable, room does not exist, the server sent something Plaza cannot use); 5 audio output or recording
  failed; 130 interrupted (Ctrl-C). There is no "connection lost" code: once joined, Plaza retries for as long as
  the room may be live. Every failure is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import __version__
from app.links import SCHEMES

if TYPE_CHECKING:
    from app.controller.controller import RoomController
    from app.links import RoomLink
    from app.listener.listen import ListenSession
    from app.listener.state import RoomState
    from app.listener.stats import ConnectionStats
    from app.listener.status import StatusChange
    from app.local.room import LocalRoom

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_JOIN_FAILED = 3
EXIT_AUDIO = 5
EXIT_INTERRUPTED = 130

log = logging.getLogger("plaza")


def _add_serve_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--room", type=int, default=1234, help="room number (default 1234)")
    p.add_argument("--title", default="Plaza demo room", help="room title")
    p.add_argument("--host", default="127.0.0.1", help="address Janus's WebSocket API listens on")
    p.add_argument("--port", type=int, default=8188, help="WebSocket port (default 8188)")
    p.add_argument("--speaker", default="demo",
                   help="what the demo speaker plays: 'demo' (bundled audio), 'tone:HZ', an audio file, or 'none'")
    # Lab-only: run Janus inside a network namespace and restrict ICE to one interface.
    p.add_argument("--no-controller", action="store_true",
                   help="run without the room controller (listeners then show the stage from a poll, no count)")
    p.add_argument("--invite-hands", action="store_true",
                   help="the controller invites every raised hand on stage (a headless speaker raises its hand)")
    p.add_argument("--netns", default="", help=argparse.SUPPRESS)
    p.add_argument("--ice-interface", default="", help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plaza", description="Live audio rooms: listen, speak, host.")
    parser.add_argument("--version", action="version", version=f"plaza {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    parser.add_argument("--self-test", nargs="?", const="all", metavar="CHECKS",
                        help="check this installation (Qt, translations, audio, Opus, WebRTC, keyring, Janus config) "
                             "and exit; 1 if any check fails. --self-test=NAME[,NAME] runs only those")
    sub = parser.add_subparsers(dest="command")

    w = sub.add_parser("window", help="open the Plaza window (default)")
    w.add_argument("link", nargs="?", help="room link to join at once")

    li = sub.add_parser("listen", help="play a room in the terminal, without a window",
                        epilog="exit codes: 0 played for --duration or the room ended, 2 bad usage or link, "
                               "3 could not join (unreachable, no such room, server sent something unusable), "
                               "5 audio output or recording failed, 130 interrupted")
    li.add_argument("link", help="room link, e.g. plaza://HOST:PORT/ROOM")
    li.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    li.add_argument("--record", metavar="FILE.wav", help="write exactly what is played to a WAV file")
    out = li.add_mutually_exclusive_group()
    out.add_argument("--output-device", type=int, metavar="N", help="output device index (see --list-devices)")
    out.add_argument("--no-audio-device", action="store_true", help="play on the system clock, no sound card")
    li.add_argument("--list-devices", action="store_true", help="print the output devices and exit")
    li.add_argument("--connect-timeout", type=float, default=8.0, metavar="S", help="join timeout (default 8)")
    li.add_argument("--cushion", type=float, default=1.5, metavar="S",
                    help="audio kept in hand to mask outages, 0.2-5 s (default 1.5)")
    li.add_argument("--protected-start", action="store_true",
                    help="start playing once 0.5 s of audio is in hand, so an outage in the first seconds is not "
                         "heard (default: play within ~0.2 s and build the cushion while playing)")
    li.add_argument("--show-state", action="store_true",
                    help="print room state changes (stage, talking, listeners, hands) as lines")
    li.add_argument("--stats", action="store_true", help="print connection and playout counters every 5 s and at exit")

    from app.cli.speak import add_parser as add_speak

    add_speak(sub)
    from app.cli.host import add_parser as add_host

    add_host(sub)
    from app.cli.start import add_parser as add_start

    add_start(sub)
    from app.cli.swarm import add_parser as add_swarm

    add_swarm(sub)
    from app.cli.rooms import add_parser as add_rooms

    add_rooms(sub)
    se = sub.add_parser("serve", help="run a local room: Janus + a demo speaker; prints the room link")
    _add_serve_options(se)

    de = sub.add_parser("demo", help="'plaza serve' plus the window, already joined")
    _add_serve_options(de)

    co = sub.add_parser("controller", help="run a room's controller (announces stage, listener count, hands); "
                                           "the room's secrets come from the OS keyring only")
    co.add_argument("link", help="room link, e.g. plaza://HOST:PORT/ROOM")
    co.add_argument("--title", default=None, help="room title to announce (default: the link's, else 'Room N')")
    co.add_argument("--forward", action="append", default=[], metavar="EDGE_URL=HOST:PORT",
                    help="a cascade (the link has stage=ORIGIN): the origin forwards the stage mix to this edge's "
                         "feed at HOST:PORT, an IP address the origin reaches (repeat for every edge; see "
                         "docs/deployment.md)")
    return parser


def _setup_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if verbose < 2:
        # aioice/aiortc are chatty at INFO; their detail belongs to -vv.
        for noisy in ("aioice", "aiortc"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _fail(message: object) -> None:
    """One line on stderr: server-supplied text may carry newlines or control characters."""
    text = "".join(c if c.isprintable() else " " for c in str(message))
    print(f"plaza: {text[:500]}", file=sys.stderr)


def _link_or_fail(text: str) -> RoomLink | None:
    """The room link a command was given, or None after one line on stderr (the command exits EXIT_USAGE)."""
    from app.links import LinkError, parse_link

    try:
        return parse_link(text)
    except LinkError as exc:
        _fail(f"bad room link: {exc}")
        return None


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


# ------------------------------------------------------------------------------------------------ listen
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

    devices = list_output_devices()
    if not devices:
        print("no audio output devices found (is PortAudio installed? try --no-audio-device)")
    for d in devices:
        print(f"{d.index:3d}  {d.name}{'  (default)' if d.is_default else ''}")
    return EXIT_OK


# ------------------------------------------------------------------------------------------------ serve
def local_room_from_args(args: argparse.Namespace) -> LocalRoom:
    from app.local.room import LocalRoom

    return LocalRoom.from_options(room_id=args.room, title=args.title, host=args.host, port=args.port,
                                  speaker=args.speaker, netns=args.netns, ice_interface=args.ice_interface,
                                  controller=not args.no_controller, invite_hands=args.invite_hands)


async def serve(args: argparse.Namespace) -> int:
    from app.local.janus_process import LocalServerError

    room = local_room_from_args(args)
    stop = _stop_event()
    try:
        try:
            await room.start()
        except (LocalServerError, ValueError) as exc:
            print(f"plaza serve: {exc}", file=sys.stderr)
            return 1
        print(f"Room {room.config.room_id} is live. Link: {room.config.link_text}", flush=True)
        if room.controller is not None:
            await keep_host_pass(room.controller, room.config.link_text, "plaza serve")
        print("Press Ctrl-C to stop.", flush=True)
        assert room.janus is not None and room.janus.process is not None
        janus_exit = asyncio.ensure_future(room.janus.process.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait([janus_exit, stopper], return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if janus_exit.done():
            print(f"plaza serve: Janus exited unexpectedly: {room.janus.log_tail()}", file=sys.stderr)
            return 1
        janus_exit.cancel()
        return EXIT_OK
    finally:
        await room.close()


# ------------------------------------------------------------------------------------------------ controller
async def controller(args: argparse.Namespace) -> int:
    """Secrets from the OS keyring (see app/controller/secret_store.py for the entry names), never argv or env."""
    from app.controller.controller import RoomController
    from app.controller.edge_forwards import parse_forward
    from app.controller.secret_store import SecretsUnavailable, load_controller_secrets, lobby_secrets

    link = _link_or_fail(args.link)
    if link is None:
        return EXIT_USAGE
    try:
        # (getattr: callers that build the Namespace themselves, e.g. tests, predate --forward)
        forwards = [parse_forward(text) for text in getattr(args, "forward", None) or []]
    except ValueError as exc:
        print(f"plaza controller: --forward {exc}", file=sys.stderr)
        return EXIT_USAGE
    strangers = [f.edge for f in forwards if f.edge not in link.servers]
    if strangers or (forwards and not link.stage):
        print(f"plaza controller: --forward names an edge the link does not list ({', '.join(strangers)})"
              if strangers else "plaza controller: --forward needs a link with stage=ORIGIN (a cascade)",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        secrets = load_controller_secrets(link)
    except SecretsUnavailable as exc:
        print(f"plaza controller: {exc}", file=sys.stderr)
        return 1
    room_controller = RoomController(list(link.servers), link.room_id, secrets,
                                     args.title or link.title or f"Room {link.room_id}",
                                     stage_server=link.stage_server, forwards=forwards,
                                     lobby_secrets=lobby_secrets(link.servers))
    stop = _stop_event()
    try:
        await room_controller.start()
        servers = ", ".join(room_controller.connected_servers) or "no server yet (retrying)"
        print(f"Controlling room {link.room_id} as {room_controller.username} on {servers}. Ctrl-C stops.",
              flush=True)
        await keep_host_pass(room_controller, args.link, "plaza controller")
        await stop.wait()
        return EXIT_OK
    finally:
        await room_controller.close()


async def keep_host_pass(room_controller: RoomController, link_text: str, who: str) -> None:
    """Put the room creator's pass in the OS keyring, where `plaza host` on this machine finds it; without a
    keyring (or a reachable stage) the room runs on and one line says what is missing."""
    from app.controller.secret_store import SecretsUnavailable, save_host_pass
    from app.links import parse_link
    from app.room.errors import RoomError

    try:
        save_host_pass(parse_link(link_text), await room_controller.host_pass())
    except (SecretsUnavailable, RoomError) as exc:
        with contextlib.suppress(OSError, ValueError):  # whoever started us may be gone (`plaza start`)
            print(f"{who}: `plaza host` is unavailable for this room: {exc}", file=sys.stderr, flush=True)
        return
    with contextlib.suppress(OSError, ValueError):
        print("The host's pass is in the OS keyring: `plaza host LINK ACTION` on this machine acts as the host.",
              flush=True)


# ------------------------------------------------------------------------------------------------ main
def with_default_command(argv: Sequence[str]) -> list[str]:
    """`plaza LINK` (what the desktop runs for a clicked plaza:// link: `Exec=plaza %u`) means `plaza window LINK`."""
    args = list(argv)
    first = next((i for i, arg in enumerate(args) if not arg.startswith("-")), None)  # (-v, --version take no value)
    if first is not None and "://" in args[first] and args[first].partition("://")[0].lower() in SCHEMES:
        args.insert(first, "window")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(with_default_command(sys.argv[1:] if argv is None else argv))
    _setup_logging(args.verbose)
    if args.self_test is not None:
        from app.cli.self_test import main as self_test

        return self_test(args.self_test)
    command = args.command or "window"
    if command == "listen":
        if args.list_devices:
            return list_devices()
        if args.duration is not None and args.duration <= 0:
            parser.error("--duration must be positive")
        if not 0.2 <= args.cushion <= 5.0:
            parser.error("--cushion must be between 0.2 and 5 seconds")
        return asyncio.run(listen(args))
    if command == "speak":
        from app.cli.speak import list_input_devices, speak

        if args.list_devices:
            return list_input_devices()
        if args.duration is not None and args.duration <= 0:
            parser.error("--duration must be positive")
        return asyncio.run(speak(args))
    if command == "serve":
        return asyncio.run(serve(args))
    if command == "controller":
        return asyncio.run(controller(args))
    if command == "host":
        from app.cli.host import host

        return asyncio.run(host(args))
    if command == "swarm":
        from app.cli.swarm import swarm

        return asyncio.run(swarm(args))
    if command == "start":
        from app.cli.start import start

        return asyncio.run(start(args))
    if command == "rooms":
        from app.cli.rooms import rooms

        return asyncio.run(rooms(args))
    from app.ui.app import run_window

    if command == "demo":
        return run_window(None, local_room=local_room_from_args(args))
    return run_window(getattr(args, "link", None))


if __name__ == "__main__":
    raise SystemExit(main())
