"""The stage whispers: strict parsing of outside input (property-based), round trips, and a hidden token."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.room.protocol import HandRequest, ProtocolViolation, SyncRequest
from app.room.stage_protocol import (
    MAX_STAGE_ID,
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
            assert isinstance(message, Invite | Uninvite | StageAnswer | LeftStage | HandRequest | SyncRequest)


@given(st.integers(0, 2**31), st.integers(1, MAX_STAGE_ID), st.text(alphabet="abcXYZ019-_", min_size=16,
                                                                     max_size=128),
       st.floats(0.001, 600))
def test_every_valid_invite_round_trips(room: int, stage_id: int, token: str, ttl: float) -> None:
    invite = Invite(StagePass(room, stage_id, token), ttl)
    assert parse_to_listener(encode_stage(invite)) == invite
