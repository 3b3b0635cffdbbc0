"""Room UI benchmark: the worst load the room protocol allows, into the RoomStateModel and the room view (qasync).

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.room_ui [--seconds 30] [--rate 50] [--snapshot-every 1]

The load is benchmarks.room_load's: a full stage of 200 members in a 100,000-listener room, 50 deltas a second
(talking flips, mute flips, listener counts; the protocol allows 2) and, as if the client reconnected every
second, a full snapshot (200 members, 100 hands) after `reset_sequence()`. An asyncio task in the qasync loop
applies what is due every 10 ms, as the channel would (its rate is kept exact by catching up on elapsed time);
each delta and each snapshot is timed (model + the UI bridge's callback). A 10 ms Qt timer probes the event loop:
the lateness of each tick is how long Qt could not run (max, p99). CPU is process time / wall time; the load
generator (which stands in for the network and the JSON parser) is timed apart, and a first phase with no load
measures the harness itself (probe + driver wake-ups). `--rate 10000 --members 50 --talkers 50 --snapshot-every 0`
is close to the old 10,000 deltas/s load.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

import qasync  # isort: skip  (PySide6 first: qasync binds to the Qt already imported)

from app.listener.state import RoomStateModel
from app.listener.status import RoomStatus
from app.ui.app import create_application
from app.ui.avatar import Avatar
from app.ui.room_view import RoomView
from benchmarks.room_load import OWN, ROOM, TITLE, RoomLoad

PROBE_MS = 10
BATCH_MS = 10
STALL_TARGET_MS = 50.0
CPU_TARGET = 2.0  # % of one core for the model and the UI (the listener minus the harness) at 50 deltas/s


@dataclass
class Probe:
    """A 10 ms Qt timer; each tick's lateness is time the event loop could not run."""

    last: float = 0.0
    late_ms: list[float] = field(default_factory=list)

    def tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.late_ms.append(max(0.0, (now - self.last) * 1000 - PROBE_MS))
        self.last = now


class PaintCounter(QObject):
    """Counts paint events of the widgets it is installed on (the room view's labels)."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def count_avatar_paints() -> list[int]:
    """Wrap Avatar.paintEvent (before any avatar exists) to count tile repaints."""
    counter = [0]
    original = Avatar.paintEvent

    def counted(self: Avatar, event: object) -> None:
        counter[0] += 1
        original(self, event)  # type: ignore[arg-type]

    Avatar.paintEvent = counted  # type: ignore[method-assign]
    return counter


@dataclass
class Counters:
    """What one phase measured."""

    seconds: float = 0.0
    cpu: float = 0.0  # process time (all threads)
    generate_cpu: float = 0.0
    apply_cpu: float = 0.0
    deltas: int = 0
    refused: int = 0
    snapshots: int = 0
    max_batch: int = 0
    delta_ns: list[int] = field(default_factory=list)  # per apply_delta call (model + bridge callback)
    snapshot_ns: list[int] = field(default_factory=list)  # per reset_sequence + apply_snapshot
    late_ms: list[float] = field(default_factory=list)
    flushes: int = 0
    tile_paints: int = 0
    label_paints: int = 0

    def pct(self, cpu: float) -> float:
        return 100 * cpu / self.seconds if self.seconds else 0.0


class Bench:
    """Applies deltas in batches (from an asyncio task or a QTimer) and measures phases of the run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.avatar_paints = count_avatar_paints()
        self.model = RoomStateModel(own_id=OWN)
        self.load = RoomLoad(args.members, args.hands, talkers=args.talkers, seed=args.seed)
        self.model.apply_snapshot(self.load.first_snapshot(time.time()), time.monotonic())  # nobody talks yet
        self.model.set_hand_raised(True)
        self.view = RoomView()
        self.view.resize(1800, 2400)  # every tile on screen (200 of them): the worst case for painting
        self.view.set_room(ROOM, TITLE)
        self.view.set_status(RoomStatus.LIVE, "ws://bench")
        self.view.set_state_model(self.model)
        self.labels = PaintCounter()
        for widget in (self.view.listeners_label, self.view.hand.status_label, self.view.hand.button):
            widget.installEventFilter(self.labels)
        self.probe = Probe()
        self.probe_timer = QTimer()
        self.probe_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.probe_timer.setInterval(PROBE_MS)
        self.probe_timer.timeout.connect(self.probe.tick)
        self.rate = 0.0
        self.snapshot_every = 0.0
        self.t0 = 0.0
        self.applied = 0
        self.snapshotted = 0
        self.now = Counters()

    def batch(self) -> None:
        """Apply the deltas and snapshots due since the last batch, so the rates stay exact whatever the jitter."""
        elapsed = time.perf_counter() - self.t0
        due = int(elapsed * self.rate) - self.applied
        snapshots_due = (int(elapsed / self.snapshot_every) if self.snapshot_every else 0) - self.snapshotted
        if due <= 0 and snapshots_due <= 0:
            return
        c, model, clock = self.now, self.model, time.perf_counter_ns
        for _ in range(max(0, due)):
            t0 = time.thread_time()
            delta = self.load.delta(time.time())
            t1 = time.thread_time()
            n0 = clock()
            ok = model.apply_delta(delta, time.monotonic())
            c.delta_ns.append(clock() - n0)
            c.apply_cpu += time.thread_time() - t1
            c.generate_cpu += t1 - t0
            c.refused += not ok
        for _ in range(max(0, snapshots_due)):  # a reconnect: take no delta before this snapshot
            t0 = time.thread_time()
            snapshot = self.load.snapshot(time.time())
            t1 = time.thread_time()
            n0 = clock()
            model.reset_sequence()
            model.apply_snapshot(snapshot, time.monotonic())
            c.snapshot_ns.append(clock() - n0)
            c.apply_cpu += time.thread_time() - t1
            c.generate_cpu += t1 - t0
        self.applied += max(0, due)
        self.snapshotted += max(0, snapshots_due)
        c.deltas += max(0, due)
        c.snapshots += max(0, snapshots_due)
        c.max_batch = max(c.max_batch, due)

    async def phase(self, rate: float, snapshot_every: float, seconds: float) -> Counters:
        """Run the load for `seconds` (after the previous phase, without a gap) and measure it."""
        if (self.rate, self.snapshot_every) != (rate, snapshot_every):
            self.rate, self.snapshot_every = rate, snapshot_every
            self.t0, self.applied, self.snapshotted = time.perf_counter(), 0, 0
        bridge = self.view.state_bridge
        assert bridge is not None
        c = self.now = Counters()
        self.probe.late_ms.clear()
        flushes, paints, labels = bridge.flushes, self.avatar_paints[0], self.labels.paints
        c0, w0 = time.process_time(), time.perf_counter()
        if self.args.driver == "qtimer":
            timer = QTimer()
            timer.setTimerType(Qt.TimerType.PreciseTimer)
            timer.timeout.connect(self.batch)
            timer.start(BATCH_MS)
            await asyncio.sleep(seconds)
            timer.stop()
        else:
            while time.perf_counter() - w0 < seconds:
                await asyncio.sleep(BATCH_MS / 1000)
                self.batch()
        c.seconds = time.perf_counter() - w0
        c.cpu = time.process_time() - c0
        c.late_ms = list(self.probe.late_ms)
        c.flushes = bridge.flushes - flushes
        c.tile_paints = self.avatar_paints[0] - paints
        c.label_paints = self.labels.paints - labels
        return c

    async def run(self) -> tuple[Counters, Counters]:
        if not self.args.hidden:
            self.view.show()
        self.probe_timer.start()
        baseline = await self.phase(0.0, 0.0, self.args.baseline)
        await self.phase(self.args.rate, self.args.snapshot_every, self.args.warmup)
        main = await self.phase(self.args.rate, self.args.snapshot_every, self.args.seconds)
        self.probe_timer.stop()
        self.view.set_state_model(None)
        self.view.close()
        return baseline, main


def cost(ns: list[int]) -> str:
    """median / p99 / max of per-call times, in µs."""
    if not ns:
        return "—"
    v = np.array(ns) / 1000
    return f"{np.median(v):.0f} / {np.percentile(v, 99):.0f} / {v.max():.0f} µs"


def table(base: Counters, c: Counters, args: argparse.Namespace) -> list[tuple[str, str, str]]:
    late = np.array(c.late_ms) if c.late_ms else np.zeros(1)
    wall = c.seconds
    listener = c.pct(c.cpu - c.generate_cpu)
    harness = base.pct(base.cpu)
    apply = c.pct(c.apply_cpu)
    snapshots = f", a snapshot every {args.snapshot_every:g} s" if args.snapshot_every else ""
    return [
        ("run", f"{wall:.1f} s, {args.members} members (≤ {args.talkers} talking), {args.hands} hands{snapshots}",
         "—"),
        ("deltas applied", f"{c.deltas:,} ({c.deltas / wall:,.0f}/s)", f"{args.rate:,.0f}/s"),
        ("snapshots applied (after reset_sequence)", f"{c.snapshots:,} ({c.snapshots / wall:.1f}/s)", "—"),
        ("deltas refused (sequence gaps)", f"{c.refused}", "0"),
        ("per delta, median / p99 / max", cost(c.delta_ns), "—"),
        ("per snapshot, median / p99 / max", cost(c.snapshot_ns), "—"),
        ("event-loop stall, max", f"{late.max():.1f} ms", f"≤ {STALL_TARGET_MS:.0f} ms"),
        ("event-loop stall, p99", f"{np.percentile(late, 99):.1f} ms", "—"),
        ("event-loop stall, median", f"{np.median(late):.2f} ms", "—"),
        ("probe ticks", f"{len(c.late_ms):,} (of {wall * 1000 / PROBE_MS:,.0f} due)", "—"),
        ("coalesced UI updates", f"{c.flushes:,} ({c.flushes / wall:.1f}/s)", "≤ 20/s"),
        ("tile (avatar) repaints", f"{c.tile_paints:,} ({c.tile_paints / wall:,.0f}/s)", "—"),
        ("label/button repaints", f"{c.label_paints:,} ({c.label_paints / wall:,.0f}/s)", "—"),
        ("CPU, whole process", f"{c.pct(c.cpu):.1f} % of one core", "—"),
        ("CPU, generator (network stand-in)", f"{c.pct(c.generate_cpu):.2f} %", "not the listener's"),
        ("CPU, listener (apply + UI + loop)", f"{listener:.1f} % of one core", "—"),
        ("  model (apply + bridge callback)", f"{apply:.2f} %", "—"),
        ("  Qt: UI updates, repaints, event loop", f"{listener - apply:.1f} %", "—"),
        (f"  harness alone (no load, {base.seconds:.0f} s: probe + driver)", f"{harness:.1f} %", "—"),
        ("CPU, listener minus harness", f"{listener - harness:.1f} % of one core", f"≤ {CPU_TARGET:.0f} %"),
    ]


async def run(args: argparse.Namespace) -> int:
    baseline, main = await Bench(args).run()
    rows = table(baseline, main, args)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'result':>36}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>36}  {target}")
    if args.markdown:
        lines = ["| measure | result | target |", "|---|---|---|"]
        lines += [f"| {n} | {v} | {t} |" for n, v, t in rows]
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds with no load first (harness cost)")
    parser.add_argument("--driver", choices=("asyncio", "qtimer"), default="asyncio",
                        help="apply batches from an asyncio task (like the channel) or from a QTimer")
    parser.add_argument("--hidden", action="store_true", help="never show the window (a minimised app)")
    parser.add_argument("--rate", type=float, default=50.0, help="deltas per second")
    parser.add_argument("--snapshot-every", type=float, default=1.0, metavar="S",
                        help="a reconnect and a full snapshot every S seconds (0: none)")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--hands", type=int, default=100, help="hands listed in each snapshot")
    parser.add_argument("--talkers", type=int, default=10, help="at most this many members talk at once")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--markdown", metavar="FILE")
    args = parser.parse_args(argv)
    app: QApplication = create_application()
    loop = qasync.QEventLoop(app)
    try:
        return loop.run_until_complete(run(args))
    finally:
        loop.close()


if __name__ == "__main__":
    sys.exit(main())
