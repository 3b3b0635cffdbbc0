"""What reaches the controller on channel N: joins and leaves, and the requests members whisper to it.

Why apart from app.controller.controller: the controller is a Janus client with many parts (links, the book,
stage passes, host actions, reactions, the lobby); this is the one place that decides which of them a channel
event goes to, and what a sender may ask. `RoomController` inherits it; the parts it uses are the controller's
(declared below for the type checker).

Requests are accepted only as whispers addressed to the controller, the sender being Janus's `from` (never
anything inside `text`). Reactions take their own per-sender limit before parsing; host actions theirs; every other
whisper the general one. Anything else is dropped with one throttled log line (docs/room-protocol.md §2, §8, §9).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from app.controller.askers import Askers
from app.controller.audience_log import AudienceLog
from app.controller.feedback_flags import FeedbackFlags
from app.controller.hand_queue import refusal
from app.controller.handover import Handover
from app.controller.host_actions import HostActions
from app.controller.link import ControllerLink
from app.controller.moderation import Moderation
from app.controller.reactions import ReactionTally
from app.controller.room_book import RoomBook
from app.controller.stage_access import StageAccess
from app.controller.stage_passes import StagePasses
from app.room.errors import RoomError
from app.room.host_protocol import HostAction, parse_request
from app.room.log_throttle import LogThrottle
from app.room.protocol import MAX_NAME_CHARS, HandRequest, ProtocolViolation, RateLimiter, clean_text
from app.room.reactions_protocol import REACT_PREFIX, ReactRequest
from app.room.roster_protocol import CarryClaim
from app.room.stage_protocol import FeedbackReport, LeftStage, StageAnswer

__all__ = ["ChannelRequests"]

log = logging.getLogger("app.controller.controller")  # the controller's log lines, wherever the code sits

_HOST_PREFIX = '{"v":1,"type":"host"'  # how app.room.host_protocol encodes them: a cheap look before parsing


class ChannelRequests:
    """The controller's handling of channel events (mixed into RoomController)."""

    username: str
    room_id: int
    book: RoomBook
    handover: Handover
    askers: Askers
    access: StageAccess
    passes: StagePasses
    moderation: Moderation
    hosts: HostActions
    audience: AudienceLog
    feedback: FeedbackFlags
    reactions: ReactionTally
    drops: LogThrottle
    invite_hands: bool
    _limiter: RateLimiter
    _host_limiter: RateLimiter
    _wake: asyncio.Event
    _invites: set[asyncio.Task[None]]

    def _on_channel_event(self, link: ControllerLink, event: dict[str, Any]) -> None:
        kind = event.get("textroom")
        username = event.get("username")
        if kind == "message":
            self._on_message(link, event)
        elif kind == "join" and isinstance(username, str) and username != self.username:
            if self.moderation.is_banned(username):
                self.hosts.kick_banned(username)
                return
            display = event.get("display")
            if link.connected:  # while connecting, found() counts it with the join reply's list
                self.audience.joined(username)
            link.participants[username] = display if isinstance(display, str) else ""
            self.askers.ask(link, username, joined=True)  # a new joiner gets the state at once, whispered
            self._wake.set()
        elif kind in ("leave", "kicked") and isinstance(username, str):
            if link.participants.pop(username, None) is not None and link.connected:
                self.audience.left(username)
            self.askers.forget(link, username)
            self.handover.left(link, username)
            self._forget_participant(link, username)
        elif kind == "announcement":
            self.handover.on_announcement(event, link)
        elif kind == "destroyed":
            log.error("room controller: channel %s on %s was destroyed", self.room_id, link.url)

    def _on_message(self, link: ControllerLink, event: dict[str, Any]) -> None:
        sender = event.get("from")
        if event.get("whisper") is not True or not isinstance(sender, str) or sender == self.username:
            return  # broadcasts are chat between listeners (or forgeries): they never reach the state
        text = event.get("text")
        if not self.handover.announced and self.handover.on_whisper(sender, text, link):
            return  # another controller's answer to our join: we learn the room from it (app.controller.handover)
        if isinstance(text, str) and text.startswith(REACT_PREFIX):
            # their own rate limit (per server and name), checked before parsing (a flood is cheap)
            self.reactions.on_whisper(sender, text, link.url)
            return
        host = isinstance(text, str) and text.startswith(_HOST_PREFIX)
        # Per server and name: names are unique per server only, so one server's squatter of a name must not spend
        # the bucket of its holder on another (a moved room's speaker claiming its place, §3.8).
        if not (self._host_limiter if host else self._limiter).allow(_bucket(link, sender)):
            self.drops.log(logging.WARNING, _bucket(link, sender),
                           "dropped a whisper from %r: too many whispers (rate limit)", sender[:80])
            return
        try:
            request = parse_request(text)  # type: ignore[arg-type]  # checks the type itself
        except ProtocolViolation as exc:
            self.drops.log(logging.WARNING, _bucket(link, sender),
                           "dropped a whisper from %r: %s", sender[:80], str(exc)[:200])
            return
        if isinstance(request, HostAction):
            self.hosts.on_action(sender, request, link)
            return
        if isinstance(request, StageAnswer | LeftStage):
            self.access.on_whisper(sender, request, link.url)
            return
        if isinstance(request, FeedbackReport):
            self._on_feedback(sender, request, link)
            return
        if isinstance(request, CarryClaim):
            self._on_claim(sender, request, link)
            return
        if isinstance(request, ReactRequest):  # not compactly encoded: it paid the stricter limit above
            self.reactions.add(request.code)
            return
        if isinstance(request, HandRequest):  # a hand is the sender's on this server only (§3.3)
            reason = refusal(sender) if request.raised else None
            if reason is not None:  # its id would not be its name as it is (app.controller.hand_queue)
                self.drops.log(logging.WARNING, _bucket(link, sender),
                               "dropped a hand from %r: %s", sender[:80], reason)
                return
            name = clean_text(link.participants.get(sender, ""), MAX_NAME_CHARS) or sender
            changed = (self.book.raise_hand(sender, name, time.time(), server=link.url) if request.raised
                       else self.book.lower_hand(sender, server=link.url))
            if not changed:
                return
            if request.raised and self.invite_hands and self.passes.holder(sender, link.url) is None:
                self._invite_hand(sender, link)
        else:
            self.askers.ask(link, sender, joined=False)
        self._wake.set()

    def _on_feedback(self, sender: str, report: FeedbackReport, link: ControllerLink) -> None:
        """Flag the sender's own stage member: only a pass holder on stage can say it was muted for feedback (a
        pass bound to a server, only from there)."""
        member_id = self.feedback.report(self.passes.holder(sender, link.url), self.book)
        if member_id is None:
            self.drops.log(logging.WARNING, _bucket(link, sender),
                           "dropped a whisper from %r: a feedback report, but not on stage", sender[:80])
            return
        log.info("room controller: stage member %s was muted by its feedback guard (%.0f Hz)", member_id,
                 report.hz)
        self._wake.set()

    def _invite_hand(self, username: str, link: ControllerLink) -> None:
        """`invite_hands`: the pass goes to the hand's raiser on its server only, bound there."""
        async def invite() -> None:
            try:
                await self.access.invite(username, on=link)
            except RoomError as exc:
                log.warning("room controller: could not invite the raised hand of %r: %s", username[:80], exc)

        task = asyncio.create_task(invite(), name="controller-invite-hand")
        self._invites.add(task)
        task.add_done_callback(self._invites.discard)

    def _on_claim(self, sender: str, claim: CarryClaim, link: ControllerLink) -> None:
        """A moved room's speaker claims the place its host handed on (§3.8): the pass goes to the sender, whatever
        its username, because only the old pass's holder can know the proof — on the server the claim came from
        only (the same name on another server is someone else)."""
        if self.moderation.is_banned(sender):
            self.drops.log(logging.WARNING, _bucket(link, sender),
                           "dropped a claim from %r: removed from this room", sender[:80])
            return
        role = self.access.claim(claim.proof, link.url, sender) if claim.room == self.room_id else None
        if role is None:
            self.drops.log(logging.INFO, _bucket(link, sender),
                           "dropped a claim from %r: no carried place for it here", sender[:80])
            return

        async def invite() -> None:
            try:  # claimed before: the same pass again (a fresh one would void the one it may be joining with)
                if not await self.access.invite_again(sender, link):
                    await self.access.invite(sender, role=role, on=link)
            except RoomError as exc:
                log.warning("room controller: could not invite %r to its carried place: %s", sender[:80], exc)

        task = asyncio.create_task(invite(), name="controller-invite-carried")
        self._invites.add(task)
        task.add_done_callback(self._invites.discard)

    def _forget_participant(self, link: ControllerLink, username: str) -> None:
        self._limiter.forget(_bucket(link, username))
        self._host_limiter.forget(_bucket(link, username))
        self.reactions.forget(username, link.url)  # per server and name, like every per-sender state here
        self.drops.reset(_bucket(link, username))
        if self.book.lower_hand(username, server=link.url):  # its hand here; the same name elsewhere keeps its own
            self._wake.set()


def _bucket(link: ControllerLink, username: str) -> str:
    return f"{link.url} {username}"  # (a URL has no space)
