"""Offers from a hostile server: whatever the `jsep` holds, only MalformedReply (or a typed close) comes out.

Measured before the fix: an offer whose SDP does not parse made `plaza listen` end with aiortc's ValueError /
AssertionError, and an `sdp` that was not a string with AttributeError, as tracebacks.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.sdp import SessionDescription
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.janus.errors import JanusError, MalformedReply
from app.janus.jsep import MAX_SDP_CHARS, accept_offer, offer_sdp, passive_answer
from tests.janus.hostile import ANY_OFFER, ANY_SDP, ICE_PWD, JSON_VALUES, SEEDS, STREAMING_OFFER, mutated_sdp

WHERE = "ws://fuzz.invalid/janus"


def assert_one_clean_line(exc: BaseException) -> None:
    text = str(exc)
    assert text.startswith(WHERE) and text.isprintable() and len(text) < 300, text
    assert ICE_PWD not in text, "an ICE password reached an error message"


# ------------------------------------------------------------------------------------------- offer_sdp, pure
@settings(max_examples=800)
@given(jsep=ANY_OFFER)
def test_offer_sdp_returns_parsable_text_or_raises_malformed_reply(jsep: Any) -> None:
    try:
        sdp = offer_sdp(jsep, WHERE)
    except MalformedReply as exc:
        assert_one_clean_line(exc)
        event(next((f"rejected: {k}" for k in ("does not parse", "not text", "where an SDP offer", "no offer",
                                               "characters") if k in str(exc)), "rejected: other"))
        return
    event("accepted")
    assert isinstance(jsep, dict) and jsep["type"] == "offer" and sdp is jsep["sdp"]
    SessionDescription.parse(sdp)  # what offer_sdp promised


@settings(max_examples=200)
@given(sdp=st.one_of(JSON_VALUES.filter(lambda v: not isinstance(v, str)), st.binary(max_size=20)))
def test_an_sdp_that_is_not_text_is_named_by_its_type(sdp: Any) -> None:
    with pytest.raises(MalformedReply, match=r"whose 'sdp' is \w+, not text") as info:
        offer_sdp({"type": "offer", "sdp": sdp}, WHERE)
    assert_one_clean_line(info.value)


@pytest.mark.parametrize(
    ("jsep", "problem"),
    [
        pytest.param({"type": "offer", "sdp": 42}, "whose 'sdp' is int, not text", id="sdp-int"),
        pytest.param({"type": "offer"}, "whose 'sdp' is missing", id="sdp-missing"),
        pytest.param({"type": "offer", "sdp": STREAMING_OFFER.replace("m=audio 9", "m=audio abc")},
                     "whose SDP does not parse", id="port-not-a-number"),
        pytest.param({"type": "offer", "sdp": STREAMING_OFFER.replace("a=setup:actpass", "a=setup:sideways")},
                     "whose SDP does not parse (KeyError", id="setup-unknown"),
        pytest.param({"type": "offer", "sdp": "x" * (MAX_SDP_CHARS + 1)}, "characters (at most", id="too-long"),
        pytest.param({"type": "answer", "sdp": STREAMING_OFFER}, "sent 'answer' where an SDP offer", id="answer"),
        pytest.param(["offer"], "server sent no offer (jsep is list)", id="jsep-list"),
    ],
)
def test_offer_problems_are_named(jsep: Any, problem: str) -> None:
    with pytest.raises(MalformedReply) as info:
        offer_sdp(jsep, WHERE)
    assert problem in str(info.value)
    assert_one_clean_line(info.value)


@pytest.mark.parametrize("sdp", SEEDS)
def test_janus_like_offers_pass(sdp: str) -> None:
    assert offer_sdp({"type": "offer", "sdp": sdp, "trickle": False}, WHERE) == sdp


# ------------------------------------------------------------------------------ with a real RTCPeerConnection
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sdp=st.one_of(mutated_sdp(), mutated_sdp(), ANY_SDP))
async def test_accepting_and_answering_any_offer_raises_only_janus_errors(sdp: Any) -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        try:
            await accept_offer(pc, {"type": "offer", "sdp": sdp}, WHERE)
            if pc.sctp is not None:
                pc.createDataChannel("JanusDataChannel")  # as the TextRoom handle does
            answer = await passive_answer(pc, WHERE)
        except MalformedReply as exc:
            assert_one_clean_line(exc)
            event("does not parse" if "does not parse" in str(exc) else "parses, but aiortc cannot use it")
            return
        event("answered")
        assert answer["type"] == "answer" and answer["trickle"] is False
        media = SessionDescription.parse(answer["sdp"]).media  # one answered section per offered one
        assert len(media) == len(SessionDescription.parse(sdp).media)
        assert all(m.dtls.role == "server" for m in media)  # a=setup:passive
    finally:
        await pc.close()


async def test_accept_offer_on_a_closed_connection_is_not_blamed_on_the_server() -> None:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    await pc.close()
    with pytest.raises(JanusError) as info:
        await accept_offer(pc, {"type": "offer", "sdp": STREAMING_OFFER}, WHERE)
    assert not isinstance(info.value, MalformedReply)
    assert "closed while negotiating" in str(info.value)


async def test_an_offer_that_parses_but_aiortc_refuses_is_malformed() -> None:
    no_ice = "\r\n".join(line for line in STREAMING_OFFER.split("\r\n") if not line.startswith("a=ice-"))
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        with pytest.raises(MalformedReply, match=r"offer Plaza cannot use \(ValueError: ICE username fragment"):
            await accept_offer(pc, {"type": "offer", "sdp": no_ice}, WHERE)
    finally:
        await pc.close()
