"""The listener's channel while the controller is silent: the last known stage at once, then paced stage polls.

Why apart from app.listener.channel: the fallback is its own rule (docs/room-protocol.md §7) with its own pace
(app.listener.fallback), and it talks to the stage (AudioBridge `listparticipants`, no secret needed), not to the
channel. `RoomChannel` inherits it; the parts it uses are the channel's (declared below for the type checker).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.janus import JanusError, JanusSession
from app.janus.audiobridge import AudioBridgeHandle
from app.listener.fallback import FallbackPolicy
from app.listener.state import RoomStateModel, StateSource
from app.room.protocol import StageMember, stage_member

__all__ = ["ChannelFallback"]

log = logging.getLogger("app.listener.channel")  # the channel's log lines, wherever the code sits


class ChannelFallback:
    """Fallback of RoomChannel (mixed into it)."""

    server: str
    room_id: int
    model: RoomStateModel
    session: JanusSession | None
    silence_timeout: float
    fallback: FallbackPolicy
    fallback_polls: int
    audience: int | None
    _stage: AudioBridgeHandle | None
    _heard_at: float
    _clock: Callable[[], float]

    @property
    def in_fallback(self) -> bool:
        return self.model.state.source == StateSource.FALLBACK

    async def _watch(self) -> None:
        """While the controller is silent: fallback at once, then stage polls paced by the fallback policy."""
        polling = False
        room_count: int | None = None  # the controller's last count, for a policy that has no head count
        while True:
            silent_for = self._clock() - self._heard_at
            if silent_for < self.silence_timeout:
                polling = False
                await asyncio.sleep(self.silence_timeout - silent_for)
                continue
            if not polling:  # the controller just went quiet, for everyone at once: no request now
                polling = True
                state = self.model.state
                room_count = state.listeners.count if state.listeners is not None else None
                if state.source != StateSource.FALLBACK:
                    self.model.apply_fallback(tuple(replace(m, talking=False) for m in state.members), self._clock())
                await asyncio.sleep(self.fallback.first_delay(self.fallback.audience(self.audience, room_count)))
                continue
            members = await self._poll_stage()
            if members is not None and self._clock() - self._heard_at >= self.silence_timeout:
                self.fallback_polls += 1
                self.model.apply_fallback(members, self._clock())
            await asyncio.sleep(self.fallback.next_delay(self.fallback.audience(self.audience, room_count)))

    async def _poll_stage(self) -> tuple[StageMember, ...] | None:
        """The stage as `listparticipants` shows it; entries of the wrong shape are dropped, one log line per poll."""
        try:
            participants = await self._list_stage()
        except (JanusError, TimeoutError) as exc:
            log.info("room channel on %s: stage poll failed: %s", self.server, exc)
            return None
        except Exception as exc:  # whatever the server's reply tripped: one line, and the watcher polls on
            log.warning("room channel on %s: stage poll failed: %r", self.server, exc)
            return None
        if not isinstance(participants, list):
            log.warning("room channel on %s: stage poll returned %s, not a list", self.server,
                        type(participants).__name__)
            return None
        read = [stage_member(p) for p in participants]
        members = [m for m in read if m is not None]
        dropped = len(read) - len(members)
        if dropped:
            log.warning("room channel on %s: stage poll: dropped %d participant(s) without an id", self.server,
                        dropped)
        return tuple(members)

    async def _list_stage(self) -> list[dict[str, Any]]:
        """AudioBridge `listparticipants` of stage N on this server (a seam for tests)."""
        if self.session is None:
            raise JanusError("not connected")
        if self._stage is None:
            self._stage = await AudioBridgeHandle.attach(self.session)
        async with asyncio.timeout(3.0):
            return await self._stage.list_participants(self.room_id)
