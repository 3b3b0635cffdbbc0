"""Issue 4: a listener keeps playing through server trouble (lab: real Janus, real faults, the recorded output).

The feed is a continuous 440 Hz Opus tone from a sender beside Janus (`tone_room`), so any silence or click in
the listener's `--record` WAV is the listener's, never the source's: a kill -9 of Janus does not stop the tone.
Every listener starts as in production (the default start policy, nothing prefilled); tests that want a full
cushion at the moment of the fault wait for it to grow (seconds, see test_first_seconds_lab.py).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest

from app.links import parse_link
from app.listener.status import RoomStatus
from tests.lab import faults, netlab
from tests.lab.audio_checks import FADE_MIN_MS, Heard, first_sound, gap_ramps, judge
from tests.listener.listening import CUSHION_MS, assert_tone_at_the_end, note
from tests.support import janus_faults

pytestmark = pytest.mark.lab

# ---------------------------------------------------------------------------------------------- blackouts
@pytest.mark.parametrize("seconds", [0.5, 1.0, 1.4])
async def test_blackout_shorter_than_the_cushion_is_not_heard(tone_room: Any, listening: Any,
                                                              seconds: float) -> None:
    listener = await listening(tone_room.link)
    await listener.wait_live()
    await listener.wait_full()
    await asyncio.sleep(1.0)
    before = listener.playout.buffered_ms
    lost_before = listener.session.stats().playout.packets_lost
    report = await faults.blackout(seconds)
    await asyncio.sleep(3.0)
    stats = listener.session.stats()
    pcm = await listener.finish()
    heard = judge(pcm)
    lost = stats.playout.packets_lost - lost_before
    note(f"blackout {seconds} s", f"cushion {before:.0f} ms before, {lost} packets lost, "
                                  f"reconnects {len(stats.reconnects)}, "
                                  f"skipped {stats.playout.content_skipped_ms:.0f} ms, "
                                  f"masked {stats.playout.masked_gap_ms:.0f} ms; {heard.describe()}")
    # the fault was real: ~50 packets a second were dropped, not delayed
    assert lost >= 0.8 * report.seconds * 50, f"only {lost} packets lost in a {report.seconds:.2f} s blackout"
    assert heard.gaps == [], heard.describe()
    assert heard.clicks == [], heard.describe()
    assert_tone_at_the_end(pcm)


async def test_blackout_longer_than_the_cushion_is_one_gap_faded_out_and_in(tone_room: Any, listening: Any) -> None:
    listener = await listening(tone_room.link)
    await listener.wait_live()
    await listener.wait_full()
    await asyncio.sleep(1.0)
    report = await faults.blackout(3.0)
    # link back; the media watchdog (2 s) has started a reconnect; the cushion refills before it plays again
    await listener.wait_live(timeout=10.0)
    await asyncio.sleep(CUSHION_MS / 1000 + 2.0)
    pcm = await listener.finish()
    heard = judge(pcm)
    start = first_sound(pcm)
    ramps = [gap_ramps(pcm[start:], gap) for gap in heard.gaps]
    note("blackout 3 s", f"{report.seconds:.2f} s down; {heard.describe()}; ramps "
                         + "; ".join(f"out {r.out_ms:.1f} ms, in {r.in_ms:.1f} ms" for r in ramps))
    assert len(heard.gaps) == 1, heard.describe()
    assert ramps[0].out_ms >= FADE_MIN_MS, f"the gap does not start with a fade: {ramps[0]}"
    assert ramps[0].in_ms >= FADE_MIN_MS, f"the gap does not end with a fade-in: {ramps[0]}"
    assert heard.clicks == [], heard.describe()
    assert_tone_at_the_end(pcm)


# ---------------------------------------------------------------------------------------------- random loss
@pytest.mark.timeout(120)
async def test_five_percent_random_loss_is_concealed(tone_room: Any, listening: Any) -> None:
    listener = await listening(tone_room.link)
    await listener.wait_live()
    await listener.wait_full()
    before = listener.session.stats().playout
    async with faults.random_loss(5):
        await asyncio.sleep(30.0)
    await asyncio.sleep(2.0)
    after = listener.session.stats()
    pcm = await listener.finish()
    heard = judge(pcm)
    lost = after.playout.packets_lost - before.packets_lost
    concealed = (after.playout.fec_recoveries - before.fec_recoveries
                 + after.playout.concealed_frames - before.concealed_frames)
    note("5 % loss for 30 s", f"{lost} packets lost, {after.playout.fec_recoveries - before.fec_recoveries} FEC, "
                              f"{after.playout.concealed_frames - before.concealed_frames} PLC frames, "
                              f"reconnects {len(after.reconnects)}; {heard.describe()}")
    assert 30 <= lost <= 150, f"{lost} packets lost; 5 % of 1500 is 75"  # the fault was real
    assert concealed > 0
    assert heard.gaps == [], heard.describe()
    assert heard.clicks == [], heard.describe()


@pytest.mark.timeout(120)
async def test_five_percent_loss_on_a_stream_with_fec_is_rebuilt_without_notches(make_lab_room: Any,
                                                                                listening: Any) -> None:
    """A tone that leaps between 440 and 1320 Hz keeps SILK's VAD active, so the stream really carries in-band FEC (a
    steady tone does not after ~0.5 s). Then a single lost packet is rebuilt, not concealed: no level notch."""
    room = await make_lab_room(external_feed=True, source_args=("--leap", "3"))
    listener = await listening(room.link)
    await listener.wait_live()
    await listener.wait_full()
    before = listener.session.stats().playout
    async with faults.random_loss(5):
        await asyncio.sleep(20.0)
    await asyncio.sleep(2.0)
    after = listener.session.stats().playout
    pcm = await listener.finish()
    heard = judge(pcm)
    lost = after.packets_lost - before.packets_lost
    note("5 % loss, FEC stream", f"{lost} packets lost, {after.fec_recoveries - before.fec_recoveries} FEC, "
                                 f"{after.concealed_frames - before.concealed_frames} PLC; {heard.describe()}")
    assert lost >= 20, f"{lost} packets lost; 5 % of 1000 is 50"
    fec = after.fec_recoveries - before.fec_recoveries
    assert fec >= 0.5 * lost, f"only {fec} of {lost} losses rebuilt from FEC"
    # The no-gap bar for loss is held by the steady-tone test above. On this signal, which leaps 3x in pitch every
    # 250 ms, a burst of two or three losses concealed across a leap can leave one 10 ms window under -50 dBFS
    # (libopus's PLC decays, and the next packet starts at an unrelated phase); seen once in CI. Allow that much.
    assert sum(ms for _, ms in heard.gaps) <= 20, heard.describe()
    # Bare libopus (no cushion) trips the click detector on a few % of single losses of this leaping signal
    # (offline, one loss at each of 290 positions: FEC 7, PLC 13; the steady tone: 0 and 0), so a click or two is
    # the codec's. The steady-tone loss test holds clicks to 0.
    clicks = len({c // 480 for c in heard.clicks})
    assert clicks <= max(2, 0.05 * lost), heard.describe()
    # two losses in a row (~5 % of them) leave the first to PLC; everything else must be rebuilt
    assert len(heard.dips) <= max(3, 0.15 * lost), f"{len(heard.dips)} notches for {lost} losses: {heard.describe()}"


# ---------------------------------------------------------------------------------------------- Janus killed
@pytest.mark.timeout(900)
async def test_kill_and_immediate_restart_ten_times_is_not_heard(tone_room: Any, listening: Any) -> None:
    """Before each kill the test waits until the cushion is full again (≥ 1450 ms): a kill costs the content
    from the kill to the new connection's first packet (≤ ~1.3 s: the 0–1 s reconnect jitter plus the join), and
    the tone's stretch (≤ 25 %) regrows that in ≤ ~6 s; the wait is bounded by 20 s."""
    listener = await listening(tone_room.link)
    await listener.wait_live()
    rows = []
    for kill in range(10):
        level = await listener.wait_full(timeout=20.0)
        t_kill = time.monotonic()
        await janus_faults.restart(tone_room.janus)
        t_accept = time.monotonic()
        await listener.wait_for(lambda t=t_kill: any(c.status == RoomStatus.RECONNECTING
                                                     for c in listener.statuses_since(t)),
                                2.0, f"kill {kill + 1}: reconnecting")
        t_live = await listener.wait_live(timeout=10.0)
        rows.append((kill + 1, level, t_accept - t_kill, t_live - t_kill, listener.playout.buffered_ms))
    await asyncio.sleep(2.0)
    stats = listener.session.stats()
    pcm = await listener.finish()
    heard = judge(pcm)
    note("kill -9 + immediate restart ×10", "; ".join(
        f"#{n}: cushion {lvl:.0f} ms, Janus back {acc:.2f} s, live {live:.2f} s, left {left:.0f} ms"
        for n, lvl, acc, live, left in rows) + f"; {heard.describe()}")
    assert len(stats.reconnects) >= 10, "not every kill caused a reconnect"
    assert heard.gaps == [], heard.describe()
    assert heard.clicks == [], heard.describe()
    assert_tone_at_the_end(pcm)


@pytest.mark.timeout(120)
async def test_kill_and_restart_after_two_seconds_reconnects_and_audio_returns(tone_room: Any,
                                                                             listening: Any) -> None:
    """Five listeners at once: each draws its own reconnect jitter, so one run samples the backoff five times."""
    listeners = [await listening(tone_room.link, f"listener{i}") for i in range(5)]  # defaults: fast (re)start
    for listener in listeners:
        await listener.wait_live()
    await asyncio.sleep(3.0)
    t_kill = time.monotonic()
    await janus_faults.kill_and_wait(tone_room.janus)
    for listener in listeners:
        await listener.wait_for(lambda x=listener: x.status == RoomStatus.RECONNECTING, 1.0, "reconnecting")
        info = listener.session.status.current.reconnect
        assert info is not None and info.attempt >= 1 and info.server == tone_room.link.servers[0]
    await asyncio.sleep(max(0.0, t_kill + 2.0 - time.monotonic()))
    await tone_room.janus.start()
    t_accept = time.monotonic()
    for _ in range(240):  # up to 12 s: the bar is 5 s; wait longer to measure how late a late one is
        if all(x.status == RoomStatus.LIVE for x in listeners):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(2.0)
    statuses = [x.status for x in listeners]
    backs: list[float] = []
    recordings = []
    for listener in listeners:
        pcm = await listener.finish()
        heard = judge(pcm)
        start = first_sound(pcm)
        # the gap the outage caused: the last one that began before Janus accepted again
        outage = [g for g in heard.gaps if listener.clock.time_at(start + int(g[0] * 48)) < t_accept]
        assert outage, f"no gap during a 2 s outage with a small cushion? {heard.describe()}"
        gap_start, gap_len = outage[-1]
        back = listener.clock.time_at(start + int((gap_start + gap_len) * 48)) - t_accept
        backs.append(back if gap_start + gap_len < heard.seconds * 1000 - 1 else float("inf"))
        attempts = [round(when - t_kill, 2) for when, c in listener.changes
                    if when >= t_kill and c.reconnect is not None and c.reconnect.next_try_at is None]
        note("kill -9, restart after 2 s", f"audio back {back:.2f} s after Janus accepted (accepted "
                                           f"{t_accept - t_kill:.2f} s after the kill; attempts at {attempts} s); "
                                           f"{heard.describe()}")
        recordings.append(pcm)
    assert statuses == [RoomStatus.LIVE] * 5, statuses
    assert max(backs) <= 5.0, f"audio back {[round(b, 2) for b in backs]} s after Janus accepted"
    for pcm in recordings:
        assert_tone_at_the_end(pcm)


@pytest.mark.timeout(200)
async def test_janus_down_for_a_minute_keeps_retrying_with_capped_backoff(tone_room: Any, listening: Any) -> None:
    listener = await listening(tone_room.link)
    await listener.wait_live()
    await asyncio.sleep(1.0)
    t_kill = time.monotonic()
    await janus_faults.kill_and_wait(tone_room.janus)
    await asyncio.sleep(60.0)
    await tone_room.janus.start()
    t_accept = time.monotonic()
    t_live = await listener.wait_live(timeout=35.0)  # the next attempt is at most the 30 s cap away
    await asyncio.sleep(2.0)
    assert listener.status == RoomStatus.LIVE
    pcm = await listener.finish()
    timeline = [(when, change) for when, change in listener.changes if when >= t_kill]
    started = [(when, c.reconnect.attempt) for when, c in timeline
               if c.status == RoomStatus.RECONNECTING and c.reconnect is not None and c.reconnect.next_try_at is None]
    planned = [c.reconnect.next_try_at - when for when, c in timeline
               if c.reconnect is not None and c.reconnect.next_try_at is not None]
    attempts = [a for _, a in started]
    intervals = [b - a for (a, _), (b, _) in itertools.pairwise(started)]
    note("Janus down 60 s", f"attempts {attempts} at +" + ", +".join(f"{w - t_kill:.1f}" for w, _ in started)
         + f" s; live {t_live - t_accept:.1f} s after Janus accepted")
    assert attempts == sorted(set(attempts)) and len(attempts) >= 4, attempts
    assert all(i <= 30.0 + 1.0 for i in intervals), f"intervals {intervals} exceed the 30 s cap"
    assert all(p <= 30.0 + 0.1 for p in planned), f"planned waits {planned} exceed the cap"
    assert max(intervals) >= 4.0, f"intervals {intervals}: no backoff"
    assert started[-1][0] < t_accept + 32.0
    assert_tone_at_the_end(pcm)


# ---------------------------------------------------------------------------------------------- two servers
@pytest.mark.timeout(120)
async def test_failover_to_the_other_server_when_one_dies(make_lab_room: Any, listening: Any) -> None:
    first = await make_lab_room(external_feed=True, ws_port=8188)
    second = await make_lab_room(external_feed=True, ws_port=8189)
    link = parse_link(f"plaza+ws://{netlab.SERVER_IP}:8188/{first.config.room_id}"
                      f"?server={second.config.ws_url}")
    listener = await listening(link)
    await listener.wait_live()
    rooms = {first.config.ws_url: first, second.config.ws_url: second}
    joined = listener.session.supervisor.server  # the listener's own random first choice
    assert joined in rooms
    other = next(url for url in rooms if url != joined)
    await listener.wait_full()
    await janus_faults.kill_and_wait(rooms[joined].janus)  # and it stays dead
    t_detect = await listener.wait_for(lambda: listener.status == RoomStatus.RECONNECTING, 1.0, "detection")
    t_live = await listener.wait_live(timeout=10.0)
    server = listener.session.supervisor.server
    received = listener.session.stats().playout.packets_received
    await asyncio.sleep(2.0)
    assert listener.session.stats().playout.packets_received >= received + 80, "no media from the other server"
    pcm = await listener.finish()
    heard: Heard = judge(pcm)
    note("failover", f"plays from {server} {t_live - t_detect:.2f} s after detection; {heard.describe()}")
    assert server == other
    assert t_live - t_detect <= 2.0, f"played from the other server {t_live - t_detect:.2f} s after detection"
    assert_tone_at_the_end(pcm)
