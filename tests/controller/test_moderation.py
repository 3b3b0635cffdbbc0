"""The hosts' rules without Janus: who may act on whom, replays, held mutes and when a hold counts as fought."""

from __future__ import annotations

import pytest

from app.controller.moderation import Moderation, Refused
from app.controller.stage_passes import StagePasses
from app.room.host_protocol import HostVerb, sign
from app.room.protocol import Role, StageMember
from app.room.stage_protocol import StagePass


@pytest.fixture
def passes() -> StagePasses:
    return StagePasses(1234, clock=lambda: 100.0)


def issue(passes: StagePasses, role: Role, name: str) -> StagePass:
    issued, _ = passes.issue(f"l-{name}", name, role)
    return issued.stage_pass


def members(*passes_roles: tuple[StagePass, Role]) -> dict[str, StageMember]:
    return {str(p.stage_id): StageMember(str(p.stage_id), "x", role, False, False) for p, role in passes_roles}


def test_the_host_may_do_anything_and_each_seq_counts_once(passes: StagePasses) -> None:
    rules = Moderation(passes)
    host, cohost = issue(passes, Role.HOST, "hana"), issue(passes, Role.CO_HOST, "cole")
    stage = members((host, Role.HOST), (cohost, Role.CO_HOST))
    for seq, verb in enumerate([HostVerb.MUTE, HostVerb.DEMOTE, HostVerb.REMOVE], start=10):
        assert rules.authorize(sign(host, seq, verb, str(cohost.stage_id)), stage).stage_pass == host
    assert rules.authorize(sign(host, 20, HostVerb.END), stage).role is Role.HOST
    with pytest.raises(Refused, match="replayed"):
        rules.authorize(sign(host, 20, HostVerb.MUTE_ALL), stage)
    with pytest.raises(Refused, match="replayed"):
        rules.authorize(sign(host, 5, HostVerb.MUTE_ALL), stage)


def test_a_co_host_may_not_end_the_room_or_act_on_hosts(passes: StagePasses) -> None:
    rules = Moderation(passes)
    host, cohost = issue(passes, Role.HOST, "hana"), issue(passes, Role.CO_HOST, "cole")
    other, speaker = issue(passes, Role.CO_HOST, "otto"), issue(passes, Role.SPEAKER, "sam")
    stage = members((host, Role.HOST), (cohost, Role.CO_HOST), (other, Role.CO_HOST), (speaker, Role.SPEAKER))
    with pytest.raises(Refused, match="only the room's host may end"):
        rules.authorize(sign(cohost, 1, HostVerb.END), stage)
    for seq, target in enumerate([host, other], start=2):
        with pytest.raises(Refused, match="may not remove host"):
            rules.authorize(sign(cohost, seq, HostVerb.REMOVE, str(target.stage_id)), stage)
    assert rules.authorize(sign(cohost, 9, HostVerb.MUTE, str(speaker.stage_id)), stage)
    assert rules.authorize(sign(cohost, 10, HostVerb.INVITE, "l-someone"), stage)
    assert rules.authorize(sign(cohost, 11, HostVerb.RECORD), stage)  # recording is for co-hosts too
    assert rules.authorize(sign(cohost, 12, HostVerb.STOP_RECORD), stage)
    with pytest.raises(Refused, match="not a host"):
        rules.authorize(sign(speaker, 13, HostVerb.RECORD), stage)


def test_forgeries_do_not_count(passes: StagePasses) -> None:
    rules = Moderation(passes)
    host, speaker = issue(passes, Role.HOST, "hana"), issue(passes, Role.SPEAKER, "sam")
    stage = members((host, Role.HOST), (speaker, Role.SPEAKER))
    with pytest.raises(Refused, match="wrong signature"):
        rules.authorize(sign(StagePass(1234, host.stage_id, "g" * 32), 1, HostVerb.END), stage)
    with pytest.raises(Refused, match="not a host"):
        rules.authorize(sign(speaker, 1, HostVerb.MUTE, str(host.stage_id)), stage)
    with pytest.raises(Refused, match="no live stage pass"):
        rules.authorize(sign(StagePass(1234, 77, "g" * 32), 1, HostVerb.END), stage)
    with pytest.raises(Refused, match="for room 99"):
        rules.authorize(sign(StagePass(99, host.stage_id, host.token), 1, HostVerb.END), stage)
    passes.revoke(host.stage_id)
    with pytest.raises(Refused, match="no live stage pass"):
        rules.authorize(sign(host, 50, HostVerb.END), stage)


def test_a_hold_is_fought_only_after_the_mute_was_seen() -> None:
    rules = Moderation(StagePasses(1))
    rules.hold("7")
    assert rules.fighters([("7", False)], 10.0) == []  # a reading older than the mute
    assert rules.fighters([("7", True), ("8", False)], 11.0) == []  # the mute seen at 11.0
    # a poll asked for before the mute was seen, answered after it: the state from before, not a fight
    assert rules.fighters([("7", False)], 10.5) == []
    assert rules.fighters([("7", False)], 11.2) == ["7"]  # asked for (or pushed) after: it unmuted itself
    assert rules.release("7") and not rules.release("7")
    assert rules.fighters([("7", False)], 12.0) == []


def test_held_shows_on_members_and_ends_with_the_pass(passes: StagePasses) -> None:
    rules = Moderation(passes)
    speaker = issue(passes, Role.SPEAKER, "sam")
    sid = str(speaker.stage_id)
    rules.hold(sid)
    rules.hold("55")  # a member without a pass of ours
    shown = rules.apply([StageMember(sid, "Sam", Role.SPEAKER, True, False),
                         StageMember("55", "Old", Role.SPEAKER, True, False)])
    assert [m.held for m in shown] == [True, True]
    assert [m.held for m in rules.apply([])] == [] and set(rules.held) == {sid}  # away: the pass still holds it
    passes.revoke(speaker.stage_id)
    rules.apply([])
    assert not rules.held
