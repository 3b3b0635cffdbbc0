"""Listener benchmark: join → first audible sample, and CPU/RSS of `plaza listen` and the window.

Run inside the lab: python -m tests.lab.netlab run -- python -m benchmarks.listener
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from app.listener.listen import ListenSession
from app.local.janus_config import LocalRoomConfig
from app.local.room import LocalRoom
from tests.lab import netlab
from tests.support.analysis import SILENCE_RMS

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


async def first_audio_once(room: LocalRoom) -> float:
    session = ListenSession(room.link, use_device=False)
    heard = asyncio.Event()
    loop = asyncio.get_running_loop()
    t_heard: list[float] = []

    def tap(block: np.ndarray) -> None:
        if not t_heard and np.sqrt(np.mean(block[:, 0].astype(np.float64) ** 2)) > SILENCE_RMS:
            t_heard.append(time.monotonic())
            loop.call_soon_threadsafe(heard.set)

    session.playout.played.connect(tap)
    t0 = time.monotonic()
    try:
        await session.start()
        await asyncio.wait_for(heard.wait(), 10)
    finally:
        await session.close()
    return (t_heard[0] - t0) * 1000


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure_process(argv: list[str], seconds: float, env: dict[str, str]) -> tuple[float, float, float]:
    """Return (CPU % of one core, mean RSS MiB, peak RSS MiB) over `seconds` after a 5 s warm-up."""
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL, env=env)
    try:
        await asyncio.sleep(5)
        if proc.returncode is not None:
            raise RuntimeError(f"{argv} exited early with {proc.returncode}")
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        samples = []
        while time.monotonic() - t0 < seconds:
            await asyncio.sleep(1)
            samples.append(rss_mib(proc.pid))
        c1, t1 = cpu_seconds(proc.pid), time.monotonic()
        return 100 * (c1 - c0) / (t1 - t0), statistics.mean(samples), max(samples)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def main(args: argparse.Namespace) -> int:
    config = LocalRoomConfig(ws_ip=netlab.SERVER_IP, forward_port=0, ice_enforce_list=netlab.SERVER_IF)
    room = LocalRoom(config, prefix=["ip", "netns", "exec", netlab.SERVER_NS], speaker="tone:440")
    await room.start()
    rows: list[tuple[str, str, str]] = []
    try:
        joins = [await first_audio_once(room) for _ in range(args.joins)]
        rows.append(("join → first audible sample, median", f"{statistics.median(joins):.0f} ms", "≤ 300 ms"))
        rows.append(("join → first audible sample, p95", f"{percentile(joins, 95):.0f} ms", "≤ 300 ms"))
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        link = config.link_text
        listen = [sys.executable, "-m", "app", "listen", link, "--no-audio-device"]
        cpu, rss, peak = await measure_process(listen, args.seconds, env)
        rows.append((f"`plaza listen` CPU over {args.seconds:g} s", f"{cpu:.1f} % of one core", "≤ 3 %"))
        rows.append(("`plaza listen` RSS mean / peak", f"{rss:.0f} / {peak:.0f} MiB", "—"))
        if not args.no_gui:
            window = [sys.executable, "-m", "app", "window", link]
            cpu, rss, peak = await measure_process(window, args.seconds, env)
            rows.append((f"window CPU over {args.seconds:g} s (offscreen)", f"{cpu:.1f} % of one core", "≤ 6 %"))
            rows.append(("window RSS mean / peak", f"{rss:.0f} / {peak:.0f} MiB", "≤ 150 MiB"))
    finally:
        await room.close()

    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'result':>22}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>22}  {target}")
    print(f"\n(joins: {args.joins}; samples: {', '.join(f'{j:.0f}' for j in joins)} ms)")
    if args.markdown:
        lines = ["| measure | result | target |", "|---|---|---|"]
        lines += [f"| {n} | {v} | {t} |" for n, v, t in rows]
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--joins", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-gui", action="store_true")
    parser.add_argument("--markdown", metavar="FILE")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
