"""Fault injection on a running Janus (tests and benchmarks): kill -9, kill -9 then start again, and freezing it.

Rooms, mountpoints and forwards from the config files come back after a restart (DESIGN.md §2). A frozen Janus
(SIGSTOP) is what an overloaded or hung edge looks like from outside: the kernel still accepts TCP connections
into its backlog, but nothing answers — no refusal, only timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator

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


@contextlib.asynccontextmanager
async def frozen(janus: JanusProcess) -> AsyncIterator[int]:
    """SIGSTOP the Janus process for the block (yields its pid); SIGCONT always follows, whatever the block raised
    or however it was cancelled, so the lab's tear-down finds a process that can exit."""
    pid = janus.pid
    assert pid is not None and janus.process is not None and janus.process.returncode is None, "Janus is not running"
    with open(f"/proc/{pid}/comm") as comm:  # `ip netns exec` execs janus: the child's pid is Janus's own
        assert comm.read().strip() == "janus", "the pid is not Janus's"
    os.kill(pid, signal.SIGSTOP)
    try:
        yield pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
