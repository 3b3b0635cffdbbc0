"""The `audience` whisper (controller → host, docs/room-protocol.md §3.7): round trips, strict parsing of outside
input (property-based), the size limit, and the `audience` host verb."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.room.host_protocol import HostVerb, encode_host_action, parse_request, sign
from app.room.protocol import ProtocolViolation
from app.room.stage_protocol import (
    MAX_AUDIENCE_POINTS,
    MAX_AUDIENCE_VALUE,
    AudiencePoint,
    AudienceReport,
    Invite,
    StagePass,
    Uninvite,
    encode_stage,
    parse_to_controller,
    parse_to_listener,
)

T0 = 1_763_721_000


def report(n: int = 3, total: int | None = None, big: bool = False) -> AudienceReport:
    value = 523_412 if big else 7
    points = tuple(AudiencePoint(T0 + 10 * i, None if i == 0 else value + i % 50, 50_000 if big else i % 7, 2, i % 2)
                   for i in range(n))
    return AudienceReport(1234, 10, points, n if total is None else total)


def test_round_trip_and_compact_wire_form() -> None:
    msg = report(2)
    text = encode_stage(msg)
    assert text == ('{"v":1,"type":"audience","room":1234,"bucket":10,"total":2,'
                    f'"points":[[{T0},null,0,2,0],[{T0 + 10},8,1,2,1]]}}')
    parsed = parse_to_listener(text)
    assert parsed == msg and isinstance(parsed, AudienceReport)
    assert all(type(p.at) is float for p in parsed.points) and type(parsed.bucket) is float
    empty = AudienceReport(1, 10, (), 0)
    assert parse_to_listener(encode_stage(empty)) == empty


def audience_text(**fields: object) -> str:
    obj = {"v": 1, "type": "audience", "room": 1234, "bucket": 10, "total": 2,
           "points": [[T0, 5, 1, 0, 0], [T0 + 10, None, 0, 1, 2]], **fields}
    return json.dumps({k: v for k, v in obj.items() if v is not ...}, allow_nan=True, separators=(",", ":"))


@pytest.mark.parametrize(("fields", "problem"), [
    ({"bucket": 0}, "more than 0"),
    ({"bucket": 3601}, "at most 3600"),
    ({"bucket": True}, "'bucket' must be a number, got boolean"),
    ({"bucket": ...}, "missing 'bucket'"),
    ({"total": 1}, "less than the 2 points"),
    ({"total": -1}, "must not be negative"),
    ({"room": "1234"}, "'room' must be an integer"),
    ({"points": {}}, "'points' must be an array"),
    ({"points": [[1, 1, 1, 1, 1]] * (MAX_AUDIENCE_POINTS + 1), "total": 10**6}, "at most 720"),
    ({"points": [[T0, 1, 1, 1]]}, r"points\[0\] must be an array of 5"),
    ({"points": [[T0, 1, 1, 1, 1, 1]]}, r"points\[0\] must be an array of 5"),
    ({"points": ["x"]}, r"points\[0\] must be an array of 5"),
    ({"points": [[T0, -1, 0, 0, 0]]}, r"points\[0\]: listeners must be between 0"),
    ({"points": [[T0, 1.5, 0, 0, 0]]}, r"points\[0\]: listeners must be an integer, got number"),
    ({"points": [[T0, 1, True, 0, 0]]}, r"points\[0\]: joins must be an integer, got boolean"),
    ({"points": [[T0, 1, 0, None, 0]]}, r"points\[0\]: leaves must be an integer, got null"),
    ({"points": [[T0, 1, 0, 0, MAX_AUDIENCE_VALUE + 1]]}, r"points\[0\]: reconnects must be between 0"),
    ({"points": [["now", 1, 0, 0, 0]]}, r"points\[0\]: 't' must be a number"),
    ({"points": [[10**400, 1, 0, 0, 0]]}, "out of range"),
    ({"points": [[float("nan"), 1, 0, 0, 0]]}, "non-finite"),
    ({"points": [[T0, 1, 0, 0, 0], [T0, 1, 0, 0, 0]]}, r"points\[1\] is not later"),
    ({"v": 2}, "newer"),
])
def test_malformed_reports_name_the_problem(fields: dict[str, object], problem: str) -> None:
    with pytest.raises(ProtocolViolation, match=problem):
        parse_to_listener(audience_text(**fields))


def test_a_report_is_no_whisper_to_the_controller_and_bad_ones_do_not_encode() -> None:
    with pytest.raises(ProtocolViolation, match="unknown message type"):
        parse_to_controller(audience_text())
    bad = [AudienceReport(1, 10, (AudiencePoint(math.nan, 1, 0, 0, 0),), 1),
           AudienceReport(1, 10, (AudiencePoint(T0, -1, 0, 0, 0),), 1),
           AudienceReport(1, 0, (), 0), AudienceReport(1, 10, report(2).points, 1)]
    for msg in bad:
        with pytest.raises(ProtocolViolation):
            encode_stage(msg)


def test_the_audience_host_verb_takes_no_target_and_round_trips() -> None:
    host = StagePass(1234, 77, "t" * 24)
    action = sign(host, 5, HostVerb.AUDIENCE)
    assert parse_request(encode_host_action(action)) == action
    with pytest.raises(ValueError, match="takes no target"):
        sign(host, 6, HostVerb.AUDIENCE, "l-x")
    text = json.loads(encode_host_action(action)) | {"target": "l-x"}
    with pytest.raises(ProtocolViolation, match="takes no 'target'"):
        parse_request(json.dumps(text))


points_strategy = st.lists(
    st.tuples(st.integers(0, 2**40), st.one_of(st.none(), st.integers(0, MAX_AUDIENCE_VALUE)),
              st.integers(0, MAX_AUDIENCE_VALUE), st.integers(0, MAX_AUDIENCE_VALUE),
              st.integers(0, MAX_AUDIENCE_VALUE)),
    max_size=40, unique_by=lambda p: p[0]).map(lambda ps: sorted(ps))


@given(st.integers(0, 2**31), st.one_of(st.integers(1, 3600), st.floats(0.001, 3600)), points_strategy,
       st.integers(0, 1000))
def test_every_valid_report_round_trips(room: int, bucket: float, points: list[tuple[int, ...]], extra: int) -> None:
    msg = AudienceReport(room, bucket, tuple(AudiencePoint(*p) for p in points), len(points) + extra)
    assert parse_to_listener(encode_stage(msg)) == msg


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5)),
                           lambda inner: st.lists(inner, max_size=6), max_leaves=20)


@given(st.dictionaries(st.sampled_from(["room", "bucket", "total", "points", "x"]), json_values, max_size=5),
       st.lists(st.lists(json_values, max_size=6), max_size=6))
def test_any_audience_shaped_input_parses_sanely_or_raises(fields: dict[str, object], points: list[object]) -> None:
    for obj in ({"room": 1, "bucket": 10, "total": 9, "points": points, **fields},
                {**fields, "points": points}):
        text = json.dumps({**obj, "v": 1, "type": "audience"}, allow_nan=True)
        try:
            message = parse_to_listener(text)
        except ProtocolViolation as exc:
            assert str(exc) and "\n" not in str(exc)
            continue
        assert isinstance(message, AudienceReport)
        assert 0 < message.bucket <= 3600 and message.total >= len(message.points)
        ats = [p.at for p in message.points]
        assert ats == sorted(set(ats)) and all(math.isfinite(t) for t in ats)
        for p in message.points:
            assert all(type(v) is int and 0 <= v <= MAX_AUDIENCE_VALUE for v in (p.joins, p.leaves, p.reconnects))
            assert p.listeners is None or (type(p.listeners) is int and p.listeners >= 0)


@given(st.one_of(st.text(max_size=300), st.binary(max_size=50), st.integers(), st.none()))
def test_any_input_parses_to_a_listener_message_or_raises(text: object) -> None:
    try:
        message = parse_to_listener(text)  # type: ignore[arg-type]
    except ProtocolViolation as exc:
        assert str(exc)
    else:
        assert isinstance(message, Invite | Uninvite | AudienceReport)
