"""The hand queue's ids and bindings: usernames come from the channel (anyone picks theirs), so hypothesis drives
raises and lowers of arbitrary names on a few servers against a plain model of the queue."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.controller.hand_queue import HandOwner, HandQueue
from app.room.protocol import Snapshot, encode, parse_announcement
from app.room.wire import MAX_ID_CHARS, check_id

SERVERS = ("wss://a.example/janus", "wss://b.example/janus", None)
names = st.one_of(st.sampled_from(["l-bo", "l-bo#2", "l-ana"]), st.text(min_size=1, max_size=140),
                  st.just("x" * 128), st.just("x" * 127 + "\n"))
ops = st.lists(st.tuples(st.sampled_from(["raise", "lower", "lower_all"]), st.sampled_from(SERVERS), names),
               max_size=40)


@settings(max_examples=300, deadline=None)
@given(ops)
def test_ids_are_unique_valid_and_each_owner_holds_one_hand(steps: list[tuple[str, str | None, str]]) -> None:
    queue = HandQueue()
    model: list[HandOwner] = []  # owners in queue order
    for i, (op, server, username) in enumerate(steps):
        owner = HandOwner(server, username)
        if op == "raise":
            adopted = HandOwner(None, username)
            fresh = owner not in model and not (server is not None and adopted in model)
            assert queue.raise_hand(server, username, "N", float(i)) is fresh
            if fresh:
                model.append(owner)
            elif owner not in model:
                model[model.index(adopted)] = owner  # a taken-over hand bound to its server, in its place
        elif op == "lower":
            gone = {owner, HandOwner(None, username)} & set(model)
            assert queue.lower_hand(server, username) is bool(gone)
            model = [o for o in model if o not in gone]
        else:
            assert queue.lower_all(username) is any(o.username == username for o in model)
            model = [o for o in model if o.username != username]
        assert [queue.owner(h) for h in queue.hands] == model
        for hand_id, hand in queue.hands.items():
            assert hand.id == hand_id and check_id(hand_id, "id") == hand_id and len(hand_id) <= MAX_ID_CHARS
    snapshot = Snapshot(seq=1, room=1, controller="ctl", title="t", ended=False, members=(), listeners=None,
                        hands=tuple(queue.hands.values())[:100], hands_total=len(queue.hands))
    assert parse_announcement(encode(snapshot)).hands == snapshot.hands  # listeners take every id


def test_the_first_hand_of_a_name_keeps_the_name_as_its_id() -> None:
    queue = HandQueue()
    assert queue.raise_hand("A", "l-bo", "Bo", 1.0) and queue.raise_hand("B", "l-bo", "Bob", 2.0)
    assert queue.raise_hand("A", "l-bo#2", "Not a suffix", 3.0)
    assert list(queue.hands) == ["l-bo", "l-bo#2", "l-bo#2#2"]
    assert queue.lower_hand("A", "l-bo") and queue.raise_hand("C", "l-bo", "Cy", 4.0)
    assert list(queue.hands) == ["l-bo#2", "l-bo#2#2", "l-bo"]  # the freed id is reused, at the queue's end
    assert queue.owner("l-bo") == HandOwner("C", "l-bo") and queue.owner("nope") is None
