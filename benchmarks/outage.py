"""Outage benchmark: what listeners hear through faults, Plaza's playout and a plain aiortc receiver side by side.

    sudo .venv/bin/python -m tests.lab.netlab run -- .venv/bin/python -m benchmarks.outage [--runs N] [--markdown F]

One room (Janus in the lab's server namespace) whose feed is a swept tone from a sender beside Janus
(tests.support.rtp_source: 400 → 1000 Hz over 60 s), so a kill -9 of Janus never silences the source and the pitch a
listener hears tells which moment of the source it is. ≥ 10 Plaza listeners and ≥ 10 plain listeners (aiortc's
own jitter buffer and decoder into a FIFO; the same reconnect supervisor) listen at once, in worker processes,
each a ListenSession with its own recording. Every fault hits all of them together: one event, one sample per
listener. Before each fault every Plaza listener's cushion is full again (steady state, not the first 30 s).

Per listener and fault, from its recording and clocks:
- audible gap: output time more than 10 dB under the tone's level (silence, comfort noise, fades, deep sags);
- content skipped: source time never played, from the swept tone's pitch on both sides of each break;
- recovery: from the fault's end (link up / Janus accepting again) to the first audio reaching the receiver
  (Plaza: an RTP packet into the cushion; plain: a decoded frame from aiortc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.lab_workers import FULL_MS, Worker, lab_problem, load_clock, markdown, render
from tests.lab import faults, netlab
from tests.lab.audio_checks import WINDOW, Sweep, content_skipped_s, tone_level
from tests.support import janus_faults

SWEEP = Sweep(400.0, 1000.0, 60.0, leap=2.5)
GAP_BELOW_DB = 10.0

log = logging.getLogger("benchmarks.outage")


# ================================================================================================ orchestrator
@dataclass
class Event:
    """One fault as it happened: when it started, when it ended (link up / Janus accepting), until when observed."""

    name: str
    label: str  # name#run: the worker marks' key
    start: float
    end: float
    observe_until: float = 0.0
    min_cushion_ms: float = 0.0
    has_recovery: bool = True


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workers: list[Worker] = []
        self.room: Any = None
        self.source: Any = None
        self.events: list[Event] = []

    def listeners(self) -> list[dict[str, Any]]:
        return [s for w in self.workers for s in w.state.values()]

    async def wait(self, condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True

    def all_live(self) -> bool:
        states = self.listeners()
        return len(states) == self.args.plaza + self.args.plain and all(s["status"] == "live" for s in states)

    def min_cushion(self) -> float:
        return min((s["cushion_ms"] for s in self.listeners() if s["kind"] == "plaza"), default=0.0)

    async def steady(self, timeout: float) -> float:
        """Wait until every listener is live and every Plaza cushion is full; returns the smallest cushion."""
        if not await self.wait(self.all_live, timeout):
            log.warning("not all listeners live after %.0f s: %s", timeout,
                        [(s["name"], s["status"]) for s in self.listeners() if s["status"] != "live"])
        if not await self.wait(lambda: self.min_cushion() >= FULL_MS, timeout):
            log.warning("cushions not full after %.0f s (smallest %.0f ms)", timeout, self.min_cushion())
        return self.min_cushion()

    async def mark(self, label: str) -> None:
        await asyncio.gather(*(w.send({"cmd": "mark", "label": label}) for w in self.workers))

    async def start(self, out_dir: Path) -> None:
        from app.local.janus_config import LocalRoomConfig
        from app.local.room import LocalRoom
        from tests.support.rtp_source import RtpSourceProcess

        prefix = ["ip", "netns", "exec", netlab.SERVER_NS]
        config = LocalRoomConfig(ws_ip=netlab.SERVER_IP, forward_port=0, ice_enforce_list=netlab.SERVER_IF,
                                 stage_forward=False, debug_level=3)
        # no controller: listeners here do not join the channel, and its reconnect logs would only be noise
        self.room = LocalRoom(config, prefix=prefix, speaker=None, controller=False)
        await self.room.start()
        self.source = RtpSourceProcess(self.room.config.forward_port, tone=SWEEP.low, prefix=prefix, extra_args=[
            "--sweep-to", str(SWEEP.high), "--sweep-period", str(SWEEP.period), "--leap", str(SWEEP.leap)])
        await self.source.start()
        # interleave the kinds over the workers so both share every worker's (and the machine's) load alike
        both = min(self.args.plaza, self.args.plain)
        order = ["plaza", "plain"] * both
        order += ["plaza"] * (self.args.plaza - both) + ["plain"] * (self.args.plain - both)
        names = [f"{kind}-{i:02d}" for i, kind in enumerate(order)]
        for w in range(self.args.workers):
            mine = [(names[i], order[i]) for i in range(w, len(order), self.args.workers)]
            if mine:
                self.workers.append(await Worker.spawn(self.room.config.link_text, out_dir, mine,
                                                       start_ms=self.args.start_ms))

    async def stop(self) -> None:
        await asyncio.gather(*(worker.stop() for worker in self.workers))
        if self.source is not None:
            await self.source.stop()
        if self.room is not None:
            await self.room.close()

    # ------------------------------------------------------------------------------------------ faults
    async def blackout(self, seconds: float) -> tuple[float, float]:
        report = await faults.blackout(seconds)
        return report.down_at, report.up_at

    async def loss(self, percent: float, seconds: float) -> tuple[float, float]:
        async with faults.random_loss(int(percent)) as rule:
            await asyncio.sleep(seconds)
        return rule.applied_at, rule.removed_at or time.monotonic()

    async def kill(self, delay: float) -> tuple[float, float]:
        janus = self.room.janus
        t_kill = time.monotonic()
        await janus_faults.restart(janus, delay=delay)
        return t_kill, time.monotonic()

    def scenarios(self) -> list[tuple[str, Callable[[], Awaitable[tuple[float, float]]], bool]]:
        s: list[tuple[str, Callable[[], Awaitable[tuple[float, float]]], bool]] = []
        for seconds in (0.2, 0.5, 1.0, 1.4, 2.0, 3.0):
            s.append((f"blackout {seconds:g} s", lambda x=seconds: self.blackout(x), True))
        s.append((f"{self.args.loss:g} % loss, {self.args.loss_seconds:g} s",
                  lambda: self.loss(self.args.loss, self.args.loss_seconds), False))
        s.append(("kill -9, immediate restart", lambda: self.kill(0.0), True))
        s.append(("kill -9, restart after 2 s", lambda: self.kill(2.0), True))
        return s

    async def run(self) -> None:
        print(f"{self.args.plaza} Plaza + {self.args.plain} plain listeners in {len(self.workers)} workers; "
              "waiting for every cushion to fill", flush=True)
        await self.steady(self.args.settle_timeout + 30)
        for run in range(self.args.runs):
            for name, fault, has_recovery in self.scenarios():
                if self.args.only and not any(o in name for o in self.args.only):
                    continue
                level = await self.steady(self.args.settle_timeout)
                label = f"{name}#{run}"
                await self.mark(f"{label}:before")
                start, end = await fault()
                event = Event(name, label, start, end, min_cushion_ms=level, has_recovery=has_recovery)
                print(f"  run {run + 1}: {name}: {end - start:.2f} s; smallest cushion before {level:.0f} ms",
                      flush=True)
                # observe: until everyone is live again, then long enough for a drained cushion to play again
                await self.wait(self.all_live, 40.0)
                await asyncio.sleep(4.0)
                event.observe_until = time.monotonic()
                await self.mark(f"{label}:after")
                self.events.append(event)


# ================================================================================================ analysis
@dataclass
class Sample:
    gap_ms: float  # ≥ GAP_BELOW_DB under the tone
    silent_ms: float  # under SILENCE_RMS (−50 dBFS), the tests' definition
    skipped_ms: float
    recovery_ms: float | None
    plaza_gap_ms: float | None = None  # the cushion's own counters, for a cross-check
    plaza_skipped_ms: float | None = None


def analyse(out_dir: Path, events: list[Event]) -> dict[tuple[str, str], list[Sample]]:
    from tests.support.analysis import SILENCE_RMS, frame_rms, read_wav

    samples: dict[tuple[str, str], list[Sample]] = {}
    for meta_path in sorted(out_dir.glob("*.listener.json")):
        meta = json.loads(meta_path.read_text())
        clock = load_clock(out_dir, meta["name"])
        pcm = read_wav(meta["wav"])
        level = tone_level(pcm)
        rms = frame_rms(pcm, WINDOW)
        quiet = rms < level * 10 ** (-GAP_BELOW_DB / 20)
        silent = rms < SILENCE_RMS
        marks = {label: stats for label, _t, stats in meta["marks"]}
        for event in events:
            i0 = clock.index_at(event.start - 0.5)
            i1 = clock.index_at(event.observe_until)
            w0, w1 = i0 // WINDOW, i1 // WINDOW
            gap_ms = float(quiet[w0:w1].sum()) * WINDOW / 48
            silent_ms = float(silent[w0:w1].sum()) * WINDOW / 48

            # Only silence counts as "not played" here: a concealed frame (PLC/FEC, even a sagging one) stands in
            # for its content in place, the timeline goes on; that is masked, not skipped (as the cushion counts).
            def gap_between(a: float, b: float, base: int = i0, silent: np.ndarray = silent) -> float:
                lo, hi = (base + int(a * 48000)) // WINDOW, (base + int(b * 48000)) // WINDOW
                return float(silent[lo:hi].sum()) * WINDOW / 48000

            skipped = 1000 * content_skipped_s(pcm[i0:i1], SWEEP, gap_between)
            recovery: float | None = None
            if event.has_recovery:
                resumed = [b for a, b in meta["media_gaps"] if a <= event.end + 0.05 and b >= event.start]
                if resumed:
                    recovery = max(0.0, 1000 * (resumed[-1] - event.end))
            sample = Sample(gap_ms, silent_ms, skipped, recovery)
            before, after = marks.get(f"{event.label}:before"), marks.get(f"{event.label}:after")
            if meta["kind"] == "plaza" and before is not None and after is not None:
                sample.plaza_gap_ms = after["audible_gap_ms"] - before["audible_gap_ms"]
                sample.plaza_skipped_ms = after["content_skipped_ms"] - before["content_skipped_ms"]
            samples.setdefault((event.name, meta["kind"]), []).append(sample)
    return samples


def _stat(values: list[float]) -> str:
    clean = [v for v in values if not np.isnan(v)]
    if not clean:
        return "—"
    return f"{np.median(clean):.0f} / {np.percentile(clean, 95):.0f}"


def table(results: dict[tuple[str, str], list[Sample]], events: list[Event]) -> list[list[str]]:
    rows = []
    for name in dict.fromkeys(e.name for e in events):
        for kind in ("plaza", "plain"):
            values = results.get((name, kind), [])
            if not values:
                continue
            recoveries = [s.recovery_ms for s in values if s.recovery_ms is not None]
            with_gap = sum(1 for s in values if s.gap_ms > 0)
            rows.append([name, "Plaza" if kind == "plaza" else "plain aiortc", str(len(values)),
                         _stat([s.gap_ms for s in values]), f"{with_gap}/{len(values)}",
                         _stat([s.silent_ms for s in values]),
                         _stat([s.skipped_ms for s in values]),
                         _stat(recoveries) if recoveries else "—"])
    return rows


def cross_check(results: dict[tuple[str, str], list[Sample]], events: list[Event]) -> list[list[str]]:
    rows = []
    for name in dict.fromkeys(e.name for e in events):
        values = [s for s in results.get((name, "plaza"), []) if s.plaza_gap_ms is not None]
        if values:
            rows.append([name, _stat([s.gap_ms for s in values]), _stat([s.plaza_gap_ms or 0.0 for s in values]),
                         _stat([s.skipped_ms for s in values]), _stat([s.plaza_skipped_ms or 0.0 for s in values])])
    return rows


HEADER = ["fault", "receiver", "n", "audible gap ms", "with a gap", "of it silent ms", "content skipped ms",
          "recovery ms"]
CHECK_HEADER = ["fault", "gap measured", "gap self-reported", "skipped measured", "skipped self-reported"]


async def run_bench(args: argparse.Namespace) -> int:
    problem = await lab_problem()
    if problem:
        print(f"benchmarks.outage: {problem}; run: python -m tests.lab.netlab run -- python -m benchmarks.outage",
              file=sys.stderr)
        return 2
    out_dir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="plaza-outage-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    bench = Bench(args)
    t0 = time.monotonic()
    try:
        await bench.start(out_dir)
        await bench.run()
    finally:
        await bench.stop()
        faults.clear()
        (out_dir / "events.json").write_text(json.dumps([asdict(e) for e in bench.events]))
    print(f"faults done in {time.monotonic() - t0:.0f} s; analysing {len(list(out_dir.glob('*.wav')))} recordings",
          flush=True)
    report(out_dir, bench.events, args.markdown)
    if not args.keep:
        shutil.rmtree(out_dir, ignore_errors=True)
    return 0


def report(out_dir: Path, events: list[Event], markdown_path: str | None) -> None:
    results = analyse(out_dir, events)
    rows = table(results, events)
    checks = cross_check(results, events)
    print()
    print(render(HEADER, rows))
    print()
    print("Plaza: measured from the recordings vs the cushion's own counters (median / p95, ms)")
    print(render(CHECK_HEADER, checks))
    print("\nsmallest Plaza cushion before each fault: "
          + ", ".join(f"{e.name} {e.min_cushion_ms:.0f} ms" for e in events))
    if markdown_path:
        Path(markdown_path).write_text(markdown(HEADER, rows) + "\n\n" + markdown(CHECK_HEADER, checks) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="repeat the whole fault sequence (samples = runs × n)")
    parser.add_argument("--plaza", type=int, default=10, help="Plaza listeners")
    parser.add_argument("--plain", type=int, default=10, help="plain aiortc listeners")
    parser.add_argument("--workers", type=int, default=4, help="listener processes")
    parser.add_argument("--start-ms", type=float, default=None, help="Plaza's start/refill level (default: its own)")
    parser.add_argument("--loss", type=float, default=5.0, help="random loss percent")
    parser.add_argument("--loss-seconds", type=float, default=30.0)
    parser.add_argument("--settle-timeout", type=float, default=45.0, help="max wait for full cushions per fault")
    parser.add_argument("--only", action="append", help="run only faults whose name contains this (repeatable)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the tables as Markdown")
    parser.add_argument("--keep", metavar="DIR", help="keep recordings and clocks in DIR")
    parser.add_argument("--analyse", metavar="DIR", help="only analyse what a --keep run left in DIR")
    args = parser.parse_args(argv)
    if args.analyse:
        events = [Event(**e) for e in json.loads((Path(args.analyse) / "events.json").read_text())]
        report(Path(args.analyse), events, args.markdown)
        return 0
    if args.plaza < 1 or args.plain < 1 or args.runs < 1 or args.workers < 1:
        parser.error("--plaza, --plain, --runs and --workers must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(run_bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
