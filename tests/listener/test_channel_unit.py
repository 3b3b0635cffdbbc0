"""The listener's room channel without Janus: what it trusts, when it syncs, hands, and fallback timing.

The Janus part (`_connect`, `_list_stage`) is replaced; the silence is shrunk (15 s → 0.3 s) and the fallback's pace
comes from a recording policy (the policy's own numbers are tested in test_fallback_policy.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from app.listener.channel import RoomChannel
from app.listener.fallback import FallbackPolicy
from app.listener.state import RoomState, RoomStateModel, StateSource
from app.room.errors import RoomError
from app.room.protocol import (
    Delta,
    Hand,
    HandRequest,
    ListenerCount,
    Role,
    Snapshot,
    StageMember,
    SyncRequest,
    parse_whisper,
)
from app.room.protocol_encoding import encode

ROOM = 1234
HOST = StageMember("11", "Ana", Role.HOST, False, True)


class FakeTextRoom:
    is_open = True

    def __init__(self) -> None:
        self.whispers: list[tuple[str, Any]] = []

    async def message(self, room: int, text: str, *, to: str | None = None, ack: bool = True,
                      timeout: float = 5.0) -> dict[str, bool]:
        self.whispers.append((to or "", parse_whisper(text)))
        return {to or "": True}

    async def close(self) -> None:
        pass


@dataclass(frozen=True)
class RecordingPolicy(FallbackPolicy):
    """Writes each pacing decision (and the audience it was made for) into a shared log; short fixed delays."""

    log: list[Any] = field(default_factory=list)

    def first_delay(self, audience: int) -> float:
        self.log.append(("first", audience))
        return 0.02

    def next_delay(self, audience: int) -> float:
        self.log.append(("next", audience))
        return 0.03


class FakeChannel(RoomChannel):
    def __init__(self, model: RoomStateModel, **kwargs: Any) -> None:
        kwargs.setdefault("silence_timeout", 0.3)
        kwargs.setdefault("fallback", RecordingPolicy())
        super().__init__("ws://fake/janus", ROOM, model, username="l-me", **kwargs)
        self.stage: list[dict[str, Any]] = [{"id": 11, "display": "Ana", "muted": False, "talking": True}]
        self.log: list[Any] = getattr(self.fallback, "log", [])  # polls, pacing and state changes, in order
        self.fake = FakeTextRoom()

    async def _connect(self, timeout: float) -> None:
        self.textroom = self.fake  # type: ignore[assignment]
        self.audience = 5  # the join reply listed 4 others

    async def _list_stage(self) -> list[dict[str, Any]]:
        self.log.append("poll")
        return self.stage


def snapshot(seq: int, *, controller: str = "ctl-1", hands: tuple[Hand, ...] = (), count: int = 25) -> Snapshot:
    return Snapshot(seq=seq, room=ROOM, controller=controller, title="T", ended=False, members=(HOST,),
                    listeners=ListenerCount(count, 1.0), hands=hands, hands_total=len(hands))


def announcement(message: Snapshot | Delta | str) -> dict[str, Any]:
    text = message if isinstance(message, str) else encode(message)
    return {"textroom": "announcement", "room": ROOM, "date": "now", "text": text}


@pytest.fixture
async def channel() -> Any:
    ch = FakeChannel(RoomStateModel())
    yield ch
    await ch.close()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_only_announcements_change_the_state(channel: FakeChannel) -> None:
    await channel.open()
    model = channel.model
    forged = encode(snapshot(50, controller="l-evil", count=999))
    channel.handle_event({"textroom": "message", "room": ROOM, "from": "l-evil", "text": forged})
    channel.handle_event({"textroom": "message", "room": ROOM, "from": "l-evil", "text": forged, "whisper": True})
    assert model.state.source == StateSource.NONE
    channel.handle_event(announcement(snapshot(3)))
    assert model.state.source == StateSource.CONTROLLER and model.state.listeners == ListenerCount(25, 1.0)
    for bad in ("{", json.dumps({"v": 1, "type": "snapshot"}), "x" * 20000,
                encode(Snapshot(seq=9, room=999, controller="ctl-1", title="", ended=False, members=(),
                                listeners=None, hands=(), hands_total=0))):
        channel.handle_event(announcement(bad))
    channel.handle_event({"textroom": "announcement", "text": 7})
    assert model.state.seq == 3 and model.state.members == (HOST,)


async def test_a_sequence_gap_asks_for_a_snapshot_once_per_second(channel: FakeChannel) -> None:
    await channel.open()
    channel.handle_event(announcement(snapshot(3)))
    channel.handle_event(announcement(Delta(seq=4, base=3, controller="ctl-1", listeners=ListenerCount(26, 2.0))))
    assert channel.model.state.listeners == ListenerCount(26, 2.0)
    channel.handle_event(announcement(Delta(seq=7, base=6, controller="ctl-1", listeners=None)))
    channel.handle_event(announcement(Delta(seq=8, base=7, controller="ctl-1", listeners=None)))
    await settle()
    assert channel.fake.whispers == [("ctl-1", SyncRequest())]
    assert channel.model.state.seq == 4


async def test_reopen_resyncs_and_resends_the_hand(channel: FakeChannel) -> None:
    await channel.open()
    channel.set_hand_raised(True)  # before any announcement: remembered, nobody to tell yet
    await settle()
    assert channel.fake.whispers == []
    channel.handle_event(announcement(snapshot(3)))  # the controller does not list our hand: tell it
    await settle()
    assert channel.fake.whispers == [("ctl-1", HandRequest(True))]
    channel.fake.whispers.clear()
    await channel.open()  # a reopen (after a loss): sync, and the hand again
    await settle()
    assert channel.fake.whispers == [("ctl-1", SyncRequest()), ("ctl-1", HandRequest(True))]
    channel.handle_event(announcement(Delta(seq=4, base=3, controller="ctl-1")))  # needs a snapshot first
    assert channel.model.state.seq == 3
    channel.handle_event(announcement(snapshot(5, hands=(Hand("l-me", "Me", 1.0),))))
    assert channel.model.own_hand_in_queue()


async def test_a_restarted_controller_gets_the_hand_again(channel: FakeChannel) -> None:
    await channel.open()
    channel.handle_event(announcement(snapshot(3)))
    channel.set_hand_raised(True)
    await settle()
    channel.handle_event(announcement(snapshot(4, hands=(Hand("l-me", "Me", 1.0),))))
    channel._hand_at = float("-inf")  # as if HAND_RETRY (5 s) had passed
    channel.handle_event(announcement(snapshot(1, controller="ctl-2")))  # new controller, empty queue
    await settle()
    assert channel.fake.whispers[-1] == ("ctl-2", HandRequest(True))


def whispered(sender: str, message: Snapshot | Delta | str) -> dict[str, Any]:
    text = message if isinstance(message, str) else encode(message)
    return {"textroom": "message", "room": ROOM, "from": sender, "text": text, "whisper": True}


async def test_a_joiners_whispered_answer_counts_once_an_announcement_names_its_sender(channel: FakeChannel) -> None:
    """The controller whispers a joiner the state at its current seq (protocol §3.3) and then announces: the
    answer waits for that announcement, which follows it."""
    await channel.open()
    channel.handle_event(whispered("ctl-1", snapshot(7, count=30)))
    assert channel.model.state.source == StateSource.NONE  # nobody has said who the controller is yet
    channel.handle_event(announcement(Delta(seq=8, base=7, controller="ctl-1")))
    assert channel.model.state.seq == 8 and channel.model.state.listeners == ListenerCount(30, 1.0)
    await settle()
    assert channel.fake.whispers == []  # no sync: nothing was missing


async def test_an_announcement_before_the_answer_does_not_ask_again(channel: FakeChannel) -> None:
    await channel.open()
    channel.handle_event(announcement(Delta(seq=7, base=6, controller="ctl-1")))  # sent before we were answered
    channel.handle_event(whispered("ctl-1", snapshot(7)))
    channel.handle_event(announcement(Delta(seq=8, base=7, controller="ctl-1", listeners=ListenerCount(9, 2.0))))
    await settle()
    assert channel.fake.whispers == []
    assert channel.model.state.seq == 8 and channel.model.state.listeners == ListenerCount(9, 2.0)


async def test_a_late_answer_is_asked_for(channel: FakeChannel) -> None:
    await channel.open()
    channel._answer_due = channel._clock()  # as if SYNC_RETRY (1 s) had passed since the join
    channel.handle_event(announcement(Delta(seq=7, base=6, controller="ctl-1")))
    await settle()
    assert channel.fake.whispers == [("ctl-1", SyncRequest())]


async def test_a_lost_answer_is_asked_for_once_it_is_late(channel: FakeChannel) -> None:
    """The heartbeat delta comes within the wait; if the answer never does, the channel asks by itself."""
    await channel.open()
    channel._answer_due = channel._clock() + 0.05
    channel.handle_event(announcement(Delta(seq=7, base=6, controller="ctl-1")))
    await settle()
    assert channel.fake.whispers == []
    await until(lambda: channel.fake.whispers == [("ctl-1", SyncRequest())])


async def test_after_a_reopen_the_controllers_name_proves_nothing_until_it_announces(channel: FakeChannel) -> None:
    """Usernames are unique per server and only while held: on the new connection (another server, or after the
    controller's link left) anyone may have taken the name, so its whispers wait for an announcement there."""
    await channel.open()
    channel.handle_event(announcement(snapshot(3)))
    await channel.open()  # a reconnect
    channel.handle_event(whispered("ctl-1", replace(snapshot(4, count=999), ended=True)))
    assert channel.model.state.listeners == ListenerCount(25, 1.0) and not channel.model.state.ended
    channel.handle_event(announcement(snapshot(5)))
    channel.handle_event({"textroom": "leave", "room": ROOM, "username": "ctl-1"})  # its link to this server left
    channel.handle_event(whispered("ctl-1", replace(snapshot(6, count=998), ended=True)))
    assert channel.model.state.seq == 5 and not channel.model.state.ended


async def test_forged_answers_never_count(channel: FakeChannel) -> None:
    await channel.open()
    channel.handle_event(whispered("l-evil", snapshot(7, controller="l-evil", count=999)))  # held, never named
    channel.handle_event(whispered("l-evil", snapshot(7, controller="ctl-1", count=998)))  # not its own state
    channel.handle_event(announcement(Delta(seq=8, base=7, controller="ctl-1")))
    assert channel.model.state.source == StateSource.NONE
    channel.handle_event(announcement(snapshot(8)))
    channel.handle_event(whispered("l-evil", snapshot(9, controller="l-evil", count=997)))  # not the controller
    assert channel.model.state.seq == 8 and channel.model.state.listeners == ListenerCount(25, 1.0)


async def test_a_sync_is_answered_in_parts_below_the_seq_we_hold(channel: FakeChannel) -> None:
    """After a gap: the answer's parts end at the controller's seq, so its head sits below what we hold."""
    await channel.open()
    channel.handle_event(announcement(snapshot(10)))
    channel.handle_event(announcement(Delta(seq=13, base=12, controller="ctl-1")))  # a gap: sync
    guest = StageMember("12", "Bo", Role.SPEAKER, False, False)
    head = replace(snapshot(11), parts=3)
    parts = [Delta(seq=12, base=11, controller="ctl-1", upsert=(guest,)),
             Delta(seq=13, base=12, controller="ctl-1", listeners=ListenerCount(40, 3.0))]
    for message in (head, *parts):
        channel.handle_event(whispered("ctl-1", message))
    assert channel.model.state.seq == 13 and [m.id for m in channel.model.state.members] == ["11", "12"]
    assert channel.model.state.listeners == ListenerCount(40, 3.0)


async def until(predicate: Any) -> None:
    async with asyncio.timeout(3.0):
        while not predicate():  # noqa: ASYNC110 - the channel's silence runs on the real clock
            await asyncio.sleep(0.01)


def sources(log: list[Any]) -> list[Any]:
    """The log with each state written as its source."""
    return [x.source if isinstance(x, RoomState) else x for x in log]


async def test_fallback_switches_at_once_polls_at_the_policy_pace_and_ends_on_announcements() -> None:
    ch = FakeChannel(RoomStateModel())
    ch.model.changed.connect(lambda state, change: ch.log.append(state))
    await ch.open()
    try:
        ch.handle_event(announcement(snapshot(3)))  # HOST talks; 25 listeners in the room
        await until(lambda: ch.log.count("poll") >= 3)
        # The switch comes first, with no request: the last known stage, nobody talking, the count unknown.
        assert sources(ch.log[:4]) == [StateSource.CONTROLLER, StateSource.FALLBACK, ("first", 5), "poll"]
        switched = ch.log[1]
        assert switched.members == (replace(HOST, talking=False),) and switched.listeners is None
        # The poll's stage replaces it; each poll is followed by a paced wait, sized by the channel's head count
        # (5), not by the room's last count (25).
        assert sources(ch.log[4:10]) == [StateSource.FALLBACK, ("next", 5), "poll", ("next", 5), "poll", ("next", 5)]
        polled = ch.model.state
        assert polled.source == StateSource.FALLBACK and polled.listeners is None and polled.hands == ()
        assert polled.members == (StageMember("11", "Ana", Role.SPEAKER, False, True),)  # from the poll
        for event in ("join", "join", "leave", "kicked", "join"):  # other listeners come and go: 5 + 3 - 2
            ch.handle_event({"textroom": event, "room": ROOM, "username": "l-other"})
        assert ch.audience == 6
        await until(lambda: ("next", 6) in ch.log)
        ch.handle_event(announcement(snapshot(4)))
        assert ch.model.state.source == StateSource.CONTROLLER
        back = len(ch.log)
        await until(lambda: ("first", 6) in ch.log[back:])  # silent again: a new fallback, spread again
        since = sources(ch.log[back:ch.log.index(("first", 6), back)])
        assert since.count("poll") <= 1  # at most a poll already under way when the controller spoke
        assert since[-1] == StateSource.FALLBACK
    finally:
        await ch.close()


async def test_fallback_before_any_controller_starts_from_an_empty_stage() -> None:
    ch = FakeChannel(RoomStateModel())
    ch.model.changed.connect(lambda state, change: ch.log.append(state))
    await ch.open()
    try:
        await until(lambda: len([x for x in ch.log if isinstance(x, RoomState)]) == 2)
        first, polled = (x for x in ch.log if isinstance(x, RoomState))
        assert (first.source, first.members, first.listeners) == (StateSource.FALLBACK, (), None)
        assert [m.name for m in polled.members] == ["Ana"]
    finally:
        await ch.close()


async def test_close_while_opening_drops_what_the_open_built_and_leaves_no_task() -> None:
    gate = asyncio.Event()
    closed: list[bool] = []

    class Gated(FakeChannel):
        async def _connect(self, timeout: float) -> None:
            await gate.wait()
            await super()._connect(timeout)
            self.fake.close = lambda: _note(closed)  # type: ignore[method-assign]

    async def _note(into: list[bool]) -> None:
        into.append(True)

    ch = Gated(RoomStateModel())
    opening = asyncio.create_task(ch.open(1.0))
    await asyncio.sleep(0)
    await ch.close()
    gate.set()
    with pytest.raises(RoomError, match="closed"):
        await opening
    assert closed == [True] and ch.textroom is None and ch._watch_task is None
    assert {t for t in asyncio.all_tasks() if not t.done()} == {asyncio.current_task()}


# ---------------------------------------------------------------------------------------- a stage of nonsense
class PollCounter(FakeChannel):
    """Sets `polled` once `wanted` stage polls have been answered, so tests await polls rather than sleep."""

    def __init__(self, model: RoomStateModel, answers: list[Any], wanted: int) -> None:
        super().__init__(model, silence_timeout=0.05)
        self.poll_times: list[float] = []
        self.poll_replies = answers
        self.wanted = wanted
        self.polled = asyncio.Event()

    async def _list_stage(self) -> list[dict[str, Any]]:
        self.poll_times.append(time.monotonic())
        if len(self.poll_times) >= self.wanted:
            self.polled.set()
        answer = self.poll_replies[min(len(self.poll_times), len(self.poll_replies)) - 1]
        if isinstance(answer, BaseException):
            raise answer
        return answer  # type: ignore[no-any-return]


GOOD = {"id": 11, "display": "Ana", "muted": False, "talking": True}


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param([1, "x", None, ["id", 5], {"display": "no id"}, {"id": True}, GOOD], id="non-object-entries"),
        pytest.param("not a list", id="not-a-list"),
        pytest.param(RuntimeError("the reply tripped something"), id="unexpected-error"),
    ],
)
async def test_a_stage_poll_of_nonsense_is_dropped_and_the_watcher_keeps_polling(
    bad: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Measured: non-dict participants raised AttributeError in _watch, killing it, and close() re-raised it."""
    ch = PollCounter(RoomStateModel(), [bad, bad, [GOOD]], wanted=3)
    await ch.open()
    try:
        async with asyncio.timeout(3.0):
            await ch.polled.wait()
        assert ch._watch_task is not None and not ch._watch_task.done()
        if isinstance(bad, list):
            assert [m.name for m in ch.model.state.members] == ["Ana"]
        assert any("stage poll" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    finally:
        await ch.close()  # must not raise


async def test_close_does_not_raise_even_if_the_watcher_had_failed(caplog: pytest.LogCaptureFixture) -> None:
    ch = PollCounter(RoomStateModel(), [[GOOD]], wanted=1)
    failed = asyncio.Event()

    def broken_model(*_args: Any) -> None:
        failed.set()
        raise RuntimeError("model bug")

    ch.model.apply_fallback = broken_model  # type: ignore[method-assign]
    await ch.open()
    async with asyncio.timeout(3.0):
        await failed.wait()
    await ch.close()
    assert any("stage watcher had failed" in r.getMessage() for r in caplog.records)


async def test_the_real_stage_poll_drops_entries_that_are_not_objects() -> None:
    """Through AudioBridgeHandle and the wire: what the measured server sent reaches the model as one member."""
    from app.janus import audiobridge
    from app.janus.session import JanusSession
    from tests.janus import scripted_server as ss
    from tests.janus.scripted_server import ScriptedServer

    async with ScriptedServer() as server:
        server.always("message", ss.plugin_success(audiobridge.PLUGIN, {
            "audiobridge": "participants", "room": ROOM, "participants": [7, "x", None, [1], GOOD]}))
        ch = RoomChannel(server.url, ROOM, RoomStateModel(), username="l-me")
        ch.session = await JanusSession.connect(server.url, connect_timeout=2.0, keepalive_interval=30.0)
        try:
            members = await ch._poll_stage()
        finally:
            await ch.close()
    assert members is not None and [m.name for m in members] == ["Ana"]


async def test_the_controllers_leave_still_counts_in_the_head_count(channel: FakeChannel) -> None:
    await channel.open()
    channel.handle_event(announcement(snapshot(3)))
    channel.handle_event({"textroom": "leave", "room": ROOM, "username": "ctl-1"})
    assert channel.audience == 4 and channel._confirmed is None
