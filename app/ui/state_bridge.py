"""Carries RoomStateModel notifications into Qt, coalesced to at most one UI update per interval.

A controller sends at most two deltas a second, but a snapshot after a reconnect or a burst of queued deltas can
land together, and repainting per change would redo the stage for states nobody sees. So the model callback only
marks the bridge dirty (a flag test, no allocation); the first change after a flush schedules one, at most every
`interval_ms`, and the views then read the *latest* state and diff it against what they show. A change that
arrives from another thread reaches the timer through a queued signal, so the QTimer is only ever touched in the
bridge's own thread.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.listener.state import RoomState, RoomStateModel, StateChange

DEFAULT_INTERVAL_MS = 50


class RoomStateBridge(QObject):
    """Subscribes to one model; `changed` fires (in the Qt thread) after it changed, at most every interval."""

    changed = Signal()
    reactions = Signal(object)  # ReactionCounts: each announcement of the room's reactions, not coalesced (≤ 2/s)
    _dirtied = Signal()

    def __init__(self, model: RoomStateModel, interval_ms: int = DEFAULT_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.interval_ms = interval_ms
        self.flushes = 0  # how many coalesced updates were delivered (the benchmark reports it)
        self._dirty = False
        self._last_flush = -1e9
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.flush)
        self._dirtied.connect(self._schedule)  # direct in our thread, queued from any other
        model.changed.connect(self._on_model)
        model.reactions.connect(self.reactions.emit)  # queued from another thread, like the changes

    def _on_model(self, _state: RoomState, _change: StateChange) -> None:
        # Hot path (once per delta): only the clean -> dirty transition does any work.
        if not self._dirty:
            self._dirty = True
            self._dirtied.emit()

    def _schedule(self) -> None:
        if self._dirty and not self._timer.isActive():
            wait = self._last_flush + self.interval_ms / 1000 - time.monotonic()
            self._timer.start(max(0, round(wait * 1000)))  # leading edge: a lone change shows at once

    def flush(self) -> None:
        """Deliver now (tests and the view's first paint call it; the timer calls it otherwise)."""
        self._timer.stop()
        self._dirty = False
        self._last_flush = time.monotonic()
        self.flushes += 1
        self.changed.emit()

    def hand_position(self) -> int | None:
        """1-based place of this user's hand in the listed queue, None if it is not listed."""
        own = self.model.own_id
        if own is None:
            return None
        for position, hand in enumerate(self.model.state.hands, start=1):
            if hand.id == own:
                return position
        return None

    def close(self) -> None:
        """Stop listening to the model (the session is being left); no `changed` after this."""
        self.model.changed.disconnect(self._on_model)
        self.model.reactions.disconnect(self.reactions.emit)
        self._timer.stop()
        self._dirty = False
