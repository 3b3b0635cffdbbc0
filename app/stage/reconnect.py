"""A speaker's stage connection through trouble (app.stage.speaker): when one is in trouble, and a fresh one.

The feed's policy (app.listener.supervisor): a loss, or MEDIA_WATCHDOG_S without stage audio (a dead server looks
alive to aiortc for ~29 s), and we reconnect with jittered backoff within the outage's age, with the same pass (the
controller keeps it for a grace period). Each attempt ends the sessions the connections before it may have left
holding the pass's seat (StageConnection's stale sessions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence

from app.listener.supervisor import MEDIA_POLL_S, MEDIA_WATCHDOG_S
from app.room.backoff import Backoff
from app.room.errors import RoomError
from app.stage.connection import StageConnection, StageRefused

log = logging.getLogger(__name__)


async def trouble(stage: StageConnection) -> tuple[str, bool]:
    """Wait until the connection ends or its audio stops for MEDIA_WATCHDOG_S; the reason, and whether we were
    removed (do not reconnect)."""
    while not stage.ended.done():
        if stage.media_quiet_for > MEDIA_WATCHDOG_S:
            return f"no stage audio from {stage.server} for {stage.media_quiet_for:.1f} s", False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(MEDIA_POLL_S * 4):
                await asyncio.shield(stage.ended)
    end = stage.ended.result()
    return end.reason, end.removed


async def reopen(lost: StageConnection, make: Callable[[Sequence[int]], StageConnection], backoff: Backoff,
                 timeout: float) -> StageConnection:
    """A fresh connection, `make(stale sessions)`, after `lost`, tried until one opens; raises StageRefused when
    the pass is no longer good (then we are back in the audience)."""
    stale = lost.left_behind
    lost_at = time.monotonic()  # waits stay within the outage's age (app.room.backoff)
    while True:
        await asyncio.sleep(backoff.next_delay(age=time.monotonic() - lost_at))
        fresh = make(stale)
        try:
            await fresh.open(timeout)
        except StageRefused:
            raise
        except RoomError as exc:
            log.info("stage reconnect failed: %s", exc)
            stale = fresh.left_behind
            continue
        return fresh
