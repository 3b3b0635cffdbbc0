"""Stage pass lifecycle on a virtual clock: invited → on stage → away → gone, and the ways a pass ends early."""

from __future__ import annotations

import pytest

from app.controller.stage_passes import PassState, StagePasses, Withdrawal
from app.room.protocol import Role
from app.room.stage_protocol import MAX_STAGE_ID, MIN_TOKEN_CHARS
from tests.controller.stage_fakes import only_pass


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def passes(clock: Clock) -> StagePasses:
    return StagePasses(1234, clock=clock, grace=30.0)


def test_a_pass_is_a_fresh_secret_with_an_id_in_range(passes: StagePasses) -> None:
    a, _ = passes.issue("l-ana", "Ana")
    b, _ = passes.issue(None, "Demo", Role.HOST)
    assert a.token != b.token and len(a.token) >= MIN_TOKEN_CHARS and a.stage_id != b.stage_id
    assert all(1 <= p.stage_id <= MAX_STAGE_ID for p in (a, b))
    assert a.stage_pass.room == 1234 and a.state is PassState.INVITED and a.role is Role.SPEAKER
    assert sorted(passes.live_tokens()) == sorted([a.token, b.token])
    assert passes.role_of(str(b.stage_id)) is Role.HOST and passes.role_of("12") is None
    assert passes.role_of("not-a-number") is None
    assert a.token not in repr(a) + repr(passes.expire()) + repr(Withdrawal([a.token]))


def test_an_unused_invite_expires_and_the_invitee_is_told(passes: StagePasses, clock: Clock) -> None:
    issued, _ = passes.issue("l-ana", "Ana", ttl=60.0)
    clock.now += 59.9
    assert not passes.expire()
    clock.now += 0.1
    assert passes.expire() == Withdrawal([issued.token], [("l-ana", None)])
    assert len(passes) == 0 and not passes.expire()


def test_on_stage_never_expires_away_is_kept_for_the_grace(passes: StagePasses, clock: Clock) -> None:
    issued, _ = passes.issue("l-ana", "Ana", ttl=10.0)
    passes.seen([issued.stage_id, 77])
    assert issued.state is PassState.ON_STAGE
    clock.now += 3600  # on stage for an hour: the ttl no longer applies
    passes.seen([issued.stage_id])
    assert not passes.expire()
    passes.seen([])  # network drop, or Janus restarted
    assert issued.state is PassState.AWAY
    clock.now += 29.0
    assert not passes.expire() and passes.live_tokens() == [issued.token]
    passes.seen([issued.stage_id])  # back with the same pass within the grace
    assert issued.state is PassState.ON_STAGE
    passes.seen([])
    clock.now += 30.0
    assert passes.expire() == Withdrawal([issued.token])  # the grace ran out: used (nobody to tell)
    assert passes.get(issued.stage_id) is None


def test_left_ends_the_pass_at_once_only_for_its_holder(passes: StagePasses) -> None:
    issued, _ = passes.issue("l-ana", "Ana")
    passes.seen([issued.stage_id])
    assert not passes.left("l-bo")
    assert passes.left("l-ana") == Withdrawal([issued.token])
    assert len(passes) == 0 and not passes.left("l-ana")


def test_a_decline_ends_the_invite_an_accept_keeps_it(passes: StagePasses) -> None:
    issued, _ = passes.issue("l-ana", "Ana")
    assert not passes.answered("l-ana", True) and only_pass(passes, "l-ana") is issued
    assert not passes.answered("l-bo", False)
    assert passes.answered("l-ana", False) == Withdrawal([issued.token])
    assert passes.all_of("l-ana") == []


def test_re_inviting_replaces_the_old_pass(passes: StagePasses) -> None:
    old, none = passes.issue("l-ana", "Ana")
    assert not none
    new, replaced = passes.issue("l-ana", "Ana")
    assert replaced == Withdrawal([old.token]) and passes.live_tokens() == [new.token]
    assert only_pass(passes, "l-ana") is new and passes.get(old.stage_id) is None


def test_revoke_tells_the_holder_and_kicks_only_who_is_on_stage(passes: StagePasses) -> None:
    invited, _ = passes.issue("l-ana", "Ana")
    speaking, _ = passes.issue("l-bo", "Bo")
    demo, _ = passes.issue(None, "Demo", Role.HOST)
    passes.seen([speaking.stage_id, demo.stage_id])
    assert passes.revoke(invited.stage_id) == Withdrawal([invited.token], [("l-ana", None)])
    assert passes.revoke(speaking.stage_id) == Withdrawal([speaking.token], [("l-bo", None)], [speaking.stage_id])
    assert passes.revoke(demo.stage_id) == Withdrawal([demo.token], [], [demo.stage_id])
    assert not passes.revoke(demo.stage_id) and len(passes) == 0


def test_a_ttl_out_of_range_is_refused(passes: StagePasses) -> None:
    for ttl in (0.0, -1.0, 601.0):
        with pytest.raises(ValueError):
            passes.issue("l-ana", "Ana", ttl=ttl)
    assert len(passes) == 0


def test_the_stage_holds_at_most_the_members_the_room_state_can_list(passes: StagePasses) -> None:
    from app.room.errors import RoomError
    from app.room.protocol import MAX_MEMBERS

    passes.issue(None, "Host", Role.HOST, keep=True)
    for i in range(MAX_MEMBERS - 1):
        passes.issue(f"l-{i}", f"L{i}")
    with pytest.raises(RoomError, match="the stage is full"):
        passes.issue("l-late", "Late")
    with pytest.raises(RoomError, match="the stage is full"):
        passes.issue(None, "Bot")
    again, replaced = passes.issue("l-7", "L7")  # a re-invite replaces its own seat
    assert replaced.tokens and len(passes) == MAX_MEMBERS
    passes.revoke(again.stage_id)
    assert passes.issue("l-late", "Late")[0].username == "l-late"  # a freed seat can be given


def test_the_same_name_on_two_servers_holds_two_bound_passes(passes: StagePasses) -> None:
    on_a, replaced = passes.issue("l-bo", "Bo", server="A")
    on_b, replaced_b = passes.issue("l-bo", "Bob", server="B")  # someone else: Bo's pass stays
    assert not replaced and not replaced_b and len(passes) == 2
    assert passes.holder("l-bo", "A") is on_a and passes.holder("l-bo", "B") is on_b
    assert passes.holder("l-bo", None) is None and passes.all_of("l-bo") == [on_a, on_b]
    again, replaced = passes.issue("l-bo", "Bo", server="A")  # re-invited on A: A's pass replaced, B's kept
    assert replaced.tokens == [on_a.token] and passes.all_of("l-bo") == [on_b, again]
    assert passes.answered("l-bo", False, "A") == Withdrawal([again.token])
    assert passes.revoke(on_b.stage_id) == Withdrawal([on_b.token], [("l-bo", "B")])  # told on B only


def test_a_bound_invite_replaces_an_unbound_pass_of_the_name(passes: StagePasses) -> None:
    unbound, _ = passes.issue("l-bo", "Bo")
    bound, replaced = passes.issue("l-bo", "Bo", server="A")
    assert replaced.tokens == [unbound.token] and passes.all_of("l-bo") == [bound]
