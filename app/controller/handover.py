"""One voice per room: a controller that hears another one announcing stands by, learns the room from it, and
takes over with that state when it falls silent.

Why: a second controller for a room (`plaza controller LINK` started beside a running `plaza start`, a restarted
one, a host's demo) would otherwise announce a second, different state, and listeners would flip between the two.
Rules (docs/room-protocol.md §2): a controller listens for `STARTUP_LISTEN` before its first announcement (a running
one whispers a new channel member a snapshot within 250 ms and announces within 500 ms); it stands by while another
controller announces — a newcomer always, an incumbent only to a name that sorts first (both started at once) —
and takes over after `CONTROLLER_SILENCE` without the other's announcements. Taking over keeps what listeners saw:
the title, the hand queue (order and times: each hand bound to the one server its name is on, §3.3), roles, held
mutes, an ended room. Stage passes are secrets the other
never announced: its speakers stay on the stage, but a rejoin needs a pass from the new controller.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from app.controller.hand_queue import refusal
from app.controller.link import ControllerLink
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
        # The other's whispered answer to our join (app.listener.answers), per server link: a name is unique only on
        # one server, so it counts only once an announcement on that same link named it.
        self._answers: dict[object, Answers] = {}
        self._confirmed: dict[object, str] = {}
        self.other: str | None = None
        self._heard_at = -1e9
        self._started_at = clock()
        self.announced = False  # we have spoken: from now on only a name sorting first silences us
        self._deferred = False  # we stayed silent for the other one since our last turn
        self._joined = False

    def joined(self) -> None:
        """We joined channel N for the first time: the listening before our first announcement counts from here (a
        running controller's answer to our join comes now, not when this controller was made). Once only: a link
        that keeps reconnecting must not keep us quiet."""
        if not self.announced and not self._joined:
            self._joined = True
            self._started_at = self._clock()

    def left(self, link: object, username: str) -> None:
        """`username` left channel N on `link` (or "": we lost the link), so that name proves nothing there now."""
        if not username or self._confirmed.get(link) == username:
            self._confirmed.pop(link, None)
            self._answers.pop(link, None)

    def _answers_for(self, link: object) -> Answers:
        answers = self._answers.get(link)
        if answers is None:
            answers = self._answers[link] = Answers(self.observed)
        return answers

    def on_announcement(self, event: dict[str, Any], link: object = None) -> None:
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
        self._confirmed[link] = message.controller
        self._answers_for(link).on_announcement(message.controller, now)
        if isinstance(message, Snapshot):
            self.observed.apply_snapshot(message, now)
        elif isinstance(message, Delta):
            self.observed.apply_delta(message, now)  # a gap waits for its next snapshot (≤ 10 s)

    def on_whisper(self, sender: str, text: object, link: object = None) -> bool:
        """A whisper to us before we announced: True if it was room state (another controller's answer to our
        join, taken as a listener takes it), which is then dealt with here."""
        try:
            kind, obj = decode(text)
            if not is_state(kind):
                return False
            message = announcement_from(kind, obj)
        except ProtocolViolation:
            return False
        self._answers_for(link).on_whisper(sender, message, self._confirmed.get(link), self._clock())
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
        self._answers.clear()
        self._confirmed.clear()


def adopt(state: RoomState, book: RoomBook, moderation: Moderation, roles: dict[str, Role],
          links: list[ControllerLink]) -> None:
    """Carry on the room a silent controller left: title, end, hands (order and times), roles, held mutes.

    Announcements name no hand's server, so each hand is bound to the ONE server whose channel has its id as a
    username; a hand whose id is on several servers or none (every generated `NAME#n` id among them) is dropped:
    binding it would hand its place, its invite and its lowering to whoever holds that name elsewhere. Its raiser's
    client no longer finds its id and raises again (§5)."""
    book.set_title(state.title)
    book.ended = book.ended or state.ended
    dropped = 0
    for hand in state.hands:
        servers = [link.url for link in links if link.connected and hand.id in link.participants]
        if len(servers) != 1 or refusal(hand.id) is not None:
            dropped += 1
            continue
        book.raise_hand(hand.id, hand.name, hand.raised_at, server=servers[0])
    if dropped:
        log.info("room %s: %d taken-over hand(s) dropped: not on exactly one server's channel (raised again by "
                 "their clients)", book.room_id, dropped)
    for member in state.members:
        if member.role is not Role.SPEAKER:
            roles.setdefault(member.id, member.role)
        if member.held:
            moderation.hold(member.id, seen_muted_at=time.monotonic() if member.muted else None)
    # the stage as last polled, with what was just learned: the first snapshot already shows it
    book.set_members(moderation.apply(dataclasses.replace(m, role=roles.get(m.id, m.role))
                                      for m in book.members.values()))
    book.request_snapshot()
