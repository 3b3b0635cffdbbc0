"""Listeners per core: `plaza swarm N LINK` against a lab room, N = 20, 40, 80 by default.

Run inside the lab: python -m tests.lab.netlab run -- python -m benchmarks.swarm [--sizes 20,40,80] [--seconds 30]

The room is the one benchmarks.listener uses (Janus in the server namespace, a tone on stage, the room controller
announcing, both in this process); each swarm is its own process (`python -m app swarm --stats-every 1`). Measured
over `--seconds` once every listener has joined and `--warmup` has passed (the cushions grown): the swarm's CPU
(/proc utime + stime of all its threads over wall time), the listeners one core carries at that rate, and the
audible gaps in that window (from the totals lines); from its summary: its own CPU figure (from the last join, the
cushions still growing), gaps over the whole run, reconnects and failed joins. A size with audible gaps in the
window was overloaded: its "listeners per core" is what it burnt, not what it carried. `--profile FILE` runs the
last size under cProfile from the end of its warm-up (saved to FILE; the CPU figure then includes the profiler)
and prints where the swarm's time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.local.janus_config import LocalRoomConfig
from app.local.room import LocalRoom
from tests.lab import netlab

CLK_TCK = os.sysconf("SC_CLK_TCK")
JOINED = re.compile(r"total: (\d+) listeners, (\d+) joined, (\d+) heard audio \((?:first audio median (\d+) ms)?")
GAPS = re.compile(r"total: (\d+) reconnects, (\d+) audible gaps \((\d+) ms\)")
TOTALS = re.compile(r"swarm: (\d+) s joined (\d+)/\d+ .* gaps (\d+) \((\d+) ms\)")
PLAYING = re.compile(r"cpu: playing \d+ listeners for [\d.]+ s: ([\d.]+) % of one core")


@dataclass
class Row:
    n: int
    cpu_percent: float  # of one core, over the measured window (after the ramp and a warm-up)
    since_join_percent: float  # the swarm's own figure: from its last join to the stop (the cushions still growing)
    gaps: int  # audible gaps in the measured window
    gap_ms: int
    run_gaps: int  # over the whole run, from the first join
    run_gap_ms: int
    reconnects: int
    failed: int
    first_audio_ms: str
    code: int

    @property
    def per_core(self) -> float:
        return self.n / (self.cpu_percent / 100) if self.cpu_percent > 0 else 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime, all threads


def window_gaps(lines: list[str], start_s: float) -> tuple[int, int]:
    """Audible gaps between the first `--stats-every` line at or after `start_s` and the last one."""
    totals = [(int(m[1]), int(m[3]), int(m[4])) for m in map(TOTALS.match, lines) if m]
    after = [t for t in totals if t[0] >= start_s]
    if len(after) < 2:
        return -1, -1
    return after[-1][1] - after[0][1], after[-1][2] - after[0][2]


async def run_swarm(link: str, n: int, seconds: float, ramp: float, warmup: float, profile: str | None,
                    extra: tuple[str, ...] = ()) -> Row:
    settle = n / ramp + 2.0 + warmup  # every join done, then the cushions grown (a tone: ~6 s at 25 % stretch)
    prefix = [sys.executable, "-m", "app"]
    if profile:  # profiled from the end of the warm-up on: the steady state, not the joins and the growing
        prefix = [sys.executable, "-m", "benchmarks.swarm", "--profile-child", profile, "--after", str(settle), "--"]
    argv = [*prefix, "swarm", str(n), link, "--duration", str(settle + seconds + 1.0), "--ramp",
            str(ramp), "--stats-every", "1", *extra]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                env=dict(os.environ, PYTHONPATH=os.getcwd()))
    reading = asyncio.ensure_future(proc.communicate())
    await asyncio.sleep(settle)
    c0, t0 = cpu_seconds(proc.pid), time.monotonic()
    await asyncio.sleep(seconds)
    c1, t1 = cpu_seconds(proc.pid), time.monotonic()
    stdout, stderr = await asyncio.wait_for(reading, 60 + n / ramp)
    if stderr.strip():
        print(stderr.decode(errors="replace")[-1500:], file=sys.stderr)
    out = stdout.decode()
    joined, gaps, playing = JOINED.search(out), GAPS.search(out), PLAYING.search(out)
    if joined is None or gaps is None:
        raise RuntimeError(f"swarm {n}: no summary (exit {proc.returncode}):\n{out[-2000:]}")
    in_window = window_gaps(out.splitlines(), settle)
    return Row(n, 100 * (c1 - c0) / (t1 - t0), float(playing[1]) if playing else 0.0, *in_window, int(gaps[2]),
               int(gaps[3]), int(gaps[1]), int(joined[1]) - int(joined[2]), joined[4] or "-", proc.returncode or 0)


def profile_child(path: str, after: float, argv: list[str]) -> int:
    """`plaza swarm` (argv) in this process, under cProfile from `after` seconds on; the profile saved to `path`."""
    import cProfile

    from app.cli import build_parser
    from app.cli.swarm import swarm

    profiler = cProfile.Profile()

    async def run() -> int:
        asyncio.get_running_loop().call_later(after - 1.0, profiler.enable)  # (~1 s of imports before this)
        try:
            return await swarm(build_parser().parse_args(argv))
        finally:
            profiler.disable()
            profiler.dump_stats(path)

    return asyncio.run(run())


def show_profile(path: str, top: int) -> None:
    stats = pstats.Stats(path)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


async def main(args: argparse.Namespace) -> int:
    config = LocalRoomConfig(ws_ip=netlab.SERVER_IP, forward_port=0, ice_enforce_list=netlab.SERVER_IF)
    room = LocalRoom(config, prefix=["ip", "netns", "exec", netlab.SERVER_NS], speaker="tone:440")
    await room.start()
    rows: list[Row] = []
    load_before = os.getloadavg()[0]
    sizes = [int(s) for s in args.sizes.split(",")]
    try:
        for i, n in enumerate(sizes):
            profile = args.profile if args.profile and i == len(sizes) - 1 else None
            rows.append(await run_swarm(config.link_text, n, args.seconds, args.ramp, args.warmup, profile,
                                        ("--no-channel",) if args.no_channel else ()))
            print(f"N={n}: {rows[-1]}", flush=True)
    finally:
        await room.close()
    lines = ["| N | swarm CPU (% of one core) | listeners per core | audible gaps (ms) | whole run: CPU from the last "
             "join, gaps (ms) | reconnects | joins failed | first audio median | exit |",
             "|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.n} | {r.cpu_percent:.1f} % | {r.per_core:.0f} | {r.gaps} ({r.gap_ms} ms) | "
              f"{r.since_join_percent:.1f} %, {r.run_gaps} ({r.run_gap_ms} ms) | {r.reconnects} | {r.failed} | "
              f"{r.first_audio_ms} ms | {r.code} |" for r in rows]
    print("\n" + "\n".join(lines))
    print(f"\n({args.seconds:g} s measured per size, after a ramp at {args.ramp:g} joins/s and {args.warmup:g} s of "
          f"warm-up{'; no channel' if args.no_channel else ''}; {os.cpu_count()} cores, load average "
          f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after)")
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    if args.profile:
        show_profile(args.profile, args.top)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20,40,80", help="swarm sizes, comma separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per size, after the warm-up")
    parser.add_argument("--ramp", type=float, default=20.0, help="joins per second")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds after the last join before measuring")
    parser.add_argument("--no-channel", action="store_true", help="swarms without the room channel (audio only)")
    parser.add_argument("--profile", metavar="FILE", help="run the last size under cProfile, saved to FILE")
    parser.add_argument("--top", type=int, default=25, help="functions to print from the profile")
    parser.add_argument("--markdown", metavar="FILE")
    parser.add_argument("--profile-child", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--after", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("swarm_argv", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.profile_child:
        raise SystemExit(profile_child(options.profile_child, options.after, options.swarm_argv))
    raise SystemExit(asyncio.run(main(options)))
