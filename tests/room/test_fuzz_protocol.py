"""Room-channel input from anyone: parsing raises only ProtocolViolation, and the channel never breaks.

The seeded fuzz in test_protocol.py mutates text; these properties let hypothesis search (and shrink): arbitrary
text and JSON values, valid messages with one field replaced by anything, and whole event streams fed to the
listener's channel (through the TextRoom handle's data-channel parser), which must drop what it cannot use.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from app.events import Event
from app.janus.textroom import TextRoomHandle
from app.listener.channel import RoomChannel
from app.listener.state import RoomStateModel
from app.room.protocol import (
    MAX_ID_CHARS,
    Delta,
    Hand,
    HandRequest,
    ListenerCount,
    ProtocolViolation,
    Role,
    Snapshot,
    StageMember,
    SyncRequest,
    parse_announcement,
    parse_whisper,
)
from app.room.protocol_encoding import encode
from tests.janus.hostile import JSON_VALUES, no_error_logs

ROOM = 1234
PARSERS = (parse_announcement, parse_whisper)

# ------------------------------------------------------------------------------------------------ strategies
IDS = st.text(st.characters(codec="utf-8", categories=["L", "N", "P"]), min_size=1, max_size=MAX_ID_CHARS)
NAMES = st.text(max_size=80)
TIMES = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
MEMBERS = st.builds(StageMember, IDS, NAMES, st.sampled_from(Role), st.booleans(), st.booleans(), st.booleans())
HANDS = st.builds(Hand, IDS, NAMES, TIMES)
COUNTS = st.none() | st.builds(ListenerCount, st.integers(0, 2**40), TIMES)
SNAPSHOTS = st.builds(Snapshot, seq=st.integers(0, 2**40), room=st.just(ROOM), controller=IDS, title=NAMES,
                      ended=st.booleans(), members=st.lists(MEMBERS, max_size=4, unique_by=lambda m: m.id).map(tuple),
                      listeners=COUNTS, hands=st.lists(HANDS, max_size=3, unique_by=lambda h: h.id).map(tuple),
                      hands_total=st.integers(3, 50), recording=st.booleans())
DELTAS = st.builds(
    lambda base, step, controller, title, listeners, upsert, recording: Delta(
        base + step, base, controller, title=title, listeners=listeners, upsert=upsert, recording=recording),
    st.integers(0, 2**40), st.integers(1, 3), IDS, st.none() | NAMES, COUNTS,
    st.lists(MEMBERS, max_size=3, unique_by=lambda m: m.id).map(tuple), st.none() | st.booleans())
MESSAGES = st.one_of(SNAPSHOTS, DELTAS, st.builds(HandRequest, st.booleans()), st.just(SyncRequest()))


@st.composite
def broken_message(draw: st.DrawFn) -> str:
    """A valid message's JSON with one field (at any depth) replaced by anything, or removed."""
    obj = json.loads(encode(draw(MESSAGES)))
    node: Any = obj
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        if isinstance(node, dict) and draw(st.integers(0, 4)) == 0:
            del node[key]
        else:
            node[key] = draw(JSON_VALUES)
        break
    return json.dumps(obj)  # NaN/Infinity included: Python's decoder reads them, the protocol's must refuse them


def _parse(parse: Any, text: Any) -> None:
    """Either a message that re-encodes to itself, or a ProtocolViolation with a one-line reason."""
    try:
        message = parse(text)
    except ProtocolViolation as exc:
        assert str(exc) and "\n" not in str(exc)
        event(f"{parse.__name__}: violation")
        return
    event(f"{parse.__name__}: parsed")
    assert parse(encode(message)) == message


# ------------------------------------------------------------------------------------------------ parsing
@settings(max_examples=500)
@given(text=st.one_of(st.text(max_size=200), JSON_VALUES.map(json.dumps), JSON_VALUES))
def test_any_text_or_value_parses_or_is_a_violation(text: Any) -> None:
    for parse in PARSERS:
        _parse(parse, text)


@settings(max_examples=400)
@given(text=broken_message())
def test_a_valid_message_with_any_field_broken_parses_or_is_a_violation(text: str) -> None:
    for parse in PARSERS:
        _parse(parse, text)


@settings(max_examples=300)
@given(message=MESSAGES)
def test_what_encodes_parses_back_to_itself(message: Any) -> None:
    try:
        text = encode(message)
    except ProtocolViolation:  # encode refuses what receivers would drop (e.g. a title that cleans to nothing)
        event("refused by encode")
        return
    parse = parse_announcement if isinstance(message, Snapshot | Delta) else parse_whisper
    parsed = parse(text)
    assert parse(encode(parsed)) == parsed  # encode cleans display text, so compare after one trip
    if isinstance(message, Snapshot | Delta):
        assert isinstance(parsed, Snapshot | Delta)
        assert (parsed.seq, parsed.controller) == (message.seq, message.controller)
    else:
        assert parsed == message


# ------------------------------------------------------------------------------------------------ the channel
class Handle:
    """Just enough of a PluginHandle for TextRoomHandle's data-channel parser."""

    class Session:
        url = "ws://fuzz.invalid/janus"

        def __init__(self) -> None:
            self.lost: asyncio.Future[Exception] = asyncio.get_running_loop().create_future()

    plugin = "janus.plugin.textroom"

    def __init__(self) -> None:
        self.session = self.Session()
        self.events: Event[[dict[str, Any]]] = Event("fuzz handle events")

    async def detach(self) -> None:
        pass


ANNOUNCEMENTS = st.fixed_dictionaries(
    {"textroom": st.just("announcement"), "room": st.just(ROOM),
     "text": st.one_of(SNAPSHOTS.map(encode), DELTAS.map(encode), broken_message())})
TEXTROOM_EVENTS = ANNOUNCEMENTS | st.fixed_dictionaries(
    {"textroom": st.sampled_from(["announcement", "message", "join", "leave", "kicked", "destroyed", "error",
                                  "success"]) | JSON_VALUES},
    optional={"room": st.just(ROOM) | JSON_VALUES, "text": st.one_of(MESSAGES.map(encode), JSON_VALUES),
              "from": JSON_VALUES, "username": st.just("l-me") | JSON_VALUES, "whisper": JSON_VALUES,
              "transaction": JSON_VALUES, "date": JSON_VALUES})
DATA = st.one_of(TEXTROOM_EVENTS.map(lambda e: json.dumps(e)), TEXTROOM_EVENTS.map(lambda e: json.dumps(e).encode()),
                 st.text(max_size=60), st.binary(max_size=60), JSON_VALUES.map(json.dumps))


@settings(max_examples=200, deadline=None)
@given(stream=st.lists(DATA, min_size=1, max_size=8))
async def test_any_data_channel_stream_leaves_the_channel_working(stream: list[str | bytes]) -> None:
    model = RoomStateModel()
    channel = RoomChannel("ws://fuzz.invalid/janus", ROOM, model, username="l-me")
    textroom = TextRoomHandle(Handle())  # type: ignore[arg-type]
    textroom.events.connect(channel.handle_event)
    logging.getLogger("app.listener.channel").setLevel(logging.ERROR)  # one warning per dropped announcement is noise
    try:
        with no_error_logs():
            for data in stream:
                textroom._on_data(data)
        state = model.state
        assert state.seq is None or type(state.seq) is int
        assert all(isinstance(m, StageMember) for m in state.members)
        event("state from an announcement" if state.seq is not None else "no state taken")
        if channel.lost.done():
            event("channel lost (destroyed / kicked)")
    finally:
        logging.getLogger("app.listener.channel").setLevel(logging.NOTSET)
        await channel.close()
        await textroom.close()
