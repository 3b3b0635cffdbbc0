"""The roster of a moved room's stage: what the old controller whispers to the host who moved it (§3.8).

Why through the host: the two rooms' controllers share no secret and may not reach each other, and a stage pass
(a role) is a secret of one controller. The one party trusted in both rooms is the host who signed the `move`: the
old controller tells it who was on stage (names, roles and a proof per place), and the host's client hands each
place on to the new room's controller with that role (host actions `carry_speaker` / `carry_co_host`, §3.6).

Why a proof, not the username: channel usernames are public (join events, the participant list) and the new
room's link is in the public `moved` announcement, so anyone could join the new room's channel under a speaker's
name before its client gets there. Each entry therefore carries `proof` = HMAC-SHA256(old pass token,
"plaza-carry-v1\n<old room>\n<stage_id>"): the old controller and the pass holder can compute it, nobody else. The
host hands it on (host verbs `carry_speaker` / `carry_co_host`, target: the proof), and the new controller issues the
pass to whoever whispers it a matching `claim`, whatever their username: the speaker's client computes it from its
own (revoked) pass. The proof opens one place, once, for a short while, and only the new controller and the host
see it besides its holder.

A roster is a whisper like `invite`: clients take it only from the controller of their accepted announcements and
only for their own room (app.listener.channel). It names no pass and no token: usernames, display names and roles
(which every listener of the room saw already) and the proofs, whispered to the moving host alone. A long roster
goes out as several whispers (each within MAX_MESSAGE_BYTES); the receiver adds them up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
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
PROOF_CHARS: Final = 64  # hex of an HMAC-SHA256


def carry_proof(token: str, room: int, stage_id: int) -> str:
    """What proves a carried place is ours: only the old pass's holder and its controller can compute it."""
    text = f"plaza-carry-v{PROTOCOL_VERSION}\n{room}\n{stage_id}".encode()
    return hmac.new(token.encode(), text, hashlib.sha256).hexdigest()


def check_proof(value: Any, where: str) -> str:
    """A proof as it travels: 64 lowercase hex digits; raises ProtocolViolation."""
    if type(value) is not str or len(value) != PROOF_CHARS or any(c not in "0123456789abcdef" for c in value):
        raise ProtocolViolation(f"{where} must be {PROOF_CHARS} lowercase hex digits, got {short(value)}")
    return value


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One stage member of the old room: its channel username and display name (to say whom), its role, and the
    proof its client will claim the place with in the new room."""

    username: str
    name: str
    role: Role
    proof: str = field(repr=False)  # a capability: not in logs


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
    return RosterEntry(username, name, role, check_proof(obj.get("proof"), f"{where}: 'proof'"))


def roster_from(obj: dict[str, Any]) -> Roster:
    """The fields of a decoded `roster` whisper; raises ProtocolViolation naming the problem."""
    entries = tuple(_entry(m, f"members[{i}]") for i, m in enumerate(read_array(obj, "members", MAX_MEMBERS)))
    no_duplicates([e.username for e in entries], "members")
    return Roster(read_int(obj, "room"), entries)


def _text(room: int, entries: list[RosterEntry]) -> str:
    members = [{"id": e.username, "name": e.name, "role": e.role.value, "proof": e.proof} for e in entries]
    return json.dumps({"v": PROTOCOL_VERSION, "type": "roster", "room": room, "members": members},
                      ensure_ascii=False, separators=(",", ":"))


def encode_rosters(room: int, entries: Iterable[RosterEntry]) -> list[str]:
    """The roster as whispers, each within MAX_MESSAGE_BYTES (a message per ~100 members of long non-Latin names);
    at most MAX_MEMBERS entries, the first ones kept (a stage never has more live passes). No entries: one empty
    roster, so the host knows there is nobody to invite. Raises ProtocolViolation for an entry receivers would
    refuse."""
    kept = list(entries)[:MAX_MEMBERS]
    for i, entry in enumerate(kept):  # what the receiver would refuse, refused here
        _entry({"id": entry.username, "name": entry.name, "role": entry.role.value, "proof": entry.proof},
               f"members[{i}]")
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


@dataclass(frozen=True, slots=True)
class CarryClaim:
    """Speaker → the new room's controller: the place whose proof this is, mine (§3.8)."""

    room: int
    proof: str = field(repr=False)


def claim_from(obj: dict[str, Any]) -> CarryClaim:
    """The fields of a decoded `claim` whisper; raises ProtocolViolation naming the problem."""
    return CarryClaim(read_int(obj, "room"), check_proof(obj.get("proof"), "'proof'"))


def encode_claim(claim: CarryClaim) -> str:
    check_proof(claim.proof, "'proof'")
    return json.dumps({"v": PROTOCOL_VERSION, "type": "claim", "room": claim.room, "proof": claim.proof},
                      separators=(",", ":"))
