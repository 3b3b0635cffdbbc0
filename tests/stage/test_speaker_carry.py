"""A speaker's place on stage travels with a moved room (§3.8), without Janus and on a virtual clock: taken at once
from the new room's controller within CARRY_WINDOW_S of the follow, muted or not as it was; any other invite goes the
usual way (the front end asks). The place is claimed from the new controller with the old pass's proof, again until
the invite comes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.links import RoomLink
from app.listener.listen import ListenSession
from app.media.capture import MicTrack
from app.room.roster_protocol import CarryClaim, carry_proof, encode_claim
from app.room.stage_protocol import Invite, StagePass, Uninvite
from app.stage import speaker as speaker_module
from app.stage.carry import CARRY_REMOVED_S, CARRY_WINDOW_S, CLAIM_MAX_S, Carry, claim
from app.stage.connection import StageEnd
from app.stage.speaker import Role, SpeakerSession
from tests.stage.test_speaker_unit import FakeStage, Silence

OLD = RoomLink(7, ("ws://old:1/janus",))
NEW = RoomLink(8, ("ws://new:1/janus", "ws://new-edge:1/janus"))
OLD_PASS = StagePass(7, 42, "t" * 24)
NEW_PASS = StagePass(8, 43, "u" * 24)


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def session(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> Any:
    FakeStage.made, FakeStage.refuse, FakeStage.failures = [], False, 0
    monkeypatch.setattr(speaker_module, "StageConnection", FakeStage)
    listen = ListenSession(OLD, use_device=False)
    assert listen.channel is not None
    sent: list[str] = []
    monkeypatch.setattr(listen.channel, "whisper", sent.append)
    claimed: list[tuple[str, int]] = []  # (the claim, the room whose channel alone may carry it)
    monkeypatch.setattr(listen.channel, "whisper_confirmed", lambda text, room: claimed.append((text, room)))
    s = SpeakerSession(listen, MicTrack(Silence()), display="Ana", clock=clock)  # type: ignore[arg-type]
    s.sent = sent  # type: ignore[attr-defined]
    s.claimed = claimed  # type: ignore[attr-defined]
    roles: list[Role] = []
    s.changed.connect(roles.append)
    s.roles = roles  # type: ignore[attr-defined]
    yield s
    await s.close()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def on_old_stage(session: SpeakerSession, *, unmuted: bool) -> None:
    session._on_whisper(Invite(OLD_PASS, 60.0))
    await session.accept()
    if unmuted:
        await session.set_muted(False)


def follow(session: SpeakerSession) -> None:
    """What ListenSession._follow does: the new link first, then `moved`."""
    session.listen.link = NEW
    session.listen.moved.emit(NEW)


@pytest.mark.parametrize("unmuted", [True, False])
async def test_a_speaker_taken_off_the_old_stage_is_back_on_the_new_one_at_once(
        session: SpeakerSession, clock: Clock, unmuted: bool) -> None:
    await on_old_stage(session, unmuted=unmuted)
    session._on_whisper(Uninvite(7))  # the old controller revokes every pass...
    await settle()
    assert session.role is Role.LISTENER and session.muted
    clock.now += 0.4
    follow(session)  # ...just before its `moved` announcement reaches us
    session.roles.clear()  # type: ignore[attr-defined]
    clock.now += 3.0
    session._on_whisper(Invite(NEW_PASS, 60.0))
    await settle()
    assert session.role is Role.SPEAKER and session.roles == [Role.JOINING, Role.SPEAKER]  # type: ignore[attr-defined]
    stage = FakeStage.made[-1]
    assert stage.stage_pass == NEW_PASS and stage.server == "ws://new:1/janus"
    assert session.muted is not unmuted and stage.mutes == ([False] if unmuted else [])


async def test_a_speaker_still_on_the_old_stage_at_the_move_leaves_it_and_comes_back(session: SpeakerSession,
                                                                                     clock: Clock) -> None:
    await on_old_stage(session, unmuted=True)
    old = FakeStage.made[-1]
    follow(session)  # the announcement came before the revocation
    await settle()
    assert old.closed and session.role is Role.LISTENER
    old.end("kicked")  # the old controller's kick, late: changes nothing now
    session._on_whisper(Uninvite(7))
    await settle()
    session._on_whisper(Invite(NEW_PASS, 60.0))
    await settle()
    assert session.role is Role.SPEAKER and not session.muted and FakeStage.made[-1].stage_pass == NEW_PASS


async def test_a_removal_seen_through_the_stage_counts_too(session: SpeakerSession) -> None:
    await on_old_stage(session, unmuted=True)
    FakeStage.made[-1].ended.set_result(StageEnd("kicked", removed=True))
    await settle()
    assert session.role is Role.LISTENER
    follow(session)
    session._on_whisper(Invite(NEW_PASS, 60.0))
    await settle()
    assert session.role is Role.SPEAKER and not session.muted


async def test_an_invite_after_the_window_is_asked_about(session: SpeakerSession, clock: Clock) -> None:
    await on_old_stage(session, unmuted=True)
    session._on_whisper(Uninvite(7))
    await settle()
    follow(session)
    clock.now += CARRY_WINDOW_S + 0.1
    session._on_whisper(Invite(NEW_PASS, 60.0))
    await settle()
    assert session.role is Role.INVITED and len(FakeStage.made) == 1


async def test_a_listener_is_asked_as_always(session: SpeakerSession) -> None:
    follow(session)
    session._on_whisper(Invite(NEW_PASS, 60.0))
    await settle()
    assert session.role is Role.INVITED and FakeStage.made == []


async def test_a_removal_long_before_the_move_does_not_travel(session: SpeakerSession, clock: Clock) -> None:
    await on_old_stage(session, unmuted=True)
    session._on_whisper(Uninvite(7))  # demoted by a host
    await settle()
    clock.now += CARRY_REMOVED_S + 1
    follow(session)
    session._on_whisper(Invite(NEW_PASS, 60.0))
    await settle()
    assert session.role is Role.INVITED


async def test_a_carried_place_is_taken_once_and_only_from_the_new_room(session: SpeakerSession) -> None:
    await on_old_stage(session, unmuted=False)
    session._on_whisper(Uninvite(7))
    await settle()
    follow(session)
    session._on_whisper(Invite(StagePass(7, 99, "v" * 24), 60.0))  # the room we left, late: ignored
    await settle()
    assert session.role is Role.LISTENER and session.carried is not None
    session._on_whisper(Invite(NEW_PASS, 60.0))
    await settle()
    assert session.role is Role.SPEAKER and session.carried is None
    await session.leave_stage()
    session._on_whisper(Invite(NEW_PASS, 60.0))  # a later invite: asked about
    assert session.role is Role.INVITED


async def test_the_host_takes_its_new_pass_muted_or_not_as_it_was(session: SpeakerSession) -> None:
    await on_old_stage(session, unmuted=True)
    session._on_whisper(Uninvite(7))
    await settle()
    follow(session)
    await session.take_pass(NEW_PASS)
    assert session.role is Role.SPEAKER and not session.muted and session.carried is None


OLD_CLAIM = encode_claim(CarryClaim(8, carry_proof(OLD_PASS.token, 7, 42)))


def claims(session: SpeakerSession) -> list[str]:
    claimed = session.claimed  # type: ignore[attr-defined]
    assert all(room == 8 for _, room in claimed)  # only through the new room's channel (app.listener.channel_keeper)
    assert not any('"type":"claim"' in t for t in session.sent)  # type: ignore[attr-defined]
    return [t for t, _ in claimed]


@pytest.mark.parametrize("removed_first", [True, False])
async def test_the_place_is_claimed_with_the_old_pass_until_the_invite_comes(session: SpeakerSession,
                                                                             removed_first: bool) -> None:
    await on_old_stage(session, unmuted=True)
    if removed_first:
        session._on_whisper(Uninvite(7))
        await settle()
    follow(session)
    await settle()
    assert claims(session) == [OLD_CLAIM]  # for the new room, proven with the old pass (the token never travels)
    assert OLD_PASS.token not in "".join(session.sent + claims(session))  # type: ignore[attr-defined]
    session._on_whisper(Invite(NEW_PASS, 60.0))
    await settle()
    assert session.carried is None
    await asyncio.sleep(0.6)  # past the next claim's time: no more claims once the place is ours
    assert claims(session) == [OLD_CLAIM]


async def test_a_listener_claims_nothing(session: SpeakerSession) -> None:
    follow(session)
    await settle()
    assert claims(session) == []


async def test_claims_back_off_and_stop_when_the_window_closes(clock: Clock) -> None:
    carry = Carry(clock)
    place = carry.moved(8, OLD_PASS, muted=True)
    assert place is not None
    sent: list[str] = []
    waits: list[float] = []

    async def delivered() -> bool:
        return len(sent) > 2  # the first two: no channel of the new room yet

    def whisper(text: str) -> Any:
        sent.append(text)
        return delivered()

    async def sleep(delay: float) -> None:
        waits.append(delay)
        clock.now += delay

    await claim(whisper, carry, place, sleep)
    assert waits[:7] == [0.5, 0.5, 0.5, 1.0, 2.0, 4.0, 4.0] and max(waits) == CLAIM_MAX_S
    assert sum(waits[:-1]) <= CARRY_WINDOW_S < sum(waits) and len(sent) == len(waits)
    assert set(sent) == {OLD_CLAIM}


async def test_two_invites_at_once_make_one_way_up(session: SpeakerSession) -> None:
    session.auto_accept = True  # (a bot: any other invite is taken too)
    await on_old_stage(session, unmuted=False)
    session._on_whisper(Uninvite(7))
    await settle()
    opened = session.mic.source.start

    async def slow_start() -> None:  # a real device takes a moment to open
        await asyncio.sleep(0.05)
        await opened()

    session.mic.source.start = slow_start  # type: ignore[method-assign]
    follow(session)
    session._on_whisper(Invite(NEW_PASS, 60.0))  # the carried place...
    session._on_whisper(Invite(StagePass(8, 44, "w" * 24), 60.0))  # ...and a second invite before it is up
    await asyncio.sleep(0.1)
    await settle()
    assert session.role is Role.SPEAKER and [s.stage_pass for s in FakeStage.made[1:]] == [NEW_PASS]


async def test_the_host_taking_its_new_pass_cannot_go_up_twice(session: SpeakerSession) -> None:
    await on_old_stage(session, unmuted=True)
    session._on_whisper(Uninvite(7))
    await settle()
    follow(session)
    opened = session.mic.source.start

    async def slow_start() -> None:
        await asyncio.sleep(0.05)
        await opened()

    session.mic.source.start = slow_start  # type: ignore[method-assign]
    first = asyncio.ensure_future(session.take_pass(NEW_PASS))
    await settle()
    assert session.role is Role.JOINING  # at once: the host tools' "go on stage" sees it
    await first
    assert session.role is Role.SPEAKER and [s.stage_pass for s in FakeStage.made[1:]] == [NEW_PASS]


async def test_a_claim_its_channel_cancelled_does_not_end_the_claims(clock: Clock) -> None:
    carry = Carry(clock)
    place = carry.moved(8, OLD_PASS, muted=True)
    assert place is not None
    sent: list[str] = []

    def whisper(text: str) -> asyncio.Future[bool]:
        sent.append(text)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        future.cancel()  # the channel closed under it (a failover): its whispers are cancelled
        return future

    async def sleep(delay: float) -> None:
        clock.now += delay
        if len(sent) == 3:
            carry.take(8)  # the invite came through the next channel

    await claim(whisper, carry, place, sleep)
    assert len(sent) == 3
