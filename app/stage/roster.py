"""Roles that travel with a moved room, on the moving host's side (docs/room-protocol.md §3.8).

The old room's controller whispers the host who signed the `move` its stage's roster (usernames, roles and a proof
per place) before it takes everyone off its stage; the host holds the new room's own host pass (it started that
room), so once its client hears the new room's controller it hands each place on there with its role:
`carry_speaker` / `carry_co_host` with the place's proof. The new controller invites whoever claims the proof (the
speaker's client, computing it from its old pass: app.stage.carry) and their clients take that invite at once.

Both front ends use this: the window's host tools (app.ui.host_control.HostControl.move) and `plaza host LINK move`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from app.listener.channel_keeper import ChannelKeeper
from app.listener.state import RoomState, RoomStateModel, StateSource
from app.room.errors import RoomError
from app.room.host_protocol import HostVerb
from app.room.protocol import MAX_MEMBERS, Role
from app.room.roster_protocol import Roster, RosterEntry
from app.room.stage_protocol import ToListener
from app.stage.host import HostDesk

log = logging.getLogger(__name__)

CONTROLLER_WAIT_S = 10.0  # the new room's controller answers a join within ~1 s; a fresh room's listens 1.5 s first
# Host actions are limited to 10/s with a burst of 40 per sender (§3.6): the first BURST go at once, the rest paced
# below the rate, so a full stage (200) is asked for in ~21 s and none is dropped.
BURST = 30
PACE_S = 0.125


class RosterCollector:
    """The roster whispers of room `room` that reach `channel` while it is open for them (a move under way); at
    most MAX_MEMBERS entries (a stage has no more seats: more is a broken controller's)."""

    def __init__(self, channel: ChannelKeeper, room: int) -> None:
        self.channel = channel
        self.room = room
        self.received = False  # a roster came (perhaps an empty one: nobody to invite)
        self._entries: dict[str, RosterEntry] = {}
        channel.stage_whispers.connect(self._on_whisper)

    def _on_whisper(self, message: ToListener) -> None:
        if isinstance(message, Roster) and message.room == self.room:
            self.received = True
            for entry in message.entries:
                if len(self._entries) >= MAX_MEMBERS:
                    break
                self._entries.setdefault(entry.username, entry)

    @property
    def entries(self) -> list[RosterEntry]:
        return list(self._entries.values())

    def close(self) -> None:
        self.channel.stage_whispers.disconnect(self._on_whisper)


async def until_controller(model: RoomStateModel, room: Callable[[], int], timeout: float) -> None:
    """Wait until `model` holds live state from a controller of the room `room()` names; raises RoomError."""
    changed = asyncio.Event()

    def ready(state: RoomState) -> bool:
        return state.source is StateSource.CONTROLLER and state.controller is not None and not state.ended

    def on_change(_state: RoomState, _change: object) -> None:
        changed.set()

    model.changed.connect(on_change)
    try:
        async with asyncio.timeout(timeout):
            while not ready(model.state):
                changed.clear()
                await changed.wait()
    except TimeoutError:
        raise RoomError(f"no controller heard in room {room()} within {timeout:g} s") from None
    finally:
        model.changed.disconnect(on_change)


async def carry_roles(desk: HostDesk, entries: list[RosterEntry], *,
                      timeout: float = CONTROLLER_WAIT_S) -> list[RosterEntry]:
    """Hand every `entries` place on to the new room's controller (through `desk`, signed with the new room's host
    pass) with its role, once the desk's channel hears that controller; the entries handed on (those whose request
    could not be delivered are left out, with a log line). Raises RoomError when no controller is heard within
    `timeout`."""
    await until_controller(desk.channel.model, lambda: desk.stage_pass.room, timeout)
    asked = []
    for i, entry in enumerate(entries):
        if i >= BURST:
            await asyncio.sleep(PACE_S)
        verb = HostVerb.CARRY_CO_HOST if entry.role is Role.CO_HOST else HostVerb.CARRY_SPEAKER
        try:
            await desk.act(verb, entry.proof)
        except RoomError as exc:
            log.warning("could not hand %r's place on to room %s: %s", entry.username[:80], desk.stage_pass.room,
                        exc)
            continue
        asked.append(entry)
    log.info("room %s: handed %d of %d places on the moved room's stage on to its controller",
             desk.stage_pass.room, len(asked), len(entries))
    return asked
