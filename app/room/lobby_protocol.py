"""The lobby channel's wire protocol (v1): one short summary per live room of a server, announced by its controller.

The lobby is a TextRoom room with a reserved id on each server (`LOBBY_ROOM_ID`). Only holders of the lobby's
secret (room controllers) can send TextRoom announcements there; browsers join it and take state only from
announcements, like channel N (docs/room-protocol.md §11). Parsing is strict and total, as for the room channel:
any input yields a `RoomSummary` or raises ProtocolViolation naming the problem.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Final

from app.links import LinkError, check_server_url
from app.room.wire import (
    PROTOCOL_VERSION,
    ProtocolViolation,
    clean_text,
    decode,
    read_array,
    read_flag,
    read_int,
    read_str,
    read_time,
    required,
    short,
    type_name,
)

LOBBY_ROOM_ID: Final = 2**31 - 1  # never drawn for a made room (app.controller.room_maker.ROOM_ID_RANGE stops below)
LOBBY_MAX_BYTES: Final = 2048  # one summary, encoded UTF-8: far below the room channel's 16 KiB
MAX_HOSTS: Final = 8  # host names listed (the first ones on the stage)
MAX_HOST_CHARS: Final = 64
MAX_TITLE_CHARS: Final = 100
MAX_SERVERS: Final = 8  # the room's other servers (edges) a joiner may use
MAX_SERVER_CHARS: Final = 256
MAX_ROOM_ID: Final = 2**53 - 1  # as in room links
LOBBY_PERIOD: Final = 5.0  # a controller announces its room's summary this often...
LOBBY_MIN_INTERVAL: Final = 1.0  # ...and on change or a browser's join, coalesced to at most one per second
LOBBY_TIMEOUT: Final = 15.0  # browsers drop a room not announced for this long (3 missed periods)
MAX_LOBBY_ROOMS: Final = 1000  # rooms a browser keeps per server (a bound on memory, whoever announces)


@dataclass(frozen=True, slots=True)
class RoomSummary:
    """What a browser shows of one room, and what it needs to join it."""

    room: int
    title: str
    hosts: tuple[str, ...]
    listeners: int | None  # None: the controller does not know the count
    started: float  # unix time the room went live (as its controller saw it)
    servers: tuple[str, ...] = ()  # the room's servers besides the lobby's own (edges); may be empty
    ended: bool = False  # the room is over: browsers drop it now instead of after the timeout
    # Where the stage is (speakers go there: a cascade's origin, or a multi-server room's first server) when it is
    # not the lobby's own server; "" = the lobby's server. A joiner's link carries it as `stage=` (app.links).
    stage: str = ""


def _room(obj: dict[str, Any]) -> int:
    room = read_int(obj, "room")
    if not 0 < room <= MAX_ROOM_ID or room == LOBBY_ROOM_ID:
        raise ProtocolViolation(f"'room' {short(room)} is not a room number")
    return room


def _hosts(obj: dict[str, Any]) -> tuple[str, ...]:
    hosts = []
    for i, value in enumerate(read_array(obj, "hosts", MAX_HOSTS)):
        if type(value) is not str:
            raise ProtocolViolation(f"hosts[{i}] must be a string, got {type_name(value)} {short(value)}")
        name = clean_text(value, MAX_HOST_CHARS)
        if name:
            hosts.append(name)
    return tuple(hosts)


def server_field(value: Any, where: str) -> str:
    """A ws:// or wss:// URL without credentials, query or fragment (links never carry secrets); also the keys
    of the room channel's per-server `loads` (app.room.edge_loads)."""
    if type(value) is not str:
        raise ProtocolViolation(f"{where} must be a string, got {type_name(value)} {short(value)}")
    if len(value) > MAX_SERVER_CHARS or not value.isprintable() or not value.isascii():
        raise ProtocolViolation(f"{where} is not a server URL")
    try:
        return check_server_url(value)
    except LinkError:
        raise ProtocolViolation(f"{where} is not a ws:// or wss:// server URL") from None


def _servers(obj: dict[str, Any]) -> tuple[str, ...]:
    if "servers" not in obj:
        return ()
    servers = tuple(server_field(v, f"servers[{i}]") for i, v in enumerate(read_array(obj, "servers", MAX_SERVERS)))
    return tuple(dict.fromkeys(servers))


def _stage(obj: dict[str, Any]) -> str:
    return server_field(obj["stage"], "'stage'") if "stage" in obj else ""


def _listeners(obj: dict[str, Any]) -> int | None:
    value = required(obj, "listeners", "")
    return None if value is None else read_int(obj, "listeners")


def parse_summary(text: Any) -> RoomSummary:
    """Parse the `text` of a lobby announcement; raises ProtocolViolation (and nothing else) for anything bad."""
    if type(text) is str and len(text.encode("utf-8", "surrogatepass")) > LOBBY_MAX_BYTES:
        raise ProtocolViolation(f"lobby message is over {LOBBY_MAX_BYTES} bytes")
    kind, obj = decode(text)
    if kind != "lobby":
        raise ProtocolViolation(f"message type {short(kind)} does not belong on the lobby")
    started = read_time(obj, "started")
    if started < 0:
        raise ProtocolViolation(f"'started' must not be negative, got {short(started)}")
    return RoomSummary(room=_room(obj), title=clean_text(read_str(obj, "title"), MAX_TITLE_CHARS),
                       hosts=_hosts(obj), listeners=_listeners(obj), started=started, servers=_servers(obj),
                       ended=read_flag(obj, "ended"), stage=_stage(obj))


def encode_summary(summary: RoomSummary) -> str:
    """Compact JSON for a lobby announcement; raises ProtocolViolation if browsers would drop it. Hosts beyond
    the limit are left out, and so are, to stay within the size limit, the last servers and then the last hosts
    rather than refused; the stage is never left out (without it a joiner's speakers would look for the stage on
    an edge)."""
    if not math.isfinite(summary.started):
        raise ProtocolViolation("cannot encode: 'started' is not a finite time")
    hosts = [h for h in (clean_text(h, MAX_HOST_CHARS) for h in summary.hosts) if h][:MAX_HOSTS]
    out: dict[str, Any] = {"v": PROTOCOL_VERSION, "type": "lobby", "room": summary.room,
                           "title": clean_text(summary.title, MAX_TITLE_CHARS), "hosts": hosts,
                           "listeners": summary.listeners, "started": round(summary.started, 3)}
    if summary.ended:
        out["ended"] = True
    if summary.stage:
        out["stage"] = summary.stage
    servers = list(summary.servers[:MAX_SERVERS])
    while True:
        if servers:
            out["servers"] = servers
        else:
            out.pop("servers", None)
        text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode()) <= LOBBY_MAX_BYTES or not (servers or hosts):
            break
        (servers or hosts).pop()
    parse_summary(text)
    return text
