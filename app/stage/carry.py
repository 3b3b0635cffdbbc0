"""A speaker's place on stage that travels with a moved room (docs/room-protocol.md §3.8), on the speaker's clock.

Why a memory of the last removal: the old controller revokes every pass as it carries out the move, at once, while
its `moved` announcement is coalesced (≤ 0.5 s) — so a speaker is usually taken off the old stage just before its
session follows. A removal at most CARRY_REMOVED_S before the follow therefore counts as "on stage at the move".
The place is then taken back at once, once, from the new room's controller within CARRY_WINDOW_S of the follow
(app.stage.speaker); muted or not as it was.

Why a claim: the new controller hands the place to whoever whispers it the proof of the old pass (the moving host
passed the same proof on), not to a username anyone could have taken in the new room's channel. We cannot know
whether the host's request reached the new controller before us, so we whisper the claim until our invite comes or
the window closes, at most every CLAIM_MAX_S.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from app.aio import succeeded
from app.room.roster_protocol import CarryClaim, carry_proof, encode_claim
from app.room.stage_protocol import StagePass

# After following a moved room, an invite from the new room's controller is taken at once this long: the host's
# client invites as soon as it hears the new controller (seconds), a minute covers a slow one.
CARRY_WINDOW_S = 60.0
CARRY_REMOVED_S = 5.0
CLAIM_FIRST_S = 0.5  # the first claims go soon: the host asks as soon as it hears the new controller, as we do
CLAIM_MAX_S = 4.0  # then at this pace (0.25/s: half the whisper limit, §9, so a raised hand still goes through)


@dataclass(frozen=True, slots=True)
class CarriedRole:
    """A stage place that travels with a move: taken at once from room `room`'s controller until `until`."""

    room: int
    until: float
    muted: bool
    proof: str = field(repr=False)  # claims it from the new room's controller: from the old pass, a capability


class Carry:
    """What a speaker remembers across a move: its last removal from a stage, then the place it may take back."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # When a controller last took us off stage, muted then, and the proof of the pass we lost.
        self._removed: tuple[float, bool, str] | None = None
        self.place: CarriedRole | None = None

    def removed(self, muted: bool, own: StagePass) -> None:
        """A controller took us off the stage (perhaps because the room moved); `own`: the pass we had."""
        self._removed = (self._clock(), muted, carry_proof(own.token, own.room, own.stage_id))

    def moved(self, room: int, own: StagePass | None, muted: bool) -> CarriedRole | None:
        """Our session follows the room to `room`: a pass `own` on stage (or going up) now, or one removed just
        before, makes a place that travels (muted as given, or as at the removal)."""
        now = self._clock()
        removed, self._removed = self._removed, None
        if own is not None:
            proof = carry_proof(own.token, own.room, own.stage_id)
            self.place = CarriedRole(room, now + CARRY_WINDOW_S, muted, proof)
        elif removed is not None and now - removed[0] <= CARRY_REMOVED_S:
            self.place = CarriedRole(room, now + CARRY_WINDOW_S, removed[1], removed[2])
        else:
            self.place = None
        return self.place

    def holds(self, place: CarriedRole) -> bool:
        """Whether `place` is still ours to take (not taken, its window open)."""
        return self.place is place and self._clock() <= place.until

    def take(self, room: int) -> CarriedRole | None:
        """The place, if a pass for `room` may take it now (then it is used up)."""
        place = self.place
        if place is None or place.room != room or self._clock() > place.until:
            return None
        self.place = None
        return place


async def claim(whisper: Callable[[str], Awaitable[bool] | None], carry: Carry, place: CarriedRole,
                sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Whisper our claim to the new room's controller (`whisper`: to the confirmed controller of the new room's
    channel; None or False before there is one) until the place is taken or its window closes. The pace slows
    only once claims are delivered: until then we are still on our way."""
    text = encode_claim(CarryClaim(place.room, place.proof))
    delay = CLAIM_FIRST_S
    while carry.holds(place):
        if await succeeded(whisper(text)):
            await sleep(delay)
            delay = min(delay * 2, CLAIM_MAX_S)
        else:
            await sleep(CLAIM_FIRST_S)

