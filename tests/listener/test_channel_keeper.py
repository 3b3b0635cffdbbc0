"""ChannelKeeper: the room channel follows the feed's server, retries on its own, and keeps one username."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any, ClassVar

from app.events import Event
from app.listener.channel_keeper import ChannelKeeper
from app.listener.state import RoomStateModel
from app.room.errors import NameTaken


class FakeChannel:
    made: ClassVar[list[FakeChannel]] = []
    fail_next = 0
    taken: ClassVar[set[str]] = set()  # usernames someone else holds in the channel

    def __init__(self, server: str, room_id: int, model: RoomStateModel, *, username: str | None, display: str,
                 ice_servers: Any) -> None:
        self.server, self.model = server, model
        self.username = username or f"l-{len(FakeChannel.made)}"
        model.own_id = self.username
        self.lost: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.hands: list[bool] = []
        self.closed = False
        self.stage_whispers: Event[[Any]] = Event("stage whispers")
        FakeChannel.made.append(self)

    async def open(self, timeout: float) -> None:
        if FakeChannel.fail_next:
            FakeChannel.fail_next -= 1
            raise OSError("refused")
        if self.username in FakeChannel.taken:
            raise NameTaken(self.server)

    def set_hand_raised(self, raised: bool) -> None:
        self.model.set_hand_raised(raised)
        self.hands.append(raised)

    async def close(self) -> None:
        self.closed = True


async def until(predicate: Any) -> None:
    async with asyncio.timeout(2.0):
        while not predicate():  # noqa: ASYNC110 - fakes have no event to wait on
            await asyncio.sleep(0.005)


async def test_follows_the_feed_reopens_after_loss_and_keeps_its_username() -> None:
    FakeChannel.made, FakeChannel.fail_next = [], 1
    model = RoomStateModel()
    keeper = ChannelKeeper(7, model, rand=lambda: 0.0, channel_factory=FakeChannel)  # type: ignore[arg-type]
    me = model.own_id
    assert me is not None and me.startswith("l-")  # known before any channel opens
    keeper.follow("ws://a/janus")
    await until(lambda: keeper.channel is not None)  # after one refused open
    first = keeper.channel
    assert len(FakeChannel.made) == 2 and first is FakeChannel.made[1]
    keeper.set_hand_raised(True)
    assert first.hands == [True] and model.hand_raised  # type: ignore[union-attr]
    first.lost.set_result("socket closed")  # type: ignore[union-attr]
    await until(lambda: keeper.channel is not None and keeper.channel is not first)
    assert first.closed  # type: ignore[union-attr]
    keeper.follow("ws://b/janus")  # the feed moved
    await until(lambda: keeper.channel is not None and keeper.channel.server == "ws://b/janus")
    assert {c.username for c in FakeChannel.made} == {me}
    assert model.hand_raised  # the intent survived; the new channel re-sends it once it knows the controller
    await keeper.close()
    await keeper.close()
    assert all(c.closed for c in FakeChannel.made[1:])


async def test_hand_intent_without_a_channel_goes_to_the_model() -> None:
    model = RoomStateModel()
    keeper = ChannelKeeper(7, model, channel_factory=FakeChannel)  # type: ignore[arg-type]
    keeper.set_hand_raised(True)
    assert model.hand_raised
    await keeper.close()


class SlowChannel(FakeChannel):
    """Opens and closes over a few loop turns, as a real channel does."""

    async def open(self, timeout: float) -> None:
        await asyncio.sleep(0.02)

    async def close(self) -> None:
        await asyncio.sleep(0.01)
        self.closed = True


async def test_close_while_following_quickly_closes_every_channel_and_leaves_no_task() -> None:
    FakeChannel.made, FakeChannel.fail_next = [], 0
    keeper = ChannelKeeper(7, RoomStateModel(), rand=lambda: 0.0, channel_factory=SlowChannel)  # type: ignore[arg-type]
    keeper.follow("ws://a/janus")
    await until(lambda: keeper.channel is not None)
    keeper.follow("ws://b/janus")  # the feed moved twice in a row; the first keeper is still closing its channel
    keeper.follow("ws://c/janus")
    await asyncio.sleep(0.005)
    closing = asyncio.create_task(keeper.close())
    await asyncio.sleep(0)
    closing.cancel()  # a cancelled close does not cut the teardown short: the next close waits for it
    await asyncio.gather(closing, return_exceptions=True)
    await keeper.close()
    assert FakeChannel.made and all(c.closed for c in FakeChannel.made)
    assert {t for t in asyncio.all_tasks() if not t.done()} == {asyncio.current_task()}
    keeper.follow("ws://d/janus")  # after close: ignored
    assert keeper.channel is None and len(FakeChannel.made) == len({c.server for c in FakeChannel.made})


async def test_after_a_move_only_the_new_rooms_servers_get_a_channel() -> None:
    """While a move waits its jitter, the old room's feed may reconnect: its server must not get the new room's
    channel (the new room is on other servers)."""
    FakeChannel.made, FakeChannel.fail_next = [], 0
    keeper = ChannelKeeper(7, RoomStateModel(), rand=lambda: 0.0, channel_factory=FakeChannel)  # type: ignore[arg-type]
    keeper.follow("ws://old/janus")
    await until(lambda: keeper.channel is not None)
    keeper.move_to(8, ["ws://new/janus"])
    await until(lambda: keeper.channel is None)
    keeper.follow("ws://old/janus")  # the old room's feed came back before the move went through
    await asyncio.sleep(0.05)
    assert keeper.channel is None and len(FakeChannel.made) == 1
    keeper.follow("ws://new/janus")
    await until(lambda: keeper.channel is not None and keeper.channel.server == "ws://new/janus")
    assert keeper.room_id == 8
    await keeper.close()


async def test_a_listener_that_changes_server_again_and_again_keeps_only_its_current_channel() -> None:
    """Each follow() replaces the keeper task; the new one waited for the old one and must let it go: a cancelled
    task keeps its CancelledError, whose traceback keeps the task's frame, with its channel and the task before it.
    Kept, every channel a listener ever had stayed in memory (the chaos soak's swarm grew 45 % in 30 minutes)."""
    FakeChannel.made, FakeChannel.fail_next = [], 0
    keeper = ChannelKeeper(7, RoomStateModel(), rand=lambda: 0.0, channel_factory=FakeChannel)  # type: ignore[arg-type]
    try:
        refs = []
        for i in range(20):
            server = f"ws://edge-{i % 2}/janus"
            keeper.follow(server)
            await until(lambda s=server: keeper.channel is not None and keeper.channel.server == s)  # type: ignore[misc]
            refs.append(weakref.ref(keeper.channel))
        FakeChannel.made = []
        await asyncio.sleep(0)
        gc.collect()
        alive = [r() for r in refs[:-1] if r() is not None]
        assert alive == [], f"{len(alive)} of 19 old channels still referenced"
    finally:
        await keeper.close()


async def test_a_name_taken_in_a_moved_rooms_channel_before_we_got_there_is_left_for_a_fresh_one() -> None:
    FakeChannel.made, FakeChannel.fail_next = [], 0
    model = RoomStateModel()
    keeper = ChannelKeeper(7, model, rand=lambda: 0.0, channel_factory=FakeChannel)  # type: ignore[arg-type]
    me = model.own_id
    assert me is not None
    keeper.follow("ws://a/janus")
    await until(lambda: keeper.channel is not None)
    FakeChannel.taken = {me}  # a squatter took our name in the new room's channel (it was public in the old one)
    try:
        keeper.move_to(8, ["ws://b/janus"])
        keeper.follow("ws://b/janus")
        await until(lambda: keeper.channel is not None and keeper.channel.server == "ws://b/janus")
        assert model.own_id != me and keeper.channel.username == model.own_id  # type: ignore[union-attr]
        assert len(FakeChannel.made) == 3  # one refused join, then at once under a fresh name
        # Once in, a name taken on a later re-join is our own last session lingering: kept, retried later.
        ours = model.own_id
        FakeChannel.taken = {ours}
        keeper.channel.lost.set_result("socket closed")  # type: ignore[union-attr]
        await asyncio.sleep(0.3)
        assert model.own_id == ours and keeper.channel is None
    finally:
        FakeChannel.taken = set()
        await keeper.close()


async def test_a_capability_goes_only_through_its_rooms_channel_to_a_confirmed_controller() -> None:
    FakeChannel.made, FakeChannel.fail_next = [], 0
    model = RoomStateModel()
    keeper = ChannelKeeper(7, model, rand=lambda: 0.0, channel_factory=FakeChannel)  # type: ignore[arg-type]
    keeper.follow("ws://a/janus")
    await until(lambda: keeper.channel is not None)
    sent: list[tuple[str, bool]] = []
    keeper.channel.room_id = 7  # type: ignore[union-attr]
    keeper.channel.whisper = lambda text, confirmed=False: sent.append((text, confirmed))  # type: ignore
    assert keeper.whisper_confirmed("claim", 8) is None and sent == []  # room 7's channel: not for room 8
    keeper.whisper_confirmed("claim", 7)
    assert sent == [("claim", True)]
    keeper._servers = {"ws://b/janus"}  # a move that kept the room's number, onto other servers
    assert keeper.whisper_confirmed("claim", 7) is None and len(sent) == 1  # not through the room being left
    await keeper.close()
