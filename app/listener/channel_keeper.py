"""Keeps the listener's room channel open on the server its feed plays from.

The feed matters most: a channel that cannot open never stops the audio, it retries on its own backoff. When the
reconnect supervisor moves the feed to another server (or rebuilds it on the same one), the channel follows:
the old one is closed, a new one joins, re-syncs from a snapshot and re-sends the hand the user has raised
(the intent lives in the RoomStateModel, which survives reconnects).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Collection

from app.aio import CloseOnce, cancel_and_wait
from app.events import Event
from app.listener.channel import RoomChannel, listener_username
from app.listener.state import RoomStateModel
from app.room.backoff import Backoff
from app.room.errors import NameTaken
from app.room.ratelimit import RateLimiter
from app.room.reactions_protocol import SEND_BURST, SEND_RATE, ReactRequest, encode_react
from app.room.stage_protocol import ToListener

log = logging.getLogger(__name__)

CHANNEL_OPEN_TIMEOUT = 8.0


class ChannelKeeper:
    def __init__(self, room_id: int, model: RoomStateModel, *, ice_servers: list[str] | None = None,
                 display: str = "", rand: Callable[[], float] = random.random,
                 channel_factory: Callable[..., RoomChannel] = RoomChannel) -> None:
        self.room_id = room_id
        self._servers: set[str] | None = None  # after a move: the servers follow() may join on (None: any)
        self.model = model
        self.ice_servers = ice_servers
        self.display = display
        # This listener's name in the channel, chosen once for the session: the model can tell "my hand" from the
        # start, and the controller's queue keeps recognising us across re-joins.
        if model.own_id is None:
            model.own_id = listener_username()
        self.channel: RoomChannel | None = None
        self.server: str | None = None
        # The servers where a channel of this room opened for us: elsewhere, our name taken is someone else's (a
        # moved room's channel joined by a squatter first, §3.8), not our own last session lingering: we take a
        # fresh one. (Names are unique per server only.)
        self._joined: set[str] = set()
        self._factory = channel_factory
        self._rand = rand
        self._task: asyncio.Task[None] | None = None  # the keeper for the current server
        self._tasks: set[asyncio.Task[None]] = set()  # it and any predecessor still finishing
        self.stage_whispers: Event[[ToListener]] = Event("stage whispers")  # from whichever channel is open
        self._reacting = RateLimiter(SEND_RATE, SEND_BURST)  # under the controller's limit: clicks that go, count
        self._closed = False
        self._closer = CloseOnce(self._teardown, "close room channel keeper")

    def follow(self, server: str) -> None:
        """The feed (re)connected to `server`: (re)open the channel there, once the previous keeper is done."""
        if self._closed or (self._servers is not None and server not in self._servers):
            return  # (the old room's feed reconnecting while a move waits its jitter: not the new room's server)
        self.server = server
        previous = self._task
        if previous is not None:
            previous.cancel()
        task = self._task = asyncio.create_task(self._keep(server, previous), name=f"room-channel {server}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def move_to(self, room_id: int, servers: Collection[str] | None = None) -> None:
        """The room went on as `room_id` on `servers` (§3.8): leave the old room's channel now; the next follow()
        on one of `servers` joins the new one (when the feed plays it), and re-sends a raised hand there once it
        knows the controller."""
        if self._closed:
            return
        self.room_id = room_id
        self._joined = set()
        self._servers = set(servers) if servers is not None else None
        self.server = None
        previous = self._task
        if previous is not None:
            previous.cancel()
        task = self._task = asyncio.create_task(self._leave(previous), name="room-channel leave")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _leave(self, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
            del previous  # (see _keep)
        await self._drop_channel()

    def set_hand_raised(self, raised: bool) -> None:
        """The user's intent (kept in the model); an open channel whispers it now, a new one after joining."""
        if self.channel is not None:
            self.channel.set_hand_raised(raised)
        else:
            self.model.set_hand_raised(raised)

    def whisper(self, text: str) -> asyncio.Task[bool] | None:
        """Whisper to the controller through the open channel (dropped when none is open: the controller's
        timers cover a lost stage answer); the task, to wait for it."""
        return self.channel.whisper(text) if self.channel is not None else None

    def whisper_confirmed(self, text: str, room: int) -> asyncio.Task[bool] | None:
        """Whisper a capability (a moved room's claim, §3.8) only through room `room`'s channel and only to its
        confirmed controller: not to the room we are leaving, nor to a controller's name someone else took."""
        channel = self.channel
        if (channel is None or channel.room_id != room
                or (self._servers is not None and channel.server not in self._servers)):
            return None  # (the last check: the room we are leaving, when the move kept its number on new servers)
        return channel.whisper(text, confirmed=True)

    @property
    def can_react(self) -> bool:
        """A channel is open and knows its controller: a refused reaction now was over the rate."""
        return self.channel is not None and self.channel.controller is not None

    def react(self, code: str) -> bool:
        """Send a reaction (a code of app.room.reactions_protocol.REACTIONS) to the controller; False when it was not
        sent: faster than SEND_RATE, or no channel open (reactions are of the moment: nothing is queued).
        Raises ProtocolViolation for a code not in the set."""
        text = encode_react(ReactRequest(code))
        if self.channel is None or self.channel.controller is None or not self._reacting.allow("self"):
            return False
        return self.channel.whisper(text) is not None

    async def _keep(self, server: str, previous: asyncio.Task[None] | None) -> None:
        backoff = Backoff(rand=self._rand)
        if previous is not None:
            await asyncio.wait([previous])  # it may be closing its channel: one channel per listener at a time
            # Let it go: this task lives as long as the channel does, and a cancelled task keeps its
            # CancelledError, whose traceback keeps its frame — with its channel and *its* previous task. Kept, every
            # channel a listener ever had stayed in memory (the chaos soak's swarm: +45 % RSS in 30 min).
            del previous
        await self._drop_channel()
        renamed = False
        while not self._closed:
            channel = self._factory(server, self.room_id, self.model, username=self.model.own_id,
                                    display=self.display, ice_servers=self.ice_servers)
            channel.stage_whispers.connect(self.stage_whispers.emit)
            try:
                await channel.open(CHANNEL_OPEN_TIMEOUT)
            except asyncio.CancelledError:
                await channel.close()
                raise
            except Exception as exc:  # any failure to join the channel: retry, the audio goes on
                await channel.close()
                if isinstance(exc, NameTaken) and server not in self._joined:
                    log.warning("room channel on %s: our name was taken before we got there; joining under a new "
                                "one", server)
                    self.model.own_id = listener_username()
                    if not renamed:  # at once, once (a server that says so every time waits its backoff)
                        renamed = True
                        continue
                delay = backoff.next_delay()
                log.warning("room channel on %s unavailable (%s); retrying in %.1f s", server, exc, delay)
                await asyncio.sleep(delay)
                continue
            backoff.reset()
            self._joined.add(server)
            self.channel = channel  # it re-sends a raised hand itself once it knows the controller
            reason = await channel.lost
            log.warning("room channel on %s lost: %s", server, reason)
            await self._drop_channel()
            await asyncio.sleep(backoff.next_delay())

    async def _drop_channel(self) -> None:
        channel = self.channel
        if channel is not None:
            await channel.close()  # kept in self.channel until closed: a cancel here leaves it to close()
            if self.channel is channel:
                self.channel = None

    async def close(self) -> None:
        """Leave the channel; idempotent, every call waits until every keeper and channel is done."""
        self._closed = True
        await self._closer()

    async def _teardown(self) -> None:
        await cancel_and_wait(self._tasks)
        await self._drop_channel()
