"""Room state model benchmark: how many deltas per second the model alone applies (no parsing, no UI).

Run: .venv/bin/python -m benchmarks.room_model [--members 50] [--deltas 100000]
The UI benchmark drives 10,000 deltas/s; this shows how much of that budget the model itself takes.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable

from app.listener.state import RoomState, RoomStateModel, StateChange
from app.room.protocol import Delta, ListenerCount, Role, Snapshot, StageMember

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
    """A speaker leaves and another joins (the rare, structural case: the index is rebuilt)."""
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

    model.subscribe(on_change)
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


def percentile(sorted_values: list[int], q: float) -> float:
    return float(sorted_values[min(len(sorted_values) - 1, int(q / 100 * len(sorted_values)))])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--deltas", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"RoomStateModel.apply_delta, {args.members} members, {args.deltas} deltas per scenario, 1 subscriber\n")
    header = f"| {'scenario':<34} | {'deltas/s':>10} | {'median µs':>9} | {'p99 µs':>7} | {'max µs':>8} |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name, scenario in SCENARIOS.items():
        times = run(scenario, args.members, args.deltas)
        rate = len(times) / (sum(times) / 1e9)
        s = sorted(times)
        print(f"| {name:<34} | {rate:>10,.0f} | {percentile(s, 50) / 1000:>9.2f} | "
              f"{percentile(s, 99) / 1000:>7.2f} | {s[-1] / 1000:>8.1f} |")


if __name__ == "__main__":
    main()
