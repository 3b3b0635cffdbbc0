"""HostDesk.audience: a signed `audience` request, answered by the controller's whisper; silence is an error."""

from __future__ import annotations

import asyncio
import csv
import datetime
import io
from typing import Any

import pytest

from app.events import Event
from app.room.errors import RoomError
from app.room.host_protocol import HostAction, HostVerb, parse_request, verify
from app.room.stage_protocol import AudiencePoint, AudienceReport, Invite, StagePass
from app.stage.audience_csv import write_audience_csv
from app.stage.host import HostDesk

HOST = StagePass(1234, 7411, "h" * 32)
REPORT = AudienceReport(1234, 10, (AudiencePoint(1_763_721_000, 3, 1, 0, 0),), 1)


class FakeKeeper:
    """The ChannelKeeper's seams: its room, whisper to the controller, and the controller's whispers to us."""

    def __init__(self, answer: list[Any], delivered: bool = True) -> None:
        self.room_id = 1234
        self.confirmed: list[int] = []  # rooms of the whispers sent only to a confirmed controller
        self.stage_whispers: Event[[Any]] = Event("stage whispers")
        self.sent: list[HostAction] = []
        self.answer = answer
        self.delivered = delivered

    def whisper_confirmed(self, text: str, room: int) -> asyncio.Task[bool]:
        self.confirmed.append(room)
        return self.whisper(text)

    def whisper(self, text: str) -> asyncio.Task[bool]:
        action = parse_request(text)
        assert isinstance(action, HostAction)
        self.sent.append(action)

        async def deliver() -> bool:
            for message in self.answer:  # the controller answers right after the whisper arrived
                asyncio.get_running_loop().call_soon(self.stage_whispers.emit, message)
            return self.delivered

        return asyncio.ensure_future(deliver())


async def test_the_answer_is_the_controllers_next_audience_whisper() -> None:
    other = Invite(StagePass(1234, 5, "i" * 20), 60.0)
    keeper = FakeKeeper([other, REPORT])
    desk = HostDesk(keeper, HOST)  # type: ignore[arg-type]
    assert await desk.audience() == REPORT
    (action,) = keeper.sent
    assert action.verb is HostVerb.AUDIENCE and action.target == "" and verify(action, HOST.token)
    assert len(keeper.stage_whispers) == 0  # no listener left behind
    assert await desk.audience() == REPORT and keeper.sent[1].seq > action.seq


async def test_no_answer_or_no_delivery_is_a_room_error() -> None:
    silent = HostDesk(FakeKeeper([]), HOST)  # type: ignore[arg-type]
    with pytest.raises(RoomError, match=r"did not send the audience within 0\.05 s"):
        await silent.audience(timeout=0.05)
    lost = HostDesk(FakeKeeper([REPORT], delivered=False), HOST)  # type: ignore[arg-type]
    with pytest.raises(RoomError, match="could not reach the controller"):
        await lost.audience()
    assert len(lost.channel.stage_whispers) == 0


def test_the_csv_has_a_row_per_point_and_an_empty_cell_for_an_unknown_count() -> None:
    report = AudienceReport(1234, 10, (AudiencePoint(1_763_721_000, None, 4, 0, 0),
                                       AudiencePoint(1_763_721_010.5, 523_412, 50_000, 1_200, 300)), 9)
    out = io.StringIO(newline="")
    assert write_audience_csv(report, out) == 2
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["time", "unix_time", "listeners", "joins", "leaves", "reconnects"]
    assert rows[1][1:] == ["1763721000", "", "4", "0", "0"]
    assert rows[2][1:] == ["1763721010.5", "523412", "50000", "1200", "300"]
    when = datetime.datetime.fromisoformat(rows[1][0])
    assert when.tzinfo is not None and when.timestamp() == 1_763_721_000


async def test_a_desk_whose_channel_followed_a_move_sends_nothing() -> None:
    """A pass signs for its own room only: after a move, B's places must not be handed to C's controller."""
    keeper = FakeKeeper([])
    keeper.room_id = 5678
    with pytest.raises(RoomError, match="moved on"):
        await HostDesk(keeper, HOST).act(HostVerb.CARRY_SPEAKER, "c" * 64)  # type: ignore[arg-type]
    assert keeper.sent == []


async def test_a_carried_places_proof_goes_only_to_a_confirmed_controller() -> None:
    keeper = FakeKeeper([])
    await HostDesk(keeper, HOST).act(HostVerb.CARRY_SPEAKER, "c" * 64)  # type: ignore[arg-type]
    await HostDesk(keeper, HOST).act(HostVerb.MUTE_ALL)  # type: ignore[arg-type]
    assert keeper.confirmed == [1234] and [a.verb for a in keeper.sent] == [HostVerb.CARRY_SPEAKER, HostVerb.MUTE_ALL]


async def test_a_whisper_its_channel_cancelled_is_tried_again_not_a_cancel_of_the_host() -> None:
    keeper = FakeKeeper([])
    tries: list[int] = []

    def cancelled_once(text: str) -> asyncio.Future[bool]:
        tries.append(1)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        future.cancel() if len(tries) == 1 else future.set_result(True)  # a channel closing cancels its whispers
        return future

    keeper.whisper = cancelled_once  # type: ignore[method-assign]
    await HostDesk(keeper, HOST).act(HostVerb.MUTE_ALL)  # type: ignore[arg-type]
    assert len(tries) == 2
