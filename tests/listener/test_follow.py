"""Following a room that moved (§3.8), without a server: the policy on a virtual clock, the session with fake feeds
and channels (make-before-break, the hand and the channel come along, hop limit), and the channel's trust."""

from __future__ import annotations

import asyncio
import time
from typing import Any, ClassVar

from app.events import Event
from app.links import RoomLink, format_link
from app.listener.feed import FeedEnd
from app.listener.follow import FollowPolicy
from app.listener.listen import ListenSession
from app.listener.state import RoomStateModel, StateSource
from app.listener.status import RoomStatus
from app.room.errors import RoomNotFound
from app.room.protocol import Snapshot
from app.room.protocol_encoding import encode
from tests.listener.test_channel_unit import ROOM, FakeChannel, announcement, snapshot, whispered

A, B = "ws://a.test:8188/janus", "ws://b.test:8188/janus"
ROOM_A, ROOM_B = RoomLink(1, (A,)), RoomLink(2, (B,), "Room B")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_policy_refuses_loops_beyond_three_hops_in_ten_minutes() -> None:
    clock = Clock()
    policy = FollowPolicy(clock=clock, rand=lambda: 0.5)
    assert policy.delay() == 0.5  # uniform 0–1 s: half of it here
    assert policy.decide(ROOM_A, format_link(ROOM_B)) == ROOM_B
    clock.now += 60
    assert policy.decide(ROOM_B, format_link(ROOM_A)) == ROOM_A
    clock.now += 60
    assert policy.decide(ROOM_A, format_link(ROOM_B)) == ROOM_B
    clock.now += 60
    refused = policy.decide(ROOM_B, format_link(ROOM_A))
    assert isinstance(refused, str) and "3 moves" in refused
    clock.now += 600 - 179  # the first hop is 10 min old now: one more may go
    assert policy.decide(ROOM_B, format_link(ROOM_A)) == ROOM_A


def test_the_policy_ignores_a_forward_to_the_room_we_are_in_and_bad_links() -> None:
    policy = FollowPolicy(clock=Clock())
    same = RoomLink(1, ("ws://other.test:8188/janus", A))  # the same room with its servers in another order
    assert isinstance(policy.decide(ROOM_A, format_link(same)), str)
    assert isinstance(policy.decide(ROOM_A, "plaza+ws://b.test:8188/2?secret=x"), str)
    assert policy.hops == []  # neither counts as a hop


# ---------------------------------------------------------------------------------------------- the session
class FakeSession:
    is_lost = False
    rtt = 0.01


class FakeFeed:
    made: ClassVar[list[FakeFeed]] = []
    hold: ClassVar[asyncio.Event | None] = None  # new rooms' opens wait for it (to look at the old one meanwhile)

    def __init__(self, server: str, room_id: int, playout: Any, *, ice_servers: Any,
                 before_first_media: Any) -> None:
        self.server, self.room_id = server, room_id
        self.ended: asyncio.Future[FeedEnd] = asyncio.get_running_loop().create_future()
        self.session = FakeSession()
        self.media_quiet_for = 0.0
        self.media_stopped = self.closed = False
        self.before_first_media = before_first_media
        FakeFeed.made.append(self)

    async def open(self, timeout: float) -> None:
        if FakeFeed.hold is not None and self.room_id != 1:
            await FakeFeed.hold.wait()
        self.before_first_media()  # what the real feed does on its first packet

    def stop_media(self) -> None:
        self.media_stopped = True

    def end(self, reason: str) -> None:
        if not self.ended.done():
            self.ended.set_result(FeedEnd(reason))

    def revive(self) -> bool:
        return False

    async def close(self) -> None:
        self.closed = True


class KeptChannel:
    """What ChannelKeeper opens: records the room and whether the hand was up when it joined."""

    made: ClassVar[list[KeptChannel]] = []

    def __init__(self, server: str, room_id: int, model: RoomStateModel, *, username: str | None, display: str,
                 ice_servers: Any) -> None:
        self.server, self.room_id, self.model, self.username = server, room_id, model, username
        self.hand_on_join: bool | None = None
        self.lost: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.stage_whispers: Event[[Any]] = Event("stage whispers")
        self.closed = False
        KeptChannel.made.append(self)

    async def open(self, timeout: float) -> None:
        self.hand_on_join = self.model.hand_raised  # a RoomChannel whispers the hand once joined if it is up

    def set_hand_raised(self, raised: bool) -> None:
        self.model.set_hand_raised(raised)

    async def close(self) -> None:
        self.closed = True


async def until(predicate: Any, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110 - fakes have no event to wait on
            await asyncio.sleep(0.005)


def moved(seq: int, to: RoomLink, controller: str = "ctl-a", room: int = 1) -> Snapshot:
    return Snapshot(seq=seq, room=room, controller=controller, title="A", ended=True, members=(), listeners=None,
                    hands=(), hands_total=0, moved=format_link(to))


async def session_in(link: RoomLink, clock: Clock | None = None, feed: type[FakeFeed] = FakeFeed) -> ListenSession:
    FakeFeed.made, KeptChannel.made, FakeFeed.hold = [], [], None
    session = ListenSession(link, use_device=False, feed_factory=feed,  # type: ignore[arg-type]
                            follow=FollowPolicy(jitter=0.0, clock=clock or Clock()))
    assert session.channel is not None
    session.channel._factory = KeptChannel  # type: ignore[assignment]
    await session.start()
    await until(lambda: KeptChannel.made and KeptChannel.made[-1].hand_on_join is not None)
    return session


async def test_a_listener_follows_make_before_break_with_its_hand_and_channel() -> None:
    session = await session_in(ROOM_A)
    links: list[RoomLink] = []
    session.moved.connect(links.append)
    failed: list[RoomLink] = []
    session.move_failed.connect(failed.append)
    statuses: list[RoomStatus] = []
    session.status.changed.connect(lambda change: statuses.append(change.status))
    try:
        session.set_hand_raised(True)
        old = FakeFeed.made[0]
        FakeFeed.hold = asyncio.Event()
        session.state.apply_snapshot(moved(5, ROOM_B), time.monotonic())  # as the channel takes it (trust: below)
        await until(lambda: len(FakeFeed.made) == 2)
        new = FakeFeed.made[1]
        assert (new.server, new.room_id) == (B, 2)
        await asyncio.sleep(0.05)
        assert not old.media_stopped and not old.closed  # the old room plays while the new one connects
        assert KeptChannel.made[0].closed  # the old room's channel is left at once: no more of its news
        FakeFeed.hold.set()
        await until(lambda: old.closed and session.supervisor.feed is new)
        assert old.media_stopped and not new.media_stopped
        await until(lambda: len(KeptChannel.made) == 2 and KeptChannel.made[1].hand_on_join is not None)
        assert KeptChannel.made[1].room_id == 2 and KeptChannel.made[1].server == B
        assert KeptChannel.made[1].hand_on_join is True  # the hand comes along, re-raised in the new room
        assert KeptChannel.made[1].username == KeptChannel.made[0].username
        assert session.link == ROOM_B and links == [ROOM_B]
        assert RoomStatus.ENDED not in statuses and session.status.current.status == RoomStatus.LIVE
        assert not session.state.state.ended and session.state.state.title == "Room B"
        assert failed == []
    finally:
        await session.close()
    assert all(feed.closed for feed in FakeFeed.made)


class NowhereFeed(FakeFeed):
    """The old room plays; the room it moved to is on none of its servers."""

    async def open(self, timeout: float) -> None:
        if self.room_id != 1:
            raise RoomNotFound(self.room_id, self.server)
        await super().open(timeout)


async def test_a_move_to_a_room_no_server_has_ends_and_says_why() -> None:
    """After the not-found grace the status ends (the supervisor's rule); the session tells the front end it was
    the move that failed (the window says so in the user's language), not the room that ended."""
    session = await session_in(ROOM_A, feed=NowhereFeed)
    session.supervisor.not_found_grace = 0.0
    failed: list[RoomLink] = []
    session.move_failed.connect(failed.append)
    try:
        session.state.apply_snapshot(moved(5, ROOM_B), time.monotonic())
        await until(lambda: session.status.current.status == RoomStatus.ENDED and failed != [])
        assert failed == [ROOM_B] and "which does not exist" in session.status.current.detail
    finally:
        await session.close()


async def test_a_loop_of_moves_stops_after_three_hops() -> None:
    session = await session_in(ROOM_A)
    try:
        here, there = ROOM_A, ROOM_B
        for hop in range(3):
            session.state.apply_snapshot(moved(10 + hop, there, controller=f"ctl-{hop}"), time.monotonic())
            await until(lambda there=there: session.link == there and session.supervisor.feed is not None
                        and session.supervisor.feed.room_id == there.room_id)  # type: ignore[attr-defined]
            here, there = there, here
        session.state.apply_snapshot(moved(20, there, controller="ctl-9"), time.monotonic())
        await until(lambda: session.status.current.status == RoomStatus.ENDED)
        assert session.link == here and len(FakeFeed.made) == 4  # no fourth hop: the room ended here
    finally:
        await session.close()


async def test_a_forged_move_never_reaches_the_state() -> None:
    """Only the confirmed controller's announcements (and its answers) carry state; a listener's broadcast or
    whisper of a `moved` snapshot is dropped, whatever controller name it claims."""
    channel = FakeChannel(RoomStateModel())
    try:
        await channel.open()
        channel.handle_event(announcement(snapshot(3)))
        forged = encode(moved(9, ROOM_B, controller="ctl-1", room=ROOM))
        channel.handle_event({"textroom": "message", "room": ROOM, "from": "l-evil", "text": forged})
        channel.handle_event({"textroom": "message", "room": ROOM, "from": "l-evil", "text": forged,
                              "whisper": True})
        channel.handle_event(whispered("l-evil", moved(9, ROOM_B, controller="l-evil", room=ROOM)))
        assert channel.model.state.moved is None and not channel.model.state.ended
        channel.handle_event(announcement(moved(4, ROOM_B, controller="ctl-1", room=ROOM)))  # the controller: taken
        assert channel.model.state.moved == format_link(ROOM_B)
        assert channel.model.state.source == StateSource.CONTROLLER
    finally:
        await channel.close()
