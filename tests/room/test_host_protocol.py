"""Host actions on the wire: signed, parsed strictly, and only valid with the very pass that signed them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.room.host_protocol import (
    CARRY_VERBS,
    MAX_SEQ,
    NEEDS_TARGET,
    HostAction,
    HostVerb,
    encode_host_action,
    parse_request,
    sign,
    verify,
)
from app.room.protocol import HandRequest, ProtocolViolation
from app.room.stage_protocol import MAX_STAGE_ID, LeftStage, StagePass

PASS = StagePass(1234, 4242, "t" * 32)


def test_a_signed_action_round_trips_and_verifies_only_with_its_token() -> None:
    action = sign(PASS, 1_700_000_000_000, HostVerb.MUTE, "7411")
    parsed = parse_request(encode_host_action(action))
    assert parsed == action and isinstance(parsed, HostAction)
    assert verify(parsed, PASS.token)
    assert not verify(parsed, "u" * 32)
    assert PASS.token not in encode_host_action(action)


@pytest.mark.parametrize("field, value", [("room", 1235), ("stage_id", 4243), ("seq", 1_700_000_000_001),
                                          ("action", "demote"), ("target", "7412")])
def test_changing_any_signed_field_breaks_the_signature(field: str, value: object) -> None:
    obj = json.loads(encode_host_action(sign(PASS, 1_700_000_000_000, HostVerb.MUTE, "7411")))
    obj[field] = value
    parsed = parse_request(json.dumps(obj))
    assert isinstance(parsed, HostAction) and not verify(parsed, PASS.token)


def test_targets_are_required_exactly_where_the_verb_takes_one() -> None:
    for verb in HostVerb:
        if verb in NEEDS_TARGET:
            with pytest.raises(ValueError):
                sign(PASS, 1, verb)
            # a move's target is a link, a carried place's a proof
            target = {HostVerb.MOVE: "plaza+ws://10.0.0.2:8188/77", HostVerb.CARRY_SPEAKER: "c" * 64,
                      HostVerb.CARRY_CO_HOST: "c" * 64}.get(verb, "x")
            assert parse_request(encode_host_action(sign(PASS, 1, verb, target))).target == target  # type: ignore[union-attr]
        else:
            with pytest.raises(ValueError):
                sign(PASS, 1, verb, "x")
            obj = json.loads(encode_host_action(sign(PASS, 1, verb)))
            obj["target"] = "x"
            with pytest.raises(ProtocolViolation, match="takes no 'target'"):
                parse_request(json.dumps(obj))


@pytest.mark.parametrize("change, problem", [
    ({"action": "ban"}, "is not one of"),
    ({"stage_id": 0}, "'stage_id' must be between"),
    ({"stage_id": MAX_STAGE_ID + 1}, "'stage_id' must be between"),
    ({"seq": MAX_SEQ + 1}, "'seq' must be at most"),
    ({"seq": -1}, "must not be negative"),
    ({"sig": "ABC"}, "'sig' must be 64 lowercase hex"),
    ({"sig": None}, "'sig'"),
    ({"target": "a\nb"}, "'target'"),
    ({"target": ""}, "'target'"),
    ({"room": True}, "'room'"),
])
def test_malformed_host_actions_are_refused_naming_the_field(change: dict[str, object], problem: str) -> None:
    obj = json.loads(encode_host_action(sign(PASS, 5, HostVerb.MUTE, "7411")))
    obj.update(change)
    with pytest.raises(ProtocolViolation, match=problem):
        parse_request(json.dumps(obj))


def test_other_requests_still_parse() -> None:
    assert parse_request('{"v":1,"type":"hand","raised":true}') == HandRequest(True)
    assert parse_request('{"v":1,"type":"left"}') == LeftStage()


@given(st.dictionaries(st.sampled_from(["room", "stage_id", "seq", "action", "target", "sig", "v", "type", "x"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                                 st.text(max_size=80), st.lists(st.integers(), max_size=3)), max_size=9))
def test_any_host_shaped_whisper_parses_or_is_refused_cleanly(fields: dict[str, object]) -> None:
    obj = {"v": 1, "type": "host", **fields}
    try:
        parse_request(json.dumps(obj))
    except ProtocolViolation:
        pass


@given(st.integers(0, 2**32), st.integers(1, MAX_STAGE_ID), st.integers(0, MAX_SEQ),
       st.sampled_from([v for v in HostVerb if v is not HostVerb.MOVE]),  # a move's target is a link: test_moved
       st.text(min_size=1, max_size=40).filter(str.isprintable), st.text("0123456789abcdef", min_size=64, max_size=64))
def test_every_valid_action_round_trips(room: int, stage_id: int, seq: int, verb: HostVerb, target: str,
                                        proof: str) -> None:
    stage_pass = StagePass(room, stage_id, "k" * 24)
    target = proof if verb in CARRY_VERBS else target  # a carried place's target is its proof (test_roster_protocol)
    action = sign(stage_pass, seq, verb, target if verb in NEEDS_TARGET else "")
    parsed = parse_request(encode_host_action(action))
    assert parsed == action and verify(parsed, stage_pass.token)  # type: ignore[arg-type]


@pytest.mark.parametrize("verb", [HostVerb.RECORD, HostVerb.STOP_RECORD])
def test_recording_verbs_take_no_target(verb: HostVerb) -> None:
    obj = json.loads(encode_host_action(sign(PASS, 7, verb)))
    assert obj["action"] == verb.value and "target" not in obj
    assert parse_request(json.dumps(obj)) == sign(PASS, 7, verb)
