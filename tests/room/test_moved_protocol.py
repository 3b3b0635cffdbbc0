"""A moved room's forward (§3.8): the `moved` field of snapshots and deltas, and the host's `move` action.

The link inside a message is followed by every listener, so it must pass exactly what a pasted link passes (no
secrets) and nothing a URL parser would silently rewrite: hypothesis searches both sides.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.links import LinkError, RoomLink, format_link, parse_link
from app.room.host_protocol import HostVerb, encode_host_action, parse_request, sign, verify
from app.room.protocol import Delta, ProtocolViolation, Snapshot, parse_announcement
from app.room.protocol_encoding import encode
from app.room.stage_protocol import StagePass

BASE = Snapshot(seq=5, room=1, controller="ctl-a", title="A", ended=True, members=(), listeners=None, hands=(),
                hands_total=0)
PASS = StagePass(1, 4519884231, "k" * 32)

hosts = st.one_of(st.from_regex(r"\A[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6})?\Z"),
                  st.ip_addresses(v=4).map(str))
links = st.builds(
    lambda scheme, host, port, room, extra, title: format_link(RoomLink(
        room, (f"{scheme}://{host}:{port}/janus", *(f"{scheme}://{h}:{port}/janus" for h in extra if h != host)),
        title)),
    st.sampled_from(["ws", "wss"]), hosts, st.integers(1, 65535), st.integers(1, 2**53 - 1),
    st.lists(hosts, max_size=3, unique=True), st.text(max_size=30).filter(lambda t: t == t.strip()))


@settings(max_examples=300)
@given(links)
def test_a_valid_forward_round_trips_in_snapshots_and_deltas(link: str) -> None:
    snap = dataclasses.replace(BASE, moved=link)
    assert parse_announcement(encode(snap)) == snap
    delta = Delta(seq=6, base=5, controller="ctl-a", ended=True, moved=link)
    assert parse_announcement(encode(delta)) == delta


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_any_text_as_forward_parses_only_if_it_is_a_canonical_link(text: str) -> None:
    obj = json.loads(encode(BASE))
    obj["moved"] = text
    try:
        parsed = parse_announcement(json.dumps(obj))
    except ProtocolViolation:
        return
    assert isinstance(parsed, Snapshot) and parsed.moved == text == format_link(parse_link(text))


@settings(max_examples=200)
@given(links, st.sampled_from(["secret=s3", "token=x", "pin=1", "password=p"]))
def test_a_forward_never_carries_secrets(link: str, secret: str) -> None:
    sneaky = link + ("&" if "?" in link else "?") + secret
    with pytest.raises(LinkError):
        parse_link(sneaky)
    obj = json.loads(encode(BASE))
    obj["moved"] = sneaky
    with pytest.raises(ProtocolViolation):
        parse_announcement(json.dumps(obj))


@pytest.mark.parametrize("value, problem", [
    ("plaza+ws://h:1/5\n", "canonical"),
    (" plaza+ws://h:1/5", "canonical"),
    ("plaza+ws://h:1/5#x", "no #fragment"),
    ("plaza+ws://u:p@h:1/5", "credentials"),
    ("http://h/5", "unknown link type"),
    (5, "must be a room link"),
    (None, "must be a room link"),
])
def test_a_bad_forward_is_refused_naming_why(value: object, problem: str) -> None:
    obj = json.loads(encode(BASE))
    obj["moved"] = value
    with pytest.raises(ProtocolViolation, match=problem):
        parse_announcement(json.dumps(obj))


def test_a_forward_comes_only_with_an_ended_room() -> None:
    obj = json.loads(encode(dataclasses.replace(BASE, moved="plaza+ws://h:8188/5")))
    obj["ended"] = False
    with pytest.raises(ProtocolViolation, match="only with 'ended'"):
        parse_announcement(json.dumps(obj))


def test_a_snapshot_without_forward_has_no_moved_field() -> None:
    assert "moved" not in json.loads(encode(BASE))
    assert parse_announcement(encode(BASE)).moved is None  # type: ignore[union-attr]


@settings(max_examples=200)
@given(links, st.integers(0, 2**53 - 1))
def test_a_signed_move_round_trips(link: str, seq: int) -> None:
    action = sign(PASS, seq, HostVerb.MOVE, link)
    parsed = parse_request(encode_host_action(action))
    assert parsed == action and verify(parsed, PASS.token)  # type: ignore[arg-type]


@pytest.mark.parametrize("target", ["", "x", "plaza+ws://h:1/5?secret=1", "plaza+ws://h:1/5 "])
def test_a_move_needs_a_valid_link(target: str) -> None:
    with pytest.raises(ValueError):
        sign(PASS, 1, HostVerb.MOVE, target)
    obj = json.loads(encode_host_action(sign(PASS, 1, HostVerb.MOVE, "plaza+ws://h:8188/5")))
    obj["target"] = target
    with pytest.raises(ProtocolViolation):
        parse_request(json.dumps(obj))


@pytest.mark.parametrize("ended", [False, None])
def test_a_delta_carries_a_forward_only_with_ended_true(ended: bool | None) -> None:
    obj = json.loads(encode(Delta(seq=6, base=5, controller="ctl-a", ended=True, moved="plaza+ws://h:8188/5")))
    if ended is None:
        del obj["ended"]
    else:
        obj["ended"] = ended
    with pytest.raises(ProtocolViolation):
        parse_announcement(json.dumps(obj))
