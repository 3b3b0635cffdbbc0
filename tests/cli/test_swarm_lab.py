"""`plaza swarm 5 LINK --duration 8` against a real Janus (lab): every listener joins with its own connection, hears
the room, does not reconnect, and at the end the summary is printed and nothing is left (no task here, no session
on the server)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from app.cli import build_parser
from app.cli.swarm import swarm
from tests.lab.janus_admin import JanusAdmin

pytestmark = pytest.mark.lab

N = 5


async def test_swarm_of_five_joins_hears_and_leaves_nothing(
        make_lab_room: Callable[..., Awaitable[Any]], capsys: pytest.CaptureFixture[str]) -> None:
    # A tone fed from beside Janus, no stage speaker or controller: every session on the server is the swarm's.
    room = await make_lab_room(external_feed=True)
    args = build_parser().parse_args(["swarm", str(N), room.config.link_text, "--duration", "8"])
    async with JanusAdmin(room.config.admin_url, room.config.secrets.admin) as admin:
        sessions_before = await admin.list_sessions()
        tasks_before = asyncio.all_tasks()
        run = asyncio.create_task(swarm(args))
        # each listener has its own connections: a feed session and a channel session
        await admin.wait_sessions(lambda s: len(s - sessions_before) == 2 * N, 10.0, f"{2 * N} swarm sessions")
        code = await asyncio.wait_for(run, 20.0)
        out = capsys.readouterr()
        assert code == 0, out.out + out.err
        left = {t for t in asyncio.all_tasks() - tasks_before if not t.done()} - {asyncio.current_task()}
        assert left == set(), sorted(t.get_name() for t in left)
        await admin.wait_sessions(lambda s: s == sessions_before, 5.0, "only the sessions from before the swarm")
    lines = out.out.splitlines()
    assert lines[0] == f"swarm: {N} listeners joining room {room.config.room_id} at 20 per second"
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["#", "joined"])
    rows = [line.split() for line in lines[header + 1 : header + 1 + N]]
    assert [r[0] for r in rows] == [str(i) for i in range(1, N + 1)]
    for r in rows:
        joined, first_audio_ms, reconnects, status = r[1], r[2], r[3], r[-1]
        assert joined == "yes", r
        assert first_audio_ms.isdigit() and int(first_audio_ms) < 5000, r  # heard it (busy lab: no speed bar)
        assert reconnects == "0", r
        assert status == "live", r
    totals = lines[header + 1 + N :]
    assert totals[0].startswith(f"total: {N} listeners, {N} joined, {N} heard audio"), totals
    assert totals[1].startswith("total: 0 reconnects"), totals
    assert "listeners per core" in totals[3], totals
    assert "Traceback" not in out.err
