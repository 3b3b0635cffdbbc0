"""Encoding the room channel's messages (app.room.protocol) for the wire: compact JSON that receivers accept.

Kept apart from the parsing: only senders need it (the controller's room book, the listener's whispers, tests),
and it checks its own output with that parsing, so it builds on app.room.protocol, never the other way round.
Spec: docs/room-protocol.md.
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

from app.room.edge_loads import loads_json
from app.room.protocol import (
    MAX_NAME_CHARS,
    MAX_TITLE_CHARS,
    Delta,
    Hand,
    HandRequest,
    ListenerCount,
    Snapshot,
    StageMember,
    SyncRequest,
    Unset,
    parse_announcement,
    parse_whisper,
)
from app.room.wire import PROTOCOL_VERSION, ProtocolViolation, clean_text


def _time_json(value: Any, where: str) -> Any:
    if type(value) is float and not math.isfinite(value):
        raise ProtocolViolation(f"cannot encode: {where} is {value}, not a finite time")
    return value


def _member_json(m: StageMember) -> dict[str, Any]:
    optional = {k: v for k, v in (("feedback", m.feedback), ("held", m.held)) if v is not False}  # only when set:
    # messages stay small
    return {"id": m.id, "name": clean_text(m.name, MAX_NAME_CHARS) if type(m.name) is str else m.name,
            "role": m.role, "muted": m.muted, "talking": m.talking, **optional}


@functools.lru_cache(maxsize=1024)
def member_bytes(m: StageMember) -> int:
    """What `m` adds to a message's members / upsert list in encoded UTF-8, its comma included (exact: the
    encoding is compact), so a controller can pack a big stage into parts without encoding every try. Cached:
    a 200-member stage is packed up to 4 times a second under churn and few members change in between."""
    return len(json.dumps(_member_json(m), ensure_ascii=False, separators=(",", ":")).encode()) + 1


def _hand_json(h: Hand) -> dict[str, Any]:
    return {"id": h.id, "name": clean_text(h.name, MAX_NAME_CHARS) if type(h.name) is str else h.name,
            "at": _time_json(h.raised_at, f"hand {h.id!r} raised_at")}


def _listeners_json(c: ListenerCount | None) -> dict[str, Any] | None:
    return None if c is None else {"count": c.count, "at": _time_json(c.measured_at, "listeners measured_at")}


def encode(msg: Snapshot | Delta | HandRequest | SyncRequest) -> str:
    """Compact JSON for the wire; raises ProtocolViolation if receivers would drop it (it parses its own output)."""
    out: dict[str, Any] = {"v": PROTOCOL_VERSION}
    if isinstance(msg, Snapshot):
        out.update(type="snapshot", seq=msg.seq, room=msg.room, controller=msg.controller,
                   title=clean_text(msg.title, MAX_TITLE_CHARS) if type(msg.title) is str else msg.title,
                   ended=msg.ended, members=[_member_json(m) for m in msg.members],
                   listeners=_listeners_json(msg.listeners), hands=[_hand_json(h) for h in msg.hands],
                   hands_total=msg.hands_total)
        if msg.recording is not False:  # only when set (a wrong type is sent, so the check below refuses it)
            out["recording"] = msg.recording
        if msg.parts != 1:
            out["parts"] = msg.parts
        if msg.moved is not None:
            out["moved"] = msg.moved
        if msg.loads:
            out["loads"] = loads_json(msg.loads)
    elif isinstance(msg, Delta):
        out.update(type="delta", seq=msg.seq, base=msg.base, controller=msg.controller)
        if msg.title is not None:
            out["title"] = clean_text(msg.title, MAX_TITLE_CHARS) if type(msg.title) is str else msg.title
        if msg.ended is not None:
            out["ended"] = msg.ended
        if not isinstance(msg.listeners, Unset):
            out["listeners"] = _listeners_json(msg.listeners)
        if msg.hands is not None:
            out["hands"] = [_hand_json(h) for h in msg.hands]
        if msg.hands_total is not None:
            out["hands_total"] = msg.hands_total
        if msg.upsert:
            out["upsert"] = [_member_json(m) for m in msg.upsert]
        if msg.remove:
            out["remove"] = list(msg.remove)
        if msg.recording is not None:
            out["recording"] = msg.recording
        if msg.moved is not None:
            out["moved"] = msg.moved
        if msg.loads is not None:
            out["loads"] = loads_json(msg.loads)
    elif isinstance(msg, HandRequest):
        out.update(type="hand", raised=msg.raised)
    elif isinstance(msg, SyncRequest):
        out["type"] = "sync"
    else:
        raise TypeError(f"cannot encode {type(msg).__name__}")
    try:
        text = json.dumps(out, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:  # a NaN time, or a field of a type JSON does not have
        raise ProtocolViolation(f"cannot encode {type(msg).__name__}: {e}") from None
    if isinstance(msg, Snapshot | Delta):
        parse_announcement(text)
    else:
        parse_whisper(text)
    return text
