"""Per-server loads (§6.1): the `loads` object of snapshots and deltas, strict both ways, and when a change is news.

The keys are server URLs from the network that a listener matches against its link and weighs: hypothesis searches
valid maps (they round-trip), any JSON in their place (ProtocolViolation, nothing else), and the change rule.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.room.edge_loads import (
    MAX_LOADS,
    MAX_VIEWERS,
    EdgeLoads,
    meaningful_change,
    measured_loads,
    read_loads,
)
from app.room.protocol import Delta, ProtocolViolation, Snapshot, parse_announcement
from app.room.protocol_encoding import encode
from tests.janus.hostile import JSON_VALUES

BASE = Snapshot(seq=5, room=1, controller="ctl-a", title="A", ended=False, members=(), listeners=None, hands=(),
                hands_total=0)

hosts = st.one_of(st.from_regex(r"\A[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6})?\Z"), st.ip_addresses(v=4).map(str))
urls = st.builds(lambda scheme, host, port: f"{scheme}://{host}:{port}/janus", st.sampled_from(["ws", "wss"]),
                 hosts, st.integers(1, 65535))
loads_st = st.lists(st.tuples(urls, st.integers(0, MAX_VIEWERS)), max_size=MAX_LOADS,
                    unique_by=lambda pair: pair[0]).map(tuple)


def snapshot_text(loads: Any) -> str:
    obj = json.loads(encode(BASE))
    obj["loads"] = loads
    return json.dumps(obj)


@settings(max_examples=300)
@given(loads_st)
def test_valid_loads_round_trip_in_snapshots_and_deltas(loads: EdgeLoads) -> None:
    snap = dataclasses.replace(BASE, loads=loads)
    assert parse_announcement(encode(snap)) == snap
    delta = Delta(seq=6, base=5, controller="ctl-a", loads=loads)
    assert parse_announcement(encode(delta)) == delta


def test_absent_loads_mean_none_known_in_a_snapshot_and_unchanged_in_a_delta() -> None:
    assert "loads" not in encode(BASE) and parse_announcement(encode(BASE)).loads == ()
    delta = Delta(seq=6, base=5, controller="ctl-a")
    assert "loads" not in encode(delta) and parse_announcement(encode(delta)).loads is None
    cleared = Delta(seq=6, base=5, controller="ctl-a", loads=())  # every server unmeasured now
    assert '"loads":{}' in encode(cleared) and parse_announcement(encode(cleared)).loads == ()


@pytest.mark.parametrize("bad", [
    [], "ws://a:1/janus", None, 3, {"ws://a:1/janus": -1}, {"ws://a:1/janus": 1.5}, {"ws://a:1/janus": True},
    {"ws://a:1/janus": "3"}, {"ws://a:1/janus": None}, {"ws://a:1/janus": MAX_VIEWERS + 1},
    {"http://a:1/janus": 1}, {"a:1": 1}, {"": 1}, {"ws://user:pw@a:1/janus": 1}, {"ws://a:1/janus?secret=x": 1},
    {"ws://a:1/janus#x": 1}, {"ws://a:1/janus\n": 1}, {"ws://" + "a" * 260 + ":1/janus": 1}, {"ws://ä:1/janus": 1},
    {f"ws://e{i}:1/janus": 1 for i in range(MAX_LOADS + 1)},
])
def test_bad_loads_make_the_whole_message_invalid(bad: Any) -> None:
    with pytest.raises(ProtocolViolation):
        parse_announcement(snapshot_text(bad))
    obj = {"v": 1, "type": "delta", "seq": 6, "base": 5, "controller": "ctl-a", "loads": bad}
    with pytest.raises(ProtocolViolation):
        parse_announcement(json.dumps(obj))


def test_a_server_listed_twice_is_refused_on_the_wire_and_when_encoding() -> None:
    with pytest.raises(ProtocolViolation, match="more than once"):
        parse_announcement(encode(BASE)[:-1] + ',"loads":{"ws://a:1/janus":1,"ws://a:1/janus":2}}')
    with pytest.raises(ProtocolViolation, match="twice"):
        encode(dataclasses.replace(BASE, loads=(("ws://a:1/janus", 1), ("ws://a:1/janus", 2))))


@settings(max_examples=500)
@given(st.one_of(JSON_VALUES, st.dictionaries(st.text(max_size=40), JSON_VALUES, max_size=20)))
def test_anything_in_place_of_loads_parses_or_raises_only_protocol_violation(value: Any) -> None:
    try:
        loads = read_loads(value)
    except ProtocolViolation:
        return
    assert len(loads) <= MAX_LOADS and all(type(c) is int and 0 <= c <= MAX_VIEWERS for _, c in loads)


def test_a_controller_leaves_out_what_receivers_would_refuse() -> None:
    counts = [("ws://a:1/janus", 3), ("not a url", 5), ("ws://a:1/janus", 9), ("ws://b:1/janus", -2),
              *((f"ws://e{i}:1/janus", 1) for i in range(20))]
    loads = measured_loads(counts)
    assert loads[:2] == (("ws://a:1/janus", 3), ("ws://b:1/janus", 0)) and len(loads) == MAX_LOADS
    encode(dataclasses.replace(BASE, loads=loads))  # announceable


def test_news_is_a_server_appearing_or_leaving_or_a_move_of_five_percent_of_the_audience() -> None:
    a, b = "ws://a:1/janus", "ws://b:1/janus"
    assert meaningful_change((), ((a, 0),))
    assert meaningful_change(((a, 5), (b, 5)), ((a, 5),))
    assert not meaningful_change(((a, 5), (b, 5)), ((a, 5), (b, 5)))
    assert meaningful_change(((a, 5), (b, 5)), ((a, 6), (b, 5)))  # small rooms: every listener counts
    assert not meaningful_change(((a, 50_000), (b, 50_000)), ((a, 54_999), (b, 50_000)))  # < 5 % of 100,000
    assert meaningful_change(((a, 50_000), (b, 50_000)), ((a, 55_300), (b, 50_000)))  # ≥ 5 % of 105,300
    assert not meaningful_change(((a, 250_000), (b, 250_000)), ((a, 251_000), (b, 249_000)))  # churn at 500k


@given(loads_st, st.integers(0, 10**6))
def test_a_change_smaller_than_one_listener_or_five_percent_is_never_news(loads: EdgeLoads, shift: int) -> None:
    assert not meaningful_change(loads, loads)
    if loads:
        (server, count), *rest = loads
        total = sum(c for _, c in loads)
        moved = ((server, count + shift), *rest)
        assert meaningful_change(loads, moved) == (shift >= max(1.0, 0.05 * (total + shift)))
