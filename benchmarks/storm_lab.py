"""The storm experiment with real listeners: N listeners on one edge of the lab's cascade, that edge killed
(kill -9), and the reconnect curve for Plaza's policy against immediate retry and a fixed 1 s retry.

    sudo .venv/bin/python -m tests.lab.netlab run -- \
        .venv/bin/python -m benchmarks.storm_lab [--listeners 40] [--policies ...] [--plots docs/storm]

What runs is the product's listener (`ListenSession` without a sound device: the clock plays the cushion, as in
`plaza swarm`), each with its own connections and 1.5 s cushion, all in this process, against a fresh cascade per
policy (tests.support.cascade_lab: origin + 2 edges + controller + a 440 Hz speaker on the stage). Every listener
joins edge 1; once all play with a full cushion, only their reconnect policy is swapped (Plaza's own
`ServerRotation` stays, or benchmarks.storm_policies' baselines: the link's next server, at once or after 1 s —
the same ones the simulator compares), then edge 1's Janus is killed and stays dead.

Measured per policy: every join attempt (when the policy let the listener try), the peak attempts in any 1 s, the
failed ones, the time from the kill until each listener plays again (median / max: the max is "all back"), and
the audible gaps each listener heard (its cushion's counters, from just before the kill to 3 s after the last one
was back).

Why not the issue's 200 listeners: one process plays ~42 listeners per core (README, `benchmarks.swarm`), and this
machine's 2 cores also run the three Janus, the controller and the speaker; past ~40 listeners the cushions starve
for CPU and the gaps measured are the machine's, not the policy's. `--listeners` sets N; the table says what ran.
With two edges every policy sends the dead edge's listeners to the same survivor: what differs is *when* (a burst
at the instant the sockets close, spread over a second, or in waves a second apart).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.listener.failover import ServerRotation
from app.listener.listen import ListenSession
from app.listener.status import RoomStatus
from benchmarks.storm_policies import LinkOrderRetry
from tests.support import janus_faults
from tests.support.cascade_lab import cascade_room

POLICIES = ("Plaza", "immediate retry", "fixed 1 s retry")
FULL_MS = 1400.0  # a listener counts as settled with this much in its 1.5 s cushion
RAMP_S = 0.05  # between joins (20 joins/s, the swarm's default ramp)


class Recorded:
    """A listener's reconnect policy, noting when each attempt was due: the supervisor tries the server `next()`
    returns, at the time it returns or at once if that has passed (no old connection lingers after a kill: its
    session died with the server)."""

    def __init__(self, inner: Any, attempts: list[float], failures: list[float]) -> None:
        self.inner, self.attempts, self.failures = inner, attempts, failures
        self.servers: list[str] = list(inner.servers)
        self.order: list[str] = list(getattr(inner, "order", inner.servers))

    def next(self) -> tuple[str, float]:
        server, at = self.inner.next()
        self.attempts.append(max(at, time.monotonic()))
        return server, at

    def failed(self, server: str) -> float:
        self.failures.append(time.monotonic())
        return float(self.inner.failed(server))

    def succeeded(self, server: str) -> None:
        self.inner.succeeded(server)

    def start_outage(self, lost: str | None = None, loads: Any = None) -> None:
        if isinstance(self.inner, ServerRotation):
            self.inner.start_outage(lost, loads)  # (the swarm joins no channel: no loads, a uniform draw)
        else:
            self.inner.start_outage(lost)


@dataclass
class PolicyRun:
    policy: str
    listeners: int
    kill_at: float = 0.0
    attempts: list[float] = field(default_factory=list)  # monotonic, due times of every attempt after the kill
    failures: list[float] = field(default_factory=list)
    back_after: list[float | None] = field(default_factory=list)  # s from the kill until each plays again
    gap_ms: list[float] = field(default_factory=list)  # audible gap each listener heard through it
    cpu_cores: float = 0.0  # this process's CPU over the storm, in cores

    def peak(self, window: float = 1.0) -> int:
        """The most attempts due within any `window` seconds."""
        times = sorted(self.attempts)
        best, j = 0, 0
        for i, t in enumerate(times):
            while times[j] < t - window:
                j += 1
            best = max(best, i - j + 1)
        return best


def _policy(name: str, servers: Sequence[str], current: Any, rng: random.Random, first: str) -> Any:
    if name == "Plaza":
        return current  # the listener's own ServerRotation, as the app runs it
    delay = 0.0 if name == "immediate retry" else 1.0
    baseline = LinkOrderRetry(servers, time.monotonic, rng.random, delay)
    baseline.succeeded(first)
    return baseline


async def _until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.05)


async def run_policy(policy: str, n: int, seed: int, back_timeout: float = 60.0) -> PolicyRun:
    run = PolicyRun(policy, n)
    rng = random.Random(seed)
    async with cascade_room() as cascade:
        first, second = cascade.edge_urls
        link = cascade.link(0)
        sessions: list[ListenSession] = []
        try:
            for _ in range(n):
                session = ListenSession(link, use_device=False, fall_back_to_clock=False, with_channel=False)
                session.supervisor.rotation = ServerRotation(link.servers, weights={first: 1.0}, rand=rng.random)
                sessions.append(session)
                await session.start()
                await asyncio.sleep(RAMP_S)
            await _until(lambda: all(s.supervisor.server == first and s.playout.buffered_ms >= FULL_MS
                                     for s in sessions), 60.0, f"{n} listeners playing on edge 1, cushions full")
            for s in sessions:
                s.supervisor.rotation = Recorded(_policy(policy, link.servers, s.supervisor.rotation, rng, first),
                                                 run.attempts, run.failures)
            gaps_before = [s.stats().playout.audible_gap_ms for s in sessions]
            cpu0 = time.process_time()
            run.kill_at = time.monotonic()
            await janus_faults.kill_and_wait(cascade.edges[0].janus)
            back: list[float | None] = [None] * n
            deadline = run.kill_at + back_timeout
            while time.monotonic() < deadline and None in back:
                now = time.monotonic()
                for i, s in enumerate(sessions):
                    if back[i] is None and s.supervisor.server == second and s.status.current.status == RoomStatus.LIVE:
                        back[i] = now - run.kill_at
                await asyncio.sleep(0.02)
            await asyncio.sleep(3.0)  # a cushion that ran dry shows its gap once it plays again
            run.cpu_cores = (time.process_time() - cpu0) / (time.monotonic() - run.kill_at)
            run.back_after = back
            run.gap_ms = [s.stats().playout.audible_gap_ms - g for s, g in zip(sessions, gaps_before, strict=True)]
        finally:
            await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    run.attempts = [t - run.kill_at for t in run.attempts]
    run.failures = [t - run.kill_at for t in run.failures]
    return run


def table(runs: Sequence[PolicyRun]) -> str:
    rows = ["| policy | listeners | attempts (failed) | peak attempts in 100 ms / 1 s | back after kill s (median / "
            "max) | not back in 60 s | listeners with an audible gap | audible gap ms (median of those / max) | CPU "
            "(cores) |", "|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        back = [b for b in r.back_after if b is not None]
        gaps = [g for g in r.gap_ms if g > 0]
        rows.append(f"| {r.policy} | {r.listeners} | {len(r.attempts)} ({len(r.failures)}) | "
                    f"{r.peak(0.1)} / {r.peak()} | "
                    + (f"{statistics.median(back):.2f} / {max(back):.2f}" if back else "—")
                    + f" | {len(r.back_after) - len(back)} | {len(gaps)} | "
                    + (f"{statistics.median(gaps):.0f} / {max(gaps):.0f}" if gaps else "0 / 0")
                    + f" | {r.cpu_cores:.2f} |")
    return "\n".join(rows)


def write_plot(runs: Sequence[PolicyRun], path: Path) -> None:
    """Attempts per 100 ms (as a rate) and listeners playing again, per policy, from the kill on."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    from benchmarks.storm_plots import POLICY_COLOURS, Series, _image, _panel, chart

    _app = QGuiApplication.instance() or QGuiApplication([])
    span = max([5.0, *(b + 1.0 for r in runs for b in r.back_after if b is not None)])
    bins = [i * 0.1 for i in range(int(span / 0.1) + 1)]
    image, p = _image(2)
    rates = [Series(r.policy, POLICY_COLOURS[r.policy], bins,
                    [10.0 * sum(1 for a in r.attempts if t <= a < t + 0.1) for t in bins]) for r in runs]
    top = max(max(s.ys) for s in rates) * 1.1 or 1.0
    chart(p, _panel(0), rates, (0.0, span), (0.0, top), f"join attempts after edge 1 was killed ({runs[0].listeners}"
          " listeners on it; 100 ms bins)", "seconds after the kill", "attempts/s")
    playing = [Series(r.policy, POLICY_COLOURS[r.policy], bins,
                      [float(sum(1 for b in r.back_after if b is not None and b <= t)) for t in bins]) for r in runs]
    chart(p, _panel(1), playing, (0.0, span), (0.0, runs[0].listeners * 1.1), "listeners playing again on edge 2",
          "seconds after the kill", "listeners")
    p.end()
    image.save(str(path))


async def main_async(args: argparse.Namespace) -> int:
    runs = []
    for policy in args.policies:
        run = await run_policy(policy, args.listeners, args.seed)
        runs.append(run)
        print(f"{policy}: done", flush=True)
    print(table(runs))
    if args.plots:
        folder = Path(args.plots)
        folder.mkdir(parents=True, exist_ok=True)
        write_plot(runs, folder / "storm-lab.png")
        print(f"wrote {folder / 'storm-lab.png'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--listeners", type=int, default=40)
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=list(POLICIES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plots", default="", help="write storm-lab.png into this folder (needs PySide6)")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
