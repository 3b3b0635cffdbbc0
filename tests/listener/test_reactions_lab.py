"""Reactions end to end in the lab (real Janus, the real controller): 25 listeners react and every one of them sees
the counts aggregated; a flooding listener is held to its rate without slowing the others; a participant's forged
`reactions` message changes nothing; the product's send path limits clicks before they leave.

The listeners are channel-only (RoomChannel + RoomStateModel, no feed): a reaction travels only on channel N, and 25
feeds would only load the 2-core machine. Timings are printed (run with -s).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from app.listener.channel_keeper import ChannelKeeper
from app.listener.state import RoomStateModel, StateSource
from app.room.reactions_protocol import (
    REACT_BURST,
    REACT_RATE,
    REACTIONS,
    SEND_BURST,
    ReactionCounts,
    ReactRequest,
    encode_react,
    encode_reactions,
)
from tests.listener.test_room_state_lab import ROOM, LabListener, wait_until

pytestmark = pytest.mark.lab


class Reacting(LabListener):
    """A channel-only lab listener that records the reaction counts it is told, with their arrival time."""

    def __init__(self, room: Any, name: str) -> None:
        super().__init__(room, name, feed=False)
        self.seen: list[tuple[float, ReactionCounts]] = []
        self.model.reactions.connect(lambda counts: self.seen.append((time.monotonic(), counts)))

    def total(self, code: str | None = None) -> int:
        return sum(n for _, counts in self.seen for c, n in counts.counts if code is None or c == code)

    def react(self, code: str) -> None:
        """Whisper a reaction straight through the channel: no client-side limit (the flooder needs none)."""
        self.channel.whisper(encode_react(ReactRequest(code)))


@pytest.fixture
async def room(make_lab_room: Callable[..., Awaitable[Any]]) -> Any:
    return await make_lab_room(speaker=None, controller=True)


@pytest.fixture
async def crowd(room: Any) -> AsyncIterator[Callable[[int], Awaitable[list[Reacting]]]]:
    opened: list[Reacting] = []

    async def factory(n: int) -> list[Reacting]:
        batch = [Reacting(room, f"R{i}") for i in range(n)]
        opened.extend(batch)
        for i in range(0, n, 5):  # a few at a time: the machine has 2 cores
            await asyncio.gather(*(listener.open() for listener in batch[i:i + 5]))
        await wait_until(lambda: all(x.state.source == StateSource.CONTROLLER and x.channel.controller is not None
                                     for x in batch), 10.0,
                         lambda: f"sources {[x.state.source.value for x in batch]}")
        return batch

    yield factory
    await asyncio.gather(*(listener.close() for listener in opened), return_exceptions=True)


async def test_reactions_of_25_listeners_reach_every_listener_aggregated(room: Any, crowd: Any) -> None:
    listeners = await crowd(25)
    sent_at = time.monotonic()
    for i, listener in enumerate(listeners):
        listener.react(REACTIONS[i % len(REACTIONS)])
    expected = {code: sum(1 for i in range(25) if REACTIONS[i % len(REACTIONS)] == code) for code in REACTIONS}
    await wait_until(lambda: all(x.total() == 25 for x in listeners), 3.0,
                     lambda: f"totals {[x.total() for x in listeners]}")
    await asyncio.sleep(1.0)  # nothing more comes: each reaction counted once
    for listener in listeners:
        assert listener.total() == 25
        assert {code: listener.total(code) for code in REACTIONS} == expected
        # aggregated: a few announcements carry the 25 reactions, at most two a second
        times = [t for t, _ in listener.seen]
        assert len(times) <= 4, f"{len(times)} announcements for 25 reactions"
        assert all(b - a >= 0.4 for a, b in itertools.pairwise(times))
    arrivals = [x.seen[-1][0] - sent_at for x in listeners]
    print(f"\n25 reactions: all counted at every listener within {max(arrivals):.2f} s "
          f"({len(listeners[0].seen)} announcements); controller accepted {room.controller.reactions.accepted}")
    assert room.controller.reactions.accepted == 25


async def test_a_flood_is_rate_limited_and_does_not_slow_the_others(room: Any, crowd: Any) -> None:
    listeners = await crowd(25)
    flooder, others = listeners[0], listeners[1:]
    watcher = others[-1]
    duration, flood_rate = 4.0, 200.0
    stop = asyncio.Event()

    async def flood() -> int:
        sent = 0
        t0 = time.monotonic()
        while not stop.is_set():
            due = int((time.monotonic() - t0) * flood_rate)
            while sent < due:
                flooder.react("fire")
                sent += 1
            await asyncio.sleep(0.005)
        return sent

    flooding = asyncio.create_task(flood())
    delays = []
    t0 = time.monotonic()
    for round_no in range(1, int(duration) + 1):
        for listener in others:
            listener.react("clap")
        # every other listener's reaction of this round arrives, counted, within ~1 s (seconds since they were sent)
        delays.append(await wait_until(lambda k=round_no: watcher.total("clap") >= 24 * k, 1.5,
                                       lambda: f"claps {watcher.total('clap')}"))
        await asyncio.sleep(max(0.0, t0 + round_no - time.monotonic()))
    stop.set()
    flood_sent = await flooding
    elapsed = time.monotonic() - t0
    await asyncio.sleep(1.0)
    limit = REACT_BURST + REACT_RATE * (elapsed + 1.0)
    fire = watcher.total("fire")
    tally = room.controller.reactions
    print(f"\nflood: {flood_sent} sent in {elapsed:.1f} s, {fire} counted (limit {limit:.0f}); "
          f"controller limited {tally.limited}; the others' claps arrived within {max(delays):.2f} s "
          f"(rounds: {[round(d, 2) for d in delays]})")
    assert flood_sent >= 0.8 * flood_rate * duration
    assert 0 < fire <= limit
    assert watcher.total("clap") == 24 * int(duration)
    assert all(x.total("clap") == 24 * int(duration) for x in listeners)
    assert tally.limited >= flood_sent - limit - 5  # what was not counted was dropped (and counted as such)
    assert max(delays) <= 1.0


async def test_forged_reaction_messages_from_a_listener_are_ignored(room: Any, crowd: Any) -> None:
    listeners = await crowd(5)
    forger, victims = listeners[0], listeners[1:]
    controller = room.controller.username
    forged = encode_reactions(ReactionCounts(controller, (("heart", 99999),)))
    textroom = forger.channel.textroom
    assert textroom is not None
    await textroom.message(ROOM, forged)  # a broadcast to everyone
    for victim in victims:
        await textroom.message(ROOM, forged, to=victim.channel.username)  # and whispered to each
    victims[0].react("laugh")  # a real one afterwards: the path works, and only it counts
    await wait_until(lambda: all(v.total("laugh") == 1 for v in victims), 3.0,
                     lambda: f"laughs {[v.total('laugh') for v in victims]}")
    await asyncio.sleep(0.7)
    assert all(v.total("heart") == 0 and v.total() == 1 for v in victims)


async def test_a_sessions_reactions_are_limited_before_they_leave(room: Any, crowd: Any) -> None:
    """The product's send path (ChannelKeeper, as ListenSession.react uses it): a burst of clicks sends SEND_BURST
    reactions, all of which count; the rest are refused on the client and never reach Janus."""
    (watcher,) = await crowd(1)
    model = RoomStateModel()
    keeper = ChannelKeeper(ROOM, model, ice_servers=[], display="Clicker")
    try:
        keeper.follow(room.config.ws_url)
        await wait_until(lambda: keeper.channel is not None and keeper.channel.controller is not None, 10.0,
                         lambda: "the keeper's channel did not learn the controller")
        sent = [keeper.react("100") for _ in range(3 * SEND_BURST)]
        assert sum(sent) == SEND_BURST
        await wait_until(lambda: watcher.total("100") == SEND_BURST, 3.0, lambda: f"counted {watcher.total('100')}")
        await asyncio.sleep(1.0)
        assert watcher.total("100") == SEND_BURST
        assert room.controller.reactions.limited == 0  # the client's limit is below the controller's
    finally:
        await keeper.close()
