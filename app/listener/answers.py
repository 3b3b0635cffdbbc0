"""Snapshots the controller whispers in answer to a join or a `sync` (protocol §3.3), and whom to take them from.

Why whispered: every join used to make the controller broadcast a full snapshot to everyone. Under a launch's churn
that was four full snapshots a second to every listener (~34 KB each for a 200-member stage): the 25 listeners of
benchmarks/host_actions spent more than a core parsing them. Now only the askers get one.

Trust: Janus sets a whisper's `from`, but anyone in the channel may whisper; only an announcement (it needs the
channel secret) says who the controller is, and a username is unique only on one server while its holder stays.
So an answer counts only from the sender an announcement on the same connection named (the caller keeps that:
`confirmed`). A fresh joiner's answer usually comes before any announcement: it is held, per sender, until an
announcement names that sender, and applied just before that announcement.
"""

from __future__ import annotations

from app.listener.state import RoomStateModel
from app.room.protocol import MAX_PARTS, Delta, Snapshot

MAX_HELD_SENDERS = 4  # bounded; a crowd of forgers can push the real answer out: the caller then asks (sync)


class Answers:
    """Applies whispered snapshots (and their parts) to `model`, or holds them until their sender is known."""

    def __init__(self, model: RoomStateModel) -> None:
        self.model = model
        self._held: dict[str, list[Snapshot | Delta]] = {}

    def on_whisper(self, sender: str, message: Snapshot | Delta, confirmed: str | None, now: float, *,
                   answer: bool = False) -> bool:
        """A whispered snapshot or part from `sender`; `confirmed`: the controller an announcement on this
        connection named (None: none yet, or it left). `answer`: a snapshot we asked for, taken at any seq.
        False when a part does not follow what we hold: the caller asks for a `sync`."""
        if message.controller != sender:
            return True  # says it is someone else's state: not an answer (Janus set `from`), ignored
        if confirmed is None:
            self._hold(sender, message)
            return True
        if sender != confirmed:
            return True
        return self._apply(message, now, answer)

    def on_announcement(self, controller: str, now: float) -> bool:
        """An accepted announcement named `controller`: apply what it whispered before (call this before applying
        the announcement itself, which follows the answer's seq) and drop the rest; True if a snapshot applied."""
        held = self._held.get(controller, ())
        self._held.clear()
        for message in held:
            self._apply(message, now, True)
        return any(isinstance(m, Snapshot) for m in held)

    def clear(self) -> None:
        self._held.clear()

    def _apply(self, message: Snapshot | Delta, now: float, answer: bool) -> bool:
        if isinstance(message, Snapshot):
            self.model.apply_snapshot(message, now, answer=answer)
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
