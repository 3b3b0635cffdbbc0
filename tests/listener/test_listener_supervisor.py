"""The reconnect supervisor's decisions, without a server: fake feed connections, zero-jitter backoff."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.links import RoomLink
from app.listener.feed import FeedEnd
from app.listener.status import RoomStatus, StatusChange
from app.listener.supervisor import FeedSupervisor
from app.media.cushion import CushionPlayout
from app.room.errors import RoomNotFound, ServerUnreachable

A, B = "ws://a.test:8188/janus", "ws://b.test:8188/janus"


class FakeSession:
    def __init__(self) -> None:
        self.is_lost = False
        self.rtt = 0.01


class FakeFeed:
    def __init__(self, server: str) -> None:
        self.server = server
        self.ended: asyncio.Future[FeedEnd] = asyncio.get_running_loop().create_future()
        self.session = FakeSession()
        self.quiet = 0.0
        self.media_stopped = False
        self.closed = False

    @property
    def media_quiet_for(self) -> float:
        return self.quiet

    def stop_media(self) -> None:
        self.media_stopped = True

    def end(self, reason: str) -> None:
        if not reason.startswith("no audio"):
            self.session.is_lost = True  # anything but the watchdog: the connection itself is gone
        if not self.ended.done():
            self.ended.set_result(FeedEnd(reason))

    def room_ended(self) -> None:
        """What a feed says when Janus reports the mountpoint stopped: the room is over."""
        if not self.ended.done():
            self.ended.set_result(FeedEnd("room 7 has ended", room_ended=True))

    def revive(self) -> bool:
        if self.session.is_lost or self.closed:
            return False
        self.ended = asyncio.get_running_loop().create_future()
        return True

    async def close(self) -> None:
        self.closed = True


class Script:
    """What each attempt to open a server does: a list of outcomes per server, consumed in order."""

    def __init__(self, outcomes: dict[str, list[Any]]) -> None:
        self.outcomes = outcomes
        self.attempts: list[str] = []
        self.feeds: list[FakeFeed] = []

    async def open(self, server: str) -> FakeFeed:
        self.attempts.append(server)
        queue = self.outcomes.get(server, [])
        outcome = queue.pop(0) if queue else ServerUnreachable(f"{server} down")
        if isinstance(outcome, Exception):
            raise outcome
        feed = FakeFeed(server)
        self.feeds.append(feed)
        return feed


async def make(outcomes: dict[str, list[Any]], servers: tuple[str, ...] = (A,), **kw: Any) -> tuple[
        FeedSupervisor, Script, list[StatusChange]]:
    script = Script(outcomes)
    listener = FeedSupervisor(RoomLink(7, servers), CushionPlayout(), rand=lambda: 0.0, **kw)
    listener._open = script.open  # type: ignore[method-assign,assignment]
    changes: list[StatusChange] = []
    listener.status.changed.connect(changes.append)
    await listener.join()
    return listener, script, changes


async def until(predicate: Any, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - polling fakes that have no event to wait on
            await asyncio.sleep(0.005)


async def test_loss_leads_to_reconnecting_then_live_on_the_same_server() -> None:
    listener, script, changes = await make({A: ["ok", ServerUnreachable("refused"), "ok"]})
    first = script.feeds[0]
    first.end("connection lost: socket closed")
    await until(lambda: listener.status.current.status == RoomStatus.LIVE and len(script.feeds) == 2)
    reconnecting = [c for c in changes if c.status == RoomStatus.RECONNECTING]
    assert [c.reconnect.attempt for c in reconnecting if c.reconnect] == [1, 2]
    assert reconnecting[0].detail == "connection lost: socket closed"
    assert first.media_stopped and first.closed
    record = listener.history[-1]
    assert record.attempts == 2 and record.recovered_server == A and record.recovered_at is not None
    await listener.close()
    assert script.feeds[1].closed


async def test_failover_goes_to_the_other_server_first() -> None:
    listener, script, _ = await make({A: ["ok"], B: ["ok"]}, servers=(A, B))
    script.feeds[0].end("connection lost")
    await until(lambda: listener.server == B and listener.status.current.status == RoomStatus.LIVE)
    assert script.attempts == [A, B]  # the lost server comes last: straight to the other one
    await listener.close()


async def test_join_starts_with_the_rotations_random_first_server() -> None:
    script = Script({A: ["ok"], B: ["ok"]})
    listener = FeedSupervisor(RoomLink(7, (A, B)), CushionPlayout(), rand=lambda: 0.99)
    listener._open = script.open  # type: ignore[method-assign,assignment]
    await listener.join()
    assert listener.rotation.order == [B, A] and script.attempts == [B] and listener.server == B
    await listener.close()


async def test_watchdog_ends_a_quiet_feed_and_keeps_it_until_the_new_one_plays() -> None:
    listener, script, _ = await make({A: ["ok", "ok"]}, watchdog_s=0.1)
    old = script.feeds[0]
    old.quiet = 5.0
    await until(lambda: len(script.feeds) == 2)
    assert old.ended.result().reason.startswith("no audio from")
    await until(lambda: old.closed)  # make-before-break: closed only once the new one was adopted
    assert listener.feed is script.feeds[1]
    await listener.close()


async def test_a_quiet_feed_whose_media_comes_back_first_is_kept() -> None:
    gate = asyncio.Event()

    class SlowScript(Script):
        async def open(self, server: str) -> FakeFeed:
            if self.feeds:
                self.attempts.append(server)
                await gate.wait()  # the new connection takes long (e.g. a blackout)
            return await super().open(server)

    script = SlowScript({A: ["ok", "ok"]})
    listener = FeedSupervisor(RoomLink(7, (A,)), CushionPlayout(), rand=lambda: 0.0, watchdog_s=0.1)
    listener._open = script.open  # type: ignore[method-assign,assignment]
    await listener.join()
    old = script.feeds[0]
    old.quiet = 5.0
    await until(lambda: listener.status.current.status == RoomStatus.RECONNECTING and script.attempts)
    old.quiet = 0.0  # the blackout ends: the old connection's media flows again
    await until(lambda: listener.status.current.status == RoomStatus.LIVE)
    assert listener.feed is old and not old.closed and not old.media_stopped
    assert listener.history[-1].recovered_server == A
    gate.set()
    await asyncio.sleep(0.05)
    assert len(script.feeds) == 1  # the slow attempt was cancelled, nothing else adopted
    await listener.close()


async def test_authoritative_stop_ends_the_room_without_retrying() -> None:
    listener, script, _ = await make({A: ["ok"]})
    script.feeds[0].room_ended()
    await until(lambda: listener.status.current.status == RoomStatus.ENDED)
    assert script.attempts == [A]
    await listener.close()
    assert listener.status.current.status == RoomStatus.ENDED


async def test_one_edges_feed_stopping_in_a_room_of_several_is_a_failover_not_the_end() -> None:
    listener, script, _ = await make({A: ["ok"], B: ["ok"]}, servers=(A, B))
    script.feeds[0].room_ended()  # edge A's mountpoint went away; B still plays the room
    await until(lambda: listener.server == B and listener.status.current.status == RoomStatus.LIVE)
    assert script.attempts == [A, B] and listener.history[-1].reason == f"{A} stopped the feed"
    await listener.close()


async def test_every_server_saying_no_such_room_ends_it_after_the_grace() -> None:
    listener, script, _ = await make({A: ["ok", RoomNotFound(7, A)], B: [RoomNotFound(7, B)]}, servers=(A, B),
                                     not_found_grace=0.0)
    script.feeds[0].end("connection lost")
    await until(lambda: listener.status.current.status == RoomStatus.ENDED)
    assert "no longer exists" in listener.status.current.detail
    await listener.close()


async def test_a_room_gone_for_less_than_the_grace_is_joined_again() -> None:
    """A restarted Janus forgot a room made through its API; its controller makes it again: keep trying."""
    listener, script, _ = await make({A: ["ok", RoomNotFound(7, A), RoomNotFound(7, A), "ok"]},
                                     not_found_grace=30.0)
    script.feeds[0].end("connection lost")
    await until(lambda: listener.status.current.status == RoomStatus.LIVE and len(script.feeds) == 2, 5.0)
    assert script.attempts == [A, A, A, A]
    await listener.close()


async def test_one_server_down_and_one_without_the_room_keeps_retrying() -> None:
    listener, script, _ = await make({A: ["ok"], B: [RoomNotFound(7, B)] * 3}, servers=(A, B))
    script.feeds[0].end("connection lost")
    await until(lambda: len(script.attempts) >= 4)
    assert listener.status.current.status == RoomStatus.RECONNECTING
    await listener.close()
    assert listener.status.current.status == RoomStatus.IDLE


async def test_reconnect_info_says_when_the_next_try_is() -> None:
    listener, script, changes = await make({A: ["ok"]})
    listener.rotation._rand = lambda: 0.5  # first wait 0.5 s
    script.feeds[0].end("connection lost")
    await until(lambda: any(c.reconnect and c.reconnect.next_try_at for c in changes))
    info = next(c.reconnect for c in changes if c.reconnect and c.reconnect.next_try_at)
    assert info is not None and info.attempt == 1 and info.server == A
    await listener.close()


async def test_end_room_from_the_channel_is_authoritative() -> None:
    listener, script, _ = await make({A: ["ok"]})
    listener.end_room("room 7 has ended")
    assert listener.status.current == StatusChange(RoomStatus.ENDED, "room 7 has ended")
    await asyncio.sleep(0.05)
    assert script.attempts == [A]
    await listener.close()


@pytest.mark.parametrize("closed_early", [True, False])
async def test_close_is_idempotent(closed_early: bool) -> None:
    listener, script, _ = await make({A: ["ok"]})
    if closed_early:
        script.feeds[0].end("connection lost")
    await listener.close()
    await listener.close()
    assert all(f.closed for f in script.feeds)


async def test_a_move_to_a_room_no_server_has_ends_after_the_grace_instead_of_waiting_forever() -> None:
    listener, script, _ = await make({A: ["ok"], B: [RoomNotFound(9, B)] * 3}, not_found_grace=0.0)
    await asyncio.wait_for(listener.move_to(RoomLink(9, (B,))), 5.0)
    assert listener.status.current.status == RoomStatus.ENDED
    assert "moved to room 9, which does not exist" in listener.status.current.detail
    assert script.feeds[0].closed  # the old room's connection is let go
    await listener.close()


async def test_a_move_keeps_trying_a_server_that_is_only_unreachable() -> None:
    listener, script, _ = await make({A: ["ok"], B: [ServerUnreachable("down"), "ok"]}, not_found_grace=0.0)
    await asyncio.wait_for(listener.move_to(RoomLink(9, (B,))), 5.0)
    assert listener.status.current.status == RoomStatus.LIVE and listener.feed is script.feeds[1]
    await listener.close()


async def test_a_rejoin_draws_its_server_by_the_announced_loads() -> None:
    """A lost; B as full as A, C empty: the listener's draw (rand 0.5 here) lands on C with the loads (weights
    1/6, 1/6, 2/3), on B without them (uniform) — and the lost A is last either way."""
    c = "ws://c.test:8188/janus"
    picked = []
    for loads in ({A: 50, B: 50, c: 0}, {}):
        script = Script({A: ["ok"], B: ["ok"], c: ["ok"]})
        known: dict[str, int] = {}  # what the room state holds: nothing before the first join
        listener = FeedSupervisor(RoomLink(7, (A, B, c)), CushionPlayout(), rand=lambda: 0.5,
                                  loads=lambda known=known: known)  # type: ignore[misc]
        listener._open = script.open  # type: ignore[method-assign,assignment]
        listener.rotation.order = [A, B, c]  # joined A first, whatever the draw
        await listener.join()
        assert script.attempts == [A]
        known.update(loads)  # the channel's announcements
        script.feeds[0].end("connection lost")
        await until(lambda li=listener, sc=script: li.status.current.status == RoomStatus.LIVE and  # type: ignore[misc]
                    len(sc.feeds) == 2)
        picked.append(script.attempts[1])
        await listener.close()
    assert picked == [c, B]
