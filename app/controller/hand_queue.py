"""The controller's queue of raised hands, each bound to the channel server it was raised on.

Why bound: channel usernames are unique per server only, so the same name on two of a room's servers is two people
(protocol §3.3). A hand is kept by (server, username); only a `hand` whisper or a leave of that name on that server
lowers it, and inviting it whispers its pass there only (app.controller.host_actions, app.controller.stage_access).

Each hand has a public id, what listeners are shown and what a host's `invite` targets: the username itself (what
clients compare with their own to find their hand), unless another hand already shows that id — the same name
raised on another server — then the name with a generated `#2`, `#3`... Why raisers are checked (raisable): a
hand's id must be valid on the wire, and no raiser may hold a name a generated id could take (one ending in
`#<digits>`), so an id names one raiser only. Generated numbers are never reused in a queue's life, so a host's
stale click on `bob#2` cannot reach a later, different `bob#2`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.room.protocol import Hand
from app.room.wire import MAX_ID_CHARS

# A raiser's name leaves room for a generated `#<digits>` suffix: a generated id is never cut, so never ambiguous.
MAX_RAISER_CHARS = MAX_ID_CHARS - 16
_GENERATED = re.compile(r"#[0-9]+\Z")


def is_generated(hand_id: str) -> bool:
    """Whether `hand_id` has the form of a generated id (`NAME#<digits>`), which no raiser may hold."""
    return _GENERATED.search(hand_id) is not None


def refusal(username: str) -> str | None:
    """Why channel user `username` may not raise a hand (None: it may): its name must be its hand's id as it is."""
    if not username or len(username) > MAX_RAISER_CHARS:
        return f"a raiser's name has 1 to {MAX_RAISER_CHARS} characters"
    if not username.isprintable():
        return "a raiser's name has control or unprintable characters"
    if is_generated(username):
        return "a raiser's name must not end in '#<digits>' (the form of a generated hand id)"
    return None


@dataclass(frozen=True, slots=True)
class HandOwner:
    """Who raised a hand: channel user `username` on server `server` (None: a queue set wholesale by a test)."""

    server: str | None
    username: str


class HandQueue:
    """Raised hands in the order they were raised (FIFO), by public id, with their owners."""

    def __init__(self) -> None:
        self.hands: dict[str, Hand] = {}  # public id -> hand; insertion order is the queue
        self._owners: dict[str, HandOwner] = {}  # public id -> owner
        self._ids: dict[HandOwner, str] = {}  # owner -> public id
        self._numbers: dict[str, int] = {}  # username -> the last `#n` generated for it

    def replace(self, hands: dict[str, Hand]) -> None:
        """A queue set wholesale (tests, benchmarks): each hand's owner is its id, on an unknown server."""
        self.hands = dict(hands)
        self._owners = {i: HandOwner(None, i) for i in hands}
        self._ids = {o: i for i, o in self._owners.items()}

    def owner(self, hand_id: str) -> HandOwner | None:
        return self._owners.get(hand_id) if hand_id in self.hands else None

    def ids_of(self, username: str) -> list[str]:
        """The ids of every hand `username` raised, on any server."""
        return [i for i, o in self._owners.items() if o.username == username and i in self.hands]

    def raise_hand(self, server: str | None, username: str, name: str, at: float) -> bool:
        """Queue `username`'s hand on `server` (a repeated raise keeps its place); True if the queue changed.
        Raises ValueError for a username that may not raise (refusal): callers check first."""
        reason = refusal(username)
        if reason is not None:
            raise ValueError(reason)
        owner = HandOwner(server, username)
        if owner in self._ids:
            return False
        hand_id = self._new_id(username)
        self.hands[hand_id] = Hand(hand_id, name, at)
        self._owners[hand_id] = owner
        self._ids[owner] = hand_id
        return True

    def lower_hand(self, server: str | None, username: str) -> bool:
        """Lower `username`'s hand on `server` only (the same name elsewhere is someone else)."""
        hand_id = self._ids.pop(HandOwner(server, username), None)
        if hand_id is None:
            return False
        del self._owners[hand_id]
        return self.hands.pop(hand_id, None) is not None

    def lower_all(self, username: str) -> bool:
        """Lower `username`'s hands on every server (a host removed that name from the room)."""
        ids = self.ids_of(username)
        for hand_id in ids:
            del self.hands[hand_id]
            self._ids.pop(self._owners.pop(hand_id), None)
        return bool(ids)

    def _new_id(self, username: str) -> str:
        if username not in self.hands:
            return username
        n = self._numbers.get(username, 1) + 1
        self._numbers[username] = n
        return f"{username}#{n}"
