"""The controller's audience log on a virtual clock: joins, leaves and reconnects across servers, buckets rolling
over, bounded memory; and the controller's channel events and counts feeding it."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from app.controller.audience_log import (
    BUCKET_SECONDS,
    MAX_BUCKETS,
    RECONNECT_WINDOW,
    AudienceLog,
    encode_audience,
    json_point,
)
from app.controller.controller import RoomController
from app.room.host_protocol import HostVerb, encode_host_action, sign
from app.room.protocol import MAX_MESSAGE_BYTES, ProtocolViolation, Role
from app.room.stage_protocol import MAX_AUDIENCE_POINTS, AudienceReport, encode_stage, parse_to_listener
from tests.controller.test_controller_unit import SECRETS, join, link_of, whisper
from tests.room.test_audience_protocol import report

T0 = 1_763_721_000.0  # a bucket boundary


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def log(clock: Clock) -> AudienceLog:
    return AudienceLog(clock)


def rows(log: AudienceLog) -> list[tuple[float, int | None, int, int, int]]:
    return [(p.at - T0, p.listeners, p.joins, p.leaves, p.reconnects) for p in log.points()]


def totals(log: AudienceLog) -> tuple[int, int, int]:
    points = log.points()
    return sum(p.joins for p in points), sum(p.leaves for p in points), sum(p.reconnects for p in points)


def test_joins_leaves_and_counts_land_in_their_buckets(log: AudienceLog, clock: Clock) -> None:
    log.listeners(10)
    log.joined("l-a")
    clock.now += 3
    log.joined("l-b")
    clock.now += 9  # the second bucket
    log.left("l-a")
    log.listeners(11)
    clock.now += 25  # two buckets later, nothing happened in between
    assert rows(log) == [(0, 10, 2, 0, 0), (10, 11, 0, 1, 0), (20, 11, 0, 0, 0), (30, 11, 0, 0, 0)]
    log.listeners(None)  # unknown from now on
    assert rows(log)[-1] == (30, None, 0, 0, 0)


def test_a_rejoin_within_the_window_is_a_reconnect_not_a_leave_and_a_join(log: AudienceLog, clock: Clock) -> None:
    for name in ("l-a", "l-b", "l-c"):
        log.joined(name)
    clock.now += 5
    log.left("l-a")  # bucket 0
    log.left("l-b")
    clock.now += 20  # bucket 2, 20 s after the leave
    log.joined("l-a")  # back: a reconnect; the leave in bucket 0 is taken back
    clock.now += RECONNECT_WINDOW  # l-b's window is over: it left
    log.joined("l-b")  # a new join, its leave stands
    assert rows(log)[0] == (0, None, 3, 1, 0)
    assert rows(log)[2] == (20, None, 0, 0, 1)
    assert rows(log)[-1][2:] == (1, 0, 0)
    assert totals(log) == (4, 1, 1)


def test_failing_over_to_another_server_before_the_old_one_notices_is_one_reconnect(log: AudienceLog,
                                                                                    clock: Clock) -> None:
    log.joined("l-a")  # on server A
    clock.now += 12
    log.joined("l-a")  # on server B: A still holds a ghost session (its leave comes when Janus times it out)
    clock.now += 60
    log.left("l-a")  # A's late leave: l-a is still on B, nobody left
    assert totals(log) == (1, 0, 1)
    log.left("l-a")  # now it really leaves
    log.left("l-a")  # a repeated or unknown leave counts for nothing
    log.left("l-never-joined")
    assert totals(log) == (1, 1, 1)


def test_a_lost_server_its_listeners_failing_over_and_the_controller_reconnecting(log: AudienceLog,
                                                                                  clock: Clock) -> None:
    """The launch night: a server melts with its listeners on it; they come back on the other server (a wave of
    reconnects, not a mass leave); later the controller gets the melted server back, and who is there was never
    gone. A controller that merely lost its own link to a server finds everyone still there: nothing happened."""
    log.found([f"a-{i}" for i in range(100)])  # on server A when the controller joined: present, not joins
    log.found([f"b-{i}" for i in range(50)])  # on server B
    assert totals(log) == (0, 0, 0)
    clock.now += 30
    log.lost([f"a-{i}" for i in range(100)])  # server A died: for now, 100 leaves
    assert totals(log) == (0, 100, 0)
    clock.now += 4
    for i in range(90):  # 90 fail over to B within the window
        log.joined(f"a-{i}")
    clock.now += RECONNECT_WINDOW
    for i in range(90, 100):  # 10 come back too late: they left, and joined again
        log.joined(f"a-{i}")
    assert totals(log) == (10, 10, 90)
    clock.now += 60
    log.lost([f"b-{i}" for i in range(50)])  # the controller's own link to B drops...
    clock.now += 5
    log.found([f"b-{i}" for i in range(50)])  # ...and B lists them all again: no leave, no reconnect
    assert totals(log) == (10, 10, 90)


def test_buckets_roll_over_and_memory_stays_bounded(log: AudienceLog, clock: Clock) -> None:
    for step in range(MAX_BUCKETS + 200):
        log.listeners(step)
        log.joined(f"l-{step}")
        log.left(f"l-{step}")
        clock.now += BUCKET_SECONDS
    points = log.points()
    assert len(points) == MAX_BUCKETS  # two hours, the oldest dropped
    assert points[-1].at - points[0].at == (MAX_BUCKETS - 1) * BUCKET_SECONDS
    assert [p.listeners for p in points[-2:]] == [MAX_BUCKETS + 199, MAX_BUCKETS + 199]  # carried into "now"
    assert log.present == {}
    assert len(log._left) <= RECONNECT_WINDOW / BUCKET_SECONDS + 1  # only leaves that may still be reconnects
    clock.now += 10 * 24 * 3600  # ten days of nothing: no ten days of buckets
    log.joined("l-late")
    assert len(log.points()) == 1 and log.points()[0].joins == 1 and log._left == {}


def test_a_flood_of_leaves_keeps_only_the_last_window(log: AudienceLog, clock: Clock) -> None:
    for i in range(50_000):
        log.joined(f"l-{i}")
    for i in range(50_000):  # 50,000 leaves over 100 s
        clock.now = T0 + i / 500
        log.left(f"l-{i}")
    assert len(log._left) <= 500 * RECONNECT_WINDOW + 1
    assert totals(log) == (50_000, 50_000, 0)


def test_a_clock_step_back_counts_in_the_newest_bucket(log: AudienceLog, clock: Clock) -> None:
    clock.now += 25
    log.joined("l-a")
    clock.now -= 20
    log.joined("l-b")
    assert rows(log)[-1] == (20, None, 2, 0, 0)


def test_the_newest_points_that_fit_are_sent_and_total_says_how_many_were_kept() -> None:
    full = report(MAX_AUDIENCE_POINTS, big=True)  # two hours of a launch night: ~36 bytes a point
    with pytest.raises(ProtocolViolation, match="bytes"):
        encode_stage(full)
    text = encode_audience(full)
    assert len(text.encode()) <= MAX_MESSAGE_BYTES
    parsed = parse_to_listener(text)
    assert isinstance(parsed, AudienceReport) and parsed.total == MAX_AUDIENCE_POINTS
    n = len(parsed.points)
    assert 300 < n < MAX_AUDIENCE_POINTS and parsed.points == full.points[-n:]
    # one more point would not have fitted
    assert len(text.encode()) + len(json_point(full.points[-n - 1]).encode()) + 1 > MAX_MESSAGE_BYTES
    small = report(MAX_AUDIENCE_POINTS)  # a lab-sized room: all two hours fit
    assert parse_to_listener(encode_audience(small)) == small


# ------------------------------------------------------------------------------------------ the controller
@pytest.fixture
async def controller(clock: Clock) -> RoomController:
    return RoomController(["ws://a.invalid:8188/janus", "ws://b.invalid:8188/janus"], 1234, SECRETS, "Room",
                          username="ctl-test", clock=clock, wall_clock=clock)


def leave(username: str) -> dict[str, object]:
    return {"textroom": "leave", "room": 1234, "username": username}


async def test_the_controllers_channel_events_and_count_feed_the_log(controller: RoomController,
                                                                     clock: Clock) -> None:
    a, b = link_of(controller, 0), link_of(controller, 1)
    a.viewers, a.viewers_at = 3, T0
    controller._update_count()
    controller._on_channel_event(a, join("l-ana", "Ana"))
    controller._on_channel_event(a, join("l-bo", "Bo"))
    controller._on_channel_event(a, join("ctl-test", "Room controller"))  # its own echo
    clock.now += 11
    controller._on_channel_event(a, leave("l-ana"))
    controller._on_channel_event(a, leave("l-nobody"))
    clock.now += 2
    controller._on_channel_event(b, join("l-ana", "Ana"))  # failed over to B
    controller._on_channel_event(a, {"textroom": "kicked", "room": 1234, "username": "l-bo"})
    b.connected = False
    controller._on_channel_event(b, join("l-cy", "Cy"))  # while B connects: the join reply will list it
    points = controller.audience.points()
    assert [(p.listeners, p.joins, p.leaves, p.reconnects) for p in points] == [(3, 2, 0, 0), (3, 0, 1, 1)]


async def test_a_host_gets_the_audience_whispered_back_and_a_speaker_does_not(
        controller: RoomController, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    link = link_of(controller, 1)
    sent: list[tuple[str, str]] = []

    async def whisper_to(username: str, text: str) -> bool:
        sent.append((username, text))
        return True

    link.whisper = whisper_to  # type: ignore[method-assign]
    controller._on_channel_event(link, join("l-host", "Hana"))
    controller._on_channel_event(link, join("l-spk", "Bo"))
    host = controller.passes.issue("l-host", "Hana", Role.HOST, 60)[0]
    speaker = controller.passes.issue("l-spk", "Bo", Role.SPEAKER, 60)[0]
    caplog.set_level(logging.WARNING, logger="app.controller.host_actions")
    controller._on_channel_event(link, whisper("l-spk", encode_host_action(sign(speaker.stage_pass, 1,
                                                                                HostVerb.AUDIENCE))))
    controller._on_channel_event(link, whisper("l-host", encode_host_action(sign(host.stage_pass, 1,
                                                                               HostVerb.AUDIENCE))))
    for _ in range(5):
        await asyncio.sleep(0)
    assert [username for username, _ in sent] == ["l-host"]
    report = parse_to_listener(sent[0][1])
    assert isinstance(report, AudienceReport) and report.room == 1234 and report.bucket == BUCKET_SECONDS
    assert report.total == len(report.points) == 1 and report.points[0].joins == 2
    assert "not a host" in caplog.text and json.loads(sent[0][1])["type"] == "audience"
