"""Room state model: sequencing, controller changes, fallback, hand intent, exact change flags, subscriber isolation."""

from __future__ import annotations

import dataclasses
import logging
import random
from typing import Any

import pytest

from app.listener.state import RoomState, RoomStateModel, StateChange, StateSource
from app.room.protocol import Delta, Hand, ListenerCount, Role, Snapshot, StageMember

ANA = StageMember("1", "Ana", Role.HOST, False, False)
BO = StageMember("2", "Bo", Role.CO_HOST, False, True)
CY = StageMember("3", "Cy", Role.SPEAKER, True, False)
HAND = Hand("l-me", "Me", 100.0)
COUNT = ListenerCount(25, 1000.0)


def snap(seq: int = 10, controller: str = "ctl-a", members: tuple[StageMember, ...] = (ANA, BO, CY),
         **kw: object) -> Snapshot:
    fields: dict[str, object] = dict(seq=seq, room=1234, controller=controller, title="Launch", ended=False,
                                     members=members, listeners=COUNT, hands=(), hands_total=0)
    fields.update(kw)
    return Snapshot(**fields)  # type: ignore[arg-type]


def delta(seq: int = 11, base: int | None = None, controller: str = "ctl-a", **kw: Any) -> Delta:
    return Delta(seq=seq, base=seq - 1 if base is None else base, controller=controller, **kw)


class Recorder:
    def __init__(self, model: RoomStateModel) -> None:
        self.calls: list[tuple[RoomState, StateChange]] = []
        model.changed.connect(self)

    def __call__(self, state: RoomState, change: StateChange) -> None:
        self.calls.append((state, change))

    @property
    def changes(self) -> list[StateChange]:
        return [c for _, c in self.calls]


@pytest.fixture
def model() -> RoomStateModel:
    m = RoomStateModel(own_id="l-me")
    m.apply_snapshot(snap(), now=5.0)
    return m


# --- snapshots and deltas ------------------------------------------------------------------------------------------

def test_a_fresh_model_knows_nothing() -> None:
    m = RoomStateModel()
    assert m.state == RoomState()
    assert m.state.source is StateSource.NONE and m.state.listeners is None and m.state.seq is None
    assert not m.hand_raised and not m.own_hand_in_queue()


def test_first_snapshot_sets_everything_and_says_so() -> None:
    m = RoomStateModel()
    rec = Recorder(m)
    m.apply_snapshot(snap(hands=(HAND,), hands_total=4), now=7.5)
    s = m.state
    assert (s.title, s.members, s.listeners, s.hands, s.hands_total) == ("Launch", (ANA, BO, CY), COUNT, (HAND,), 4)
    assert (s.seq, s.controller, s.source, s.ended, s.updated_at) == (10, "ctl-a", StateSource.CONTROLLER, False, 7.5)
    assert rec.changes == [StateChange.MEMBERS | StateChange.TALKING | StateChange.LISTENERS | StateChange.HANDS
                           | StateChange.TITLE | StateChange.SOURCE]
    assert rec.calls[0][0] is s


def test_member_lookup_and_talking(model: RoomStateModel) -> None:
    assert model.state.member("2") == BO
    assert model.state.member("nobody") is None
    assert model.state.talking() == (BO,)


def test_delta_applies_and_advances_seq(model: RoomStateModel) -> None:
    assert model.apply_delta(delta(11, title="New", ended=True, listeners=None, hands=(HAND,), hands_total=2), 6.0)
    s = model.state
    assert (s.seq, s.title, s.ended, s.listeners, s.hands, s.hands_total, s.updated_at) == (
        11, "New", True, None, (HAND,), 2, 6.0)
    assert s.members == (ANA, BO, CY)
    assert model.apply_delta(delta(12), 6.5) and model.state.seq == 12


def test_delta_fields_left_out_keep_their_values(model: RoomStateModel) -> None:
    before = model.state
    assert model.apply_delta(delta(11, upsert=(dataclasses.replace(ANA, talking=True),)), 6.0)
    s = model.state
    assert (s.title, s.ended, s.listeners, s.hands, s.hands_total) == (
        before.title, before.ended, before.listeners, before.hands, before.hands_total)


def test_delta_before_any_snapshot_is_refused() -> None:
    m = RoomStateModel()
    rec = Recorder(m)
    assert not m.apply_delta(delta(1, upsert=(ANA,)), 1.0)
    assert m.state == RoomState() and rec.calls == []


def test_sequence_gap_is_refused_and_not_applied(model: RoomStateModel) -> None:
    rec = Recorder(model)
    before = model.state
    assert not model.apply_delta(delta(12, base=11, title="Skipped ahead"), 6.0)
    assert model.state is before and rec.calls == []
    assert model.apply_delta(delta(11, title="Next"), 6.0)  # the right one still applies


def test_old_delta_is_ignored_without_asking_for_sync(model: RoomStateModel) -> None:
    rec = Recorder(model)
    assert model.apply_delta(delta(10, base=9, title="Old"), 6.0)
    assert model.state.title == "Launch" and model.state.seq == 10 and rec.calls == []


def test_delta_from_another_controller_is_a_gap(model: RoomStateModel) -> None:
    assert not model.apply_delta(delta(11, controller="ctl-b", title="Imposter"), 6.0)
    assert model.state.title == "Launch"


def test_old_snapshot_from_same_controller_is_ignored(model: RoomStateModel) -> None:
    rec = Recorder(model)
    model.apply_snapshot(snap(seq=9, title="Older"), 6.0)
    model.apply_snapshot(snap(seq=10, title="Same seq"), 6.0)
    assert model.state.title == "Launch" and model.state.updated_at == 5.0 and rec.calls == []
    model.apply_snapshot(snap(seq=11, title="Newer"), 6.0)
    assert model.state.title == "Newer" and rec.changes == [StateChange.TITLE]


def test_new_controller_is_accepted_with_a_restarted_seq(model: RoomStateModel) -> None:
    rec = Recorder(model)
    model.apply_snapshot(snap(seq=0, controller="ctl-b"), 6.0)
    assert (model.state.controller, model.state.seq) == ("ctl-b", 0)
    assert rec.changes == [StateChange.SOURCE]
    assert not model.apply_delta(delta(11, controller="ctl-a"), 6.5)  # the old one is no longer followed
    assert model.apply_delta(delta(1, controller="ctl-b", title="B"), 7.0)


def test_snapshot_resyncs_after_a_gap(model: RoomStateModel) -> None:
    assert not model.apply_delta(delta(13, base=12), 6.0)
    model.apply_snapshot(snap(seq=13, members=(ANA,)), 6.5)
    assert model.state.members == (ANA,) and model.state.member("2") is None
    assert model.apply_delta(delta(14, upsert=(CY,)), 7.0)
    assert model.state.members == (ANA, CY)


# --- reset, fallback, hand intent ----------------------------------------------------------------------------------

def test_reset_sequence_keeps_state_but_needs_a_snapshot(model: RoomStateModel) -> None:
    rec = Recorder(model)
    before = model.state
    model.reset_sequence()
    assert model.state is before and rec.calls == []
    assert not model.apply_delta(delta(11, title="After reconnect"), 6.0)  # even though base matches
    assert model.state.title == "Launch"
    model.apply_snapshot(snap(seq=9), 6.0)  # older than what we showed: still ignored
    assert not model.apply_delta(delta(11), 6.0)
    model.apply_snapshot(snap(seq=10), 6.0)  # the same seq re-syncs (nothing changed, so nobody is told)
    assert rec.calls == []
    assert model.apply_delta(delta(11, title="After reconnect"), 6.5)
    assert model.state.title == "After reconnect"


def test_fallback_shows_the_stage_with_listeners_unknown(model: RoomStateModel) -> None:
    model.apply_snapshot(snap(seq=11, hands=(HAND,), hands_total=1), 5.5)
    rec = Recorder(model)
    polled = (ANA, dataclasses.replace(BO, talking=False))
    model.apply_fallback(polled, 20.0)
    s = model.state
    assert (s.source, s.members, s.listeners, s.hands, s.hands_total) == (StateSource.FALLBACK, polled, None, (), 0)
    assert (s.controller, s.seq, s.title, s.updated_at) == (None, None, "Launch", 20.0)
    assert rec.changes == [StateChange.MEMBERS | StateChange.TALKING | StateChange.LISTENERS | StateChange.HANDS
                           | StateChange.SOURCE]
    model.apply_fallback(polled, 25.0)  # the next poll, nothing new
    assert len(rec.calls) == 1 and model.state.updated_at == 25.0
    assert not model.apply_delta(delta(12), 26.0)


def test_controller_returning_after_fallback_is_taken_whatever_its_seq(model: RoomStateModel) -> None:
    model.apply_fallback((ANA,), 20.0)
    rec = Recorder(model)
    model.apply_snapshot(snap(seq=3), 30.0)
    assert model.state.source is StateSource.CONTROLLER and model.state.listeners == COUNT
    assert rec.changes[0].source and rec.changes[0].listeners


def test_hand_intent_notifies_once_per_change() -> None:
    m = RoomStateModel(own_id="l-me")
    rec = Recorder(m)
    m.set_hand_raised(True)
    m.set_hand_raised(True)
    assert m.hand_raised and rec.changes == [StateChange.HANDS]
    m.set_hand_raised(False)
    assert not m.hand_raised and rec.changes == [StateChange.HANDS] * 2


def test_hand_intent_survives_reset_fallback_and_snapshots(model: RoomStateModel) -> None:
    model.set_hand_raised(True)
    model.reset_sequence()
    model.apply_fallback((ANA,), 20.0)
    model.apply_snapshot(snap(seq=1, controller="ctl-new"), 30.0)
    assert model.hand_raised


def test_own_hand_in_queue(model: RoomStateModel) -> None:
    assert not model.own_hand_in_queue()
    model.apply_delta(delta(11, hands=(Hand("l-other", "O", 1.0), HAND), hands_total=2), 6.0)
    assert model.own_hand_in_queue()
    model.own_id = "l-someone-else"
    assert not model.own_hand_in_queue()
    model.own_id = None
    assert not model.own_hand_in_queue()


# --- exact change flags --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("d", "expected"), [
    (dict(upsert=(dataclasses.replace(ANA, talking=True),)), StateChange.TALKING),
    (dict(upsert=(dataclasses.replace(BO, talking=False), dataclasses.replace(CY, talking=True))),
     StateChange.TALKING),
    (dict(upsert=(dataclasses.replace(ANA, muted=True),)), StateChange.MEMBERS),
    (dict(upsert=(dataclasses.replace(CY, name="Cyrus"),)), StateChange.MEMBERS),
    (dict(upsert=(dataclasses.replace(CY, role=Role.CO_HOST),)), StateChange.MEMBERS),
    (dict(upsert=(dataclasses.replace(ANA, muted=True, feedback=True),)), StateChange.MEMBERS),
    (dict(upsert=(dataclasses.replace(CY, feedback=True),)), StateChange.MEMBERS),  # the flag alone shows too
    (dict(upsert=(dataclasses.replace(CY, held=True),)), StateChange.MEMBERS),  # a hold on the muted Cy, alone
    (dict(upsert=(dataclasses.replace(ANA, muted=True, talking=True),)), StateChange.MEMBERS | StateChange.TALKING),
    (dict(upsert=(StageMember("4", "Di", Role.SPEAKER, False, False),)), StateChange.MEMBERS),
    (dict(upsert=(StageMember("4", "Di", Role.SPEAKER, False, True),)), StateChange.MEMBERS | StateChange.TALKING),
    (dict(remove=("3",)), StateChange.MEMBERS),
    (dict(remove=("2",)), StateChange.MEMBERS | StateChange.TALKING),
    (dict(remove=("404",)), None),
    (dict(upsert=(ANA,)), None),
    (dict(listeners=ListenerCount(26, 1000.0)), StateChange.LISTENERS),
    (dict(listeners=ListenerCount(25, 1002.0)), StateChange.LISTENERS),
    (dict(listeners=None), StateChange.LISTENERS),
    (dict(listeners=COUNT), None),
    (dict(hands=(HAND,), hands_total=1), StateChange.HANDS),
    (dict(hands=(), hands_total=7), StateChange.HANDS),
    (dict(title="Other"), StateChange.TITLE),
    (dict(title="Launch"), None),
    (dict(ended=True), StateChange.ENDED),
    (dict(recording=True), StateChange.RECORDING),
    (dict(recording=False), None),
])
def test_delta_change_flags_are_exact(model: RoomStateModel, d: dict[str, Any],
                                      expected: StateChange | None) -> None:
    rec = Recorder(model)
    assert model.apply_delta(delta(11, **d), 6.0)
    assert model.state.seq == 11  # applied even when nothing visible changed
    assert rec.changes == ([] if expected is None else [expected])


def test_snapshot_reorder_is_a_members_change_but_not_talking(model: RoomStateModel) -> None:
    rec = Recorder(model)
    model.apply_snapshot(snap(seq=11, members=(CY, BO, ANA)), 6.0)
    assert rec.changes == [StateChange.MEMBERS]
    model.apply_snapshot(snap(seq=12, members=(CY, dataclasses.replace(BO, talking=False), ANA)), 6.0)
    assert rec.changes[-1] == StateChange.TALKING


# --- subscribers ---------------------------------------------------------------------------------------------------

def test_a_failing_subscriber_is_logged_and_the_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    m = RoomStateModel()

    def broken(state: RoomState, change: StateChange) -> None:
        raise RuntimeError("view exploded")

    m.changed.connect(broken)
    rec = Recorder(m)
    with caplog.at_level(logging.ERROR, logger="app.listener.state"):
        m.apply_snapshot(snap(), 1.0)
        assert m.apply_delta(delta(11, title="Still works"), 2.0)
    assert len(rec.calls) == 2 and m.state.title == "Still works"
    assert sum("view exploded" in (r.exc_text or "") for r in caplog.records) == 2


def test_subscribe_is_idempotent_and_unsubscribe_stops_calls() -> None:
    m = RoomStateModel()
    calls: list[StateChange] = []

    def cb(state: RoomState, change: StateChange) -> None:
        calls.append(change)

    m.changed.connect(cb)
    m.changed.connect(cb)
    m.apply_snapshot(snap(), 1.0)
    assert len(calls) == 1
    m.changed.disconnect(cb)
    m.changed.disconnect(cb)  # twice is harmless
    m.apply_snapshot(snap(seq=11, title="x"), 2.0)
    assert len(calls) == 1


# --- the index stays right -----------------------------------------------------------------------------------------

def test_random_deltas_match_a_naive_model_and_old_states_stay_valid() -> None:
    rng = random.Random(3)
    model = RoomStateModel()
    model.apply_snapshot(snap(seq=0, members=()), 0.0)
    rec = Recorder(model)
    reference: list[StageMember] = []
    history: list[tuple[RoomState, list[StageMember]]] = []
    for seq in range(1, 3000):
        ids = [m.id for m in reference]
        remove = tuple(rng.sample(ids, min(len(ids), rng.choice([0, 0, 0, 1, 2])))) + (("ghost",) if seq % 97 else ())
        upsert = tuple(StageMember(str(rng.randrange(60)), rng.choice(["A", "B"]), rng.choice(list(Role)),
                                   rng.random() < 0.3, rng.random() < 0.5) for _ in range(rng.randrange(4)))
        upsert = tuple({m.id: m for m in upsert if m.id not in remove}.values())
        before = list(reference)
        reference = [m for m in reference if m.id not in remove]
        for m in upsert:
            where = next((i for i, r in enumerate(reference) if r.id == m.id), None)
            if where is None:
                reference.append(m)
            else:
                reference[where] = m
        n_calls = len(rec.calls)
        assert model.apply_delta(delta(seq, remove=remove, upsert=upsert), float(seq))
        assert list(model.state.members) == reference
        looks = [(m.id, m.name, m.role, m.muted) for m in reference] != [(m.id, m.name, m.role, m.muted)
                                                                         for m in before]
        talks = {m.id for m in reference if m.talking} != {m.id for m in before if m.talking}
        if looks or talks:
            assert rec.calls[-1][1] == (StateChange.MEMBERS if looks else StateChange(0)) | (
                StateChange.TALKING if talks else StateChange(0))
        else:
            assert len(rec.calls) == n_calls
        history.append((model.state, list(reference)))
    every_id = {str(i) for i in range(60)} | {"ghost"}
    for state, members in history[::50]:  # earlier states were never changed by later deltas
        assert list(state.members) == members
        by_id = {m.id: m for m in members}
        assert all(state.member(i) == by_id.get(i) for i in every_id)


def test_replaced_state_computes_its_own_index(model: RoomStateModel) -> None:
    other = dataclasses.replace(model.state, members=(CY,))
    assert other.member("3") == CY and other.member("1") is None
    assert model.state.member("1") == ANA


def test_duplicate_ids_from_a_hand_made_snapshot_keep_the_first() -> None:
    m = RoomStateModel()
    m.apply_snapshot(snap(members=(ANA, dataclasses.replace(ANA, name="Dup"), BO)), 1.0)
    assert m.state.members == (ANA, BO) and m.state.member("2") == BO


def test_a_lifted_hold_is_a_members_change(model: RoomStateModel) -> None:
    """A host lifts a hold: the member stays muted (it unmutes itself when ready), only `held` changes."""
    model.apply_delta(delta(11, upsert=(dataclasses.replace(CY, held=True),)), 6.0)
    rec = Recorder(model)
    model.apply_delta(delta(12, upsert=(CY,)), 7.0)
    assert rec.changes == [StateChange.MEMBERS]
    member = model.state.member(CY.id)
    assert member is not None and member.muted and not member.held


def test_the_feedback_flag_is_carried_by_snapshots_and_deltas(model: RoomStateModel) -> None:
    flagged = dataclasses.replace(CY, muted=True, feedback=True)
    model.apply_delta(delta(11, upsert=(flagged,)), 6.0)
    member = model.state.member(CY.id)
    assert member is not None and member.feedback
    model.apply_delta(delta(12, upsert=(dataclasses.replace(flagged, muted=False, feedback=False),)), 7.0)
    member = model.state.member(CY.id)
    assert member is not None and not member.feedback and not member.muted
    model.apply_snapshot(snap(seq=13, members=(ANA, flagged)), 8.0)
    member = model.state.member(CY.id)
    assert member is not None and member.feedback


def test_recording_comes_from_snapshots_and_deltas_and_outlives_a_fallback(model: RoomStateModel) -> None:
    rec = Recorder(model)
    assert not model.state.recording
    model.apply_snapshot(snap(seq=11, recording=True), 6.0)
    assert model.state.recording and rec.changes == [StateChange.RECORDING]
    assert rec.changes[0].recording and not rec.changes[0].members
    model.apply_delta(delta(12, title="Later"), 7.0)  # absent from a delta: unchanged
    assert model.state.recording
    model.apply_fallback((ANA, BO, CY), 20.0)  # the controller went away, the server still records
    assert model.state.recording
    model.apply_snapshot(snap(seq=1, controller="ctl-b"), 30.0)  # a snapshot without it: not recording
    assert not model.state.recording and rec.changes[-1].recording
    model.apply_delta(delta(2, controller="ctl-b", recording=True), 31.0)
    model.apply_delta(delta(3, controller="ctl-b", recording=False), 32.0)
    assert not model.state.recording and [c.recording for c in rec.changes[-2:]] == [True, True]


# --- a snapshot in parts (protocol §3.1) ------------------------------------------------------------------------

def test_a_snapshot_in_parts_is_shown_once_whole(model: RoomStateModel) -> None:
    rec = Recorder(model)
    model.apply_snapshot(snap(seq=20, members=(ANA,), parts=3), now=6.0)
    assert model.state.seq == 10 and model.state.members == (ANA, BO, CY)  # the old stage stays until it is whole
    assert model.apply_delta(delta(21, upsert=(BO,)), now=6.0)
    assert model.apply_delta(delta(21, upsert=(BO,)), now=6.0)  # a duplicate part: covered, no gap
    assert rec.calls == []
    assert model.apply_delta(delta(22, upsert=(CY, StageMember("4", "Di", Role.SPEAKER, False, False))), now=6.0)
    assert [m.id for m in model.state.members] == ["1", "2", "3", "4"] and model.state.seq == 22
    assert rec.changes == [StateChange.MEMBERS]  # one change, for the whole stage
    assert model.apply_delta(delta(23, listeners=ListenerCount(30, 1001.0)), now=7.0)  # and deltas go on from it
    assert model.state.listeners == ListenerCount(30, 1001.0)


def test_a_missing_part_drops_the_partial_snapshot_and_asks_for_sync(model: RoomStateModel) -> None:
    rec = Recorder(model)
    model.apply_snapshot(snap(seq=20, members=(ANA,), parts=3), now=6.0)
    assert model.apply_delta(delta(21, upsert=(BO,)), now=6.0)
    assert not model.apply_delta(delta(23, upsert=(CY,)), now=6.0)  # part 22 never came
    assert rec.calls == [] and model.state.seq == 10
    assert not model.apply_delta(delta(24, base=23), now=6.0)  # nothing pending any more: still a gap
    model.apply_snapshot(snap(seq=25, members=(CY,)), now=7.0)  # the answer to the sync: whole at once
    assert model.state.members == (CY,) and rec.changes == [StateChange.MEMBERS | StateChange.TALKING]


def test_a_newer_snapshot_replaces_a_pending_one_and_an_older_one_does_not(model: RoomStateModel) -> None:
    model.apply_snapshot(snap(seq=20, members=(ANA,), parts=2), now=6.0)
    model.apply_snapshot(snap(seq=15, members=(BO,)), now=6.0)  # older than the pending one: ignored
    assert model.state.seq == 10
    model.apply_snapshot(snap(seq=30, members=(BO,), parts=2), now=6.0)
    assert model.apply_delta(delta(21, upsert=(CY,)), now=6.0)  # the replaced snapshot's part: old, ignored
    assert model.state.seq == 10
    assert model.apply_delta(delta(31, upsert=(CY,)), now=6.0)
    assert model.state.members == (BO, CY) and model.state.seq == 31


def test_a_reconnect_or_fallback_forgets_a_pending_snapshot(model: RoomStateModel) -> None:
    model.apply_snapshot(snap(seq=20, members=(ANA,), parts=2), now=6.0)
    model.reset_sequence()
    assert not model.apply_delta(delta(21, upsert=(BO,)), now=6.0)
    assert model.state.seq == 10


def test_loads_are_kept_from_snapshots_and_deltas_but_are_no_view_change(model: RoomStateModel) -> None:
    a, b = "ws://a:1/janus", "ws://b:1/janus"
    calls = Recorder(model).calls
    model.apply_snapshot(snap(seq=11, loads=((a, 3), (b, 1))), now=2.0)
    assert model.state.loads == ((a, 3), (b, 1)) and calls == []  # read when a server is chosen, not shown
    assert model.apply_delta(delta(seq=12), now=3.0) and model.state.loads == ((a, 3), (b, 1))  # absent: unchanged
    assert model.apply_delta(delta(seq=13, loads=((a, 2),)), now=4.0) and model.state.loads == ((a, 2),)
    model.apply_fallback((ANA,), now=5.0)  # no controller: unknown, like the count
    assert model.state.loads == ()
