"""Channel N whispers that bring a listener onto the stage and back (protocol v1, docs/room-protocol.md "Stage").

The controller whispers an `invite` carrying a stage pass: a one-time token it has put in AudioBridge's `allowed`
list, and the participant id to join with (so the controller knows which stage member the pass belongs to). The
listener answers (`answer`), joins the stage with the pass, and whispers `left` when it steps down; the controller
then removes the token, so a used pass cannot join again. `uninvite` withdraws a pass (declined, expired, revoked
or demoted). Whispers to a listener count only when their server-set `from` is the controller announcing the room.
A speaker whose feedback guard muted it whispers `feedback`, so the controller can show everyone why it went quiet.
A host who asked for the audience graph (host verb `audience`) gets an `audience` whisper: the controller's counts
per time bucket (listeners, channel joins, leaves, reconnects), the picture of a launch night the hosts lacked.
A host who moved the room gets its stage's `roster` (app.room.roster_protocol), to invite them again there; a speaker
who followed it `claim`s its place from the new room's controller with a proof from its old pass.

The token is a secret: `StagePass.__repr__` hides it and nothing here logs it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from app.room.protocol import HandRequest, SyncRequest, parse_whisper
from app.room.reactions_protocol import ReactRequest, react_from
from app.room.roster_protocol import CarryClaim, Roster, claim_from, roster_from
from app.room.wire import (
    PROTOCOL_VERSION,
    ProtocolViolation,
    check_id,
    decode,
    read_array,
    read_bool,
    read_int,
    read_time,
    required,
    short,
    type_name,
)

MAX_STAGE_ID: Final = 2**53 - 1  # AudioBridge ids are JSON integers; keep them exact in every JSON stack
MAX_INVITE_TTL: Final = 600.0
MIN_TOKEN_CHARS: Final = 16
FEEDBACK_HZ_RANGE: Final = (20.0, 24000.0)  # audible tones at up to 48 kHz sampling: anything else is not a howl
MAX_AUDIENCE_POINTS: Final = 720  # two hours of 10 s buckets: what a controller keeps (fewer fit in 16 KiB)
MAX_AUDIENCE_BUCKET: Final = 3600.0  # seconds per bucket, at most: a chart needs more than one point a day
MAX_AUDIENCE_VALUE: Final = 2**53 - 1  # counts stay exact in every JSON stack


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


@dataclass(frozen=True, slots=True)
class AudiencePoint:
    """One time bucket of the controller's audience log: counts of what happened in it."""

    at: float  # unix time of the bucket's start
    listeners: int | None  # the controller's listener count at the bucket's end (the last reading); None = unknown
    joins: int  # channel joins of new listeners
    leaves: int  # channel leaves not followed by a rejoin within the reconnect window
    reconnects: int  # listeners who left (any server) and joined again (any server) within the window


@dataclass(frozen=True, slots=True)
class AudienceReport:
    """Controller → host: the audience graph's data, oldest point first; `total` points were kept, the newest
    `len(points)` of them fitted in one message."""

    room: int
    bucket: float  # seconds per point
    points: tuple[AudiencePoint, ...]
    total: int


ToListener = Invite | Uninvite | AudienceReport | Roster
ToController = HandRequest | SyncRequest | StageAnswer | LeftStage | FeedbackReport | ReactRequest | CarryClaim


def _room(obj: dict[str, Any]) -> int:
    return read_int(obj, "room")


def _token(obj: dict[str, Any]) -> str:
    token = check_id(required(obj, "token", ""), "'token'")
    if len(token) < MIN_TOKEN_CHARS:
        raise ProtocolViolation(f"'token' is {len(token)} characters long (at least {MIN_TOKEN_CHARS})")
    if not token.isascii() or any(c.isspace() for c in token):
        raise ProtocolViolation("'token' must be printable ASCII without spaces")
    return token


def parse_to_listener(text: str) -> ToListener:
    """Parse a whisper the controller sent to this listener."""
    return to_listener_from(*decode(text))


def to_listener_from(kind: str, obj: dict[str, Any]) -> ToListener:
    """A stage whisper from a decoded message (`wire.decode`)."""
    if kind == "invite":
        stage_id = read_int(obj, "stage_id")
        if not 1 <= stage_id <= MAX_STAGE_ID:
            raise ProtocolViolation(f"'stage_id' must be between 1 and {MAX_STAGE_ID}, got {short(stage_id)}")
        ttl = read_time(obj, "ttl")
        if not 0 < ttl <= MAX_INVITE_TTL:
            raise ProtocolViolation(f"'ttl' must be more than 0 and at most {MAX_INVITE_TTL:g} s, got {ttl:g}")
        return Invite(StagePass(_room(obj), stage_id, _token(obj)), ttl)
    if kind == "uninvite":
        return Uninvite(_room(obj))
    if kind == "audience":
        return _audience(obj)
    if kind == "roster":
        return roster_from(obj)
    raise ProtocolViolation(f"message type {short(kind)} is not a whisper to a listener")


def _count(value: Any, where: str) -> int:
    if type(value) is not int:  # exact: true is not a count
        raise ProtocolViolation(f"{where} must be an integer, got {type_name(value)} {short(value)}")
    if not 0 <= value <= MAX_AUDIENCE_VALUE:
        raise ProtocolViolation(f"{where} must be between 0 and {MAX_AUDIENCE_VALUE}, got {short(value)}")
    return value


def _point(value: Any, where: str) -> AudiencePoint:
    if type(value) is not list or len(value) != 5:
        raise ProtocolViolation(f"{where} must be an array of 5 numbers, got {type_name(value)} {short(value)}")
    at = read_time({"t": value[0]}, "t", f"{where}: ")
    listeners = None if value[1] is None else _count(value[1], f"{where}: listeners")
    return AudiencePoint(at, listeners, _count(value[2], f"{where}: joins"), _count(value[3], f"{where}: leaves"),
                         _count(value[4], f"{where}: reconnects"))


def _audience(obj: dict[str, Any]) -> AudienceReport:
    bucket = read_time(obj, "bucket")
    if not 0 < bucket <= MAX_AUDIENCE_BUCKET:
        raise ProtocolViolation(f"'bucket' must be more than 0 and at most {MAX_AUDIENCE_BUCKET:g} s, got {bucket:g}")
    points = tuple(_point(p, f"points[{i}]") for i, p in enumerate(read_array(obj, "points", MAX_AUDIENCE_POINTS)))
    for i in range(1, len(points)):
        if points[i].at <= points[i - 1].at:
            raise ProtocolViolation(f"points[{i}] is not later than the point before it")
    total = read_int(obj, "total")
    if total < len(points):
        raise ProtocolViolation(f"'total' {total} is less than the {len(points)} points sent")
    return AudienceReport(_room(obj), bucket, points, total)


def parse_to_controller(text: str) -> ToController:
    """Parse a whisper a listener sent to the controller (hands, sync, reactions, and the stage answers)."""
    kind, obj = decode(text)
    if kind == "react":
        return react_from(obj)
    if kind == "answer":
        return StageAnswer(read_bool(obj, "accepted"))
    if kind == "left":
        return LeftStage()
    if kind == "claim":
        return claim_from(obj)
    if kind == "feedback":
        hz = read_time(obj, "hz")  # a finite JSON number (not a boolean)
        low, high = FEEDBACK_HZ_RANGE
        if not low <= hz <= high:
            raise ProtocolViolation(f"'hz' must be between {low:g} and {high:g}, got {hz:g}")
        return FeedbackReport(hz)
    return parse_whisper(text)


def _number_json(value: float) -> float | int:
    """Whole numbers as JSON integers (a 720-point message is bytes-bound: `1763721000` not `1763721000.0`)."""
    return int(value) if type(value) is float and value.is_integer() and abs(value) < 2**53 else value


def audience_point_json(p: AudiencePoint) -> list[Any]:
    return [_number_json(p.at), p.listeners, p.joins, p.leaves, p.reconnects]


def encode_stage(msg: Invite | Uninvite | AudienceReport | StageAnswer | LeftStage | FeedbackReport) -> str:
    """Compact JSON for the wire; parses its own output, so a message receivers would drop raises here."""
    out: dict[str, Any] = {"v": PROTOCOL_VERSION}
    if isinstance(msg, Invite):
        p = msg.stage_pass
        out.update(type="invite", room=p.room, stage_id=p.stage_id, token=p.token, ttl=msg.ttl)
    elif isinstance(msg, Uninvite):
        out.update(type="uninvite", room=msg.room)
    elif isinstance(msg, AudienceReport):
        out.update(type="audience", room=msg.room, bucket=_number_json(msg.bucket), total=msg.total,
                   points=[audience_point_json(p) for p in msg.points])
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
    if isinstance(msg, Invite | Uninvite | AudienceReport):
        parse_to_listener(text)
    else:
        parse_to_controller(text)
    return text
