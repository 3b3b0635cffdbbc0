"""A host's `move` on the controller's side (§3.8): who may, and the forward in every announcement and answer."""

from __future__ import annotations

import pytest

from app.controller.moderation import Moderation, Refused
from app.controller.room_book import RoomBook
from app.controller.stage_passes import StagePasses
from app.room.host_protocol import HostVerb, sign
from app.room.protocol import Delta, Role, Snapshot, parse_announcement
from tests.controller.test_moderation import issue, members

NEW = "plaza+ws://198.18.0.2:8288/5678"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_only_the_rooms_host_may_move_it() -> None:
    passes = StagePasses(1234)
    rules = Moderation(passes)
    host, cohost = issue(passes, Role.HOST, "hana"), issue(passes, Role.CO_HOST, "cole")
    speaker = issue(passes, Role.SPEAKER, "sam")
    stage = members((host, Role.HOST), (cohost, Role.CO_HOST), (speaker, Role.SPEAKER))
    with pytest.raises(Refused, match="only the room's host may move"):
        rules.authorize(sign(cohost, 1, HostVerb.MOVE, NEW), stage)
    with pytest.raises(Refused, match="not a host"):
        rules.authorize(sign(speaker, 1, HostVerb.MOVE, NEW), stage)
    assert rules.authorize(sign(host, 1, HostVerb.MOVE, NEW), stage).role is Role.HOST


def test_the_forward_goes_out_with_ended_and_stays_in_snapshots_and_answers() -> None:
    clock = Clock()
    book = RoomBook(1234, "ctl-a", "A", clock=clock)
    first = book.due()
    assert isinstance(first, Snapshot) and first.moved is None
    book.moved, book.ended = NEW, True
    clock.now += 1
    delta = parse_announcement(book.texts(book.due())[0])  # type: ignore[arg-type]
    assert isinstance(delta, Delta) and delta.moved == NEW and delta.ended is True
    clock.now += 1
    quiet = book.due()
    assert quiet is None or (isinstance(quiet, Delta) and quiet.moved is None)  # said once per delta chain...
    answer = parse_announcement(book.answer()[0])  # type: ignore[index]
    assert isinstance(answer, Snapshot) and answer.moved == NEW and answer.ended  # ...and to every joiner
    clock.now += 10
    periodic = book.due()
    assert isinstance(periodic, Snapshot) and periodic.moved == NEW  # and in every periodic snapshot
