"""The listener's room state: applies the controller's snapshots/deltas (or the fallback poll) and tells subscribers.

Plain Python so the UI, the channel and tests share one model without Qt. Each update builds a new immutable
RoomState (the UI can keep a reference without copying) and a StateChange saying what changed, so views repaint
only what they must. Written for the load the protocol allows: a controller sends at most one delta per 500 ms
and a stage has at most 200 members, so clarity wins over micro-optimisation (the UI coalesces its repaints
anyway, app/ui/state_bridge.py). Spec: docs/room-protocol.md.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, replace

from app.events import Event
from app.room.edge_loads import EdgeLoads
from app.room.protocol import UNSET, Delta, Hand, ListenerCount, Snapshot, StageMember
from app.room.reactions_protocol import ReactionCounts

log = logging.getLogger(__name__)


class StateSource(enum.Enum):
    NONE = "none"  # nothing received yet
    CONTROLLER = "controller"  # announcements from the room's controller
    FALLBACK = "fallback"  # no controller: the polled stage (the last known one until the first poll); count unknown


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
    recording: bool = False  # the stage mix is being recorded (kept through a fallback: it does not stop with us)
    moved: str | None = None  # the room ended here and went on at this link (§3.8); comes with `ended`
    # Listeners per feed server (§6.1), for choosing a server to rejoin on (app.listener.failover); not shown, so
    # not a StateChange. () = none known (no controller, or it measures none).
    loads: EdgeLoads = ()
    updated_at: float = 0.0  # monotonic time of the last applied update

    def talking(self) -> tuple[StageMember, ...]:
        return tuple(m for m in self.members if m.talking)

    def member(self, id: str) -> StageMember | None:
        return next((m for m in self.members if m.id == id), None)


class StateChange(enum.Flag):
    """What differs from the previous state. MEMBERS: set, order, name, role, mute, feedback or held flag;
    TALKING: who talks."""

    MEMBERS = enum.auto()
    TALKING = enum.auto()
    LISTENERS = enum.auto()  # count or measured-at time (or known <-> unknown)
    HANDS = enum.auto()  # the listed hands, hands_total, or this user's hand intent
    TITLE = enum.auto()
    SOURCE = enum.auto()  # StateSource or the controller's name
    ENDED = enum.auto()  # ended, or the forward of a moved room
    RECORDING = enum.auto()  # a recording of the stage mix started or stopped

    # `change.ended` reads like `StateChange.ENDED in change`, for callers that ask about one thing.
    @property
    def members(self) -> bool:
        return StateChange.MEMBERS in self

    @property
    def talking(self) -> bool:
        return StateChange.TALKING in self

    @property
    def listeners(self) -> bool:
        return StateChange.LISTENERS in self

    @property
    def hands(self) -> bool:
        return StateChange.HANDS in self

    @property
    def title(self) -> bool:
        return StateChange.TITLE in self

    @property
    def source(self) -> bool:
        return StateChange.SOURCE in self

    @property
    def ended(self) -> bool:
        return StateChange.ENDED in self

    @property
    def recording(self) -> bool:
        return StateChange.RECORDING in self


NO_CHANGE = StateChange(0)


def diff(old: RoomState, new: RoomState) -> StateChange:
    """Everything that differs between two states, as the views care about it (updated_at, seq and loads do not
    count: loads are read when a server is chosen)."""
    change = NO_CHANGE
    if old.members != new.members:
        if [_looks(m) for m in old.members] != [_looks(m) for m in new.members]:
            change |= StateChange.MEMBERS
        if {m.id for m in old.members if m.talking} != {m.id for m in new.members if m.talking}:
            change |= StateChange.TALKING
    if old.listeners != new.listeners:
        change |= StateChange.LISTENERS
    if old.hands != new.hands or old.hands_total != new.hands_total:
        change |= StateChange.HANDS
    if old.title != new.title:
        change |= StateChange.TITLE
    if old.source != new.source or old.controller != new.controller:
        change |= StateChange.SOURCE
    if old.ended != new.ended or old.moved != new.moved:
        change |= StateChange.ENDED
    if old.recording != new.recording:
        change |= StateChange.RECORDING
    return change


def _looks(m: StageMember) -> tuple[str, str, str, bool, bool, bool]:
    """What the member list shows apart from talking (talking flips ~every second and has its own flag)."""
    return (m.id, m.name, m.role, m.muted, m.feedback, m.held)


class RoomStateModel:
    """The room as this listener knows it, plus the user's own hand intent."""

    def __init__(self, own_id: str | None = None) -> None:
        self.state = RoomState()
        self.own_id = own_id
        self.hand_raised = False
        self.changed: Event[[RoomState, StateChange]] = Event("room state")  # (new state, what changed)
        self.reactions: Event[[ReactionCounts]] = Event("reactions")  # the room's aggregated reactions (§3.9)
        self._synced = False  # True while deltas may apply: a snapshot was taken and no reset since
        # A snapshot in parts (protocol §3.1) waits here until its last part: the stage is shown whole or not at all.
        self._pending: RoomState | None = None
        self._parts_missing = 0

    @property
    def synced(self) -> bool:
        """Deltas may apply: a snapshot was taken (and is whole) since the last reset."""
        return self._synced and self._pending is None

    def _replace(self, new: RoomState) -> None:
        old, self.state = self.state, new
        change = diff(old, new)
        if change:
            self.changed.emit(self.state, change)

    # --- updates --------------------------------------------------------------------------------------------------

    def apply_snapshot(self, s: Snapshot, now: float, *, answer: bool = False) -> None:
        """Take the controller's full state; an old one (same controller, seq not newer) is ignored.

        While unsynced (after reset_sequence) a snapshot at our own seq is taken: it re-syncs without a change.
        A snapshot in parts is held back until the deltas that complete it have come (apply_delta).
        `answer`: the controller whispered it to us in reply to our join or sync (protocol §3.3). It is taken
        whatever its seq: it describes the state at the controller's current seq, and in parts its head sits
        below that (the parts end there), possibly below what we hold.
        """
        cur = self._pending or self.state
        if not answer and cur.controller == s.controller and cur.seq is not None and (
                s.seq < cur.seq or (s.seq == cur.seq and self._synced)):
            return
        self._synced = True
        new = RoomState(title=s.title, members=_dedupe(s.members), listeners=s.listeners, hands=s.hands,
                        hands_total=s.hands_total, seq=s.seq, controller=s.controller, source=StateSource.CONTROLLER,
                        ended=s.ended, recording=s.recording, moved=s.moved, loads=s.loads, updated_at=now)
        self._pending, self._parts_missing = (new, s.parts - 1) if s.parts > 1 else (None, 0)
        if self._pending is None:
            self._replace(new)

    def apply_delta(self, d: Delta, now: float) -> bool:
        """Apply d if it follows our state; False means "send a SyncRequest" (gap, other controller, no snapshot)."""
        cur = self._pending or self.state
        if not self._synced or cur.seq is None or d.controller != cur.controller:
            self._pending = None
            return False
        if d.seq <= cur.seq:
            return True  # already covered by what we have (a duplicate or an older message): not a gap
        if d.base != cur.seq:
            self._pending = None  # a part went missing: the snapshot is incomplete, ask for a new one
            return False
        new = replace(
            cur, seq=d.seq, updated_at=now, members=_merge(cur.members, d.remove, d.upsert),
            listeners=cur.listeners if d.listeners is UNSET else d.listeners,
            hands=cur.hands if d.hands is None else d.hands,
            hands_total=cur.hands_total if d.hands_total is None else d.hands_total,
            title=cur.title if d.title is None else d.title,
            ended=cur.ended if d.ended is None else d.ended,
            recording=cur.recording if d.recording is None else d.recording,
            moved=cur.moved if d.moved is None else d.moved,
            loads=cur.loads if d.loads is None else d.loads)
        if self._pending is not None:
            self._parts_missing -= 1
            if self._parts_missing > 0:
                self._pending = new
                return True
            self._pending = None
        self._replace(new)
        return True

    def apply_fallback(self, members: tuple[StageMember, ...], now: float) -> None:
        """No controller: show the polled stage; the listener count and hand queue are unknown, not stale."""
        self._synced = False
        self._pending = None
        self._replace(replace(self.state, members=_dedupe(members), listeners=None, hands=(), hands_total=0,
                              loads=(), seq=None, controller=None, source=StateSource.FALLBACK, updated_at=now))

    def reset_sequence(self) -> None:
        """After a reconnect: keep showing the state, but take no delta before the next snapshot."""
        self._synced = False
        self._pending = None

    def moving(self, title: str) -> None:
        """The room went on elsewhere and we follow: start that room afresh (nothing known yet, not ended), keeping
        the user's hand intent, which the new room's channel whispers once it knows its controller."""
        self._synced = False
        self._pending = None
        self._replace(RoomState(title=title or self.state.title))

    def apply_reactions(self, counts: ReactionCounts) -> bool:
        """Reaction counts from an announcement: passed on only when they come from the controller of the state we
        hold (one that stands by, or is gone, is not the room's voice); True if they were. Not state: nothing kept."""
        state = self.state
        if state.source != StateSource.CONTROLLER or counts.controller != state.controller or not counts.counts:
            return False
        self.reactions.emit(counts)
        return True

    def set_hand_raised(self, raised: bool) -> None:
        """The user's intent (kept across reconnects); the channel whispers it to the controller."""
        if raised != self.hand_raised:
            self.hand_raised = raised
            self.changed.emit(self.state, StateChange.HANDS)

    def own_hand_in_queue(self) -> bool:
        """Whether the controller lists this user's hand (False beyond the listed hands: we cannot tell)."""
        own = self.own_id
        return own is not None and any(h.id == own for h in self.state.hands)


def _dedupe(members: tuple[StageMember, ...]) -> tuple[StageMember, ...]:
    """A repeated id keeps its first entry (the parser already rejects repeats; a hand-made list may not)."""
    firsts = {m.id: m for m in reversed(members)}
    if len(firsts) == len(members):
        return members
    log.warning("room state: %d duplicate member ids dropped", len(members) - len(firsts))
    return tuple(m for m in members if firsts.pop(m.id, None) is m)


def _merge(members: tuple[StageMember, ...], remove: tuple[str, ...],
           upsert: tuple[StageMember, ...]) -> tuple[StageMember, ...]:
    """A delta's removals, then its upserts: a known id is replaced in place, a new one goes to the end."""
    if not remove and not upsert:
        return members
    gone = set(remove)
    listed = [m for m in members if m.id not in gone]
    where = {m.id: i for i, m in enumerate(listed)}
    for m in upsert:
        i = where.get(m.id)
        if i is None:
            where[m.id] = len(listed)
            listed.append(m)
        else:
            listed[i] = m
    return tuple(listed)
