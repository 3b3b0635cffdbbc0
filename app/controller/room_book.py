"""The controller's book of the room, and when to tell listeners about it.

Kept apart from the Janus plumbing (app.controller.controller) so the timing rules can be tested on a virtual clock:
changes are coalesced into at most one delta per `delta_interval`; a full snapshot goes out at least every
`snapshot_interval` (it doubles as the controller's heartbeat, which listeners watch) and, on request, at most
every `sync_interval` — one requested snapshot answers everyone who asked before it went out. Requests are rare: a
join or a `sync` is answered with `answer()`, whispered to the askers (app.controller.askers).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable

from app.controller.hand_queue import HandQueue
from app.room.edge_loads import LOADS_MIN_INTERVAL, EdgeLoads, meaningful_change
from app.room.protocol import (
    DELTA_MIN_INTERVAL,
    MAX_LISTED_HANDS,
    MAX_MEMBERS,
    MAX_MESSAGE_BYTES,
    MAX_PARTS,
    SNAPSHOT_MAX_INTERVAL,
    SYNC_COALESCE,
    UNSET,
    Delta,
    Hand,
    ListenerCount,
    ProtocolViolation,
    Snapshot,
    StageMember,
    Unset,
)
from app.room.protocol_encoding import encode, member_bytes

log = logging.getLogger(__name__)

COUNT_REFRESH_S = 5.0  # an unchanged count is re-sent this often, so "updated N s ago" (> 10 s) means stale


def _same_count(a: ListenerCount | None, b: ListenerCount | None) -> bool:
    """A new measurement of the same count is not news, unless what listeners hold is getting old: listeners show
    a count older than 10 s as "updated N s ago", and snapshots alone (every 10 s) would make a healthy room
    flicker into that."""
    if a is None or b is None:
        return a is None and b is None
    return a.count == b.count and a.measured_at - b.measured_at < COUNT_REFRESH_S


class RoomBook:
    """What the controller knows (stage, count, hands) and what it has announced so far."""

    def __init__(self, room_id: int, controller: str, title: str, *, clock: Callable[[], float] = time.monotonic,
                 delta_interval: float = DELTA_MIN_INTERVAL, snapshot_interval: float = SNAPSHOT_MAX_INTERVAL,
                 sync_interval: float = SYNC_COALESCE) -> None:
        self.room_id = room_id
        self.controller = controller
        self.title = title
        self.ended = False
        self.moved: str | None = None  # the room went on at this link (§3.8): announced with `ended` from now on
        self.recording = False  # what the stage server says (app.controller.recording), not what a host asked
        self.members: dict[str, StageMember] = {}  # in order of appearance on the stage
        self.listeners: ListenerCount | None = None
        self.loads: EdgeLoads = ()  # listeners per feed server, as last measured (§6.1)
        self.queue = HandQueue()  # raised hands, FIFO, each bound to its server (app.controller.hand_queue)
        self.seq = 0
        self._clock = clock
        self.delta_interval = delta_interval
        self.snapshot_interval = snapshot_interval
        self.sync_interval = sync_interval
        self._snapshot_requested = False
        self._heartbeat = False  # a delta is due even without news (after answering joiners: see heartbeat())
        self._last_snapshot: float | None = None
        self._last_announcement: float | None = None
        # What listeners were last told (the base of the next delta).
        self._sent_members: dict[str, StageMember] = {}
        self._sent_listeners: ListenerCount | None = None
        self._sent_hands: tuple[Hand, ...] = ()
        self._sent_title = title
        self._sent_ended = False
        self._sent_recording = False
        self._sent_moved: str | None = None
        self._sent_loads: EdgeLoads = ()
        self._loads_sent_at: float | None = None  # loads go out in a delta at most every LOADS_MIN_INTERVAL

    # ------------------------------------------------------------------------------------------ changes
    def set_members(self, members: Iterable[StageMember]) -> None:
        """The stage as just polled; members keep their place, newcomers go to the end."""
        fresh = {m.id: m for m in members}
        ordered = {i: fresh[i] for i in self.members if i in fresh}
        ordered.update((i, m) for i, m in fresh.items() if i not in ordered)
        self.members = ordered

    def set_listeners(self, count: ListenerCount | None) -> None:
        self.listeners = count

    def set_loads(self, loads: EdgeLoads) -> None:
        """Each feed server's listeners as just measured; listeners hear of it when it changed meaningfully
        (app.room.edge_loads), at most every LOADS_MIN_INTERVAL, and in every snapshot."""
        self.loads = loads

    @property
    def hands(self) -> dict[str, Hand]:
        """The raised hands by public id, oldest first."""
        return self.queue.hands

    @hands.setter
    def hands(self, hands: dict[str, Hand]) -> None:
        self.queue.replace(hands)

    def raise_hand(self, username: str, name: str, at: float, *, server: str | None = None) -> bool:
        """Queue `username`'s hand raised on `server` (a repeated raise keeps its place); True if the queue
        changed."""
        return self.queue.raise_hand(server, username, name, at)

    def lower_hand(self, username: str, *, server: str | None = None) -> bool:
        """Lower `username`'s hand on `server` only (the same name elsewhere is someone else)."""
        return self.queue.lower_hand(server, username)

    def request_snapshot(self) -> None:
        """Everyone needs the state (the controller reconnected, took over, or most of a channel asked): a snapshot
        goes out as soon as the rules allow."""
        self._snapshot_requested = True

    def heartbeat(self) -> None:
        """Announce within the delta interval even if nothing changed (an empty delta). Joiners that were whispered
        a snapshot take it only once an announcement names its sender (app.listener.answers); in a quiet room the
        next one could be 10 s away."""
        self._heartbeat = True

    def set_title(self, title: str) -> None:
        self.title = title

    @property
    def dirty(self) -> bool:
        """Listeners' last news differs from the book."""
        return self._news() or self._loads_news()

    def _loads_news(self) -> bool:
        return meaningful_change(self._sent_loads, self.loads)

    def _loads_due_at(self) -> float:
        return float("-inf") if self._loads_sent_at is None else self._loads_sent_at + LOADS_MIN_INTERVAL

    def _news(self) -> bool:
        return (self.members != self._sent_members or not _same_count(self.listeners, self._sent_listeners)
                or self._hand_list() != self._sent_hands or self.title != self._sent_title
                or self.ended != self._sent_ended or self.recording != self._sent_recording
                or self.moved != self._sent_moved)

    # ----------------------------------------------------------------------------------- announcements
    def _hand_list(self) -> tuple[Hand, ...]:
        return tuple(self.hands.values())

    def _snapshot_due_at(self) -> float:
        if self._last_snapshot is None:
            return float("-inf")
        periodic = self._last_snapshot + self.snapshot_interval
        if self._snapshot_requested:
            return min(periodic, self._last_snapshot + self.sync_interval)
        return periodic

    def _delta_due_at(self) -> float:
        news = self._news() or self._heartbeat
        if not news and not self._loads_news():
            return float("inf")
        if self._last_announcement is None:
            return float("-inf")
        at = self._last_announcement + self.delta_interval
        return at if news else max(at, self._loads_due_at())  # loads alone wait for their own interval

    def next_due(self, now: float | None = None) -> float:
        """Seconds until `due()` may return something (0 if it would now)."""
        now = self._clock() if now is None else now
        return max(0.0, min(self._snapshot_due_at(), self._delta_due_at()) - now)

    def due(self, now: float | None = None) -> Snapshot | Delta | None:
        """The announcement to send now, if any; it counts as sent (its seq is taken)."""
        now = self._clock() if now is None else now
        if self._snapshot_due_at() <= now:
            return self._snapshot(now)
        if self._delta_due_at() <= now:
            return self._delta(now)
        return None

    def snapshot(self) -> Snapshot:
        """A snapshot right now, regardless of the timing rules (it counts as sent)."""
        return self._snapshot(self._clock())

    def _snapshot(self, now: float) -> Snapshot:
        self.seq += 1
        hands = self._hand_list()
        members = tuple(self.members.values())[:MAX_MEMBERS]
        message = Snapshot(seq=self.seq, room=self.room_id, controller=self.controller, title=self.title,
                           ended=self.ended, members=members, listeners=self.listeners,
                           hands=hands[:MAX_LISTED_HANDS], hands_total=len(hands), recording=self.recording,
                           moved=self.moved, loads=self.loads)
        self._snapshot_requested = self._heartbeat = False
        self._last_snapshot = self._last_announcement = now
        self._mark_sent(hands, now)
        return message

    def _delta(self, now: float) -> Delta:
        base, self.seq = self.seq, self.seq + 1
        upsert = tuple(m for i, m in self.members.items() if self._sent_members.get(i) != m)[:MAX_MEMBERS]
        remove = tuple(i for i in self._sent_members if i not in self.members)[:MAX_MEMBERS]
        listeners: ListenerCount | Unset | None = UNSET
        if not _same_count(self.listeners, self._sent_listeners):
            listeners = self.listeners
        hands = self._hand_list()
        changed_hands = hands != self._sent_hands
        with_loads = self._loads_news() and now >= self._loads_due_at()
        message = Delta(seq=self.seq, base=base, controller=self.controller,
                        title=self.title if self.title != self._sent_title else None,
                        ended=self.ended if self.ended != self._sent_ended else None,
                        listeners=listeners,
                        hands=hands[:MAX_LISTED_HANDS] if changed_hands else None,
                        hands_total=len(hands) if changed_hands else None,
                        upsert=upsert, remove=remove,
                        recording=self.recording if self.recording != self._sent_recording else None,
                        moved=self.moved if self.moved != self._sent_moved else None,
                        loads=self.loads if with_loads else None)
        self._last_announcement = now
        self._heartbeat = False
        self._mark_sent(hands, now if with_loads else None)
        return message

    def _mark_sent(self, hands: tuple[Hand, ...], loads_at: float | None) -> None:
        if loads_at is not None:
            self._sent_loads, self._loads_sent_at = self.loads, loads_at
        self._sent_members = dict(self.members)
        self._sent_listeners = self.listeners
        self._sent_hands = hands
        self._sent_title = self.title
        self._sent_ended = self.ended
        self._sent_recording = self.recording
        self._sent_moved = self.moved

    # ------------------------------------------------------------------------------------------- on the wire
    def texts(self, message: Snapshot | Delta) -> list[str]:
        """`message` (just taken from due() or snapshot()) as wire texts of at most MAX_MESSAGE_BYTES each.

        One text, unless a big stage does not fit: 200 members with 64-character names are ~34 KB. Then a snapshot
        goes in parts (protocol §3.1): the first lists what fits, the next parts − 1 deltas (a chain of seqs
        taken here) upsert the rest, and receivers show the stage only once it is whole. A delta too big becomes
        such a snapshot. Hands are listed as far as they fit beside no members (hands_total counts them all).
        """
        with contextlib.suppress(ProtocolViolation):
            return [encode(message)]
        if isinstance(message, Delta):
            message = self.snapshot()
        head, sizes = self._pack(message)
        texts = _chain(head, message.members, sizes, message.seq)
        self.seq += len(sizes) - 1
        return texts

    def answer(self) -> list[str] | None:
        """What listeners were last told, at the current seq, as texts to whisper to those who asked (a join, a
        `sync`; protocol §3.3): a snapshot, or one in parts whose last part is at the current seq, so the next
        broadcast delta follows it and no seq is taken. None before the first announcement, or when the parts
        would need seqs below 1 (then broadcast a snapshot instead)."""
        if self._last_snapshot is None:
            return None
        hands = self._sent_hands
        message = Snapshot(seq=self.seq, room=self.room_id, controller=self.controller, title=self._sent_title,
                           ended=self._sent_ended, members=tuple(self._sent_members.values())[:MAX_MEMBERS],
                           listeners=self._sent_listeners, hands=hands[:MAX_LISTED_HANDS], hands_total=len(hands),
                           recording=self._sent_recording, moved=self._sent_moved, loads=self._sent_loads)
        with contextlib.suppress(ProtocolViolation):
            return [encode(message)]
        head, sizes = self._pack(message)
        first = self.seq - (len(sizes) - 1)
        return _chain(head, message.members, sizes, first) if first >= 1 else None

    def _pack(self, message: Snapshot) -> tuple[Snapshot, list[int]]:
        """How a snapshot too big for one text splits: the head (hands as far as they fit, seq still to set) and
        how many members each part lists."""
        probe = self.seq + MAX_PARTS  # a seq with as many digits as any part's, for measuring
        hands = message.hands
        for keep in (len(hands), 50, 20, 5, 0):
            first = dataclasses.replace(message, hands=hands[:keep], seq=probe, parts=MAX_PARTS)
            if _fits(dataclasses.replace(first, members=())):
                break
        members = message.members
        cost = [member_bytes(m) for m in members]
        sizes = [_most(lambda ms: dataclasses.replace(first, members=ms), members, cost)]
        while sum(sizes) < len(members) and len(sizes) < MAX_PARTS:
            at = sum(sizes)
            sizes.append(_most(lambda ms: Delta(seq=probe, base=probe - 1, controller=message.controller, upsert=ms),
                               members[at:], cost[at:]))
        if sum(sizes) < len(members):
            log.error("room %s: the stage has %d members; the snapshot lists the first %d (%d parts, the protocol's "
                      "limit)", message.room, len(members), sum(sizes), MAX_PARTS)
        return first, sizes


def _chain(head: Snapshot, members: tuple[StageMember, ...], sizes: list[int], seq: int) -> list[str]:
    """A snapshot in parts as texts: the head at `seq` listing the first sizes[0] members, then a delta per part."""
    texts = [encode(dataclasses.replace(head, seq=seq, members=members[: sizes[0]], parts=len(sizes)))]
    at = sizes[0]
    for size in sizes[1:]:
        texts.append(encode(Delta(seq=seq + 1, base=seq, controller=head.controller, upsert=members[at : at + size])))
        seq += 1
        at += size
    return texts


def _fits(message: Snapshot | Delta) -> bool:
    try:
        encode(message)
    except ProtocolViolation:
        return False
    return True


def _most(build: Callable[[tuple[StageMember, ...]], Snapshot | Delta], members: tuple[StageMember, ...],
          cost: list[int]) -> int:
    """The most leading members that `build` fits in one message, counted from their encoded sizes (exact: the
    encoding is compact; the part's own encode checks it). texts() of a 200-member stage: ~10 ms, most of it encode
    parsing its own output; a binary search of encodes took 25 ms (at ≤ 4 answers a second)."""
    if not members:
        return 0
    room = MAX_MESSAGE_BYTES - len(encode(build(members[:1])).encode()) + cost[0]
    n = 0
    while n < len(members) and cost[n] <= room:
        room -= cost[n]
        n += 1
    return n
