"""The storm simulator: a crowd joining a room's edges while edges fail, on a virtual clock (docs/storm.md).

Every simulated listener's decisions — which edge, and when — come from a policy object per listener: Plaza's is
the app's own `app.listener.failover.ServerRotation`, driven as the supervisor drives it after a loss (next →
attempt → failed/succeeded; start_outage(lost) on a loss; a first join in the app walks the order once instead);
the baselines are in `benchmarks.storm_policies`. Edges admit
joins through a token bucket of `join_capacity` joins/s; a join above it times out or is refused (the overload
mode); a dead edge refuses at once. Audio lost per listener: an outage shorter than the cushion it had when the
edge died is not heard; a longer one loses outage − cushion.

    .venv/bin/python -m benchmarks.storm_sim [--listeners 500000] [--edges 30] [--join-capacity 40] [--plots]
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.storm_policies import POLICIES, Policy, PolicyFactory

# the app's connect timeout (app.listener.supervisor.DEFAULT_CONNECT_TIMEOUT); a test keeps them equal
CONNECT_TIMEOUT_S = 8.0

ARRIVE, ATTEMPT, JOINED, REFUSED, TRY, FAIL = range(6)


@dataclass(frozen=True)
class Failure:
    """At `at` s, `edges` die (capacity None) or drop to `capacity` joins/s (and keep their listeners)."""
    at: float
    edges: tuple[int, ...]
    capacity: float | None = None


@dataclass(frozen=True)
class StormConfig:
    listeners: int = 500_000
    arrivals_per_min: float = 50_000.0
    edges: int = 30
    join_capacity: float = 40.0  # joins/s one edge accepts (the maintainer measures it on one Janus)
    burst_s: float = 1.0  # the bucket holds this many seconds of capacity
    overload: str = "timeout"  # a join above capacity: "timeout" (after timeout_s) or "refuse" (after refuse_s)
    timeout_s: float = CONNECT_TIMEOUT_S
    refuse_s: float = 0.1  # an overloaded edge's quick "no"
    dead_s: float = 0.02  # connection refused by a dead edge
    join_s: float = 0.5  # an admitted join to first audio (README, "First seconds": ~0.5 s)
    cushion_s: float = 1.5  # CushionPlayout(cushion_ms=1500)
    cushion_start_s: float = 0.1  # playing starts with 100 ms in hand (plaza listen's default)
    cushion_fill: float = 0.2  # s of cushion gained per s played (README: 0.1 → 1.5 s in ~7 s)
    failures: tuple[Failure, ...] = ()
    seed: int = 1
    max_s: float = 7200.0  # give up simulating here (a policy that never recovers)


@dataclass
class StormResult:
    policy: str
    config: StormConfig
    attempts: list[list[int]]  # [edge][second]: join attempts that reached the edge
    joins: list[list[int]]  # [edge][second]: joins admitted
    connected: list[int] = field(default_factory=list)  # per second, at its end
    waiting: list[int] = field(default_factory=list)  # arrived, not connected
    arrived: list[int] = field(default_factory=list)
    outages: list[float] = field(default_factory=list)  # per affected listener: loss → audio again, summed
    audio_lost: list[float] = field(default_factory=list)  # per affected listener, s
    first_join: list[float] = field(default_factory=list)  # per listener: arrival → first audio
    last_back: float = math.nan  # when the last listener that lost its edge played again
    wall_s: float = 0.0

    def peak_attempts(self, since: float = 0.0, until: float | None = None) -> int:
        end = len(self.attempts[0]) if until is None else int(until)
        return max(max(row[int(since):end], default=0) for row in self.attempts)

    def peak_joins(self) -> int:
        return max(max(row) for row in self.joins)


class Storm:
    def __init__(self, config: StormConfig, policy: PolicyFactory, name: str = "") -> None:
        self.cfg = config
        self.make_policy = policy
        self.name = name
        self.now = 0.0
        self.rng = random.Random(config.seed)
        self.servers = [f"edge{e}" for e in range(config.edges)]
        self.edge_index = {s: e for e, s in enumerate(self.servers)}
        n = config.listeners
        self.policy: dict[int, Policy] = {}  # listeners not connected (see docs/storm.md on why not all)
        self.edge_of = [-1] * n
        self.arrived_at = [math.nan] * n
        self.lost_at = [math.nan] * n  # in an outage since (nan: never played or playing)
        self.cushion_at_loss = [0.0] * n
        self.playing_since = [math.nan] * n
        self.outage = [0.0] * n
        self.lost_audio = [0.0] * n
        self.affected = [False] * n
        self.capacity = [config.join_capacity] * config.edges
        self.dead = [False] * config.edges
        self.tokens = [config.join_capacity * config.burst_s] * config.edges
        self.filled_at = [0.0] * config.edges
        self.heap: list[tuple[float, int, int, int, int]] = []
        self.seq = itertools.count()
        self.connected = 0
        self.n_arrived = 0
        self.last_back = math.nan
        self.first_join = [math.nan] * n

    # ------------------------------------------------------------------ events
    def at(self, t: float, kind: int, who: int, edge: int = -1) -> None:
        heapq.heappush(self.heap, (t, next(self.seq), kind, who, edge))

    def clock(self) -> float:
        return self.now

    def run(self) -> StormResult:
        started = time.perf_counter()
        cfg = self.cfg
        gap = 60.0 / cfg.arrivals_per_min
        for i in range(cfg.listeners):
            self.at(i * gap, ARRIVE, i)
        seconds = int(cfg.max_s) + 2
        result = StormResult(self.name, cfg, [[0] * seconds for _ in self.servers],
                             [[0] * seconds for _ in self.servers])
        for index, failure in enumerate(cfg.failures):
            self.at(failure.at, FAIL, index)
        tick = 0
        while self.heap:
            t, _, kind, who, edge = heapq.heappop(self.heap)
            while tick < t and tick < seconds:
                self._sample(result)
                tick += 1
            if t > cfg.max_s:
                break
            self.now = t
            if kind == TRY:
                server, due = self.policy[who].next()
                self.at(max(t, due), ATTEMPT, who, self.edge_index[server])
            elif kind == ATTEMPT:
                self._attempt(result, who, edge)
            elif kind == JOINED:
                self._joined(who, edge)
            elif kind == FAIL:
                self._fail(cfg.failures[who])
            elif kind == REFUSED:
                self.policy[who].failed(self.servers[edge])
                self.at(t, TRY, who)
            else:
                self.n_arrived += 1
                self.arrived_at[who] = t
                self.policy[who] = self.make_policy(self.servers, self.clock, self.rng.random)
                self.at(t, TRY, who)
        self._sample(result)
        result.outages = [self.outage[i] for i in range(cfg.listeners) if self.affected[i]]
        result.audio_lost = [self.lost_audio[i] for i in range(cfg.listeners) if self.affected[i]]
        result.first_join = [x for x in self.first_join if not math.isnan(x)]
        result.last_back = self.last_back
        result.wall_s = time.perf_counter() - started
        return result

    def _sample(self, result: StormResult) -> None:
        result.connected.append(self.connected)
        result.arrived.append(self.n_arrived)
        result.waiting.append(len(self.policy))

    # ------------------------------------------------------------------ edges
    def _admit(self, edge: int) -> bool:
        """Take a token from the edge's bucket if it has one."""
        rate = self.capacity[edge]
        self.tokens[edge] = min(rate * self.cfg.burst_s, self.tokens[edge] + (self.now - self.filled_at[edge]) * rate)
        self.filled_at[edge] = self.now
        if self.tokens[edge] >= 1.0:
            self.tokens[edge] -= 1.0
            return True
        return False

    def _attempt(self, result: StormResult, who: int, edge: int) -> None:
        second = int(self.now)
        result.attempts[edge][second] += 1
        cfg = self.cfg
        if self.dead[edge]:
            self.at(self.now + cfg.dead_s, REFUSED, who, edge)
        elif self._admit(edge):
            result.joins[edge][second] += 1
            self.at(self.now + cfg.join_s, JOINED, who, edge)
        else:
            wait = cfg.timeout_s if cfg.overload == "timeout" else cfg.refuse_s
            self.at(self.now + wait, REFUSED, who, edge)

    def _joined(self, who: int, edge: int) -> None:
        if self.dead[edge]:  # it died while this join was under way
            self.policy[who].failed(self.servers[edge])
            self.at(self.now, TRY, who)
            return
        self.policy.pop(who).succeeded(self.servers[edge])  # forgets every failure: see docs/storm.md
        self.edge_of[who] = edge
        self.connected += 1
        if math.isnan(self.lost_at[who]):
            self.first_join[who] = self.now - self.arrived_at[who]
        else:
            outage = self.now - self.lost_at[who]
            self.outage[who] += outage
            self.lost_audio[who] += max(0.0, outage - self.cushion_at_loss[who])
            self.lost_at[who] = math.nan
            self.last_back = self.now
        self.playing_since[who] = self.now

    def _fail(self, failure: Failure) -> None:
        for edge in failure.edges:
            if failure.capacity is not None:
                self._admit(edge)  # settle the bucket at the old rate first
                self.capacity[edge] = failure.capacity
                continue
            self.dead[edge] = True
            cfg, server = self.cfg, self.servers[edge]
            for who in [i for i, e in enumerate(self.edge_of) if e == edge]:
                self.edge_of[who] = -1
                self.connected -= 1
                self.affected[who] = True
                self.lost_at[who] = failure.at
                played = failure.at - self.playing_since[who]
                self.cushion_at_loss[who] = min(cfg.cushion_s, cfg.cushion_start_s + cfg.cushion_fill * played)
                policy = self.make_policy(self.servers, self.clock, self.rng.random)
                policy.start_outage(server)
                self.policy[who] = policy
                self.at(failure.at, TRY, who)


def simulate(config: StormConfig, policy: str) -> StormResult:
    return Storm(config, POLICIES[policy], policy).run()


# ---------------------------------------------------------------------------------------------- report
def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def scenarios(cfg: StormConfig) -> dict[str, tuple[Failure, ...]]:
    """Kill one / two edges at the peak (the last arrival), and an edge that drops to a quarter of its capacity
    halfway through the arrivals (it keeps its listeners and turns joins away above its capacity)."""
    peak = cfg.listeners / cfg.arrivals_per_min * 60.0
    return {"kill one edge at peak": (Failure(peak, (0,)),),
            "kill two edges at peak": (Failure(peak, (0, 1)),),
            "one edge over capacity": (Failure(peak / 2, (0,), cfg.join_capacity / 4),)}


def _num(value: float, digits: int = 2) -> str:
    return "—" if math.isnan(value) else f"{value:.{digits}f}"


def table_row(scenario: str, r: StormResult) -> str:
    fails = r.config.failures
    start = min(f.at for f in fails) if fails else math.inf
    back = r.last_back - start if not math.isnan(r.last_back) else math.nan
    lost = r.audio_lost
    heard = 100 * sum(1 for x in lost if x > 0) / len(lost) if lost else math.nan
    back_s = _num(back, 1) if not r.waiting[-1] else f"> {r.config.max_s - start:.0f} ({r.waiting[-1]} not back)"
    return (f"| {scenario} | {r.config.overload} | {r.policy} | {r.peak_attempts(until=start)} / "
            f"{r.peak_attempts(since=start)} | {r.peak_joins()} | {len(lost)} | {back_s} | "
            f"{_num(percentile(r.outages, 50))} / {_num(percentile(r.outages, 99))} | "
            f"{_num(percentile(lost, 50))} / {_num(percentile(lost, 99))} / {_num(max(lost, default=math.nan))} | "
            f"{_num(heard, 1)} | {_num(percentile(r.first_join, 50))} / {_num(percentile(r.first_join, 99))} |")


HEADER = ("| scenario | overload | policy | peak attempts/s per edge: before / after the failure | peak joins/s per "
          "edge | listeners who lost their edge | last one back, s after the failure | outage p50 / p99, s | audio "
          "lost p50 / p99 / max, s | % who heard a gap | arrival → audio p50 / p99, s |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=500_000)
    parser.add_argument("--per-min", type=float, default=50_000.0)
    parser.add_argument("--edges", type=int, default=30)
    parser.add_argument("--join-capacity", type=float, default=40.0, help="joins/s one edge accepts")
    parser.add_argument("--modes", nargs="+", default=["timeout", "refuse"], choices=["timeout", "refuse"])
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=list(POLICIES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plots", default="", help="write the PNG plots into this folder (needs PySide6)")
    args = parser.parse_args(argv)
    base = StormConfig(listeners=args.listeners, arrivals_per_min=args.per_min, edges=args.edges,
                       join_capacity=args.join_capacity, seed=args.seed)
    print(f"Storm: {base.listeners} listeners at +{base.arrivals_per_min:g}/min, {base.edges} edges, join capacity "
          f"{base.join_capacity:g} joins/s per edge (burst {base.burst_s:g} s), connect timeout {base.timeout_s:g} s, "
          f"quick refusal {base.refuse_s:g} s, cushion {base.cushion_s:g} s, seed {base.seed}\n")
    print(HEADER)
    results: dict[tuple[str, str, str], StormResult] = {}
    for scenario, failures in scenarios(base).items():
        for mode in args.modes:
            for policy in args.policies:
                cfg = StormConfig(**{**base.__dict__, "overload": mode, "failures": failures})
                r = simulate(cfg, policy)
                results[(scenario, mode, policy)] = r
                print(table_row(scenario, r), flush=True)
    print("\nwall time per run, s: " + ", ".join(f"{r.wall_s:.0f}" for r in results.values()))
    if args.plots:
        from benchmarks.storm_plots import write_plots

        for path in write_plots(results, args.plots):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
