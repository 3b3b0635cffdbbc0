"""The room-gone rule (one place for a reconnect and a move) and the pool's total release."""

from __future__ import annotations

import asyncio

import pytest

from app.listener.feed_pool import FeedPool, RoomGoneJudge
from app.room.errors import RoomNotFound, ServerUnreachable

A, B = "ws://a.test:8188/janus", "ws://b.test:8188/janus"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_room_is_gone_only_after_every_server_said_so_for_the_grace() -> None:
    clock = Clock()
    judge = RoomGoneJudge([A, B], 15.0, clock=clock)
    assert not judge.failed(A, RoomNotFound(7, A))
    clock.now += 20
    assert not judge.failed(A, RoomNotFound(7, A))  # B has not said so yet: the grace has not started
    assert not judge.failed(B, RoomNotFound(7, B))  # now every server has: the grace starts here
    clock.now += 14.9
    assert not judge.failed(A, RoomNotFound(7, A))
    clock.now += 0.2
    assert judge.failed(B, RoomNotFound(7, B))


def test_any_other_answer_restarts_the_count() -> None:
    clock = Clock()
    judge = RoomGoneJudge([A, B], 15.0, clock=clock)
    judge.failed(A, RoomNotFound(7, A))
    judge.failed(B, RoomNotFound(7, B))
    clock.now += 10
    assert not judge.failed(B, ServerUnreachable("down"))  # B may still have the room
    clock.now += 10
    assert not judge.failed(A, RoomNotFound(7, A))
    assert not judge.failed(B, RoomNotFound(7, B))  # all again: a new grace starts now
    clock.now += 15
    assert judge.failed(A, RoomNotFound(7, A))


def test_a_zero_grace_ends_at_the_first_round_of_not_found() -> None:
    judge = RoomGoneJudge([A], 0.0, clock=Clock())
    assert judge.failed(A, RoomNotFound(7, A))


class FakeFeed:
    def __init__(self, server: str) -> None:
        self.server = server
        self.closed = False

    def stop_media(self) -> None:
        pass

    async def close(self) -> None:
        await asyncio.sleep(0)
        self.closed = True


async def test_release_closes_a_connection_that_finished_opening_after_its_attempt_was_cancelled() -> None:
    opened: list[FakeFeed] = []
    gate = asyncio.Event()

    async def open_feed(server: str) -> FakeFeed:
        feed = FakeFeed(server)
        opened.append(feed)
        try:
            await gate.wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0)  # a clean-up that yields, then the connection is returned anyway
        return feed

    pool = FeedPool(open_feed, 7)  # type: ignore[arg-type]
    attempt = pool.start(A)
    await asyncio.sleep(0)
    pool.abandon(attempt)
    await pool.release()
    assert [f.closed for f in opened] == [True]
    assert not pool.attempts and not pool.feeds and not pool.closing
    with pytest.raises(Exception, match="left room 7"):
        pool.start(B)
