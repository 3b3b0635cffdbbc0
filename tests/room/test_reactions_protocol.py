"""The `react` whisper and the `reactions` announcement (§3.9): strict parsing, round trips, and anything else
raising only ProtocolViolation (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.room.host_protocol import parse_request
from app.room.protocol import ProtocolViolation, parse_announcement, parse_whisper
from app.room.reactions_protocol import (
    MAX_REACTION_CODES,
    MAX_REACTION_COUNT,
    REACT_PREFIX,
    REACTIONS,
    ReactionCounts,
    ReactRequest,
    encode_react,
    encode_reactions,
    parse_react,
    parse_reactions,
)
from app.room.stage_protocol import parse_to_listener
from tests.janus.hostile import JSON_VALUES

CODES = st.sampled_from(REACTIONS)
COUNTS = st.lists(st.tuples(CODES, st.integers(1, MAX_REACTION_COUNT)), max_size=len(REACTIONS),
                  unique_by=lambda c: c[0]).map(lambda cs: tuple(sorted(cs, key=lambda c: REACTIONS.index(c[0]))))
VALID = {"v": 1, "type": "reactions", "controller": "ctl-1", "counts": {"clap": 3, "heart": 1}}


def text(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


@given(CODES)
def test_react_round_trips_and_starts_with_the_prefix(code: str) -> None:
    wire = encode_react(ReactRequest(code))
    assert wire.startswith(REACT_PREFIX)
    assert parse_react(wire) == ReactRequest(code)
    assert parse_request(wire) == ReactRequest(code)  # the controller's general parser knows it too


@given(st.text(max_size=30).filter(lambda c: c not in REACTIONS))
def test_a_code_outside_the_set_is_refused(code: str) -> None:
    with pytest.raises(ProtocolViolation):
        encode_react(ReactRequest(code))
    with pytest.raises(ProtocolViolation):
        parse_react(text({"v": 1, "type": "react", "code": code}))


@given(st.text(min_size=1, max_size=20), COUNTS)
def test_reactions_round_trip(controller: str, counts: tuple[tuple[str, int], ...]) -> None:
    controller = "c" + "".join(ch for ch in controller if ch.isprintable())[:100]
    message = ReactionCounts(controller, counts)
    assert parse_reactions(encode_reactions(message)) == message
    assert message.total == sum(n for _, n in counts)


def test_unknown_codes_are_skipped_not_refused() -> None:
    """A newer controller may announce more codes: the known ones still show."""
    got = parse_reactions(text({**VALID, "counts": {"zap": 5, "heart": 2, "clap": 1}}))
    assert got.counts == (("clap", 1), ("heart", 2))  # in REACTIONS order


@pytest.mark.parametrize("counts", [
    [], {"clap": 0}, {"clap": -1}, {"clap": True}, {"clap": 1.0}, {"clap": MAX_REACTION_COUNT + 1},
    {"Clap": 1}, {"": 1}, {"x" * 17: 1}, {"cl ap": 1}, {f"c{i}": 1 for i in range(MAX_REACTION_CODES + 1)},
    "clap", None,
])
def test_bad_counts_make_the_announcement_invalid(counts: Any) -> None:
    with pytest.raises(ProtocolViolation):
        parse_reactions(text({**VALID, "counts": counts}))


@pytest.mark.parametrize("obj", [
    {k: v for k, v in VALID.items() if k != "counts"}, {k: v for k, v in VALID.items() if k != "controller"},
    {**VALID, "controller": ""}, {**VALID, "controller": 5}, {**VALID, "v": 2}, {**VALID, "type": "react"},
])
def test_bad_fields_make_the_announcement_invalid(obj: dict[str, Any]) -> None:
    with pytest.raises(ProtocolViolation):
        parse_reactions(text(obj))


def test_reactions_are_not_state_nor_a_whisper() -> None:
    """On the wrong path each parser refuses it: state comes only as snapshot/delta, and a listener never takes a
    `reactions` whisper; a controller never takes one either."""
    wire = text(VALID)
    for parse in (parse_announcement, parse_whisper, parse_to_listener, parse_request):
        with pytest.raises(ProtocolViolation):
            parse(wire)
    with pytest.raises(ProtocolViolation):
        parse_reactions(encode_react(ReactRequest("clap")))


@given(JSON_VALUES)
def test_any_counts_value_raises_only_protocol_violation(value: Any) -> None:
    try:
        got = parse_reactions(text({**VALID, "counts": value}))
    except ProtocolViolation:
        return
    assert all(code in REACTIONS and n >= 1 for code, n in got.counts)


@given(st.fixed_dictionaries({}, optional={"v": JSON_VALUES | st.just(1), "type": st.just("react") | JSON_VALUES,
                                           "code": CODES | JSON_VALUES}))
def test_any_react_object_raises_only_protocol_violation(obj: dict[str, Any]) -> None:
    try:
        got = parse_react(text(obj))
    except ProtocolViolation:
        return
    assert got.code in REACTIONS


@given(st.text(max_size=200))
def test_any_text_raises_only_protocol_violation(wire: str) -> None:
    for parse in (parse_react, parse_reactions):
        try:
            parse(wire)
        except ProtocolViolation:
            pass
