"""A host's desk: the host actions of app.room.host_protocol, signed with the host's own stage pass.

The controller is the one that acts (it holds the room's secrets); a host's client only asks, in a whisper that
proves whose pass signed it. The answer is the room state itself: a mute shows as `held` on the member, a removal
as the member gone, an end as the room ended, each within a second on every listener. The audience graph's data
is the one answer: the controller whispers it back (docs/room-protocol.md §3.7).
"""

from __future__ import annotations

import asyncio
import time

from app.aio import succeeded
from app.links import format_link, parse_link
from app.listener.channel_keeper import ChannelKeeper
from app.room.errors import RoomError
from app.room.host_protocol import CARRY_VERBS, HostVerb, encode_host_action, sign
from app.room.stage_protocol import AudienceReport, StagePass, ToListener

AUDIENCE_TIMEOUT = 5.0  # the controller answers at once; longer means the whisper or its answer was lost


DELIVER_WITHIN = 3.0  # s: a channel that is reconnecting (a failover, a restarted server) is usually back by then
RETRY_EVERY = 0.25


def move_target(link: str) -> str:
    """The target of a `move`: the new room's link in its canonical form (§3.8 refuses any other text); raises
    LinkError (a ValueError) for a link that is not one. `plaza host move` and the window's "Move room…" both
    send what this returns."""
    return format_link(parse_link(link))


class HostDesk:
    """Host actions on room channel `channel`, as the holder of `stage_pass` (role host or co-host)."""

    def __init__(self, channel: ChannelKeeper, stage_pass: StagePass) -> None:
        self.channel = channel
        self.stage_pass = stage_pass
        self._seq = 0
        self.deliver_within = DELIVER_WITHIN

    def _next_seq(self) -> int:
        """Milliseconds of unix time, always above the last one: a restarted client needs no stored counter."""
        self._seq = max(self._seq + 1, int(time.time() * 1000))
        return self._seq

    async def act(self, verb: HostVerb, target: str = "") -> None:
        """Ask the controller for `verb` on `target`; raises RoomError when the request could not be delivered
        within DELIVER_WITHIN (the channel may be reconnecting: it is tried again meanwhile; whether it was
        allowed shows in the room state)."""
        text = encode_host_action(sign(self.stage_pass, self._next_seq(), verb, target))
        deadline = time.monotonic() + self.deliver_within
        while True:
            if self.channel.room_id != self.stage_pass.room:  # the channel followed a move: not this pass's room
                raise RoomError(f"room {self.stage_pass.room} moved on; {verb.value} not sent")
            # A carried place's proof is a capability: only to a controller this connection confirmed (§3.8).
            task = (self.channel.whisper_confirmed(text, self.stage_pass.room) if verb in CARRY_VERBS
                    else self.channel.whisper(text))
            if await succeeded(task):
                return
            if time.monotonic() >= deadline:
                raise RoomError(f"could not reach the controller of room {self.stage_pass.room} to {verb.value}")
            await asyncio.sleep(RETRY_EVERY)

    async def invite(self, target: str) -> None:
        """`target`: a raised hand's id (invited on its server only) or a channel username (§3.6)."""
        await self.act(HostVerb.INVITE, target)

    async def mute(self, member_id: str) -> None:
        await self.act(HostVerb.MUTE, member_id)

    async def unmute(self, member_id: str) -> None:
        """Lift a host mute: the speaker may unmute itself again."""
        await self.act(HostVerb.UNMUTE, member_id)

    async def mute_all(self) -> None:
        await self.act(HostVerb.MUTE_ALL)

    async def demote(self, member_id: str) -> None:
        await self.act(HostVerb.DEMOTE, member_id)

    async def promote(self, member_id: str) -> None:
        await self.act(HostVerb.PROMOTE, member_id)

    async def remove(self, target: str) -> None:
        """A stage member id or a listener's channel username: out for the room's life."""
        await self.act(HostVerb.REMOVE, target)

    async def end(self) -> None:
        await self.act(HostVerb.END)

    async def move(self, link: str) -> str:
        """Move the room to `link` (host only: the controller refuses a co-host's); the canonical link sent, which
        the room state's `moved` shows once the controller carried it out. Raises LinkError or RoomError."""
        target = move_target(link)
        await self.act(HostVerb.MOVE, target)
        return target

    async def record(self) -> None:
        """Start recording the stage mix on the room's server; the room state's `recording` shows it."""
        await self.act(HostVerb.RECORD)

    async def stop_record(self) -> None:
        await self.act(HostVerb.STOP_RECORD)

    async def audience(self, timeout: float = AUDIENCE_TIMEOUT) -> AudienceReport:
        """The controller's audience log (listeners, joins, leaves, reconnects per bucket); raises RoomError when
        it does not answer within `timeout` (not reachable, or this pass is no longer a host's)."""
        answer: asyncio.Future[AudienceReport] = asyncio.get_running_loop().create_future()

        def on_whisper(message: ToListener) -> None:
            if isinstance(message, AudienceReport) and not answer.done():
                answer.set_result(message)

        self.channel.stage_whispers.connect(on_whisper)
        try:
            await self.act(HostVerb.AUDIENCE)
            async with asyncio.timeout(timeout):
                return await answer
        except TimeoutError:
            raise RoomError(f"the controller of room {self.stage_pass.room} did not send the audience within "
                            f"{timeout:g} s") from None
        finally:
            self.channel.stage_whispers.disconnect(on_whisper)
