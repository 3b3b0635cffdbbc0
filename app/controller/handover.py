"""One voice per room: a controller that hears another one announcing stands by, learns the room from it, and
takes over with that state when it falls silent.

Why: a second controller for a room (`plaza controller LINK` started beside a running `plaza start`, a restarted
one, a host's demo) would otherwise announce a second, different state, and listeners would flip between the two.
Rules (docs/room-protocol.md §2): a controller listens for `STARTUP_LISTEN` before its first announcement (a running
one whispers a new channel member a snapshot within 250 ms and announces within 500 ms); it stands by while another
controller announces — a newcomer always, an incumbent only to a name that sorts first (both started at once) —
and takes over after `CONTROLLER_SILENCE` without the other's announcements. Taking over keeps what listeners saw:
the title, the hand queue (order and times), roles, held mutes, an ended room. Stage passes are secrets the other
never announced: its speakers stay on the stage, but a rejoin needs a pass from the new controller.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from app.controller.moderation import Moderation
from app.controller.room_book import RoomBook
from app.listener.answers import Answers
from app.listener.state import RoomState, RoomStateModel
from app.room.protocol import (
    CONTROLLER_SILENCE,
    Delta,
    ProtocolViolation,
    Role,
    Snapshot,
    announcement_from,
    is_state,
    parse_announcement,
)
from app.room.wire import decode

log = logging.getLogger(__name__)

STARTUP_LISTEN = 1.5  # s: hear whether a controller already runs this room before saying anything


class Handover:
    """What another controller of the room announces, and whether we must stay silent because of it."""

    def __init__(self, username: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.username = username
        self._clock = clock
        self.observed = RoomStateModel()  # the other controller's room, as a listener would see it
        self.answers = Answers(self.observed)  # the other's whispered answer to our join (app.listener.answers)
        self.other: str | None = None
        self._heard_at = -1e9
        self._started_at = clock()
        self.announced = False  # we have spoken: from now on only a name sorting first silences us
        self._deferred = False  # we stayed silent for the other one since our last turn

    def joined(self) -> None:
        """We just joined channel N: the listening before our first announcement counts from here (a running
        controller's answer to our join comes now, not when this controller was made)."""
        if not self.announced:
            self._started_at = self._clock()

    def on_announcement(self, event: dict[str, Any]) -> None:
        """A TextRoom `announcement` on our channel (our own come back too: ignored)."""
        text = event.get("text")
        try:
            message = parse_announcement(text)  # type: ignore[arg-type]  # checks the type itself
        except ProtocolViolation:
            return
        if message.controller == self.username:
            return
        now = self._clock()
        if self.other != message.controller:
            log.warning("room controller %s: another controller, %s, announces this room", self.username,
                        message.controller[:80])
        self.other, self._heard_at = message.controller, now
        self.answers.on_announcement(message.controller, now)
        if isinstance(message, Snapshot):
            self.observed.apply_snapshot(message, now)
        elif isinstance(message, Delta):
            self.observed.apply_delta(message, now)  # a gap waits for its next snapshot (≤ 10 s)

    def on_whisper(self, sender: str, text: object) -> bool:
        """A whisper to us before we announced: True if it was room state (another controller's answer to our
        join, taken as a listener takes it), which is then dealt with here."""
        try:
            kind, obj = decode(text)
            if not is_state(kind):
                return False
            message = announcement_from(kind, obj)
        except ProtocolViolation:
            return False
        self.answers.on_whisper(sender, message, self.other, self._clock())
        return True

    def standing_by(self) -> bool:
        """Whether we must not announce now."""
        now = self._clock()
        if not self.announced and now - self._started_at < STARTUP_LISTEN:
            return True
        if self.other is None or now - self._heard_at >= CONTROLLER_SILENCE:
            return False
        return not self.announced or self.other < self.username

    def turn(self) -> tuple[bool, RoomState | None]:
        """(whether we may announce now, the room a silent controller left us to carry on — once, and only if we
        stood by for it: a newcomer that stood by for us has nothing to hand over)."""
        if self.standing_by():
            self._deferred = True
            return False, None
        deferred, self._deferred = self._deferred, False
        self.announced = True
        state = self.observed.state
        if self.other is None or self._clock() - self._heard_at < CONTROLLER_SILENCE:
            return True, None  # nobody else, or a newcomer announcing beside us (it will stand by)
        if not deferred:
            self._forget_other()  # the newcomer we outranked went quiet
            return True, None
        log.warning("room controller %s: %s went silent; taking over its room (%d member(s), %d hand(s))",
                    self.username, self.other[:80], len(state.members), len(state.hands))
        self._forget_other()
        return True, state if state.controller is not None else None

    def _forget_other(self) -> None:
        self.other = None
        self.observed = RoomStateModel()
        self.answers = Answers(self.observed)


def adopt(state: RoomState, book: RoomBook, moderation: Moderation, roles: dict[str, Role]) -> None:
    """Carry on the room a silent controller left: title, end, hands (order and times), roles, held mutes."""
    book.set_title(state.title)
    book.ended = book.ended or state.ended
    for hand in state.hands:
        book.raise_hand(hand.id, hand.name, hand.raised_at)
    for member in state.members:
        if member.role is not Role.SPEAKER:
            roles.setdefault(member.id, member.role)
        if member.held:
            moderation.hold(member.id, seen_muted_at=time.monotonic() if member.muted else None)
    # the stage as last polled, with what was just learned: the first snapshot already shows it
    book.set_members(moderation.apply(dataclasses.replace(m, role=roles.get(m.id, m.role))
                                      for m in book.members.values()))
    book.request_snapshot()
