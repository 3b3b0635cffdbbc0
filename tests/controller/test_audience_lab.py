"""The hosts' audience graph (lab, real Janus, two servers of one room): a host asks its room's controller for the
audience while listeners join, leave, fail over to the other server and reconnect with the same username; the
points show each of them once, as what it was. Nobody but a host gets an answer.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.links import parse_link
from app.listener.channel import RoomChannel
from app.listener.state import RoomStateModel
from app.room.host_protocol import HostVerb, encode_host_action, sign
from app.room.stage_protocol import AudienceReport, StagePass, ToListener
from tests.controller.test_host_actions_lab import host_on_stage
from tests.listener.test_room_state_lab import LabListener, edge_and_controller
from tests.support.stage_lab import go_on_stage, speaker_session, tone_wav, until

pytestmark = pytest.mark.lab

ROOM = 1234


def totals(report: AudienceReport) -> tuple[int, int, int]:
    return (sum(p.joins for p in report.points), sum(p.leaves for p in report.points),
            sum(p.reconnects for p in report.points))


async def channel(server: str, username: str | None = None, name: str = "") -> RoomChannel:
    """A listener's channel N on `server` (its feed is not needed: joins and leaves are the channel's)."""
    ch = RoomChannel(server, ROOM, RoomStateModel(), username=username, display=name, ice_servers=[])
    await ch.open(5.0)
    await until(lambda: ch.controller is not None, 5.0, f"{name}'s channel heard the controller")
    return ch


def answers(ch: RoomChannel | Any) -> list[AudienceReport]:
    got: list[AudienceReport] = []

    def on_whisper(message: ToListener) -> None:
        if isinstance(message, AudienceReport):
            got.append(message)

    ch.stage_whispers.connect(on_whisper)
    return got


async def test_a_host_sees_joins_leaves_failovers_and_reconnects(lab: Any, make_lab_room: Any, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:

    caplog.set_level(logging.WARNING, logger="app.controller.host_actions")
    origin = await make_lab_room(speaker=None, controller=False)
    edge, controller = edge_and_controller(lab, origin, "Audience")
    room = SimpleNamespace(controller=controller, link=parse_link(
        f"plaza+ws://{lab.SERVER_IP}:8188/{ROOM}?server={edge.config.ws_url}"))
    opened: list[Any] = []
    try:
        await edge.start()
        await controller.start()
        assert controller.connected_servers == [origin.config.ws_url, edge.config.ws_url]
        host, desk = await host_on_stage(room, tmp_path)
        ana = speaker_session(room, tone_wav(tmp_path / "a.wav", 440.0), "Ana", muted=True)
        opened += [host, ana]
        await go_on_stage(room, ana)
        t0 = time.monotonic()
        before = await desk.audience()
        asked_in = time.monotonic() - t0
        assert before.room == ROOM and before.bucket == 10 and before.total == len(before.points) >= 1
        assert totals(before)[0] >= 2 and totals(before)[1:] == (0, 0)  # the host and Ana joined

        bo = LabListener(origin, "Bo")  # a feed viewer: the count grows
        opened.append(bo)
        await bo.open()
        cy = await channel(origin.config.ws_url, name="Cy")
        dee = await channel(origin.config.ws_url, name="Dee")
        eve = await channel(edge.config.ws_url, name="Eve")
        opened += [cy, dee, eve]
        await cy.close()  # Cy leaves for good
        # Dee's server fails her: she joins the edge with the same username while the origin still has her
        dee_edge = await channel(edge.config.ws_url, dee.username, "Dee")
        opened.append(dee_edge)
        await dee.close()  # ...and the origin's late leave: she is still on the edge, nobody left
        await eve.close()  # Eve's connection drops; she is back on the same server a second later
        await asyncio.sleep(1.0)
        eve_again = await channel(edge.config.ws_url, eve.username, "Eve")
        opened.append(eve_again)

        expected = (4, 1, 2)  # Bo, Cy, Dee, Eve joined; Cy left; Dee failed over and Eve reconnected
        deadline = time.monotonic() + 5.0
        while True:
            after = await desk.audience()
            change = tuple(a - b for a, b in zip(totals(after), totals(before), strict=True))
            if change == expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        assert change == expected, (change, after.points[-4:])
        points = after.points
        assert [p.at for p in points] == sorted({p.at for p in points})
        assert all(b.at - a.at == 10 for a, b in itertools.pairwise(points))
        assert points[-1].at <= time.time() < points[-1].at + 10  # the bucket in progress
        await until(lambda: (controller.book.listeners.count if controller.book.listeners else 0) >= 3, 3.0,
                    "the count with Bo")
        last = (await desk.audience()).points[-1]
        assert last.listeners is not None and last.listeners >= 3, last  # viewers (host, Bo) + the host member

        # Nobody but a host gets an answer: a speaker's own pass, and a listener forging the host's.
        assert ana.listen.channel is not None and ana.stage is not None and bo.channel.controller is not None
        ana_got, bo_got = answers(ana.listen.channel), answers(bo.channel)
        seq = int(time.time() * 1000)
        task = ana.listen.channel.whisper(encode_host_action(sign(ana.stage.stage_pass, seq, HostVerb.AUDIENCE)))
        assert task is not None and await task
        forged = sign(StagePass(ROOM, desk.stage_pass.stage_id, "x" * 32), seq + 1, HostVerb.AUDIENCE)
        task = bo.channel.whisper(encode_host_action(forged))
        assert task is not None and await task
        host_got = answers(host.listen.channel)
        await until(lambda: len(caplog.records) >= 2, 3.0, "both refusals")
        assert (await desk.audience()).room == ROOM  # the host is still answered
        await asyncio.sleep(1.0)
    finally:
        await asyncio.gather(*(x.close() for x in reversed(opened)), return_exceptions=True)
        await controller.close()
        await edge.close()
    refusals = [r.getMessage() for r in caplog.records if "refused a host action" in r.getMessage()]
    assert ana_got == [] and bo_got == [], "an audience answer reached a listener or a speaker"
    assert len(host_got) == 1
    assert len(refusals) == 2 and any("not a host" in r for r in refusals) \
        and any("wrong signature" in r for r in refusals), refusals
    print(f"\nfirst answer after {asked_in * 1000:.0f} ms; joins/leaves/reconnects since: {change}; "
          f"{len(points)} point(s), last {last}")
