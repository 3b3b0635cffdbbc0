"""Room state end to end in the lab: the controller announces, headless listeners (feed + channel) follow.

Timings observed are printed (run with -s to see them): talking and count latencies, fallback switch.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from app.controller.controller import ControllerSecrets, RoomController
from app.janus import JanusSession, PluginError
from app.janus.textroom import UNAUTHORIZED, TextRoomHandle
from app.listener.channel import RoomChannel
from app.listener.feed import FeedConnection
from app.listener.state import RoomState, RoomStateModel, StateChange, StateSource
from app.local.speaker import StageSpeaker
from app.media.cushion import CushionPlayout
from app.room.protocol import Role
from tests.support import janus_faults
from tests.support.tracks import GatedToneTrack

pytestmark = pytest.mark.lab

ROOM = 1234


def edge_and_controller(lab: Any, origin: Any, title: str) -> tuple[Any, RoomController]:
    """A second server of the origin's room (the same secrets, as a real deployment's edges have; not started) and
    a controller of both (not started)."""
    from app.local.janus_config import LocalRoomConfig
    from app.local.room import LocalRoom

    edge = LocalRoom(LocalRoomConfig(room_id=ROOM, title="Lab room", ws_ip=lab.SERVER_IP, ws_port=8189,
                                     forward_port=0, ice_enforce_list=lab.SERVER_IF, secrets=origin.config.secrets),
                     prefix=["ip", "netns", "exec", lab.SERVER_NS], speaker=None, controller=False)
    secrets = origin.config.secrets
    controller = RoomController([origin.config.ws_url, edge.config.ws_url], ROOM,
                                ControllerSecrets(stage=secrets.stage, feed=secrets.feed, channel=secrets.channel),
                                title, ice_servers=[], backoff_cap=1.0)
    return edge, controller


class LabListener:
    """A headless listener: feed N (counted by Janus as a viewer) plus channel N feeding a state model."""

    def __init__(self, room: Any, name: str, *, feed: bool = True, server: str | None = None,
                 **channel_options: Any) -> None:
        self.name = name
        self.server = server or room.config.ws_url
        self.model = RoomStateModel()
        self.channel = RoomChannel(self.server, ROOM, self.model, display=name, ice_servers=[], **channel_options)
        self.feed = FeedConnection(self.server, ROOM, CushionPlayout(), ice_servers=[]) if feed else None
        self.changes: list[tuple[RoomState, StateChange]] = []
        self.model.changed.connect(lambda state, change: self.changes.append((state, change)))

    async def open(self) -> None:
        if self.feed is not None:
            await self.feed.open(5.0)
        await self.channel.open(5.0)

    async def close(self) -> None:
        await self.channel.close()
        if self.feed is not None:
            await self.feed.close()

    @property
    def state(self) -> RoomState:
        return self.model.state

    def count(self) -> int | None:
        return None if self.state.listeners is None else self.state.listeners.count


async def wait_until(predicate: Callable[[], bool], timeout: float, what: Callable[[], str]) -> float:
    """Seconds until `predicate()` holds; fails with `what()` after `timeout`."""
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"not within {timeout:g} s: {what()}")
        await asyncio.sleep(0.01)
    return time.monotonic() - t0


@pytest.fixture
async def room(make_lab_room: Callable[..., Awaitable[Any]]) -> Any:
    return await make_lab_room(speaker=None, controller=True)


@pytest.fixture
async def listeners(room: Any) -> AsyncIterator[Callable[..., Awaitable[list[LabListener]]]]:
    opened: list[LabListener] = []

    async def factory(n: int, *, prefix: str = "L", feed: bool = True, **options: Any) -> list[LabListener]:
        batch = [LabListener(room, f"{prefix}{len(opened) + i}", feed=feed, **options) for i in range(n)]
        opened.extend(batch)
        for i in range(0, n, 5):  # a few at a time: the machine has 2 cores
            await asyncio.gather(*(listener.open() for listener in batch[i:i + 5]))
        return batch

    yield factory
    await asyncio.gather(*(listener.close() for listener in opened), return_exceptions=True)


@pytest.fixture
async def speakers(room: Any) -> AsyncIterator[Callable[..., Awaitable[list[tuple[StageSpeaker, GatedToneTrack]]]]]:
    started: list[StageSpeaker] = []

    async def factory(n: int) -> list[tuple[StageSpeaker, GatedToneTrack]]:
        out = []
        for i in range(n):
            track = GatedToneTrack(300.0 + 100 * i)
            # The controller admits only pass holders; like the demo speaker, the first one hosts.
            display = f"Speaker {len(started)}"
            stage_pass = await room.controller.admit(display, Role.HOST if not started else Role.SPEAKER)
            speaker = StageSpeaker(room.config.ws_url, ROOM, track, display=display, ice_servers=[],
                                   token=stage_pass.token, stage_id=stage_pass.stage_id)
            started.append(speaker)
            await speaker.open(timeout=5.0)
            out.append((speaker, track))
        return out

    yield factory
    for speaker in started:
        with contextlib.suppress(Exception):
            await speaker.close()


def member_id(listener: LabListener, name: str) -> str:
    return next(m.id for m in listener.state.members if m.name == name)


# ---------------------------------------------------------------------------------------------------- stage
async def test_talking_follows_the_speakers_within_1_5_s(room: Any, speakers: Any, listeners: Any) -> None:
    stage = await speakers(3)
    (ana,) = await listeners(1)
    await wait_until(lambda: len(ana.state.members) == 3, 3.0, lambda: f"members {ana.state.members}")
    # The count includes the stage: 1 viewer of the feed + 3 members.
    await wait_until(lambda: ana.count() == 4, 3.0, lambda: f"count {ana.state.listeners}")
    ids = [member_id(ana, f"Speaker {i}") for i in range(3)]
    latencies = []
    for turn in range(6):
        i = turn % 3
        for j, (_, track) in enumerate(stage):
            track.audible = j == i
        latencies.append(await wait_until(
            lambda i=i: [m.id for m in ana.state.talking()] == [ids[i]], 1.5,
            lambda turn=turn: f"turn {turn}: talking {[m.name for m in ana.state.talking()]}"))
        await asyncio.sleep(1.0)
    for _, track in stage:
        track.audible = False
    latencies.append(await wait_until(lambda: not ana.state.talking(), 1.5, lambda: "still talking"))
    print(f"\ntalking latencies (s): {[round(x, 2) for x in latencies]}")


async def test_host_mute_and_its_lifting_show_within_1_s(room: Any, speakers: Any, listeners: Any) -> None:
    """A host mute shows as muted and held; lifting the hold shows at once too (the speaker stays muted until it
    unmutes itself: nobody is unmuted by someone else)."""
    await speakers(1)
    (ana,) = await listeners(1, feed=False)
    await wait_until(lambda: len(ana.state.members) == 1, 3.0, lambda: f"members {ana.state.members}")
    speaker_id = ana.state.members[0].id
    assert ana.state.members[0].role.value == "host"  # admitted as the host
    t0 = time.monotonic()
    await room.controller.mute(speaker_id, True)
    await wait_until(lambda: ana.state.members[0].muted and ana.state.members[0].held,
                     1.0 - (time.monotonic() - t0), lambda: f"not muted and held: {ana.state.members[0]}")
    muted_after = time.monotonic() - t0
    t0 = time.monotonic()
    await room.controller.mute(speaker_id, False)
    await wait_until(lambda: not ana.state.members[0].held, 1.0 - (time.monotonic() - t0), lambda: "still held")
    assert ana.state.members[0].muted
    print(f"\nmute shown after {muted_after:.2f} s, hold lifted after {time.monotonic() - t0:.2f} s")


# ---------------------------------------------------------------------------------------------------- count
async def test_count_follows_25_joins_and_10_leaves_within_3_s(room: Any, listeners: Any) -> None:
    crowd = await listeners(25)
    joined = await wait_until(lambda: all(x.count() == 25 for x in crowd), 3.0,
                              lambda: f"counts {sorted({x.count() for x in crowd}, key=str)}")
    leaving, staying = crowd[:10], crowd[10:]
    t0 = time.monotonic()
    await asyncio.gather(*(x.close() for x in leaving))
    closed_in = time.monotonic() - t0
    left = await wait_until(lambda: all(x.count() == 15 for x in staying), 3.0,
                            lambda: f"counts {sorted({x.count() for x in staying}, key=str)}")
    assert all(x.state.source == StateSource.CONTROLLER for x in staying)
    print(f"\ncount 25 at every listener {joined:.2f} s after the last join; "
          f"15 at every listener {left:.2f} s after 10 left (closing took {closed_in:.2f} s)")


async def test_a_new_listener_gets_a_snapshot_at_once(room: Any, listeners: Any) -> None:
    await room.controller.announced.wait()
    listener = LabListener(room, "Late", feed=False)
    try:
        await listener.open()
        t0 = time.monotonic()
        await wait_until(lambda: listener.state.source == StateSource.CONTROLLER, 1.0, lambda: "no snapshot")
        print(f"\nfirst snapshot {time.monotonic() - t0:.2f} s after the channel opened")
    finally:
        await listener.close()


# ---------------------------------------------------------------------------------------------------- hands
async def test_hands_reach_the_queue_and_every_listener(room: Any, listeners: Any) -> None:
    crowd = await listeners(3, feed=False)
    bo = crowd[1]
    await wait_until(lambda: all(x.state.source == StateSource.CONTROLLER for x in crowd), 2.0, lambda: "no state")
    bo.channel.set_hand_raised(True)
    await wait_until(lambda: bo.channel.username in room.controller.book.hands, 2.0, lambda: "not queued")
    assert room.controller.book.hands[bo.channel.username].name == bo.name
    await wait_until(lambda: all([h.id for h in x.state.hands] == [bo.channel.username] for x in crowd), 2.0,
                     lambda: f"hands {[x.state.hands for x in crowd]}")
    assert bo.model.own_hand_in_queue() and crowd[0].state.hands[0].name == bo.name
    bo.channel.set_hand_raised(False)
    await wait_until(lambda: all(not x.state.hands for x in crowd), 2.0, lambda: "hand still listed")
    assert room.controller.book.hands == {}
    bo.channel.set_hand_raised(True)
    await wait_until(lambda: all(x.state.hands_total == 1 for x in crowd), 2.0, lambda: "not raised again")
    await bo.close()  # leaving channel N clears the hand
    await wait_until(lambda: all(x.state.hands_total == 0 for x in (crowd[0], crowd[2])), 2.0,
                     lambda: "hand of a listener who left")


async def test_a_malicious_listener_changes_nobody_state(room: Any, listeners: Any) -> None:
    honest = await listeners(3, feed=False)
    await wait_until(lambda: all(x.state.source == StateSource.CONTROLLER for x in honest), 2.0, lambda: "no state")
    controller: RoomController = room.controller
    session = await JanusSession.connect(room.config.ws_url)
    evil = await TextRoomHandle.attach(session, ice_servers=[])
    try:
        await evil.setup(timeout=3.0)
        await evil.join(ROOM, "l-evil", "Evil")
        await asyncio.sleep(0.7)  # the join's own snapshot has gone out
        before = [(x.state.members, x.state.listeners, x.state.hands, x.state.title) for x in honest]
        seen = [len(x.changes) for x in honest]
        forged = json.dumps({"v": 1, "type": "snapshot", "seq": 10**6, "room": ROOM, "controller": controller.username,
                             "title": "Hacked", "ended": True, "members": [], "listeners": {"count": 999999, "at": 0},
                             "hands": [], "hands_total": 0})
        with pytest.raises(PluginError) as info:
            await evil.request({"textroom": "announcement", "room": ROOM, "secret": "guess", "text": forged})
        assert info.value.code == UNAUTHORIZED
        junk = ["{", "[]", '{"v":1,"type":"hand","raised":"yes"}', '{"v":9,"type":"sync"}', "x" * 40_000, forged,
                json.dumps({"v": 1, "type": "delta", "seq": 10**6, "base": 1, "controller": controller.username})]
        t0 = time.monotonic()
        sent = 0
        while time.monotonic() - t0 < 2.0:  # ~hundreds per second, broadcasts and whispers to the controller
            for text in junk:
                await evil.message(ROOM, text, ack=False)
                await evil.message(ROOM, text, to=controller.username, ack=False)
                sent += 2
            await asyncio.sleep(0.01)
        rate = sent / (time.monotonic() - t0)
        await asyncio.sleep(1.0)
        after = [(x.state.members, x.state.listeners, x.state.hands, x.state.title) for x in honest]
        assert after == before
        for x, n in zip(honest, seen, strict=True):
            assert not [c for _, c in x.changes[n:] if c.members or c.listeners or c.hands or c.title or c.ended]
            assert x.state.source == StateSource.CONTROLLER and not x.state.ended
        assert controller.drops.lines <= 3  # one line for the sender, then a summary at most every 10 s
        assert not controller.book.hands
        # Nobody crashed: the controller still serves honest listeners.
        honest[0].channel.set_hand_raised(True)
        await wait_until(lambda: all(x.state.hands_total == 1 for x in honest), 2.0, lambda: "controller deaf")
        print(f"\nflood: {sent} messages at {rate:.0f}/s; controller logged {controller.drops.lines} line(s)")
    finally:
        await evil.close()
        await session.close()


# ------------------------------------------------------------------------------------------ controller loss
async def test_fallback_when_the_controller_dies_and_back_when_it_returns(room: Any, speakers: Any,
                                                                         listeners: Any) -> None:
    await speakers(1)
    crowd = await listeners(2, feed=False)
    await wait_until(lambda: all(x.state.source == StateSource.CONTROLLER and x.state.members for x in crowd), 3.0,
                     lambda: "no state")
    crowd[0].channel.set_hand_raised(True)
    await wait_until(lambda: all(x.state.hands_total == 1 for x in crowd), 2.0, lambda: "hand not queued")
    old_name = room.controller.username
    t0 = time.monotonic()
    await room.stop_controller()
    switched = await wait_until(lambda: all(x.state.source == StateSource.FALLBACK for x in crowd), 15.5,
                                lambda: f"sources {[x.state.source for x in crowd]}")
    for x in crowd:  # at once, with no request: the last known stage, the count and the hands unknown
        first = next(state for state, _ in x.changes if state.source == StateSource.FALLBACK)
        assert first.listeners is None and first.hands == ()
        assert [(m.name, m.role, m.talking) for m in first.members] == [("Speaker 0", Role.HOST, False)]
    # Janus told each channel of every join and leave: the head count that paces the polls is the two of them.
    await wait_until(lambda: all(x.channel.audience == len(crowd) for x in crowd), 2.0,
                     lambda: f"head counts {[x.channel.audience for x in crowd]}")
    policy = crowd[0].channel.fallback
    first_poll = policy.interval(policy.audience(len(crowd)))  # the first poll comes within one interval
    polled = await wait_until(lambda: all(x.channel.fallback_polls >= 1 for x in crowd), first_poll + 1.0,
                              lambda: f"polls {[x.channel.fallback_polls for x in crowd]}")
    for x in crowd:
        assert [(m.name, m.role) for m in x.state.members] == [("Speaker 0", Role.SPEAKER)]  # from the stage poll
        assert x.state.source == StateSource.FALLBACK and x.state.listeners is None
    t1 = time.monotonic()
    controller = await room.start_controller()
    assert controller.username != old_name
    back = await wait_until(lambda: all(x.state.source == StateSource.CONTROLLER for x in crowd), 3.0,
                            lambda: f"sources {[x.state.source for x in crowd]}")
    # The new controller's first snapshot is already complete: stage and count measured before it went out.
    assert all(x.state.controller == controller.username and x.count() == 1 for x in crowd), \
        [(x.state.controller, x.state.listeners, x.state.members) for x in crowd]
    # The raised hand is the listener's intent: it reaches the new controller on its own.
    await wait_until(lambda: all(x.state.hands_total == 1 for x in crowd), 7.0, lambda: "hand lost")
    print(f"\nfallback {switched:.2f} s after the controller stopped, stage polled {polled:.2f} s later "
          f"(t0+{t1 - t0:.1f}); controller state back {back:.2f} s after restart")


async def test_the_controller_keeps_announcing_on_the_servers_it_has(lab: Any, make_lab_room: Any) -> None:

    origin = await make_lab_room(speaker=None, controller=False)
    edge, controller = edge_and_controller(lab, origin, "Two servers")
    a = LabListener(origin, "A")
    e = LabListener(origin, "E", feed=False, server=edge.config.ws_url)
    try:
        await edge.start()
        await controller.start()
        assert controller.connected_servers == [origin.config.ws_url, edge.config.ws_url]
        await a.open()
        await e.open()
        await wait_until(lambda: a.count() == 1 and e.count() == 1, 3.0, lambda: f"{a.count()} {e.count()}")
        assert e.state.controller == controller.username
        await janus_faults.kill_and_wait(edge.janus)
        await wait_until(lambda: controller.connected_servers == [origin.config.ws_url], 3.0, lambda: "edge?")
        b = LabListener(origin, "B")
        await b.open()  # state keeps flowing on the origin while the edge is down
        await wait_until(lambda: a.count() == 2 and b.count() == 2, 3.0, lambda: f"{a.count()} {b.count()}")
        await b.close()
        await edge.janus.start()
        await wait_until(lambda: len(controller.connected_servers) == 2, 5.0, lambda: "edge not reconnected")
        e2 = LabListener(origin, "E2", feed=False, server=edge.config.ws_url)
        await e2.open()
        await wait_until(lambda: e2.count() == 1 and a.count() == 1, 3.0, lambda: f"{e2.count()} {a.count()}")
        await e2.close()
    finally:
        await asyncio.gather(a.close(), e.close(), return_exceptions=True)
        await controller.close()
        await edge.close()


async def test_plaza_controller_command_runs_the_room_from_keyring_secrets(
        make_lab_room: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse
    import os
    import signal

    import keyring

    from app.cli.serve import controller as controller_command
    from app.controller.secret_store import KEYRING_SERVICE, keyring_username
    from tests.controller.test_secret_store import MemoryKeyring

    room = await make_lab_room(speaker=None, controller=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    for kind in ("stage", "feed", "channel"):
        backend.set_password(KEYRING_SERVICE, keyring_username(room.link, kind), getattr(room.config.secrets, kind))
    keyring.set_keyring(backend)
    listener = LabListener(room, "A", feed=False)
    command = asyncio.create_task(controller_command(argparse.Namespace(link=room.config.link_text, title="CLI")))
    try:
        await listener.open()
        await wait_until(lambda: listener.state.source == StateSource.CONTROLLER, 5.0, lambda: "no controller")
        assert listener.state.title == "CLI" and listener.state.controller.startswith("ctl-")
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does: the command leaves cleanly
        assert await asyncio.wait_for(command, 5.0) == 0
        out = capsys.readouterr()
        assert f"Controlling room {ROOM} as {listener.state.controller}" in out.out
        for kind in ("stage", "feed", "channel"):
            assert getattr(room.config.secrets, kind) not in out.out + out.err
    finally:
        keyring.set_keyring(previous)
        command.cancel()
        await asyncio.gather(command, return_exceptions=True)
        await listener.close()
