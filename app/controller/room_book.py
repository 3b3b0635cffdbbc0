"""The controller's book of the room, and when to tell listeners about it.

Kept apart from the Janus plumbing (app.controller.controller) so the timing rules can be tested on a virtual clock:
changes are coalesced into at most one delta per `delta_interval`; a full snapshot goes out at least every
`snapshot_interval` (it doubles as the controller's heartbeat, which listeners watch) and, on request, at most
every `sync_interval` — one requested snapshot answers everyone who asked before it went out.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable

from app.room.protocol import (
    DELTA_MIN_INTERVAL,
    MAX_LISTED_HANDS,
    MAX_MEMBERS,
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
    encode,
)

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
        self.recording = False  # what the stage server says (app.controller.recording), not what a host asked
        self.members: dict[str, StageMember] = {}  # in order of appearance on the stage
        self.listeners: ListenerCount | None = None
        self.hands: dict[str, Hand] = {}  # FIFO: insertion order is the queue
        self.seq = 0
        self._clock = clock
        self.delta_interval = delta_interval
        self.snapshot_interval = snapshot_interval
        self.sync_interval = sync_interval
        self._snapshot_requested = False
        self._last_snapshot: float | None = None
        self._last_announcement: float | None = None
        # What listeners were last told (the base of the next delta).
        self._sent_members: dict[str, StageMember] = {}
        self._sent_listeners: ListenerCount | None = None
        self._sent_hands: tuple[Hand, ...] = ()
        self._sent_title = title
        self._sent_ended = False
        self._sent_recording = False

    # ------------------------------------------------------------------------------------------ changes
    def set_members(self, members: Iterable[StageMember]) -> None:
        """The stage as just polled; members keep their place, newcomers go to the end."""
        fresh = {m.id: m for m in members}
        ordered = {i: fresh[i] for i in self.members if i in fresh}
        ordered.update((i, m) for i, m in fresh.items() if i not in ordered)
        self.members = ordered

    def set_listeners(self, count: ListenerCount | None) -> None:
        self.listeners = count

    def raise_hand(self, hand_id: str, name: str, at: float) -> bool:
        """Queue a hand (a repeated raise keeps its place); True if the queue changed."""
        if hand_id in self.hands:
            return False
        self.hands[hand_id] = Hand(hand_id, name, at)
        return True

    def lower_hand(self, hand_id: str) -> bool:
        return self.hands.pop(hand_id, None) is not None

    def request_snapshot(self) -> None:
        """A listener asked (sync whisper, or it just joined): a snapshot goes out as soon as the rules allow."""
        self._snapshot_requested = True

    def set_title(self, title: str) -> None:
        self.title = title

    @property
    def dirty(self) -> bool:
        """Listeners' last news differs from the book."""
        return (self.members != self._sent_members or not _same_count(self.listeners, self._sent_listeners)
                or self._hand_list() != self._sent_hands or self.title != self._sent_title
                or self.ended != self._sent_ended or self.recording != self._sent_recording)

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
        if not self.dirty:
            return float("inf")
        if self._last_announcement is None:
            return float("-inf")
        return self._last_announcement + self.delta_interval

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
                           hands=hands[:MAX_LISTED_HANDS], hands_total=len(hands), recording=self.recording)
        self._snapshot_requested = False
        self._last_snapshot = self._last_announcement = now
        self._mark_sent(hands)
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
        message = Delta(seq=self.seq, base=base, controller=self.controller,
                        title=self.title if self.title != self._sent_title else None,
                        ended=self.ended if self.ended != self._sent_ended else None,
                        listeners=listeners,
                        hands=hands[:MAX_LISTED_HANDS] if changed_hands else None,
                        hands_total=len(hands) if changed_hands else None,
                        upsert=upsert, remove=remove,
                        recording=self.recording if self.recording != self._sent_recording else None)
        self._last_announcement = now
        self._mark_sent(hands)
        return message

    def _mark_sent(self, hands: tuple[Hand, ...]) -> None:
        self._sent_members = dict(self.members)
        self._sent_listeners = self.listeners
        self._sent_hands = hands
        self._sent_title = self.title
        self._sent_ended = self.ended
        self._sent_recording = self.recording


def encode_fitting(message: Snapshot | Delta) -> str:
    """Encode within MAX_MESSAGE_BYTES: if it is too big, list fewer hands (hands_total still counts them all),
    then shorten names, then (a snapshot) list fewer members. A v1 message cannot hold 200 members with their names
    (~34 KB at 64 characters, benchmarks.host_actions): a big stage shows shortened names, and past ~150 members
    some of the stage is not listed — a partial stage, said in the log, rather than no state at all (a snapshot
    that never fits would also hold back every delta)."""
    hands = message.hands or ()
    fewer_hands = [dataclasses.replace(message, hands=hands[:keep]) for keep in (50, 20, 5, 0)] if hands else []
    for candidate in (message, *fewer_hands):
        with contextlib.suppress(ProtocolViolation):
            return encode(candidate)
    bare = fewer_hands[-1] if fewer_hands else message
    for chars in (24, 12, 6):
        short = _short_names(bare, chars)
        with contextlib.suppress(ProtocolViolation):
            return encode(short)
    if not isinstance(short, Snapshot):
        return encode(short)  # raises: a delta this big is not sent (the next snapshot carries the change)
    low, high = 0, len(short.members)  # the most members that fit
    while low < high:
        mid = (low + high + 1) // 2
        try:
            encode(dataclasses.replace(short, members=short.members[:mid]))
            low = mid
        except ProtocolViolation:
            high = mid - 1
    log.error("room %s: the stage has %d members; the snapshot lists the first %d (the protocol's message limit)",
              short.room, len(short.members), low)
    return encode(dataclasses.replace(short, members=short.members[:low]))


def _short_names(message: Snapshot | Delta, chars: int) -> Snapshot | Delta:
    def shorten(members: tuple[StageMember, ...]) -> tuple[StageMember, ...]:
        return tuple(m if len(m.name) <= chars else dataclasses.replace(m, name=m.name[:chars - 1] + "…")
                     for m in members)

    if isinstance(message, Snapshot):
        return dataclasses.replace(message, members=shorten(message.members))
    return dataclasses.replace(message, upsert=shorten(message.upsert))
