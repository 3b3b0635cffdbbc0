"""One voice per room, on a virtual clock: listen first, stand by for an incumbent, take over its room when it
falls silent (title, hands in order with their times, roles, held mutes, an ended room)."""

from __future__ import annotations

from app.controller.hand_queue import HandOwner
from app.controller.handover import STARTUP_LISTEN, Handover, adopt
from app.controller.moderation import Moderation
from app.controller.room_book import RoomBook
from app.controller.stage_passes import StagePasses
from app.room.protocol import CONTROLLER_SILENCE, Delta, Hand, Role, Snapshot, StageMember
from app.room.protocol_encoding import encode
from tests.controller.stage_fakes import connected_controller
from tests.controller.test_controller_unit import Clock


def announcement(message: Snapshot | Delta) -> dict[str, object]:
    return {"textroom": "announcement", "room": 1234, "text": encode(message)}


def snapshot(controller: str, seq: int = 1) -> Snapshot:
    members = (StageMember("1", "Hana", Role.HOST, False, False),
               StageMember("2", "Cole", Role.CO_HOST, False, False),
               StageMember("3", "Sam", Role.SPEAKER, True, False, held=True))
    hands = (Hand("l-a", "Ana", 100.0), Hand("l-b", "Bo", 101.5))
    return Snapshot(seq, 1234, controller, "Launch night", False, members, None, hands, 2)


def test_a_newcomer_listens_first_then_speaks_when_nobody_else_does() -> None:
    clock = Clock()
    handover = Handover("ctl-b", clock=clock)
    assert handover.standing_by()
    clock.now += STARTUP_LISTEN
    assert handover.turn() == (True, None) and handover.announced


def test_a_newcomer_stands_by_for_an_incumbent_and_takes_over_its_room() -> None:
    clock = Clock()
    handover = Handover("ctl-a", clock=clock)  # sorts first, but the other one was there before
    handover.on_announcement(announcement(snapshot("ctl-z")))
    handover.on_announcement(announcement(snapshot("ctl-a")))  # our own, echoed: ignored
    for _ in range(5):
        clock.now += 3.0
        handover.on_announcement(announcement(Delta(handover.observed.state.seq + 1,  # type: ignore[operator]
                                                    handover.observed.state.seq or 0, "ctl-z", title="Launch")))
        assert handover.turn() == (False, None)
    clock.now += CONTROLLER_SILENCE
    may, left = handover.turn()
    assert may and left is not None and left.title == "Launch" and left.controller == "ctl-z"
    assert handover.turn() == (True, None)  # once

    book = RoomBook(1234, "ctl-a", "Room", clock=clock)
    book.set_members(left.members)  # as polled
    moderation = Moderation(StagePasses(1234))
    roles: dict[str, Role] = {}
    links = connected_controller(clock).links
    links[0].participants.update({"l-a": "Ana"})
    links[1].participants.update({"l-b": "Bo"})  # each hand's name on one server: bound there (§3.3)
    adopt(left, book, moderation, roles, links)
    shown = book.snapshot()
    assert shown.title == "Launch" and [(h.id, h.raised_at) for h in shown.hands] == [("l-a", 100.0),
                                                                                       ("l-b", 101.5)]
    assert [book.queue.owner(i) for i in book.hands] == [HandOwner(links[0].url, "l-a"),
                                                         HandOwner(links[1].url, "l-b")]
    assert roles == {"1": Role.HOST, "2": Role.CO_HOST} and list(moderation.held) == ["3"]
    assert moderation.held["3"] is not None  # the announced state showed it muted: a later unmute is a fight
    assert [m.held for m in book.snapshot().members] == [False, False, True]


def test_two_at_once_the_name_sorting_first_keeps_announcing() -> None:
    clock = Clock()
    first, second = Handover("ctl-a", clock=clock), Handover("ctl-b", clock=clock)
    clock.now += STARTUP_LISTEN
    assert first.turn()[0] and second.turn()[0]  # neither heard the other in time: both spoke
    first.on_announcement(announcement(snapshot("ctl-b")))
    second.on_announcement(announcement(snapshot("ctl-a")))
    assert first.turn() == (True, None)
    assert second.standing_by() and second.turn() == (False, None)
    clock.now += CONTROLLER_SILENCE  # the one that stood by is silent: nothing of its old room comes back
    assert first.turn() == (True, None) and first.other is None


def test_garbage_and_other_rooms_text_do_not_silence_us() -> None:
    clock = Clock()
    handover = Handover("ctl-a", clock=clock)
    clock.now += STARTUP_LISTEN
    for text in ("not json", '{"v":1,"type":"hand","raised":true}', None):
        handover.on_announcement({"textroom": "announcement", "text": text})
    assert handover.turn() == (True, None)


def test_a_newcomer_learns_the_room_from_the_answer_to_its_join() -> None:
    """A running controller whispers a joiner the room (protocol §3.3) and then announces a delta: the newcomer
    holds the whispered answer until the announcement names its sender, so it can carry the room on at once."""
    clock = Clock()
    handover = Handover("ctl-b", clock=clock)
    assert handover.on_whisper("ctl-z", encode(snapshot("ctl-z", seq=5)))
    assert not handover.on_whisper("l-x", '{"v":1,"type":"hand","raised":true}')  # a request, not state
    assert handover.on_whisper("l-evil", encode(snapshot("l-evil", seq=9)))  # held too, never named
    assert handover.observed.state.controller is None
    handover.on_announcement(announcement(Delta(6, 5, "ctl-z")))
    assert handover.observed.state.seq == 6 and [h.id for h in handover.observed.state.hands] == ["l-a", "l-b"]
    assert handover.turn() == (False, None)
    clock.now += CONTROLLER_SILENCE + STARTUP_LISTEN
    may, left = handover.turn()
    assert may and left is not None and left.controller == "ctl-z" and len(left.members) == 3


def test_an_answer_counts_only_where_an_announcement_named_its_sender() -> None:
    """A name is unique on one server only: a whisper as the incumbent on link B (where its own link may be down and
    anyone may hold the name) waits for an announcement on B, not on A."""
    clock = Clock()
    handover = Handover("ctl-b", clock=clock)
    forged = Snapshot(50, 1234, "ctl-z", "Forged", True, (), None, (), 0)
    assert handover.on_whisper("ctl-z", encode(forged), link="edge-b")
    handover.on_announcement(announcement(snapshot("ctl-z", seq=5)), link="edge-a")
    assert handover.observed.state.title == "Launch night" and not handover.observed.state.ended
    handover.left("edge-a", "ctl-z")  # its link to edge A left: the name proves nothing there now
    assert handover.on_whisper("ctl-z", encode(forged), link="edge-a")
    assert handover.observed.state.seq == 5
