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

from app.room.protocol import UNSET, Delta, Hand, ListenerCount, Snapshot, StageMember

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

# Change flags as bits. There are only 2**7 distinct (immutable) StateChanges: apply_delta picks a shared one by
# its bits instead of constructing a frozen dataclass per delta (~1 µs each at 10,000 deltas/s).
_MEMBERS, _TALKING, _LISTENERS, _HANDS, _TITLE, _SOURCE, _ENDED = 1, 2, 4, 8, 16, 32, 64
_CHANGES: tuple[StateChange, ...] = tuple(
    StateChange(members=bool(b & _MEMBERS), talking=bool(b & _TALKING), listeners=bool(b & _LISTENERS),
                hands=bool(b & _HANDS), title=bool(b & _TITLE), source=bool(b & _SOURCE), ended=bool(b & _ENDED))
    for b in range(128))

# RoomState's generated __init__ (keyword arguments, one object.__setattr__ per field) costs ~1.5 µs, and the
# model builds one state per delta (10,000 a second on a busy stage). _StateBuilder has RoomState's exact slot
# layout but no frozen __setattr__, so the model fills it with plain attribute stores and then makes it a
# RoomState by assigning __class__ (CPython allows that between classes of identical layout): ~0.3 µs. The
# result is an ordinary, frozen RoomState; only the model's own construction path differs. The asserts keep the
# builder in step with the dataclass.
_STATE_SLOTS = ("title", "members", "listeners", "hands", "hands_total", "seq", "controller", "source", "ended",
                "updated_at", "_index")
assert RoomState.__slots__ == _STATE_SLOTS, RoomState.__slots__


class _StateBuilder:
    __slots__ = _STATE_SLOTS

    def __init__(self, title: str, members: tuple[StageMember, ...], listeners: ListenerCount | None,
                 hands: tuple[Hand, ...], hands_total: int, seq: int | None, controller: str | None,
                 source: StateSource, ended: bool, updated_at: float, index: Mapping[str, int]) -> None:
        self.title = title
        self.members = members
        self.listeners = listeners
        self.hands = hands
        self.hands_total = hands_total
        self.seq = seq
        self.controller = controller
        self.source = source
        self.ended = ended
        self.updated_at = updated_at
        self._index = index


def _make_state(title: str, members: tuple[StageMember, ...], listeners: ListenerCount | None,
                hands: tuple[Hand, ...], hands_total: int, seq: int | None, controller: str | None,
                source: StateSource, ended: bool, updated_at: float, index: Mapping[str, int]) -> RoomState:
    """RoomState(...) with every field given (positionally, in field order) plus the model's member index."""
    state = _StateBuilder(title, members, listeners, hands, hands_total, seq, controller, source, ended, updated_at,
                          index)
    state.__class__ = RoomState  # type: ignore[assignment]
    return state  # type: ignore[return-value]


assert _make_state("", (), None, (), 0, None, None, StateSource.NONE, False, 0.0, {}) == RoomState()


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
        self._callbacks: tuple[StateListener, ...] = ()  # a copy to iterate: a callback may (un)subscribe
        self._synced = False  # True while deltas may apply: a snapshot was taken and no reset since

    # --- subscribers ----------------------------------------------------------------------------------------------

    def subscribe(self, cb: StateListener) -> None:
        if cb not in self._listeners:
            self._listeners.append(cb)
            self._callbacks = tuple(self._listeners)

    def unsubscribe(self, cb: StateListener) -> None:
        if cb in self._listeners:
            self._listeners.remove(cb)
            self._callbacks = tuple(self._listeners)

    def _notify(self, change: StateChange) -> None:
        state = self.state
        for cb in self._callbacks:  # replaced, never mutated, by (un)subscribe: a callback may (un)subscribe
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
        new = _make_state(s.title, members, s.listeners, s.hands, s.hands_total, s.seq, s.controller,
                          StateSource.CONTROLLER, s.ended, now, index)
        self._synced = True
        self._replace(new, _members_change(old.members, members))

    def apply_delta(self, d: Delta, now: float) -> bool:
        """Apply d if it follows our state; False means "send a SyncRequest" (gap, other controller, no snapshot).

        The hot path of a busy room (every talking flip is a delta): no allocation beyond the new state and, when
        members changed, the new member tuple; identical objects are recognised by identity before equality.
        """
        old = self.state
        seq = old.seq
        if not self._synced or seq is None or d.controller != old.controller:
            return False
        if d.seq <= seq:
            return True  # already covered by what we have (a duplicate or an older message): not a gap
        if d.base != seq:
            return False
        flags = 0
        members, index = old.members, old._index
        assert index is not None  # the model sets it on every state it builds
        upsert, remove = d.upsert, d.remove
        i = index.get(upsert[0].id) if len(upsert) == 1 and not remove else None
        if i is not None:  # one known member changed: the usual talking or mute flip
            m = upsert[0]
            before = members[i]
            if before is not m:
                if before.name != m.name or before.role != m.role or before.muted != m.muted:
                    flags = _MEMBERS
                if before.talking != m.talking:
                    flags |= _TALKING
                if flags or before != m:
                    listed = list(members)
                    listed[i] = m
                    members = tuple(listed)
        elif remove or upsert:
            members, index, members_changed, talking_changed = _merge(members, index, remove, upsert)
            flags = (_MEMBERS if members_changed else 0) | (_TALKING if talking_changed else 0)
        listeners = d.listeners
        if listeners is UNSET:
            listeners = old.listeners
        elif listeners is not old.listeners and listeners != old.listeners:
            flags |= _LISTENERS
        hands = d.hands
        if hands is None:
            hands = old.hands
        elif hands is not old.hands and hands != old.hands:
            flags |= _HANDS
        hands_total = d.hands_total
        if hands_total is None:
            hands_total = old.hands_total
        elif hands_total != old.hands_total:
            flags |= _HANDS
        title = d.title
        if title is None:
            title = old.title
        elif title != old.title:
            flags |= _TITLE
        ended = d.ended
        if ended is None:
            ended = old.ended
        elif ended != old.ended:
            flags |= _ENDED
        # _make_state, inlined: this runs for every delta.
        built = _StateBuilder(title, members, listeners, hands, hands_total, d.seq, old.controller, old.source,
                              ended, now, index)
        built.__class__ = RoomState  # type: ignore[assignment]
        new: RoomState = built  # type: ignore[assignment]
        self.state = new
        if flags:  # _notify, inlined
            change = _CHANGES[flags]
            for cb in self._callbacks:
                try:
                    cb(new, change)
                except Exception:  # one broken view must not break the channel or the other views
                    log.exception("room state subscriber %r failed", cb)
        return True

    def apply_fallback(self, members: tuple[StageMember, ...], now: float) -> None:
        """No controller: show the polled stage; the listener count and hand queue are unknown, not stale."""
        old = self.state
        members, index = _dedupe(members)
        new = _make_state(old.title, members, None, (), 0, None, None, StateSource.FALLBACK, old.ended, now, index)
        self._synced = False
        self._replace(new, _members_change(old.members, members))

    def reset_sequence(self) -> None:
        """After a reconnect: keep showing the state, but take no delta before the next snapshot."""
        self._synced = False

    def set_hand_raised(self, raised: bool) -> None:
        """The user's intent (kept across reconnects); the channel whispers it to the controller."""
        if raised != self.hand_raised:
            self.hand_raised = raised
            self._notify(_CHANGES[_HANDS])

    def own_hand_in_queue(self) -> bool:
        """Whether the controller lists this user's hand (False beyond the listed hands: we cannot tell)."""
        own = self.own_id
        return own is not None and any(h.id == own for h in self.state.hands)

    def _replace(self, new: RoomState, members_talking: tuple[bool, bool]) -> None:
        old = self.state
        self.state = new
        flags = ((_MEMBERS if members_talking[0] else 0) | (_TALKING if members_talking[1] else 0)
                 | (_LISTENERS if new.listeners != old.listeners else 0)
                 | (_HANDS if new.hands != old.hands or new.hands_total != old.hands_total else 0)
                 | (_TITLE if new.title != old.title else 0)
                 | (_SOURCE if new.source != old.source or new.controller != old.controller else 0)
                 | (_ENDED if new.ended != old.ended else 0))
        if flags:
            self._notify(_CHANGES[flags])


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
        if i is None:
            if listed is None:
                listed = list(members)
            if own_index is None:
                own_index = dict(index)
            own_index[m.id] = len(listed)
            listed.append(m)
            members_changed = True
            talking_changed = talking_changed or m.talking
            continue
        before = (listed if listed is not None else members)[i]
        if before is m:
            continue
        looks = before.name != m.name or before.role != m.role or before.muted != m.muted  # same id: same index
        talks = before.talking != m.talking
        if not (looks or talks or before != m):
            continue
        if listed is None:
            listed = list(members)
        listed[i] = m
        members_changed = members_changed or looks
        talking_changed = talking_changed or talks
    if listed is None:
        return members, index, False, False
    return tuple(listed), (index if own_index is None else own_index), members_changed, talking_changed
