"""Snapshots the controller whispers in answer to a join or a `sync` (protocol §3.3), and whom to take them from.

Why whispered: every join used to make the controller broadcast a full snapshot to everyone. Under a launch's churn
that was four full snapshots a second to every listener (~34 KB each for a 200-member stage): the 25 listeners of
benchmarks/host_actions spent more than a core parsing them. Now only the askers get one.

Trust: Janus sets a whisper's `from`, but anyone in the channel may whisper; only an announcement (it needs the
channel secret) says who the controller is. So an answer counts only from the controller of the accepted
announcements. A fresh joiner's answer usually comes before any announcement: it is held, per sender, until an
announcement names that sender, and applied just before that announcement.
"""

from __future__ import annotations

from app.listener.state import RoomStateModel
from app.room.protocol import MAX_PARTS, Delta, Snapshot

MAX_HELD_SENDERS = 4  # whispers that pretend to be answers cannot push the real one out, nor grow without bound


class Answers:
    """Applies whispered snapshots (and their parts) to `model`, or holds them until their sender is known."""

    def __init__(self, model: RoomStateModel) -> None:
        self.model = model
        self._held: dict[str, list[Snapshot | Delta]] = {}

    def on_whisper(self, sender: str, message: Snapshot | Delta, controller: str | None, now: float) -> bool:
        """A whispered snapshot or part from `sender`; `controller`: the one the accepted announcements name (None:
        none yet). False when a part does not follow what we hold: the caller asks for a `sync`."""
        if message.controller != sender:
            return True  # says it is someone else's state: not an answer (Janus set `from`), ignored
        if controller is None:
            self._hold(sender, message)
            return True
        if sender != controller:
            return True
        return self._apply(message, now)

    def on_announcement(self, controller: str, now: float) -> None:
        """An accepted announcement named `controller`: apply what it whispered before (call this before applying
        the announcement itself, which follows the answer's seq); drop the rest."""
        held = self._held.get(controller, ())
        self._held.clear()
        for message in held:
            self._apply(message, now)

    def clear(self) -> None:
        self._held.clear()

    def _apply(self, message: Snapshot | Delta, now: float) -> bool:
        if isinstance(message, Snapshot):
            self.model.apply_snapshot(message, now, answer=True)
            return True
        return self.model.apply_delta(message, now)

    def _hold(self, sender: str, message: Snapshot | Delta) -> None:
        if isinstance(message, Snapshot):
            self._held.pop(sender, None)
            self._held[sender] = [message]  # the newest answer of a sender replaces its older one
            while len(self._held) > MAX_HELD_SENDERS:
                del self._held[next(iter(self._held))]
            return
        held = self._held.get(sender)
        if held is not None and len(held) < MAX_PARTS:
            held.append(message)
