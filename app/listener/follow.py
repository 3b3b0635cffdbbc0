"""Whether and when a listener follows a room that moved (protocol §3.8), as plain logic on a clock.

The channel hands over a `moved` forward only from the room's confirmed controller (anything else never reaches
the state), and the parser has already checked the link as strictly as a pasted one. What is left is the
listener's own judgement:

- Jitter: each listener waits a uniform random 0–`jitter` s before it opens the new room, so a big audience
  spreads its joins over a second instead of hitting the new room's edges within the few milliseconds the
  announcement takes to fan out (100,000 listeners: ~100 joins per ms over 1 s). It costs no audio: the old feed
  plays until the new one's first packet, and 1 s + a join stays well within the 5 s a move may take.
- Loops and chains: at most `max_hops` moves within `window` s (A→B→A→B… stops after 3 hops in 10 min), and a
  forward to the room we are in is ignored. A refused move ends the room like any other end.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.links import LinkError, RoomLink, parse_link

FOLLOW_JITTER_S = 1.0
MAX_HOPS = 3
HOP_WINDOW_S = 600.0


def same_room(a: RoomLink, b: RoomLink) -> bool:
    """The same room: the same id on at least one shared server (a link's server list may be reordered)."""
    return a.room_id == b.room_id and bool(set(a.servers) & set(b.servers))


@dataclass
class FollowPolicy:
    """Counts this session's hops and picks each follow's delay."""

    jitter: float = FOLLOW_JITTER_S
    max_hops: int = MAX_HOPS
    window: float = HOP_WINDOW_S
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random
    hops: list[float] = field(default_factory=list)  # clock times of the moves followed

    def decide(self, current: RoomLink, moved: str) -> RoomLink | str:
        """The room to follow to, or why not (a short English reason for the log)."""
        try:
            target = parse_link(moved)
        except LinkError as exc:  # the parser checked it already; a hand-made state may not have been
            return f"the forward is not a usable link: {exc}"
        if same_room(current, target):
            return "the forward names the room we are in"
        now = self.clock()
        self.hops = [t for t in self.hops if now - t < self.window]
        if len(self.hops) >= self.max_hops:
            return f"already followed {len(self.hops)} moves in {self.window / 60:g} min (a loop?)"
        self.hops.append(now)
        return target

    def delay(self) -> float:
        """How long to wait before opening the new room: uniform 0–jitter s."""
        return self.rand() * self.jitter
