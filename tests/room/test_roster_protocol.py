"""The `roster` whisper (old controller → the host who moved the room, docs/room-protocol.md §3.8), the carried place's
proof, the `claim` whisper and the `carry_*` host verbs: round trips, splitting within the size limit, and strict
parsing of outside input (property-based)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.room.host_protocol import HostVerb, encode_host_action, parse_request, sign
from app.room.protocol import MAX_MEMBERS, MAX_MESSAGE_BYTES, ProtocolViolation, Role
from app.room.roster_protocol import CarryClaim, Roster, RosterEntry, carry_proof, encode_claim, encode_rosters
from app.room.stage_protocol import StagePass, parse_to_controller, parse_to_listener
from app.room.wire import clean_text

P, Q = "a" * 64, "0123456789abcdef" * 4


def roster_text(members: Any, room: Any = 1234, **extra: Any) -> str:
    return json.dumps({"v": 1, "type": "roster", "room": room, "members": members, **extra})


def test_round_trip_in_compact_form() -> None:
    entries = [RosterEntry("l-ana", "Ana", Role.SPEAKER, P), RosterEntry("l-bo", "Bø", Role.CO_HOST, Q)]
    (text,) = encode_rosters(1234, entries)
    assert text == ('{"v":1,"type":"roster","room":1234,"members":[{"id":"l-ana","name":"Ana","role":"speaker",'
                    f'"proof":"{P}"}},{{"id":"l-bo","name":"Bø","role":"co-host","proof":"{Q}"}}]}}')
    assert P not in repr(entries)  # a capability: not in a log line
    assert parse_to_listener(text) == Roster(1234, tuple(entries))


def test_an_empty_stage_is_one_empty_roster() -> None:
    assert [parse_to_listener(t) for t in encode_rosters(9, [])] == [Roster(9, ())]


def test_a_full_stage_of_long_names_is_split_within_the_size_limit() -> None:
    entries = [RosterEntry(f"l-{i:03d}-" + "x" * 120, "😀" * 64, Role.SPEAKER, P) for i in range(MAX_MEMBERS + 5)]
    texts = encode_rosters(1234, entries)
    assert len(texts) > 1 and all(len(t.encode()) <= MAX_MESSAGE_BYTES for t in texts)
    got = [e for t in texts for e in parse_to_listener(t).entries]  # type: ignore[union-attr]
    assert got == entries[:MAX_MEMBERS]  # never more than a stage holds


def test_the_encoder_refuses_what_receivers_would() -> None:
    with pytest.raises(ProtocolViolation):
        encode_rosters(1, [RosterEntry("x" * 129, "A", Role.SPEAKER, P)])
    with pytest.raises(ProtocolViolation, match="role"):
        encode_rosters(1, [RosterEntry("l-h", "Host", Role.HOST, P)])  # the host travels with its own pass
    with pytest.raises(ProtocolViolation, match="proof"):
        encode_rosters(1, [RosterEntry("l-a", "A", Role.SPEAKER, "A" * 64)])


@pytest.mark.parametrize("members, problem", [
    ([{"id": "l-a", "name": "A", "role": "host", "proof": P}], "'role' must be one of"),
    ([{"id": "l-a", "name": "A", "role": "listener", "proof": P}], "'role' must be one of"),
    ([{"id": "l-a", "name": "A", "proof": P}], "missing 'role'"),
    ([{"id": "l-a", "name": "A", "role": "speaker"}], "'proof' must be 64"),
    ([{"id": "l-a", "name": "A", "role": "speaker", "proof": P.upper()}], "'proof' must be 64"),
    ([{"id": "l-a", "name": "A", "role": "speaker", "proof": P[:63]}], "'proof' must be 64"),
    ([{"id": "l-a", "name": "A", "role": "speaker", "proof": 7}], "'proof' must be 64"),
    ([{"id": "", "name": "A", "role": "speaker", "proof": P}], "empty"),
    ([{"id": "l-a\n", "name": "A", "role": "speaker", "proof": P}], "control"),
    ([{"id": 7, "name": "A", "role": "speaker", "proof": P}], "must be a string"),
    ([{"id": "l-a", "name": 1, "role": "speaker", "proof": P}], "'name' must be a string"),
    ([{"id": "l-a", "name": "A", "role": "speaker", "proof": P}] * 2, "more than once"),
    ([{"id": f"l-{i}", "name": "A", "role": "speaker"} for i in range(MAX_MEMBERS + 1)], "at most 200"),
    ([["l-a", "A", "speaker"]], "must be an object"),
    ({"id": "l-a"}, "must be an array"),
])
def test_bad_rosters_are_refused_naming_the_problem(members: Any, problem: str) -> None:
    with pytest.raises(ProtocolViolation, match=problem):
        parse_to_listener(roster_text(members))


def test_names_are_cleaned_and_the_room_is_checked() -> None:
    msg = parse_to_listener(roster_text([{"id": "l-a", "name": " \u202eAna\x07 ", "role": "speaker", "proof": P}]))
    assert isinstance(msg, Roster) and msg.entries[0].name == "Ana"
    for room in (-1, True, "1234", 1.5):
        with pytest.raises(ProtocolViolation):
            parse_to_listener(roster_text([], room=room))
    assert parse_to_listener(roster_text([], extra_field=1)) == Roster(1234, ())  # unknown fields are ignored


def test_a_roster_is_not_a_request_to_the_controller() -> None:
    with pytest.raises(ProtocolViolation):
        parse_request(roster_text([]))


def test_the_proof_is_the_hmac_of_the_old_pass_the_docs_name() -> None:
    expected = hmac.new(b"tok-" + b"x" * 20, b"plaza-carry-v1\n1234\n5", hashlib.sha256).hexdigest()
    assert carry_proof("tok-" + "x" * 20, 1234, 5) == expected
    assert len({carry_proof("tok-" + "x" * 20, 1234, 6), carry_proof("tok-" + "x" * 20, 1235, 5),
                carry_proof("tok-" + "y" * 20, 1234, 5), expected}) == 4


def test_a_claim_round_trips_and_refuses_a_bad_proof() -> None:
    text = encode_claim(CarryClaim(5678, P))
    assert text == f'{{"v":1,"type":"claim","room":5678,"proof":"{P}"}}'
    assert parse_to_controller(text) == parse_request(text) == CarryClaim(5678, P)
    assert P not in repr(CarryClaim(5678, P))
    for bad in ("x" * 64, P[:-1], P + "a", None, 5):
        with pytest.raises(ProtocolViolation, match="'proof'"):
            parse_to_controller(json.dumps({"v": 1, "type": "claim", "room": 5678, "proof": bad}))
    with pytest.raises(ProtocolViolation):
        encode_claim(CarryClaim(5678, "nope"))


@pytest.mark.parametrize("verb", [HostVerb.CARRY_SPEAKER, HostVerb.CARRY_CO_HOST])
def test_the_carry_verbs_take_a_proof_not_a_username(verb: HostVerb) -> None:
    action = sign(StagePass(1234, 5, "t" * 24), 10, verb, P)
    assert parse_request(encode_host_action(action)) == action
    with pytest.raises(ValueError, match="64 lowercase hex"):
        sign(StagePass(1234, 5, "t" * 24), 11, verb, "l-bo")
    with pytest.raises(ValueError, match="needs"):
        sign(StagePass(1234, 5, "t" * 24), 11, verb)
    forged = json.loads(encode_host_action(action)) | {"target": "l-bo"}
    with pytest.raises(ProtocolViolation, match="64 lowercase hex"):
        parse_request(json.dumps(forged))


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=4), max_leaves=12)
_ENTRY = st.fixed_dictionaries({"id": st.one_of(st.text(min_size=0, max_size=140), _JSON),
                                "name": st.one_of(st.text(max_size=80), _JSON),
                                "role": st.one_of(st.sampled_from(["speaker", "co-host", "host", "Speaker"]), _JSON),
                                "proof": st.one_of(st.text("0123456789abcdef", min_size=63, max_size=65),
                                                   st.text(max_size=70), _JSON)},
                               optional={"x": _JSON})


@given(st.one_of(st.lists(st.one_of(_ENTRY, _JSON), max_size=5), _JSON), st.one_of(st.integers(-5, 2**60), _JSON))
def test_any_roster_shaped_input_parses_or_is_refused_cleanly(members: Any, room: Any) -> None:
    try:
        msg = parse_to_listener(roster_text(members, room=room))
    except ProtocolViolation:
        return
    assert isinstance(msg, Roster) and msg.room == room and len(msg.entries) == len(members)
    for entry in msg.entries:
        assert entry.role in (Role.SPEAKER, Role.CO_HOST) and 0 < len(entry.username) <= 128
        assert len(entry.proof) == 64 and set(entry.proof) <= set("0123456789abcdef")
        assert entry.name == clean_text(entry.name, 64)  # cleaned: nothing a display must not show


@given(st.lists(st.tuples(st.text(min_size=1, max_size=128).filter(str.isprintable), st.text(max_size=64),
                          st.sampled_from([Role.SPEAKER, Role.CO_HOST]), st.text("0123456789abcdef", min_size=64,
                                                                                 max_size=64)),
                max_size=30, unique_by=lambda t: t[0]))
def test_whatever_the_encoder_sends_parses_back(raw: list[tuple[str, str, Role, str]]) -> None:
    entries = [RosterEntry(u, clean_text(n, 64), r, p) for u, n, r, p in raw]
    texts = encode_rosters(77, entries)
    got = [e for t in texts for e in parse_to_listener(t).entries]  # type: ignore[union-attr]
    assert got == entries


@given(st.one_of(st.text(max_size=80), _JSON), st.one_of(st.integers(-5, 2**60), _JSON))
def test_any_claim_shaped_input_parses_or_is_refused_cleanly(proof: Any, room: Any) -> None:
    try:
        msg = parse_to_controller(json.dumps({"v": 1, "type": "claim", "room": room, "proof": proof}))
    except ProtocolViolation:
        return
    assert msg == CarryClaim(room, proof) and len(proof) == 64
