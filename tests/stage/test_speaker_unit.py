"""SpeakerSession without Janus: invites, the way up and down, demotion, refusal, and the feedback mute."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import numpy as np
import pytest

from app.links import RoomLink
from app.listener.listen import ListenSession
from app.media import FRAME_SAMPLES
from app.media.capture import MicTrack
from app.media.feedback import FeedbackVerdict
from app.room.errors import RoomError
from app.room.host_protocol import HostAction, HostVerb, parse_request, verify
from app.room.stage_protocol import FeedbackReport, Invite, StagePass, Uninvite
from app.stage import speaker as speaker_module
from app.stage.connection import StageEnd, StageRefused
from app.stage.speaker import Role, SpeakerSession

PASS = StagePass(7, 42, "t" * 24)


class FakeStage:
    made: ClassVar[list[FakeStage]] = []
    refuse = False
    failures = 0  # how many of the next opens fail (a reconnect attempt that does not get through)

    def __init__(self, server: str, stage_pass: StagePass, mic: MicTrack, monitor: Any, **kwargs: Any) -> None:
        self.server, self.stage_pass, self.mic, self.monitor = server, stage_pass, mic, monitor
        self.ended: asyncio.Future[StageEnd] = asyncio.get_running_loop().create_future()
        self.mutes: list[bool] = []
        self.closed = False
        self.media_quiet_for = 0.0
        self.stale = list(kwargs.get("stale_sessions", ()))
        self.left_behind: list[int] = []
        FakeStage.made.append(self)

    async def open(self, timeout: float) -> None:
        if FakeStage.refuse:
            raise StageRefused("refused")
        if FakeStage.failures:
            FakeStage.failures -= 1
            self.left_behind = [*self.stale, 100 + len(FakeStage.made)]  # could end none, and left its own
            raise RoomError("stage reconnect failed")

    async def set_muted(self, muted: bool) -> None:
        self.mic.muted = muted
        self.mutes.append(muted)

    def end(self, reason: str) -> None:
        if not self.ended.done():
            self.ended.set_result(StageEnd(reason))

    async def close(self) -> None:
        self.closed = True


class Silence:
    name = "silence"

    async def start(self) -> None:
        pass

    async def frame(self) -> np.ndarray:
        await asyncio.sleep(0.02)
        return np.zeros(FRAME_SAMPLES, np.float32)

    async def close(self) -> None:
        pass


class Guard:
    def __init__(self) -> None:
        self.howl = False
        self.resets = 0
        self.played: list[np.ndarray] = []

    def far_end(self, frame: np.ndarray) -> None:
        self.played.append(frame)

    def feed(self, frame: np.ndarray) -> FeedbackVerdict | None:
        return FeedbackVerdict(2000.0, "growing tone", -10.0, 40.0) if self.howl else None

    def reset(self) -> None:
        self.resets += 1


@pytest.fixture
async def session(monkeypatch: pytest.MonkeyPatch) -> Any:
    FakeStage.made, FakeStage.refuse, FakeStage.failures = [], False, 0
    monkeypatch.setattr(speaker_module, "StageConnection", FakeStage)
    whispers: list[str] = []
    listen = ListenSession(RoomLink(7, ("ws://stage:1/janus", "ws://edge:1/janus")), use_device=False)
    assert listen.channel is not None
    monkeypatch.setattr(listen.channel, "whisper", lambda text: whispers.append(text))
    s = SpeakerSession(listen, MicTrack(Silence()), display="Ana", guard=Guard())  # type: ignore[arg-type]
    s.whispers = whispers  # type: ignore[attr-defined]
    roles: list[Role] = []
    s.changed.connect(roles.append)
    s.roles = roles  # type: ignore[attr-defined]
    yield s
    await s.close()


async def test_invite_accept_unmute_leave(session: SpeakerSession) -> None:
    session._on_whisper(Invite(PASS, 60.0))
    assert session.role == Role.INVITED and session.invite is not None
    await session.accept()
    stage = FakeStage.made[0]
    assert stage.server == "ws://stage:1/janus" and stage.stage_pass == PASS  # the stage is on the first server
    assert session.role == Role.SPEAKER and session.muted  # speakers join muted
    assert session.listen.monitor is stage.monitor  # the output plays the stage mix now
    await session.set_muted(False)
    assert stage.mutes == [False] and not session.muted
    await session.leave_stage()
    assert session.role == Role.LISTENER and session.muted and stage.closed
    assert session.listen.monitor is None
    assert session.roles == [Role.INVITED, Role.JOINING, Role.SPEAKER, Role.LISTENER]  # type: ignore[attr-defined]
    kinds = [t.split('"type":"')[1].split('"')[0] for t in session.whispers]  # type: ignore[attr-defined]
    assert kinds == ["answer", "left"]


async def test_decline_and_a_withdrawn_invite(session: SpeakerSession) -> None:
    session._on_whisper(Invite(PASS, 60.0))
    session.decline()
    assert session.role == Role.LISTENER and '"accepted":false' in session.whispers[-1]  # type: ignore[attr-defined]
    session._on_whisper(Invite(PASS, 60.0))
    session._on_whisper(Uninvite(7))
    assert session.role == Role.LISTENER
    with pytest.raises(RoomError, match="no invitation"):
        await session.accept()


async def test_a_refused_pass_leaves_us_in_the_audience_with_the_reason(session: SpeakerSession) -> None:
    FakeStage.refuse = True
    session._on_whisper(Invite(PASS, 60.0))
    with pytest.raises(StageRefused):
        await session.accept()
    assert session.role == Role.LISTENER and session.error == "refused" and session.listen.monitor is None


async def test_demotion_takes_us_down_without_telling(session: SpeakerSession) -> None:
    session._on_whisper(Invite(PASS, 60.0))
    await session.accept()
    session._on_whisper(Uninvite(7))
    for _ in range(5):
        await asyncio.sleep(0)
    assert session.role == Role.LISTENER and FakeStage.made[0].closed
    assert not any('"left"' in t for t in session.whispers)  # type: ignore[attr-defined]


async def test_a_lost_stage_reconnects_with_the_same_pass_and_mute_state(session: SpeakerSession,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speaker_module.Backoff, "next_delay", lambda self, age=None: 0.0)
    session._on_whisper(Invite(PASS, 60.0))
    await session.accept()
    await session.set_muted(False)
    first = FakeStage.made[0]
    first.end("connection lost")
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert len(FakeStage.made) == 2 and first.closed
    second = FakeStage.made[1]
    assert second.stage_pass == PASS and second.mutes == [False]  # rejoined muted, then unmuted as before
    assert session.stage is second and session.role == Role.SPEAKER and session.stage_reconnects == 1
    assert session.listen.monitor is second.monitor


async def test_each_reconnect_attempt_ends_what_the_connections_before_it_left(
        session: SpeakerSession, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speaker_module.Backoff, "next_delay", lambda self, age=None: 0.0)
    session._on_whisper(Invite(PASS, 60.0))
    await session.accept()
    first = FakeStage.made[0]
    assert first.stale == []  # the first join has nothing to clean up
    first.left_behind = [11]  # its session may still hold our seat on Janus (the network died under it)
    FakeStage.failures = 1  # the next attempt fails, leaving 11 and its own session (102) behind
    first.end("connection lost")
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert [s.stale for s in FakeStage.made] == [[], [11], [11, 102]]
    assert session.stage is FakeStage.made[2] and session.role == Role.SPEAKER


async def howl_on_stage(session: SpeakerSession) -> tuple[Guard, list[FeedbackVerdict], Any]:
    """On stage and unmuted, the guard hears howling in the next microphone frame; what it did, and that frame."""
    session._on_whisper(Invite(PASS, 60.0))
    await session.accept()
    await session.set_muted(False)
    told: list[FeedbackVerdict] = []
    session.feedback.connect(told.append)
    guard = session.guard
    assert isinstance(guard, Guard)
    guard.howl = True
    frame = await session.mic.recv()
    for _ in range(5):
        await asyncio.sleep(0)
    return guard, told, frame


async def test_the_guard_is_given_what_the_output_plays(session: SpeakerSession) -> None:
    """The guard judges a growing tone against the played audio (a howl through our loudspeaker is in it): every
    block the output pulls reaches it, the stage's monitor or the feed alike."""
    guard = session.guard
    assert isinstance(guard, Guard)
    out = session.listen.pull(480)
    assert len(guard.played) == 1 and guard.played[0] is out


async def test_howling_mutes_the_microphone_and_tells_the_user(session: SpeakerSession) -> None:
    guard, told, frame = await howl_on_stage(session)
    assert not frame.to_ndarray().any()  # the howling frame itself is not sent
    assert session.muted and FakeStage.made[0].mutes == [False, True] and guard.resets == 1
    assert told and told[0].frequency_hz == 2000.0


async def test_a_guard_mute_whispers_a_feedback_report_to_the_controller(session: SpeakerSession) -> None:
    _, told, _ = await howl_on_stage(session)
    assert told and session.muted
    parsed = [parse_request(text) for text in session.whispers]  # type: ignore[attr-defined]
    reports = [m for m in parsed if isinstance(m, FeedbackReport)]
    assert reports == [FeedbackReport(2000.0)]  # once, with the howling tone: everyone's stage shows why
    signed = [m for m in parsed if isinstance(m, HostAction)]  # and signed with the pass: a pass handed over
    assert [(a.verb, a.target) for a in signed] == [(HostVerb.FEEDBACK, str(a.stage_id)) for a in signed]
    assert len(signed) == 1 and verify(signed[0], FakeStage.made[0].stage_pass.token)  # directly has no name


async def test_no_feedback_report_off_stage(session: SpeakerSession) -> None:
    session._report_feedback(FeedbackVerdict(2000.0, "growing tone", -10.0, 40.0))  # e.g. after leaving
    assert session.whispers == []  # type: ignore[attr-defined]
