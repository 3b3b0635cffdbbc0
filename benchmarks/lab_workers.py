"""Listener worker processes for the lab benchmarks (benchmarks.outage, benchmarks.first_seconds).

Many listeners in one Python process would share one event loop and one GIL; a few worker processes, each with
its own listeners, spread the load like separate clients would. A worker (`python -m benchmarks.lab_workers`)
builds its listeners (Plaza's ListenSession or the plain aiortc one), each recording a WAV, and talks JSON lines:
stdout carries `ready`, `joined`, periodic states (status, cushion, the process's CPU time) and `done`; stdin
takes `join` (with --await-join, so groups in several processes join together), `mark` and `stop`. At the end
each listener's clock (output sample ↔ wall time), media gaps, statuses, marks, cushion level samples and
counters are saved beside its recording for the analysis.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tests.lab import netlab
from tests.lab.audio_checks import OutputClock

CUSHION_MS = 1500.0
FULL_MS = 1450.0  # "full": the cushion hovers a frame or two around its target
MEDIA_QUIET_S = 0.1  # a pause between two media arrivals longer than this is a media gap


# ================================================================================================ worker side
@dataclass
class Watched:
    """One listener in a worker: its session, output clock, media gaps, status history and cushion samples."""

    name: str
    kind: str  # "plaza" | "plain"
    session: Any
    clock: OutputClock
    wav: str
    media_gaps: list[tuple[float, float]] = field(default_factory=list)  # (last media, next media)
    statuses: list[tuple[float, str, str]] = field(default_factory=list)
    marks: list[tuple[str, float, dict[str, Any]]] = field(default_factory=list)
    levels: list[tuple[float, float]] = field(default_factory=list)  # (time.monotonic(), buffered_ms)
    full_stats: dict[str, Any] | None = None  # the playout's counters when the cushion first reached FULL_MS
    last_media: float | None = None


def _last_media(session: Any) -> float | None:
    feed = session.supervisor.feed
    return None if feed is None else feed.last_media


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _build(args: argparse.Namespace, out_dir: Path) -> list[Watched]:
    from app.links import parse_link
    from app.listener.listen import ListenSession
    from benchmarks.plain_receiver import plain_listen_session

    link = parse_link(args.link)
    watched: list[Watched] = []
    for spec in args.listeners.split(","):
        name, kind = spec.split(":")
        wav = str(out_dir / f"{name}.wav")
        kwargs: dict[str, Any] = {"cushion_ms": CUSHION_MS, "with_channel": False}
        if args.start_ms is not None:
            kwargs["start_ms"] = args.start_ms
        make = plain_listen_session if kind == "plain" else ListenSession
        session = make(link, use_device=False, record=wav, **kwargs)
        clock = OutputClock()
        session.playout.played.connect(clock)
        w = Watched(name, kind, session, clock, wav)

        def on_status(change: Any, w: Watched = w) -> None:
            w.statuses.append((time.monotonic(), change.status.value, change.detail))

        session.status.changed.connect(on_status)
        watched.append(w)
    return watched


async def run_worker(args: argparse.Namespace) -> int:
    """Listen with the given listeners until stdin says `stop`; report on stdout, one JSON object a line."""
    logging.basicConfig(level=logging.ERROR)
    out_dir = Path(args.dir)
    watched = _build(args, out_dir)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    _emit({"ready": True, "pid": os.getpid()})
    if args.await_join:
        while (line := await reader.readline()) and json.loads(line)["cmd"] != "join":
            pass
    t_join = time.monotonic()
    _emit({"joined": t_join})
    await asyncio.gather(*(w.session.start() for w in watched))

    async def watch_media() -> None:
        while True:
            for w in watched:
                last = _last_media(w.session)
                if last is not None and last != w.last_media:
                    if w.last_media is not None and last - w.last_media > MEDIA_QUIET_S:
                        w.media_gaps.append((w.last_media, last))
                    w.last_media = last
            await asyncio.sleep(0.005)

    async def sample_levels() -> None:
        while True:
            now = time.monotonic()
            for w in watched:
                level = w.session.playout.buffered_ms
                w.levels.append((now, level))
                if w.full_stats is None and w.kind == "plaza" and level >= FULL_MS:
                    w.full_stats = asdict(w.session.stats().playout)
            await asyncio.sleep(args.sample_ms / 1000)

    async def report() -> None:
        while True:
            _emit({"t": time.monotonic(), "cpu": time.process_time(), "listeners": [
                {"name": w.name, "kind": w.kind, "status": w.session.status.current.status.value,
                 "cushion_ms": w.session.playout.buffered_ms} for w in watched]})
            await asyncio.sleep(0.25)

    tasks = [asyncio.create_task(watch_media()), asyncio.create_task(sample_levels()),
             asyncio.create_task(report())]
    try:
        while line := await reader.readline():
            command = json.loads(line)
            if command["cmd"] == "mark":
                now = time.monotonic()
                for w in watched:
                    w.marks.append((command["label"], now, asdict(w.session.stats().playout)))
            elif command["cmd"] == "stop":
                break
    finally:
        for task in tasks:
            task.cancel()
        _emit({"t": time.monotonic(), "cpu": time.process_time(), "listeners": []})
        final = {w.name: asdict(w.session.stats().playout) for w in watched}
        await asyncio.gather(*(w.session.close() for w in watched), return_exceptions=True)
    for w in watched:
        np.save(out_dir / f"{w.name}.clock.npy", np.array([w.clock.times, w.clock.starts], dtype=np.float64))
        (out_dir / f"{w.name}.listener.json").write_text(json.dumps({
            "name": w.name, "kind": w.kind, "wav": w.wav, "media_gaps": w.media_gaps, "statuses": w.statuses,
            "marks": w.marks, "reconnects": len(w.session.supervisor.history), "t_join": t_join,
            "levels": w.levels, "full_stats": w.full_stats, "final_stats": final[w.name],
        }))
    _emit({"done": True})
    return 0


def load_clock(out_dir: Path, name: str) -> OutputClock:
    """A listener's saved output clock."""
    times, starts = np.load(out_dir / f"{name}.clock.npy")
    clock = OutputClock()
    clock.times, clock.starts = times.tolist(), [int(s) for s in starts]
    clock.total = int(starts[-1]) + 960 if len(starts) else 0
    return clock


# ================================================================================================ orchestrator side
class Worker:
    """A worker process and the latest state it reported (and its CPU time samples: (wall, process CPU))."""

    def __init__(self, process: asyncio.subprocess.Process, names: list[str], kind: str = "") -> None:
        self.process = process
        self.names = names
        self.kind = kind
        self.state: dict[str, dict[str, Any]] = {}
        self.cpu: list[tuple[float, float]] = []
        self.ready = asyncio.Event()
        self.joined: float | None = None
        self.has_joined = asyncio.Event()
        self.done = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def spawn(cls, link: str, out_dir: Path, listeners: list[tuple[str, str]], *, kind: str = "",
                    start_ms: float | None = None, await_join: bool = False, sample_ms: float = 50.0) -> Worker:
        """Start `python -m benchmarks.lab_workers` for (name, kind) listeners."""
        argv = [sys.executable, "-m", "benchmarks.lab_workers", "--link", link, "--dir", str(out_dir),
                "--listeners", ",".join(f"{n}:{k}" for n, k in listeners), "--sample-ms", str(sample_ms)]
        if start_ms is not None:
            argv += ["--start-ms", str(start_ms)]
        if await_join:
            argv.append("--await-join")
        process = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.PIPE,
                                                       stdout=asyncio.subprocess.PIPE)
        return cls(process, [n for n, _ in listeners], kind)

    async def _read(self) -> None:
        assert self.process.stdout is not None
        while True:
            line = await self.process.stdout.readline()
            if not line:
                self.ready.set()  # a dead worker is not awaited forever
                self.has_joined.set()
                self.done.set()
                return
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                continue
            if message.get("ready"):
                self.ready.set()
            if "joined" in message:
                self.joined = message["joined"]
                self.has_joined.set()
            if message.get("done"):
                self.done.set()
            if "cpu" in message:
                self.cpu.append((message["t"], message["cpu"]))
            for entry in message.get("listeners", []):
                self.state[entry["name"]] = entry

    async def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()

    async def stop(self, timeout: float = 60.0) -> None:
        """Ask the worker to stop (it saves its listeners' files) and wait; kill it if it hangs."""
        try:
            await self.send({"cmd": "stop"})
        except (ConnectionError, RuntimeError):
            pass
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        await self.reader


def cpu_share(samples: list[tuple[float, float]], t0: float, t1: float) -> float | None:
    """Process CPU seconds per wall second between t0 and t1 (the samples nearest inside), or None."""
    inside = [s for s in samples if t0 <= s[0] <= t1]
    if len(inside) < 2 or inside[-1][0] - inside[0][0] <= 0:
        return None
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


async def lab_problem() -> str | None:
    """Why this process cannot run a lab benchmark (root, inside the lab's client namespace), or None."""
    if os.geteuid() != 0:
        return "needs root"
    ident = await asyncio.create_subprocess_exec("ip", "netns", "identify", str(os.getpid()),
                                                 stdout=asyncio.subprocess.PIPE)
    out, _ = await ident.communicate()
    if out.decode().strip() != netlab.CLIENT_NS:
        return f"not inside the lab's client namespace {netlab.CLIENT_NS}"
    return None


# ================================================================================================ tables
def render(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with padded columns."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--link", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--listeners", required=True, help="name:kind,… (kind: plaza | plain)")
    parser.add_argument("--start-ms", type=float, default=None)
    parser.add_argument("--await-join", action="store_true", help="start listening on a `join` command")
    parser.add_argument("--sample-ms", type=float, default=50.0, help="cushion level sampling period")
    return asyncio.run(run_worker(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
