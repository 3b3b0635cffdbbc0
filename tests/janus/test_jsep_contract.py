"""The `a=setup:passive` rewrite's contract with aiortc (like the RTP tap's): fails loudly if an upgrade changes it.

`passive_answer` replaces the `a=setup:active` aiortc writes into its answer, so that Janus is the DTLS client
(app/janus/jsep.py says why). That only works while aiortc answers an `actpass` offer with `active` and then
honours the edited role when the answer is set as local description.
"""

from __future__ import annotations

from aiortc import RTCConfiguration, RTCPeerConnection

from app.janus.jsep import accept_offer, passive_answer


async def _offer_like_janus() -> tuple[RTCPeerConnection, dict[str, str]]:
    """An offer with `a=setup:actpass`, as Janus sends: one audio section, sendonly."""
    server = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    server.addTransceiver("audio", direction="sendonly")
    await server.setLocalDescription(await server.createOffer())
    return server, {"type": "offer", "sdp": server.localDescription.sdp}


async def test_aiortc_answers_an_actpass_offer_as_dtls_client_which_the_rewrite_replaces() -> None:
    server, offer = await _offer_like_janus()
    listener = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        assert "a=setup:actpass" in offer["sdp"]
        await accept_offer(listener, offer, "contract")
        plain = await listener.createAnswer()
        assert "a=setup:active" in plain.sdp, "aiortc no longer answers as DTLS client: re-check passive_answer"
    finally:
        await listener.close()
        await server.close()


async def test_the_passive_answer_makes_aiortc_the_dtls_server() -> None:
    server, offer = await _offer_like_janus()
    listener = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        await accept_offer(listener, offer, "contract")
        jsep = await passive_answer(listener, "contract")
        assert "a=setup:passive" in jsep["sdp"] and "a=setup:active" not in jsep["sdp"]
        assert jsep["type"] == "answer" and jsep["trickle"] is False
        roles = {t.receiver.transport._role for t in listener.getTransceivers()}  # aiortc's DTLS role
        assert roles == {"server"}
    finally:
        await listener.close()
        await server.close()
