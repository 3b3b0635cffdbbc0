"""A speaker the network cuts off gets back on stage at once (lab, real Janus).

The stage pass carries a fixed participant id, and AudioBridge refuses a join under an id it still holds (490).
A connection that died without reaching Janus leaves its session, seat included, until session_timeout (60 s in
resources/janus/janus.jcfg.in): before the fix the rejoin got 490 until Janus timed the old session out, and the
speaker was back on stage 55-82 s after the network returned (the "network" case below, two runs). Now the rejoin
claims the old session and destroys it first (app.stage.connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

import pytest

from app.listener.listen import ListenSession
from tests.lab import faults
from tests.stage.test_stage_lab import ArrivalTap, go_on_stage, speaker_session, tone_wav, until

pytestmark = pytest.mark.lab

# From the network's return: a connect attempt in flight waits for its next SYN retransmission (≤ 2 s), a new one
# for the first backoff delay (≤ 1 s); then claim, join, ICE and the first packet take ~0.3 s. Measured 0.07-1.9 s;
# the rest is room for a loaded machine. The old seat alone would have kept us off for ≥ 25 s (see above).
BACK_WITHIN_S = 5.0


@pytest.mark.parametrize("fault", ["network", "media"])
async def test_a_speaker_cut_off_is_back_on_stage_within_5_s(make_lab_room, tmp_path: Path, fault: str,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """network: 8 s of total loss, and the stage's WebSocket never gets through again (a NAT or firewall forgot it,
    or the speaker moved networks), so Janus hears nothing of the old session; 8 s also lets the old PeerConnection
    close unheard (watchdog 2 s, leave 2 s). media: 4 s without UDP, the WebSocket lives: the watchdog reconnects
    and the old connection leaves the stage itself."""
    caplog.set_level(logging.INFO, logger="app.janus.session")
    room = await make_lab_room(speaker=None, controller=True)
    ana = speaker_session(room, tone_wav(tmp_path / "a.wav", 440.0), "Ana")
    listener = ListenSession(room.link, use_device=False)
    tap = ArrivalTap(listener)
    try:
        await listener.start()
        await go_on_stage(room, ana)
        await asyncio.sleep(2.0)
        first = ana.stage
        assert first is not None and first.session is not None
        port = first.session.transport.local_port
        assert port is not None
        async with contextlib.AsyncExitStack() as stack:
            if fault == "network":
                await stack.enter_async_context(faults.forget_connection(port))
                async with faults.drop_all():
                    await asyncio.sleep(8.0)
            else:
                async with faults.drop_udp():
                    await asyncio.sleep(4.0)
            restored = time.monotonic()
            back = await until(lambda: ana.stage is not None and ana.stage is not first
                               and ana.stage.first_media.done(), 60, "the speaker back on stage")
            await asyncio.sleep(3.0)
        heard = next((t for t, db in tap.levels(440.0, restored + back) if db > -20.0), None)
        members = listener.state.state.members
    finally:
        await asyncio.gather(ana.close(), listener.close())
    ended = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ended session")]
    print(f"{fault}: back on stage {back:.2f} s after the network returned; heard on the feed "
          f"{'never' if heard is None else f'{heard - restored:.2f} s'} after; {ended}")
    assert back <= BACK_WITHIN_S
    # network: the old session was still on Janus (the seat the rejoin needed); media: it had left by itself
    assert len(ended) == (1 if fault == "network" else 0)
    assert heard is not None, "the listener never heard the speaker again"
    assert ana.stage_reconnects == 1 and [m.name for m in members] == ["Ana"] and not members[0].muted
