"""Who may join the stage: the controller's stage passes applied to AudioBridge's `allowed` list and the channel.

Static rooms from the config start open (`check_tokens = FALSE`), and a Janus restart opens them again and forgets
the list. So on every (re)connect of the stage link the list is rebuilt before the link serves: tokens whose removal
failed are removed, every live token is added, then checking is enabled — in that order, so no legitimate speaker
is refused in between. Withdrawals (tokens off the list, kicks, uninvites) that cannot be done now stay pending and
are retried every `tick` and on the next connect; tokens are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable

from app.controller.link import ControllerLink
from app.controller.stage_passes import DEFAULT_INVITE_TTL, PassState, StagePasses, Withdrawal
from app.janus import JanusError
from app.room.errors import RoomError
from app.room.protocol import MAX_MEMBERS, Role
from app.room.stage_protocol import MAX_STAGE_ID, Invite, LeftStage, StageAnswer, StagePass, Uninvite, encode_stage

log = logging.getLogger(__name__)

# A moved room's place (§3.8) waits this long for its holder's claim: the host's client asks as soon as it hears the
# new controller, while the speakers are still on their way (a 0-1 s follow jitter, then the feed, then the channel).
CARRY_WAIT_S = 60.0


class StageAccess:
    """The passes of one room and the requests that make Janus and the invitees follow them."""

    def __init__(self, links: list[ControllerLink], passes: StagePasses, *, tick: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.links = links
        self.passes = passes
        self.tick = tick
        self._clock = clock
        # proof -> (until when, role, (server, username) of the claimant it went to): carried places (§3.8)
        self._expected: dict[str, tuple[float, Role, tuple[str, str] | None]] = {}
        self._pending = Withdrawal()
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        # The controller's own place on the stage, without media (app.controller.link.ControllerLink.watch).
        self.watcher = StagePass(passes.room, secrets.randbelow(MAX_STAGE_ID) + 1, secrets.token_urlsafe(24))

    @property
    def stage(self) -> ControllerLink:
        return self.links[0]

    # ------------------------------------------------------------------------------------------ Janus side
    async def apply(self, link: ControllerLink) -> None:
        """On a stage (re)connect: pending removals, then every live token, then enable checking; raises
        JanusError (the link then reconnects and tries again)."""
        stale, self._pending.tokens = self._pending.tokens, []
        try:
            if stale:
                await link.allowed("remove", stale)
        except JanusError:
            self._pending.tokens += stale
            raise
        live = [*self.passes.live_tokens(), self.watcher.token]
        if live:
            await link.allowed("add", live)
        await link.allowed("enable")
        log.info("stage %s on %s: access list applied (%d pass(es)), checking enabled", self.passes.room,
                 link.url, len(live))

    def _stage_handle_ready(self) -> bool:
        return self.stage.stage is not None

    async def _add(self, token: str) -> None:
        if not self._stage_handle_ready():
            raise RoomError(f"cannot reach the stage on {self.stage.url}")
        try:
            await self.stage.allowed("add", [token])
        except JanusError as exc:
            raise RoomError(f"could not add a stage pass on {self.stage.url}: {exc}") from None

    # ------------------------------------------------------------------------------------------ host actions
    def where(self, username: str) -> list[ControllerLink]:
        """The connected servers whose channel has a user called `username` (each may be someone else)."""
        return [link for link in self.links if link.connected and username in link.participants]

    def link(self, server: str | None) -> ControllerLink | None:
        """This room's link to channel server `server`."""
        return next((link for link in self.links if link.url == server), None)

    async def invite(self, username: str, ttl: float = DEFAULT_INVITE_TTL, role: Role = Role.SPEAKER, *,
                     on: ControllerLink | None = None) -> StagePass:
        """Issue a pass for channel user `username` (as `role`), put it on the list, and whisper it on every server
        they use — or only on `on`, binding the pass to that server (a raised hand, a carried place: whoever has
        the same name on another server is someone else, and may hold its own pass bound there)."""
        links = [link for link in self.where(username) if on is None or link is on]
        if not links:
            raise RoomError(f"{username[:80]!r} is not in the room's channel")
        bound = next((p.server for p in self.passes.all_of(username) if p.server is not None), None)
        if on is None and bound is not None:
            # a pass bound to its holder's server: an invite by name alone would reach the same name elsewhere
            raise RoomError(f"{username[:80]!r} holds a stage place bound to {bound}")
        display = links[0].participants.get(username, "")
        issued, replaced = self.passes.issue(username, display, role, ttl, server=on.url if on is not None else None)
        try:
            await self._add(issued.token)
        except RoomError:
            self._pending.tokens += self.passes.revoke(issued.stage_id).tokens  # in case the add went through
            raise
        finally:
            self._withdraw(replaced)
        text = encode_stage(Invite(issued.stage_pass, ttl))
        if not await self._whisper(username, text, links):
            log.warning("stage %s: invite %s for %r was not delivered", self.passes.room, issued.stage_id,
                        username[:80])
        log.info("stage %s: invited %r as %s", self.passes.room, username[:80], issued.stage_id)
        return issued.stage_pass

    async def invite_again(self, username: str, link: ControllerLink) -> bool:
        """Whisper `username` on `link` the invite of the pass it already holds there, if still an invitation (a
        repeated claim); whether it holds one there (on stage: nothing to send)."""
        issued = self.passes.holder(username, link.url)
        if issued is None or issued.server != link.url:
            return False
        if issued.state is PassState.INVITED:
            if issued.deadline <= self._clock():
                return False  # expired (the upkeep withdraws it): a fresh invite
            ttl = min(max(issued.deadline - self._clock(), 1.0), DEFAULT_INVITE_TTL)
            await self._whisper(username, encode_stage(Invite(issued.stage_pass, ttl)), [link])
        return True

    def expect(self, proof: str, role: Role) -> None:
        """A host hands on a moved room's place: whoever claims `proof` within CARRY_WAIT_S is invited as `role`.
        At most MAX_MEMBERS wait (the oldest goes): a stage never has more seats, and only hosts add them."""
        now = self._clock()
        self._expected = {p: w for p, w in self._expected.items() if w[0] > now and p != proof}
        while len(self._expected) >= MAX_MEMBERS:
            del self._expected[next(iter(self._expected))]
        self._expected[proof] = (now + CARRY_WAIT_S, role, None)

    def claim(self, proof: str, server: str, username: str) -> Role | None:
        """The role of the carried place `proof` opens for channel user `username` on `server`, or None: unknown,
        too late, or already claimed by another. The place is kept until it expires: a claim again from the same
        claimant (its invite was lost, or it was still leaving the old stage) is answered with the same pass's
        invite (invite_again). Compared in constant time, so a guesser learns nothing from the timing."""
        now = self._clock()
        match = next((p for p in self._expected if hmac.compare_digest(p, proof)), None)
        if match is None:
            return None
        until, role, claimant = self._expected[match]
        if until <= now:
            del self._expected[match]
            return None
        if claimant is not None and claimant != (server, username):
            return None
        self._expected[match] = (until, role, (server, username))
        return role

    async def admit(self, display: str, role: Role = Role.SPEAKER, ttl: float = DEFAULT_INVITE_TTL, *,
                    keep: bool = False) -> StagePass:
        """Issue a pass handed over directly (the local demo speaker, the room's host, tests): no whisper."""
        issued, _ = self.passes.issue(None, display, role, ttl, keep=keep)
        try:
            await self._add(issued.token)
        except RoomError:
            self._pending.tokens += self.passes.revoke(issued.stage_id).tokens  # in case the add went through
            raise
        log.info("stage %s: admitted %r as %s (%s)", self.passes.room, display[:80], issued.stage_id, role)
        return issued.stage_pass

    async def revoke(self, stage_id: int) -> None:
        """End a pass now: off the list, the holder told, the participant kicked if on the stage."""
        withdrawal = self.passes.revoke(stage_id)
        if not withdrawal:
            return
        self._withdraw(withdrawal)
        await self.flush()

    # ------------------------------------------------------------------------------------------ listeners
    def on_whisper(self, sender: str, message: StageAnswer | LeftStage, server: str | None = None) -> None:
        """An answer or a `left` from a pass holder (the sender is Janus's `from` on channel server `server`); ends
        the pass when due."""
        if isinstance(message, LeftStage):
            self._withdraw(self.passes.left(sender, server))
        else:
            self._withdraw(self.passes.answered(sender, message.accepted, server))

    def _withdraw(self, withdrawal: Withdrawal) -> None:
        if withdrawal:
            self._pending.add(withdrawal)
            self._wake.set()

    async def _whisper(self, username: str, text: str, links: list[ControllerLink] | None = None) -> bool:
        delivered = False
        for link in self.links if links is None else links:
            try:
                delivered = await link.whisper(username, text) or delivered
            except JanusError as exc:
                log.warning("stage %s: whisper to %r on %s failed: %s", self.passes.room, username[:80], link.url,
                            exc or type(exc).__name__)
        return delivered

    # ------------------------------------------------------------------------------------------ upkeep
    async def run(self) -> None:
        """Expire passes and carry out pending withdrawals, every `tick` and whenever a pass ends."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.tick):
                    await self._wake.wait()
            self._wake.clear()
            try:
                self._pending.add(self.passes.expire())
                if self._pending:
                    await self.flush()
            except Exception:  # a bug here must not leave passes valid for good
                log.exception("stage %s: pass upkeep failed", self.passes.room)

    async def flush(self) -> None:
        """Do what is pending; what fails stays pending (tokens) or is dropped (kicks of the gone, whispers)."""
        async with self._lock:
            pending, self._pending = self._pending, Withdrawal()
            if pending.tokens:
                try:
                    if not self._stage_handle_ready():
                        raise JanusError("stage not connected")
                    await self.stage.allowed("remove", pending.tokens)
                except JanusError as exc:
                    self._pending.tokens += pending.tokens  # removed on the next try or the next connect
                    log.warning("stage %s: %d pass(es) not yet removed: %s", self.passes.room, len(pending.tokens),
                                exc or type(exc).__name__)
            for stage_id in pending.kick:
                try:
                    await self.stage.kick(stage_id)
                except JanusError as exc:  # not there any more, or the stage is down (its pass is gone anyway)
                    log.info("stage %s: kick %s: %s", self.passes.room, stage_id, exc or type(exc).__name__)
            for username, server in pending.uninvite:  # a bound pass's holder is told on its server only
                links = [link for link in self.links if server is None or link.url == server]
                await self._whisper(username, encode_stage(Uninvite(self.passes.room)), links)
