"""`plaza swarm --json FILE`: the swarm's per-listener numbers as a JSON file, rewritten while it runs.

Why a file and not the summary table: a harness that injects faults (benchmarks/chaos_soak.py) must see each
listener's state while the run goes on — when its audio stopped and when it came back — not only the totals at the
end. The file is replaced atomically (write a sibling, then rename), so a reader never sees half of it; the last
write has `"final": true` and the run's summary numbers.

Times are `time.monotonic()` of this machine (one clock for every process on it), so a harness can compare them
with its own fault times. Format (one object):

    {"v": 1, "pid": 123, "at": 5012.3, "final": false, "n": 20,
     "listeners": [{"index": 1, "joined": true, "status": "live", "server": "ws://...", "last_media_at": 5012.28,
                    "reconnects": 0, "audible_gaps": 0, "audible_gap_ms": 0.0, "packets_lost": 0,
                    "first_audio_ms": 180.0, "error": null}, ...]}
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.cli.swarm import Swarm, SwarmListener, SwarmSummary

FORMAT_VERSION = 1
JSON_EVERY_S = 0.5  # often enough to time a recovery to half a second; 20 listeners cost well under 1 ms a write


def listener_entry(member: SwarmListener) -> dict[str, Any]:
    """One listener now: its status, the server it plays from and when its newest audio packet arrived."""
    result = member.result()
    supervisor = member.session.supervisor
    feed = supervisor.feed
    return {"index": member.index, "joined": result.joined, "status": result.status,
            "server": supervisor.server if result.joined else None,
            "last_media_at": None if feed is None else feed.last_media,
            "reconnects": result.reconnects, "audible_gaps": result.audible_gaps,
            "audible_gap_ms": round(result.audible_gap_ms, 1), "packets_lost": result.packets_lost,
            "first_audio_ms": None if result.first_audio_ms is None else round(result.first_audio_ms, 1),
            "error": member.error}


def snapshot(crowd: Swarm, *, summary: SwarmSummary | None = None) -> dict[str, Any]:
    """The whole swarm now; with `summary` (the end), also the final numbers of `summary_text`."""
    doc: dict[str, Any] = {"v": FORMAT_VERSION, "pid": os.getpid(), "at": time.monotonic(),
                           "final": summary is not None, "n": crowd.n,
                           "listeners": [listener_entry(m) for m in crowd.listeners]}
    if summary is not None:
        doc["summary"] = {"joined": summary.joined, "cpu_s": summary.run.cpu_s, "wall_s": summary.run.wall_s,
                          "results": [asdict(r) for r in summary.listeners]}
    return doc


def write_json(path: Path, doc: dict[str, Any]) -> None:
    """Replace `path` with `doc` atomically (a reader sees the old file or the new one, never a mix)."""
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(doc), encoding="utf-8")
    os.replace(part, path)


async def keep_writing(crowd: Swarm, path: Path, interval: float = JSON_EVERY_S) -> None:
    """Rewrite `path` every `interval` s until cancelled (the caller writes the final one)."""
    while True:
        write_json(path, snapshot(crowd))
        await asyncio.sleep(interval)
