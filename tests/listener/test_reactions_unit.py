"""Reactions on the listener's side without Janus: only the controller's announcements count, they do not touch
the state's sequence, and sending is rate-limited before anything leaves."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from app.listener.channel_keeper import ChannelKeeper
from app.listener.state import RoomStateModel
from app.room.protocol import Delta
from app.room.protocol_encoding import encode
from app.room.reactions_protocol import SEND_BURST, ReactionCounts, encode_reactions
from tests.listener.test_channel_unit import ROOM, FakeChannel, announcement, settle, snapshot


def reactions(controller: str = "ctl-1", **counts: int) -> str:
    return encode_reactions(ReactionCounts(controller, tuple(counts.items())))


@pytest.fixture
async def channel() -> Any:
    ch = FakeChannel(RoomStateModel())
    seen: list[ReactionCounts] = []
    ch.model.reactions.connect(seen.append)
    ch.seen = seen  # type: ignore[attr-defined]
    yield ch
    await ch.close()


async def test_reactions_count_only_from_the_controllers_announcement(channel: Any) -> None:
    await channel.open()
    channel.handle_event(announcement(reactions(clap=3)))  # before any state: whose room is this?
    assert channel.seen == []
    channel.handle_event(announcement(snapshot(3)))
    forged = reactions(clap=999)
    channel.handle_event({"textroom": "message", "room": ROOM, "from": "l-evil", "text": forged})  # a broadcast
    channel.handle_event({"textroom": "message", "room": ROOM, "from": "l-evil", "text": forged, "whisper": True})
    channel.handle_event({"textroom": "message", "room": ROOM, "from": "ctl-1", "text": forged, "whisper": True})
    channel.handle_event(announcement(reactions("ctl-2", heart=5)))  # another controller (standing by, or stale)
    channel.handle_event(announcement('{"v":1,"type":"reactions","controller":"ctl-1","counts":{"clap":-1}}'))
    assert channel.seen == []
    channel.handle_event(announcement(reactions(clap=3, heart=1)))
    assert channel.seen == [ReactionCounts("ctl-1", (("clap", 3), ("heart", 1)))]


async def test_reactions_leave_the_sequence_alone(channel: Any) -> None:
    await channel.open()
    channel.handle_event(announcement(snapshot(3)))
    channel.handle_event(announcement(reactions(laugh=2)))
    channel.handle_event(announcement(encode(Delta(seq=4, base=3, controller="ctl-1", title="New"))))
    await settle()
    assert channel.model.state.seq == 4 and channel.model.state.title == "New"
    assert channel.fake.whispers == []  # no sync: nothing was missed


class TextRoom:
    is_open = True

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def message(self, room: int, text: str, *, to: str | None = None, ack: bool = True,
                      timeout: float = 5.0) -> dict[str, bool]:
        self.sent.append((to or "", text))
        return {to or "": True}

    async def close(self) -> None:
        pass


class SendingChannel(FakeChannel):
    def __init__(self, server: str, room_id: int, model: RoomStateModel, **kwargs: Any) -> None:
        super().__init__(model)

    async def _connect(self, timeout: float) -> None:
        self.textroom = self.sender = TextRoom()  # type: ignore[assignment]
        self.audience = 1


async def test_the_keeper_sends_within_its_own_limit() -> None:
    model = RoomStateModel()
    keeper = ChannelKeeper(ROOM, model, rand=lambda: 0.0, channel_factory=SendingChannel)  # type: ignore[arg-type]
    try:
        assert not keeper.react("clap")  # no channel yet: nothing queued
        assert not keeper.can_react  # (so the window shows no "slow down" for it)
        keeper.follow("ws://fake/janus")
        for _ in range(100):
            if keeper.channel is not None:
                break
            await asyncio.sleep(0.01)
        channel = keeper.channel
        assert channel is not None
        assert not keeper.react("clap")  # no controller known yet
        assert not keeper.can_react
        channel.handle_event(announcement(snapshot(3)))
        assert keeper.can_react
        sent = [keeper.react("heart") for _ in range(50)]
        await settle()
        assert sum(sent) == SEND_BURST  # the burst, then refused until tokens come back
        texts = channel.sender.sent  # type: ignore[attr-defined]
        assert len(texts) == SEND_BURST
        assert all(to == "ctl-1" and json.loads(t) == {"v": 1, "type": "react", "code": "heart"} for to, t in texts)
        with pytest.raises(ValueError):
            keeper.react("boo")
    finally:
        await keeper.close()
