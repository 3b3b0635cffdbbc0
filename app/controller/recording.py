"""Recording the stage mix: AudioBridge writes it as a WAV file on the stage server; the room is told what the server
says, not what a host asked for.

Why the server's word: a recording can end without a stop. A Janus restart brings stage N back from its config,
unrecorded; a file AudioBridge cannot open turns recording off again on its next mixer tick. Everyone in the room
must see whether they are being recorded, so the announced flag (RoomBook.recording) follows AudioBridge's `record`
as read from its `list` (app.controller.link.ControllerLink.check_recording): after every start and stop, on every
(re)connect to the stage server, and every RECORDING_CHECK_INTERVAL in between. (`list` leaves private rooms out;
for those only Janus's answers to our own starts and stops count, and a restart goes unnoticed. Plaza's reference
rooms are public.)

Where the file goes: the stage room's `record_dir` on the server (Plaza's reference config sets one:
app/local/janus_config.py), never a path from the controller. What it is called: AudioBridge 1.1.2 keeps the last
`record_file` it was given for every later start, so a name is passed with every start, and each one is new (room,
UTC start time, random suffix): two recordings never overwrite each other. With `record_tmp_ext` (reference config)
the file is `<name>.part` while it is written and renamed to `<name>` when it stops, so a `.wav` is always complete.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable

from app.controller.link import ControllerLink
from app.controller.room_book import RoomBook
from app.janus import JanusError
from app.room.errors import RoomError

log = logging.getLogger(__name__)

MIXER_SETTLE = 0.1  # AudioBridge opens (or gives up on) the file on its next 20 ms mixer tick after a start
# ...and closes it on the next tick after a stop. A start before that tick would keep writing the old file and, at its
# stop, rename a file that does not exist (AudioBridge 1.1.2 names the file from the latest `record_file`): so a
# start waits this long after a stop (10 ticks, for a mixer thread late on a busy machine).
STOP_SETTLE = 0.2


def recording_file_name(room_id: int, now: float | None = None) -> str:
    """`plaza-room-1234-20261203T101500Z-a1b2c3.wav`: sorts by start time, unique, and short (AudioBridge builds
    its paths in 255 bytes, record_dir included)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    return f"plaza-room-{room_id}-{stamp}-{secrets.token_hex(3)}.wav"


class StageRecording:
    """Starts and stops the stage server's recording and keeps the room book's flag on what the server says."""

    def __init__(self, link: ControllerLink, book: RoomBook, changed: Callable[[], None]) -> None:
        self.link = link  # the stage server's link (the controller's first)
        self.book = book
        self._changed = changed
        self.file: str | None = None  # the name of the last recording this controller started
        self._requested = False  # what hosts asked for last: a reading that differs ended or began on its own
        self._lock = asyncio.Lock()  # one start or stop at a time: a stop never overtakes its start
        self._stopped_at = float("-inf")  # monotonic

    async def start(self) -> None:
        """Record the stage mix into a new file; raises RoomError when the server would not."""
        async with self._lock:
            if self.book.recording:
                log.info("room %s: already recording", self.book.room_id)
                return
            await asyncio.sleep(self._stopped_at + STOP_SETTLE - time.monotonic())  # (no wait if negative)
            name = recording_file_name(self.book.room_id)
            await self._enable(True, name)
            self.file = name
            log.info("room %s: recording the stage mix on %s to %s", self.book.room_id, self.link.url, name)

    async def stop(self) -> None:
        """Stop the recording (the file stays on the server); raises RoomError when the server would not."""
        async with self._lock:
            try:
                await self._enable(False)
            finally:
                self._stopped_at = time.monotonic()
            log.info("room %s: recording stopped (%s)", self.book.room_id, self.file or "a file of another controller")

    async def _enable(self, record: bool, name: str | None = None) -> None:
        self._requested = record
        try:
            answered = await self.link.enable_recording(record, name)
            if record:
                await asyncio.sleep(MIXER_SETTLE)
            reading = await self.link.check_recording()
        except JanusError as exc:
            self._requested = self.book.recording
            raise RoomError(f"could not {'start' if record else 'stop'} recording: {exc}") from None
        self.on_reading(answered if reading is None else reading)  # a private room: Janus's answer is all we have
        if self.book.recording != record:
            raise RoomError(f"the stage server did not {'start' if record else 'stop'} recording")

    def on_reading(self, record: bool) -> None:
        """What the stage server says now (the link's reads, ours after a start or stop)."""
        if record == self.book.recording:
            return
        if record != self._requested:
            log.warning("room %s: %s", self.book.room_id, "the stage server records (not started by this controller)"
                        if record else "the recording ended on the stage server without a stop (a Janus restart?)")
            self._requested = record
        self.book.recording = record
        self._changed()
