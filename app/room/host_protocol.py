"""Host actions on channel N: what a host's client whispers to the controller, signed with its stage pass.

Why signed, not trusted by the sender's name: the controller hears channel N on every server of the room, and a
channel username is only unique per server, so anyone can join an edge under a host's name. A host action
therefore carries the host's `stage_id` and an HMAC-SHA256 of its fields keyed with that pass's token (which only
the host and the controller know: the token never travels again after the invite). `seq` must grow with every
action of a pass, so a recorded action cannot be replayed; clients use milliseconds of unix time (no counter to
keep across restarts). The controller checks the pass's role: hosts and co-hosts act, and only the host (the
room's creator) ends the room or removes, demotes or mutes another host. Spec: docs/room-protocol.md §3.6; the
answer to `audience` (the only verb that is answered): §3.7.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Final

from app.room.protocol import moved_link
from app.room.roster_protocol import check_proof
from app.room.stage_protocol import MAX_STAGE_ID, StagePass, ToController, parse_to_controller
from app.room.wire import PROTOCOL_VERSION, ProtocolViolation, check_id, decode, read_int, read_str, short

MAX_SEQ: Final = 2**53 - 1  # exact in every JSON stack


class HostVerb(enum.StrEnum):
    """What a host can ask; `target` is a raised hand's id or a channel username for INVITE (a member id, a raised
    hand's id or a username for REMOVE), a carried place's proof for the CARRY verbs, a member id otherwise."""

    INVITE = "invite"  # a raised hand (or any listener) onto the stage
    CARRY_SPEAKER = "carry_speaker"  # a moved room's speaker: a pass for whoever claims it with this proof (§3.8)
    CARRY_CO_HOST = "carry_co_host"  # the same for a moved room's co-host
    MUTE = "mute"  # a host mute that holds: the member cannot unmute itself until UNMUTE
    UNMUTE = "unmute"  # lift the hold; the member unmutes itself when ready (nobody is unmuted by someone else)
    MUTE_ALL = "mute_all"  # every member but the hosts, held
    DEMOTE = "demote"  # back to the audience: pass revoked, stage connection closed
    PROMOTE = "promote"  # a speaker becomes a co-host
    REMOVE = "remove"  # off the stage and out of the channel, refused for the room's life
    END = "end"  # the room is over for everyone (host only)
    RECORD = "record"  # start recording the stage mix on the stage server (everyone sees that it records)
    STOP_RECORD = "stop_record"  # stop it; the file stays on the server
    AUDIENCE = "audience"  # the audience graph's data, whispered back to the asker (changes nothing)
    FEEDBACK = "feedback"  # any pass holder about itself (target: its own member id): its guard muted it for howling
    MOVE = "move"  # the room goes on at another link (target: that link, canonical): listeners follow (host only)


NEEDS_TARGET: Final = frozenset(HostVerb) - {HostVerb.MUTE_ALL, HostVerb.END, HostVerb.RECORD, HostVerb.STOP_RECORD,
                                             HostVerb.AUDIENCE}
_VERBS: Final = {v.value: v for v in HostVerb}


@dataclass(frozen=True, slots=True)
class HostAction:
    """A host's request as it travels: who signs (`stage_id`), which action, and the signature."""

    room: int
    stage_id: int
    seq: int
    verb: HostVerb
    target: str = field(repr=False)  # "" when the verb takes none; a carried place's proof is a capability
    sig: str

    def signed_text(self) -> bytes:
        return signed_text(self.room, self.stage_id, self.seq, self.verb, self.target)


def signed_text(room: int, stage_id: int, seq: int, verb: HostVerb, target: str) -> bytes:
    """What the signature covers: every field, in one unambiguous line (the target cannot hold a newline)."""
    return f"plaza-host-v{PROTOCOL_VERSION}\n{room}\n{stage_id}\n{seq}\n{verb.value}\n{target}".encode()


def _mac(token: str, text: bytes) -> str:
    return hmac.new(token.encode(), text, hashlib.sha256).hexdigest()


def verify(action: HostAction, token: str) -> bool:
    """Whether `action` was signed with `token` (constant time)."""
    return hmac.compare_digest(_mac(token, action.signed_text()), action.sig)


def sign(stage_pass: StagePass, seq: int, verb: HostVerb, target: str = "") -> HostAction:
    """A host action signed with our own pass; raises ValueError for a target the verb does not take."""
    if (verb in NEEDS_TARGET) != bool(target):
        raise ValueError(f"{verb.value!r} {'needs' if verb in NEEDS_TARGET else 'takes no'} target")
    if target:
        _target(verb, target, "the target")  # what receivers would refuse (ProtocolViolation is a ValueError)
    text = signed_text(stage_pass.room, stage_pass.stage_id, seq, verb, target)
    return HostAction(stage_pass.room, stage_pass.stage_id, seq, verb, target, _mac(stage_pass.token, text))


def parse_host_action(obj: dict[str, Any]) -> HostAction:
    """The fields of a decoded `host` whisper; raises ProtocolViolation naming the problem."""
    room = read_int(obj, "room")
    stage_id = read_int(obj, "stage_id")
    if not 1 <= stage_id <= MAX_STAGE_ID:
        raise ProtocolViolation(f"'stage_id' must be between 1 and {MAX_STAGE_ID}, got {short(stage_id)}")
    seq = read_int(obj, "seq")
    if seq > MAX_SEQ:
        raise ProtocolViolation(f"'seq' must be at most {MAX_SEQ}, got {short(seq)}")
    verb_text = read_str(obj, "action")
    verb = _VERBS.get(verb_text)
    if verb is None:
        raise ProtocolViolation(f"host action {short(verb_text)} is not one of {', '.join(_VERBS)}")
    target = _target(verb, obj["target"], "'target'") if "target" in obj else ""
    if (verb in NEEDS_TARGET) != bool(target):
        raise ProtocolViolation(f"host action {verb.value!r} {'needs' if verb in NEEDS_TARGET else 'takes no'} "
                                "'target'")
    sig = read_str(obj, "sig")
    if len(sig) != 64 or any(c not in "0123456789abcdef" for c in sig):
        raise ProtocolViolation("'sig' must be 64 lowercase hex digits")
    return HostAction(room, stage_id, seq, verb, target, sig)


CARRY_VERBS: Final = frozenset({HostVerb.CARRY_SPEAKER, HostVerb.CARRY_CO_HOST})


def _target(verb: HostVerb, value: Any, where: str) -> str:
    """A move's target is a room link (longer than an id, validated like a pasted one), a carry's a proof; any
    other is an id."""
    if verb is HostVerb.MOVE:
        return moved_link(value, where)
    return check_proof(value, where) if verb in CARRY_VERBS else check_id(value, where)


def parse_request(text: str) -> ToController | HostAction:
    """Parse any whisper to the controller: a host action, or what a listener or speaker may ask."""
    kind, obj = decode(text)
    if kind == "host":
        return parse_host_action(obj)
    return parse_to_controller(text)


def encode_host_action(action: HostAction) -> str:
    """Compact JSON for the whisper."""
    out: dict[str, Any] = {"v": PROTOCOL_VERSION, "type": "host", "room": action.room, "stage_id": action.stage_id,
                           "seq": action.seq, "action": action.verb.value, "sig": action.sig}
    if action.target:
        out["target"] = action.target
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))
