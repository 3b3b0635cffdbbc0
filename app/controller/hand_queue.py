"""The controller's queue of raised hands, each bound to the channel server it was raised on.

Why bound: channel usernames are unique per server only, so the same name on two of a room's servers is two people
(protocol §3.3). A hand is kept by (server, username); only a `hand` whisper or a leave of that name on that server
lowers it, and inviting it whispers its pass there only (app.controller.host_actions, app.controller.stage_access).

Each hand has a public id, what listeners are shown and what a host's `invite` targets: the username itself (what
clients before this binding expect, and compare with their own to find their hand), unless another hand already
shows that id — the same name raised on another server — then the name with `#2`, `#3`... (the first free one).
Ids are made valid for the wire (printable, ≤ MAX_ID_CHARS): a hand whose username is not a valid id would
otherwise make every announcement unencodable.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.room.protocol import Hand
from app.room.wire import MAX_ID_CHARS


@dataclass(frozen=True, slots=True)
class HandOwner:
    """Who raised a hand: channel user `username` on server `server` (None: unknown, a hand taken over from another
    controller's announcements, which name no server; app.controller.handover)."""

    server: str | None
    username: str


class HandQueue:
    """Raised hands in the order they were raised (FIFO), by public id, with their owners."""

    def __init__(self) -> None:
        self.hands: dict[str, Hand] = {}  # public id -> hand; insertion order is the queue
        self._owners: dict[str, HandOwner] = {}  # public id -> owner
        self._ids: dict[HandOwner, str] = {}  # owner -> public id

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
        """Queue `username`'s hand on `server` (a repeated raise keeps its place; so does one of a hand taken over
        without its server, which is bound to `server` from now on); True if the queue changed."""
        owner = HandOwner(server, username)
        if self._ids.get(owner) in self.hands:
            return False
        adopted = HandOwner(None, username)
        if server is not None and self._ids.get(adopted) in self.hands:
            hand_id = self._ids.pop(adopted)
            self._owners[hand_id] = owner
            self._ids[owner] = hand_id
            return False
        hand_id = self._free_id(username)
        self.hands[hand_id] = Hand(hand_id, name, at)
        self._owners[hand_id] = owner
        self._ids[owner] = hand_id
        return True

    def lower_hand(self, server: str | None, username: str) -> bool:
        """Lower `username`'s hand on `server` (and a taken-over one of that name, whose server is unknown)."""
        lowered = False
        for owner in {HandOwner(server, username), HandOwner(None, username)}:
            hand_id = self._ids.pop(owner, None)
            if hand_id is not None:
                self._owners.pop(hand_id, None)
                lowered = self.hands.pop(hand_id, None) is not None or lowered
        return lowered

    def lower_all(self, username: str) -> bool:
        """Lower `username`'s hands on every server (a host removed that name from the room)."""
        ids = self.ids_of(username)
        for hand_id in ids:
            del self.hands[hand_id]
            self._ids.pop(self._owners.pop(hand_id), None)
        return bool(ids)

    def _free_id(self, username: str) -> str:
        base = "".join(c if c.isprintable() else "?" for c in username) or "?"
        if len(base) <= MAX_ID_CHARS and base not in self.hands:
            return base
        n = 2
        while True:
            suffix = f"#{n}"
            hand_id = base[: MAX_ID_CHARS - len(suffix)] + suffix
            if hand_id not in self.hands:
                return hand_id
            n += 1
