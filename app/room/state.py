"""The listener's room state: applies the controller's snapshots/deltas (or the fallback poll) and tells subscribers.

Plain Python so the UI, the channel and tests share one model without Qt. Each update builds a new immutable
RoomState (the UI can keep a reference without copying) and a StateChange saying exactly what changed, so views
repaint only what they must. Spec: docs/room-protocol.md.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from app.room.protocol import Delta, Hand, ListenerCount, Snapshot, StageMember, Unset

log = logging.getLogger(__name__)


class StateSource(enum.Enum):
    NONE = "none"  # nothing received yet
    CONTROLLER = "controller"  # announcements from the room's controller
    FALLBACK = "fallback"  # no controller: the stage's participant list, polled; listener count unknown


@dataclass(frozen=True, slots=True)
class RoomState:
    title: str = ""
    members: tuple[StageMember, ...] = ()
    listeners: ListenerCount | None = None  # None = unknown (fallback, or the controller cannot count)
    hands: tuple[Hand, ...] = ()
    hands_total: int = 0
    seq: int | None = None
    controller: str | None = None
    source: StateSource = StateSource.NONE
    ended: bool = False
    updated_at: float = 0.0  # monotonic time of the last applied update
    # id -> position in members; set by the model (shared between states while positions do not move), else lazy.
    _index: Mapping[str, int] | None = field(default=None, init=False, repr=False, compare=False)

    def talking(self) -> tuple[StageMember, ...]:
        return tuple(m for m in self.members if m.talking)

    def member(self, id: str) -> StageMember | None:
        index = self._index
        if index is None:
            index = _index_of(self.members)
            object.__setattr__(self, "_index", index)
        i = index.get(id)
        return None if i is None else self.members[i]


@dataclass(frozen=True, slots=True)
class StateChange:
    """What differs from the previous state. members: set, order, name, role or mute; talking: who talks."""

    members: bool = False
    talking: bool = False
    listeners: bool = False  # count or measured-at time (or known <-> unknown)
    hands: bool = False  # the listed hands, hands_total, or this user's hand intent
    title: bool = False
    source: bool = False  # StateSource or the controller's name
    ended: bool = False

    def __bool__(self) -> bool:
        return (self.members or self.talking or self.listeners or self.hands or self.title or self.source
                or self.ended)


StateListener = Callable[[RoomState, StateChange], None]


def _index_of(members: tuple[StageMember, ...]) -> dict[str, int]:
    return {m.id: i for i, m in enumerate(members)}


def _talking_ids(members: tuple[StageMember, ...]) -> frozenset[str]:
    return frozenset(m.id for m in members if m.talking)


def _looks(m: StageMember) -> tuple[str, str, str, bool]:
    """What the member list shows apart from talking (talking flips ~every second and has its own flag)."""
    return (m.id, m.name, m.role, m.muted)


class RoomStateModel:
    """The room as this listener knows it, plus the user's own hand intent."""

    def __init__(self, own_id: str | None = None) -> None:
        self.state = RoomState()
        self.own_id = own_id
        self.hand_raised = False
        self._listeners: list[StateListener] = []
        self._synced = False  # True while deltas may apply: a snapshot was taken and no reset since

    # --- subscribers ----------------------------------------------------------------------------------------------

    def subscribe(self, cb: StateListener) -> None:
        if cb not in self._listeners:
            self._listeners.append(cb)

    def unsubscribe(self, cb: StateListener) -> None:
        if cb in self._listeners:
            self._listeners.remove(cb)

    def _notify(self, change: StateChange) -> None:
        state = self.state
        for cb in tuple(self._listeners):  # a callback may (un)subscribe
            try:
                cb(state, change)
            except Exception:  # one broken view must not break the channel or the other views
                log.exception("room state subscriber %r failed", cb)

    # --- updates --------------------------------------------------------------------------------------------------

    def apply_snapshot(self, s: Snapshot, now: float) -> None:
        """Take the controller's full state; an old one (same controller, seq not newer) is ignored.

        While unsynced (after reset_sequence) a snapshot at our own seq is taken: it re-syncs without a change.
        """
        old = self.state
        if old.controller == s.controller and old.seq is not None and (
                s.seq < old.seq or (s.seq == old.seq and self._synced)):
            return
        members, index = _dedupe(s.members)
        new = RoomState(title=s.title, members=members, listeners=s.listeners, hands=s.hands,
                        hands_total=s.hands_total, seq=s.seq, controller=s.controller,
                        source=StateSource.CONTROLLER, ended=s.ended, updated_at=now)
        object.__setattr__(new, "_index", index)
        self._synced = True
        self._replace(new, _members_change(old.members, members))

    def apply_delta(self, d: Delta, now: float) -> bool:
        """Apply d if it follows our state; False means "send a SyncRequest" (gap, other controller, no snapshot)."""
        old = self.state
        if not self._synced or old.seq is None or d.controller != old.controller:
            return False
        if d.seq <= old.seq:
            return True  # already covered by what we have (a duplicate or an older message): not a gap
        if d.base != old.seq:
            return False
        members_changed = talking_changed = False
        members, index = old.members, old._index
        if d.remove or d.upsert:
            assert index is not None  # the model sets it on every state it builds
            members, index, members_changed, talking_changed = _merge(members, index, d.remove, d.upsert)
        listeners = old.listeners if isinstance(d.listeners, Unset) else d.listeners
        hands = old.hands if d.hands is None else d.hands
        hands_total = old.hands_total if d.hands_total is None else d.hands_total
        title = old.title if d.title is None else d.title
        ended = old.ended if d.ended is None else d.ended
        new = RoomState(title=title, members=members, listeners=listeners, hands=hands, hands_total=hands_total,
                        seq=d.seq, controller=old.controller, source=old.source, ended=ended, updated_at=now)
        object.__setattr__(new, "_index", index)
        self.state = new
        change = StateChange(members=members_changed, talking=talking_changed, listeners=listeners != old.listeners,
                             hands=hands != old.hands or hands_total != old.hands_total, title=title != old.title,
                             ended=ended != old.ended)
        if change:
            self._notify(change)
        return True

    def apply_fallback(self, members: tuple[StageMember, ...], now: float) -> None:
        """No controller: show the polled stage; the listener count and hand queue are unknown, not stale."""
        old = self.state
        members, index = _dedupe(members)
        new = RoomState(title=old.title, members=members, listeners=None, hands=(), hands_total=0, seq=None,
                        controller=None, source=StateSource.FALLBACK, ended=old.ended, updated_at=now)
        object.__setattr__(new, "_index", index)
        self._synced = False
        self._replace(new, _members_change(old.members, members))

    def reset_sequence(self) -> None:
        """After a reconnect: keep showing the state, but take no delta before the next snapshot."""
        self._synced = False

    def set_hand_raised(self, raised: bool) -> None:
        """The user's intent (kept across reconnects); the channel whispers it to the controller."""
        if raised != self.hand_raised:
            self.hand_raised = raised
            self._notify(StateChange(hands=True))

    def own_hand_in_queue(self) -> bool:
        """Whether the controller lists this user's hand (False beyond the listed hands: we cannot tell)."""
        own = self.own_id
        return own is not None and any(h.id == own for h in self.state.hands)

    def _replace(self, new: RoomState, members_talking: tuple[bool, bool]) -> None:
        old = self.state
        self.state = new
        change = StateChange(members=members_talking[0], talking=members_talking[1],
                             listeners=new.listeners != old.listeners,
                             hands=new.hands != old.hands or new.hands_total != old.hands_total,
                             title=new.title != old.title,
                             source=new.source != old.source or new.controller != old.controller,
                             ended=new.ended != old.ended)
        if change:
            self._notify(change)


def _dedupe(members: tuple[StageMember, ...]) -> tuple[tuple[StageMember, ...], dict[str, int]]:
    """The member tuple and its index; a repeated id keeps its first entry (parse already rejects repeats)."""
    index = _index_of(members)
    if len(index) != len(members):
        log.warning("room state: %d duplicate member ids dropped", len(members) - len(index))
        firsts = {id_: i for i, id_ in reversed(list(enumerate(m.id for m in members)))}
        members = tuple(m for i, m in enumerate(members) if firsts[m.id] == i)
        index = _index_of(members)
    return members, index


def _members_change(old: tuple[StageMember, ...], new: tuple[StageMember, ...]) -> tuple[bool, bool]:
    """(members, talking) flags for a whole-list replacement."""
    if old == new:
        return False, False
    return [_looks(m) for m in old] != [_looks(m) for m in new], _talking_ids(old) != _talking_ids(new)


def _merge(members: tuple[StageMember, ...], index: Mapping[str, int], remove: tuple[str, ...],
           upsert: tuple[StageMember, ...]) -> tuple[tuple[StageMember, ...], Mapping[str, int], bool, bool]:
    """Apply a delta's removals then upserts: O(changed) lookups plus one tuple rebuild when anything changed.

    Returns (members, index, members flag, talking flag). The old index is never mutated: older states share it.
    """
    members_changed = talking_changed = False
    listed: list[StageMember] | None = None
    own_index: dict[str, int] | None = None
    drop = {index[i] for i in remove if i in index}
    if drop:
        talking_changed = any(members[i].talking for i in drop)
        listed = [m for i, m in enumerate(members) if i not in drop]
        own_index = {m.id: i for i, m in enumerate(listed)}
        members_changed = True
    for m in upsert:
        where = index if own_index is None else own_index
        i = where.get(m.id)
        current = listed if listed is not None else members
        if i is not None and current[i] == m:
            continue
        if listed is None:
            listed = list(members)
        if i is None:
            if own_index is None:
                own_index = dict(index)
            own_index[m.id] = len(listed)
            listed.append(m)
            members_changed = True
            talking_changed = talking_changed or m.talking
        else:
            before = listed[i]
            listed[i] = m
            members_changed = members_changed or _looks(before) != _looks(m)
            talking_changed = talking_changed or before.talking != m.talking
    if listed is None:
        return members, index, False, False
    return tuple(listed), (index if own_index is None else own_index), members_changed, talking_changed
