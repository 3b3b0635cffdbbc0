"""A host moves a live room and its audience follows (§3.8), in the lab: two rooms on two Janus servers, each with
its controller and a continuous tone fed from outside Janus, and 25 headless listeners (ListenSession on the system
clock, no recording: light on a 2-core machine; 23 of them in processes of
their own, 6 each: see move_swarm).

Measured: every listener plays room B, with B's controller confirmed, within 5 s of the host's `move`, and hears
no gap (the playout's audible-gap counters); forged moves from a listener (a broadcast and a whisper of a `moved`
snapshot, a `move` host action signed with a made-up pass) move nobody; a listener away during the move that comes
back to room A's link is forwarded to B; a raised hand is in B's queue.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

import pytest

from app.cli.host import host
from app.cli.serve import keep_host_pass
from app.links import RoomLink, format_link, parse_link
from app.listener.listen import ListenSession
from app.listener.state import StateSource
from app.listener.status import RoomStatus
from app.room.host_protocol import HostVerb, encode_host_action, sign
from app.room.protocol import Snapshot
from app.room.protocol_encoding import encode
from app.room.stage_protocol import StagePass
from tests.listener.listening import note

pytestmark = pytest.mark.lab

LISTENERS = int(os.environ.get("PLAZA_MOVE_LISTENERS", "25"))  # 25: the measure (fewer: diagnosis only)
# ~3 % of a core each (docs/performance.md, "Swarm"): ~20 % of a core a process, a share a busy 2-core VM gives
PER_PROCESS = 6
SWARMS = tuple(min(PER_PROCESS, LISTENERS - 2 - i) for i in range(0, LISTENERS - 2, PER_PROCESS))  # 6, 6, 6, 5
FOLLOW_BOUND_S = 5.0


def in_room(session: ListenSession, room: Any) -> bool:
    """Plays `room` and has taken its controller's state (the channel came along too)."""
    feed = session.supervisor.feed
    state = session.state.state
    return (feed is not None and feed.room_id == room.config.room_id and session.link.room_id == room.config.room_id
            and session.status.current.status == RoomStatus.LIVE and state.source is StateSource.CONTROLLER
            and state.controller == room.controller.username)


def describe(session: ListenSession) -> str:
    feed, state = session.supervisor.feed, session.state.state
    return (f"{session.status.current.status.value}, feed room {feed.room_id if feed else None}, link room "
            f"{session.link.room_id}, state from {state.source.value} {state.controller}, cushion "
            f"{session.playout.buffered_ms:.0f} ms")


async def wait_all(sessions: list[ListenSession], condition: Any, timeout: float, what: str) -> dict[int, float]:
    """Poll every 20 ms; the time each session first met `condition`; fails naming who did not."""
    met: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while len(met) < len(sessions):
        now = time.monotonic()
        for i, s in enumerate(sessions):
            if i not in met and condition(s):
                met[i] = now
        if now > deadline:
            late = [i for i in range(len(sessions)) if i not in met]
            shown = [describe(sessions[i]) for i in late[:3]]
            pytest.fail(f"{what}: listeners {late} not within {timeout:g} s ({shown})")
        await asyncio.sleep(0.02)
    return met


async def start_swarm(link: str, n: int, room_b: int) -> tuple[asyncio.subprocess.Process, list[str]]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.listener.move_swarm", link, str(n),
                                                str(room_b), stdout=asyncio.subprocess.PIPE)
    return proc, []


async def swarm_line(proc: asyncio.subprocess.Process, key: str, timeout: float) -> Any:
    assert proc.stdout is not None
    async with asyncio.timeout(timeout):
        while True:
            line = await proc.stdout.readline()
            if not line:
                pytest.fail(f"a listener process ended before {key!r} (exit {await proc.wait()})")
            message = json.loads(line)
            if key in message:
                return message[key]


@pytest.mark.timeout(240)
async def test_25_listeners_follow_a_moved_room_without_a_gap(make_lab_room: Any, memory_keyring: Any,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    room_a = await make_lab_room(external_feed=True, ws_port=8188, room_id=1234, title="A", controller=True)
    room_b = await make_lab_room(external_feed=True, ws_port=8189, room_id=5678, title="B", controller=True)
    link_a, link_b = room_a.config.link_text, format_link(parse_link(room_b.config.link_text))
    await keep_host_pass(room_a.controller, link_a, "test")
    # 2 listeners here (one raises its hand, one forges), 23 in two processes of their own (move_swarm: CPU)
    swarms = [await start_swarm(link_a, n, 5678) for n in SWARMS]
    sessions = [ListenSession(parse_link(link_a), use_device=False) for _ in range(LISTENERS - sum(SWARMS))]
    late: ListenSession | None = None
    try:
        for s in sessions:
            await s.start()
        await wait_all(sessions, lambda s: in_room(s, room_a) and s.playout.buffered_ms >= 1000, 30.0, "in A")
        swarm_ids = [await swarm_line(proc, "ready", 90.0) for proc, _ in swarms]
        raiser, forger_session = sessions
        raiser.set_hand_raised(True)
        me = raiser.state.own_id
        await wait_all([raiser], lambda s: me in room_a.controller.book.hands, 5.0, "hand in A's queue")

        # Forgeries from a listener: a `moved` snapshot in the controller's name, broadcast and whispered, and a
        # `move` host action signed with a pass nobody issued. Nobody moves; the controller refuses the action.
        forger = forger_session.channel.channel  # type: ignore[union-attr]
        assert forger is not None and forger.textroom is not None
        elsewhere = RoomLink(999, (room_b.config.ws_url,))
        forged = encode(Snapshot(seq=10**6, room=1234, controller=room_a.controller.username, title="A",
                                 ended=True, members=(), listeners=None, hands=(), hands_total=0,
                                 moved=format_link(elsewhere)))
        await forger.textroom.message(1234, forged)
        for target in (me, swarm_ids[0][0]):
            await forger.textroom.message(1234, forged, to=target)
        fake_pass = StagePass(1234, 77, "g" * 32)
        await forger.textroom.message(1234, encode_host_action(sign(fake_pass, int(time.time() * 1000),
                                                                    HostVerb.MOVE, format_link(elsewhere))),
                                      to=room_a.controller.username)
        await asyncio.sleep(1.5)  # longer than the follow jitter
        forged_here = sum(s.link.room_id != 1234 or s.state.state.moved is not None for s in sessions)
        assert room_a.controller.book.moved is None

        # One listener is away during the move; it comes back to A's link afterwards.
        away = ListenSession(parse_link(link_a), use_device=False)
        await away.start()
        await away.close()
        gaps_before = [s.playout.counters.audible_gap_ms for s in sessions]
        t0 = time.monotonic()
        assert await host(argparse.Namespace(link=link_a, action="move", target=link_b, timeout=8.0)) == 0
        cli = capsys.readouterr()
        assert f"move {link_b}: done" in cli.out and "secret" not in cli.out + cli.err
        met = await wait_all(sessions, lambda s: in_room(s, room_b), FOLLOW_BOUND_S + 5.0, "in B")
        await asyncio.sleep(2.0)  # what the splice and the new stream's first seconds sound like
        gaps = [s.playout.counters.audible_gap_ms - g for s, g in zip(sessions, gaps_before, strict=True)]
        follow = [t - t0 for t in met.values()]
        forged_followers = forged_here
        for proc, _ in swarms:
            done = await swarm_line(proc, "done", 30.0)
            assert None not in done["in_b"], f"listeners of a process not in B: {done['in_b']}"
            follow += [t - t0 for t in done["in_b"]]
            gaps += done["gaps"]
            forged_followers += sum(t < t0 for t in done["followed"] if t is not None)
        follow.sort()
        await wait_all([raiser], lambda s: me in room_b.controller.book.hands, 5.0, "hand in B's queue")

        late = ListenSession(parse_link(link_a), use_device=False)
        t1 = time.monotonic()
        await late.start()
        await wait_all([late], lambda s: in_room(s, room_b), FOLLOW_BOUND_S + 5.0, "the late listener in B")
        late_s = time.monotonic() - t1
        note("move", f"{len(follow)} listeners in B {follow[0]:.2f}–{follow[-1]:.2f} s after `plaza host move` "
                     f"(median {follow[len(follow) // 2]:.2f} s); audible gap max {max(gaps):.0f} ms, total "
                     f"{sum(gaps):.0f} ms; forged moves followed: {forged_followers}; the listener back on A's link "
                     f"played B after {late_s:.2f} s")
        assert len(follow) == LISTENERS
        assert forged_followers == 0
        assert follow[-1] <= FOLLOW_BOUND_S, f"the last listener was in B after {follow[-1]:.2f} s"
        assert max(gaps) == 0.0, f"audible gaps (ms) across the move: {gaps}"
        assert late_s <= FOLLOW_BOUND_S
    finally:
        await asyncio.gather(*(s.close() for s in sessions), *([late.close()] if late else []))
        for proc, _ in swarms:
            if proc.returncode is None:
                proc.terminate()
            await proc.wait()
