"""`plaza host` resolves what the user typed to the id the controller is sent: a raised hand's id as shown (a
generated `NAME#n` too: the controller maps it to its raiser's name, §3.6), or the one stage member or hand of that
display name."""

from __future__ import annotations

import pytest

from app.cli.host import effect, resolve
from app.listener.state import RoomState
from app.room.host_protocol import HostVerb
from app.room.protocol import Hand, Role, StageMember

STATE = RoomState(members=(StageMember("7", "Hana", Role.HOST, False, False),),
                  hands=(Hand("l-bo", "Bo", 1.0), Hand("l-bo#2", "Bob", 2.0), Hand("l-cy", "Bob", 3.0)),
                  hands_total=3)


@pytest.mark.parametrize("verb", [HostVerb.INVITE, HostVerb.REMOVE])
def test_a_hand_id_is_sent_as_shown_and_a_unique_name_as_its_id(verb: HostVerb) -> None:
    assert resolve(STATE, verb, "l-bo#2") == "l-bo#2"  # not cut to "l-bo": that is another server's hand
    assert resolve(STATE, verb, "l-bo") == "l-bo" and resolve(STATE, verb, "Bo") == "l-bo"


def test_a_name_two_hands_show_is_ambiguous_for_remove() -> None:
    with pytest.raises(ValueError, match="l-bo#2, l-cy"):
        resolve(STATE, HostVerb.REMOVE, "Bob")


def test_remove_of_a_hand_is_done_when_its_id_is_gone() -> None:
    done = effect(HostVerb.REMOVE, "l-bo#2")
    assert not done(STATE)
    assert done(RoomState(hands=(Hand("l-cy", "Bob", 3.0),), hands_total=1))
