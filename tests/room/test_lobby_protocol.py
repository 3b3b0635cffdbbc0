"""Lobby summaries from anyone: parsing is strict, total and bounded; encoding round-trips and stays small."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.links import RoomLink, check_server_url, format_link, parse_link
from app.room.lobby_protocol import (
    LOBBY_MAX_BYTES,
    LOBBY_ROOM_ID,
    MAX_HOST_CHARS,
    MAX_HOSTS,
    MAX_SERVER_CHARS,
    MAX_SERVERS,
    MAX_TITLE_CHARS,
    ProtocolViolation,
    RoomSummary,
    encode_summary,
    parse_summary,
)
from tests.janus.hostile import JSON_VALUES

VALID: dict[str, Any] = {"v": 1, "type": "lobby", "room": 4321, "title": "Launch night", "hosts": ["Ana", "Bo"],
                         "listeners": 25, "started": 1763720000.5, "servers": ["wss://edge.example.org:8989/janus"]}


def text(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def test_a_valid_summary_parses_and_round_trips() -> None:
    summary = parse_summary(text(VALID))
    assert summary == RoomSummary(4321, "Launch night", ("Ana", "Bo"), 25, 1763720000.5,
                                  ("wss://edge.example.org:8989/janus",))
    assert parse_summary(encode_summary(summary)) == summary
    assert parse_summary(text({**VALID, "listeners": None})).listeners is None
    assert parse_summary(text({**VALID, "ended": True})).ended is True
    assert parse_summary(text({k: v for k, v in VALID.items() if k != "servers"})).servers == ()
    assert summary.stage == ""  # absent: the stage is the lobby's own server
    origin = "wss://origin.example.org:8989/janus"
    cascade = parse_summary(text({**VALID, "stage": origin}))
    assert cascade.stage == origin and parse_summary(encode_summary(cascade)) == cascade


@pytest.mark.parametrize("change", [
    {"type": "snapshot"}, {"v": 2}, {"room": 0}, {"room": LOBBY_ROOM_ID}, {"room": 2**53}, {"room": True},
    {"room": "4321"}, {"title": 5}, {"hosts": "Ana"}, {"hosts": ["Ana"] * (MAX_HOSTS + 1)}, {"hosts": [1]},
    {"listeners": -1}, {"listeners": 1.5}, {"listeners": True}, {"started": "now"}, {"started": -1},
    {"started": True}, {"servers": ["http://x.example/janus"]}, {"servers": ["wss://u:p@x.example/janus"]},
    {"servers": ["wss://x.example/janus?secret=1"]}, {"servers": ["wss://x.example/janus"] * (MAX_SERVERS + 1)},
    {"servers": [7]}, {"ended": "yes"},
    {"stage": ""}, {"stage": None}, {"stage": 7}, {"stage": ["wss://x.example/janus"]},
    {"stage": "http://x.example/janus"}, {"stage": "wss://u:p@x.example/janus"},
    {"stage": "wss://x.example/janus?secret=1"}, {"stage": "wss://x.example/janus#pin"},
    {"stage": "wss://x.example/janus\n"}, {"stage": "wss://é.example/janus"}, {"stage": "wss://x:99999/janus"},
    {"stage": "wss://x.example/" + "j" * 300},
])
def test_bad_fields_are_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ProtocolViolation):
        parse_summary(text({**VALID, **change}))


@pytest.mark.parametrize("missing", ["room", "title", "hosts", "listeners", "started", "v", "type"])
def test_a_missing_required_field_is_refused(missing: str) -> None:
    with pytest.raises(ProtocolViolation):
        parse_summary(text({k: v for k, v in VALID.items() if k != missing}))


def test_names_are_cleaned_and_cut_never_rich_text() -> None:
    summary = parse_summary(text({**VALID, "title": "\u202e<b>Launch</b>\x00" + "x" * 300,
                                  "hosts": ["  Ana\n", "\u2066", "B" * 200]}))
    assert len(summary.title) == MAX_TITLE_CHARS and "\u202e" not in summary.title and "\x00" not in summary.title
    assert summary.title.startswith("<b>Launch</b>")  # kept as text: views show it as plain text
    assert summary.hosts == ("Ana", "B" * MAX_HOST_CHARS)  # an empty name after cleaning is left out


def test_over_the_size_limit_is_refused_and_encode_keeps_within_it() -> None:
    with pytest.raises(ProtocolViolation, match="bytes"):
        parse_summary(text({**VALID, "pad": "x" * LOBBY_MAX_BYTES}))
    big = RoomSummary(1, "€" * 500, tuple("€" * 100 for _ in range(20)), 3, 1.0,
                      tuple(f"wss://edge{i}.{'e' * 200}.example/janus" for i in range(8)))
    encoded = encode_summary(big)
    assert len(encoded.encode()) <= LOBBY_MAX_BYTES
    back = parse_summary(encoded)
    assert len(back.hosts) == MAX_HOSTS and len(back.servers) < 8  # servers that did not fit are left out
    origin = f"wss://origin.{'o' * 200}.example/janus"
    staged = parse_summary(encode_summary(dataclasses.replace(big, stage=origin)))
    assert staged.stage == origin  # the stage is never left out: the servers, then the last hosts make room
    assert staged.servers == () and 0 < len(staged.hosts) < MAX_HOSTS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | JSON_VALUES.map(lambda v: json.dumps(v)))
def test_junk_raises_only_protocol_violation(junk: str) -> None:
    try:
        parse_summary(junk)
    except ProtocolViolation:
        pass


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(VALID)), JSON_VALUES)
def test_any_field_replaced_by_anything_is_parsed_or_refused_and_bounded(key: str, value: Any) -> None:
    try:
        summary = parse_summary(text({**VALID, key: value}))
    except ProtocolViolation:
        return
    assert len(summary.title) <= MAX_TITLE_CHARS and len(summary.hosts) <= MAX_HOSTS
    assert all(len(h) <= MAX_HOST_CHARS for h in summary.hosts) and len(summary.servers) <= MAX_SERVERS
    assert summary.stage == "" or check_server_url(summary.stage) == summary.stage


SERVER_TEXT = st.text(st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=80)


@settings(max_examples=400, deadline=None)
@given(st.one_of(SERVER_TEXT, st.builds("{}://{}{}".format, st.sampled_from(["ws", "wss", "http", "plaza"]),
                                        SERVER_TEXT, SERVER_TEXT)))
def test_a_stage_is_a_server_url_a_link_takes_or_the_summary_is_refused(stage: str) -> None:
    """Whatever a lobby says the stage is either goes into a link unchanged (`stage=` parses back to it, no
    secret in it) or drops the whole summary."""
    try:
        summary = parse_summary(text({**VALID, "stage": stage}))
    except ProtocolViolation:
        return
    assert summary.stage == stage and stage.isascii() and stage.isprintable() and len(stage) <= MAX_SERVER_CHARS
    link = RoomLink(summary.room, ("wss://lobby.example.org:8989/janus",), stage=summary.stage)
    assert parse_link(format_link(link)) == link


@settings(max_examples=200, deadline=None)
@given(st.builds(RoomSummary, room=st.integers(1, 2**31 - 2), title=st.text(max_size=150),
                 hosts=st.lists(st.text(max_size=80), max_size=12).map(tuple),
                 listeners=st.none() | st.integers(0, 2**40), started=st.floats(0, 2e9),
                 servers=st.just(("ws://10.0.0.2:8188/janus",)), ended=st.booleans(),
                 stage=st.sampled_from(["", "wss://origin.example.org:8989/janus"])))
def test_what_encode_sends_parses(summary: RoomSummary) -> None:
    back = parse_summary(encode_summary(summary))
    assert back.room == summary.room and back.listeners == summary.listeners and back.ended == summary.ended
    assert back.stage == summary.stage
