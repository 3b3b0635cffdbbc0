"""One fault of the chaos soak: inject it, time every swarm listener's return, check the room state after it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.local.room import LocalRoom
from benchmarks.chaos_cast import Actor, read_swarm
from benchmarks.chaos_plan import IN_FLIGHT_S, ORIGIN, Fault, back_bound
from benchmarks.chaos_report import FaultResult
from tests.lab import faults
from tests.support import janus_faults

# The room state may take longer than the audio to come back: after the origin's kill the speaker rejoins the stage
# with its own Backoff (waits up to 30 s, app/stage/speaker.py), within its pass's 30 s grace
# (app/controller/stage_passes.RECONNECT_GRACE). Waiting longer than both only tells a slow return from none.
STATE_TIMEOUT_S = 45.0
BACK_TIMEOUT_S = 20.0  # past the bound: how long to keep watching for a late listener (to report how late)


async def watch_back(json_path: Path, n: int, start: float, stop: asyncio.Event) -> dict[int, float]:
    """When each swarm listener was first seen back (live, with audio that arrived after the fault began), in
    seconds from `start`; watches until every one is back or `stop` is set."""
    back: dict[int, float] = {}
    while len(back) < n and not stop.is_set():
        doc = read_swarm(json_path)
        if doc is not None:
            for entry in doc["listeners"]:
                if entry["index"] in back or entry["status"] != "live":
                    continue
                if (entry["last_media_at"] or 0.0) > start + IN_FLIGHT_S:
                    back[entry["index"]] = doc["at"] - start
        await asyncio.sleep(0.1)
    return back


def on_node(json_path: Path, url: str) -> int:
    doc = read_swarm(json_path)
    return 0 if doc is None else sum(entry["server"] == url for entry in doc["listeners"])


async def inject(fault: Fault, room: LocalRoom, controller: Actor, start: float) -> tuple[float | None, int]:
    """Run the fault to its end; for a kill, (when the restart was done, s from start; the controller's failed
    connects to the node before the restart)."""
    if fault.kind == "cut":
        await faults.cut_node(fault.node, fault.down_s)
        return None, 0
    if fault.kind == "loss":
        async with faults.node_loss(fault.node, fault.percent):
            await asyncio.sleep(fault.down_s)
        return None, 0
    janus = room.janus
    assert janus is not None
    await janus_faults.kill_and_wait(janus)
    await asyncio.sleep(max(0.0, start + fault.down_s - time.monotonic()))
    failures = controller.count_lines(f"cannot connect to {room.config.ws_url}", start, time.monotonic())
    await janus.start()
    return time.monotonic() - start, failures


def busier_edge(json_path: Path, rooms: list[LocalRoom]) -> int:
    """The edge (1 or 2) most swarm listeners play from now (edge 1 on a tie)."""
    counts = [on_node(json_path, rooms[node].config.ws_url) for node in (1, 2)]
    return 1 if counts[0] >= counts[1] else 2


async def run_fault(fault: Fault, rooms: list[LocalRoom], controller: Actor, json_path: Path, n: int,
                    observe: Callable[[], dict[str, Any]], want: dict[str, Any]) -> FaultResult:
    if fault.node != ORIGIN:
        fault = replace(fault, node=busier_edge(json_path, rooms))
    print(f"chaos_soak: {fault.describe()}", flush=True)
    before = observe()
    affected = on_node(json_path, rooms[fault.node].config.ws_url) if fault.node else n
    start = time.monotonic()
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_back(json_path, n, start, stop))
    restarted_after, failures = await inject(fault, rooms[fault.node], controller, start)
    ended = time.monotonic()
    bound = back_bound(fault, restarted_after=restarted_after, controller_failures=failures)
    try:
        await asyncio.wait_for(asyncio.shield(watcher), max(0.0, start + bound + BACK_TIMEOUT_S - time.monotonic()))
    except TimeoutError:
        stop.set()
    back = await watcher
    state_s: float | None = None  # from the fault's end (a kill: the restart)
    deadline = ended + STATE_TIMEOUT_S
    while time.monotonic() < deadline:
        if observe() == want:
            state_s = time.monotonic() - ended
            break
        await asyncio.sleep(0.2)
    result = FaultResult(fault, affected, bound, back, n, state_s, before, observe(), restarted_after, failures)
    await asyncio.sleep(max(0.0, ended + fault.settle_s - time.monotonic()))
    return result
