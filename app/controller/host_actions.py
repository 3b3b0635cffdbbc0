"""What the controller does for a host: each allowed host action carried out on Janus and in the room state.

The rules (who may, which mutes hold, who is banned) are app.controller.moderation's; this module is their
effects. A refused action costs one log line naming the reason (never a token); nothing is answered to the sender,
whose own view of the room state shows whether an action took effect. The one answered verb, `audience`, changes
nothing: the audience graph's data is whispered back to the asker on the server it asked from (§3.7).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from app.aio import cancel_and_wait
from app.controller.audience_log import AudienceLog, encode_audience
from app.controller.feedback_flags import FeedbackFlags
from app.controller.hand_queue import is_generated
from app.controller.link import ControllerLink
from app.controller.moderation import HOST_ROLES, Moderation, Refused
from app.controller.recording import StageRecording
from app.controller.room_book import RoomBook
from app.controller.room_maker import RoomSpec, end_room
from app.controller.stage_access import StageAccess
from app.controller.stage_passes import PassState
from app.janus import JanusError
from app.links import parse_link
from app.room.errors import RoomError
from app.room.host_protocol import CARRY_VERBS, HostAction, HostVerb
from app.room.protocol import MAX_NAME_CHARS, ProtocolViolation, Role
from app.room.roster_protocol import CARRIED_ROLES, RosterEntry, carry_proof, encode_rosters
from app.room.wire import clean_text

log = logging.getLogger(__name__)

ENDED_ANNOUNCE_GRACE = 1.5  # the ended announcement goes out within 0.5 s (a delta); then the objects go
# A moved room keeps announcing its forward this long before a room made here is taken down (§3.8): listeners who
# were away during the move rejoin it and are sent on. A static room forwards for as long as its controller runs.
FORWARD_KEEP_S = 600.0


class HostActions:
    """Carries out host actions and keeps held mutes held, for one room controller."""

    def __init__(self, links: list[ControllerLink], access: StageAccess, book: RoomBook, moderation: Moderation,
                 recording: StageRecording, audience: AudienceLog, *, set_role: Callable[[str, Role], None],
                 changed: Callable[[], None], spec: RoomSpec | None = None,
                 feedback: FeedbackFlags | None = None) -> None:
        self.links = links
        self.feedback = feedback if feedback is not None else FeedbackFlags()
        self.access = access
        self.book = book
        self.moderation = moderation
        self.recording = recording
        self.audience = audience
        self._set_role = set_role
        self._changed = changed
        self._tasks: set[asyncio.Task[None]] = set()
        self._enforcing: set[str] = set()
        self.spec = spec  # a room this controller made: ending takes it down
        self.ended = asyncio.Event()  # set once an ended room is announced (and, if made here, taken down)
        self._moving = False  # a move is under way (its roster being whispered)

    @property
    def stage(self) -> ControllerLink:
        return self.links[0]

    async def close(self) -> None:
        await cancel_and_wait(self._tasks)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------------------------------ requests
    def on_action(self, sender: str, action: HostAction, link: ControllerLink | None = None) -> None:
        """A `host` whisper from channel user `sender` (on `link`): checked now, carried out in the background."""
        try:
            self.moderation.authorize(action, self.book.members)
        except Refused as exc:
            log.warning("room %s: refused a host action from %r: %s", self.book.room_id, sender[:80], exc)
            return
        if action.verb is HostVerb.AUDIENCE:
            if link is not None:
                self._spawn(self.answer_audience(link, sender), "host-audience")
            return
        log.info("room %s: host %s: %s %s", self.book.room_id, action.stage_id, action.verb.value, _shown(action))
        host = (link, sender) if link is not None else None
        self._spawn(self._carry_out(action, host), f"host-{action.verb.value}")

    async def _carry_out(self, action: HostAction, host: tuple[ControllerLink, str] | None) -> None:
        try:
            if action.verb is HostVerb.MOVE:
                await self.move(action.target, roster_to=host)
            else:
                await self.perform(action.verb, action.target)
        except RoomError as exc:
            log.warning("room %s: host action %s %s failed: %s", self.book.room_id, action.verb.value,
                        _shown(action), exc)

    async def perform(self, verb: HostVerb, target: str = "") -> None:
        """Do one (already authorized) host action; raises RoomError when Janus would not."""
        if verb is HostVerb.FEEDBACK:
            self._report_feedback(target)
        elif verb is HostVerb.INVITE:
            await self.invite(target)
        elif verb in CARRY_VERBS:  # a moved room's place: for whoever claims it with this proof (§3.8)
            self.access.expect(target, Role.CO_HOST if verb is HostVerb.CARRY_CO_HOST else Role.SPEAKER)
        elif verb is HostVerb.MUTE:
            await self.mute(target)
        elif verb is HostVerb.UNMUTE:
            if self.moderation.release(target):
                self._update_member(target)
        elif verb is HostVerb.MUTE_ALL:
            others = [m.id for m in self.book.members.values() if m.role not in HOST_ROLES]
            await asyncio.gather(*(self.mute(member_id) for member_id in others))
        elif verb is HostVerb.DEMOTE:
            await self._revoke(target)
        elif verb is HostVerb.PROMOTE:
            issued = self.access.passes.get(int(target)) if target.isdigit() else None
            if issued is not None:
                issued.role = Role.CO_HOST
            self._set_role(target, Role.CO_HOST)
        elif verb is HostVerb.REMOVE:
            await self.remove(target)
        elif verb is HostVerb.END:
            await self.end()
        elif verb is HostVerb.MOVE:
            await self.move(target)
        elif verb is HostVerb.RECORD:
            await self.recording.start()
        elif verb is HostVerb.STOP_RECORD:
            await self.recording.stop()
        # AUDIENCE changes nothing; its answer goes to whoever asked (answer_audience), in-process callers read
        # the controller's AudienceLog

    async def invite(self, target: str) -> None:
        """Invite a raised hand (`target` its id) on the server it was raised on only, the pass bound there: the same
        name on another server is someone else. Any other target is a listener's channel username: invited on the
        ONE server it is on, bound there; refused if that name is on several (the host named no server, §3.6), and
        refused if it has the form of a generated hand id (`NAME#2`: a stale click must not reach whoever took
        that name)."""
        owner = self.book.queue.owner(target)
        username = owner.username if owner is not None else target
        if self.moderation.is_banned(username):
            raise RoomError(f"{username[:80]!r} was removed from this room")
        if owner is not None:
            on = self.access.link(owner.server) if owner.server is not None else None
            if owner.server is not None and on is None:
                raise RoomError(f"the hand of {username[:80]!r} is not in the room's channel")
            await self.access.invite(username, on=on)
            return
        if is_generated(target):
            raise RoomError(f"{target[:80]!r} is no raised hand any more")
        where = self.access.where(target)
        if len(where) > 1:
            raise RoomError(f"{target[:80]!r} is a name on {len(where)} of the room's servers: invite a raised hand")
        await self.access.invite(target, on=where[0] if where else None)

    async def answer_audience(self, link: ControllerLink, username: str) -> None:
        """Whisper the audience graph's data to `username` on `link` (where it asked: usernames are per server)."""
        text = encode_audience(self.audience.report(self.book.room_id))
        try:
            delivered = await link.whisper(username, text)
        except JanusError as exc:
            delivered = False
            log.info("room %s: audience for %r on %s: %s", self.book.room_id, username[:80], link.url, exc)
        if not delivered:
            log.info("room %s: could not whisper the audience to %r on %s", self.book.room_id, username[:80],
                     link.url)

    async def mute(self, member_id: str) -> None:
        """A host mute that holds: shown at once, muted in Janus, re-muted if the member unmutes itself."""
        self.moderation.hold(member_id)
        self._update_member(member_id, muted=True)
        try:
            await self.stage.mute(member_id, True)
        except JanusError as exc:
            raise RoomError(f"could not mute {member_id}: {exc}") from None

    async def remove(self, target: str) -> None:
        """Off the stage and out of the channel, for the room's life: `target` is a member id, a raised hand's id or a
        username; the name is banned on every server, so each of its passes and hands goes."""
        issued = self.access.passes.get(int(target)) if target.isdigit() else None
        owner = self.book.queue.owner(target)  # a raised hand's id names its username
        username = issued.username if issued is not None else owner.username if owner is not None else target
        # the name, on every server (a ban is by name: app.controller.moderation): each of its passes goes
        held = self.access.passes.all_of(username) if username is not None else [issued] if issued else []
        if username is not None:
            self.moderation.ban(username)
            if self.book.queue.lower_all(username):
                self._changed()
        for each in held:
            await self.access.revoke(each.stage_id)
        if not held and target.isdigit():  # on stage without a pass (a member admitted before this controller)
            with _logged(f"kick {target}"):
                await self.stage.kick(int(target))
        if username is not None:
            await self.kick_from_channel(username)

    def kick_banned(self, username: str) -> None:
        """A removed user came back to the channel: out again."""
        self._spawn(self.kick_from_channel(username), "host-kick-banned")

    async def kick_from_channel(self, username: str) -> None:
        for link in self.links:
            if link.connected and username in link.participants:
                with _logged(f"channel kick on {link.url}"):
                    await link.kick_from_channel(username)

    async def move(self, link: str, keep: float = FORWARD_KEEP_S, *,
                   roster_to: tuple[ControllerLink, str] | None = None) -> None:
        """The room goes on at `link` (already validated, canonical): an end with a forward. Listeners follow the
        `moved` announcement; the forward stays in every announcement and join answer, and a room made here is
        kept `keep` seconds for those who come back late. `roster_to`: the signer's (link, channel username),
        whispered the stage's roster first: before the passes go, and awaited (Janus took it) before the `moved`
        announcement is sent to that server, so the host has it when it follows. Raises RoomError for a move onto
        this room itself, or while another move or the end is under way."""
        target = parse_link(link)
        if target.room_id == self.book.room_id and set(target.servers) & {x.url for x in self.links}:
            raise RoomError("a room cannot move onto itself")
        if self.book.ended or self._moving:
            raise RoomError("the room has already ended" if self.book.ended else "the room is already moving")
        self._moving = True  # before the roster's await: a second move in the meantime is refused, not raced
        if roster_to is not None:
            try:
                await self.whisper_roster(*roster_to)
            except BaseException:
                self._moving = False
                raise
        self.book.moved = link
        await self.end(keep)

    def roster(self) -> list[RosterEntry]:
        """Who is on the stage with a pass of a channel user (on stage, or away within the grace), as speaker or
        co-host: what the host who moves the room invites again there. Not the host, not mere invitations."""
        entries = []
        for issued in self.access.passes:
            if (issued.username is None or issued.role not in CARRIED_ROLES
                    or issued.state not in (PassState.ON_STAGE, PassState.AWAY)):
                continue
            entry = RosterEntry(issued.username, clean_text(issued.display, MAX_NAME_CHARS), issued.role,
                                carry_proof(issued.token, issued.stage_pass.room, issued.stage_id))
            try:
                encode_rosters(self.book.room_id, [entry])
            except ProtocolViolation as exc:  # a username no receiver would take (too long): not carried
                log.warning("room %s: stage member %s left out of the roster: %s", self.book.room_id,
                            issued.stage_id, exc)
                continue
            entries.append(entry)
        return entries

    async def whisper_roster(self, link: ControllerLink, username: str) -> None:
        """The stage's roster to `username` on `link` (the server its request came from: names are per server)."""
        entries = self.roster()
        delivered = True
        try:
            for text in encode_rosters(self.book.room_id, entries):
                delivered = await link.whisper(username, text) and delivered
        except JanusError as exc:
            delivered = False
            log.info("room %s: roster for %r on %s: %s", self.book.room_id, username[:80], link.url, exc)
        log.info("room %s: the roster (%d on stage) %s %r on %s", self.book.room_id, len(entries),
                 "whispered to" if delivered else "could not be whispered to", username[:80], link.url)

    async def end(self, grace: float = ENDED_ANNOUNCE_GRACE) -> None:
        """The room is over: announced as ended (listeners stop reconnecting), every pass withdrawn, the recording
        stopped; a room made by this controller is destroyed once the announcement had time to go out (the feeds
        stop too), `grace` seconds later."""
        if self.book.ended:
            return
        self.book.ended = True
        self._changed()
        for issued in list(self.access.passes):
            await self.access.revoke(issued.stage_id)
        if self.book.recording:  # an ended room's mix is silence: it would fill the server's disk
            try:
                await self.recording.stop()
            except RoomError as exc:
                log.warning("room %s: %s", self.book.room_id, exc)
        if self.spec is not None:
            await asyncio.sleep(grace)
            try:
                await end_room(self.spec)
            except RoomError as exc:
                log.warning("room %s: %s", self.book.room_id, exc)
        self.ended.set()

    async def _revoke(self, member_id: str) -> None:
        if member_id.isdigit() and self.access.passes.get(int(member_id)) is not None:
            await self.access.revoke(int(member_id))
        else:
            raise RoomError(f"stage member {member_id[:80]} holds no pass of this controller")

    # ------------------------------------------------------------------------------------------ holding
    def on_participants(self, readings: list[tuple[str, bool]], taken_at: float | None = None) -> None:
        """`(member id, muted)` readings from the stage (watcher events, received at `taken_at`, or a poll, asked
        for at `taken_at`; default now): held members that unmuted themselves are muted again at once, then
        removed from the stage."""
        when = time.monotonic() if taken_at is None else taken_at
        for member_id in self.moderation.fighters(readings, when):
            if member_id not in self._enforcing:
                self._enforcing.add(member_id)
                self._spawn(self._enforce(member_id), "host-mute-enforce")

    async def _enforce(self, member_id: str) -> None:
        try:
            with _logged(f"re-mute {member_id}"):
                await self.stage.mute(member_id, True)
            log.warning("room %s: held member %s unmuted itself: muted again and removed from the stage",
                        self.book.room_id, member_id)
            if member_id.isdigit() and self.access.passes.get(int(member_id)) is not None:
                await self.access.revoke(int(member_id))
            elif member_id.isdigit():
                with _logged(f"kick {member_id}"):
                    await self.stage.kick(int(member_id))
        finally:
            self._enforcing.discard(member_id)

    def _report_feedback(self, member_id: str) -> None:
        """A pass holder's guard muted it (any pass, an admitted one too: the signature says whose it is)."""
        self.feedback.flag(member_id)
        member = self.book.members.get(member_id)
        if member is not None and not member.feedback:
            self.book.members[member_id] = dataclasses.replace(member, feedback=True)
            self._changed()
        log.info("room %s: stage member %s was muted by its feedback guard", self.book.room_id, member_id)

    def _update_member(self, member_id: str, *, muted: bool | None = None) -> None:
        member = self.book.members.get(member_id)
        if member is None:
            return
        held = member_id in self.moderation.held
        new = dataclasses.replace(member, held=held, muted=member.muted if muted is None else muted)
        if new != member:
            self.book.members[member_id] = new
            self._changed()


def _shown(action: HostAction) -> str:
    """The target for a log line: a carried place's proof is a capability (whoever whispers it takes the place)."""
    return "(a carried place)" if action.verb in CARRY_VERBS else action.target[:80]


class _logged:
    """Context manager: a Janus request that may fail without stopping the action (one info line)."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> bool:
        if isinstance(exc, JanusError):
            log.info("%s: %s", self.what, exc or type(exc).__name__)
            return True
        return False
