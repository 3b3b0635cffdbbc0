"""`plaza swarm N LINK`: N headless listeners in one process, for load tests and diagnostics.

Each listener is one `ListenSession` on the system clock (no sound device) with its own connection, cushion and
counters, exactly what `plaza listen --no-audio-device` runs; the swarm adds no per-listener timer. Joins are
spread at `--ramp` per second with jittered start times, so the swarm does not stampede the server. At the end
(`--duration`, Ctrl-C, every joined listener's room ended, or none could join) it leaves, then prints one line per
listener (joined, time to first audio, reconnects, audible gaps, concealed frames) and the totals, with the
process's CPU and the listeners one core carries. `--json FILE` keeps a machine-readable copy of every listener's
numbers up to date while it runs (app/cli/swarm_report.py).

Exit codes: 0 every listener joined; 2 bad usage or link; 3 none could join; 4 some joined, some did not (or
were stopped before their turn to join); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli import EXIT_INTERRUPTED, EXIT_JOIN_FAILED, EXIT_OK, EXIT_USAGE, _fail, _link_or_fail, _stop_event
from app.cli.swarm_report import keep_writing, snapshot, write_json

if TYPE_CHECKING:
    from app.links import RoomLink
    from app.listener.listen import ListenSession
    from app.listener.status import StatusChange

EXIT_SOME_FAILED = 4
# One process plays on one core (one event loop, one GIL): a few hundred listeners is already more than it can play
# without gaps, and each listener holds ~4 sockets (feed and channel: a WebSocket and ICE's UDP each). 1000 keeps
# a typo (10000) from opening tens of thousands of sockets against a server.
MAX_LISTENERS = 1000
DEFAULT_RAMP = 20.0  # joins per second: each join is a Janus session, a handle, an SDP round and DTLS on the server
FILES_PER_LISTENER = 8  # open files a listener may hold (sockets and ICE's UDP per interface), with room to spare

log = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sw = sub.add_parser("swarm", help="N headless listeners in one process (load tests, diagnostics); prints a "
                                      "summary per listener",
                        epilog="exit codes: 0 all joined, 2 bad usage or link, 3 none could join, 4 some did not "
                               "join, 130 interrupted")
    sw.add_argument("n", type=int, metavar="N", help=f"how many listeners, 1-{MAX_LISTENERS}")
    sw.add_argument("link", help="room link, e.g. plaza://HOST:PORT/ROOM")
    sw.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds (from the start)")
    sw.add_argument("--ramp", type=float, default=DEFAULT_RAMP, metavar="PER_S",
                    help=f"joins per second, start times jittered (default {DEFAULT_RAMP:g})")
    sw.add_argument("--no-channel", action="store_true", help="audio only: no room channel (state, hands) each")
    sw.add_argument("--cushion", type=float, default=1.5, metavar="S",
                    help="each listener's cushion, 0.2-5 s (default 1.5)")
    sw.add_argument("--stats-every", type=float, default=None, metavar="S",
                    help="print one line of swarm totals every S seconds")
    sw.add_argument("--json", default=None, metavar="FILE",
                    help="keep FILE up to date with every listener's numbers (JSON, rewritten twice a second, "
                         "the last time at the end; see app/cli/swarm_report.py)")


def check_args(args: argparse.Namespace) -> str | None:
    """What is wrong with the options, or None."""
    if not 1 <= args.n <= MAX_LISTENERS:
        return f"N must be 1-{MAX_LISTENERS} (one process plays on one core), got {args.n}"
    if args.duration is not None and not args.duration > 0:  # (NaN too)
        return "--duration must be positive"
    if not 0 < args.ramp <= 1000:
        return "--ramp must be more than 0 and at most 1000 joins per second"
    if not 0.2 <= args.cushion <= 5.0:
        return "--cushion must be between 0.2 and 5 seconds"
    if args.stats_every is not None and not 1.0 <= args.stats_every < float("inf"):
        return "--stats-every must be at least 1 second"
    return None


def join_times(n: int, ramp: float, rng: random.Random) -> list[float]:
    """When each listener starts joining (s from the start): one per 1/ramp s, each jittered within its slot, so
    joins neither come in lockstep nor bunch up."""
    slot = 1.0 / ramp
    return [i * slot + rng.uniform(0.0, slot) for i in range(n)]


# ------------------------------------------------------------------------------------------------ results
@dataclass(frozen=True)
class ListenerResult:
    """One listener at the end of the run (counters are the playout's: app.media.counters)."""

    index: int
    joined: bool
    first_audio_ms: float | None = None  # join started → first audible block
    reconnects: int = 0
    audible_gaps: int = 0
    audible_gap_ms: float = 0.0
    concealed_frames: int = 0
    packets_lost: int = 0
    status: str = ""  # RoomStatus value at the end, or why it did not join


@dataclass(frozen=True)
class CpuSpan:
    """Process CPU (all threads) over a span of wall time."""

    wall_s: float
    cpu_s: float

    @property
    def cores(self) -> float:
        return self.cpu_s / self.wall_s if self.wall_s > 0 else 0.0


@dataclass(frozen=True)
class SwarmSummary:
    listeners: tuple[ListenerResult, ...]
    run: CpuSpan  # the whole run: ramp, playing, leaving
    playing: CpuSpan | None = None  # from the last join to the stop: what N listeners cost to keep playing
    playing_count: int = 0  # joined listeners during that span

    @property
    def joined(self) -> int:
        return sum(r.joined for r in self.listeners)

    def listeners_per_core(self) -> float | None:
        span = self.playing
        if span is None or span.wall_s < 1.0 or span.cpu_s <= 0 or not self.playing_count:
            return None
        return self.playing_count / span.cores

    def exit_code(self) -> int:
        if self.joined == len(self.listeners):
            return EXIT_OK
        return EXIT_JOIN_FAILED if self.joined == 0 else EXIT_SOME_FAILED


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def summary_text(summary: SwarmSummary) -> str:
    """The table (one line per listener) and the totals."""
    rows = [f"{'#':>4}  {'joined':6}  {'first audio ms':>14}  {'reconnects':>10}  {'gaps':>4}  {'gap ms':>6}  "
            f"{'concealed':>9}  {'lost':>5}  status"]
    for r in summary.listeners:
        if r.joined:
            rows.append(f"{r.index:>4}  {'yes':6}  {_ms(r.first_audio_ms):>14}  {r.reconnects:>10}  "
                        f"{r.audible_gaps:>4}  {r.audible_gap_ms:>6.0f}  {r.concealed_frames:>9}  "
                        f"{r.packets_lost:>5}  {r.status}")
        else:
            rows.append(f"{r.index:>4}  {'no':6}  {'-':>14}  {'-':>10}  {'-':>4}  {'-':>6}  {'-':>9}  {'-':>5}  "
                        f"{r.status}")
    joined = [r for r in summary.listeners if r.joined]
    firsts = [r.first_audio_ms for r in joined if r.first_audio_ms is not None]
    heard = (f"first audio median {statistics.median(firsts):.0f} ms, max {max(firsts):.0f} ms"
             if firsts else "no audio heard")
    n = len(summary.listeners)
    rows.append(f"total: {n} listeners, {len(joined)} joined, {len(firsts)} heard audio ({heard}), "
                f"{n - len(joined)} did not join")
    rows.append(f"total: {sum(r.reconnects for r in joined)} reconnects, {sum(r.audible_gaps for r in joined)} "
                f"audible gaps ({sum(r.audible_gap_ms for r in joined):.0f} ms), "
                f"{sum(r.concealed_frames for r in joined)} concealed frames, "
                f"{sum(r.packets_lost for r in joined)} packets lost")
    run = summary.run
    rows.append(f"cpu: {run.cpu_s:.1f} s over {run.wall_s:.1f} s = {100 * run.cores:.1f} % of one core "
                f"(the whole run; this machine has {os.cpu_count() or 1} cores)")
    per_core = summary.listeners_per_core()
    if per_core is not None and summary.playing is not None:
        span = summary.playing
        rows.append(f"cpu: playing {summary.playing_count} listeners for {span.wall_s:.1f} s: "
                    f"{100 * span.cores:.1f} % of one core, {100 * span.cores / summary.playing_count:.2f} % each "
                    f"= {per_core:.0f} listeners per core")
    else:
        rows.append("cpu: no span with every listener joined and playing for a second or more: no per-core figure")
    return "\n".join(rows)


def _shown(text: object, limit: int = 120) -> str:
    """Server text on one table line: printable characters only, bounded."""
    return "".join(c if c.isprintable() else " " for c in str(text))[:limit]


# ------------------------------------------------------------------------------------------------ the swarm
@dataclass
class SwarmListener:
    """One listener's session and what the swarm notes about it (set by one-shot callbacks, no timers)."""

    index: int
    session: ListenSession
    started_at: float  # monotonic, when its join began
    first_audio_at: float | None = None
    joined: bool = False
    error: str | None = None

    def result(self) -> ListenerResult:
        if not self.joined:
            return ListenerResult(self.index, False, status=f"did not join: {self.error or 'stopped while joining'}")
        stats = self.session.stats()
        p = stats.playout
        first = None if self.first_audio_at is None else 1000.0 * (self.first_audio_at - self.started_at)
        return ListenerResult(self.index, True, first, len(stats.reconnects), p.audible_gaps, p.audible_gap_ms,
                              p.concealed_frames, p.packets_lost, stats.status)


class Swarm:
    """N listeners of one room: ramped joins, totals while running, one summary at the end; close() is idempotent."""

    def __init__(self, link: RoomLink, n: int, *, ramp: float = DEFAULT_RAMP, with_channel: bool = True,
                 cushion_ms: float = 1500.0, seed: int | None = None) -> None:
        self.link, self.n, self.ramp = link, n, ramp
        self.with_channel, self.cushion_ms, self.seed = with_channel, cushion_ms, seed
        self.listeners: list[SwarmListener] = []
        self.done = asyncio.Event()  # nothing left to play: every listener's join settled, none still in the room
        self._ended: set[int] = set()  # listeners whose room ended (a status may repeat)
        self._joins: set[asyncio.Task[None]] = set()
        self._ramp_task: asyncio.Task[None] | None = None
        self._ramp_done = False
        self._close_task: asyncio.Future[None] | None = None
        self._t0, self._cpu0 = time.monotonic(), time.process_time()
        self._playing_from: tuple[float, float] | None = None  # (monotonic, cpu) when the last join settled

    def start(self) -> None:
        self._t0, self._cpu0 = time.monotonic(), time.process_time()
        self._ramp_task = asyncio.create_task(self._ramp(), name="swarm-ramp")

    async def _ramp(self) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for index, at in enumerate(join_times(self.n, self.ramp, random.Random(self.seed)), start=1):
            await asyncio.sleep(max(0.0, t0 + at - loop.time()))
            member = self._add(index)  # before its task runs: close() must see every session there is
            task = asyncio.create_task(self._join(member), name=f"swarm-join-{index}")
            self._joins.add(task)
            task.add_done_callback(self._joins.discard)
        while self._joins:
            await asyncio.wait(set(self._joins))
        self._playing_from = (time.monotonic(), time.process_time())
        self._ramp_done = True
        self._check_ended()

    def _add(self, index: int) -> SwarmListener:
        from app.listener.listen import ListenSession

        session = ListenSession(self.link, use_device=False, fall_back_to_clock=False, cushion_ms=self.cushion_ms,
                                with_channel=self.with_channel)
        member = SwarmListener(index, session, time.monotonic())
        self.listeners.append(member)

        def heard() -> None:
            member.first_audio_at = time.monotonic()

        session.playout.first_audio.connect(heard)  # once per room, on the loop (the clock output's pull)
        session.status.changed.connect(lambda change: self._on_status(member, change))
        return member

    async def _join(self, member: SwarmListener) -> None:
        member.started_at = time.monotonic()
        try:
            await member.session.start()
            member.joined = True
        except Exception as exc:  # one listener's failure is its line in the summary, never the swarm's end
            member.error = _shown(exc)
            log.debug("listener %d did not join", member.index, exc_info=True)
            await member.session.close()

    def _on_status(self, member: SwarmListener, change: StatusChange) -> None:
        from app.listener.status import RoomStatus

        if change.status == RoomStatus.ENDED and member.joined:
            self._ended.add(member.index)
            self._check_ended()

    def _check_ended(self) -> None:
        if self._ramp_done and len(self._ended) >= sum(m.joined for m in self.listeners):
            self.done.set()  # (also when none could join: waiting on would only wait for --duration)

    def totals_line(self) -> str:
        """`--stats-every`: the swarm in one line (a snapshot of every listener's counters)."""
        joined = [r for r in (m.result() for m in self.listeners) if r.joined]
        wall, cpu = time.monotonic() - self._t0, time.process_time() - self._cpu0
        return (f"swarm: {wall:.0f} s joined {len(joined)}/{self.n} live {sum(r.status == 'live' for r in joined)} "
                f"heard {sum(r.first_audio_ms is not None for r in joined)} "
                f"reconnects {sum(r.reconnects for r in joined)} gaps {sum(r.audible_gaps for r in joined)} "
                f"({sum(r.audible_gap_ms for r in joined):.0f} ms) cpu {100 * cpu / wall if wall else 0:.0f} %")

    def stop(self) -> SwarmSummary:
        """Snapshot every listener's counters and the CPU spans now (leaving resets the counters)."""
        now, cpu = time.monotonic(), time.process_time()
        playing = None
        if self._playing_from is not None:
            playing = CpuSpan(now - self._playing_from[0], cpu - self._playing_from[1])
        results = sorted((m.result() for m in self.listeners), key=lambda r: r.index)
        started = {r.index for r in results}
        results += [ListenerResult(i, False, status="did not join: stopped before its turn")
                    for i in range(1, self.n + 1) if i not in started]
        return SwarmSummary(tuple(results), CpuSpan(now - self._t0, cpu - self._cpu0), playing,
                            sum(r.joined for r in results))

    async def close(self) -> None:
        """Stop joining and leave with every listener at once; idempotent, every call waits for the one teardown
        (a cancelled caller does not cut it short)."""
        if self._close_task is None:
            self._close_task = asyncio.ensure_future(self._teardown())
        await asyncio.shield(self._close_task)

    async def _teardown(self) -> None:
        if self._ramp_task is not None:
            self._ramp_task.cancel()
            await asyncio.gather(self._ramp_task, return_exceptions=True)
        # a session closed while joining makes its join raise, so the join tasks end with it
        results = await asyncio.gather(*(m.session.close() for m in self.listeners), *self._joins,
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.error("leaving the room: %s", result, exc_info=result)


def raise_open_files_limit(n: int) -> str | None:
    """Lift the soft open-files limit to what N listeners need (up to the hard limit); a warning if it is short."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to lift
        return None
    need = 64 + FILES_PER_LISTENER * n
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            target = soft
        if target < need:
            return f"the open-files limit ({target}) may be too low for {n} listeners (~{need}); see `ulimit -n`"
    return None


async def swarm(args: argparse.Namespace) -> int:

    problem = check_args(args)
    if problem is not None:
        _fail(problem)
        return EXIT_USAGE
    link = _link_or_fail(args.link)
    if link is None:
        return EXIT_USAGE
    warning = raise_open_files_limit(args.n)
    if warning is not None:
        _fail(warning)
    crowd = Swarm(link, args.n, ramp=args.ramp, with_channel=not args.no_channel, cushion_ms=args.cushion * 1000.0)
    stop = _stop_event()
    print(f"swarm: {args.n} listeners joining room {link.room_id} at {args.ramp:g} per second", flush=True)
    crowd.start()
    stats_task = (asyncio.create_task(_print_every(crowd, args.stats_every), name="swarm-stats")
                  if args.stats_every else None)
    json_path = Path(args.json) if getattr(args, "json", None) else None  # (getattr: Namespaces built by tests)
    json_task = (asyncio.create_task(keep_writing(crowd, json_path), name="swarm-json")
                 if json_path is not None else None)
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(crowd.done.wait())]
    try:
        await asyncio.wait(waiters, timeout=args.duration, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
        for task in (stats_task, json_task):
            if task is not None:
                task.cancel()
        summary = crowd.stop()
        if json_path is not None:
            write_json(json_path, snapshot(crowd, summary=summary))
        await crowd.close()
    print(summary_text(summary), flush=True)
    return EXIT_INTERRUPTED if stop.is_set() else summary.exit_code()


async def _print_every(crowd: Swarm, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        print(crowd.totals_line(), flush=True)

