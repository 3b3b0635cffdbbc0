"""Reactions on channel N (protocol v1, docs/room-protocol.md §3.9): a `react` whisper from anyone in the room, and
the controller's `reactions` announcement of aggregated counts.

Why aggregated: at 100,000 listeners a fan-out of every reaction to everyone is N² traffic. Each reaction is one
small whisper into the controller (unavoidable: Janus relays it), and the controller announces counts per reaction
code at most twice a second, whatever the audience size. The announcement carries no `seq`: reactions are not room
state, so the sequence rules (§4) and the delta coalescing of the state are untouched, and a lost one is simply
not shown. Codes travel on the wire; the emoji are the UI's business.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Final

from app.room.wire import (
    PROTOCOL_VERSION,
    ProtocolViolation,
    as_object,
    check_id,
    decode,
    read_str,
    required,
    short,
    type_name,
)

# The fixed set, in the order the UI shows them. A receiver ignores codes it does not know (a newer sender's).
REACTIONS: Final = ("clap", "heart", "laugh", "100", "hi", "fire")
REACT_RATE: Final = 5.0  # reactions per second per sender at the controller...
REACT_BURST: Final = 10  # ...with a burst of 10; excess is dropped and counted
SEND_RATE: Final = 4.0  # what a client sends at most (its own limit stays under the controller's, so clicks count)
SEND_BURST: Final = 8
REACTIONS_INTERVAL: Final = 0.5  # the controller announces counts at most this often, and only when there were any
MAX_REACTION_CODES: Final = 16  # entries in an announcement's `counts` (known and unknown codes together)
MAX_REACTION_COUNT: Final = 2**31 - 1  # a count in one announcement (100,000 listeners × burst is far below)
REACT_PREFIX: Final = '{"v":1,"type":"react",'  # how encode_react starts: the controller's cheap look before parsing

_CODE: Final = re.compile(r"[a-z0-9_]{1,16}")
_KNOWN: Final = frozenset(REACTIONS)


@dataclass(frozen=True, slots=True)
class ReactRequest:
    """Listener or speaker → controller: one reaction (the sender is Janus's `from`, never in the text)."""

    code: str


@dataclass(frozen=True, slots=True)
class ReactionCounts:
    """Controller → everyone: how many of each reaction arrived since its previous `reactions` announcement."""

    controller: str
    counts: tuple[tuple[str, int], ...]  # (code, count ≥ 1), known codes only, in REACTIONS order

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def _code(value: Any, where: str) -> str:
    if type(value) is not str or not _CODE.fullmatch(value):
        raise ProtocolViolation(f"{where} must be 1-16 characters of a-z, 0-9 or _, got {short(value)}")
    return value


def react_from(obj: dict[str, Any]) -> ReactRequest:
    """A decoded `react` whisper (`wire.decode`); only codes of the fixed set count."""
    code = _code(read_str(obj, "code"), "'code'")
    if code not in _KNOWN:
        raise ProtocolViolation(f"reaction {short(code)} is not one of {', '.join(REACTIONS)}")
    return ReactRequest(code)


def reactions_from(obj: dict[str, Any]) -> ReactionCounts:
    """A decoded `reactions` announcement; unknown codes are skipped (a newer controller may have more)."""
    controller = check_id(required(obj, "controller", ""), "'controller'")
    counts = as_object(required(obj, "counts", ""), "'counts'")
    if len(counts) > MAX_REACTION_CODES:
        raise ProtocolViolation(f"'counts' has {len(counts)} entries (at most {MAX_REACTION_CODES})")
    known: dict[str, int] = {}
    for key, value in counts.items():
        _code(key, "a 'counts' key")
        if type(value) is not int:  # exact: true is not a count
            raise ProtocolViolation(f"counts[{key!r}] must be an integer, got {type_name(value)} {short(value)}")
        if not 1 <= value <= MAX_REACTION_COUNT:
            raise ProtocolViolation(f"counts[{key!r}] must be between 1 and {MAX_REACTION_COUNT}, got {value}")
        if key in _KNOWN:
            known[key] = value
    return ReactionCounts(controller, tuple((code, known[code]) for code in REACTIONS if code in known))


def encode_react(request: ReactRequest) -> str:
    """Compact JSON for the whisper, starting with REACT_PREFIX; raises ProtocolViolation for a code not in the set."""
    if request.code not in _KNOWN:
        raise ProtocolViolation(f"reaction {short(request.code)} is not one of {', '.join(REACTIONS)}")
    return json.dumps({"v": PROTOCOL_VERSION, "type": "react", "code": request.code}, separators=(",", ":"))


def encode_reactions(message: ReactionCounts) -> str:
    """Compact JSON for the announcement; parses its own output, so what receivers would drop raises here."""
    out = {"v": PROTOCOL_VERSION, "type": "reactions", "controller": message.controller,
           "counts": dict(message.counts)}
    try:
        text = json.dumps(out, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ProtocolViolation(f"cannot encode reactions: {e}") from None
    if len(message.counts) != len(dict(message.counts)):
        raise ProtocolViolation("cannot encode reactions: a code is listed twice")
    parse_reactions(text)
    return text


def parse_react(text: str) -> ReactRequest:
    """Parse a whole `react` whisper (any other type is refused)."""
    kind, obj = decode(text)
    if kind != "react":
        raise ProtocolViolation(f"message type {short(kind)} is not 'react'")
    return react_from(obj)


def parse_reactions(text: str) -> ReactionCounts:
    """Parse a whole `reactions` announcement (any other type is refused)."""
    kind, obj = decode(text)
    if kind != "reactions":
        raise ProtocolViolation(f"message type {short(kind)} is not 'reactions'")
    return reactions_from(obj)
