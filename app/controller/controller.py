"""The room controller: the one Janus client that knows the room and tells everyone, in coalesced announcements.

Why one controller: at hundreds of thousands of listeners, state from per-join events broadcast to everyone is
O(N²). The controller holds the room's secrets, watches the stage, the feed's viewer counts and the hand
whispers, and announces snapshots/deltas on channel N (app.controller.room_book decides when). Only a holder of the
channel secret can announce, so listeners cannot forge state.

Stage: polled, not joined. The controller calls AudioBridge `listparticipants` on the stage server (the room's
first server, where speakers are) every `stage_poll_interval` (250 ms) instead of joining as a participant
without media. A poll always yields the whole truth (no drift after a missed event, nothing to resync after a
reconnect), it needs no `allowed` token and no filtering of the controller out of the participant list that
fallback listeners also read, and it costs the server four small requests a second. Latency budget for a
talking change: Janus decides "talking" once per `audio_active_packets` window (10 packets = 200 ms in
resources/janus/janus.plugin.audiobridge.jcfg.in; 0.1-0.36 s measured, 50 packets took up to 1.5 s) + ≤ 250 ms
poll + ≤ 500 ms delta coalescing ≈ ≤ 1.2 s against a 1.5 s target; measured at listeners in the lab: 0.25-0.8 s.
A mute shows after ≤ 250 ms + ≤ 500 ms (target 1 s; `mute()` polls at once: 0.5 s measured right after another
change, a few ms otherwise). Joining as a participant would save only the ≤ 250 ms poll.

Cascade (docs/deployment.md): with `stage_server` not among `servers`, that server is the origin: its link polls
and watches the stage and joins channel N there too (one code path for every link; nobody listens there, so its
announcements cost the origin a few requests a second) but counts no feed; the `forwards`
(app.controller.edge_forwards) are added on the origin each time its stage connects, so a restarted origin feeds
the edges again.

Listener count = the feed's `viewers` summed over every server of the room (polled each second with the
mountpoint secret) + the stage members (people in the room, on stage or listening); `at` is the time of the
oldest measurement in the sum. A server that cannot be reached drops out of the sum; with none, the count is
unknown (null). The per-server viewers also go out as the room's `loads` (app.room.edge_loads: coarse and
rate-limited), which listeners weigh when they choose a server to rejoin on (app.listener.failover).

Hands: listeners whisper `hand`/`sync` to the controller's channel username; the sender is the server-set `from`
(channel events and whispers are dispatched in app.controller.channel_requests). Whispers are rate-limited per
sender, then validated; anything else is dropped with one log line (repeats from a sender are summarised). The queue
is FIFO; a hand is its raiser's on the server it was raised on (app.controller.hand_queue) and is cleared when its
owner leaves channel N there. A join or a `sync` is answered with the state
whispered to the asker (app.controller.askers), not broadcast.

Stage access (app.controller.stage_access): the stage admits only holders of a pass the controller issued
(`invite` whispers one to a listener, `admit` hands one over directly); a member's role is its pass's role.
A pass holder on stage whose feedback guard muted it whispers `feedback`: its member is flagged for everyone to
see (app.controller.feedback_flags) until it unmutes or leaves.

Reactions: `react` whispers take their own per-sender limit before parsing and are counted and announced at most
twice a second by app.controller.reactions (§3.9), not per reaction.

Audience: every channel join and leave and every count also go to the hosts' audience graph (app.controller.
audience_log: listeners, joins, leaves and reconnects per 10 s), whispered to a host who asks (`audience`, §3.7).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from app.aio import CloseOnce, cancel_and_wait
from app.controller.askers import Askers
from app.controller.audience_log import AudienceLog
from app.controller.channel_requests import ChannelRequests
from app.controller.edge_forwards import EdgeForward
from app.controller.feedback_flags import FeedbackFlags
from app.controller.handover import Handover, adopt
from app.controller.host_actions import HostActions
from app.controller.link import ControllerLink, ControllerSecrets
from app.controller.lobby import Lobby, room_summary
from app.controller.moderation import Moderation
from app.controller.reactions import ReactionTally
from app.controller.recording import StageRecording
from app.controller.room_book import RoomBook
from app.controller.room_maker import RoomSpec, gone_room, make_room
from app.controller.stage_access import StageAccess
from app.controller.stage_passes import DEFAULT_INVITE_TTL, PassState, StagePasses
from app.room.backoff import Backoff
from app.room.edge_loads import measured_loads
from app.room.errors import RoomError
from app.room.host_protocol import HostVerb
from app.room.lobby_protocol import RoomSummary
from app.room.log_throttle import LogThrottle
from app.room.protocol import (
    WHISPER_BURST,
    WHISPER_RATE,
    ListenerCount,
    RateLimiter,
    Role,
    stage_member,
)
from app.room.stage_protocol import StagePass

__all__ = ["ControllerSecrets", "RoomController"]

log = logging.getLogger(__name__)

DROP_LOG_INTERVAL = 10.0  # after a dropped whisper is logged, further drops from that sender are counted this long
HOST_ACTION_RATE = 10.0  # host actions per second per sender (a host muting a row of speakers)...
HOST_ACTION_BURST = 40  # ...with a burst of 40; a flood of forged ones is bounded all the same


class RoomController(ChannelRequests):
    """Watches room `room_id` on its servers and announces its state on channel N of every server."""

    def __init__(self, servers: list[str], room_id: int, secrets: ControllerSecrets, title: str, *,
                 ice_servers: list[str] | None = None, roles: dict[str, Role] | None = None,
                 username: str | None = None, clock: Callable[[], float] = time.monotonic,
                 stage_poll_interval: float = 0.25, viewers_poll_interval: float = 1.0,
                 connect_timeout: float = 5.0, backoff_cap: float = 30.0, passes: StagePasses | None = None,
                 invite_hands: bool = False, spec: RoomSpec | None = None,
                 wall_clock: Callable[[], float] = time.time, stage_server: str | None = None,
                 forwards: list[EdgeForward] | None = None, lobby_secrets: dict[str, str] | None = None) -> None:
        if not servers:
            raise ValueError("a room controller needs at least one server")
        self.servers = list(servers)
        self.stage_server = stage_server or self.servers[0]
        self.forwards = list(forwards or [])
        # The stage's link first (self.links[0]); an origin that is not one of the servers carries no feed.
        urls = [self.stage_server, *(url for url in self.servers if url != self.stage_server)]
        self.room_id = room_id
        self._secrets = secrets
        self.username = username or f"ctl-{secrets_token()}"
        # Explicit roles win; otherwise the first member seen on the stage is the host (the local demo speaker).
        self.roles: dict[str, Role] = dict(roles or {})
        self._first_member: str | None = None
        self._clock = clock
        self.book = RoomBook(room_id, self.username, title, clock=clock)
        self.handover = Handover(self.username, clock=clock)  # one voice per room (app.controller.handover)
        self._limiter = RateLimiter(WHISPER_RATE, WHISPER_BURST, clock=clock)
        self._host_limiter = RateLimiter(HOST_ACTION_RATE, HOST_ACTION_BURST, clock=clock)
        self.drops = LogThrottle(log, DROP_LOG_INTERVAL, clock=clock)
        self.backoff_cap = backoff_cap
        # Passes may outlive this controller (a local room restarts its controller and keeps its speakers' passes).
        self.passes = passes if passes is not None else StagePasses(room_id, clock=clock)
        self.invite_hands = invite_hands  # every raised hand gets a pass (a headless speaker raises its hand)
        self.feedback = FeedbackFlags()  # members muted by their feedback guard, shown as such
        self.audience = AudienceLog(wall_clock)  # the hosts' audience graph (§3.7)
        self.reactions = ReactionTally(self.username, clock=clock)  # counted, announced ≤ 2/s (§3.9)
        self._wake = asyncio.Event()
        self.links = [
            ControllerLink(url, room_id, secrets, self.username, stage=i == 0, feed=url in self.servers,
                           on_event=self._on_channel_event,
                           on_stage=self._on_stage, on_viewers=self._update_count,
                           on_stage_connect=self._on_stage_connect,
                           on_stage_readings=self._on_stage_readings,
                           on_recording=self._on_recording,
                           ice_servers=ice_servers,
                           connect_timeout=connect_timeout, stage_poll_interval=stage_poll_interval,
                           viewers_poll_interval=viewers_poll_interval)
            for i, url in enumerate(urls)
        ]
        self.askers = Askers(self.book, self.links, clock=clock)  # joiners and syncs get the state whispered
        self.access = StageAccess(self.links, self.passes, clock=clock)
        self.moderation = Moderation(self.passes)
        # `spec`: a room this controller made (app.controller.room_maker): made again after a Janus restart,
        # taken down when a host ends it.
        self.spec = spec
        self.recording = StageRecording(self.links[0], self.book, changed=self._wake.set)
        self.hosts = HostActions(self.links, self.access, self.book, self.moderation, self.recording, self.audience,
                                 set_role=self.set_role, changed=self._wake.set, spec=spec, feedback=self.feedback)
        self.announced = asyncio.Event()  # set after the first announcement went out
        # The room's summary in the lobby of each server with a lobby secret (app.controller.lobby), for browsers.
        self.started_at = wall_clock()
        self.lobby = Lobby(lobby_secrets or {}, self.lobby_summary, admin_key=spec.admin_key if spec else None,
                           ice_servers=ice_servers)
        self._tasks: list[asyncio.Task[None]] = []
        self._invites: set[asyncio.Task[None]] = set()  # invites of raised hands (invite_hands)
        self._first_attempts: list[asyncio.Event] = [asyncio.Event() for _ in self.links]
        self._closed = False
        self._closer = CloseOnce(self._teardown, f"close room controller {room_id}")

    def __repr__(self) -> str:
        return f"RoomController(room={self.room_id}, username={self.username!r}, servers={self.servers!r})"

    # ------------------------------------------------------------------------------------------ lifecycle
    async def start(self, *, timeout: float = 10.0) -> None:
        """Connect to every server (retrying in the background) and return after each one's first attempt."""
        if self._tasks:
            return
        self._tasks = [asyncio.create_task(self._run_link(link, done), name=f"controller {link.url}")
                       for link, done in zip(self.links, self._first_attempts, strict=True)]
        self._tasks.append(asyncio.create_task(self._announce_loop(), name="controller-announce"))
        self._tasks.append(asyncio.create_task(self.access.run(), name="controller-stage-passes"))
        self._tasks.append(asyncio.create_task(self.reactions.run(self._post, self._may_announce),
                                               name="controller-reactions"))
        self.lobby.start()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                for done in self._first_attempts:
                    await done.wait()
        if not any(link.connected for link in self.links):
            log.warning("room controller for room %s: no server reachable yet; retrying", self.room_id)

    async def close(self) -> None:
        """Stop announcing and leave every server; idempotent (every call waits for the one teardown)."""
        self._closed = True
        await self._closer()

    async def _teardown(self) -> None:
        await cancel_and_wait([*self._tasks, *self._invites])
        await self.lobby.close()
        await self.hosts.close()
        await asyncio.gather(*(link.disconnect() for link in self.links), return_exceptions=True)

    @property
    def connected_servers(self) -> list[str]:
        return [link.url for link in self.links if link.connected]

    # ------------------------------------------------------------------------------------- host actions
    async def mute(self, member_id: str, muted: bool = True) -> None:
        """Host mute that holds (the member cannot unmute itself), or lift the hold; raises RoomError."""
        await self.host_action(HostVerb.MUTE if muted else HostVerb.UNMUTE, member_id)

    async def host_action(self, verb: HostVerb, target: str = "") -> None:
        """A host action of this controller's own host (in-process: the local room, tests); raises RoomError."""
        stage = self.links[0]
        if not stage.connected:
            raise RoomError(f"cannot reach the stage on {stage.url}")
        await self.hosts.perform(verb, target)

    async def invite(self, username: str, ttl: float = DEFAULT_INVITE_TTL) -> StagePass:
        """Invite channel user `username` on stage: a pass on the access list, whispered to them; raises RoomError."""
        return await self.access.invite(username, ttl)

    async def admit(self, display: str, role: Role = Role.SPEAKER) -> StagePass:
        """A pass handed over directly (no whisper): the local demo speaker, headless speakers, tests."""
        return await self.access.admit(display, role)

    async def host_pass(self, display: str = "Host") -> StagePass:
        """The room creator's pass (issued once, valid for the room's life): it signs host actions (`plaza host`,
        the host's window) and takes the host onto the stage; raises RoomError if the stage is unreachable."""
        issued = next((p for p in self.passes if p.keep and p.role is Role.HOST), None)
        if issued is not None:
            return issued.stage_pass
        return await self.access.admit(display, Role.HOST, keep=True)

    async def revoke(self, stage_id: int) -> None:
        """Withdraw a pass: it stops working, its holder is told, its participant leaves the stage."""
        await self.access.revoke(stage_id)

    def set_role(self, member_id: str, role: Role) -> None:
        self.roles[member_id] = role
        member = self.book.members.get(member_id)
        if member is not None and member.role != role:
            self.book.members[member_id] = dataclasses.replace(member, role=role)
            self._wake.set()

    def lobby_summary(self, server: str) -> RoomSummary | None:
        """What the lobby of `server` hears of this room; None while this controller stands by (one voice)."""
        if not self.handover.announced or self.handover.standing_by():
            return None
        book = self.book
        return room_summary(self.room_id, book.title, book.members.values(), book.listeners, self.started_at,
                            self.servers, server, book.ended, self.stage_server)

    def set_title(self, title: str) -> None:
        self.book.set_title(title)
        self._wake.set()

    # ------------------------------------------------------------------------------------------ links
    async def _run_link(self, link: ControllerLink, first_attempt: asyncio.Event) -> None:
        backoff = Backoff(cap=self.backoff_cap)
        # Waits stay within the outage's age (app.room.backoff): the origin's audience hears nothing until this
        # link is back and has re-added the forwards, and a restarted server refuses fast.
        down_since: float | None = None
        while not self._closed:
            try:
                await link.connect()
            except Exception as exc:  # whatever failed, this server is retried; the others carry on
                log.warning("room controller: cannot connect to %s: %s", link.url, exc or type(exc).__name__)
                await link.disconnect()
                if self.spec is not None and link.url == self.spec.server and gone_room(exc):
                    await self._remake()
                first_attempt.set()
                down_since = self._clock() if down_since is None else down_since
                await asyncio.sleep(backoff.next_delay(age=self._clock() - down_since))
                continue
            first_attempt.set()
            backoff.reset()
            down_since = None
            self.handover.joined()
            self.audience.found(link.participants)  # who is there: not joins (joins while connecting included)
            self._update_count()
            self.book.request_snapshot()  # listeners who (re)joined this server while we were away
            self._wake.set()
            reason = await link.serve()
            log.warning("room controller: lost %s (%s); reconnecting", link.url, reason)
            gone = list(link.participants)
            self.askers.drop(link)
            self.handover.left(link, "")
            self.audience.lost(gone)  # left, unless they come back (then reconnects) or it was only us
            await link.disconnect()
            for username in gone:
                self._forget_participant(link, username)
            self._update_count()
            down_since = self._clock()
            await asyncio.sleep(backoff.next_delay(age=0.0))

    async def _remake(self) -> None:
        """The room we made is gone (a Janus restart forgets rooms made through the API): make it again."""
        assert self.spec is not None
        if self.book.ended:
            return
        try:
            await make_room(self.spec)
            log.warning("room controller: room %s was gone from %s; made it again", self.room_id, self.spec.server)
        except RoomError as exc:
            log.warning("room controller: could not make room %s again: %s", self.room_id, exc)

    async def _on_stage_connect(self, link: ControllerLink) -> None:
        await self.access.apply(link)
        await link.watch(self.access.watcher)
        if self.forwards:
            await link.forward_to_edges(self.forwards)  # a failure fails the connect: retried with the backoff

    def _on_stage_readings(self, readings: list[tuple[str, bool]], taken_at: float) -> None:
        self.hosts.on_participants(readings, taken_at)

    def _on_recording(self, record: bool) -> None:
        self.recording.on_reading(record)

    def _on_stage(self, participants: list[dict[str, Any]], asked_at: float | None = None) -> None:
        members = []
        for p in participants:
            member = stage_member(p)
            if member is None or member.id == str(self.access.watcher.stage_id):
                continue
            if self._first_member is None:
                self._first_member = member.id
            # explicit roles, then the pass's role; a member without either: the first one seen is the host
            role = self.roles.get(member.id) or self.passes.role_of(member.id)
            if role is None:
                role = Role.HOST if member.id == self._first_member and not self.roles else Role.SPEAKER
            members.append(dataclasses.replace(member, role=role))
        self.passes.seen(int(m.id) for m in members if m.id.isdigit())
        self.hosts.on_participants([(m.id, m.muted) for m in members], asked_at)
        self.book.set_members(self.moderation.apply(self.feedback.apply(members)))
        self._update_count()

    def _update_count(self) -> None:
        measured = [link for link in self.links if link.connected and link.viewers is not None]
        if not measured:
            self.book.set_listeners(None)
        else:
            # A speaker who came from the audience (an invited pass) still receives the feed (make-before-break:
            # app.stage), so it is among the viewers already; only members admitted directly are added.
            from_audience = sum(1 for p in self.passes if p.username is not None and p.state == PassState.ON_STAGE
                                and str(p.stage_id) in self.book.members)
            total = sum(link.viewers or 0 for link in measured) + len(self.book.members) - from_audience
            self.book.set_listeners(ListenerCount(total, min(link.viewers_at for link in measured)))
        # per server too (§6.1): listeners rejoining prefer the emptier ones; an unmeasured server is left out
        self.book.set_loads(measured_loads((link.url, link.viewers or 0) for link in measured))
        self.audience.listeners(None if self.book.listeners is None else self.book.listeners.count)
        if self.book.dirty:
            self._wake.set()

    # -------------------------------------------------------------------------------------- announcing
    def _post(self, text: str) -> None:
        for link in self.links:
            link.post(text)

    def _may_announce(self) -> bool:
        return self.handover.announced and not self.handover.standing_by()

    async def _announce_loop(self) -> None:
        while True:
            self._wake.clear()
            delay = 1.0
            try:
                may, left = self.handover.turn() if any(link.connected for link in self.links) else (False, None)
                if left is not None:
                    adopt(left, self.book, self.moderation, self.roles, self.links)
                if may:
                    message = self.book.due()
                    if message is not None:
                        for text in self.book.texts(message):
                            for link in self.links:
                                link.post(text)
                        self.announced.set()
                        continue
                    if self.askers.answer():
                        continue
                    delay = min(self.book.next_due(), self.askers.next_due())
                else:
                    self.askers.clear()  # the one announcing answers them
                    delay = 0.25  # listening first, or standing by: look again soon
            except Exception:  # a bug here must not silence the room for good
                log.exception("room controller: announcing failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()


def secrets_token() -> str:
    return secrets.token_hex(4)
