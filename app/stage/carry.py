"""A speaker's place on stage that travels with a moved room (docs/room-protocol.md §3.8), on the speaker's clock.

Why a memory of the last removal: the old controller revokes every pass as it carries out the move, at once, while
its `moved` announcement is coalesced (≤ 0.5 s) — so a speaker is usually taken off the old stage just before its
session follows. A removal at most CARRY_REMOVED_S before the follow therefore counts as "on stage at the move".
The place is then taken back at once, once, from the new room's controller within CARRY_WINDOW_S of the follow
(app.stage.speaker); muted or not as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# After following a moved room, an invite from the new room's controller is taken at once this long: the host's
# client invites as soon as it hears the new controller (seconds), a minute covers a slow one.
CARRY_WINDOW_S = 60.0
CARRY_REMOVED_S = 5.0


@dataclass(frozen=True, slots=True)
class CarriedRole:
    """A stage place that travels with a move: taken at once from room `room`'s controller until `until`."""

    room: int
    until: float
    muted: bool


class Carry:
    """What a speaker remembers across a move: its last removal from a stage, then the place it may take back."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._removed: tuple[float, bool] | None = None  # when a controller last took us off stage, muted then
        self.place: CarriedRole | None = None

    def removed(self, muted: bool) -> None:
        """A controller took us off the stage (perhaps because the room moved)."""
        self._removed = (self._clock(), muted)

    def moved(self, room: int, on_stage: bool, muted: bool) -> CarriedRole | None:
        """Our session follows the room to `room`: `on_stage` (or going up) now, or removed just before, makes a
        place that travels (muted as given, or as at the removal)."""
        now = self._clock()
        removed, self._removed = self._removed, None
        if on_stage:
            self.place = CarriedRole(room, now + CARRY_WINDOW_S, muted)
        elif removed is not None and now - removed[0] <= CARRY_REMOVED_S:
            self.place = CarriedRole(room, now + CARRY_WINDOW_S, removed[1])
        else:
            self.place = None
        return self.place

    def take(self, room: int) -> CarriedRole | None:
        """The place, if a pass for `room` may take it now (then it is used up)."""
        place = self.place
        if place is None or place.room != room or self._clock() > place.until:
            return None
        self.place = None
        return place
