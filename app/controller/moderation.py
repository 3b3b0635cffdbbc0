"""The hosts' rules: who may act, which mutes hold, who is out for the room's life.

Pure bookkeeping (no Janus here, so every rule is tested without a server); app.controller.host_actions carries
out what these methods allow.

Authority comes from stage passes only (app.room.host_protocol): an action counts when it is signed with the token
of a live pass whose role is host or co-host, and its `seq` is above every earlier one of that pass. A speaker's
signed report about itself (its feedback guard muted it) needs only a live pass. The host (the
room's creator, role HOST) can do everything; a co-host everything but ending the room and acting on a host or
another co-host (removing, demoting, muting or promoting them).

Held mutes: AudioBridge 1.1.2 lets a muted participant unmute itself with `configure`, so a host mute is a hold
kept here. A held member seen unmuted (by the stage watcher's events within milliseconds, or by a poll) is muted
again at once and, having fought a host, removed from the stage with its pass revoked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from app.controller.stage_passes import IssuedPass, StagePasses
from app.room.host_protocol import HostAction, HostVerb, verify
from app.room.protocol import Role, StageMember

HOST_ROLES = (Role.HOST, Role.CO_HOST)
CREATOR_ONLY = frozenset({HostVerb.END, HostVerb.MOVE, HostVerb.CARRY_SPEAKER, HostVerb.CARRY_CO_HOST})
SELF_REPORTS = frozenset({HostVerb.FEEDBACK})  # any pass holder, about itself only
ON_MEMBERS = frozenset({HostVerb.MUTE, HostVerb.UNMUTE, HostVerb.DEMOTE, HostVerb.PROMOTE, HostVerb.REMOVE})


class Refused(Exception):
    """A host action that does not count; the text says why (one log line, never the token)."""


class Moderation:
    """Held mutes, bans and the replay guard of one room's host actions."""

    def __init__(self, passes: StagePasses) -> None:
        self.passes = passes
        # member ids whose host mute holds -> when a reading taken then showed the mute (None: not yet)
        self.held: dict[str, float | None] = {}
        self.banned: set[str] = set()  # channel usernames removed for the room's life
        self._last_seq: dict[int, int] = {}

    # ------------------------------------------------------------------------------------------ authority
    def authorize(self, action: HostAction, members: dict[str, StageMember]) -> IssuedPass:
        """The pass that signed `action`, if it may do it; raises Refused. Consumes the action's `seq`."""
        if action.room != self.passes.room:
            raise Refused(f"a host action for room {action.room}, not {self.passes.room}")
        issued = self.passes.get(action.stage_id)
        if issued is None:
            raise Refused(f"a host action signed by {action.stage_id}, which holds no live stage pass")
        if not verify(action, issued.token):
            raise Refused(f"a host action claiming {action.stage_id} with a wrong signature")
        if action.seq <= self._last_seq.get(action.stage_id, -1):
            raise Refused(f"a replayed host action of {action.stage_id} (seq {action.seq} already used)")
        self._last_seq[action.stage_id] = action.seq
        if action.verb in SELF_REPORTS:
            if action.target != str(action.stage_id):
                raise Refused(f"{action.stage_id} reported {action.verb.value!r} for someone else")
            return issued
        if issued.role not in HOST_ROLES:
            raise Refused(f"{action.stage_id} is a {issued.role.value}, not a host: {action.verb.value!r} refused")
        if issued.role is not Role.HOST:
            if action.verb in CREATOR_ONLY:
                raise Refused(f"only the room's host may {action.verb.value}; {action.stage_id} is a co-host")
            if action.verb in ON_MEMBERS and self.role_of(action.target, members) in HOST_ROLES:
                raise Refused(f"co-host {action.stage_id} may not {action.verb.value} host {action.target}")
        return issued

    def role_of(self, member_id: str, members: dict[str, StageMember]) -> Role | None:
        member = members.get(member_id)
        return member.role if member is not None else self.passes.role_of(member_id)

    # ------------------------------------------------------------------------------------------ held mutes
    def hold(self, member_id: str, *, seen_muted_at: float | None = None) -> None:
        """`seen_muted_at`: the mute is known to be in place since then (a hold carried over from another
        controller)."""
        self.held[member_id] = self.held.get(member_id) or seen_muted_at

    def release(self, member_id: str) -> bool:
        return self.held.pop(member_id, None) is not None

    def fighters(self, readings: Iterable[tuple[str, bool]], taken_at: float) -> list[str]:
        """Held member ids among `(id, muted)` readings that show them unmuted although they were taken after a
        reading showed the host's mute: they unmuted themselves. `taken_at` is when the readings were asked for (a
        poll's request) or received (a pushed event): a poll asked for before the mute was seen can be answered
        after it, with the state from before it — that is not a fight (benchmarks.host_actions caught exactly
        this, removing a speaker who never unmuted)."""
        out = []
        for member_id, muted in readings:
            if member_id not in self.held:
                continue
            seen_at = self.held[member_id]
            if muted:
                if seen_at is None:
                    self.held[member_id] = taken_at
            elif seen_at is not None and taken_at > seen_at:
                out.append(member_id)
        return out

    def apply(self, members: Iterable[StageMember]) -> list[StageMember]:
        """The polled stage with `held` set; a hold ends with its member's pass (a rejoin with the same pass keeps
        it, a new pass starts free)."""
        members = list(members)
        for member_id in list(self.held):
            if self.passes.role_of(member_id) is None and all(m.id != member_id for m in members):
                del self.held[member_id]
        return [m if m.held == (m.id in self.held) else dataclasses.replace(m, held=m.id in self.held)
                for m in members]

    # ------------------------------------------------------------------------------------------ bans
    def ban(self, username: str) -> None:
        self.banned.add(username)

    def is_banned(self, username: str) -> bool:
        return username in self.banned
