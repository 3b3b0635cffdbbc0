"""`plaza rooms SERVER...`: the live rooms of one or more servers, from their lobby channels, as a table or JSON.

Exit codes: 0 the list was read (it may be empty: no room is live); 2 bad usage or server address; 3 no server's
lobby could be joined (unreachable, or no controller there has made a lobby yet); 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from typing import Any

from app.cli import EXIT_INTERRUPTED, EXIT_JOIN_FAILED, EXIT_OK, EXIT_USAGE, _fail, _stop_event
from app.links import LinkError, format_link, server_url
from app.listener.directory import DirectoryBrowser, ListedRoom


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rp = sub.add_parser("rooms", help="list the live rooms of servers (from their lobby channels)",
                        epilog="exit codes: 0 listed (possibly no rooms), 2 bad usage or server address, "
                               "3 no server's lobby could be joined, 130 interrupted")
    rp.add_argument("servers", nargs="+", metavar="SERVER",
                    help="a Janus server: ws://HOST:PORT/janus, wss://..., or plaza://HOST[:PORT] / plaza+ws://...")
    rp.add_argument("--wait", type=float, default=3.0, metavar="S",
                    help="listen this long for the rooms' announcements (default 3)")
    rp.add_argument("--json", action="store_true", help="print JSON (one array of rooms) instead of a table")


def duration_text(seconds: float) -> str:
    """`live for` in the table: 45s, 12m, 3h05m, 2d04h."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def room_json(room: ListedRoom, now_wall: float) -> dict[str, Any]:
    s = room.summary
    return {"room": s.room, "title": s.title, "hosts": list(s.hosts), "listeners": s.listeners,
            "started": s.started, "live_for": round(room.live_for(now_wall), 1), "server": room.server,
            "link": format_link(room.link)}


def table(rooms: list[ListedRoom], now_wall: float) -> str:
    rows = [("TITLE", "HOSTS", "LISTENERS", "LIVE FOR", "LINK")]
    for room in rooms:
        s = room.summary
        hosts = ", ".join(s.hosts) or "-"
        rows.append((s.title or f"Room {s.room}", hosts if len(hosts) <= 40 else hosts[:39] + "…",
                     "-" if s.listeners is None else str(s.listeners), duration_text(room.live_for(now_wall)),
                     format_link(room.link)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join([*(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True)), row[4]])
                     for row in rows)


async def rooms(args: argparse.Namespace) -> int:
    try:
        servers = [server_url(s) for s in args.servers]
    except LinkError as exc:
        _fail(f"bad server address: {exc}")
        return EXIT_USAGE
    if not 0 < args.wait <= 60:
        _fail("--wait must be between 0 and 60 seconds")
        return EXIT_USAGE
    browser = DirectoryBrowser(servers)
    stop = _stop_event()
    browser.start()
    deadline = time.monotonic() + args.wait
    try:
        while time.monotonic() < deadline and not stop.is_set():
            if browser.attempted.is_set() and not browser.joined:
                break  # every lobby failed once: say so now rather than after the wait
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(0.1, max(0.0, deadline - time.monotonic()))):
                    await stop.wait()
        if stop.is_set():
            return EXIT_INTERRUPTED
        if not browser.joined:
            for server in servers:
                _fail(f"{server}: cannot read the lobby: {browser.problems.get(server, 'no answer in time')}")
            return EXIT_JOIN_FAILED
        for server in servers:
            if server not in browser.joined:
                _fail(f"{server}: cannot read the lobby: {browser.problems.get(server, 'no answer in time')}")
        listed = browser.directory.rooms()
        now_wall = time.time()
        with contextlib.suppress(OSError, ValueError):
            if args.json:
                print(json.dumps([room_json(r, now_wall) for r in listed], ensure_ascii=False), flush=True)
            elif listed:
                print(table(listed, now_wall), flush=True)
            else:
                print("No live rooms.", flush=True)
        return EXIT_OK
    finally:
        await browser.close()
