"""Room UI benchmark: 10,000 state deltas/s into the RoomStateModel and the room view, on the qasync loop.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.room_ui [--seconds 30] [--rate 10000]

An asyncio task in the qasync loop applies the deltas in batches every 10 ms, as the channel would (its rate is
kept exact by catching up on elapsed time): 50 stage members, talking flips, mute flips, listener counts and
the odd hand-queue change. A 10 ms Qt timer probes the event loop: the lateness of each tick is how long Qt
could not run (max, p99). CPU is process time / wall time; the generator (which stands in for the network and
the JSON parser) is timed separately and reported apart from the listener's own share.
"""

from __future__ import annotations

import argparse
import asyncio
import random
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
from app.room.protocol import Delta, Hand, ListenerCount, Role, Snapshot, StageMember
from app.ui.app import create_application
from app.ui.avatar import Avatar
from app.ui.room_view import RoomView

CONTROLLER = "ctl-bench"
OWN = "l-bench"
PROBE_MS = 10
BATCH_MS = 10
STALL_TARGET_MS = 50.0
CPU_TARGET = 10.0


class RoomFeed:
    """The controller's side: a 50-member stage whose members talk, mute and whose audience grows and shrinks."""

    def __init__(self, members: int, rng: random.Random) -> None:
        self.rng = rng
        roles = [Role.HOST] + [Role.CO_HOST] * 2 + [Role.SPEAKER] * (members - 3)
        base = [StageMember(str(7400 + i), f"Speaker {i}", roles[i], False, False) for i in range(members)]
        # Every member's four looks, built once: a flip then costs one Delta, like a parsed message would.
        self.looks = [{(mu, ta): StageMember(m.id, m.name, m.role, mu, ta) for mu in (False, True)
                       for ta in (False, True)} for m in base]
        self.muted = [False] * members
        self.talking = [False] * members
        self.count = 450_000
        self.seq = 1
        self.snapshot = Snapshot(1, 1234, CONTROLLER, "Benchmark room", False, tuple(base),
                                 ListenerCount(self.count, time.time()), (), 0)

    def next(self, now_wall: float) -> Delta:
        rng, seq = self.rng, self.seq
        self.seq += 1
        r = rng.random()
        if r < 0.6:  # talking flip
            i = rng.randrange(len(self.looks))
            self.talking[i] = not self.talking[i]
            return Delta(seq + 1, seq, CONTROLLER, upsert=(self.looks[i][self.muted[i], self.talking[i]],))
        if r < 0.8:  # mute flip
            i = rng.randrange(len(self.looks))
            self.muted[i] = not self.muted[i]
            return Delta(seq + 1, seq, CONTROLLER, upsert=(self.looks[i][self.muted[i], self.talking[i]],))
        if r < 0.99:  # listener count
            self.count = max(0, self.count + rng.randrange(-2_000, 2_500))
            return Delta(seq + 1, seq, CONTROLLER, listeners=ListenerCount(self.count, now_wall))
        queue = [f"l-{n}" for n in range(rng.randrange(0, 8))]  # the hand queue moves; ours comes and goes
        queue.insert(rng.randrange(len(queue) + 1), OWN)
        hands = tuple(Hand(h, h, now_wall) for h in queue)
        return Delta(seq + 1, seq, CONTROLLER, hands=hands, hands_total=len(hands))


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
    max_batch: int = 0
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
        self.feed = RoomFeed(args.members, random.Random(args.seed))
        self.model.apply_snapshot(self.feed.snapshot, time.monotonic())  # nobody talks yet: an idle stage
        self.model.set_hand_raised(True)
        self.view = RoomView()
        self.view.resize(1000, 1300)  # every tile on screen: the worst case for painting
        self.view.set_room(1234, "Benchmark room")
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
        self.t0 = 0.0
        self.applied = 0
        self.now = Counters()

    def batch(self) -> None:
        """Apply the deltas due since the last batch, so the rate stays exact whatever the timer jitter."""
        due = int((time.perf_counter() - self.t0) * self.rate) - self.applied
        if due <= 0:
            return
        t0 = time.thread_time()
        wall = time.time()
        batch = [self.feed.next(wall) for _ in range(due)]
        t1 = time.thread_time()
        mono = time.monotonic()
        apply = self.model.apply_delta
        refused = sum(1 for d in batch if not apply(d, mono))
        t2 = time.thread_time()
        self.applied += due
        c = self.now
        c.generate_cpu += t1 - t0
        c.apply_cpu += t2 - t1
        c.deltas += due
        c.refused += refused
        c.max_batch = max(c.max_batch, due)

    async def phase(self, rate: float, seconds: float) -> Counters:
        """Run at `rate` deltas/s for `seconds` (after the previous phase, without a gap) and measure it."""
        if self.rate != rate:
            self.rate, self.t0, self.applied = rate, time.perf_counter(), 0
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
        baseline = await self.phase(0.0, self.args.baseline)
        await self.phase(self.args.rate, self.args.warmup)
        main = await self.phase(self.args.rate, self.args.seconds)
        self.probe_timer.stop()
        self.view.set_state_model(None)
        self.view.close()
        return baseline, main


def table(base: Counters, c: Counters, args: argparse.Namespace) -> list[tuple[str, str, str]]:
    late = np.array(c.late_ms) if c.late_ms else np.zeros(1)
    wall = c.seconds
    listener = c.pct(c.cpu - c.generate_cpu)
    harness = base.pct(base.cpu)
    apply = c.pct(c.apply_cpu)
    return [
        ("run", f"{wall:.1f} s, {args.members} members, {args.driver}{', hidden' if args.hidden else ''}", "—"),
        ("deltas applied", f"{c.deltas:,} ({c.deltas / wall:,.0f}/s)", f"{args.rate:,.0f}/s"),
        ("deltas refused (sequence gaps)", f"{c.refused}", "0"),
        ("largest batch", f"{c.max_batch}", "—"),
        ("event-loop stall, max", f"{late.max():.1f} ms", f"≤ {STALL_TARGET_MS:.0f} ms"),
        ("event-loop stall, p99", f"{np.percentile(late, 99):.1f} ms", "—"),
        ("event-loop stall, median", f"{np.median(late):.2f} ms", "—"),
        ("probe ticks", f"{len(c.late_ms):,} (of {wall * 1000 / PROBE_MS:,.0f} due)", "—"),
        ("coalesced UI updates", f"{c.flushes:,} ({c.flushes / wall:.1f}/s)", "≤ 20/s"),
        ("tile (avatar) repaints", f"{c.tile_paints:,} ({c.tile_paints / wall:,.0f}/s)", "—"),
        ("label/button repaints", f"{c.label_paints:,} ({c.label_paints / wall:,.0f}/s)", "—"),
        ("CPU, whole process", f"{c.pct(c.cpu):.1f} % of one core", "—"),
        ("CPU, generator (network stand-in)", f"{c.pct(c.generate_cpu):.1f} %", "not the listener's"),
        ("CPU, listener (apply + UI + loop)", f"{listener:.1f} % of one core", f"< {CPU_TARGET:.0f} %"),
        ("  model.apply_delta (+ bridge callback)", f"{apply:.1f} %", "—"),
        ("  Qt: UI updates, repaints, event loop", f"{listener - apply:.1f} %", "—"),
        (f"  harness alone (0 deltas, {base.seconds:.0f} s: probe + driver)", f"{harness:.1f} %", "—"),
        ("CPU, listener minus harness", f"{listener - harness:.1f} % of one core", "—"),
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
    parser.add_argument("--baseline", type=float, default=3.0, help="seconds with no deltas first (harness cost)")
    parser.add_argument("--driver", choices=("asyncio", "qtimer"), default="asyncio",
                        help="apply batches from an asyncio task (like the channel) or from a QTimer")
    parser.add_argument("--hidden", action="store_true", help="never show the window (a minimised app)")
    parser.add_argument("--rate", type=float, default=10_000.0, help="deltas per second")
    parser.add_argument("--members", type=int, default=50)
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
