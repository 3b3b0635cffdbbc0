"""`plaza serve` / `plaza demo`'s local room, and `plaza controller`: the programs that hold a room's secrets."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING

from app.cli import EXIT_OK, EXIT_USAGE, _link_or_fail, _stop_event

if TYPE_CHECKING:
    from app.controller.controller import RoomController
    from app.local.room import LocalRoom

__all__ = ["controller", "keep_host_pass", "local_room_from_args", "serve"]


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

