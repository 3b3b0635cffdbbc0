"""Whispered answers (protocol §3.3) held until an announcement names their sender: bounded, per sender, parts kept
in order."""

from __future__ import annotations

from app.listener.answers import MAX_HELD_SENDERS, Answers
from app.listener.state import RoomStateModel, StateSource
from app.room.protocol import MAX_PARTS, Delta, ListenerCount, Role, Snapshot, StageMember


def snap(controller: str, seq: int, parts: int = 1, count: int = 5) -> Snapshot:
    return Snapshot(seq=seq, room=1, controller=controller, title="T", ended=False,
                    members=(StageMember("1", "Ana", Role.HOST, False, False),), listeners=ListenerCount(count, 1.0),
                    hands=(), hands_total=0, parts=parts)


def test_held_answers_are_bounded_and_the_named_senders_is_applied() -> None:
    model = RoomStateModel()
    answers = Answers(model)
    answers.on_whisper("ctl-1", snap("ctl-1", 4, parts=2), None, 0.0)
    answers.on_whisper("ctl-1", Delta(seq=5, base=4, controller="ctl-1", listeners=ListenerCount(9, 2.0)), None, 0.0)
    for i in range(MAX_HELD_SENDERS - 1):
        answers.on_whisper(f"l-{i}", snap(f"l-{i}", 50, count=999), None, 0.0)
    assert model.state.source == StateSource.NONE
    answers.on_announcement("ctl-1", 1.0)
    assert model.state.seq == 5 and model.state.listeners == ListenerCount(9, 2.0)
    answers.on_announcement("l-0", 2.0)  # what was held is gone once one sender was named
    assert model.state.controller == "ctl-1"


def test_a_crowd_of_whisperers_pushes_out_the_oldest_held_answer() -> None:
    model = RoomStateModel()
    answers = Answers(model)
    answers.on_whisper("ctl-1", snap("ctl-1", 4), None, 0.0)
    for i in range(MAX_HELD_SENDERS):
        answers.on_whisper(f"l-{i}", snap(f"l-{i}", 50), None, 0.0)
    answers.on_announcement("ctl-1", 1.0)
    assert model.state.source == StateSource.NONE  # the client asks again (sync), as for any missing snapshot


def test_parts_beyond_the_protocols_limit_and_parts_without_a_head_are_not_held() -> None:
    model = RoomStateModel()
    answers = Answers(model)
    answers.on_whisper("ctl-1", Delta(seq=3, base=2, controller="ctl-1"), None, 0.0)  # no head: dropped
    answers.on_whisper("ctl-1", snap("ctl-1", 3, parts=MAX_PARTS), None, 0.0)
    for seq in range(4, 4 + 2 * MAX_PARTS):
        answers.on_whisper("ctl-1", Delta(seq=seq, base=seq - 1, controller="ctl-1"), None, 0.0)
    assert len(answers._held["ctl-1"]) == MAX_PARTS


def test_an_answer_naming_another_controller_is_ignored() -> None:
    model = RoomStateModel()
    answers = Answers(model)
    assert answers.on_whisper("l-evil", snap("ctl-1", 9), "ctl-1", 0.0)
    assert model.state.source == StateSource.NONE
    assert not answers.on_whisper("ctl-1", Delta(seq=9, base=8, controller="ctl-1"), "ctl-1", 0.0)  # ask again
