"""The roster of a moved room's stage: what the old controller whispers to the host who moved it (§3.8).

Why through the host: the two rooms' controllers share no secret and may not reach each other, and a stage pass
(a role) is a secret of one controller. The one party trusted in both rooms is the host who signed the `move`: the
old controller tells it who was on stage, by channel username and role, and the host's client asks the new room's
controller to invite each of them again with that role (host actions `invite` / `invite_co_host`, §3.6).

A roster is a whisper like `invite`: clients take it only from the controller of their accepted announcements and
only for their own room (app.listener.channel). It names no pass, no token, nothing but usernames, display names
and roles, which every listener of the room saw already. A long roster goes out as several whispers (each within
MAX_MESSAGE_BYTES); the receiver adds them up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from app.room.protocol import MAX_MEMBERS, MAX_NAME_CHARS, Role
from app.room.wire import (
    MAX_MESSAGE_BYTES,
    PROTOCOL_VERSION,
    ProtocolViolation,
    as_object,
    check_id,
    clean_text,
    no_duplicates,
    read_array,
    read_int,
    read_str,
    short,
)

CARRIED_ROLES: Final = (Role.SPEAKER, Role.CO_HOST)  # the host is the new room's through its own pass


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One stage member of the old room: its channel username (whom to invite), display name and role."""

    username: str
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class Roster:
    """Old controller → the host who moved room `room`: who was on its stage."""

    room: int
    entries: tuple[RosterEntry, ...]


def _entry(value: Any, where: str) -> RosterEntry:
    obj = as_object(value, where)
    username = check_id(obj.get("id"), f"{where}: 'id'")
    name = clean_text(read_str(obj, "name", f"{where}: "), MAX_NAME_CHARS)
    role_text = read_str(obj, "role", f"{where}: ")
    role = next((r for r in CARRIED_ROLES if r.value == role_text), None)
    if role is None:
        raise ProtocolViolation(f"{where}: 'role' must be one of {', '.join(r.value for r in CARRIED_ROLES)}, "
                                f"got {short(role_text)}")
    return RosterEntry(username, name, role)


def roster_from(obj: dict[str, Any]) -> Roster:
    """The fields of a decoded `roster` whisper; raises ProtocolViolation naming the problem."""
    entries = tuple(_entry(m, f"members[{i}]") for i, m in enumerate(read_array(obj, "members", MAX_MEMBERS)))
    no_duplicates([e.username for e in entries], "members")
    return Roster(read_int(obj, "room"), entries)


def _text(room: int, entries: list[RosterEntry]) -> str:
    members = [{"id": e.username, "name": e.name, "role": e.role.value} for e in entries]
    return json.dumps({"v": PROTOCOL_VERSION, "type": "roster", "room": room, "members": members},
                      ensure_ascii=False, separators=(",", ":"))


def encode_rosters(room: int, entries: Iterable[RosterEntry]) -> list[str]:
    """The roster as whispers, each within MAX_MESSAGE_BYTES (a message per ~100 members of long non-Latin names);
    at most MAX_MEMBERS entries, the first ones kept (a stage never has more live passes). No entries: one empty
    roster, so the host knows there is nobody to invite. Raises ProtocolViolation for an entry receivers would
    refuse."""
    kept = list(entries)[:MAX_MEMBERS]
    for i, entry in enumerate(kept):  # what the receiver would refuse, refused here
        _entry({"id": entry.username, "name": entry.name, "role": entry.role.value}, f"members[{i}]")
    texts: list[str] = []
    batch: list[RosterEntry] = []
    for entry in kept:
        if batch and len(_text(room, [*batch, entry]).encode()) > MAX_MESSAGE_BYTES:
            texts.append(_text(room, batch))
            batch = []
        batch.append(entry)
    if batch or not texts:
        texts.append(_text(room, batch))
    return texts
