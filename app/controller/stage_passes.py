"""The controller's book of stage passes: who may join the stage, and when a pass stops working.

Pure bookkeeping on an injected clock (no Janus here, so the lifecycle is tested on a virtual clock); the
controller applies what the methods return to AudioBridge's `allowed` list and to the channel.

A pass is *invited* until its stage id is first seen on the stage (or its ttl runs out: nobody came), then *on
stage*, then *away* once polls stop showing it. Away passes stay valid for `grace` seconds, so a speaker whose
network dropped, or whose Janus restarted, rejoins with the same pass. `left`, a decline, a revoke or the end of
the grace make the pass *gone*: its token leaves the `allowed` list, so a used pass never joins again.
"""

from __future__ import annotations

import enum
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from app.room.errors import RoomError
from app.room.protocol import MAX_MEMBERS, Role
from app.room.stage_protocol import MAX_INVITE_TTL, MAX_STAGE_ID, StagePass

DEFAULT_INVITE_TTL = 60.0
RECONNECT_GRACE = 30.0  # an away speaker may rejoin this long with the same pass (network drop, Janus restart)


class PassState(enum.Enum):
    INVITED = "invited"
    ON_STAGE = "on stage"
    AWAY = "away"


@dataclass
class IssuedPass:
    """One live pass: whose it is (a channel username, or None when admitted directly) and where it stands."""

    stage_pass: StagePass
    username: str | None
    display: str
    role: Role
    state: PassState
    deadline: float  # invited: when the invite expires; away: when the grace ends; on stage: never (inf)
    keep: bool = False  # the room creator's pass: valid for the room's life, on stage or not
    # The channel server it was whispered on, when bound to one (a moved room's carried place, §3.8, or a raised
    # hand's invite, §3.3): usernames are unique per server only, so its holder's answers count only from there.
    server: str | None = None

    @property
    def stage_id(self) -> int:
        return self.stage_pass.stage_id

    @property
    def token(self) -> str:
        return self.stage_pass.token


@dataclass
class Withdrawal:
    """What ending passes asks of Janus and the channel: tokens off the `allowed` list, users to tell, ids to kick."""

    tokens: list[str] = field(default_factory=list)
    uninvite: list[tuple[str, str | None]] = field(default_factory=list)  # (username, its pass's server or None)
    kick: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.tokens or self.uninvite or self.kick)

    def __repr__(self) -> str:  # tokens are secrets
        return f"Withdrawal(tokens={len(self.tokens)}, uninvite={self.uninvite!r}, kick={self.kick!r})"

    def add(self, other: Withdrawal) -> None:
        self.tokens += other.tokens
        self.uninvite += other.uninvite
        self.kick += other.kick


class StagePasses:
    """Live passes of stage `room`, by stage id; at most one per channel username and server (a pass bound to no
    server counts for every server: then it is that name's only one)."""

    def __init__(self, room: int, *, clock: Callable[[], float] = time.monotonic,
                 grace: float = RECONNECT_GRACE) -> None:
        self.room = room
        self.grace = grace
        self._clock = clock
        self._passes: dict[int, IssuedPass] = {}

    def __len__(self) -> int:
        return len(self._passes)

    def __iter__(self) -> Iterator[IssuedPass]:
        return iter(list(self._passes.values()))

    def get(self, stage_id: int) -> IssuedPass | None:
        return self._passes.get(stage_id)

    def all_of(self, username: str) -> list[IssuedPass]:
        """Every pass of `username`: same-name people on several servers may each hold one."""
        return [p for p in self._passes.values() if p.username == username]

    def live_tokens(self) -> list[str]:
        """Every token that must be on the `allowed` list (re-applied after a Janus restart)."""
        return [p.token for p in self._passes.values()]

    def role_of(self, member_id: str) -> Role | None:
        """The role given with the pass of stage member `member_id` (member ids are `str(stage_id)`)."""
        issued = self._passes.get(int(member_id)) if member_id.isdigit() else None
        return issued.role if issued is not None else None

    # ------------------------------------------------------------------------------------------ changes
    def issue(self, username: str | None, display: str, role: Role = Role.SPEAKER,
              ttl: float = DEFAULT_INVITE_TTL, *, keep: bool = False,
              server: str | None = None) -> tuple[IssuedPass, Withdrawal]:
        """A fresh pass, bound to channel server `server` if given; re-inviting a username there replaces its old
        pass (whose token the withdrawal removes). `keep`: a pass for the room's life (the creator's: it signs host
        actions whether on stage or not). Raises RoomError when MAX_MEMBERS passes are live: a bigger stage could
        not be shown to listeners."""
        if not 0 < ttl <= MAX_INVITE_TTL:
            raise ValueError(f"ttl must be more than 0 and at most {MAX_INVITE_TTL:g} s, got {ttl:g}")
        replaced = Withdrawal()
        old = self.holder(username, server) if username is not None else None
        if old is None and len(self._passes) >= MAX_MEMBERS:  # every live pass is a seat, taken or promised
            raise RoomError(f"the stage is full ({MAX_MEMBERS} members, the most the room state can list)")
        if old is not None:
            replaced.tokens.append(self._passes.pop(old.stage_id).token)
        stage_id = secrets.randbelow(MAX_STAGE_ID) + 1
        while stage_id in self._passes:
            stage_id = secrets.randbelow(MAX_STAGE_ID) + 1
        issued = IssuedPass(StagePass(self.room, stage_id, secrets.token_urlsafe(24)), username, display, role,
                            PassState.INVITED, float("inf") if keep else self._clock() + ttl, keep, server)
        self._passes[stage_id] = issued
        return issued, replaced

    def seen(self, stage_ids: Iterable[int]) -> None:
        """The stage as just polled: passes whose id is there are on stage; those that were and are not, away."""
        present = set(stage_ids)
        now = self._clock()
        for issued in self._passes.values():
            if issued.stage_id in present:
                issued.state, issued.deadline = PassState.ON_STAGE, float("inf")
            elif issued.state is PassState.ON_STAGE:
                issued.state, issued.deadline = PassState.AWAY, float("inf") if issued.keep else now + self.grace

    def expire(self) -> Withdrawal:
        """End invites nobody used within their ttl (the invitee is told) and away passes past the grace."""
        now = self._clock()
        out = Withdrawal()
        for issued in list(self._passes.values()):
            if issued.deadline <= now:
                out.add(self._end(issued, tell=issued.state is PassState.INVITED))
        return out

    def left(self, username: str, server: str | None = None) -> Withdrawal:
        """The holder stepped down (`left` whisper, from channel server `server`): the pass is used."""
        issued = self.holder(username, server)
        return self._end(issued, tell=False) if issued is not None else Withdrawal()

    def answered(self, username: str, accepted: bool, server: str | None = None) -> Withdrawal:
        """An accepted invite waits for the join; a declined one ends at once."""
        issued = self.holder(username, server)
        if issued is None or accepted:
            return Withdrawal()
        return self._end(issued, tell=False)

    def holder(self, username: str, server: str | None) -> IssuedPass | None:
        """The pass `username` on channel server `server` holds: one bound to that server or to none (a pass bound
        to another server is someone else's)."""
        return next((p for p in self._passes.values()
                     if p.username == username and p.server in (None, server)), None)

    def revoke(self, stage_id: int) -> Withdrawal:
        """The host withdraws the pass: token off the list, holder told, participant kicked if on the stage."""
        issued = self._passes.get(stage_id)
        if issued is None:
            return Withdrawal()
        out = self._end(issued, tell=True)
        if issued.state is PassState.ON_STAGE:
            out.kick.append(stage_id)
        return out

    def _end(self, issued: IssuedPass, *, tell: bool) -> Withdrawal:
        del self._passes[issued.stage_id]
        told = [(issued.username, issued.server)] if tell and issued.username is not None else []
        return Withdrawal([issued.token], told)
