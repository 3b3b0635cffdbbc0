"""Roles travel with a moved room (§3.8), in the lab: rooms A and B on two Janus servers, each with its controller;
on A's stage the host (who holds B's host pass too, as the one who started B), a speaker (unmuted) and a co-host
(muted); a plain listener; and a squatter: a listener of A who, before the move, joins B's channel under Dee's
channel username (public in A) and whispers B's controller forged claims. The host moves A → B with
`plaza host A move B`.

Measured: within CARRY_BOUND_S of the move command, B's room state shows the speaker as `speaker` (unmuted) and the
co-host as `co-host` (muted) — Dee under a fresh channel name, her own being the squatter's —, the listener is in
B's audience, not on its stage, and the squatter holds no pass in B. Reported (not asserted): the
audible gaps of every playout across the move, and how long the audience did not hear the speaker (A's stage lets
everyone go at the move; the speaker's voice is back once it is on B's stage).

Why 10 s: the listeners' follow jitter (≤ 1 s) + the new feed and channel (~0.5 s) + the new controller's answer
and first announcement after the CLI's join (≤ 1 s) + the invite, its whisper and a stage join (~1 s) + a poll and
a coalesced delta (≤ 0.75 s): ~4 s in the worst case on a quiet machine; 10 s leaves room for a busy 2-core one.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.cli.host import host
from app.cli.serve import keep_host_pass
from app.links import format_link, parse_link
from app.listener.channel import RoomChannel
from app.listener.listen import ListenSession
from app.listener.state import RoomStateModel, StateSource
from app.room.host_protocol import HostVerb
from app.room.protocol import Role as MemberRole
from app.room.roster_protocol import CarryClaim, carry_proof, encode_claim
from app.stage.speaker import Role
from tests.listener.listening import note
from tests.support.stage_lab import band_db, go_on_stage, speaker_session, tone_wav, until

pytestmark = pytest.mark.lab

CARRY_BOUND_S = 10.0
ANA_HZ = 440.0


def member(state: Any, name: str) -> Any:
    """The stage member called `name` in a room state (members: a tuple) or a controller's book (a dict)."""
    members = state.members.values() if isinstance(state.members, dict) else state.members
    return next((m for m in members if m.name == name), None)


class Heard:
    """What a session's output played, block by block, with the time it played."""

    def __init__(self, session: ListenSession) -> None:
        self.blocks: list[tuple[float, np.ndarray]] = []
        session.heard.connect(lambda block: self.blocks.append((time.monotonic(), block)))

    def longest_quiet(self, hz: float, since: float) -> float:
        """The longest run (s) without the `hz` tone after `since`."""
        longest, start = 0.0, None
        for t, block in self.blocks:
            if t < since:
                continue
            if band_db(block, hz) < -40.0:
                start = t if start is None else start
                longest = max(longest, t - start)
            else:
                start = None
        return longest


@pytest.mark.timeout(180)
async def test_a_speaker_and_a_co_host_land_on_the_new_rooms_stage(make_lab_room: Any, memory_keyring: Any,
                                                                    tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    room_a = await make_lab_room(speaker=None, controller=True, ws_port=8188, room_id=1234, title="A")
    room_b = await make_lab_room(speaker=None, controller=True, ws_port=8189, room_id=5678, title="B")
    link_a, link_b = room_a.config.link_text, format_link(parse_link(room_b.config.link_text))
    await keep_host_pass(room_a.controller, link_a, "test")  # the host started both rooms: it holds both passes
    await keep_host_pass(room_b.controller, link_b, "test")
    hana = speaker_session(room_a, tone_wav(tmp_path / "h.wav", 660.0), "Hana", muted=True)
    ana = speaker_session(room_a, tone_wav(tmp_path / "a.wav", ANA_HZ), "Ana", muted=False)
    dee = speaker_session(room_a, tone_wav(tmp_path / "d.wav", 880.0), "Dee", muted=True)
    listener = ListenSession(room_a.link, use_device=False)
    heard = Heard(listener)
    everyone = [hana, ana, dee]
    squatter: RoomChannel | None = None
    try:
        await hana.start()
        keeper = hana.listen.channel
        assert keeper is not None
        await until(lambda: keeper.channel is not None and keeper.channel.controller is not None, 15,
                    "the host heard A's controller")
        await hana.take_pass(await room_a.controller.host_pass())
        await listener.start()
        await go_on_stage(room_a, ana)
        await go_on_stage(room_a, dee)
        await until(lambda: member(room_a.controller.book, "Dee") is not None, 3, "Dee on A's stage")
        await room_a.controller.host_action(HostVerb.PROMOTE, member(room_a.controller.book, "Dee").id)
        await until(lambda: (member(listener.state.state, "Dee") is not None
                             and member(listener.state.state, "Dee").role is MemberRole.CO_HOST
                             and member(listener.state.state, "Ana") is not None
                             and not member(listener.state.state, "Ana").muted), 5,
                    "the listener sees A's stage: Ana unmuted, Dee co-host")
        # The squatter: Dee's channel name is public in A; B's link will be in the `moved` announcement.
        dee_name = dee.listen.state.own_id
        assert dee_name is not None
        squatter = RoomChannel(room_b.link.servers[0], 5678, RoomStateModel(), username=dee_name, display="Dee")
        await squatter.open(8.0)
        await until(lambda: squatter is not None and squatter.controller is not None, 5, "B's controller heard")
        await asyncio.sleep(3.0)  # Ana heard by the listener (its cushion full)
        gaps_before = {s: s.playout.counters.audible_gap_ms for s in [listener, *(x.listen for x in everyone)]}

        assert ana.stage is not None and dee.stage is not None
        secret = [(await room_a.controller.host_pass()).token, (await room_b.controller.host_pass()).token]
        secret += [carry_proof(p.token, p.room, p.stage_id) for p in (ana.stage.stage_pass, dee.stage.stage_pass)]
        t0 = time.monotonic()
        moving = asyncio.ensure_future(host(argparse.Namespace(link=link_a, action="move", target=link_b,
                                                               timeout=8.0)))
        while not moving.done():  # forged claims all along (the real proof never reaches a listener)
            squatter.whisper(encode_claim(CarryClaim(5678, "5" * 64)))
            await asyncio.sleep(0.25)
        assert moving.result() == 0
        cli = capsys.readouterr()
        assert f"move {link_b}: done" in cli.out
        assert "as speaker in room 5678" in cli.out and "as co-host in room 5678" in cli.out, cli.out
        assert not any(s in cli.out + cli.err for s in secret)  # no pass token, no place's proof

        def carried() -> bool:
            book = room_b.controller.book
            a, d = member(book, "Ana"), member(book, "Dee")
            return (a is not None and a.role is MemberRole.SPEAKER and not a.muted
                    and d is not None and d.role is MemberRole.CO_HOST and d.muted)

        await until(carried, CARRY_BOUND_S - (time.monotonic() - t0), "Ana and Dee on B's stage")
        elapsed = time.monotonic() - t0
        assert ana.role is Role.SPEAKER and dee.role is Role.SPEAKER and not ana.muted and dee.muted
        assert ana.stage is not None and ana.stage.stage_pass.room == 5678
        # The listener: in B, in its audience; what it sees of B's stage is what B's controller says.
        await until(lambda: (listener.link.room_id == 5678 and listener.state.state.source is StateSource.CONTROLLER
                             and listener.state.state.controller == room_b.controller.username
                             and member(listener.state.state, "Ana") is not None
                             and member(listener.state.state, "Dee") is not None), 5, "the listener sees B's stage")
        assert listener.state.own_id is not None and room_b.controller.passes.all_of(listener.state.own_id) == []
        assert {m.name for m in room_b.controller.book.members.values()} == {"Ana", "Dee"}  # (the CLI's host is
        # not on a stage: its window would take B's host pass itself)
        assert dee.listen.state.own_id != dee_name and room_b.controller.passes.all_of(dee_name) == [], \
            "the squatter of Dee's name got a pass in B"
        assert squatter.controller is not None  # it stayed in B's channel all along (its claims were heard)
        await asyncio.sleep(3.0)  # what the listener hears of Ana once she is back
        gaps = {name: s.playout.counters.audible_gap_ms - gaps_before[s]
                for name, s in (("listener", listener), ("Hana", hana.listen), ("Ana", ana.listen),
                                ("Dee", dee.listen))}
        quiet = heard.longest_quiet(ANA_HZ, t0)
        assert any(band_db(b, ANA_HZ) > -25.0 for t, b in heard.blocks if t > time.monotonic() - 1.0), \
            "the listener does not hear Ana in room B"
        note("move roles", f"speaker and co-host on B's stage {elapsed:.2f} s after `plaza host move` (bound "
                           f"{CARRY_BOUND_S:g} s); audible gaps (ms) {gaps}; the listener did not hear Ana for "
                           f"{quiet:.2f} s")
    finally:
        closing = [s.close() for s in everyone] + [listener.close()] + ([squatter.close()] if squatter else [])
        await asyncio.gather(*closing, return_exceptions=True)
