"""The room controller without Janus: whisper validation and rate limits, hands, stage roles, the count."""

from __future__ import annotations

import json
import logging
import re

import pytest

from app.controller.controller import RoomController
from app.controller.link import Answer, ControllerLink, ControllerSecrets
from app.room.protocol import MAX_MESSAGE_BYTES, WHISPER_BURST, Delta, ListenerCount, ProtocolViolation, Role
from app.room.protocol_encoding import encode

SECRETS = ControllerSecrets(stage="s-stage-123", feed="s-feed-456", channel="s-channel-789")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def controller(clock: Clock) -> RoomController:
    return RoomController(["ws://a.invalid:8188/janus", "ws://b.invalid:8188/janus"], 1234, SECRETS, "Room",
                          username="ctl-test", clock=clock)


def link_of(controller: RoomController, i: int = 0) -> ControllerLink:
    link = controller.links[i]
    link.connected = True
    return link


def whisper(sender: str, text: str) -> dict[str, object]:
    return {"textroom": "message", "room": 1234, "from": sender, "text": text, "whisper": True}


def join(username: str, display: str) -> dict[str, object]:
    return {"textroom": "join", "room": 1234, "username": username, "display": display}


HAND_UP = json.dumps({"v": 1, "type": "hand", "raised": True})
HAND_DOWN = json.dumps({"v": 1, "type": "hand", "raised": False})


def test_secrets_never_show_in_repr(controller: RoomController) -> None:
    for text in (repr(SECRETS), str(SECRETS), repr(controller), repr(controller.links[0].__dict__)):
        for secret in ("s-stage-123", "s-feed-456", "s-channel-789"):
            assert secret not in text


async def test_hand_queue_is_fifo_with_display_names_and_clears_on_leave(controller: RoomController,
                                                                         clock: Clock) -> None:
    a, b = link_of(controller, 0), link_of(controller, 1)
    controller._on_channel_event(a, join("l-ana", "Ana"))
    controller._on_channel_event(b, join("l-bo", "Bo"))
    controller._on_channel_event(b, whisper("l-bo", HAND_UP))
    clock.now += 1
    controller._on_channel_event(a, whisper("l-ana", HAND_UP))
    controller._on_channel_event(b, whisper("l-bo", HAND_UP))  # again: keeps its place
    assert [(h.id, h.name) for h in controller.book.hands.values()] == [("l-bo", "Bo"), ("l-ana", "Ana")]
    controller._on_channel_event(a, whisper("l-ana", HAND_DOWN))
    assert list(controller.book.hands) == ["l-bo"]
    controller._on_channel_event(b, {"textroom": "leave", "room": 1234, "username": "l-bo"})
    assert controller.book.hands == {}


def crowd(controller: RoomController, link: ControllerLink, n: int) -> None:
    for i in range(n):
        link.participants[f"l-{i}"] = f"L{i}"


async def test_a_new_joiner_and_a_sync_are_whispered_the_state_not_broadcast(controller: RoomController,
                                                                             clock: Clock) -> None:
    link = link_of(controller)
    crowd(controller, link, 10)
    controller.book.due()  # the first snapshot
    controller._on_channel_event(link, join("l-x", "X"))
    controller._on_channel_event(link, join("l-y", "Y"))
    assert controller.askers.answer()
    assert not controller.book._snapshot_requested  # nothing goes to everyone
    answer = link._outbox.pop()
    assert isinstance(answer, Answer) and answer.usernames == ["l-x", "l-y"]
    assert [json.loads(t)["seq"] for t in answer.texts] == [controller.book.seq]  # the state at the current seq
    assert controller.book.next_due() <= controller.book.delta_interval  # joiners learn the sender from an announcement
    heartbeat = controller.book.due(clock.now + 1)
    assert isinstance(heartbeat, Delta) and heartbeat.base == answer_seq(answer)
    controller._on_channel_event(link, whisper("l-x", '{"v":1,"type":"sync"}'))
    assert not controller.askers.answer()  # within 250 ms of the last answer: coalesced
    clock.now += 0.25
    assert controller.askers.answer()
    assert link._outbox.pop() == Answer(link_texts(controller), ["l-x"])
    assert controller.book.next_due(clock.now) > 1  # a sync needs no heartbeat: the asker knows the controller


def answer_seq(answer: Answer) -> int:
    return int(json.loads(answer.texts[-1])["seq"])


def link_texts(controller: RoomController) -> list[str]:
    texts = controller.book.answer()
    assert texts is not None
    return texts


async def test_when_most_of_the_channel_asks_one_broadcast_answers(controller: RoomController) -> None:
    link = link_of(controller)
    crowd(controller, link, 4)
    controller.book.due()
    for i in range(3):
        controller._on_channel_event(link, whisper(f"l-{i}", '{"v":1,"type":"sync"}'))
    assert controller.askers.answer()
    assert controller.book._snapshot_requested and not link._outbox


async def test_before_the_first_announcement_a_joiner_waits_for_it(controller: RoomController) -> None:
    link = link_of(controller)
    crowd(controller, link, 10)
    controller._on_channel_event(link, join("l-x", "X"))
    assert controller.askers.answer()
    assert controller.book._snapshot_requested and not link._outbox


async def test_a_joiner_that_leaves_before_its_answer_gets_none(controller: RoomController) -> None:
    link = link_of(controller)
    crowd(controller, link, 10)
    controller.book.due()
    controller._on_channel_event(link, join("l-x", "X"))
    controller._on_channel_event(link, {"textroom": "leave", "room": 1234, "username": "l-x"})
    assert not controller.askers.answer()
    assert not link._outbox


@pytest.mark.parametrize("text", [
    "not json", "[]", '{"v":1}', '{"v":2,"type":"hand","raised":true}', '{"v":1,"type":"hand","raised":"yes"}',
    '{"v":1,"type":"snapshot"}', '{"v":1,"type":"promote-me"}', "x" * (MAX_MESSAGE_BYTES + 1), 42,
], ids=["not-json", "array", "no-type", "version-2", "bad-raised", "forged-state", "unknown-type", "oversize",
        "not-text"])
async def test_malformed_whispers_are_dropped_with_one_line(controller: RoomController, text: object,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    link = link_of(controller)
    with caplog.at_level(logging.WARNING, logger="app.controller.controller"):
        controller._on_channel_event(link, whisper("l-bad", text))  # type: ignore[arg-type]
        controller._on_channel_event(link, whisper("l-bad", text))  # type: ignore[arg-type]
    assert controller.book.hands == {}
    lines = [r for r in caplog.records if "dropped a whisper" in r.getMessage()]
    assert len(lines) == 1 and "l-bad" in lines[0].getMessage()


async def test_a_flood_is_rate_limited_and_logged_once(controller: RoomController, clock: Clock,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    link = link_of(controller)
    controller._on_channel_event(link, join("l-flood", "Flood"))
    handled = []
    original = controller.book.raise_hand

    def counting(*args: object, **kwargs: object) -> bool:
        handled.append(args)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    controller.book.raise_hand = counting  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="app.controller.controller"):
        for _ in range(300):  # hundreds in the same instant
            controller._on_channel_event(link, whisper("l-flood", HAND_UP))
            controller._on_channel_event(link, whisper("l-flood", "garbage"))
        controller._on_channel_event(link, whisper("l-good", HAND_UP))  # others are not affected
    flood = [h for h in handled if h[0] == "l-flood"]
    assert 1 <= len(flood) <= WHISPER_BURST  # the burst, shared with the garbage; then nothing
    assert "l-good" in controller.book.hands
    assert len([r for r in caplog.records if "l-flood" in r.getMessage()]) == 1
    clock.now += 11  # after the quiet period, one summary line with the count
    with caplog.at_level(logging.WARNING, logger="app.controller.controller"):
        controller._on_channel_event(link, whisper("l-flood", "garbage"))
    assert re.search(r"\(and \d+ more since the last report\)$", caplog.records[-1].getMessage())


async def test_broadcasts_and_own_echoes_are_ignored(controller: RoomController) -> None:
    link = link_of(controller)
    controller.book.due()
    forged = json.dumps({"v": 1, "type": "snapshot", "seq": 99})
    controller._on_channel_event(link, {"textroom": "message", "from": "l-evil", "text": HAND_UP})
    controller._on_channel_event(link, {"textroom": "message", "from": "l-evil", "text": forged, "whisper": False})
    controller._on_channel_event(link, whisper("ctl-test", HAND_UP))
    assert controller.book.hands == {} and controller.drops.lines == 0 and not controller.book._snapshot_requested


async def test_stage_roles_names_and_the_count(controller: RoomController) -> None:
    a, b = link_of(controller, 0), link_of(controller, 1)
    controller._on_stage([{"id": 11, "display": "Demo", "muted": False, "talking": True},
                          {"id": 12, "muted": True}, {"id": True}, {"display": "no id"}])
    members = list(controller.book.members.values())
    assert [(m.id, m.name, m.role, m.muted, m.talking) for m in members] == [
        ("11", "Demo", Role.HOST, False, True), ("12", "Speaker 12", Role.SPEAKER, True, False)]
    assert controller.book.listeners is None  # no server counted yet: unknown
    a.viewers, a.viewers_at = 20, 50.0
    b.viewers, b.viewers_at = 5, 40.0
    controller._update_count()
    assert controller.book.listeners == ListenerCount(27, 40.0)  # 25 viewers + 2 on stage, oldest measurement
    b.connected = False
    controller._update_count()
    assert controller.book.listeners == ListenerCount(22, 50.0)
    controller.set_role("12", Role.CO_HOST)
    assert controller.book.members["12"].role == Role.CO_HOST


def test_a_snapshot_too_big_for_one_message_goes_in_parts_with_every_hand() -> None:
    from app.controller.room_book import RoomBook
    from app.room.protocol import Hand, Snapshot, StageMember, parse_announcement

    book = RoomBook(1234, "ctl-x", "T")
    members = tuple(StageMember(str(10**15 + i), "M" * 64, Role.SPEAKER, False, False) for i in range(60))
    book.set_members(members)
    book.hands = {f"l-{i:010d}": Hand(f"l-{i:010d}", "H" * 64, 1_763_720_990.123 + i) for i in range(100)}
    snap = book.snapshot()
    with pytest.raises(ProtocolViolation):
        encode(snap)  # 60 members and 100 long hands do not fit in 16 KiB
    texts = book.texts(snap)
    assert len(texts) == 2 and all(len(t.encode()) <= MAX_MESSAGE_BYTES for t in texts)
    head, rest = (parse_announcement(t) for t in texts)
    assert isinstance(head, Snapshot) and head.hands == snap.hands and head.hands_total == 100
    assert head.members + rest.upsert == members  # type: ignore[union-attr]
