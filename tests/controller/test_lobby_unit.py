"""The controller's lobby voice without Janus: what it announces (the summary) and when (period, news, joins)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from app.controller.controller import RoomController
from app.controller.link import ControllerSecrets
from app.controller.lobby import LobbyVoice, room_summary
from app.room.lobby_protocol import RoomSummary, parse_summary
from app.room.protocol import ListenerCount, Role, StageMember

SECRETS = ControllerSecrets(stage="s-stage-123", feed="s-feed-456", channel="s-channel-789")
A, B = "ws://a.invalid:8188/janus", "ws://b.invalid:8188/janus"


def member(i: int, name: str, role: Role) -> StageMember:
    return StageMember(str(i), name, role, muted=False, talking=False)


def test_the_summary_lists_hosts_in_stage_order_the_count_and_the_other_servers() -> None:
    members = [member(1, "Ana", Role.HOST), member(2, "Bo", Role.SPEAKER), member(3, "Cy", Role.CO_HOST)]
    summary = room_summary(7, "Launch", members, ListenerCount(25, 1.0), 1700.0, [A, B], A, False)
    assert summary == RoomSummary(7, "Launch", ("Ana", "Cy"), 25, 1700.0, (B,), False)
    assert room_summary(7, "Launch", [], None, 1700.0, [A], A, True).listeners is None


def test_the_summary_names_the_stage_when_it_is_elsewhere() -> None:
    """A cascade: the origin mixes, the edges announce; a multi-server room announced on its second server: the
    stage is the first. On the stage's own server the link's default says it (no `stage`)."""
    origin = "wss://origin.test:8989/janus"
    assert room_summary(7, "L", [], None, 1.0, [A, B], B, False, origin).stage == origin
    assert room_summary(7, "L", [], None, 1.0, [A, B], B, False, A).stage == A
    assert room_summary(7, "L", [], None, 1.0, [A, B], A, False, A).stage == ""
    assert room_summary(7, "L", [], None, 1.0, [A], A, False).stage == ""


async def test_a_controller_says_nothing_in_the_lobby_until_it_announces_its_room() -> None:
    controller = RoomController([A, B], 1234, SECRETS, "Room", username="ctl-test", wall_clock=lambda: 1700.0,
                                lobby_secrets={A: "lobby-secret"})
    assert [v.server for v in controller.lobby.voices] == [A]
    assert "lobby-secret" not in repr(controller.lobby.voices[0])
    assert controller.lobby_summary(A) is None  # listening first (one voice per room)
    controller.handover.announced = True
    controller.handover._started_at = -1e9
    controller.book.set_members([member(5, "Ana", Role.HOST)])
    summary = controller.lobby_summary(A)
    assert summary is not None
    assert (summary.room, summary.title, summary.hosts, summary.started, summary.servers) == \
        (1234, "Room", ("Ana",), 1700.0, (B,))
    controller.handover.other, controller.handover._heard_at = "ctl-aaa", controller.handover._clock()
    assert controller.lobby_summary(A) is None  # another controller announces and outranks us: stand by


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_announced_each_period_and_on_news_at_most_once_a_second() -> None:
    clock = Clock()
    voice = LobbyVoice(A, "x", lambda server: None, clock=clock, period=5.0, min_interval=1.0)
    summary = RoomSummary(1, "T", ("Ana",), 3, 0.0)
    assert voice.due(summary, clock.now)  # never announced
    assert not voice.due(None, clock.now)  # standing by
    voice._last, voice._sent_at = summary, clock.now
    changed: Any = dataclasses.replace(summary, listeners=4)
    assert not voice.due(changed, clock.now + 4.9)  # a count alone waits for the period
    assert voice.due(changed, clock.now + 5.0)
    retitled = dataclasses.replace(summary, title="New")
    assert not voice.due(retitled, clock.now + 0.5)  # news, but coalesced
    assert voice.due(retitled, clock.now + 1.0)
    voice.wake.set()  # a browser joined
    assert voice.due(summary, clock.now + 1.0) and not voice.due(summary, clock.now + 0.2)
    voice.wake.clear()
    ended = dataclasses.replace(summary, ended=True)
    assert voice.due(ended, clock.now + 1.0)
    voice._last = ended
    assert not voice.due(ended, clock.now + 60)  # told once: browsers dropped it


@pytest.mark.parametrize("event,wakes", [({"textroom": "join", "username": "l-1"}, True),
                                         ({"textroom": "message", "text": "{}"}, False),
                                         ({"textroom": "leave", "username": "l-1"}, False),
                                         # another room's controller joining the lobby is no browser
                                         ({"textroom": "join", "username": "lobby-0a1b2c3d4e"}, False)])
async def test_a_browser_joining_is_the_cue(event: dict[str, Any], wakes: bool) -> None:
    voice = LobbyVoice(A, "x", lambda server: None)
    voice._on_event(event)
    assert voice.wake.is_set() is wakes


def test_what_the_voice_would_send_parses() -> None:
    from app.room.lobby_protocol import encode_summary

    summary = room_summary(7, "Launch", [member(1, "Ana", Role.HOST)], ListenerCount(2, 1.0), 1700.0, [A], A, False)
    assert parse_summary(encode_summary(summary)) == summary
