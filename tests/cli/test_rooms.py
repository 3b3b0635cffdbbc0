"""`plaza rooms` without a server: addresses, the table, exit codes for bad usage and unreachable lobbies."""

from __future__ import annotations

import json

import pytest

from app.cli import EXIT_JOIN_FAILED, EXIT_USAGE, build_parser, main
from app.cli.rooms import duration_text, room_json, table
from app.links import LinkError, server_url
from app.listener.directory import ListedRoom
from app.room.lobby_protocol import RoomSummary


def test_server_addresses() -> None:
    assert server_url("ws://10.0.0.2:8188/janus") == "ws://10.0.0.2:8188/janus"
    assert server_url("plaza://rooms.example.org") == "wss://rooms.example.org:8989/janus"
    assert server_url("plaza+ws://127.0.0.1:8188/") == "ws://127.0.0.1:8188/janus"
    for bad in ("rooms.example.org", "http://x/janus", "wss://u:p@x/janus", "wss://x/janus?secret=1",
                "ws://h:8188/foo", "ws://h:8188/janus/x"):  # a lobby's server becomes a link's first: /janus
        with pytest.raises(LinkError):
            server_url(bad)
    assert server_url("wss://host/janus/") == "wss://host/janus"
    assert server_url("ws://h:8188") == server_url("ws://h:8188/") == "ws://h:8188/janus"


def test_durations() -> None:
    assert [duration_text(s) for s in (5, 125, 3600 + 300, 2 * 86400 + 4 * 3600)] == ["5s", "2m", "1h05m", "2d04h"]


def test_the_table_and_json() -> None:
    room = ListedRoom("ws://10.0.0.2:8188/janus", RoomSummary(4321, "Launch night", ("Ana", "Bo"), None, 1000.0), 0.0)
    text = table([room], 1000.0 + 754)
    header, row = text.splitlines()
    assert header.split() == ["TITLE", "HOSTS", "LISTENERS", "LIVE", "FOR", "LINK"]
    assert "Launch night" in row and "Ana, Bo" in row and " - " in row and "12m" in row
    assert row.endswith("plaza+ws://10.0.0.2:8188/4321?title=Launch%20night")
    as_json = room_json(room, 1010.0)
    assert json.loads(json.dumps(as_json))["live_for"] == 10.0 and as_json["listeners"] is None


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rooms", "rooms.example.org"]) == EXIT_USAGE
    assert "bad server address" in capsys.readouterr().err
    assert main(["rooms", "ws://127.0.0.1:9/janus", "--wait", "0"]) == EXIT_USAGE
    with pytest.raises(SystemExit):
        build_parser().parse_args(["rooms"])  # a server is required


def test_no_lobby_reachable_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rooms", "ws://127.0.0.1:9/janus", "--wait", "5"]) == EXIT_JOIN_FAILED
    assert "cannot read the lobby" in capsys.readouterr().err
