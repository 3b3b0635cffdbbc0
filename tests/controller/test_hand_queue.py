"""The hand queue's ids and bindings: usernames come from the channel (anyone picks theirs), so hypothesis drives
raises and lowers of arbitrary names on a few servers against a plain model of the queue."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.controller.hand_queue import MAX_RAISER_CHARS, HandOwner, HandQueue, is_generated, refusal
from app.room.protocol import Snapshot, parse_announcement
from app.room.protocol_encoding import encode
from app.room.wire import MAX_ID_CHARS, check_id

SERVERS = ("wss://a.example/janus", "wss://b.example/janus", None)
names = st.one_of(st.sampled_from(["l-bo", "l-bo#2", "l-bo#3", "l-ana", "l-bo#"]),
                  st.text(min_size=1, max_size=140), st.just("x" * MAX_RAISER_CHARS),
                  st.just("x" * (MAX_RAISER_CHARS + 1)), st.just("x" * 111 + "\n"))
ops = st.lists(st.tuples(st.sampled_from(["raise", "raise", "lower", "lower_all"]), st.sampled_from(SERVERS), names),
               max_size=40)


@settings(max_examples=300, deadline=None)
@given(ops)
def test_ids_are_unique_valid_never_reused_and_each_owner_holds_one_hand(
        steps: list[tuple[str, str | None, str]]) -> None:
    queue = HandQueue()
    model: list[HandOwner] = []  # owners in queue order
    generated: dict[str, HandOwner] = {}  # every generated id ever shown -> its owner
    for i, (op, server, username) in enumerate(steps):
        owner = HandOwner(server, username)
        if op == "raise":
            if refusal(username) is not None:
                with pytest.raises(ValueError):
                    queue.raise_hand(server, username, "N", float(i))
                continue
            fresh = owner not in model
            assert queue.raise_hand(server, username, "N", float(i)) is fresh
            if fresh:
                model.append(owner)
        elif op == "lower":
            assert queue.lower_hand(server, username) is (owner in model)
            model = [o for o in model if o != owner]
        else:
            assert queue.lower_all(username) is any(o.username == username for o in model)
            model = [o for o in model if o.username != username]
        assert [queue.owner(h) for h in queue.hands] == model
        for hand_id, hand in queue.hands.items():
            raiser = queue.owner(hand_id)
            assert raiser is not None and hand.id == hand_id and check_id(hand_id, "id") == hand_id
            assert len(hand_id) <= MAX_ID_CHARS
            if hand_id != raiser.username:  # a generated id: the raiser's name, then `#n`, n never reused
                assert is_generated(hand_id) and hand_id.rsplit("#", 1)[0] == raiser.username
                assert generated.setdefault(hand_id, raiser) == raiser
    snapshot = Snapshot(seq=1, room=1, controller="ctl", title="t", ended=False, members=(), listeners=None,
                        hands=tuple(queue.hands.values())[:100], hands_total=len(queue.hands))
    assert parse_announcement(encode(snapshot)).hands == snapshot.hands  # listeners take every id


@given(st.text(max_size=140))
def test_a_raiser_may_raise_only_under_a_name_that_is_its_id_as_it_is(username: str) -> None:
    ok = refusal(username) is None
    assert ok == (0 < len(username) <= MAX_RAISER_CHARS and username.isprintable() and not is_generated(username))
    if ok:
        assert check_id(username, "id") == username and check_id(username + "#99999999", "id")


def test_generated_ids_are_name_hash_digits() -> None:
    assert is_generated("l-bo#2") and is_generated("#10") and is_generated("a#b#0")
    assert not is_generated("l-bo#") and not is_generated("l-bo#2x") and not is_generated("l-bo#٣")


def test_the_first_hand_of_a_name_keeps_the_name_as_its_id() -> None:
    queue = HandQueue()
    assert queue.raise_hand("A", "l-bo", "Bo", 1.0) and queue.raise_hand("B", "l-bo", "Bob", 2.0)
    assert list(queue.hands) == ["l-bo", "l-bo#2"]
    assert queue.lower_hand("A", "l-bo") and queue.raise_hand("C", "l-bo", "Cy", 4.0)
    assert list(queue.hands) == ["l-bo#2", "l-bo"]  # the freed name is its next raiser's id, at the queue's end
    assert queue.lower_hand("B", "l-bo") and queue.raise_hand("B", "l-bo", "Bob", 5.0)
    assert list(queue.hands) == ["l-bo", "l-bo#3"]  # "l-bo#2" is not handed out again
    assert queue.owner("l-bo") == HandOwner("C", "l-bo") and queue.owner("nope") is None
    with pytest.raises(ValueError):
        queue.raise_hand("A", "l-bo#2", "Mallory", 6.0)
