"""The `plaza` command: window (default), listen (app.cli.listen), speak (app.cli.speak), host (app.cli.host), start
(app.cli.start), swarm (app.cli.swarm), rooms (app.cli.rooms), serve, demo and controller (app.cli.serve). This
module parses the command line, holds what every command shares (exit codes, one-line errors) and dispatches.

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
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from app import __version__
from app.links import SCHEMES
from app.sweep import freeze_startup_objects

if TYPE_CHECKING:
    from app.links import RoomLink

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


def print_devices(devices: Sequence[Any], none_found: str) -> int:
    """`--list-devices` of listen and speak: one line per device (index, name, the default marked)."""
    if not devices:
        print(none_found)
    for d in devices:
        print(f"{d.index:3d}  {d.name}{'  (default)' if d.is_default else ''}")
    return EXIT_OK


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


# ------------------------------------------------------------------------------------------------ main
def with_default_command(argv: Sequence[str]) -> list[str]:
    """`plaza LINK` (what the desktop runs for a clicked plaza:// link: `Exec=plaza %u`) means `plaza window LINK`."""
    args = list(argv)
    first = next((i for i, arg in enumerate(args) if not arg.startswith("-")), None)  # (-v, --version take no value)
    if first is not None and "://" in args[first] and args[first].partition("://")[0].lower() in SCHEMES:
        args.insert(first, "window")
    return args


def _preload_and_freeze() -> None:
    """Import what every command's connections use (the commands import their own modules lazily, so aiortc, PyAV
    and numpy would come in later), then keep all of it out of every collection (app.sweep): ~50,000 objects."""
    import aiortc  # noqa: F401
    import numpy  # noqa: F401

    freeze_startup_objects()


def _run(work: Coroutine[Any, Any, int]) -> int:
    """Run a command's coroutine with its startup objects frozen."""
    _preload_and_freeze()
    return asyncio.run(work)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(with_default_command(sys.argv[1:] if argv is None else argv))
    _setup_logging(args.verbose)
    if args.self_test is not None:
        from app.cli.self_test import main as self_test

        return self_test(args.self_test)
    command = args.command or "window"
    if command == "listen":
        from app.cli.listen import list_devices, listen

        if args.list_devices:
            return list_devices()
        if args.duration is not None and args.duration <= 0:
            parser.error("--duration must be positive")
        if not 0.2 <= args.cushion <= 5.0:
            parser.error("--cushion must be between 0.2 and 5 seconds")
        return _run(listen(args))
    if command == "speak":
        from app.cli.speak import list_input_devices, speak

        if args.list_devices:
            return list_input_devices()
        if args.duration is not None and args.duration <= 0:
            parser.error("--duration must be positive")
        return _run(speak(args))
    if command in ("serve", "controller"):
        from app.cli.serve import controller, serve

        return _run((serve if command == "serve" else controller)(args))
    if command == "host":
        from app.cli.host import host

        return _run(host(args))
    if command == "swarm":
        from app.cli.swarm import swarm

        return _run(swarm(args))
    if command == "start":
        from app.cli.start import start

        return _run(start(args))
    if command == "rooms":
        from app.cli.rooms import rooms

        return _run(rooms(args))
    from app.ui.app import run_window

    _preload_and_freeze()
    if command == "demo":
        from app.cli.serve import local_room_from_args

        return run_window(None, local_room=local_room_from_args(args))
    return run_window(getattr(args, "link", None))


if __name__ == "__main__":
    raise SystemExit(main())
