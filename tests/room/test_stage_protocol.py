"""The stage whispers: strict parsing of outside input (property-based), round trips, and a hidden token."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.room.protocol import HandRequest, ProtocolViolation, SyncRequest
from app.room.stage_protocol import (
    FEEDBACK_HZ_RANGE,
    MAX_STAGE_ID,
    FeedbackReport,
    Invite,
    LeftStage,
    StageAnswer,
    StagePass,
    Uninvite,
    encode_stage,
    parse_to_controller,
    parse_to_listener,
)

TOKEN = "Zq3v9-Tn0pQx8L2mWc7rYb1d"


def test_round_trips() -> None:
    invite = Invite(StagePass(1234, 77, TOKEN), 60.0)
    assert parse_to_listener(encode_stage(invite)) == invite
    assert parse_to_listener(encode_stage(Uninvite(1234))) == Uninvite(1234)
    assert parse_to_controller(encode_stage(StageAnswer(False))) == StageAnswer(False)
    assert parse_to_controller(encode_stage(LeftStage())) == LeftStage()
    assert parse_to_controller(encode_stage(FeedbackReport(2012.5))) == FeedbackReport(2012.5)
    assert encode_stage(FeedbackReport(2012.5)) == '{"v":1,"type":"feedback","hz":2012.5}'
    assert parse_to_controller('{"v":1,"type":"hand","raised":true}') == HandRequest(True)
    assert parse_to_controller('{"v":1,"type":"sync"}') == SyncRequest()


def test_the_token_never_shows_in_repr() -> None:
    invite = Invite(StagePass(1, 2, TOKEN), 60.0)
    assert TOKEN not in repr(invite) and TOKEN not in str(invite)


def invite_text(**fields: object) -> str:
    obj = {"v": 1, "type": "invite", "room": 1234, "stage_id": 77, "token": TOKEN, "ttl": 60, **fields}
    return json.dumps({k: v for k, v in obj.items() if v is not ...})


@pytest.mark.parametrize(("fields", "problem"), [
    ({"token": "short"}, "at least 16"),
    ({"token": "x" * 15 + " y"}, "ASCII without spaces"),
    ({"token": "é" * 20}, "ASCII"),
    ({"token": ...}, "missing 'token'"),
    ({"token": 5}, "'token' must be a string"),
    ({"stage_id": 0}, "between 1 and"),
    ({"stage_id": MAX_STAGE_ID + 1}, "between 1 and"),
    ({"stage_id": True}, "must be an integer"),
    ({"ttl": 0}, "more than 0"),
    ({"ttl": 601}, "at most 600"),
    ({"room": -1}, "must not be negative"),
    ({"type": "snapshot"}, "not a whisper to a listener"),
    ({"v": 2}, "newer"),
])
def test_malformed_invites_name_the_problem(fields: dict[str, object], problem: str) -> None:
    with pytest.raises(ProtocolViolation, match=problem):
        parse_to_listener(invite_text(**fields))


def test_a_listener_cannot_whisper_an_invite_to_the_controller() -> None:
    with pytest.raises(ProtocolViolation, match="unknown message type"):
        parse_to_controller(invite_text())


@given(st.one_of(st.text(max_size=300), st.binary(max_size=50), st.integers(), st.none(),
                 st.dictionaries(st.text(max_size=8), st.one_of(st.integers(), st.text(max_size=30), st.none(),
                                                                st.floats(), st.booleans()), max_size=8)
                 .map(lambda d: json.dumps({"v": 1, "type": "invite", **d}, allow_nan=True))))
def test_any_input_parses_or_raises_a_protocol_violation(text: object) -> None:
    for parse in (parse_to_listener, parse_to_controller):
        try:
            message = parse(text)  # type: ignore[arg-type]
        except ProtocolViolation as exc:
            assert str(exc)
        else:
            assert isinstance(message, Invite | Uninvite | StageAnswer | LeftStage | HandRequest | SyncRequest
                              | FeedbackReport)


@given(st.integers(0, 2**31), st.integers(1, MAX_STAGE_ID), st.text(alphabet="abcXYZ019-_", min_size=16,
                                                                     max_size=128),
       st.floats(0.001, 600))
def test_every_valid_invite_round_trips(room: int, stage_id: int, token: str, ttl: float) -> None:
    invite = Invite(StagePass(room, stage_id, token), ttl)
    assert parse_to_listener(encode_stage(invite)) == invite


def feedback_text(hz: object) -> str:
    return json.dumps({"v": 1, "type": "feedback", "hz": hz}, allow_nan=True)


@pytest.mark.parametrize(("text", "problem"), [
    (feedback_text(19.99), "between 20 and 24000"),
    (feedback_text(24000.5), "between 20 and 24000"),
    (feedback_text(-2000), "between 20 and 24000"),
    (feedback_text(10**400), "out of range"),
    (feedback_text(float("nan")), "non-finite"),
    (feedback_text(float("inf")), "non-finite"),
    (feedback_text(True), "'hz' must be a number, got boolean"),
    (feedback_text("2000"), "'hz' must be a number, got string"),
    (feedback_text(None), "'hz' must be a number, got null"),
    ('{"v":1,"type":"feedback"}', "missing 'hz'"),
    ('{"v":2,"type":"feedback","hz":2000}', "newer"),
])
def test_malformed_feedback_reports_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ProtocolViolation, match=problem):
        parse_to_controller(text)


def test_a_feedback_report_is_no_whisper_to_a_listener_and_bad_ones_do_not_encode() -> None:
    with pytest.raises(ProtocolViolation, match="not a whisper to a listener"):
        parse_to_listener(feedback_text(2000))
    for hz in (float("nan"), float("inf"), 5.0, 30000.0):
        with pytest.raises(ProtocolViolation):
            encode_stage(FeedbackReport(hz))


@given(st.one_of(st.floats(FEEDBACK_HZ_RANGE[0], FEEDBACK_HZ_RANGE[1]),
                 st.integers(int(FEEDBACK_HZ_RANGE[0]), int(FEEDBACK_HZ_RANGE[1]))))
def test_every_valid_feedback_report_round_trips(hz: float) -> None:
    parsed = parse_to_controller(encode_stage(FeedbackReport(hz)))
    assert parsed == FeedbackReport(hz) and isinstance(parsed, FeedbackReport) and type(parsed.hz) is float


@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.booleans(), st.none(),
                 st.text(max_size=10), st.lists(st.integers(), max_size=2)),
       st.dictionaries(st.text(max_size=6), st.integers() | st.text(max_size=6), max_size=3))
def test_any_feedback_shaped_input_parses_in_range_or_raises(hz: object, extra: dict[str, object]) -> None:
    text = json.dumps({**extra, "v": 1, "type": "feedback", "hz": hz}, allow_nan=True)
    try:
        message = parse_to_controller(text)
    except ProtocolViolation as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        low, high = FEEDBACK_HZ_RANGE
        assert message == FeedbackReport(float(hz))  # type: ignore[arg-type]
        assert type(hz) in (int, float) and low <= hz <= high  # type: ignore[operator]
