"""Listeners per core: `plaza swarm N LINK` against a lab room, N = 20, 40, 80 by default.

Run inside the lab: python -m tests.lab.netlab run -- python -m benchmarks.swarm [--sizes 20,40,80] [--seconds 30]

The room is the one benchmarks.listener uses (Janus in the server namespace, a tone on stage, the room controller
announcing, both in this process); each swarm is its own process (`python -m app swarm`), whose summary gives the
numbers: CPU while all N play (from the last join to the stop; process time of all its threads / wall time), the
listeners one core carries at that rate, audible gaps and failed joins. `--profile FILE` runs the last size under
cProfile (saved to FILE) and prints where the swarm's time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from app.local.janus_config import LocalRoomConfig
from app.local.room import LocalRoom
from tests.lab import netlab

PLAYING = re.compile(r"cpu: playing (\d+) listeners for ([\d.]+) s: ([\d.]+) % of one core, ([\d.]+) % each "
                     r"= (\d+) listeners per core")
JOINED = re.compile(r"total: (\d+) listeners, (\d+) joined, (\d+) heard audio \((?:first audio median (\d+) ms)?")
GAPS = re.compile(r"total: (\d+) reconnects, (\d+) audible gaps \((\d+) ms\)")


@dataclass
class Row:
    n: int
    cpu_percent: float  # of one core, while all N play
    per_core: int
    gaps: int
    gap_ms: int
    reconnects: int
    failed: int
    first_audio_ms: str
    code: int


def parse(n: int, code: int, out: str) -> Row:
    playing, joined, gaps = PLAYING.search(out), JOINED.search(out), GAPS.search(out)
    if playing is None or joined is None or gaps is None:
        raise RuntimeError(f"swarm {n}: no summary (exit {code}):\n{out[-2000:]}")
    return Row(n, float(playing[3]), int(playing[5]), int(gaps[2]), int(gaps[3]), int(gaps[1]),
               int(joined[1]) - int(joined[2]), joined[4] or "-", code)


async def run_swarm(link: str, n: int, seconds: float, ramp: float, profile: str | None) -> Row:
    prefix = [sys.executable, "-m", "cProfile", "-o", profile] if profile else [sys.executable]
    argv = [*prefix, "-m", "app", "swarm", str(n), link, "--duration", str(seconds + n / ramp), "--ramp", str(ramp)]
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                env=dict(os.environ, PYTHONPATH=os.getcwd()))
    stdout, stderr = await asyncio.wait_for(proc.communicate(), seconds + n / ramp + 60)
    if stderr.strip():
        print(stderr.decode(errors="replace")[-1500:], file=sys.stderr)
    return parse(n, proc.returncode or 0, stdout.decode())


def show_profile(path: str, top: int) -> None:
    stats = pstats.Stats(path)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


async def main(args: argparse.Namespace) -> int:
    config = LocalRoomConfig(ws_ip=netlab.SERVER_IP, forward_port=0, ice_enforce_list=netlab.SERVER_IF)
    room = LocalRoom(config, prefix=["ip", "netns", "exec", netlab.SERVER_NS], speaker="tone:440")
    await room.start()
    rows: list[Row] = []
    sizes = [int(s) for s in args.sizes.split(",")]
    try:
        for i, n in enumerate(sizes):
            profile = args.profile if args.profile and i == len(sizes) - 1 else None
            rows.append(await run_swarm(config.link_text, n, args.seconds, args.ramp, profile))
            print(f"N={n}: {rows[-1]}", flush=True)
    finally:
        await room.close()
    lines = ["| N | swarm CPU while all play (% of one core) | listeners per core | audible gaps (ms) | "
             "reconnects | joins failed | first audio median | exit |", "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.n} | {r.cpu_percent:.1f} % | {r.per_core} | {r.gaps} ({r.gap_ms} ms) | {r.reconnects} | "
              f"{r.failed} | {r.first_audio_ms} ms | {r.code} |" for r in rows]
    print("\n" + "\n".join(lines))
    print(f"\n({args.seconds:g} s of playing each, after a ramp at {args.ramp:g} joins/s; "
          f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end)")
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    if args.profile:
        show_profile(args.profile, args.top)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20,40,80", help="swarm sizes, comma separated")
    parser.add_argument("--seconds", type=float, default=30.0, help="playing time per size, after the ramp")
    parser.add_argument("--ramp", type=float, default=20.0, help="joins per second")
    parser.add_argument("--profile", metavar="FILE", help="run the last size under cProfile, saved to FILE")
    parser.add_argument("--top", type=int, default=25, help="functions to print from the profile")
    parser.add_argument("--markdown", metavar="FILE")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
