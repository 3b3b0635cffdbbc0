"""Who asked the controller for the room's state (they joined channel N, or whispered `sync`), and their answer:
the snapshot whispered to just them, at most every `SYNC_COALESCE` (protocol §3.3).

Why whispered: every join used to request a broadcast snapshot, so under churn a full snapshot went to every
listener four times a second: ~34 KB each for a 200-member stage, ~7 GB/s for Janus to push on an edge with
50,000 listeners, and the 25 listeners of benchmarks/host_actions spent more than a core parsing them (0.3 core
after). An answer costs one request per part per `TOS_PER_REQUEST` askers, and only the askers parse it. A
broadcast is still the cheaper answer when more than half of the room's channel (all servers) asked at once (then
one goes to everyone), and the one possible before anything was announced.

A joiner takes a whispered snapshot only once an announcement names its sender (app.listener.answers), so an
answer to joiners is followed by an announcement within the delta interval (`RoomBook.heartbeat`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from app.controller.link import Answer, ControllerLink
from app.controller.room_book import RoomBook
from app.room.protocol import SYNC_COALESCE


class Askers:
    """The askers per server link, and when the next answer may go out."""

    def __init__(self, book: RoomBook, links: list[ControllerLink], *, clock: Callable[[], float] = time.monotonic,
                 interval: float = SYNC_COALESCE) -> None:
        self.book = book
        self.links = links  # every server's: a broadcast goes to all of them
        self._clock = clock
        self.interval = interval
        self._waiting: dict[ControllerLink, dict[str, bool]] = {}  # link -> username -> it joined (not a sync)
        self._last = float("-inf")
        self.answered = 0  # askers answered by a whisper (for tests and benchmarks)
        self.broadcast = 0  # answers that were a broadcast snapshot instead

    def ask(self, link: ControllerLink, username: str, *, joined: bool) -> None:
        waiting = self._waiting.setdefault(link, {})
        waiting[username] = waiting.get(username, False) or joined

    def forget(self, link: ControllerLink, username: str) -> None:
        """`username` left the channel on `link`: nobody to answer there (the same name elsewhere is someone else)."""
        self._waiting.get(link, {}).pop(username, None)

    def drop(self, link: ControllerLink) -> None:
        """`link` lost its server: its askers come back as joins (or a broadcast answers them all)."""
        self._waiting.pop(link, None)

    def clear(self) -> None:
        """Another controller announces this room: it answers."""
        self._waiting.clear()

    def next_due(self) -> float:
        """Seconds until answer() would send (inf with nobody waiting)."""
        if not any(self._waiting.values()):
            return float("inf")
        return max(0.0, self._last + self.interval - self._clock())

    def answer(self) -> bool:
        """Answer everyone waiting, if it is time; True if an answer was posted or a broadcast snapshot requested."""
        if self.next_due() > 0:
            return False
        waiting = {link: users for link, users in self._waiting.items() if users and link.connected}
        self._waiting.clear()
        if not waiting:
            return False
        self._last = self._clock()
        asked = sum(len(users) for users in waiting.values())
        audience = sum(len(link.participants) for link in self.links if link.connected)
        texts = self.book.answer()
        if texts is None or 2 * asked > audience:
            self.book.request_snapshot()
            self.broadcast += 1
            return True
        for link, users in waiting.items():
            link.post(Answer(texts, list(users)))
        self.answered += asked
        if any(joined for users in waiting.values() for joined in users.values()):
            self.book.heartbeat()
        return True
