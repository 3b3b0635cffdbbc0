"""Fallback pacing: how often a listener polls stage N while no controller speaks (docs/room-protocol.md §7).

The controller exists so that a server's load does not grow with the audience. A fallback in which every listener
polls every 5 s brings that stampede back the moment the controller dies (100,000 listeners: 20,000 polls/s on
one server). So the interval grows with the number n of listeners that poll the same server:

    I = max(MIN_INTERVAL, n / TARGET_RATE)

- the first poll after the controller went quiet is uniform in [0, I]: the whole audience lost the controller at
  the same instant, so the switch itself is spread (the display switches at once, without a request);
- every later poll follows the previous one after uniform [1, 1.5]·I: never sooner than I, so the first round
  and the later ones never overlap. (A gap symmetric around I, say [0.5, 1.5]·I, starts round two while round one
  is still running: 1.5 × the rate for a while; at 100,000 listeners that is ~100 polls in the worst second.)
  So n listeners poll at most n / I = TARGET_RATE times a second (expected; 0.8 × that on average), whatever n is.

n is what the listener itself sees: the head count of channel N on its server (the join reply lists who is
there, then Janus reports every join and leave; everyone in channel N on a server polls that server's stage),
else the room's last count from the controller (the whole room, so never below this server's share), else
UNKNOWN_AUDIENCE: a count nobody knows is taken to be a big room. With TARGET_RATE = 50/s a room of up to 250
listeners polls every 5–7.5 s and 500 listeners see their stage within 10 s of falling back; 100,000 listeners
poll every 33–50 minutes, the price of a bounded server, and show the last known stage until their first poll.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from app.room.protocol import FALLBACK_POLL_INTERVAL, FALLBACK_POLL_RATE

UNKNOWN_AUDIENCE: Final = 100_000  # listeners assumed on a server when nothing says how many there are
NEXT_GAP: Final = (1.0, 1.5)  # later polls: uniform in [1, 1.5]·I after the previous one


@dataclass(frozen=True)
class FallbackPolicy:
    """The one place for the fallback's timing rule; pure apart from `rand` (uniform in [0, 1), injectable)."""

    target_rate: float = FALLBACK_POLL_RATE  # polls per second one server may get from a room's whole audience
    min_interval: float = FALLBACK_POLL_INTERVAL
    unknown_audience: int = UNKNOWN_AUDIENCE
    rand: Callable[[], float] = random.random

    def __post_init__(self) -> None:
        if self.target_rate <= 0 or self.min_interval <= 0 or self.unknown_audience < 1:
            raise ValueError("fallback target rate, minimum interval and assumed audience must be positive")

    def audience(self, here: int | None, room: int | None = None) -> int:
        """Listeners polling this server: the channel's own head count, else the room's count, else a big room."""
        if here is not None:
            return max(1, here)
        if room is not None:
            return max(1, room)
        return self.unknown_audience

    def interval(self, audience: int) -> float:
        """I: the mean time between one listener's polls scales with the audience, so their sum stays bounded."""
        return max(self.min_interval, audience / self.target_rate)

    def first_delay(self, audience: int) -> float:
        """From the controller going quiet to the first poll: uniform in [0, I]."""
        return self.rand() * self.interval(audience)

    def next_delay(self, audience: int) -> float:
        """From one poll to the next: uniform in [1, 1.5]·I."""
        low, high = NEXT_GAP
        return (low + (high - low) * self.rand()) * self.interval(audience)
