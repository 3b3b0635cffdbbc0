"""Reactions at 100,000 listeners: the controller under a flood of `react` whispers, without Janus.

Run: .venv/bin/python -m benchmarks.reactions_flood [--listeners 100000] [--seconds 10] [--markdown F]

Drives the real code path — RoomController's channel-event handler (what the TextRoom data channel hands it for a
whisper) → the reaction tally's per-sender limit and strict parse → the `reactions` announcement text — on a virtual
clock stepped in 1 ms, so the numbers are the controller's work per whisper, not the machine's timing. The CPU is
the process's, minus the same loop with no handler (the harness), per whisper. Scenarios (per second at peak):

- peak: 2 % of the audience reacting, 5 reactions/s each (100,000 → 10,000 whispers/s), plus one abusive sender at
  1,000/s;
- surge: 10 % reacting at 5/s (50,000/s) plus the abuser: the limit of one controller;
- churn: every listener reacts once over the run (each a new sender): what the per-sender memory becomes.

Janus's side, modelled: each reaction is one whisper into the controller (one data-channel message Janus relays:
unavoidable), and each announcement is one message to each of N listeners. Aggregated, that is ≤ 2 N messages a
second whatever the reaction rate; a fan-out of each reaction to everyone would be (reactions/s) × N.
Printed as a table; no timed assertions (tests/controller/test_reactions_unit.py tests the rules).
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

from app.controller.controller import RoomController
from app.controller.link import ControllerSecrets
from app.room.reactions_protocol import REACTIONS, ReactRequest, encode_react

SECRETS = ControllerSecrets(stage="bench-stage", feed="bench-feed", channel="bench-channel")
STEP = 0.001


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Result:
    name: str
    whispers: int
    seconds: float
    counted: int
    limited: int
    announcements: int
    announced_bytes: int
    cpu_s: float
    peak_senders: int
    peak_kib: float
    listeners: int

    def row(self) -> list[str]:
        per_s = self.whispers / self.seconds
        ann_s = self.announcements / self.seconds
        size = self.announced_bytes / max(1, self.announcements)
        return [self.name, f"{per_s:,.0f}", f"{self.counted / self.seconds:,.0f}",
                f"{self.limited / self.seconds:,.0f}",
                f"{self.cpu_s / max(1, self.whispers) * 1e6:.1f}", f"{self.cpu_s / self.seconds * 100:.0f} %",
                f"{ann_s:.2f}", f"{size:.0f}", f"{self.peak_senders:,}", f"{self.peak_kib:,.0f}",
                f"{ann_s * self.listeners:,.0f}", f"{self.counted / self.seconds * self.listeners:,.0f}"]


HEADER = ["scenario", "whispers/s in", "counted/s", "dropped/s", "CPU µs/whisper", "CPU of a core",
          "announcements/s out", "bytes/announcement", "senders held (peak)", "memory peak KiB",
          "Janus msgs/s out (aggregated)", "… if each reaction fanned out"]


def schedule(name: str, listeners: int, seconds: float) -> list[list[int]]:
    """Per 1 ms step, the sender indices that whisper then (index -1 is the abuser)."""
    steps = int(seconds / STEP)
    out: list[list[int]] = [[] for _ in range(steps)]
    if name == "churn":  # every listener once, spread over the run, each a new sender
        for i in range(listeners):
            out[i * steps // listeners].append(i)
        return out
    share = 0.02 if name == "peak" else 0.10
    senders = int(listeners * share)
    period = int(0.2 / STEP)  # 5 reactions a second each, phases spread
    for step in range(steps):
        out[step].extend(range(step % period, senders, period))
        out[step].append(-1)  # the abuser: 1,000/s
    return out


def run(name: str, listeners: int, seconds: float, *, handler: bool, memory: bool) -> Result:
    clock = Clock()
    controller = RoomController(["ws://bench.invalid:8188/janus"], 1234, SECRETS, "Bench", username="ctl-bench",
                                clock=clock)
    controller.handover.announced = True
    link = controller.links[0]
    link.connected = True
    texts = [encode_react(ReactRequest(code)) for code in REACTIONS]
    plan = schedule(name, listeners, seconds)
    events: dict[int, dict[str, Any]] = {}

    def event(i: int) -> dict[str, Any]:
        e = events.get(i)
        if e is None:
            sender = "l-abuser" if i < 0 else f"l-{i:06x}"
            e = events[i] = {"textroom": "message", "room": 1234, "from": sender,
                             "text": texts[i % len(texts)], "whisper": True}
        return e

    for step in plan:  # the events are the network's, not the controller's: made before the clock starts
        for i in step:
            event(i)
    tally = controller.reactions
    on_event = controller._on_channel_event if handler else (lambda link, event: None)
    announced_bytes = announcements = whispers = peak = 0
    if memory:
        tracemalloc.start()
    gc.collect()
    cpu0 = time.process_time()
    for k, step in enumerate(plan):
        clock.now = 1000.0 + k * STEP
        for i in step:
            on_event(link, events[i])
        whispers += len(step)
        text = tally.due()  # what the tally's run() does when woken: at most one per interval
        if text is not None:
            announcements += 1
            announced_bytes += len(text.encode())
        if k % 100 == 0:
            peak = max(peak, len(tally.limiter))
    cpu = time.process_time() - cpu0
    peak_kib = 0.0
    if memory:
        peak_kib = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
    return Result(name, whispers, seconds, tally.accepted, tally.limited + tally.invalid, announcements,
                  announced_bytes, cpu, peak, peak_kib, listeners)


def markdown(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--markdown", help="also write the table to this file")
    args = parser.parse_args()
    rows = []
    for name in ("peak", "surge", "churn"):
        harness = run(name, args.listeners, args.seconds, handler=False, memory=False)
        result = run(name, args.listeners, args.seconds, handler=True, memory=False)
        result.cpu_s = max(0.0, result.cpu_s - harness.cpu_s)
        result.peak_kib = run(name, args.listeners, args.seconds, handler=True, memory=True).peak_kib
        rows.append(result.row())
        print(f"{name}: done", flush=True)
    table = markdown(rows)
    print(table)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
