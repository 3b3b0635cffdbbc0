"""WebRTC with Janus: the PeerConnection, SDP offers from the server (checked before and while aiortc takes
them), and our answers to them.

aiortc's SDP parser, `setRemoteDescription` and `createAnswer` raise whatever they trip over on bad input
(ValueError, KeyError, AssertionError, AttributeError, StopIteration...). Everything here turns that into
MalformedReply, one line naming the problem — never the SDP itself, which carries ICE credentials (redact.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import SessionDescription

from app.janus.errors import MalformedReply, TransportClosed, shown

log = logging.getLogger(__name__)

# Janus's offers are 1–6 KB; an "SDP" far beyond that is not one, and parsing it would only cost time.
MAX_SDP_CHARS = 64 * 1024
REASON_CHARS = 60


def peer_connection(ice_servers: list[str] | None = None) -> RTCPeerConnection:
    """A PeerConnection for a Janus handle, with only the STUN/TURN servers we were given: aiortc's default adds
    a public STUN server, which a listener must never contact unasked (and the lab cannot reach)."""
    return RTCPeerConnection(RTCConfiguration(iceServers=[RTCIceServer(urls=url) for url in (ice_servers or [])]))


PEER_CLOSE_TIMEOUT = 5.0  # a close stops a few tasks and sockets: milliseconds when it works


async def close_peer(pc: RTCPeerConnection, what: str) -> None:
    """`pc.close()`, bounded. aiortc's close awaits a future that only its first close resolves, when it finishes;
    if that one died (a task stepped with no running loop did, in the Qt tests: tests/ui/conftest.py), every later
    close waits forever, and so would the leave and the window's shutdown behind it. Better to leave its sockets
    to the garbage collector and say so."""
    try:
        async with asyncio.timeout(PEER_CLOSE_TIMEOUT):
            await pc.close()
    except TimeoutError:
        log.warning("%s: the WebRTC connection did not close within %.0f s; left behind", what, PEER_CLOSE_TIMEOUT)


def _type_name(value: Any) -> str:
    return "missing" if value is None else type(value).__name__


def _reason(exc: BaseException) -> str:
    text = shown(str(exc), REASON_CHARS)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def offer_sdp(jsep: Any, where: str) -> str:
    """The SDP of an offer the server sent, checked to be text aiortc can parse; raises MalformedReply."""
    return remote_sdp(jsep, where, "offer")


def remote_sdp(jsep: Any, where: str, kind: str) -> str:
    """The SDP of the server's `kind` ("offer" or "answer"), checked to be text aiortc can parse."""
    if not isinstance(jsep, dict):
        raise MalformedReply(f"{where}: server sent no {kind} (jsep is {_type_name(jsep)})")
    if jsep.get("type") != kind:
        raise MalformedReply(f"{where}: server sent {shown(repr(jsep.get('type')), 20)} where an SDP {kind} was "
                             "expected")
    sdp = jsep.get("sdp")
    if not isinstance(sdp, str):
        raise MalformedReply(f"{where}: server sent an {kind} whose 'sdp' is {_type_name(sdp)}, not text")
    if len(sdp) > MAX_SDP_CHARS:
        raise MalformedReply(f"{where}: server sent an {kind} of {len(sdp)} characters (at most {MAX_SDP_CHARS})")
    try:
        SessionDescription.parse(sdp)
    except Exception as exc:
        raise MalformedReply(f"{where}: server sent an {kind} whose SDP does not parse ({_reason(exc)})") from None
    return sdp


async def accept_answer(pc: RTCPeerConnection, jsep: Any, where: str) -> str:
    """Check the server's answer to our offer and make it `pc`'s remote description. Raises JanusError."""
    sdp = remote_sdp(jsep, where, "answer")
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
    except Exception as exc:
        if pc.signalingState == "closed":
            raise TransportClosed(f"{where}: media connection closed while negotiating") from None
        raise MalformedReply(f"{where}: server sent an answer Plaza cannot use ({_reason(exc)})") from None
    return sdp


def _unusable(pc: RTCPeerConnection, where: str, exc: Exception) -> Exception:
    if pc.signalingState == "closed":  # we closed it meanwhile (leaving): not the server's fault
        return TransportClosed(f"{where}: media connection closed while negotiating")
    return MalformedReply(f"{where}: server sent an offer Plaza cannot use ({_reason(exc)})")


async def accept_offer(pc: RTCPeerConnection, jsep: Any, where: str) -> str:
    """Check the server's offer and make it `pc`'s remote description; return its SDP. Raises JanusError."""
    sdp = offer_sdp(jsep, where)
    try:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
    except Exception as exc:
        raise _unusable(pc, where, exc) from None
    return sdp


async def passive_answer(pc: RTCPeerConnection, where: str) -> dict[str, Any]:
    """Answer the accepted offer as DTLS server (`a=setup:passive`); return the JSEP to send. Raises JanusError.

    As DTLS client, aiortc sends its ClientHello the moment its own ICE check succeeds, often before Janus is
    ready for it, and then waits 1 s to retransmit. Measured in the lab: feed joins 9 of 30 at ~1.17 s instead of
    ~0.17 s as client, 0 of 60 as server (benchmarks/listener.py); TextRoom opens 1 of 30 at 1.03 s as client,
    0 of 30 as server.
    """
    try:
        answer = await pc.createAnswer()
    except Exception as exc:  # createAnswer walks the remote media sections: a strange offer trips it too
        raise _unusable(pc, where, exc) from None
    sdp = answer.sdp.replace("a=setup:active", "a=setup:passive")
    try:
        await pc.setLocalDescription(RTCSessionDescription(sdp=sdp, type="answer"))
    except OSError as exc:
        raise TransportClosed(f"{where}: cannot set up the media connection ({_reason(exc)})") from None
    except Exception as exc:
        raise _unusable(pc, where, exc) from None
    return {"type": "answer", "sdp": pc.localDescription.sdp, "trickle": False}
