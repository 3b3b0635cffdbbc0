"""Redaction of secrets before wire messages reach a log."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from app.janus.redact import SECRET_KEYS, redact, redacted_json


def test_nested_secrets_are_redacted_and_the_rest_is_kept() -> None:
    message = {
        "janus": "message",
        "transaction": "abc123",
        "apisecret": "api-s3cret",
        "body": {
            "request": "create",
            "room": 1234,
            "secret": "room-s3cret",
            "pin": "4321",
            "allowed": ["tok-1", "tok-2"],
            "participants": [{"id": 1, "display": "Ann", "token": "tok-3"}, {"id": 2, "display": "Bob"}],
            "options": {"nested": {"admin_key": "adm1n", "password": "pw", "level": 3}},
        },
        "jsep": {"type": "offer", "sdp": "v=0 a=crypto:1 AES_CM_128 inline:k3y"},
    }
    assert redact(message) == {
        "janus": "message",
        "transaction": "abc123",
        "apisecret": "***",
        "body": {
            "request": "create",
            "room": 1234,
            "secret": "***",
            "pin": "***",
            "allowed": "***",
            "participants": [{"id": 1, "display": "Ann", "token": "***"}, {"id": 2, "display": "Bob"}],
            "options": {"nested": {"admin_key": "***", "password": "***", "level": 3}},
        },
        "jsep": {"type": "offer", "sdp": "***"},
    }


@pytest.mark.parametrize("key", sorted(SECRET_KEYS))
def test_every_secret_key_is_redacted_in_any_case(key: str) -> None:
    for spelling in (key, key.upper(), key.capitalize()):
        assert redact({"outer": [{spelling: "hidden-value"}]}) == {"outer": [{spelling: "***"}]}


@pytest.mark.parametrize("key", ["secret", "pin", "token"])
@pytest.mark.parametrize("value", [{"deep": "hidden-value"}, ["hidden-value"], 12345, None, True])
def test_secret_values_of_any_type_are_redacted(key: str, value: Any) -> None:
    assert redact({key: value}) == {key: "***"}


@pytest.mark.parametrize(
    "value",
    [
        {"janus": "success", "data": {"id": 7, "secrets_count": 2, "pinned": True, "tokens_left": 3}},
        [1, "two", None, 3.5, {"display": "secret agent"}],
        "plain string",
        42,
        None,
    ],
)
def test_non_secrets_are_kept_unchanged(value: Any) -> None:
    assert redact(value) == value


def test_redact_does_not_modify_its_argument() -> None:
    message = {"body": {"secret": "s", "list": [{"pin": "p"}]}}
    before = copy.deepcopy(message)
    redact(message)
    assert message == before


def test_redacted_json_is_compact_json_without_secrets() -> None:
    text = redacted_json({"janus": "attach", "body": {"secret": "hidden-value", "room": 5}})
    assert "hidden-value" not in text
    assert json.loads(text) == {"janus": "attach", "body": {"secret": "***", "room": 5}}
    assert " " not in text


def test_redacted_json_truncates_after_redacting() -> None:
    long = {"secret": "hidden-value", "blob": "x" * 1000}
    text = redacted_json(long, limit=50)
    assert text.endswith("…") and len(text) == 51
    assert "hidden-value" not in text
    assert text.startswith('{"secret":"***"')
    assert redacted_json({"a": 1}, limit=50) == '{"a":1}'


def test_redacted_json_survives_non_json_values() -> None:
    text = redacted_json({"when": object, "token": b"raw"})
    assert '"token":"***"' in text


def test_a_moved_rooms_proofs_are_redacted_wherever_they_travel() -> None:
    """A carried place's proof is a capability (docs/room-protocol.md §3.8): in a roster, a claim and a carry."""
    from app.room.host_protocol import HostVerb, encode_host_action, sign
    from app.room.protocol import Role
    from app.room.roster_protocol import CarryClaim, RosterEntry, encode_claim, encode_rosters
    from app.room.stage_protocol import StagePass

    proof = "7" * 64
    texts = [encode_claim(CarryClaim(8, proof)), *encode_rosters(7, [RosterEntry("l-a", "A", Role.SPEAKER, proof)]),
             encode_host_action(sign(StagePass(8, 5, "t" * 24), 1, HostVerb.CARRY_CO_HOST, proof))]
    for text in texts:
        line = redacted_json({"textroom": "message", "room": 8, "to": "ctl", "text": text})
        assert proof not in line and "***" in line
    invite = encode_host_action(sign(StagePass(8, 5, "t" * 24), 1, HostVerb.INVITE, "l-bo"))
    assert "l-bo" in redacted_json({"text": invite})  # other targets stay readable
    assert "carry_on" in redacted_json({"text": "we carry_on"})  # chat that merely mentions it is kept
