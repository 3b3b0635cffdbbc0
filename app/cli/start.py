"""`plaza start SERVER --title T`: start a room on a running Janus, control it, and end it when done.

It makes stage N, feed N (fed by the stage's forward) and channel N through the Janus API (app.controller.
room_maker), keeps the room's fresh secrets in the OS keyring (so `plaza controller LINK` can take over elsewhere)
and the creator's pass beside them (so `plaza host` and the window on this machine are the host), prints the link
to share, and runs the room's controller. The room ends — announced as ended, then taken down on Janus — when a
host ends it, or on Ctrl-C here. A server whose plugins set an `admin_key` needs it in the keyring entry
`server@HOST:PORT/admin` (or on stdin with `--admin-key-stdin`); nothing secret is ever read from argv.

Without a usable keyring (a headless machine with no Secret Service) the room still runs: its secrets stay in this
process only, which says so; the window that started it gets the host's pass over its pipe (`--host-pass-stdout`,
never printed to a terminal), as Vorta does when it cannot keep a passphrase.

Exit codes: 0 the room ran and ended, 2 bad usage, 3 the room could not be made there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from app.cli import EXIT_JOIN_FAILED, EXIT_OK, EXIT_USAGE, _fail, _stop_event


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sp = sub.add_parser("start", help="start a room on a Janus server, run it, and end it with Ctrl-C",
                        epilog="exit codes: 0 ran and ended, 2 bad usage, 3 the room could not be made there")
    sp.add_argument("server", help="the Janus server's WebSocket address, e.g. wss://rooms.example.org/janus")
    sp.add_argument("--title", required=True, help="the room's title")
    sp.add_argument("--room", type=int, default=None, metavar="N", help="room number (default: a random one)")
    sp.add_argument("--admin-key-stdin", action="store_true",
                    help="read the server's plugin admin key from the first line of stdin (never from argv)")
    sp.add_argument("--host-pass-stdout", action="store_true", help=argparse.SUPPRESS)  # the window, no keyring


def say(text: str) -> None:
    """A line on stdout; the window that started us may be gone (its pipe closed): the room goes on regardless."""
    with contextlib.suppress(OSError, ValueError):
        print(text, flush=True)


async def start(args: argparse.Namespace) -> int:
    from app.controller.controller import RoomController
    from app.controller.room_maker import end_room, make_room, new_spec
    from app.controller.secret_store import (
        HOST_PASS_LINE,
        SecretsUnavailable,
        load_admin_key,
        lobby_secrets,
        save_controller_secrets,
        save_host_pass,
    )
    from app.links import LinkError, RoomLink, format_link, parse_link
    from app.room.errors import RoomError

    try:
        link = parse_link(format_link(RoomLink(args.room or 1, (args.server,))))  # checks the address
    except LinkError as exc:
        _fail(f"bad server address: {exc}")
        return EXIT_USAGE
    server = link.servers[0]
    admin_key = sys.stdin.readline().strip() or None if args.admin_key_stdin else None
    no_keyring: str | None = None
    try:
        admin_key = admin_key or load_admin_key(server)
    except SecretsUnavailable as exc:
        no_keyring = str(exc)
    spec = new_spec(server, args.title, room_id=args.room, admin_key=admin_key)
    try:
        await make_room(spec)
    except RoomError as exc:
        _fail(exc)
        return EXIT_JOIN_FAILED
    link = RoomLink(spec.room_id, (server,), spec.title)
    controller = RoomController([server], spec.room_id, spec.secrets, spec.title, spec=spec,
                                lobby_secrets={} if no_keyring else lobby_secrets([server]))
    stop = _stop_event()
    try:
        if no_keyring is None:
            try:
                save_controller_secrets(link, spec.secrets)
            except SecretsUnavailable as exc:
                no_keyring = str(exc)
        if no_keyring is not None:
            _fail(f"the room's secrets stay in this process only ({no_keyring}): no other controller can take "
                  "over, and only the window that started it can host it")
        await controller.start()
        host_pass = await controller.host_pass()
        try:
            if no_keyring is None:
                save_host_pass(link, host_pass)
                say("The host's pass is in the OS keyring: `plaza host LINK ACTION` on this machine acts as the host.")
        except SecretsUnavailable as exc:
            no_keyring = str(exc)
        if no_keyring is not None and args.host_pass_stdout and not sys.stdout.isatty():
            say(f"{HOST_PASS_LINE}{host_pass.stage_id}:{host_pass.token}")  # to the window's pipe, never a screen
        say(f"Room {spec.room_id} is live. Link: {format_link(link)}")
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
    except RoomError as exc:
        _fail(exc)
        return EXIT_JOIN_FAILED
    finally:
        await controller.close()
        if not controller.hosts.ended.is_set():  # interrupted before the end was done: take it down anyway
            try:
                await end_room(spec)
            except RoomError as exc:
                _fail(exc)
