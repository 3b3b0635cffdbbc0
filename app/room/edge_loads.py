"""Per-server loads in the room state (protocol §6.1): how many listeners each of the room's feed servers carries, so
a listener choosing a server for a rejoin prefers the emptier ones (the rule is app.listener.failover's).

The controller measures them anyway (each server's feed `viewers`, for the listener count) and announces them in
every snapshot, and in a delta only when they changed meaningfully: a server appeared or dropped out, or a server's
count moved by at least LOADS_STEP of the room's audience since the loads last went out — and then at most once per
LOADS_MIN_INTERVAL. Why so coarse: every announcement reaches every listener. Four edges' loads are ~250 bytes; at
one update a second a 500,000-listener room would push 125 MB/s of them (4 % of the 48 kbit/s audio), at one per 5 s
at most 25 MB/s, and only while the audience is actually shifting; a 5 % move is what changes a listener's choice
noticeably (the weights follow the shares, app.listener.failover.spare_weights).

Servers are named by the URL strings the room's link lists (the controller's own server list), so a listener can
match them to its rotation; a server the controller cannot measure is left out, not announced as 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from app.room.lobby_protocol import server_field
from app.room.wire import ProtocolViolation, as_object, short, type_name

EdgeLoads = tuple[tuple[str, int], ...]  # (server URL, listeners on its feed), in the controller's server order

MAX_LOADS: Final = 16  # servers listed: as many as a room link may name (app.links.MAX_SERVERS)
MAX_VIEWERS: Final = 2**53 - 1  # a count every JSON reader holds exactly
LOADS_MIN_INTERVAL: Final = 5.0  # a delta carries loads at most this often (snapshots always carry them)
LOADS_STEP: Final = 0.05  # ...and only once a server moved by this share of the room's audience (at least 1)


def read_loads(value: Any, where: str = "'loads'") -> EdgeLoads:
    """The `loads` object of a snapshot or delta: {server URL: count}, ≤ MAX_LOADS servers; raises
    ProtocolViolation for anything else (keys repeated in an object are refused by the decoder already)."""
    obj = as_object(value, where)
    if len(obj) > MAX_LOADS:
        raise ProtocolViolation(f"{where} lists {len(obj)} servers (at most {MAX_LOADS})")
    loads = []
    for url, count in obj.items():
        server = server_field(url, f"{where} server {short(url)}")
        if type(count) is not int or not 0 <= count <= MAX_VIEWERS:
            raise ProtocolViolation(f"{where}: the count of {short(url)} must be an integer from 0 to "
                                    f"{MAX_VIEWERS}, got {type_name(count)} {short(count)}")
        loads.append((server, count))
    return tuple(loads)


def loads_json(loads: EdgeLoads) -> dict[str, int]:
    """The wire form; a server listed twice cannot be said in a JSON object: refused, not silently merged."""
    out = dict(loads)
    if len(out) != len(loads):
        raise ProtocolViolation("cannot encode: 'loads' lists a server twice")
    return out


def measured_loads(counts: Iterable[tuple[str, int]]) -> EdgeLoads:
    """What a controller may announce of its measurements: servers whose URL receivers accept (others, and any
    beyond MAX_LOADS, are left out rather than making the whole announcement invalid), each once."""
    loads: dict[str, int] = {}
    for url, count in counts:
        try:
            server_field(url, "server")
        except ProtocolViolation:
            continue
        if url not in loads and len(loads) < MAX_LOADS:
            loads[url] = min(max(count, 0), MAX_VIEWERS)
    return tuple(loads.items())


def meaningful_change(sent: EdgeLoads, now: EdgeLoads) -> bool:
    """Whether listeners should hear of `now`, having been told `sent` (see the module docstring)."""
    old, new = dict(sent), dict(now)
    if old.keys() != new.keys():
        return True
    step = max(1.0, LOADS_STEP * max(sum(old.values()), sum(new.values())))
    return any(abs(count - old[server]) >= step for server, count in new.items())
