"""The chaos soak's plan: which faults, when, from a seed; and how long the listeners' policy lets each one last.

Pure (no lab, no clock): tests/benchmarks/test_chaos_plan.py checks it. benchmarks/chaos_soak.py runs it.

Fault kinds, on cascade nodes (netlab: node 0 the origin, 1 and 2 the edges). A plan names node 0 or "an edge"
(node 1); the runner takes the edge most swarm listeners play from at that moment (benchmarks/chaos_run.py), so
a fault on an edge always hits listeners, also after an earlier fault moved them all to one edge.
- `kill`: kill -9 of the node's Janus; it is started again `down_s` later (rooms and mountpoints come back from
  its config files; the origin's forwards to the edges come back from the controller, app/controller/edge_forwards).
- `cut`: the node's link down for `down_s` (tests/lab/faults.cut_node: a blackout; nothing reaches it or leaves it).
- `loss`: `percent` % of the packets to and from the node dropped for `down_s` (tests/lab/faults.node_loss).

"Back": a listener is back once it is live and has received audio sent after the fault began (its newest packet
arrived later than `start + IN_FLIGHT_S`). The policy's bound for each fault, from the code's constants
(docs/deployment.md, "The chaos soak", has them as a table):
- an edge killed: the socket closes at once (else the media watchdog, W = 2 s, notices), one random wait of at
  most F = 1 s (ServerRotation.first_max), one join on the other edge (J = 2 s, the lab's allowance for a join:
  DESIGN §6): W + F + J = 5 s.
- an edge cut for T s: its listeners hear it again when it returns, or — after the watchdog — move as above:
  min(T, W) + F + J.
- the origin cut for T s: nothing a listener does helps (both edges go quiet); the media path is intact and the
  quiet connection is kept and taken back the moment its audio returns (make-before-break): T + R (R = 2 s).
- the origin killed and started again after T s: the controller must reconnect to it and re-add the forwards; its
  reconnect waits are Backoff(cap=30) draws kept within the outage's age (app/room/backoff.py), so the one in
  progress when the origin returns (T', when the restart was done) began before T' and is at most
  min(upper_bound(j), max(F, T')) for a controller that had failed j times: T' + that + J.
- loss: a listener may lose its connection (the watchdog) and must then be back as after an edge kill: W + F + J.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from app.controller.controller import RoomController
from app.listener.failover import ServerRotation
from app.listener.supervisor import MEDIA_WATCHDOG_S
from app.room.backoff import Backoff

Kind = Literal["kill", "cut", "loss"]
NODE_NAMES = ("origin", "edge 1", "edge 2")
ORIGIN, EDGE = 0, 1  # what a plan names: the origin, or an edge (the busier one when the fault begins)

WATCHDOG_S = MEDIA_WATCHDOG_S
FIRST_MAX_S: float = ServerRotation.__init__.__kwdefaults__["first_max"]  # type: ignore[index]
CONTROLLER_CAP_S: float = RoomController.__init__.__kwdefaults__["backoff_cap"]  # type: ignore[index]
JOIN_S = 2.0  # one join (socket, session, SDP, ICE, DTLS, first packet): ~0.3 s, ~1 s with a DTLS retransmit
RESUME_S = 2.0  # media on an intact path once its cause is gone: the path itself (likely an ARP retry on the link
#                that came back: ~1 s measured), the forward's next packet, the 50 ms revive poll
IN_FLIGHT_S = 0.25  # packets sent before the fault may still arrive this long after it


@dataclass(frozen=True)
class Fault:
    kind: Kind
    node: int
    down_s: float  # kill: until the restart; cut and loss: how long
    percent: int = 0  # loss only
    settle_s: float = 10.0  # calm after the fault ended, before the next one (room to be back and to check)

    def describe(self) -> str:
        node = NODE_NAMES[self.node]
        what = {"kill": f"kill -9 {node}, restart after {self.down_s:.1f} s",
                "cut": f"blackout of {node} for {self.down_s:.1f} s",
                "loss": f"{self.percent} % loss on {node} for {self.down_s:.1f} s"}
        return what[self.kind]


def controller_wait_bound(failures: int, age: float) -> float:
    """The longest reconnect wait of the controller's Backoff after `failures` failed attempts since the loss, for
    a wait that began at most `age` s into the outage."""
    backoff = Backoff(cap=CONTROLLER_CAP_S)
    return min(backoff.upper_bound(failures), max(backoff.first_max, age))


def back_bound(fault: Fault, *, restarted_after: float | None = None, controller_failures: int = 0) -> float:
    """Seconds from the fault's start within which every listener must be back (see the module docstring).
    `restarted_after`: for a kill, when the restart was done (s from the start); `controller_failures`: for the
    origin's kill, the controller's failed attempts on it before the restart."""
    move = WATCHDOG_S + FIRST_MAX_S + JOIN_S
    if fault.kind == "loss":
        return move
    if fault.node != 0:
        return move if fault.kind == "kill" else min(fault.down_s, WATCHDOG_S) + FIRST_MAX_S + JOIN_S
    if fault.kind == "cut":
        return fault.down_s + RESUME_S
    back = fault.down_s if restarted_after is None else restarted_after
    return back + controller_wait_bound(controller_failures, back) + JOIN_S


def _one(kind: Kind, rng: random.Random, short: bool) -> Fault:
    settle = rng.uniform(6.0, 10.0) if short else rng.uniform(15.0, 45.0)
    if kind == "kill":
        node = rng.choice([ORIGIN, EDGE, EDGE])
        return Fault("kill", node, round(rng.uniform(2.0, 5.0) if short else rng.uniform(2.0, 15.0), 1),
                     settle_s=settle)
    if kind == "cut":
        node = rng.choice([ORIGIN, EDGE, EDGE])
        return Fault("cut", node, round(rng.uniform(1.0, 4.0) if short else rng.uniform(0.5, 10.0), 1),
                     settle_s=settle)
    down = round(rng.uniform(5.0, 8.0) if short else rng.uniform(5.0, 30.0), 1)
    return Fault("loss", rng.choice([ORIGIN, EDGE, EDGE]), down, percent=rng.choice([5, 10, 20]), settle_s=settle)


def plan(seed: int, seconds: float, *, short: bool = False) -> list[Fault]:
    """Faults filling about `seconds` of chaos (each fault's own time, a restart's recovery and its calm after).
    The first ones cover every kind and both an edge's and the origin's kill, in a seeded order; then random."""
    rng = random.Random(seed)
    kills = [Fault("kill", ORIGIN, 0.0), Fault("kill", EDGE, 0.0)]
    first: list[Fault] = []
    for kind in rng.sample(["kill", "kill", "cut", "loss"], 4):
        fault = _one(kind, rng, short)  # type: ignore[arg-type]
        if kind == "kill":  # the first two kills: the origin and an edge, in whichever order came up
            fault = Fault("kill", kills.pop(0).node, fault.down_s, settle_s=fault.settle_s)
        first.append(fault)
    faults: list[Fault] = []
    used = 0.0
    while True:
        fault = first.pop(0) if first else _one(rng.choice(["kill", "cut", "loss"]), rng, short)
        cost = fault_cost(fault)
        if faults and used + cost > seconds:
            return faults
        faults.append(fault)
        used += cost


def fault_cost(fault: Fault) -> float:
    """Roughly how long a fault takes in the schedule: the fault, the recovery it allows, the calm after."""
    recovery = back_bound(fault) if fault.kind == "kill" and fault.node == 0 else 0.0
    return fault.down_s + recovery + fault.settle_s
