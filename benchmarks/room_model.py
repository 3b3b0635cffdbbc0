"""Room state model benchmark: what one delta and one snapshot cost the model alone (no parsing, no UI).

Run: .venv/bin/python -m benchmarks.room_model [--members 200] [--deltas 20000] [--snapshots 2000]
The load the protocol allows is small (one delta per 500 ms, a snapshot after a reconnect), so the question is
what it costs per operation on a full stage, and what the stress load of benchmarks.room_ui (50 deltas/s and one
200-member, 100-hand snapshot per second) takes of a core. `--members 50 --deltas 100000` gives the old table
(10,000 deltas/s on 50 members) for comparison.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable

from app.listener.state import RoomState, RoomStateModel, StateChange
from app.room.protocol import Delta, ListenerCount, Role, Snapshot, StageMember
from benchmarks.room_load import OWN, RoomLoad

Scenario = Callable[[random.Random, tuple[StageMember, ...], int], Delta]


def talking_flip(rng: random.Random, members: tuple[StageMember, ...], seq: int) -> Delta:
    m = members[rng.randrange(len(members))]
    return Delta(seq=seq, base=seq - 1, controller="ctl-bench",
                 upsert=(StageMember(m.id, m.name, m.role, m.muted, not m.talking),))


def mute_toggle(rng: random.Random, members: tuple[StageMember, ...], seq: int) -> Delta:
    m = members[rng.randrange(len(members))]
    return Delta(seq=seq, base=seq - 1, controller="ctl-bench",
                 upsert=(StageMember(m.id, m.name, m.role, not m.muted, m.talking),))


def listener_count(rng: random.Random, members: tuple[StageMember, ...], seq: int) -> Delta:
    return Delta(seq=seq, base=seq - 1, controller="ctl-bench",
                 listeners=ListenerCount(rng.randrange(400_000, 600_000), 1_763_721_000.0 + seq))


def join_leave(rng: random.Random, members: tuple[StageMember, ...], seq: int) -> Delta:
    """A speaker leaves and another joins (the rare, structural case: the member list changes)."""
    m = members[rng.randrange(len(members))]
    newcomer = StageMember(f"new-{seq}", "Newcomer", Role.SPEAKER, False, False)
    return Delta(seq=seq, base=seq - 1, controller="ctl-bench", remove=(m.id,), upsert=(newcomer,))


def mixed(rng: random.Random, members: tuple[StageMember, ...], seq: int) -> Delta:
    """What a busy room sends: mostly talking flips, some mutes and listener counts, 3 members per delta."""
    r = rng.random()
    if r < 0.2:
        return listener_count(rng, members, seq)
    if r < 0.3:
        return mute_toggle(rng, members, seq)
    picked = rng.sample(members, 3)
    return Delta(seq=seq, base=seq - 1, controller="ctl-bench",
                 upsert=tuple(StageMember(m.id, m.name, m.role, m.muted, not m.talking) for m in picked))


SCENARIOS: dict[str, Scenario] = {
    "talking flip (1 member)": talking_flip,
    "mute toggle (1 member)": mute_toggle,
    "listener count": listener_count,
    "mixed (3 members / count / mute)": mixed,
    "leave + join (remove + upsert)": join_leave,
}


def run(scenario: Scenario, n_members: int, n_deltas: int, seed: int = 1) -> list[int]:
    """Nanoseconds per apply_delta call, with one no-op subscriber (as the UI would have)."""
    rng = random.Random(seed)
    members = tuple(StageMember(str(7_000_000 + i), f"Speaker {i}", Role.SPEAKER if i else Role.HOST,
                                False, False) for i in range(n_members))
    model = RoomStateModel(own_id="l-bench")

    def on_change(state: RoomState, change: StateChange) -> None:
        pass

    model.changed.connect(on_change)
    model.apply_snapshot(Snapshot(seq=1, room=1234, controller="ctl-bench", title="Benchmark", ended=False,
                                  members=members, listeners=None, hands=(), hands_total=0), 0.0)
    times: list[int] = []
    clock = time.perf_counter_ns
    gc.collect()
    for seq in range(2, n_deltas + 2):
        delta = scenario(rng, model.state.members, seq)  # built from the current state, outside the timing
        t0 = clock()
        ok = model.apply_delta(delta, 1.0)
        times.append(clock() - t0)
        if not ok:
            raise RuntimeError(f"delta {seq} was refused")
    return times


def run_load(members: int, hands: int, n_deltas: int, n_snapshots: int) -> tuple[list[int], list[int]]:
    """Nanoseconds per delta and per snapshot of benchmarks.room_load's load, interleaved as after reconnects."""
    load = RoomLoad(members, hands)
    model = RoomStateModel(own_id=OWN)
    model.changed.connect(lambda state, change: None)
    model.apply_snapshot(load.first_snapshot(time.time()), 0.0)
    model.set_hand_raised(True)
    deltas: list[int] = []
    snapshots: list[int] = []
    clock = time.perf_counter_ns
    every = max(1, n_deltas // max(1, n_snapshots))
    gc.collect()
    for n in range(n_deltas):
        delta = load.delta(1_763_721_000.0 + n)
        t0 = clock()
        ok = model.apply_delta(delta, 1.0)
        deltas.append(clock() - t0)
        if not ok:
            raise RuntimeError(f"delta {delta.seq} was refused")
        if n % every == every - 1 and len(snapshots) < n_snapshots:
            snapshot = load.snapshot(1_763_721_000.0 + n)
            t0 = clock()
            model.reset_sequence()  # a reconnect: deltas wait for this snapshot
            model.apply_snapshot(snapshot, 2.0)
            snapshots.append(clock() - t0)
    return deltas, snapshots


def percentile(sorted_values: list[int], q: float) -> float:
    return float(sorted_values[min(len(sorted_values) - 1, int(q / 100 * len(sorted_values)))])


def row(name: str, times: list[int]) -> str:
    rate = len(times) / (sum(times) / 1e9)
    s = sorted(times)
    return (f"| {name:<44} | {rate:>10,.0f} | {percentile(s, 50) / 1000:>9.2f} | {percentile(s, 99) / 1000:>7.2f} | "
            f"{s[-1] / 1000:>8.1f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--hands", type=int, default=100)
    parser.add_argument("--deltas", type=int, default=20_000)
    parser.add_argument("--snapshots", type=int, default=2_000)
    args = parser.parse_args(argv)
    print(f"RoomStateModel, {args.members} members, {args.deltas} deltas per scenario, 1 subscriber\n")
    header = f"| {'operation':<44} | {'per s':>10} | {'median µs':>9} | {'p99 µs':>7} | {'max µs':>8} |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    mixed_times: list[int] = []
    for name, scenario in SCENARIOS.items():
        times = run(scenario, args.members, args.deltas)
        mixed_times = times if scenario is mixed else mixed_times
        print(row(f"delta: {name}", times))
    deltas, snapshots = run_load(args.members, args.hands, args.deltas, args.snapshots)
    print(row("delta: stress mix (talk 60 %, mute, count)", deltas))
    print(row(f"snapshot after reconnect ({args.members} m, {args.hands} hands)", snapshots))
    delta_s, snapshot_s = sum(deltas) / len(deltas) / 1e9, sum(snapshots) / len(snapshots) / 1e9
    mixed_s = sum(mixed_times) / len(mixed_times) / 1e9
    print("\n| load (model alone, from the mean costs above) | CPU, % of one core |")
    print("|---|---|")
    print(f"| 2 deltas/s (the protocol's maximum) + 1 snapshot / 10 s | {100 * (2 * delta_s + snapshot_s / 10):.3f} |")
    print(f"| 50 deltas/s + 1 snapshot/s (benchmarks.room_ui's stress) | {100 * (50 * delta_s + snapshot_s):.3f} |")
    print(f"| 10,000 mixed deltas/s (the old benchmark's load) | {100 * 10_000 * mixed_s:.1f} |")


if __name__ == "__main__":
    main()
