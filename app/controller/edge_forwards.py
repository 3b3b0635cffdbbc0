"""A cascade's origin forwards the stage mix to each edge's feed: AudioBridge RTP forwarders the controller keeps.

Why the controller and not the origin's config: AudioBridge's config file holds one forwarder per room, and a
cascade has an edge per forwarder; forwarders added through the API are forgotten when the origin restarts, so
the controller adds the missing ones every time it (re)connects to the stage (docs/deployment.md). Where an edge's
feed listens is the operator's to say (`plaza controller --forward EDGE_URL=HOST:PORT`): the address the origin
reaches an edge on is often a private one, not the host of the edge's public WebSocket URL.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.janus.handle import PluginHandle

log = logging.getLogger(__name__)

OPUS_PT = 100  # the feed's audiopt in the edge's config (packaging/janus/edge/janus.plugin.streaming.jcfg)


@dataclass(frozen=True)
class EdgeForward:
    """Where the origin sends the stage mix for one edge: `host:port`, the edge's Streaming mountpoint input."""

    edge: str  # the edge's WebSocket URL, as in the room link
    host: str  # an IP address: AudioBridge does not resolve names
    port: int

    @property
    def family(self) -> str:
        return "ipv6" if ipaddress.ip_address(self.host).version == 6 else "ipv4"


def parse_forward(text: str) -> EdgeForward:
    """`EDGE_URL=HOST:PORT` (IPv6: `[ADDR]:PORT`); raises ValueError naming what is wrong."""
    edge, sep, target = text.rpartition("=")
    if not sep or not edge:
        raise ValueError(f"{text!r} is not EDGE_URL=HOST:PORT")
    parts = urlsplit(edge)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"the edge {edge!r} is not a ws:// or wss:// URL")
    host, colon, port_text = target.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not colon or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{target!r} needs a port between 1 and 65535 (HOST:PORT)")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"{host!r} is not an IP address (the origin's AudioBridge does not resolve names)") from None
    return EdgeForward(edge, host, int(port_text))


async def ensure_forwards(handle: PluginHandle, room_id: int, secret: str, forwards: list[EdgeForward], *,
                          timeout: float) -> list[EdgeForward]:
    """Add the forwarders of `forwards` that stage `room_id` lacks (compared by address and port); returns those
    added. Raises JanusError when the list cannot be read or a forwarder cannot be added."""
    reply = await handle.message({"request": "listforwarders", "room": room_id, "secret": secret}, timeout=timeout)
    present = {(str(f.get("ip")), f.get("port")) for f in reply.data.get("rtp_forwarders") or []
               if isinstance(f, dict)}
    added = []
    for forward in forwards:
        if (forward.host, forward.port) in present:
            continue
        await handle.message({"request": "rtp_forward", "room": room_id, "secret": secret, "host": forward.host,
                              "host_family": forward.family, "port": forward.port, "ptype": OPUS_PT,
                              "codec": "opus", "always_on": True}, timeout=timeout)
        present.add((forward.host, forward.port))
        added.append(forward)
        log.info("stage %s forwards to edge %s at %s:%s", room_id, forward.edge, forward.host, forward.port)
    return added
