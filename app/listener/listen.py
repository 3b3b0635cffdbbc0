"""A listening session: feed supervisor + room channel + playout + audio output (+ optional recorder), as one object.

Both front ends use it: `plaza listen` in the terminal and the room view in the window. It plays through the
outage-masking `CushionPlayout` (the outage benchmark swaps in aiortc's own path: benchmarks/plain_receiver.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from pathlib import Path

import numpy as np

from app.aio import CloseOnce
from app.events import Event
from app.links import RoomLink
from app.listener.channel_keeper import ChannelKeeper
from app.listener.feed import FeedConnection
from app.listener.follow import FollowPolicy
from app.listener.state import RoomState, RoomStateModel, StateChange
from app.listener.stats import ConnectionStats
from app.listener.status import RoomStatus, StatusChange, StatusModel
from app.listener.supervisor import DEFAULT_CONNECT_TIMEOUT, FeedFactory, FeedSupervisor
from app.media.cushion import CushionPlayout
from app.media.output import AudioOutput, AudioOutputError, ClockOutput, SoundDeviceOutput
from app.media.recorder import WavRecorder
from app.room.errors import RoomError
from app.room.lobby_protocol import MAX_TITLE_CHARS
from app.room.wire import clean_text

DEFAULT_CUSHION_MS = 1500.0
# Where to start. Default: play once 100 ms is in hand (first audible ~0.15 s after join, under the 0.3 s a
# listener waits for without noticing), and grow the cushion while playing. Protected: wait for 0.5 s, so an
# outage in the first seconds is masked from the start, at the price of ~0.5 s of silence on joining.
DEFAULT_START_MS = 100.0
PROTECTED_START_MS = 500.0
CUSHION_RANGE_MS = (200.0, 5000.0)

log = logging.getLogger(__name__)


class ListenSession:
    """Plays one room. `use_device=False` pulls on the system clock instead of a sound card."""

    def __init__(
        self,
        link: RoomLink,
        *,
        use_device: bool = True,
        device: int | None = None,
        record: str | Path | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        ice_servers: list[str] | None = None,
        fall_back_to_clock: bool = True,
        cushion_ms: float = DEFAULT_CUSHION_MS,
        start_ms: float | None = None,
        protected_start: bool = False,
        playout: CushionPlayout | None = None,
        feed_factory: FeedFactory = FeedConnection,
        with_channel: bool = True,
        display: str = "",
        follow: FollowPolicy | None = None,
    ) -> None:
        self.link = link
        self.follow = follow if follow is not None else FollowPolicy()
        self.moved: Event[[RoomLink]] = Event("room moved")  # (the new link): the window's title, recent rooms
        # (the new link): following it ended the session, no server had the new room (the status says ENDED; this
        # says why, so a front end can tell a failed move from a room that ended)
        self.move_failed: Event[[RoomLink]] = Event("room move failed")
        self._moving: asyncio.Task[None] | None = None
        self.use_device = use_device
        self.device = device
        self.record_path = Path(record) if record else None
        self.fall_back_to_clock = fall_back_to_clock
        low, high = CUSHION_RANGE_MS
        if not low <= cushion_ms <= high:
            raise ValueError(f"the cushion must be {low / 1000:g}–{high / 1000:g} s, got {cushion_ms / 1000:g} s")
        # how much audio is in hand before the room is first heard (the start policy)
        policy = PROTECTED_START_MS if protected_start else DEFAULT_START_MS
        self.start_ms = start_ms if start_ms is not None else policy
        self.playout = playout if playout is not None else CushionPlayout(cushion_ms=cushion_ms, start_ms=self.start_ms)
        self.supervisor = FeedSupervisor(link, self.playout, connect_timeout=connect_timeout, ice_servers=ice_servers,
                                       feed_factory=feed_factory, loads=lambda: dict(self.state.state.loads))
        self.state = RoomStateModel()
        self.channel: ChannelKeeper | None = None
        if with_channel:
            self.channel = ChannelKeeper(link.room_id, self.state, ice_servers=ice_servers, display=display)
            self.supervisor.connected.connect(self.channel.follow)
        self.state.changed.connect(self._on_state)
        self.output: AudioOutput | None = None
        self.output_error: str | None = None  # why the device could not be used (shown to the user)
        self.recorder: WavRecorder | None = None
        # What the output plays instead of the feed (a speaker's stage monitor: app.stage), and the source a
        # crossfade is leaving; the feed keeps being pulled meanwhile, so its cushion is full when it returns.
        self.monitor: CushionPlayout | None = None
        self._fading_from: CushionPlayout | None = None
        self.heard: Event[[np.ndarray]] = Event("heard blocks")  # what the output plays: recorder, tests
        self._flush_task: asyncio.Task[None] | None = None
        self._channel_closing: asyncio.Task[None] | None = None
        self._closed = False
        self._closer = CloseOnce(self._teardown, "close listen session")
        self.status.changed.connect(self._on_status)

    @property
    def status(self) -> StatusModel:
        return self.supervisor.status

    async def start(self) -> None:
        """Open the output (and recorder), then join; raises RoomError / AudioOutputError / OSError.
        close() may run meanwhile (leave while connecting): start() then raises RoomError, and nothing it
        opened is left behind."""
        if self._closed:
            raise RoomError(f"left room {self.link.room_id}")
        await self._open_output()
        if self._closed:  # the teardown may have run before the output existed
            await self._close_output()
            raise RoomError(f"left room {self.link.room_id}")
        if self.record_path is not None:  # after the output: a device that fails leaves no recorder running
            self.recorder = WavRecorder(self.record_path)
            self.heard.connect(self.recorder)
            self._flush_task = asyncio.create_task(self._flush_loop(), name="recorder-flush")
        await self.supervisor.join()

    def set_hand_raised(self, raised: bool) -> None:
        """Raise or lower the user's hand; the intent survives reconnects."""
        if self.channel is not None:
            self.channel.set_hand_raised(raised)
        else:  # no channel (with_channel=False): only the intent
            self.state.set_hand_raised(raised)

    def react(self, code: str) -> bool:
        """Send a reaction (app.room.reactions_protocol.REACTIONS); False if not sent (too fast, no channel)."""
        return self.channel.react(code) if self.channel is not None else False

    def can_react(self) -> bool:
        """Reactions can go out now (a channel is open and knows its controller); a refusal then means too fast."""
        return self.channel is not None and self.channel.can_react

    def _on_state(self, state: RoomState, change: StateChange) -> None:
        if not (change.ended and state.ended) or self._moving is not None:
            return
        if state.moved is not None:
            target = self.follow.decide(self.link, state.moved)
            if isinstance(target, RoomLink):
                log.info("room %s moved to room %s: following", self.link.room_id, target.room_id)
                self._moving = asyncio.ensure_future(self._follow(target))
                return
            log.warning("room %s moved, not following: %s", self.link.room_id, target)
        self.supervisor.end_room(f"room {self.link.room_id} has ended")

    async def _follow(self, target: RoomLink) -> None:
        """Make-before-break onto the room's new link (app.listener.follow). The old room's channel is left and
        the state starts afresh at once (no "ended" on show while we follow); the feed waits the jitter, then the
        old one plays until the new one's first packet. The channel, the state and the hand come along."""
        left = self.link.room_id
        try:
            self.link = target
            if self.channel is not None:
                self.channel.move_to(target.room_id, target.servers)  # joins it once the feed plays it
            self.state.moving(clean_text(target.title, MAX_TITLE_CHARS))  # link text: cleaned like any title
            self.moved.emit(target)
            await asyncio.sleep(self.follow.delay())
            if not self._closed:
                await self.supervisor.move_to(target)
                if not self._closed and self.status.current.status is RoomStatus.ENDED:
                    self.move_failed.emit(target)
        except Exception:  # a bug of ours must not leave the task's error unseen; the old feed plays on meanwhile
            log.exception("following room %s to room %s failed", left, target.room_id)
        finally:
            self._moving = None

    def _on_status(self, change: StatusChange) -> None:
        # An ended room needs no channel either (whoever said so: the controller, the feed, every server).
        if change.status == RoomStatus.ENDED and self.channel is not None and self._channel_closing is None:
            self._channel_closing = asyncio.ensure_future(self.channel.close())

    @property
    def volume(self) -> float:
        return self.playout.volume

    def set_volume(self, volume: float) -> None:
        """Linear gain 0..1, applied at the playout: recordings and taps hear what the user hears."""
        self.playout.volume = max(0.0, min(1.0, volume))
        if self.monitor is not None:
            self.monitor.volume = self.playout.volume

    @property
    def muted(self) -> bool:
        return self.playout.muted

    def set_muted(self, muted: bool) -> None:
        """A local mute: the room keeps playing (and the cushion filling), the output is silent."""
        self.playout.muted = muted
        if self.monitor is not None:
            self.monitor.muted = muted

    def audio_left_ms(self) -> float:
        """Audio buffered ahead of the output: what keeps playing while the supervisor reconnects."""
        return self.playout.buffered_ms

    def stats(self) -> ConnectionStats:
        """A snapshot of the connection and playout counters (for --stats and the details dialog)."""
        feed = self.supervisor.feed
        rtt = feed.session.rtt if feed is not None and feed.session is not None else None
        playout = self.playout.stats()
        seen = playout.packets_received + playout.packets_lost
        return ConnectionStats(
            server=self.supervisor.server if feed is not None else None,
            status=self.status.current.status.value,
            rtt_ms=None if rtt is None else rtt * 1000.0,
            loss_percent=100.0 * playout.packets_lost / seen if seen else 0.0,
            playout=playout,
            reconnects=tuple(self.supervisor.history),
        )

    def play_from(self, monitor: CushionPlayout | None) -> None:
        """Play `monitor` instead of the feed (None: the feed again), crossfading over one block. The feed is
        still received meanwhile but not decoded (its cushion keeps the newest packets, trimmed at 2 s over the
        target); on its return it drops what is beyond the target and plays at once: leaving the stage is
        make-before-break with no gap, the feed ~1.5 s behind the stage."""
        if monitor is self.monitor:
            return
        self._fading_from = self.monitor or self.playout
        if monitor is None:
            self.playout.catch_up()
        else:
            monitor.volume, monitor.muted = self.playout.volume, self.playout.muted
        self.monitor = monitor

    def pull(self, n: int) -> np.ndarray:
        """The output's pull (on the device's thread): the feed, or the monitor that replaces it."""
        monitor, leaving = self.monitor, self._fading_from
        out = self.playout.pull(n) if monitor is None else monitor.pull(n)
        if leaving is not None:
            self._fading_from = None
            old = leaving.pull(n)
            ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
            out = np.rint(old * (1.0 - ramp) + out * ramp).astype(np.int16)
        self.heard.emit(out)
        return out

    async def _open_output(self) -> None:
        if self.use_device:
            output: AudioOutput = SoundDeviceOutput(self.pull, device=self.device)
            try:
                await output.start()
                self.output = output
                return
            except AudioOutputError as exc:
                if not self.fall_back_to_clock:
                    raise
                self.output_error = str(exc)
                log.warning("%s; playing without a sound device", exc)
        output = ClockOutput(self.pull)
        await output.start()
        self.output = output

    async def set_device(self, device: int | None) -> None:
        """Switch the output device while playing (no-op once closed: a late switch must not reopen one)."""
        if self._closed:
            return
        self.device = device
        self.use_device = True
        old, self.output = self.output, None
        if old is not None:
            await old.close()
        self.output_error = None
        await self._open_output()
        if self._closed:  # closed while switching: the teardown may have missed the new output
            await self._close_output()

    async def _close_output(self) -> None:
        output, self.output = self.output, None
        if output is not None:
            await output.close()

    async def _flush_loop(self) -> None:
        assert self.recorder is not None
        while True:
            await asyncio.sleep(0.2)
            self.recorder.flush()

    async def close(self) -> None:
        """Leave the room, stop the output, finish the recording; idempotent, every call waits for the one
        teardown (a cancelled caller does not cut it short)."""
        self._closed = True
        await self._closer()

    async def _teardown(self) -> None:
        moving = self._moving
        if moving is not None:
            moving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await moving
        # Channel and feed at once: each may take a moment to say goodbye on a dead link.
        closing: list[Awaitable[None]] = [self.supervisor.close()]
        if self.channel is not None:
            closing.append(self.channel.close())
        if self._channel_closing is not None:
            closing.append(self._channel_closing)
        results = await asyncio.gather(*closing, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.error("leaving room %s: %s", self.link.room_id, result, exc_info=result)
        await self._close_output()
        if self._flush_task is not None:
            self._flush_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flush_task
        if self.recorder is not None:
            self.recorder.close()

