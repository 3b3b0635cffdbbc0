"""Leaving is total: close() / end_room() in every phase of a FeedSupervisor closes every connection it built and
leaves no task behind (fake connections, no server; the lab counterpart is test_close_lab.py)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from app.links import RoomLink
from app.listener import listen as listen_module
from app.listener.listen import ListenSession
from app.listener.status import RoomStatus
from app.listener.supervisor import FeedSupervisor
from app.media.cushion import CushionPlayout
from app.media.output import AudioOutputError
from app.room.errors import RoomError, ServerUnreachable
from app.room.protocol import Snapshot
from tests.listener.test_channel_keeper import FakeChannel as FakeRoomChannel
from tests.listener.test_channel_keeper import SlowChannel
from tests.listener.test_listener_supervisor import A, B, FakeFeed, Script, until


class SlowFeed(FakeFeed):
    """Its close takes a few loop turns, as a real one does: a close() that does not wait for it is caught."""

    async def close(self) -> None:
        await asyncio.sleep(0.01)
        self.closed = True


class GatedScript(Script):
    """Attempts after the first `free` ones wait for `gate`; `in_flight` is set while one waits."""

    def __init__(self, outcomes: dict[str, list[Any]], free: int = 1) -> None:
        super().__init__(outcomes)
        self.free = free
        self.gate = asyncio.Event()
        self.in_flight = asyncio.Event()
        self.cancelled: list[str] = []

    async def open(self, server: str) -> FakeFeed:  # type: ignore[override]
        if len(self.attempts) >= self.free:
            self.in_flight.set()
            try:
                await self.gate.wait()
            except asyncio.CancelledError:
                self.cancelled.append(server)
                raise
        self.attempts.append(server)
        queue = self.outcomes.get(server, [])
        outcome = queue.pop(0) if queue else "ok"
        if isinstance(outcome, Exception):
            raise outcome
        feed = SlowFeed(server)
        self.feeds.append(feed)
        return feed


def build(script: Script, servers: tuple[str, ...] = (A,), **kw: Any) -> FeedSupervisor:
    listener = FeedSupervisor(RoomLink(7, servers), CushionPlayout(), rand=lambda: 0.0, **kw)
    listener._open = script.open  # type: ignore[method-assign,assignment]
    return listener


def our_tasks() -> set[asyncio.Task[Any]]:
    """Every unfinished task but the test's own."""
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()}


def assert_released(listener: FeedSupervisor, script: Script) -> None:
    assert script.feeds, "the scenario built no connection"
    assert all(f.closed for f in script.feeds), [(f.server, f.closed) for f in script.feeds]
    assert all(f.media_stopped for f in script.feeds)
    assert our_tasks() == set()
    assert listener.feed is None


async def test_close_while_live() -> None:
    script = GatedScript({A: ["ok"]})
    listener = build(script)
    await listener.join()
    await listener.close()
    assert_released(listener, script)
    assert listener.status.current.status == RoomStatus.IDLE


async def test_close_while_connecting_cancels_the_join_attempt() -> None:
    script = GatedScript({A: ["ok"]}, free=0)
    listener = build(script)
    join = asyncio.create_task(listener.join())
    await script.in_flight.wait()
    await listener.close()
    with pytest.raises(RoomError, match="was left while joining"):
        await join
    assert script.cancelled == [A] and script.feeds == []
    assert our_tasks() == set()


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
async def test_close_while_the_join_attempt_succeeds_at_the_same_moment(turns: int) -> None:
    script = GatedScript({A: ["ok"]}, free=0)
    listener = build(script)
    join = asyncio.create_task(listener.join())
    await script.in_flight.wait()
    script.gate.set()
    for _ in range(turns):
        await asyncio.sleep(0)
    await listener.close()
    with contextlib.suppress(RoomError):  # depending on the turns, the join was done or it was left
        await join
    assert_released(listener, script)


async def test_cancelling_the_join_closes_what_its_attempt_built() -> None:
    script = GatedScript({A: ["ok"]}, free=0)
    listener = build(script)
    join = asyncio.create_task(listener.join())
    await script.in_flight.wait()
    script.gate.set()
    join.cancel()  # the window's Leave while connecting: the join task is cancelled first
    with pytest.raises(asyncio.CancelledError):
        await join
    await listener.close()
    assert_released(listener, script)


async def lose_quietly(listener: FeedSupervisor, script: GatedScript) -> FakeFeed:
    """The live feed goes quiet (a blackout): it lingers while a reconnect attempt waits at the gate."""
    old = script.feeds[0]
    old.quiet = 5.0
    await script.in_flight.wait()
    assert listener._lingering is old
    return old


async def test_close_during_a_reconnect_attempt_in_flight() -> None:
    script = GatedScript({A: ["ok"]})
    listener = build(script, watchdog_s=0.1)
    await listener.join()
    await lose_quietly(listener, script)
    await listener.close()
    assert script.cancelled == [A]
    assert_released(listener, script)
    assert listener.status.current.status == RoomStatus.IDLE


@pytest.mark.parametrize("turns", [0, 1, 2, 3, 4])
async def test_close_while_the_reconnect_attempt_succeeds_at_the_same_moment(turns: int) -> None:
    """The leak that was measured: the supervisor, cancelled while its attempt completes, dropped the new
    connection (session, keepalive, PeerConnection, RTP tap) on the floor."""
    script = GatedScript({A: ["ok", "ok"]})
    listener = build(script, watchdog_s=0.1)
    await listener.join()
    await lose_quietly(listener, script)
    script.gate.set()
    for _ in range(turns):
        await asyncio.sleep(0)
    await listener.close()
    assert len(script.feeds) == 2
    assert_released(listener, script)


async def test_close_during_the_backoff_wait() -> None:
    script = GatedScript({A: ["ok"]})
    listener = build(script)
    listener.rotation._rand = lambda: 0.9  # the first wait of the outage: 0.9 s
    await listener.join()
    script.feeds[0].end("connection lost: socket closed")
    await until(lambda: (r := listener.status.current.reconnect) is not None and r.next_try_at is not None)
    await listener.close()
    assert script.attempts == [A]  # no attempt was started after the leave
    assert_released(listener, script)


async def test_close_during_the_backoff_wait_with_a_lingering_connection() -> None:
    script = GatedScript({A: ["ok", ServerUnreachable("refused")]}, free=2)
    listener = build(script, watchdog_s=0.1)
    await listener.join()
    listener.rotation._rand = lambda: 0.9
    old = script.feeds[0]
    old.quiet = 5.0
    await until(lambda: len(script.attempts) == 2 and listener.status.current.reconnect is not None
                and listener.status.current.reconnect.next_try_at is not None)
    assert listener._lingering is old and not old.closed
    await listener.close()
    assert_released(listener, script)


async def test_close_during_failover_to_the_second_server() -> None:
    script = GatedScript({A: ["ok"]}, free=1)
    listener = build(script, servers=(A, B))
    await listener.join()
    script.feeds[0].end("connection lost")
    await script.in_flight.wait()  # the lost server comes last: the attempt on B waits
    assert script.attempts == [A]
    await listener.close()
    assert script.cancelled == [B]
    assert_released(listener, script)


async def test_close_after_failover() -> None:
    script = GatedScript({A: ["ok", ServerUnreachable("refused")], B: ["ok"]}, free=3)
    listener = build(script, servers=(A, B))
    await listener.join()
    script.feeds[0].end("connection lost")
    await until(lambda: listener.server == B and listener.status.current.status == RoomStatus.LIVE)
    await listener.close()
    assert len(script.feeds) == 2
    assert_released(listener, script)


@pytest.mark.parametrize("phase", ["live", "attempt", "attempt-succeeds", "backoff", "connecting"])
async def test_end_room_releases_everything_without_close(phase: str) -> None:
    script = GatedScript({A: ["ok", "ok"]}, free=0 if phase == "connecting" else 1)
    listener = build(script, watchdog_s=0.1)
    join: asyncio.Task[None] | None = None
    if phase == "connecting":
        join = asyncio.create_task(listener.join())
        await script.in_flight.wait()
        script.gate.set()
    else:
        await listener.join()
    if phase.startswith("attempt"):
        await lose_quietly(listener, script)
        if phase == "attempt-succeeds":
            script.gate.set()
            await asyncio.sleep(0)
    elif phase == "backoff":
        listener.rotation._rand = lambda: 0.9
        script.feeds[0].end("connection lost")
        await until(lambda: (r := listener.status.current.reconnect) is not None and r.next_try_at is not None)
    listener.end_room("room 7 has ended")
    assert listener.status.current.status == RoomStatus.ENDED
    if join is not None:
        with pytest.raises(RoomError, match="ended while joining"):
            await join
    await until(lambda: not our_tasks())
    assert_released(listener, script)
    await listener.close()  # after end_room: still fine, and still nothing left
    assert_released(listener, script)
    assert listener.status.current.status == RoomStatus.ENDED


async def test_close_right_after_end_room_waits_for_the_release() -> None:
    script = GatedScript({A: ["ok"]})
    listener = build(script, watchdog_s=0.1)
    await listener.join()
    await lose_quietly(listener, script)
    listener.end_room("room 7 has ended")
    await listener.close()
    assert_released(listener, script)


async def test_a_cancelled_close_does_not_cut_the_release_short() -> None:
    script = GatedScript({A: ["ok"]})
    listener = build(script, watchdog_s=0.1)
    await listener.join()
    await lose_quietly(listener, script)
    first = asyncio.create_task(listener.close())
    await asyncio.sleep(0)
    first.cancel()  # e.g. a second Ctrl-C while leaving
    with pytest.raises(asyncio.CancelledError):
        await first
    await listener.close()  # waits for the one release that kept going
    assert_released(listener, script)


async def test_join_after_close_is_refused() -> None:
    script = GatedScript({A: ["ok"]})
    listener = build(script)
    await listener.close()
    with pytest.raises(RoomError):
        await listener.join()
    assert script.attempts == []


# ---------------------------------------------------------------------------------------------- ListenSession
def listen_session(script: Script) -> ListenSession:
    """A ListenSession on the system clock whose feed attempts and channels are fakes."""
    session = ListenSession(RoomLink(7, (A,)), use_device=False)
    session.supervisor._open = script.open  # type: ignore[method-assign,assignment]
    assert session.channel is not None
    session.channel._factory = SlowChannel  # type: ignore[assignment]
    return session


async def test_session_close_while_starting() -> None:
    script = GatedScript({A: ["ok"]}, free=0)
    session = listen_session(script)
    start = asyncio.create_task(session.start())
    await script.in_flight.wait()
    await session.close()
    with pytest.raises(RoomError):
        await start
    assert session.output is None and script.cancelled == [A]
    assert our_tasks() == set()


async def test_session_room_ended_by_the_controller_releases_feed_and_channel() -> None:
    FakeRoomChannel.made = []
    script = GatedScript({A: ["ok"]})
    session = listen_session(script)
    await session.start()
    await until(lambda: session.channel is not None and session.channel.channel is not None)
    ended = Snapshot(seq=1, room=7, controller="ctl-1", title="T", ended=True, members=(), listeners=None,
                     hands=(), hands_total=0)
    session.state.apply_snapshot(ended, 0.0)  # what the channel does with the controller's announcement
    assert session.status.current.status == RoomStatus.ENDED
    await until(lambda: all(f.closed for f in script.feeds) and all(c.closed for c in FakeRoomChannel.made))
    assert FakeRoomChannel.made
    await session.close()
    assert_released(session.supervisor, script)


class NoDevice:
    """A sound card that cannot be opened, whatever the machine has: the session falls back to the clock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    async def start(self) -> None:
        raise AudioOutputError("no sound device (test)")

    async def close(self) -> None:
        pass


async def test_session_device_switch_during_or_after_close_leaves_no_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listen_module, "SoundDeviceOutput", NoDevice)
    script = GatedScript({A: ["ok"]})
    session = listen_session(script)
    session.fall_back_to_clock = True
    await session.start()
    switching = asyncio.create_task(session.set_device(None))  # no device here: falls back to the clock output
    await session.close()
    await switching
    await session.set_device(None)  # a late switch from the window, after the leave
    assert session.output is None
    assert_released(session.supervisor, script)
