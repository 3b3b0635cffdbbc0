"""The room channel's wire protocol (v1): message types, limits, strict parsing, and a whisper rate limiter.

Everything that arrives on channel N comes from the network, so parsing is strict and total: any input either
yields a valid message or raises ProtocolViolation naming the problem (receivers log one line and drop it).
Plain Python on purpose: the controller, the listener's channel and tests share it. Encoding is in
app.room.protocol_encoding. Spec: docs/room-protocol.md.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Final

from app.links import LinkError, format_link, parse_link
from app.room.edge_loads import EdgeLoads, read_loads
from app.room.ratelimit import RateLimiter as RateLimiter  # agreed API of this module; generic, so kept apart
from app.room.wire import MAX_ID_CHARS as MAX_ID_CHARS
from app.room.wire import MAX_MESSAGE_BYTES as MAX_MESSAGE_BYTES
from app.room.wire import PROTOCOL_VERSION as PROTOCOL_VERSION
from app.room.wire import ProtocolViolation as ProtocolViolation
from app.room.wire import UnsupportedVersion as UnsupportedVersion
from app.room.wire import (
    as_object,
    check_id,
    clean_text,
    decode,
    no_duplicates,
    read_array,
    read_bool,
    read_flag,
    read_int,
    read_str,
    read_time,
    required,
    short,
)

MAX_MEMBERS: Final = 200
MAX_LISTED_HANDS: Final = 100
MAX_NAME_CHARS: Final = 64
MAX_TITLE_CHARS: Final = 100
MAX_PARTS: Final = 16  # a snapshot too big for one message continues in deltas (§3.1); 200 members need ≤ 7

# Timing rules (seconds); see docs/room-protocol.md "Sequence rules" and "Fallback".
DELTA_MIN_INTERVAL: Final = 0.5  # a controller coalesces changes into at most one delta per 500 ms
SNAPSHOT_MAX_INTERVAL: Final = 10.0  # ...and sends a full snapshot at least this often
SYNC_COALESCE: Final = 0.25  # answers to joins and syncs at least this far apart (one answers every asker)
CONTROLLER_SILENCE: Final = 15.0  # no announcement for this long: the controller is gone, fall back
FALLBACK_POLL_INTERVAL: Final = 5.0  # fallback: poll the stage's listparticipants at most every 5 s...
FALLBACK_POLL_RATE: Final = 50.0  # ...and less often in big rooms: ≤ 50 polls/s from all listeners of a server (§7)
WHISPER_RATE: Final = 0.5  # hand/sync whispers per second per sender (5 per 10 s)...
WHISPER_BURST: Final = 5  # ...with a burst of 5


class Role(enum.StrEnum):
    HOST = "host"
    CO_HOST = "co-host"
    SPEAKER = "speaker"


class Unset(enum.Enum):
    """Sentinel type for "this field is not in the delta" (None already means "unknown")."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True, slots=True)
class StageMember:
    id: str
    name: str
    role: Role
    muted: bool
    talking: bool
    feedback: bool = False  # its feedback guard muted it (howling); optional on the wire, sent only when true
    held: bool = False  # a host muted it and holds the mute: it cannot unmute itself; optional, sent only when true


@dataclass(frozen=True, slots=True)
class ListenerCount:
    count: int
    measured_at: float  # unix time of the measurement, so the UI can tell (and say) how old it is


@dataclass(frozen=True, slots=True)
class Hand:
    id: str
    name: str
    raised_at: float  # unix time


@dataclass(frozen=True, slots=True)
class Snapshot:
    seq: int
    room: int
    controller: str
    title: str
    ended: bool
    members: tuple[StageMember, ...]
    listeners: ListenerCount | None
    hands: tuple[Hand, ...]
    hands_total: int
    recording: bool = False  # the stage mix is being recorded; optional on the wire, sent only when true
    parts: int = 1  # > 1: the stage continues in the next parts − 1 deltas (a chain); sent only when > 1
    moved: str | None = None  # the room went on at this link (canonical, §3.8); only with `ended`, sent when set
    loads: EdgeLoads = ()  # listeners per feed server (§6.1, app.room.edge_loads); sent when not empty


@dataclass(frozen=True, slots=True)
class Delta:
    seq: int
    base: int
    controller: str
    title: str | None = None
    ended: bool | None = None
    listeners: ListenerCount | Unset | None = UNSET
    hands: tuple[Hand, ...] | None = None
    hands_total: int | None = None
    upsert: tuple[StageMember, ...] = ()
    remove: tuple[str, ...] = ()
    recording: bool | None = None
    moved: str | None = None  # the room went on at this link (§3.8); None = unchanged
    loads: EdgeLoads | None = None  # listeners per feed server, all of them (§6.1); None = unchanged


@dataclass(frozen=True, slots=True)
class HandRequest:
    raised: bool


@dataclass(frozen=True, slots=True)
class SyncRequest:
    pass


Announcement = Snapshot | Delta
Whisper = HandRequest | SyncRequest

_ROLES: Final = {r.value: r for r in Role}
_ROLE_LIST: Final = ", ".join(repr(r.value) for r in Role)


def stage_member(participant: Any, role: Role = Role.SPEAKER) -> StageMember | None:
    """A stage member from one entry of AudioBridge's `listparticipants` (the controller's and the listener's
    fallback's one reading of it); None for an entry that is not a participant object with an id, or one whose
    audio is not set up (joining, or the controller's stage watcher, which joins without media)."""
    if not isinstance(participant, dict) or participant.get("setup") is False:
        return None
    raw_id = participant.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, int | str):
        return None
    member_id = clean_text(str(raw_id), MAX_ID_CHARS)
    if not member_id:
        return None
    display = participant.get("display")
    name = clean_text(display, MAX_NAME_CHARS) if isinstance(display, str) else ""
    return StageMember(member_id, name or f"Speaker {member_id}", role, participant.get("muted") is True,
                       participant.get("talking") is True)


# --- field readers: each returns a typed value or raises ProtocolViolation naming where and what -------------------


def _member(value: Any, where: str) -> StageMember:
    obj = as_object(value, where)
    where += ": "
    member_id = check_id(required(obj, "id", where), f"{where}'id'")
    role_text = read_str(obj, "role", where)
    role = _ROLES.get(role_text)
    if role is None:
        raise ProtocolViolation(f"{where}role {short(role_text)} is not one of {_ROLE_LIST}")
    return StageMember(member_id, clean_text(read_str(obj, "name", where), MAX_NAME_CHARS), role,
                       read_bool(obj, "muted", where), read_bool(obj, "talking", where),
                       read_flag(obj, "feedback", where), read_flag(obj, "held", where))


def _members(obj: dict[str, Any], key: str) -> tuple[StageMember, ...]:
    members = tuple(_member(m, f"{key}[{i}]") for i, m in enumerate(read_array(obj, key, MAX_MEMBERS)))
    no_duplicates([m.id for m in members], key)
    return members


def _hands(obj: dict[str, Any]) -> tuple[Hand, ...]:
    hands = []
    for i, value in enumerate(read_array(obj, "hands", MAX_LISTED_HANDS)):
        hand = as_object(value, f"hands[{i}]")
        where = f"hands[{i}]: "
        hand_id = check_id(required(hand, "id", where), f"{where}'id'")
        name = clean_text(read_str(hand, "name", where), MAX_NAME_CHARS)
        hands.append(Hand(hand_id, name, read_time(hand, "at", where)))
    no_duplicates([h.id for h in hands], "hands")
    return tuple(hands)


def _listeners(value: Any) -> ListenerCount | None:
    if value is None:
        return None
    obj = as_object(value, "'listeners'")
    return ListenerCount(read_int(obj, "count", "listeners: "), read_time(obj, "at", "listeners: "))


def moved_link(value: Any, where: str = "'moved'") -> str:
    """A room link that travels inside a message (a `moved` forward, a host's `move`), as strict as a pasted one
    (no secrets, app.links) and in its canonical form: receivers follow it, so nothing else may pass."""
    if not isinstance(value, str):
        raise ProtocolViolation(f"{where} must be a room link (a string), got {type(value).__name__}")
    try:
        canonical = format_link(parse_link(value))
    except LinkError as exc:
        raise ProtocolViolation(f"{where}: {exc}") from None
    if canonical != value:  # one text per link: no whitespace, tabs or newlines that URL parsing would drop
        raise ProtocolViolation(f"{where} is not a link in its canonical form")
    return canonical


def _moved(obj: dict[str, Any]) -> str | None:
    return moved_link(obj["moved"]) if "moved" in obj else None


def _title(obj: dict[str, Any]) -> str:
    return clean_text(read_str(obj, "title"), MAX_TITLE_CHARS)


# --- decoding ------------------------------------------------------------------------------------------------------


def parse_announcement(text: str) -> Snapshot | Delta:
    """Parse the `text` of a TextRoom announcement (the only place state may come from)."""
    return announcement_from(*decode(text))


def is_state(kind: str) -> bool:
    """Whether a decoded message of type `kind` carries room state (an announcement, or a whispered answer)."""
    return kind in ("snapshot", "delta")


def announcement_from(kind: str, obj: dict[str, Any]) -> Snapshot | Delta:
    """A snapshot or delta from a decoded message (`wire.decode`): for receivers that take more than state."""
    if not is_state(kind):
        if kind in ("hand", "sync"):
            raise ProtocolViolation(f"message type {kind!r} is a whisper, not an announcement")
        raise ProtocolViolation(f"unknown message type {short(kind)}")
    controller = check_id(required(obj, "controller", ""), "'controller'")
    if kind == "snapshot":
        hands = _hands(obj)
        hands_total = read_int(obj, "hands_total")
        if hands_total < len(hands):
            raise ProtocolViolation(f"'hands_total' {hands_total} is less than the {len(hands)} listed hands")
        ended, moved = read_bool(obj, "ended"), _moved(obj)
        if moved is not None and not ended:
            raise ProtocolViolation("'moved' comes only with 'ended': true (a moved room is over here)")
        return Snapshot(seq=read_int(obj, "seq"), room=read_int(obj, "room"), controller=controller, title=_title(obj),
                        ended=ended, members=_members(obj, "members"),
                        listeners=_listeners(required(obj, "listeners", "")), hands=hands, hands_total=hands_total,
                        recording=read_flag(obj, "recording"), parts=_parts(obj), moved=moved,
                        loads=read_loads(obj["loads"]) if "loads" in obj else ())
    return _delta(obj, controller)


def _parts(obj: dict[str, Any]) -> int:
    parts = read_int(obj, "parts") if "parts" in obj else 1
    if not 1 <= parts <= MAX_PARTS:
        raise ProtocolViolation(f"'parts' must be 1 to {MAX_PARTS}, got {parts}")
    return parts


def _delta(obj: dict[str, Any], controller: str) -> Delta:
    seq, base = read_int(obj, "seq"), read_int(obj, "base")
    if seq <= base:
        raise ProtocolViolation(f"delta 'seq' {seq} must be greater than its 'base' {base}")
    hands: tuple[Hand, ...] | None = None
    hands_total: int | None = None
    if ("hands" in obj) != ("hands_total" in obj):
        raise ProtocolViolation("delta has only one of 'hands' and 'hands_total' (they come together)")
    if "hands" in obj:
        hands, hands_total = _hands(obj), read_int(obj, "hands_total")
        if hands_total < len(hands):
            raise ProtocolViolation(f"'hands_total' {hands_total} is less than the {len(hands)} listed hands")
    upsert = _members(obj, "upsert") if "upsert" in obj else ()
    remove: tuple[str, ...] = ()
    if "remove" in obj:
        remove = tuple(check_id(r, f"remove[{i}]") for i, r in enumerate(read_array(obj, "remove", MAX_MEMBERS)))
        no_duplicates(list(remove), "remove")
        both = {m.id for m in upsert}.intersection(remove)
        if both:
            raise ProtocolViolation(f"id {short(min(both))} is both upserted and removed")
    ended = read_bool(obj, "ended") if "ended" in obj else None
    if "moved" in obj and ended is not True:
        raise ProtocolViolation("'moved' comes only with 'ended': true (a moved room is over here)")
    return Delta(seq=seq, base=base, controller=controller,
                 title=_title(obj) if "title" in obj else None,
                 ended=ended,
                 listeners=_listeners(obj["listeners"]) if "listeners" in obj else UNSET,
                 hands=hands, hands_total=hands_total, upsert=upsert, remove=remove,
                 recording=read_bool(obj, "recording") if "recording" in obj else None, moved=_moved(obj),
                 loads=read_loads(obj["loads"]) if "loads" in obj else None)


def parse_whisper(text: str) -> HandRequest | SyncRequest:
    """Parse the `text` of a whisper to the controller (the sender is the server-set `from`, not in here)."""
    kind, obj = decode(text)
    if kind == "hand":
        return HandRequest(read_bool(obj, "raised"))
    if kind == "sync":
        return SyncRequest()
    if kind in ("snapshot", "delta"):
        raise ProtocolViolation(f"message type {kind!r} is an announcement, not a whisper")
    raise ProtocolViolation(f"unknown message type {short(kind)}")
