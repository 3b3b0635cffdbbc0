"""Fault injection on a running Janus (tests and benchmarks): kill -9, and kill -9 then start again.

Rooms, mountpoints and forwards from the config files come back after a restart (DESIGN.md §2).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

from app.local.janus_process import JanusProcess


def kill(janus: JanusProcess) -> None:
    """SIGKILL now, without waiting."""
    if janus.process is not None and janus.process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            janus.process.send_signal(signal.SIGKILL)


async def kill_and_wait(janus: JanusProcess) -> None:
    """SIGKILL and reap; `janus.start()` may follow."""
    kill(janus)
    if janus.process is not None:
        await janus.process.wait()


async def restart(janus: JanusProcess, *, delay: float = 0.0, ready_timeout: float = 10.0) -> None:
    """kill -9, wait `delay` seconds, start again with the same config folder (returns once it accepts)."""
    await kill_and_wait(janus)
    if delay > 0:
        await asyncio.sleep(delay)
    await janus.start(ready_timeout=ready_timeout)
