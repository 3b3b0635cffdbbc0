"""Room channel protocol: round trips, every violation named precisely, total parsing under fuzz, rate limiting."""

from __future__ import annotations

import dataclasses
import json
import random
from typing import Any

import pytest

from app.room.protocol import (
    MAX_LISTED_HANDS,
    MAX_MEMBERS,
    MAX_MESSAGE_BYTES,
    MAX_PARTS,
    UNSET,
    WHISPER_BURST,
    WHISPER_RATE,
    Delta,
    Hand,
    HandRequest,
    ListenerCount,
    ProtocolViolation,
    RateLimiter,
    Role,
    Snapshot,
    StageMember,
    SyncRequest,
    UnsupportedVersion,
    parse_announcement,
    parse_whisper,
)
from app.room.protocol_encoding import encode

ANA = StageMember("7411", "Ana", Role.HOST, False, True)
BO = StageMember("7412", "Bø 🎙️", Role.CO_HOST, True, False)
CY = StageMember("7413", "Cy", Role.SPEAKER, False, False)
SNAP = Snapshot(seq=42, room=1234, controller="ctl-3f9a", title="Launch", ended=False, members=(ANA, BO, CY),
                listeners=ListenerCount(25, 1763721000.123), hands=(Hand("l-ab12cd", "Di", 1763720990.0),),
                hands_total=3)


def snapshot_obj(**changes: Any) -> dict[str, Any]:
    obj = json.loads(encode(SNAP))
    obj.update(changes)
    return obj


def delta_obj(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"v": 1, "type": "delta", "seq": 43, "base": 42, "controller": "ctl-3f9a"}
    obj.update(changes)
    return obj


def member_obj(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"id": "9", "name": "Ed", "role": "speaker", "muted": False, "talking": False}
    obj.update(changes)
    return obj


def violation(obj: Any, parse: Any = parse_announcement) -> str:
    text = obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"))
    with pytest.raises(ProtocolViolation) as info:
        parse(text)
    return str(info.value)


# --- round trips ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("msg", [
    SNAP,
    Snapshot(seq=0, room=0, controller="c", title="", ended=True, members=(), listeners=None, hands=(),
             hands_total=0),
    Delta(seq=43, base=42, controller="ctl-3f9a"),
    Delta(seq=43, base=42, controller="ctl-3f9a", title="New", ended=True, listeners=None, hands=(), hands_total=0,
          upsert=(BO,), remove=("7411",)),
    Delta(seq=50, base=42, controller="ctl-3f9a", listeners=ListenerCount(0, 1.5),
          hands=SNAP.hands, hands_total=7),
    dataclasses.replace(SNAP, recording=True),
    Delta(seq=43, base=42, controller="ctl-3f9a", recording=True),
    Delta(seq=43, base=42, controller="ctl-3f9a", recording=False),
])
def test_announcements_round_trip(msg: Snapshot | Delta) -> None:
    text = encode(msg)
    assert parse_announcement(text) == msg
    assert " " not in text.replace("Bø 🎙️", "")  # compact separators: bytes matter with a 16 KiB budget


@pytest.mark.parametrize("msg", [HandRequest(True), HandRequest(False), SyncRequest()])
def test_whispers_round_trip(msg: HandRequest | SyncRequest) -> None:
    assert parse_whisper(encode(msg)) == msg


def test_delta_distinguishes_absent_listeners_from_unknown() -> None:
    absent = parse_announcement(json.dumps(delta_obj()))
    unknown = parse_announcement(json.dumps(delta_obj(listeners=None)))
    assert isinstance(absent, Delta) and isinstance(unknown, Delta)
    assert absent.listeners is UNSET
    assert unknown.listeners is None
    assert "listeners" not in json.loads(encode(absent))
    assert json.loads(encode(unknown))["listeners"] is None


def test_wire_shape_matches_the_agreed_api() -> None:
    obj = json.loads(encode(SNAP))
    assert obj["v"] == 1 and obj["type"] == "snapshot"
    assert obj["members"][0] == {"id": "7411", "name": "Ana", "role": "host", "muted": False, "talking": True}
    assert obj["listeners"] == {"count": 25, "at": 1763721000.123}
    assert obj["hands"] == [{"id": "l-ab12cd", "name": "Di", "at": 1763720990.0}]
    assert json.loads(encode(HandRequest(True))) == {"v": 1, "type": "hand", "raised": True}
    assert json.loads(encode(SyncRequest())) == {"v": 1, "type": "sync"}


def test_unknown_fields_are_ignored() -> None:
    parsed = parse_announcement(json.dumps(snapshot_obj(extra={"x": [1]}, members=[member_obj(colour="red")])))
    assert isinstance(parsed, Snapshot)
    assert parsed.members == (StageMember("9", "Ed", Role.SPEAKER, False, False),)
    assert parse_whisper('{"v":1,"type":"hand","raised":false,"why":"done"}') == HandRequest(False)


def test_integral_times_are_accepted_as_floats() -> None:
    parsed = parse_announcement(json.dumps(snapshot_obj(listeners={"count": 1, "at": 1763721000})))
    assert isinstance(parsed, Snapshot) and parsed.listeners is not None
    assert type(parsed.listeners.measured_at) is float


# --- names and ids -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "clean"), [
    ("A" * 65, "A" * 64),
    ("Ana\x00\x1b[31m\n", "Ana[31m"),
    ("  Ana  ", "Ana"),
    ("Ana\u202eevil", "Anaevil"),
    ("\ud800Ana", "Ana"),
    ("👩\u200d💻 Zoë", "👩\u200d💻 Zoë"),  # ZWJ sequences stay whole
    ("x" + " " * 63 + "y", "x"),  # truncation does not leave trailing blanks
])
def test_names_are_cleaned_and_truncated(raw: str, clean: str) -> None:
    parsed = parse_announcement(json.dumps(snapshot_obj(members=[member_obj(name=raw)])))
    assert isinstance(parsed, Snapshot)
    assert parsed.members[0].name == clean


def test_title_is_cleaned_and_truncated_to_100() -> None:
    parsed = parse_announcement(json.dumps(snapshot_obj(title="\tT" * 120)))
    assert isinstance(parsed, Snapshot)
    assert parsed.title == "T" * 100


def test_encode_cleans_names_so_the_round_trip_is_exact() -> None:
    long = StageMember("1", "N" * 70 + "\x07", Role.SPEAKER, False, False)
    snap = Snapshot(1, 1, "c", "t", False, (long,), None, (), 0)
    parsed = parse_announcement(encode(snap))
    assert isinstance(parsed, Snapshot)
    assert parsed.members[0].name == "N" * 64
    assert encode(parsed) == encode(snap)


def test_feedback_is_optional_on_the_wire_and_sent_only_when_set() -> None:
    old = parse_announcement(json.dumps(snapshot_obj(members=[member_obj()])))  # a message from before the field
    assert isinstance(old, Snapshot) and old.members[0].feedback is False
    flagged = StageMember("7414", "Di", Role.SPEAKER, True, False, feedback=True)
    for msg in (dataclasses.replace(SNAP, members=(ANA, flagged)),
                Delta(seq=43, base=42, controller="ctl-3f9a", upsert=(flagged, ANA))):
        text = encode(msg)
        assert parse_announcement(text) == msg
        members = json.loads(text)["members" if isinstance(msg, Snapshot) else "upsert"]
        assert [m.get("feedback") for m in members] == ([None, True] if isinstance(msg, Snapshot) else [True, None])
    assert '"feedback"' not in encode(SNAP)  # false is not sent: every byte counts in a 16 KiB message
    explicit = parse_announcement(json.dumps(snapshot_obj(members=[member_obj(feedback=False)])))
    assert isinstance(explicit, Snapshot) and explicit.members[0].feedback is False
    with pytest.raises(ProtocolViolation, match="'feedback' must be a boolean"):
        encode(Delta(seq=43, base=42, controller="c", upsert=(dataclasses.replace(ANA, feedback=1),)))  # type: ignore[arg-type]


def test_recording_is_optional_on_the_wire_sent_only_when_true_and_in_deltas_only_when_changed() -> None:
    old = parse_announcement(json.dumps(snapshot_obj()))  # a snapshot from before the field: not recording
    assert isinstance(old, Snapshot) and old.recording is False
    assert '"recording"' not in encode(SNAP)  # false is not sent
    recording = json.loads(encode(dataclasses.replace(SNAP, recording=True)))
    assert recording["recording"] is True
    explicit = parse_announcement(json.dumps(snapshot_obj(recording=False)))
    assert isinstance(explicit, Snapshot) and explicit.recording is False
    unchanged = parse_announcement(json.dumps(delta_obj()))
    assert isinstance(unchanged, Delta) and unchanged.recording is None
    assert "recording" not in json.loads(encode(unchanged))
    for value in (True, False):  # a change either way is sent as it is: a stop must reach everyone too
        delta = Delta(seq=43, base=42, controller="c", recording=value)
        assert json.loads(encode(delta))["recording"] is value
        assert parse_announcement(encode(delta)) == delta
    with pytest.raises(ProtocolViolation, match="'recording' must be a boolean"):
        encode(dataclasses.replace(SNAP, recording=1))  # type: ignore[arg-type]


def test_parts_is_optional_on_the_wire_sent_only_when_more_than_one_and_bounded() -> None:
    assert '"parts"' not in encode(SNAP)
    old = parse_announcement(json.dumps(snapshot_obj()))  # from before the field: whole in one message
    assert isinstance(old, Snapshot) and old.parts == 1
    three = dataclasses.replace(SNAP, parts=3)
    assert json.loads(encode(three))["parts"] == 3 and parse_announcement(encode(three)) == three
    assert parse_announcement(encode(dataclasses.replace(SNAP, parts=MAX_PARTS))).parts == MAX_PARTS  # type: ignore
    for bad, why in ((0, "'parts' must be 1 to 16, got 0"), (MAX_PARTS + 1, "'parts' must be 1 to 16, got 17"),
                     (-1, "'parts' must not be negative"), ("2", "'parts' must be an integer"),
                     (True, "'parts' must be an integer")):
        assert why in violation(snapshot_obj(parts=bad))


# --- violations ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("obj", "expected"), [
    ("", "not JSON"),
    ("{", "not JSON"),
    ("[]", "message must be an object, got array"),
    ('"hi"', "message must be an object, got string"),
    ("null", "message must be an object, got null"),
    ({"type": "snapshot"}, "missing 'v'"),
    ({"v": True, "type": "sync"}, "'v' must be an integer, got boolean True"),
    ({"v": "1", "type": "sync"}, "'v' must be an integer, got string '1'"),
    ({"v": 1.0, "type": "sync"}, "'v' must be an integer, got number 1.0"),
    ({"v": 0, "type": "sync"}, "protocol version 0 is not supported"),
    ({"v": 1}, "missing 'type'"),
    ({"v": 1, "type": 5}, "'type' must be a string, got integer 5"),
    ({"v": 1, "type": "chat"}, "unknown message type 'chat'"),
    ({"v": 1, "type": "hand", "raised": True}, "'hand' is a whisper, not an announcement"),
    ('{"v":1,"v":1,"type":"sync"}', "key 'v' appears more than once"),
    ('{"v":1,"type":"snapshot","seq":NaN}', "non-finite number NaN"),
    ('{"v":1,"type":"snapshot","seq":-Infinity}', "non-finite number -Infinity"),
    ('{"v":1e999}', "number '1e999' is out of range"),
    ('{"v":' + "9" * 5000 + "}", "not JSON"),
    ("[" * 15000 + "]" * 15000, "bytes (at most 16384)"),
    ("[" * 8000 + "]" * 8000, "not JSON: maximum recursion depth exceeded"),
    (snapshot_obj(seq=-1), "'seq' must not be negative, got -1"),
    (snapshot_obj(seq=True), "'seq' must be an integer, got boolean True"),
    (snapshot_obj(seq=1.5), "'seq' must be an integer, got number 1.5"),
    (snapshot_obj(seq="42"), "'seq' must be an integer, got string '42'"),
    (snapshot_obj(room=-5), "'room' must not be negative"),
    (snapshot_obj(controller=""), "'controller' is empty"),
    (snapshot_obj(controller=7), "'controller' must be a string, got integer 7"),
    (snapshot_obj(controller="c" * 129), "'controller' is 129 characters long (at most 128)"),
    (snapshot_obj(controller="ctl\n1"), "'controller' 'ctl\\n1' contains control"),
    (snapshot_obj(title=None), "'title' must be a string, got null"),
    (snapshot_obj(ended=0), "'ended' must be a boolean, got integer 0"),
    (snapshot_obj(members={}), "'members' must be an array, got object"),
    (snapshot_obj(members=[member_obj(id=str(i)) for i in range(MAX_MEMBERS + 1)]), "'members' has 201 entries"),
    (snapshot_obj(members=["Ana"]), "members[0] must be an object, got string 'Ana'"),
    (snapshot_obj(members=[member_obj(), member_obj(id=12)]), "members[1]: 'id' must be a string, got integer"),
    (snapshot_obj(members=[member_obj(role="king")]),
     "members[0]: role 'king' is not one of 'host', 'co-host', 'speaker'"),
    (snapshot_obj(members=[member_obj(role=None)]), "members[0]: 'role' must be a string, got null"),
    (snapshot_obj(members=[member_obj(muted=1)]), "members[0]: 'muted' must be a boolean, got integer 1"),
    (snapshot_obj(members=[member_obj(talking="yes")]), "members[0]: 'talking' must be a boolean"),
    (snapshot_obj(members=[member_obj(name=["x"])]), "members[0]: 'name' must be a string, got array"),
    (snapshot_obj(members=[{"id": "1", "role": "host", "muted": False, "talking": False}]),
     "members[0]: missing 'name'"),
    (snapshot_obj(members=[member_obj(), member_obj()]), "'members' lists id '9' more than once"),
    (snapshot_obj(members=[member_obj(id="")]), "members[0]: 'id' is empty"),
    (snapshot_obj(listeners=5), "'listeners' must be an object, got integer 5"),
    (snapshot_obj(listeners={"count": -1, "at": 1.0}), "listeners: 'count' must not be negative"),
    (snapshot_obj(listeners={"count": False, "at": 1.0}), "listeners: 'count' must be an integer, got boolean"),
    (snapshot_obj(listeners={"count": 3, "at": "now"}), "listeners: 'at' must be a number, got string"),
    (snapshot_obj(listeners={"count": 3, "at": True}), "listeners: 'at' must be a number, got boolean"),
    (snapshot_obj(listeners={"count": 3}), "listeners: missing 'at'"),
    (snapshot_obj(listeners={"count": 3, "at": 10**400}), "listeners: 'at' is out of range, got 1000"),
    (snapshot_obj(hands=[{"id": f"l-{i}", "name": "x", "at": 1.0} for i in range(MAX_LISTED_HANDS + 1)],
                  hands_total=500), "'hands' has 101 entries (at most 100)"),
    (snapshot_obj(hands=[{"id": "l-1", "name": "x", "at": 1.0}] * 2, hands_total=2), "'hands' lists id 'l-1'"),
    (snapshot_obj(hands=[{"id": "l-1", "name": "x", "at": False}]), "hands[0]: 'at' must be a number"),
    (snapshot_obj(hands_total=0), "'hands_total' 0 is less than the 1 listed hands"),
    ({k: v for k, v in snapshot_obj().items() if k != "hands_total"}, "missing 'hands_total'"),
    ({k: v for k, v in snapshot_obj().items() if k != "listeners"}, "missing 'listeners'"),
    (delta_obj(seq=42), "delta 'seq' 42 must be greater than its 'base' 42"),
    (delta_obj(base=-1), "'base' must not be negative"),
    (delta_obj(hands=[]), "only one of 'hands' and 'hands_total'"),
    (delta_obj(hands_total=3), "only one of 'hands' and 'hands_total'"),
    (delta_obj(upsert=[member_obj(), member_obj()]), "'upsert' lists id '9' more than once"),
    (delta_obj(upsert=[member_obj(role="Host")]), "upsert[0]: role 'Host' is not one of"),
    (delta_obj(remove=["1", "1"]), "'remove' lists id '1' more than once"),
    (delta_obj(remove=[1]), "remove[0] must be a string, got integer 1"),
    (delta_obj(remove="1"), "'remove' must be an array, got string"),
    (delta_obj(upsert=[member_obj()], remove=["9"]), "id '9' is both upserted and removed"),
    (delta_obj(ended="false"), "'ended' must be a boolean, got string"),
    (delta_obj(title=3), "'title' must be a string"),
    (snapshot_obj(members=[member_obj(feedback=1)]), "members[0]: 'feedback' must be a boolean, got integer 1"),
    (snapshot_obj(members=[member_obj(feedback="true")]), "members[0]: 'feedback' must be a boolean, got string"),
    (delta_obj(upsert=[member_obj(feedback=None)]), "upsert[0]: 'feedback' must be a boolean, got null"),
    (snapshot_obj(recording=1), "'recording' must be a boolean, got integer 1"),
    (snapshot_obj(recording="true"), "'recording' must be a boolean, got string"),
    (delta_obj(recording=None), "'recording' must be a boolean, got null"),
    (delta_obj(recording=0), "'recording' must be a boolean, got integer 0"),
])
def test_each_violation_is_named(obj: Any, expected: str) -> None:
    assert expected in violation(obj)


@pytest.mark.parametrize(("obj", "expected"), [
    ({"v": 1, "type": "hand"}, "missing 'raised'"),
    ({"v": 1, "type": "hand", "raised": 1}, "'raised' must be a boolean, got integer 1"),
    ({"v": 1, "type": "snapshot"}, "'snapshot' is an announcement, not a whisper"),
    ({"v": 1, "type": "kick"}, "unknown message type 'kick'"),
    ({"v": 3, "type": "sync"}, "protocol version 3 is newer than the supported version 1"),
    ({"type": "sync"}, "missing 'v'"),
])
def test_whisper_violations(obj: Any, expected: str) -> None:
    assert expected in violation(obj, parse_whisper)


def test_newer_version_is_its_own_violation_with_the_version() -> None:
    with pytest.raises(UnsupportedVersion) as info:
        parse_announcement('{"v":2,"type":"snapshot2","whatever":[]}')
    assert info.value.version == 2
    assert "protocol version 2 is newer" in str(info.value)


@pytest.mark.parametrize("value", [b'{"v":1,"type":"sync"}', None, 42, ["x"]])
def test_non_text_input_is_a_violation(value: Any) -> None:
    with pytest.raises(ProtocolViolation, match="message must be text"):
        parse_whisper(value)


def test_size_limit_is_exact_in_utf8_bytes() -> None:
    base = json.dumps(snapshot_obj(pad=""), ensure_ascii=False, separators=(",", ":"))
    room = MAX_MESSAGE_BYTES - len(base.encode())
    fits = base.replace('"pad":""', '"pad":"' + "é" * (room // 2) + "x" * (room % 2) + '"')
    assert len(fits.encode()) == MAX_MESSAGE_BYTES
    assert isinstance(parse_announcement(fits), Snapshot)
    over = fits.replace('"pad":"', '"pad":"x', 1)
    assert "message is 16385 bytes (at most 16384)" in violation(over)


def test_limits_are_inclusive() -> None:
    # 200 members and 100 hands do not fit 16 KiB together (see the protocol doc's size budget): one at a time.
    members = [member_obj(id=str(i), name="") for i in range(MAX_MEMBERS)]
    parsed = parse_announcement(json.dumps(snapshot_obj(members=members), separators=(",", ":")))
    assert isinstance(parsed, Snapshot) and len(parsed.members) == MAX_MEMBERS
    hands = [{"id": f"l{i}", "name": "", "at": 1} for i in range(MAX_LISTED_HANDS)]
    parsed = parse_announcement(json.dumps(snapshot_obj(hands=hands, hands_total=100), separators=(",", ":")))
    assert isinstance(parsed, Snapshot) and len(parsed.hands) == MAX_LISTED_HANDS


def test_encode_refuses_what_receivers_would_drop() -> None:
    big = tuple(StageMember(str(10**19 + i), "N" * 60, Role.SPEAKER, False, False) for i in range(MAX_MEMBERS))
    with pytest.raises(ProtocolViolation, match="bytes"):
        encode(Snapshot(1, 1, "c", "", False, big, None, (), 0))
    with pytest.raises(ProtocolViolation, match="'members' lists id '7411' more than once"):
        encode(Snapshot(1, 1, "c", "", False, (ANA, ANA), None, (), 0))
    with pytest.raises(ProtocolViolation, match="listeners measured_at is nan"):
        encode(Delta(2, 1, "c", listeners=ListenerCount(1, float("nan"))))
    with pytest.raises(ProtocolViolation, match="'seq' must be an integer, got boolean"):
        encode(Delta(True, 0, "c"))  # bool is an int to the type checker, not on the wire
    with pytest.raises(ProtocolViolation, match="role 'king'"):
        encode(Snapshot(1, 1, "c", "", False, (StageMember("1", "x", "king", False, False),),  # type: ignore[arg-type]
                        None, (), 0))
    with pytest.raises(TypeError):
        encode("sync")  # type: ignore[arg-type]


# --- fuzz: parsing is total ----------------------------------------------------------------------------------------

def random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, 1, -1, 42, 2**70, -(10**400), rng.randrange(-10**6, 10**6)])
    if kind == 3:
        return rng.choice([0.5, -1e308, 1e-320, rng.uniform(-1e9, 1e9)])
    if kind in (4, 5):
        return rng.choice(["", "host", "speaker", "snapshot", "delta", "hand", "sync", "é\x00", "\ud83d", "x" * 70])
    if kind in (6, 7):
        keys = ["v", "type", "seq", "base", "room", "controller", "title", "ended", "members", "listeners", "hands",
                "hands_total", "upsert", "remove", "raised", "id", "name", "role", "muted", "talking", "count", "at"]
        return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randrange(6))}
    return [random_json(rng, depth + 1) for _ in range(rng.randrange(4))]


def mutate(rng: random.Random, text: str) -> str:
    choice = rng.randrange(5)
    i = rng.randrange(len(text) + 1)
    if choice == 0:
        return text[:i]
    if choice == 1:
        return text[:i] + rng.choice('{}[]",:0-eE.\\ ntfa\x00\ud800é') + text[i + 1:]
    if choice == 2:
        return text[:i] + text[i + rng.randrange(1, 8):]
    if choice == 3:
        return text[:i] + rng.choice(["true", "null", "1e999", '"x"', "[]", "{}", "-1", "1.5"]) + text[i:]
    return text.replace(rng.choice(['"host"', "false", "true", "42", '"7411"', '"v":1', "1763720990.0"]),
                        rng.choice(['"king"', "0", "1", "null", '"7412"', '"v":2', "[]", "9" * 400]), 1)


def test_fuzz_parsing_never_raises_anything_else() -> None:
    rng = random.Random(20240501)
    seeds = [encode(SNAP), encode(Delta(43, 42, "c", title="t", listeners=None, upsert=(ANA,), remove=("1",),
                                        hands=SNAP.hands, hands_total=1)),
             encode(HandRequest(True)), encode(SyncRequest())]
    outcomes = {"ok": 0, "violation": 0}
    for n in range(12000):
        if n % 3 == 0:
            text = json.dumps(random_json(rng))
            if rng.random() < 0.5 and text.startswith("{"):
                text = '{"v":1,' + text[1:] if text != "{}" else '{"v":1}'
        else:
            text = rng.choice(seeds)
            for _ in range(rng.randrange(1, 4)):
                text = mutate(rng, text)
        for parse in (parse_announcement, parse_whisper):
            try:
                msg = parse(text)
            except ProtocolViolation as e:
                assert str(e), f"empty violation message for {text!r}"
                outcomes["violation"] += 1
            else:
                outcomes["ok"] += 1
                # Whatever parses is valid: it re-encodes and parses to the same message.
                assert parse(encode(msg)) == msg
    assert outcomes["ok"] > 200 and outcomes["violation"] > 5000  # the fuzz reached both sides


def test_fuzz_random_bytes() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        text = bytes(rng.randrange(256) for _ in range(rng.randrange(40))).decode("utf-8", "replace")
        with pytest.raises(ProtocolViolation):
            parse_announcement(text)


# --- rate limiter --------------------------------------------------------------------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_whisper_limits_are_five_per_ten_seconds_burst_five() -> None:
    assert (WHISPER_RATE, WHISPER_BURST) == (0.5, 5)
    clock = FakeClock()
    limiter = RateLimiter(WHISPER_RATE, WHISPER_BURST, clock=clock)
    assert [limiter.allow("l-1") for _ in range(6)] == [True] * 5 + [False]
    clock.now += 1.9
    assert not limiter.allow("l-1")
    clock.now += 0.1  # 2 s since the burst: one token back
    assert limiter.allow("l-1")
    assert not limiter.allow("l-1")
    clock.now += 10.0
    assert [limiter.allow("l-1") for _ in range(6)] == [True] * 5 + [False]


def test_rate_limiter_is_per_sender_and_forgets() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, 2, clock=clock)
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")
    limiter.forget("a")
    limiter.forget("never-seen")
    assert limiter.allow("a")


def test_rate_limiter_never_banks_more_than_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, 3, clock=clock)
    limiter.allow("a")
    clock.now += 3600
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_rate_limiter_clock_stepping_back_neither_refills_nor_drains() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, 3, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    clock.now -= 100
    assert not limiter.allow("a")
    clock.now += 102  # 2 s after the last real reading: exactly 2 tokens
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b")  # a fresh sender at the stepped-back time...
    clock.now -= 50
    assert [limiter.allow("b") for _ in range(3)] == [True, True, False]  # ...keeps the tokens it had


def test_rate_limiter_memory_follows_active_senders() -> None:
    clock = FakeClock()
    limiter = RateLimiter(WHISPER_RATE, WHISPER_BURST, clock=clock)
    for i in range(5000):
        limiter.allow(f"l-{i}")
    clock.now += 60  # everyone's bucket is full again: indistinguishable from never seen
    for _ in range(4096):
        limiter.allow("busy")
    assert len(limiter) == 1


@pytest.mark.parametrize(("rate", "burst"), [(0, 5), (-1, 5), (float("inf"), 5), (float("nan"), 5), (1, 0)])
def test_rate_limiter_rejects_nonsense(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate, burst)


def test_stage_member_reads_one_listparticipants_entry_and_refuses_anything_else() -> None:
    from app.room.protocol import stage_member

    member = stage_member({"id": 42, "display": "Ana", "muted": True, "talking": "yes"})
    assert member == StageMember("42", "Ana", Role.SPEAKER, True, False)  # only a real `true` counts
    assert stage_member({"id": "x"}, Role.HOST) == StageMember("x", "Speaker x", Role.HOST, False, False)
    assert stage_member({"id": 7, "display": "<b>" + "n" * 500}).name == ("<b>" + "n" * 500)[:64]  # text, trimmed
    for bad in (None, 7, "id", ["id", 1], {"display": "no id"}, {"id": True}, {"id": 1.5}, {"id": ""}, {"id": None}):
        assert stage_member(bad) is None, bad
