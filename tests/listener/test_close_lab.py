"""Leaving is total, checked on the real Janus: after a leave (or a room end) in every phase, Janus's Admin API
lists exactly the sessions it had before the listener joined, no asyncio task started since is left, and the
playout gets no packet while another listener of the same feed still does.

Phases are made with the lab's faults: dropping UDP at the client (faults.drop_udp) silences the media but keeps
the WebSockets, so the watchdog starts a reconnect whose new session is on the server while its ICE hangs.
Janus frees a session when its socket closes (reclaim_session_timeout = 0), so every check is a bounded poll.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from app.janus import JanusSession
from app.janus.textroom import TextRoomHandle
from app.listener.feed import FeedConnection
from app.listener.listen import ListenSession
from app.listener.status import RoomStatus
from app.media.cushion import CushionPlayout
from app.room.errors import RoomError
from app.room.protocol import Snapshot
from app.room.protocol_encoding import encode
from tests.lab import faults
from tests.lab.janus_admin import JanusAdmin

pytestmark = pytest.mark.lab


@pytest.fixture
async def room(make_lab_room: Callable[..., Awaitable[Any]]) -> Any:
    """A tone room fed from beside Janus (no stage speaker, no controller: no session but the test's own)."""
    return await make_lab_room(external_feed=True)


@pytest.fixture
async def admin(room: Any) -> AsyncIterator[JanusAdmin]:
    async with JanusAdmin(room.config.admin_url, room.config.secrets.admin) as janus_admin:
        yield janus_admin


@pytest.fixture
async def bystander(room: Any) -> AsyncIterator[FeedConnection]:
    """Another listener of the feed: its session must outlive our leave, and its packets prove the feed still
    flows while our playout gets none."""
    feed = FeedConnection(room.config.ws_url, room.config.room_id, CushionPlayout(), ice_servers=[])
    await feed.open(5.0)
    yield feed
    await feed.close()


class Leaving:
    """One ListenSession, what Janus had before it joined, and the checks that it left nothing behind."""

    def __init__(self, room: Any, admin: JanusAdmin, bystander: FeedConnection, **kwargs: Any) -> None:
        self.room, self.admin, self.bystander = room, admin, bystander
        self.session = ListenSession(room.link, use_device=False, ice_servers=[], **kwargs)
        self.before: set[int] = set()
        self.tasks_before: set[asyncio.Task[Any]] = set()

    async def snapshot(self) -> None:
        self.before = await self.admin.list_sessions()
        assert self.bystander.session is not None and self.before == {self.bystander.session.session_id}
        self.tasks_before = asyncio.all_tasks()

    @property
    def status(self) -> RoomStatus:
        return self.session.status.current.status

    @property
    def packets(self) -> int:
        playout = self.session.playout
        assert isinstance(playout, CushionPlayout)
        return playout.counters.packets_received

    async def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"{what} not within {timeout:g} s ({self.session.status.current})"
            await asyncio.sleep(0.01)

    async def ours_on_server(self, count: int, what: str, timeout: float = 8.0) -> None:
        """Wait until exactly `count` sessions besides those from before are on the server."""
        await self.admin.wait_sessions(lambda s: self.before <= s and len(s - self.before) == count, timeout, what)

    async def live(self) -> None:
        """Joined, playing, and the room channel joined: two sessions of ours (feed and channel)."""
        await self.session.start()
        await self.wait_for(lambda: self.status == RoomStatus.LIVE and self.packets > 0, "live and playing")
        channel = self.session.channel
        await self.wait_for(lambda: channel is not None and channel.channel is not None, "the channel joined")
        await self.ours_on_server(2, "the feed's and the channel's sessions")

    async def assert_released(self, *, tasks: bool = True) -> None:
        heard = self.packets
        await self.admin.wait_sessions(lambda s: s == self.before, 5.0, "only the sessions from before the join")
        mark = self.bystander.tap.packets if self.bystander.tap is not None else 0
        await self.wait_for(lambda: self.bystander.tap is not None and self.bystander.tap.packets >= mark + 25,
                            "25 more packets of the feed at the other listener", timeout=5.0)
        assert self.packets == heard, "our playout still receives packets"
        if tasks:
            left = {t for t in asyncio.all_tasks() - self.tasks_before if not t.done()} - {asyncio.current_task()}
            assert left == set(), sorted(t.get_name() for t in left)


@pytest.fixture
async def leaving(room: Any, admin: JanusAdmin, bystander: FeedConnection) -> Callable[..., Awaitable[Leaving]]:
    made: list[Leaving] = []

    async def make(**kwargs: Any) -> Leaving:
        x = Leaving(room, admin, bystander, **kwargs)
        made.append(x)
        await x.snapshot()
        return x

    yield make  # type: ignore[misc]
    for x in made:
        await x.session.close()


async def test_leave_while_live(leaving: Callable[..., Awaitable[Leaving]]) -> None:
    x = await leaving()
    await x.live()
    await x.session.close()
    await x.assert_released()


async def test_leave_while_connecting(leaving: Callable[..., Awaitable[Leaving]]) -> None:
    x = await leaving()
    async with faults.drop_udp():
        start = asyncio.create_task(x.session.start())
        await x.ours_on_server(1, "the joining feed's session (its ICE hangs)")
        assert x.status == RoomStatus.CONNECTING
        await x.session.close()
        with pytest.raises(RoomError, match="while joining"):
            await start
    # The media path is open again: a join attempt that survived the leave would now complete and play.
    await x.assert_released()


async def test_leave_during_a_reconnect_attempt_in_flight(leaving: Callable[..., Awaitable[Leaving]]) -> None:
    x = await leaving()
    await x.live()
    async with faults.drop_udp():
        # The watchdog notices the silence after 2 s; the quiet connection lingers (make-before-break) and an
        # attempt opens a third session whose ICE hangs.
        await x.ours_on_server(3, "the lingering feed, the channel and the attempt in flight")
        current = x.session.status.current
        assert current.status == RoomStatus.RECONNECTING and current.reconnect is not None
        assert current.reconnect.next_try_at is None  # an attempt is running
        await x.session.close()
    await x.assert_released()


async def test_leave_during_the_backoff_wait(leaving: Callable[..., Awaitable[Leaving]]) -> None:
    x = await leaving(connect_timeout=1.5)
    await x.live()
    x.session.supervisor.rotation._rand = lambda: 0.99  # every wait of this outage ~1 s: a window to leave in

    def backing_off() -> bool:
        info = x.session.status.current.reconnect
        return (info is not None and info.attempt >= 2 and info.next_try_at is not None
                and info.next_try_at > time.monotonic() + 0.1)

    async with faults.drop_udp():
        await x.wait_for(backing_off, "the backoff wait after a failed attempt")
        await x.ours_on_server(2, "the lingering feed and the channel, the failed attempt's session gone")
        assert backing_off()
        await x.session.close()
    await x.assert_released()


async def test_room_end_releases_everything_and_leave_after_it_too(room: Any,
                                                                    leaving: Callable[..., Awaitable[Leaving]]) -> None:
    x = await leaving()
    await x.live()
    # The controller's word, as it sends it: an announcement on channel N, which only the secret allows.
    ended = Snapshot(seq=1, room=room.config.room_id, controller="ctl-lab", title="Lab room", ended=True,
                     members=(), listeners=None, hands=(), hands_total=0)
    announcer = await JanusSession.connect(room.config.ws_url)
    try:
        textroom = await TextRoomHandle.attach(announcer)
        await textroom.announcement(room.config.room_id, room.config.secrets.channel, encode(ended))
    finally:
        await announcer.close()
    await x.wait_for(lambda: x.status == RoomStatus.ENDED, "the room ended")
    await x.assert_released(tasks=False)  # feed and channel gone on the room's end, before any leave
    await x.session.close()
    assert x.status == RoomStatus.ENDED
    await x.assert_released()
