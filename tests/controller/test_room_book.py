"""The controller's announcement timing on a virtual clock: coalesced deltas, periodic and requested snapshots."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from app.controller.room_book import RoomBook
from app.room.protocol import (
    UNSET,
    Delta,
    Hand,
    ListenerCount,
    Role,
    Snapshot,
    StageMember,
    parse_announcement,
)
from app.room.protocol_encoding import encode


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def member(i: int, *, talking: bool = False, muted: bool = False) -> StageMember:
    return StageMember(str(i), f"M{i}", Role.SPEAKER, muted, talking)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(clock: Clock) -> RoomBook:
    b = RoomBook(1234, "ctl-x", "Title", clock=clock)
    first = b.due()
    assert isinstance(first, Snapshot) and first.seq == 1  # the very first announcement is a snapshot, at once
    return b


def test_first_snapshot_carries_everything(clock: Clock) -> None:
    book = RoomBook(7, "ctl-a", "Room", clock=clock)
    book.set_members([member(1, talking=True)])
    book.set_listeners(ListenerCount(3, 1.0))
    book.raise_hand("l-1", "Bo", 5.0)
    snap = book.due()
    assert snap == Snapshot(seq=1, room=7, controller="ctl-a", title="Room", ended=False,
                            members=(member(1, talking=True),), listeners=ListenerCount(3, 1.0),
                            hands=(Hand("l-1", "Bo", 5.0),), hands_total=1)
    assert parse_announcement(encode(snap)) == snap
    assert book.due() is None


def test_changes_within_500_ms_become_one_delta(book: RoomBook, clock: Clock) -> None:
    book.set_members([member(1)])
    assert book.next_due() == pytest.approx(0.5)  # the snapshot went out just now
    clock.now += 0.2
    book.set_members([member(1, talking=True), member(2)])
    clock.now += 0.1
    book.set_listeners(ListenerCount(10, 2.0))
    assert book.due() is None
    clock.now += 0.2
    delta = book.due()
    assert delta == Delta(seq=2, base=1, controller="ctl-x", listeners=ListenerCount(10, 2.0),
                          upsert=(member(1, talking=True), member(2)))
    assert book.due() is None
    assert book.next_due() == pytest.approx(10.0 - 0.5)  # nothing dirty: the next thing is the periodic snapshot


def test_deltas_are_at_most_every_500_ms_and_chain_their_seq(book: RoomBook, clock: Clock) -> None:
    sent = []
    for step in range(40):  # a change every 50 ms for 2 s
        clock.now += 0.05
        book.set_members([member(1, talking=step % 2 == 0)])
        message = book.due()
        if message is not None:
            sent.append((clock.now, message))
    times = [t for t, _ in sent]
    assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(times))
    assert 3 <= len(sent) <= 4
    seqs = [m.seq for _, m in sent]
    assert all(isinstance(m, Delta) for _, m in sent)
    assert [m.base for _, m in sent] == [1, *seqs[:-1]]  # type: ignore[union-attr]


def test_remove_and_hands_and_title(book: RoomBook, clock: Clock) -> None:
    book.set_members([member(1), member(2)])
    clock.now += 1
    assert isinstance(book.due(), Delta)
    book.set_members([member(2)])
    book.raise_hand("l-a", "A", 1.0)
    book.raise_hand("l-b", "B", 2.0)
    book.raise_hand("l-a", "A", 3.0)  # a repeated raise keeps its place and time
    book.set_title("New")
    clock.now += 1
    delta = book.due()
    assert isinstance(delta, Delta)
    assert delta.remove == ("1",) and delta.upsert == ()
    assert delta.hands == (Hand("l-a", "A", 1.0), Hand("l-b", "B", 2.0)) and delta.hands_total == 2
    assert delta.title == "New" and delta.listeners is UNSET and delta.ended is None
    book.lower_hand("l-a")
    clock.now += 1
    delta = book.due()
    assert isinstance(delta, Delta) and delta.hands == (Hand("l-b", "B", 2.0),) and delta.upsert == ()


def test_a_new_measurement_of_the_same_count_is_not_news(book: RoomBook, clock: Clock) -> None:
    book.set_listeners(ListenerCount(5, 1.0))
    clock.now += 1
    assert isinstance(book.due(), Delta)
    book.set_listeners(ListenerCount(5, 2.0))
    clock.now += 1
    assert book.due() is None and not book.dirty
    clock.now += 10
    snap = book.due()
    assert isinstance(snap, Snapshot) and snap.listeners == ListenerCount(5, 2.0)  # the snapshot has the new time


def test_snapshot_at_least_every_10_s(book: RoomBook, clock: Clock) -> None:
    clock.now += 9.99
    assert book.due() is None
    clock.now += 0.01
    assert isinstance(book.due(), Snapshot)


def test_requested_snapshots_are_coalesced_250_ms_apart(book: RoomBook, clock: Clock) -> None:
    clock.now += 0.1
    book.request_snapshot()
    book.request_snapshot()
    assert book.due() is None
    assert book.next_due() == pytest.approx(0.15)
    clock.now += 0.15
    snap = book.due()
    assert isinstance(snap, Snapshot) and snap.seq == 2
    assert book.due() is None  # one snapshot answered both askers
    clock.now += 1.0
    book.request_snapshot()
    assert isinstance(book.due(), Snapshot)  # long after the last one: at once


def test_a_snapshot_clears_pending_changes(book: RoomBook, clock: Clock) -> None:
    clock.now += 0.3
    book.set_members([member(1)])
    book.request_snapshot()
    snap = book.due()
    assert isinstance(snap, Snapshot) and snap.members == (member(1),)
    clock.now += 1
    assert book.due() is None


def test_members_keep_their_place(book: RoomBook) -> None:
    book.set_members([member(1), member(2)])
    book.set_members([member(3), member(2, talking=True), member(1)])
    assert list(book.members) == ["1", "2", "3"]


def test_an_unchanged_count_is_refreshed_every_five_seconds(book: RoomBook, clock: Clock) -> None:
    """Listeners call a count older than 10 s stale; a steady room must never look stale between snapshots."""
    book.set_listeners(ListenerCount(25, 100.0))
    clock.now += 0.6
    first = book.due()
    assert isinstance(first, Delta) and first.listeners == ListenerCount(25, 100.0)
    clock.now += 1.0
    book.set_listeners(ListenerCount(25, 101.0))  # a new measurement, same count: not news yet
    assert book.due() is None
    clock.now += 4.0
    book.set_listeners(ListenerCount(25, 105.5))  # 5.5 s newer than what listeners hold
    refreshed = book.due()
    assert isinstance(refreshed, Delta) and refreshed.listeners == ListenerCount(25, 105.5)


def test_recording_is_in_every_snapshot_and_in_a_delta_only_when_it_changed(book: RoomBook, clock: Clock) -> None:
    book.recording = True
    assert book.dirty
    clock.now += 1
    started = book.due()
    assert started == Delta(seq=2, base=1, controller="ctl-x", recording=True)
    assert parse_announcement(encode(started)) == started
    book.set_members([member(1)])
    clock.now += 1
    later = book.due()
    assert isinstance(later, Delta) and later.recording is None  # unchanged: not repeated
    clock.now += 10
    snap = book.due()
    assert isinstance(snap, Snapshot) and snap.recording  # a joiner learns it from the snapshot
    book.recording = False
    clock.now += 1
    stopped = book.due()
    assert isinstance(stopped, Delta) and stopped.recording is False
    assert not book.dirty and book.due() is None


def test_a_stage_too_big_for_one_message_goes_out_whole_in_parts(clock: Clock) -> None:
    """200 members with 16-digit ids and 64-character names are ~34 KB (benchmarks.host_actions found such a room
    announcing nothing, then a partial stage): the snapshot goes in parts, a chain of deltas, and a listener shows
    all 200, in order, once, with their full names; the next delta follows the chain."""
    from app.listener.state import RoomStateModel
    from app.room.protocol import MAX_MESSAGE_BYTES

    book = RoomBook(1234, "ctl-1", "Launch night", clock=clock)
    book.set_members(StageMember(str(10**15 + i), f"{i:03d}" + "N" * 61, Role.SPEAKER, False, False)
                     for i in range(200))
    book.hands = {f"l-{i:010d}": Hand(f"l-{i:010d}", "H" * 64, 1.7e9 + i) for i in range(100)}
    model = RoomStateModel()
    changes: list[object] = []
    model.changed.connect(lambda state, change: changes.append(change))
    message = book.due()
    assert isinstance(message, Snapshot)
    texts = book.texts(message)
    assert 3 <= len(texts) <= 5 and all(len(t.encode()) <= MAX_MESSAGE_BYTES for t in texts)
    parsed = [parse_announcement(t) for t in texts]
    head = parsed[0]
    assert isinstance(head, Snapshot) and head.parts == len(texts) and len(head.hands) == 100
    for part in parsed[1:]:
        assert isinstance(part, Delta) and part.upsert and not part.remove and part.hands is None
    model.apply_snapshot(head, now=1.0)
    for part in parsed[1:]:
        assert changes == []
        assert model.apply_delta(part, now=1.0)  # type: ignore[arg-type]
    assert len(changes) == 1
    assert [m.id for m in model.state.members] == [str(10**15 + i) for i in range(200)]
    assert all(len(m.name) == 64 for m in model.state.members)
    assert model.state.seq == book.seq == head.seq + len(texts) - 1
    clock.now += 1.0
    book.set_listeners(ListenerCount(500_000, 1.7e9))
    follow = book.due()
    assert isinstance(follow, Delta) and follow.base == model.state.seq
    assert model.apply_delta(parse_announcement(book.texts(follow)[0]), now=2.0)  # type: ignore[arg-type]


def test_a_delta_too_big_for_one_message_becomes_a_snapshot_in_parts(clock: Clock) -> None:
    """A host's mute-all on a 200-member stage changes every member: that delta is sent as a fresh snapshot."""
    book = RoomBook(1234, "ctl-1", "Launch night", clock=clock)
    members = [StageMember(str(10**15 + i), "N" * 64, Role.SPEAKER, False, False) for i in range(200)]
    book.set_members(members)
    book.texts(book.snapshot())  # the stage as announced: the base of the next delta
    clock.now += 1.0
    book.set_members(dataclasses.replace(m, muted=True) for m in members)
    message = book.due()
    assert isinstance(message, Delta)
    texts = [parse_announcement(t) for t in book.texts(message)]
    head = texts[0]
    assert isinstance(head, Snapshot) and head.seq > message.seq and head.parts == len(texts) > 1
    assert all(m.muted for m in head.members)
    assert not book.dirty


def big_stage() -> list[StageMember]:
    return [StageMember(str(10**15 + i), f"{i:03d}" + "N" * 61, Role.SPEAKER, False, False) for i in range(200)]


def test_an_answer_is_what_listeners_were_told_and_takes_no_seq(book: RoomBook, clock: Clock) -> None:
    """Whispered to joiners and syncs (protocol §3.3): the announced state at the current seq, not the book's
    unannounced changes, so the next broadcast delta applies on top of it."""
    from app.listener.state import RoomStateModel

    book.set_members([member(1)])
    clock.now += 1
    book.texts(book.due())  # type: ignore[arg-type]
    seq = book.seq
    book.set_members([member(1), member(2)])  # not announced yet
    texts = book.answer()
    assert texts is not None and book.seq == seq
    answer = parse_announcement(texts[0])
    assert isinstance(answer, Snapshot) and answer.seq == seq and [m.id for m in answer.members] == ["1"]
    model = RoomStateModel()
    model.apply_snapshot(answer, now=1.0, answer=True)
    clock.now += 1
    delta = book.due()
    assert isinstance(delta, Delta) and model.apply_delta(delta, now=2.0)
    assert [m.id for m in model.state.members] == ["1", "2"]


def test_an_answer_in_parts_ends_at_the_current_seq(clock: Clock) -> None:
    from app.listener.state import RoomStateModel

    book = RoomBook(1234, "ctl-1", "Launch night", clock=clock)
    book.set_members(big_stage())
    book.texts(book.snapshot())
    clock.now += 1
    book.set_listeners(ListenerCount(7, 1.7e9))
    book.texts(book.due())  # type: ignore[arg-type]
    seq = book.seq
    texts = book.answer()
    assert texts is not None and len(texts) > 1 and book.seq == seq
    parsed = [parse_announcement(t) for t in texts]
    head = parsed[0]
    assert isinstance(head, Snapshot) and head.seq == seq - (len(texts) - 1) and head.parts == len(texts)
    assert parsed[-1].seq == seq
    model = RoomStateModel()
    model.apply_snapshot(Snapshot(seq=seq, room=1234, controller="ctl-1", title="", ended=False, members=(),
                                  listeners=None, hands=(), hands_total=0), now=0.5)  # it held the seq already
    model.apply_snapshot(head, now=1.0, answer=True)  # taken all the same: it is the answer to its ask
    for part in parsed[1:]:
        assert model.apply_delta(part, now=1.0)  # type: ignore[arg-type]
    assert len(model.state.members) == 200 and model.state.listeners == ListenerCount(7, 1.7e9)
    assert model.state.seq == seq


def test_no_answer_before_the_first_announcement_or_below_seq_1(clock: Clock) -> None:
    book = RoomBook(1234, "ctl-1", "Room", clock=clock)
    assert book.answer() is None  # nothing announced: the first snapshot, broadcast, answers
    book.set_members(big_stage()[:3])
    book.texts(book.snapshot())
    book.set_members(big_stage())
    clock.now += 1
    book._sent_members = dict(book.members)  # as if seq 1 had listed them all: its parts would need seqs below 1
    assert book.answer() is None


def test_a_heartbeat_is_an_empty_delta_within_the_delta_interval(book: RoomBook, clock: Clock) -> None:
    assert book.next_due() > 1
    book.heartbeat()
    assert book.next_due() <= book.delta_interval
    clock.now += book.delta_interval
    beat = book.due()
    assert isinstance(beat, Delta) and beat.upsert == () and beat.listeners is UNSET and beat.hands is None
    assert book.due(clock.now + 1) is None  # once


# ------------------------------------------------------------------------------------- per-server loads (§6.1)
A, B = "ws://a:1/janus", "ws://b:1/janus"


def test_loads_go_out_in_every_snapshot_and_in_the_join_answer(book: RoomBook, clock: Clock) -> None:
    book.set_loads(((A, 3), (B, 0)))
    book.request_snapshot()
    clock.now += 0.25
    snap = book.due()
    assert isinstance(snap, Snapshot) and snap.loads == ((A, 3), (B, 0))
    book.set_loads(((A, 4), (B, 0)))  # not sent yet: an answer says what listeners were told
    answer = parse_announcement(book.answer()[0])  # type: ignore[index]
    assert isinstance(answer, Snapshot) and answer.loads == ((A, 3), (B, 0))


def test_a_loads_change_waits_for_its_own_interval_then_goes_in_a_delta(clock: Clock) -> None:
    book = RoomBook(1, "ctl-x", "T", clock=clock, snapshot_interval=1000.0)  # deltas only, for this test
    assert isinstance(book.due(), Snapshot)
    book.set_loads(((A, 3), (B, 0)))  # news; the first snapshot said "none" and counts as loads sent
    clock.now += 1.0
    assert book.due() is None and book.next_due() == pytest.approx(4.0)
    clock.now += 4.0
    first = book.due()
    assert isinstance(first, Delta) and first.loads == ((A, 3), (B, 0))
    book.set_loads(((A, 4), (B, 0)))
    assert book.dirty
    clock.now += 1.0
    assert book.due() is None and book.next_due() == pytest.approx(4.0)  # LOADS_MIN_INTERVAL after the last
    book.set_members([member(1)])  # other news goes out at once, without the loads
    other = book.due()
    assert isinstance(other, Delta) and other.loads is None and other.upsert == (member(1),)
    clock.now += 4.0
    later = book.due()
    assert isinstance(later, Delta) and later.loads == ((A, 4), (B, 0))
    assert encode(later).count('"loads"') == 1


def test_small_moves_of_a_big_room_are_not_announced_until_they_add_up(clock: Clock) -> None:
    book = RoomBook(1, "ctl-x", "T", clock=clock, snapshot_interval=1000.0)  # deltas only, for this test
    book.set_loads(((A, 50_000), (B, 50_000)))
    assert isinstance(book.due(), Snapshot)
    sent_at = None
    for step in range(1, 20):  # +500 on A every 6 s: 5 % of the audience is passed at +5,500 (step 11)
        clock.now += 6.0
        book.set_loads(((A, 50_000 + 500 * step), (B, 50_000)))
        message = book.due()
        if message is not None:
            assert isinstance(message, Delta) and message.loads == book.loads
            sent_at = step
            break
    assert sent_at == 11


def test_the_controller_announces_each_feed_servers_viewers_and_drops_an_unreachable_one() -> None:
    from types import SimpleNamespace

    from app.controller.controller import RoomController

    controller = RoomController.__new__(RoomController)
    controller.book = RoomBook(1, "ctl-x", "T")
    controller.passes = []  # type: ignore[assignment]
    controller.audience = SimpleNamespace(listeners=lambda count: None)  # type: ignore[assignment]
    controller._wake = SimpleNamespace(set=lambda: None)  # type: ignore[assignment]
    links = [SimpleNamespace(url=A, connected=True, viewers=7, viewers_at=1.0),
             SimpleNamespace(url=B, connected=False, viewers=None, viewers_at=0.0)]
    controller.links = links  # type: ignore[assignment]
    controller._update_count()
    assert controller.book.loads == ((A, 7),)
    links[1].connected, links[1].viewers = True, 2
    controller._update_count()
    assert controller.book.loads == ((A, 7), (B, 2))
