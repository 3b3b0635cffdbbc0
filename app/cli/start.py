"""`plaza start SERVER --title T`: start a room on a running Janus, control it, and end it when done.

It makes stage N, feed N (fed by the stage's forward) and channel N through the Janus API (app.controller.
room_maker), keeps the room's fresh secrets in the OS keyring (so `plaza controller LINK` can take over elsewhere)
and the creator's pass beside them (so `plaza host` and the window on this machine are the host), prints the link
to share, and runs the room's controller. The room ends — announced as ended, then taken down on Janus — when a
host ends it, or on Ctrl-C here. A server whose plugins set an `admin_key` needs it in the keyring entry
`server@HOST:PORT/admin`; nothing secret is ever read from argv.

Exit codes: 0 the room ran and ended, 1 no usable keyring, 2 bad usage, 3 the room could not be made there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from app.cli import EXIT_JOIN_FAILED, EXIT_OK, EXIT_USAGE, _fail, _stop_event, keep_host_pass

EXIT_NO_KEYRING = 1


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sp = sub.add_parser("start", help="start a room on a Janus server, run it, and end it with Ctrl-C",
                        epilog="exit codes: 0 ran and ended, 1 no usable OS keyring, 2 bad usage, "
                               "3 the room could not be made there")
    sp.add_argument("server", help="the Janus server's WebSocket address, e.g. wss://rooms.example.org/janus")
    sp.add_argument("--title", required=True, help="the room's title")
    sp.add_argument("--room", type=int, default=None, metavar="N", help="room number (default: a random one)")


def say(text: str) -> None:
    """A line on stdout; the window that started us may be gone (its pipe closed): the room goes on regardless."""
    with contextlib.suppress(OSError, ValueError):
        print(text, flush=True)


async def start(args: argparse.Namespace) -> int:
    from app.controller.controller import RoomController
    from app.controller.room_maker import end_room, make_room, new_spec
    from app.controller.secret_store import SecretsUnavailable, load_admin_key, save_controller_secrets
    from app.links import LinkError, RoomLink, format_link, parse_link
    from app.room.errors import RoomError

    try:
        link = parse_link(format_link(RoomLink(args.room or 1, (args.server,))))  # checks the address
    except LinkError as exc:
        _fail(f"bad server address: {exc}")
        return EXIT_USAGE
    server = link.servers[0]
    try:
        admin_key = load_admin_key(server)
    except SecretsUnavailable as exc:
        _fail(f"plaza start needs the OS keyring to keep the room's secrets: {exc}")
        return EXIT_NO_KEYRING
    spec = new_spec(server, args.title, room_id=args.room, admin_key=admin_key)
    try:
        await make_room(spec)
    except RoomError as exc:
        _fail(exc)
        return EXIT_JOIN_FAILED
    link = RoomLink(spec.room_id, (server,), spec.title)
    controller = RoomController([server], spec.room_id, spec.secrets, spec.title, spec=spec)
    stop = _stop_event()
    try:
        try:
            save_controller_secrets(link, spec.secrets)
        except SecretsUnavailable as exc:
            _fail(f"plaza start needs the OS keyring to keep the room's secrets: {exc}")
            return EXIT_NO_KEYRING
        await controller.start()
        say(f"Room {spec.room_id} is live. Link: {format_link(link)}")
        await keep_host_pass(controller, format_link(link), "plaza start")
        say("Ctrl-C (or a host's `end`) ends the room for everyone.")
        ended = asyncio.ensure_future(controller.hosts.ended.wait())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait([ended, stopped], return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
            stopped.cancel()
        if not controller.hosts.ended.is_set():
            await controller.hosts.end()  # Ctrl-C here: announced as ended, then taken down
        say(f"Room {spec.room_id} has ended.")
        return EXIT_OK
    finally:
        await controller.close()
        if not controller.hosts.ended.is_set():  # interrupted before the end was done: take it down anyway
            try:
                await end_room(spec)
            except RoomError as exc:
                print(f"plaza start: {exc}", file=sys.stderr)
