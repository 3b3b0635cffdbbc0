"""A room controller in a process of its own (the chaos soak measures its memory and its crashes):
`python -m tests.support.controller_process LINK TITLE [EDGE_URL=HOST:PORT ...]`, the room's secrets on stdin as
one JSON line (`{"stage": ..., "feed": ..., "channel": ...}`: credentials stay off argv and out of files).

It runs the `RoomController` that `plaza controller` runs (same forwards, same defaults); what differs is only where
the secrets come from (the CLI reads the OS keyring, which a lab has not got) and that a harness can act as the
room's host on its stdin, one command a line, each answered by one line on stdout:

    invite NAME    invite the raised hand of the listener named NAME onto the stage   -> "ok invite USERNAME"
    promote NAME   make the stage member named NAME a co-host                          -> "ok promote MEMBER_ID"
    state          the room state as the controller holds it (JSON)                    -> "state {...}"

Failures answer "error TEXT". It prints "ready" once every server had its first attempt, and runs until SIGTERM
or stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from app.controller.controller import RoomController
from app.controller.edge_forwards import parse_forward
from app.controller.link import ControllerSecrets
from app.links import parse_link
from app.room.errors import RoomError
from app.room.protocol import Role


def book_state(controller: RoomController) -> dict[str, object]:
    """What the room state is made of, as the controller holds it: title, stage (name, role), hands in order."""
    book = controller.book
    return {"title": book.title,
            "members": sorted([m.name, m.role.value] for m in book.members.values()),
            "hands": [h.name for h in book.hands.values()]}


async def command(controller: RoomController, line: str) -> str:
    verb, _, name = line.strip().partition(" ")
    try:
        if verb == "invite":
            hand = next((h for h in controller.book.hands.values() if h.name == name), None)
            if hand is None:
                return f"error no raised hand named {name!r}"
            await controller.invite(hand.id)
            return f"ok invite {hand.id}"
        if verb == "promote":
            member = next((m for m in controller.book.members.values() if m.name == name), None)
            if member is None:
                return f"error no stage member named {name!r}"
            controller.set_role(member.id, Role.CO_HOST)
            return f"ok promote {member.id}"
        if verb == "state":
            return "state " + json.dumps(book_state(controller))
    except RoomError as exc:
        return f"error {exc}"
    return f"error unknown command {verb!r}"


async def run(link_text: str, title: str, forward_texts: list[str], secrets: dict[str, str]) -> None:
    link = parse_link(link_text)
    controller = RoomController(list(link.servers), link.room_id, ControllerSecrets(**secrets), title,
                                stage_server=link.stage_server, forwards=[parse_forward(t) for t in forward_texts])
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        await controller.start()
        print("ready", flush=True)
        stopper = asyncio.ensure_future(stop.wait())
        while not stop.is_set():
            line_task = asyncio.ensure_future(reader.readline())
            await asyncio.wait([line_task, stopper], return_when=asyncio.FIRST_COMPLETED)
            if not line_task.done():
                line_task.cancel()
                break
            line = line_task.result().decode(errors="replace")
            if not line:
                break  # stdin closed: the harness is gone
            print(await command(controller, line), flush=True)
    finally:
        await controller.close()


def main(argv: list[str]) -> int:
    link_text, title, *forwards = argv
    secrets = json.loads(sys.stdin.readline())
    asyncio.run(run(link_text, title, forwards, secrets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
