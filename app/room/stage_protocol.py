"""Channel N whispers that bring a listener onto the stage and back (protocol v1, docs/room-protocol.md "Stage").

The controller whispers an `invite` carrying a stage pass: a one-time token it has put in AudioBridge's `allowed`
list, and the participant id to join with (so the controller knows which stage member the pass belongs to). The
listener answers (`answer`), joins the stage with the pass, and whispers `left` when it steps down; the controller
then removes the token, so a used pass cannot join again. `uninvite` withdraws a pass (declined, expired, revoked
or demoted). Whispers to a listener count only when their server-set `from` is the controller announcing the room.
A speaker whose feedback guard muted it whispers `feedback`, so the controller can show everyone why it went quiet.

The token is a secret: `StagePass.__repr__` hides it and nothing here logs it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from app.room.protocol import (
    PROTOCOL_VERSION,
    HandRequest,
    ProtocolViolation,
    SyncRequest,
    _bool,
    _check_id,
    _decode,
    _field,
    _int,
    _short,
    _time,
    parse_whisper,
)

MAX_STAGE_ID: Final = 2**53 - 1  # AudioBridge ids are JSON integers; keep them exact in every JSON stack
MAX_INVITE_TTL: Final = 600.0
MIN_TOKEN_CHARS: Final = 16
FEEDBACK_HZ_RANGE: Final = (20.0, 24000.0)  # audible tones at up to 48 kHz sampling: anything else is not a howl


@dataclass(frozen=True, slots=True)
class StagePass:
    """What lets one participant join stage `room`: a token in the `allowed` list and the id to join with."""

    room: int
    stage_id: int
    token: str = field(repr=False)

    def __repr__(self) -> str:  # the token is a secret: never in a log or a traceback
        return f"StagePass(room={self.room}, stage_id={self.stage_id}, token=***)"


@dataclass(frozen=True, slots=True)
class Invite:
    """Controller → listener: come on stage with this pass within `ttl` seconds."""

    stage_pass: StagePass
    ttl: float


@dataclass(frozen=True, slots=True)
class Uninvite:
    """Controller → listener: the pass is withdrawn (declined, expired, revoked, demoted)."""

    room: int


@dataclass(frozen=True, slots=True)
class StageAnswer:
    """Listener → controller: the invite is accepted (the listener is joining) or declined."""

    accepted: bool


@dataclass(frozen=True, slots=True)
class LeftStage:
    """Listener → controller: I stepped down; my pass is used."""


@dataclass(frozen=True, slots=True)
class FeedbackReport:
    """Speaker → controller: my feedback guard muted me (howling at `hz`); the room shows why I went quiet."""

    hz: float


ToListener = Invite | Uninvite
ToController = HandRequest | SyncRequest | StageAnswer | LeftStage | FeedbackReport


def _room(obj: dict[str, Any]) -> int:
    return _int(obj, "room")


def _token(obj: dict[str, Any]) -> str:
    token = _check_id(_field(obj, "token", ""), "'token'")
    if len(token) < MIN_TOKEN_CHARS:
        raise ProtocolViolation(f"'token' is {len(token)} characters long (at least {MIN_TOKEN_CHARS})")
    if not token.isascii() or any(c.isspace() for c in token):
        raise ProtocolViolation("'token' must be printable ASCII without spaces")
    return token


def parse_to_listener(text: str) -> ToListener:
    """Parse a whisper the controller sent to this listener."""
    kind, obj = _decode(text)
    if kind == "invite":
        stage_id = _int(obj, "stage_id")
        if not 1 <= stage_id <= MAX_STAGE_ID:
            raise ProtocolViolation(f"'stage_id' must be between 1 and {MAX_STAGE_ID}, got {_short(stage_id)}")
        ttl = _time(obj, "ttl")
        if not 0 < ttl <= MAX_INVITE_TTL:
            raise ProtocolViolation(f"'ttl' must be more than 0 and at most {MAX_INVITE_TTL:g} s, got {ttl:g}")
        return Invite(StagePass(_room(obj), stage_id, _token(obj)), ttl)
    if kind == "uninvite":
        return Uninvite(_room(obj))
    raise ProtocolViolation(f"message type {_short(kind)} is not a whisper to a listener")


def parse_to_controller(text: str) -> ToController:
    """Parse a whisper a listener sent to the controller (hands, sync, and the stage answers)."""
    kind, obj = _decode(text)
    if kind == "answer":
        return StageAnswer(_bool(obj, "accepted"))
    if kind == "left":
        return LeftStage()
    if kind == "feedback":
        hz = _time(obj, "hz")  # a finite JSON number (not a boolean)
        low, high = FEEDBACK_HZ_RANGE
        if not low <= hz <= high:
            raise ProtocolViolation(f"'hz' must be between {low:g} and {high:g}, got {hz:g}")
        return FeedbackReport(hz)
    return parse_whisper(text)


def encode_stage(msg: Invite | Uninvite | StageAnswer | LeftStage | FeedbackReport) -> str:
    """Compact JSON for the wire; parses its own output, so a message receivers would drop raises here."""
    out: dict[str, Any] = {"v": PROTOCOL_VERSION}
    if isinstance(msg, Invite):
        p = msg.stage_pass
        out.update(type="invite", room=p.room, stage_id=p.stage_id, token=p.token, ttl=msg.ttl)
    elif isinstance(msg, Uninvite):
        out.update(type="uninvite", room=msg.room)
    elif isinstance(msg, StageAnswer):
        out.update(type="answer", accepted=msg.accepted)
    elif isinstance(msg, LeftStage):
        out["type"] = "left"
    elif isinstance(msg, FeedbackReport):
        out.update(type="feedback", hz=msg.hz)
    else:
        raise TypeError(f"cannot encode {type(msg).__name__}")
    try:
        text = json.dumps(out, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise ProtocolViolation(f"cannot encode {type(msg).__name__}: {e}") from None
    if isinstance(msg, Invite | Uninvite):
        parse_to_listener(text)
    else:
        parse_to_controller(text)
    return text
