"""Admission benchmark: how many listener joins a second one Janus edge accepts, and what a join costs it.

Run inside the lab: python -m tests.lab.netlab run -- python -m benchmarks.admission [--rates 5,10,20,40]

A join is what a Plaza listener does, with the product's code (app.listener.feed.FeedConnection): WebSocket,
session, Streaming handle, `watch`, the offer answered, ICE and DTLS, until the first audio packet has arrived; then
it leaves (hangup, detach, session destroyed), so each step measures joins, not a growing audience. Joins start on
a fixed schedule at the target rate (an open loop: a slow server does not slow the arrivals, as a crowd's does not).

For each rate: joins/s achieved, time to first audio (median / p95), failures, and the CPU Janus spent per join
(its utime + stime over the step, less its idle share with the stage running, divided by the joins done), from
which one core's capacity follows. This machine has 2 cores and the clients (aiortc's DTLS handshake in Python)
share them with Janus, so the client side saturates first; Janus's CPU per join is the number that carries over to
a real edge: at 100 % of one core an edge accepts about 1000 / (ms per join) joins a second, less what its
viewers' media cost it.

`--janus-cpu PCT` caps Janus at PCT % of one core (a cgroup's CPU quota): a small edge whose capacity the clients
can exceed, to see what an edge past its capacity does to joins (they queue and time out; Janus refuses nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from app.listener.feed import FeedConnection
from app.local.janus_config import LocalRoomConfig
from app.local.room import LocalRoom
from app.media.cushion import CushionPlayout
from app.room.errors import RoomError
from benchmarks.listener import cpu_seconds
from tests.lab import netlab

JOIN_TIMEOUT = 10.0
MAX_IN_FLIGHT = 300


MOUNT = Path("/tmp/plaza-admission-cgroup")
GROUP = "plaza-admission"


def cap_cpu(pid: int, percent: float) -> None:
    """Cap `pid` (all its threads) at `percent` of one core with a CFS quota (cgroup v1's cpu controller, as on
    this VM; v2 would use cpu.max). `ip netns exec` remounts /sys without cgroups, so mount the hierarchy here."""
    MOUNT.mkdir(exist_ok=True)
    if not (MOUNT / "cgroup.procs").exists():
        subprocess.run(["mount", "-t", "cgroup", "-o", "cpu", "none", str(MOUNT)], check=True)
    group = MOUNT / GROUP
    group.mkdir(exist_ok=True)
    period = int((group / "cpu.cfs_period_us").read_text())
    (group / "cpu.cfs_quota_us").write_text(str(int(period * percent / 100)))
    (group / "cgroup.procs").write_text(str(pid))


def release_cgroup() -> None:
    if (MOUNT / GROUP).exists():
        with contextlib.suppress(OSError):  # still has a process: Janus did not stop; the next run reuses it
            (MOUNT / GROUP).rmdir()
    if (MOUNT / "cgroup.procs").exists():
        subprocess.run(["umount", str(MOUNT)], check=False)


class Step:
    """The joins of one rate."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.failures: dict[str, int] = {}
        self.skipped = 0


async def join_once(server: str, room_id: int, step: Step) -> None:
    started = time.monotonic()
    feed = FeedConnection(server, room_id, CushionPlayout())
    try:
        await feed.open(JOIN_TIMEOUT)
        step.times.append(time.monotonic() - started)
    except (RoomError, OSError, TimeoutError) as exc:
        kind = type(exc).__name__
        step.failures[kind] = step.failures.get(kind, 0) + 1
    finally:
        await feed.close()


async def idle_cpu(janus_pid: int, seconds: float = 5.0) -> float:
    """Janus's CPU share with no joins (the stage mix and its forward): subtracted from each step's."""
    j0, t0 = cpu_seconds(janus_pid), time.monotonic()
    await asyncio.sleep(seconds)
    return (cpu_seconds(janus_pid) - j0) / (time.monotonic() - t0)


async def run_rate(server: str, room_id: int, rate: float, seconds: float, janus_pid: int,
                   idle: float) -> list[str]:
    step = Step()
    tasks: set[asyncio.Task[None]] = set()
    me = os.getpid()
    j0, c0, t0 = cpu_seconds(janus_pid), cpu_seconds(me), time.monotonic()
    n = int(rate * seconds)
    for i in range(n):
        await asyncio.sleep(max(0.0, t0 + i / rate - time.monotonic()))
        if len(tasks) >= MAX_IN_FLIGHT:
            step.skipped += 1
            continue
        task = asyncio.create_task(join_once(server, room_id, step))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    elapsed = time.monotonic() - t0
    janus_cpu, client_cpu = cpu_seconds(janus_pid) - j0, cpu_seconds(me) - c0
    done = len(step.times)
    per_join = 1000 * max(0.0, janus_cpu - idle * elapsed) / done if done else float("nan")
    times = sorted(step.times)
    p50 = 1000 * statistics.median(times) if times else float("nan")
    p95 = 1000 * times[int(0.95 * (len(times) - 1))] if times else float("nan")
    failed = ", ".join(f"{k} {v}" for k, v in sorted(step.failures.items())) or "0"
    return [f"{rate:g}", f"{done / elapsed:.1f}", f"{done}/{n}", failed, f"{p50:.0f} / {p95:.0f}",
            f"{per_join:.1f}", f"{1000 / per_join:.0f}" if done else "—",
            f"{100 * janus_cpu / elapsed:.0f} %", f"{100 * client_cpu / elapsed:.0f} %"]


async def main(args: argparse.Namespace) -> int:
    config = LocalRoomConfig(ws_ip=netlab.SERVER_IP, forward_port=0, ice_enforce_list=netlab.SERVER_IF)
    room = LocalRoom(config, prefix=["ip", "netns", "exec", netlab.SERVER_NS], speaker="tone:440")
    await room.start()
    rows = []
    idle = 0.0
    try:
        assert room.janus is not None and room.janus.pid is not None
        server = room.link.servers[0]
        if args.janus_cpu:
            cap_cpu(room.janus.pid, args.janus_cpu)
        await join_once(server, config.room_id, Step())  # warm-up: imports, first DTLS context
        idle = await idle_cpu(room.janus.pid)
        for rate in args.rates:
            rows.append(await run_rate(server, config.room_id, rate, args.seconds, room.janus.pid, idle))
            await asyncio.sleep(2)
    finally:
        await room.close()
        release_cgroup()
    head = ["target joins/s", "achieved joins/s", "joined", "failed", "first audio ms (median / p95)",
            "Janus CPU ms per join", "joins/s per Janus core", "Janus CPU", "client CPU"]
    print(f"\nAdmission on one Janus ({args.seconds:g} s a rate, join = connect … first audio, then leave;"
          f" {os.cpu_count()} cores shared by Janus and the clients; Janus idle with the stage: {100 * idle:.1f} %,"
          " subtracted from the CPU per join"
          + (f"; Janus capped at {args.janus_cpu:g} % of a core" if args.janus_cpu else "") + ")\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", type=lambda s: [float(x) for x in s.split(",")], default=[5, 10, 20, 40],
                        help="target join rates, joins/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of joins at each rate")
    parser.add_argument("--janus-cpu", type=float, default=0.0,
                        help="cap Janus at this %% of one core (a small edge); 0: no cap")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
