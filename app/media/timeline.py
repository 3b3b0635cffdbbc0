"""The playout's timeline: undecoded Opus packets by content position, in order, with their holes counted.

Why apart from app.media.cushion: the cushion asks "how much content is ahead of the playhead?" twice a frame, and
the answer counts the holes that will be concealed in place (≤ 100 ms) but not those that will be skipped. Keeping
that count exact through inserts out of order, pops and drops is one rule with its own test; the cushion decides
what to do with the content, this only keeps it.
"""

from __future__ import annotations

import bisect

from app.media import FRAME_SAMPLES, SAMPLE_RATE

__all__ = ["MAX_CONCEAL", "Timeline"]

MAX_CONCEAL = 100 * (SAMPLE_RATE // 1000)  # holes up to this are concealed in place (samples)


def _hole(gap: int) -> int:
    """A gap between buffered frames that will be concealed in place counts as content ahead; a longer one not."""
    return gap if 0 < gap <= MAX_CONCEAL else 0


class Timeline:
    """Packets (stream id, payload) at positions ≥ the playhead; `ahead()` in O(1)."""

    def __init__(self) -> None:
        self.packets: dict[int, tuple[int, bytes]] = {}  # position -> (stream id, payload)
        self.order: list[int] = []  # sorted positions (changed only by add/take/drop_before)
        self.holes = 0  # the concealable holes between them

    def __bool__(self) -> bool:
        return bool(self.order)

    def __contains__(self, pos: int) -> bool:
        return pos in self.packets

    @property
    def first(self) -> int:
        return self.order[0]

    @property
    def last(self) -> int:
        return self.order[-1]

    def span(self) -> int:
        """From the first packet's start to the last one's end (samples), holes included."""
        return self.order[-1] + FRAME_SAMPLES - self.order[0] if self.order else 0

    def ahead(self, head: int, playing: bool) -> int:
        """Content ahead of the playhead, counting holes that will be concealed, not those skipped (and, while
        playing, the hole between the playhead and the first packet)."""
        if not self.order:
            return 0
        return len(self.order) * FRAME_SAMPLES + self.holes + (_hole(self.order[0] - head) if playing else 0)

    def add(self, pos: int, sid: int, payload: bytes) -> None:
        self.packets[pos] = (sid, payload)
        order, i = self.order, bisect.bisect_left(self.order, pos)
        before, after = (order[i - 1] if i else None), (order[i] if i < len(order) else None)
        if before is not None and after is not None:
            self.holes -= _hole(after - before - FRAME_SAMPLES)
        self.holes += (0 if before is None else _hole(pos - before - FRAME_SAMPLES)) + \
            (0 if after is None else _hole(after - pos - FRAME_SAMPLES))
        order.insert(i, pos)

    def take(self, pos: int) -> tuple[int, bytes] | None:
        """The packet at `pos` if it is the first (the playout keeps every position ≥ its playhead)."""
        if not self.order or self.order[0] != pos:
            return None
        self._pop_first()
        return self.packets.pop(pos)

    def first_packet(self) -> tuple[int, bytes]:
        return self.packets[self.order[0]]

    def at_or_after(self, pos: int) -> int | None:
        """The first position ≥ `pos`, if any."""
        i = bisect.bisect_left(self.order, pos)
        return self.order[i] if i < len(self.order) else None

    def drop_before(self, pos: int) -> None:
        while self.order and self.order[0] < pos:
            del self.packets[self._pop_first()]

    def _pop_first(self) -> int:
        order = self.order
        if len(order) > 1:
            self.holes -= _hole(order[1] - order[0] - FRAME_SAMPLES)
        return order.pop(0)
