"""The controller's reaction tally on a virtual clock: per-sender limits, aggregation, at most 2 announcements a
second and only when something was counted, bounded memory."""

from __future__ import annotations

import asyncio
import itertools

from app.controller.controller import ControllerSecrets, RoomController
from app.controller.reactions import ReactionTally
from app.room.protocol import WHISPER_BURST
from app.room.reactions_protocol import (
    REACT_BURST,
    REACT_RATE,
    REACTIONS_INTERVAL,
    ReactRequest,
    encode_react,
    parse_reactions,
)

SECRETS = ControllerSecrets(stage="s-stage", feed="s-feed", channel="s-channel")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def react(code: str) -> str:
    return encode_react(ReactRequest(code))


def test_counts_are_aggregated_per_code_and_reset_by_each_announcement() -> None:
    clock = Clock()
    tally = ReactionTally("ctl-1", clock=clock)
    for i in range(25):
        assert tally.on_whisper(f"l-{i}", react("clap" if i % 5 else "heart"))
    text = tally.due()
    assert text is not None
    got = parse_reactions(text)
    assert got.controller == "ctl-1" and dict(got.counts) == {"clap": 20, "heart": 5}
    assert tally.pending == 0 and tally.due() is None  # nothing new: nothing announced


def test_at_most_one_announcement_per_interval_and_only_when_changed() -> None:
    clock = Clock()
    tally = ReactionTally("ctl-1", clock=clock)
    assert tally.next_due() == float("inf") and tally.due() is None
    announced = []
    for step in range(200):  # 10 s in 50 ms steps, one reaction each step from a different sender
        tally.on_whisper(f"l-{step}", react("laugh"))
        text = tally.due()
        if text is not None:
            announced.append((clock.now, parse_reactions(text).total))
        clock.now += 0.05
    times = [t for t, _ in announced]
    assert all(b - a >= REACTIONS_INTERVAL - 1e-9 for a, b in itertools.pairwise(times))
    assert len(announced) <= 10 / REACTIONS_INTERVAL + 1
    assert sum(n for _, n in announced) + tally.pending == 200  # nothing lost, nothing counted twice
    clock.now += 5
    assert tally.due() is not None or tally.pending == 0
    assert tally.due() is None  # quiet room: silence


def test_a_flooding_sender_is_held_to_its_rate_and_the_others_still_count() -> None:
    clock = Clock()
    tally = ReactionTally("ctl-1", clock=clock)
    counted_flood = counted_others = 0
    for step in range(2000):  # 10 s: the flooder at 200/s, 24 others at 1/s each
        counted_flood += tally.on_whisper("flooder", react("fire"))
        if step % 200 < 24:
            counted_others += tally.on_whisper(f"l-{step % 200}", react("clap"))
        clock.now += 0.005
    assert counted_others == 24 * 10
    assert counted_flood <= REACT_BURST + REACT_RATE * 10 + 1
    assert tally.limited == 2000 - counted_flood
    assert tally.drops.lines <= 2  # one log line per sender per 10 s, not one per whisper


def test_invalid_reactions_are_dropped_and_counted() -> None:
    tally = ReactionTally("ctl-1", clock=Clock())
    for text in ('{"v":1,"type":"react","code":"boo"}', '{"v":1,"type":"react",', '{"v":1,"type":"react","code":1}',
                 '{"v":1,"type":"react","code":"clap","code":"heart"}'):
        assert not tally.on_whisper("l-1", text)
    assert tally.invalid == 4 and tally.pending == 0


def test_memory_follows_the_active_senders() -> None:
    """A crowd that reacted once and went quiet is forgotten (full buckets are pruned); one that left at once."""
    clock = Clock()
    tally = ReactionTally("ctl-1", clock=clock)
    for i in range(10_000):
        tally.on_whisper(f"l-{i}", react("100"))
    assert len(tally.limiter) <= 10_000
    clock.now += REACT_BURST / REACT_RATE + 1  # every bucket has refilled
    for _ in range(5000):
        tally.on_whisper("steady", react("100"))
        clock.now += 1 / REACT_RATE
    assert len(tally.limiter) < 4096 + 2
    assert " steady" in tally.limiter._buckets  # keyed by (server, name): no server here
    tally.forget("steady")
    assert " steady" not in tally.limiter._buckets


async def test_run_announces_when_due_and_stands_by_silently() -> None:
    posted: list[str] = []
    may = [True]
    tally = ReactionTally("ctl-1", interval=0.05)
    task = asyncio.create_task(tally.run(posted.append, lambda: may[0]))
    try:
        for i in range(3):
            tally.on_whisper(f"l-{i}", react("heart"))
        await asyncio.sleep(0.02)
        assert [dict(parse_reactions(t).counts) for t in posted] == [{"heart": 3}]
        tally.on_whisper("l-9", react("clap"))  # within the interval: waits for it
        await asyncio.sleep(0.01)
        assert len(posted) == 1
        await asyncio.sleep(0.08)
        assert [dict(parse_reactions(t).counts) for t in posted][1] == {"clap": 1}
        may[0] = False  # standing by: counted reactions are discarded, nothing is posted
        tally.on_whisper("l-8", react("clap"))
        await asyncio.sleep(0.1)
        assert len(posted) == 2 and tally.pending == 0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_controller_counts_whispered_reactions_and_forgets_who_left() -> None:
    """Through the controller's channel-event handler: the compact whisper takes the reactions' own limit; the same
    reaction spelled otherwise still counts, under the stricter whisper limit; a broadcast never counts."""
    clock = Clock()
    controller = RoomController(["ws://a.invalid:8188/janus"], 1234, SECRETS, "Room", username="ctl-test", clock=clock)
    link = controller.links[0]
    link.connected = True
    tally = controller.reactions

    def whisper(sender: str, text: str, *, private: bool = True) -> None:
        controller._on_channel_event(link, {"textroom": "message", "room": 1234, "from": sender, "text": text,
                                            "whisper": private})

    for _ in range(REACT_BURST + 5):
        whisper("l-1", react("clap"))
    assert tally.accepted == REACT_BURST and tally.limited == 5
    spelled = '{"type":"react","v":1,"code":"heart"}'  # valid, but not the compact prefix
    for _ in range(WHISPER_BURST + 3):
        whisper("l-2", spelled)
    assert tally.accepted == REACT_BURST + WHISPER_BURST
    whisper("l-3", react("laugh"), private=False)  # a broadcast is chat, not a reaction
    whisper("ctl-test", react("laugh"))  # our own
    assert tally.accepted == REACT_BURST + WHISPER_BURST
    assert f"{link.url} l-1" in tally.limiter._buckets  # per server and name
    controller._on_channel_event(link, {"textroom": "leave", "room": 1234, "username": "l-1"})
    assert f"{link.url} l-1" not in tally.limiter._buckets
    assert not controller.book.hands  # reactions are not hands


def test_the_same_name_on_two_servers_has_two_buckets() -> None:
    """Names are unique per server only: a flood by one server's holder of a name must not silence another's."""
    clock = Clock()
    tally = ReactionTally("ctl-1", clock=clock)
    while tally.on_whisper("l-bo", react("clap"), "wss://b.example/janus"):
        pass
    assert tally.on_whisper("l-bo", react("clap"), "wss://a.example/janus")
    tally.forget("l-bo", "wss://b.example/janus")
    assert tally.on_whisper("l-bo", react("clap"), "wss://b.example/janus")
