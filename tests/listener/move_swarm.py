"""Listeners for the move lab test in a process of their own: `python -m tests.listener.move_swarm LINK N ROOM_B`.

Why a process: a listener costs ~3 % of a core (docs/performance.md, "Swarm"), so 25 in the test's own process need
~0.8 of one core, which a 2-core VM shared with other work does not give one process; starved, every cushion drains.
Split over processes the listeners use both cores, as `plaza swarm` users are told to do. Talks JSON lines on stdout:
`{"ready": …}` once all play room A with a cushion, then `{"done": …}` with, per listener, when (time.monotonic,
the same clock system-wide) it played room B with B's controller heard, when it started following, and the
audible gap (ms) since ready.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time

from app.links import parse_link
from app.listener.listen import ListenSession
from app.listener.state import StateSource
from app.listener.status import RoomStatus

READY_CUSHION_MS = 1000.0


def in_room(session: ListenSession, room_id: int, controller: str | None = None) -> bool:
    feed, state = session.supervisor.feed, session.state.state
    return (feed is not None and feed.room_id == room_id and session.link.room_id == room_id
            and session.status.current.status == RoomStatus.LIVE and state.source is StateSource.CONTROLLER
            and (controller is None or state.controller == controller))


def describe(s: ListenSession) -> str:
    return (f"{s.status.current.status.value} {s.playout.buffered_ms:.0f} {s.playout.counters.audible_gap_ms:.0f} "
            f"{s.state.state.source.value}")


async def main(link_text: str, n: int, room_b: int, timeout: float = 60.0) -> None:
    link = parse_link(link_text)
    sessions = [ListenSession(link, use_device=False) for _ in range(n)]
    followed: dict[int, float] = {}
    for i, s in enumerate(sessions):
        s.moved.connect(lambda _link, i=i: followed.setdefault(i, time.monotonic()))
    try:
        for s in sessions:  # spread the joins: each is a DTLS handshake
            await s.start()
            await asyncio.sleep(0.2)
        deadline = time.monotonic() + timeout
        while not all(in_room(s, link.room_id) and s.playout.buffered_ms >= READY_CUSHION_MS for s in sessions):
            if time.monotonic() > deadline:
                raise SystemExit("not ready (status, cushion ms, audible gap ms so far, state): "
                                 f"{[describe(s) for s in sessions]}")
            await asyncio.sleep(0.05)
        base = [s.playout.counters.audible_gap_ms for s in sessions]
        print(json.dumps({"ready": [s.state.own_id for s in sessions]}), flush=True)
        in_b: dict[int, float] = {}
        while len(in_b) < n and time.monotonic() < deadline + 60.0:
            for i, s in enumerate(sessions):
                if i not in in_b and in_room(s, room_b):
                    in_b[i] = time.monotonic()
            await asyncio.sleep(0.02)
        await asyncio.sleep(2.0)  # the splice and the new stream's first seconds
        gaps = [s.playout.counters.audible_gap_ms - b for s, b in zip(sessions, base, strict=True)]
        print(json.dumps({"done": {"in_b": [in_b.get(i) for i in range(n)],
                                   "followed": [followed.get(i) for i in range(n)], "gaps": gaps}}), flush=True)
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


if __name__ == "__main__":
    if os.environ.get("PLAZA_MOVE_LOG"):  # diagnosis: the supervisor's and the session's info lines on stderr
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
        for name in ("app.listener.supervisor", "app.listener.listen"):
            logging.getLogger(name).setLevel(logging.INFO)
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
