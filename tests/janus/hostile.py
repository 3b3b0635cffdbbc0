"""For tests against a hostile server: Janus-like SDP offers, strategies that break them, JSON values of any
shape, and a guard that no Plaza logger reported an error (a swallowed exception, logged with its traceback)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

ICE_PWD = "0123456789abcdefghijkl"  # a credential: no error message may ever carry it

# A Streaming `watch` offer (one Opus audio section, bundled, rtcp-mux, one host candidate).
STREAMING_OFFER = "\r\n".join([
    "v=0", "o=- 1700000000000000 1 IN IP4 198.18.0.1", "s=Mountpoint 1234", "t=0 0", "a=group:BUNDLE a",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 D2:B9:31:8F:DF:24:D8:0E:ED:D2:EF:25:9E:AF:6F:B8:34:AE:53:9C:E6:F3:8F:F2:64:15:FA:E8:7F:"
    "53:2D:38",
    "a=extmap-allow-mixed", "a=msid-semantic: WMS *",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 198.18.0.1", "a=sendonly", "a=mid:a", "a=rtcp-mux",
    "a=ice-ufrag:abcd", f"a=ice-pwd:{ICE_PWD}", "a=ice-options:trickle", "a=setup:actpass",
    "a=rtpmap:111 opus/48000/2", "a=fmtp:111 useinbandfec=1",
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", "a=msid:janus janusa", "a=ssrc:12345678 cname:janus",
    "a=candidate:1 1 udp 2015363327 198.18.0.1 40000 typ host", "a=end-of-candidates", ""])

# A TextRoom `setup` offer (one data-channel section).
TEXTROOM_OFFER = "\r\n".join([
    "v=0", "o=- 1700000000000001 1 IN IP4 198.18.0.1", "s=Janus TextRoom", "t=0 0", "a=group:BUNDLE d",
    "a=fingerprint:sha-256 D2:B9:31:8F:DF:24:D8:0E:ED:D2:EF:25:9E:AF:6F:B8:34:AE:53:9C:E6:F3:8F:F2:64:15:FA:E8:7F:"
    "53:2D:38",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "c=IN IP4 198.18.0.1", "a=sendrecv", "a=mid:d",
    "a=sctp-port:5000", "a=ice-ufrag:efgh", f"a=ice-pwd:{ICE_PWD}", "a=setup:actpass",
    "a=candidate:1 1 udp 2015363327 198.18.0.1 40001 typ host", "a=end-of-candidates", ""])

SEEDS = (STREAMING_OFFER, TEXTROOM_OFFER)

# Characters that matter to SDP's grammar, so mutations hit the parser's branches rather than free text.
_SDP_CHARS = st.sampled_from(list("=: /-.\t\r\n0123456789abcdefxyzAZ~\x00é"))
_NUMBERS = st.sampled_from(["0", "-1", "9", "96", "111", "128", "65536", "99999999999999999999", "", "x", "1.5"])


@st.composite
def mutated_sdp(draw: st.DrawFn) -> str:
    """A Janus-like offer with 1–4 edits: lines dropped, duplicated, cut, retyped, or numbers swapped."""
    lines = draw(st.sampled_from(SEEDS)).split("\r\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["drop", "dup", "cut", "char", "number", "insert", "swap"]))
        line = lines[i]
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[draw(st.integers(0, len(lines) - 1))])
        elif op == "cut":
            lines[i] = line[: draw(st.integers(0, len(line)))]
        elif op == "char" and line:
            j = draw(st.integers(0, len(line) - 1))
            lines[i] = line[:j] + draw(_SDP_CHARS) + line[j + 1:]
        elif op == "number":
            tokens = line.replace(":", " ").split(" ")
            lines[i] = line.replace(draw(st.sampled_from(tokens)), draw(_NUMBERS), 1) if tokens else line
        elif op == "insert":
            lines.insert(i, draw(st.sampled_from(["a=", "m=", "c=", "a=rtpmap:", "a=ssrc:", "m=audio",
                                                  "a=candidate:", "o=", "a=setup:"])) + draw(st.text(max_size=12)))
        elif op == "swap" and len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        if not lines:
            break
    return draw(st.sampled_from(["\r\n", "\n"])).join(lines)


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.text(max_size=16))
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=6,
)

ANY_SDP: st.SearchStrategy[Any] = st.one_of(mutated_sdp(), st.sampled_from(SEEDS), st.text(max_size=300),
                                            JSON_VALUES)
_MUTATED_OFFER = st.builds(lambda sdp: {"type": "offer", "sdp": sdp, "trickle": False}, mutated_sdp())
# Mostly Janus-like offers with broken SDP (the parser's branches), then every other shape a jsep can have.
ANY_OFFER: st.SearchStrategy[Any] = st.one_of(
    _MUTATED_OFFER, _MUTATED_OFFER, _MUTATED_OFFER,
    st.builds(lambda sdp: {"type": "offer", "sdp": sdp}, st.text(max_size=300) | JSON_VALUES),
    st.fixed_dictionaries({}, optional={"type": st.sampled_from(["offer", "answer", "pranswer"]) | JSON_VALUES,
                                        "sdp": ANY_SDP, "trickle": JSON_VALUES}),
    JSON_VALUES,
)


class ErrorRecords(logging.Handler):
    """ERROR records from Plaza's loggers: a listener or callback that raised (logged with a traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def no_error_logs() -> Iterator[None]:
    handler = ErrorRecords()
    logger = logging.getLogger("app")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    assert not handler.records, [r.getMessage() for r in handler.records]
