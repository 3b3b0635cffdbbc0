"""The room directory without Janus: only announcements count, bad ones are dropped, silent rooms time out."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.links import RoomLink, format_link, parse_link
from app.listener.directory import LobbyChannel, RoomDirectory
from app.room.lobby_protocol import MAX_LOBBY_ROOMS, RoomSummary
from tests.janus.hostile import JSON_VALUES, no_error_logs

S = "ws://lobby.invalid:8188/janus"
EDGE = "wss://edge.invalid:8989/janus"
ORIGIN = "wss://origin.invalid:8989/janus"


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def summary_text(room: int = 7, title: str = "Launch", listeners: int | None = 3, **more: Any) -> str:
    return json.dumps({"v": 1, "type": "lobby", "room": room, "title": title, "hosts": ["Ana"],
                       "listeners": listeners, "started": 1000.0, **more})


def test_announcements_count_participant_messages_never() -> None:
    clock = Clock()
    directory = RoomDirectory(clock=clock)
    channel = LobbyChannel(S, directory, clock=clock)
    changes: list[None] = []
    directory.changed.connect(lambda: changes.append(None))
    channel.handle_event({"textroom": "message", "room": 1, "from": "l-x", "text": summary_text(9, "Forged")})
    channel.handle_event({"textroom": "message", "whisper": True, "from": "l-x", "text": summary_text(9)})
    channel.handle_event({"textroom": "join", "username": "l-x"})
    assert len(directory) == 0 and channel.dropped == 2 and not changes
    channel.handle_event({"textroom": "announcement", "text": summary_text(servers=[EDGE, S])})
    [room] = directory.rooms()
    assert (room.summary.title, room.summary.hosts, room.summary.listeners) == ("Launch", ("Ana",), 3)
    assert room.link == RoomLink(7, (S, EDGE), "Launch")  # the lobby's server first: the browser reached it
    assert len(changes) == 1
    channel.handle_event({"textroom": "announcement", "text": summary_text(servers=[EDGE, S])})
    assert len(changes) == 1  # the same summary again: no change to show


def test_a_cascade_rooms_link_carries_its_stage() -> None:
    """Joined from the directory, a cascade room's link names its origin (`stage=`): speakers go there, while
    listeners rotate over the edges only. A stage that is the lobby's own server is the link's default."""
    directory = RoomDirectory(clock=Clock())
    channel = LobbyChannel(S, directory)
    channel.handle_event({"textroom": "announcement", "text": summary_text(servers=[EDGE], stage=ORIGIN)})
    channel.handle_event({"textroom": "announcement", "text": summary_text(8, servers=[EDGE], stage=S)})
    cascade, plain = sorted(directory.rooms(), key=lambda r: r.summary.room)
    assert cascade.link == RoomLink(7, (S, EDGE), "Launch", stage=ORIGIN)
    assert cascade.link.stage_server == ORIGIN and ORIGIN not in cascade.link.servers
    assert format_link(cascade.link) == ("plaza+ws://lobby.invalid:8188/7?server=wss://edge.invalid:8989/janus"
                                         "&stage=wss://origin.invalid:8989/janus&title=Launch")
    assert parse_link(format_link(cascade.link)) == cascade.link
    assert plain.link == RoomLink(8, (S, EDGE), "Launch") and plain.link.stage_server == S


def test_silent_rooms_drop_out_after_the_timeout_and_ended_ones_at_once() -> None:
    clock = Clock()
    directory = RoomDirectory(timeout=15.0, clock=clock)
    directory.apply(S, RoomSummary(1, "A", (), 5, 0.0))
    directory.apply(S, RoomSummary(2, "B", (), None, 0.0))
    directory.apply(S, RoomSummary(3, "C", (), 9, 0.0))
    assert [r.summary.title for r in directory.rooms()] == ["C", "A", "B"]  # busiest first, unknown count last
    clock.now += 10
    directory.apply(S, RoomSummary(1, "A", (), 6, 0.0))
    directory.apply(S, RoomSummary(3, "C", (), 9, 0.0, ended=True))
    assert [r.summary.room for r in directory.rooms()] == [1, 2]
    clock.now += 5
    directory.expire()
    assert [r.summary.room for r in directory.rooms()] == [1]


def test_the_directory_is_bounded_per_server() -> None:
    directory = RoomDirectory(clock=Clock())
    for i in range(MAX_LOBBY_ROOMS + 50):
        directory.apply(S, RoomSummary(i + 1, "x", (), 0, 0.0))
    directory.apply(EDGE, RoomSummary(1, "y", (), 0, 0.0))
    assert len(directory) == MAX_LOBBY_ROOMS + 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({"textroom": st.sampled_from(["announcement", "message", "join"]),
                                       "text": st.text(max_size=100) | JSON_VALUES.map(json.dumps) | JSON_VALUES}),
                max_size=8))
def test_hostile_lobby_input_never_breaks_the_directory(events: list[dict[str, Any]]) -> None:
    directory = RoomDirectory(clock=Clock())
    channel = LobbyChannel(S, directory)
    with no_error_logs():
        for event in events:
            channel.handle_event(event)
    assert all(isinstance(r.summary.title, str) for r in directory.rooms())
