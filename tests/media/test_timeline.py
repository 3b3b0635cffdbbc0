"""The timeline's incremental count of content ahead equals the plain sum, whatever the order of inserts and pops."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.media import FRAME_SAMPLES
from app.media.timeline import MAX_CONCEAL, Timeline


def reference_ahead(order: list[int], head: int, playing: bool) -> int:
    total, prev = 0, head if playing else (order[0] if order else 0)
    for pos in order:
        gap = pos - prev
        total += (gap if 0 < gap <= MAX_CONCEAL else 0) + FRAME_SAMPLES
        prev = pos + FRAME_SAMPLES
    return total


# frame slots (a hole of 5 slots is 100 ms: the longest concealed), and operations on them
OPS = st.lists(st.one_of(st.tuples(st.just("add"), st.integers(0, 60)),
                         st.tuples(st.just("take"), st.just(0)),
                         st.tuples(st.just("drop"), st.integers(0, 60))), max_size=80)


@settings(max_examples=300, deadline=None)
@given(OPS, st.booleans())
def test_ahead_is_the_sum_over_the_buffer(ops: list[tuple[str, int]], playing: bool) -> None:
    line, head = Timeline(), 0
    for op, slot in ops:
        pos = slot * FRAME_SAMPLES
        if op == "add" and pos >= head and pos not in line:
            line.add(pos, 1, b"x")
        elif op == "take" and line:
            head = line.first  # the playhead reaches the first packet
            assert line.take(head) == (1, b"x")
            head += FRAME_SAMPLES
        elif op == "drop" and pos >= head:
            head = pos
            line.drop_before(pos)
        assert line.order == sorted(line.packets)
        assert line.ahead(head, playing) == reference_ahead(line.order, head, playing)
        assert line.span() == (line.last + FRAME_SAMPLES - line.first if line else 0)


def test_take_only_takes_what_is_at_the_playhead_and_at_or_after_finds_the_next() -> None:
    line = Timeline()
    for slot in (2, 5, 9):
        line.add(slot * FRAME_SAMPLES, 7, bytes([slot]))
    assert line.take(0) is None and len(line.order) == 3
    assert line.at_or_after(3 * FRAME_SAMPLES) == 5 * FRAME_SAMPLES
    assert line.at_or_after(10 * FRAME_SAMPLES) is None
    assert line.take(2 * FRAME_SAMPLES) == (7, b"\x02") and line.first == 5 * FRAME_SAMPLES
