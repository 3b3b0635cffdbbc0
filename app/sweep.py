"""What a released connection leaves behind: cyclic garbage, and heap pages the allocator keeps.

A closed aiortc PeerConnection, its transports and our connection and session objects hold one another (bound-method
callbacks both ways; an exception's traceback holding the frame that held the connection), so only CPython's cyclic
collector frees them, and it runs a full collection only once the long-lived objects grew by a quarter. In the chaos
soak's swarm (benchmarks/chaos_soak.py: 20 listeners, a fault every ~40 s) 92 closed PeerConnections with their SRTP,
DTLS and codec state were waiting at once, glibc's heap in use was 37 MiB instead of 23, and the swarm's RSS grew
51 % in 10 minutes. So every Janus session's close asks for one sweep soon after (`collect_cycles_soon`): a full
collection, then glibc gives its free pages back (`malloc_trim`; the freed connections leave holes it keeps).

A full collection walks every tracked object, and most of them (modules, classes, functions: ~47,000 in a command
once aiortc, PyAV and numpy are imported, ~70,000 in the window) never become garbage: 44 ms per collection for
those alone on the 2-core lab machine. `freeze_startup_objects()`, called by `plaza` after those imports (app.cli),
moves them out of the collector's sight (`gc.freeze`; they are still freed by reference counting), so a sweep walks
what the rooms made.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import logging
import time
import weakref
from collections.abc import Callable

log = logging.getLogger(__name__)

SWEEP_DELAY_S = 2.0  # after a release: the rest of a reconnect's closes (channel, feed, stage) come within ~1 s

# When each loop's pending sweep is due (its loop.time()); a float, not the timer handle: qasync's call_later
# returns a plain Handle with no when(), and a handle would hold its loop (the key) alive.
_due: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, float] = weakref.WeakKeyDictionary()


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None where the C library has none (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def freeze_startup_objects() -> None:
    """Exclude what exists now (imported modules, classes, functions) from every later collection."""
    gc.collect()  # import-time garbage first: frozen objects are never collected
    gc.freeze()


def collect_cycles_soon() -> None:
    """One sweep SWEEP_DELAY_S from now, on this loop; releases until it runs share it."""
    loop = asyncio.get_running_loop()
    now, due = loop.time(), _due.get(loop)
    if due is None or due <= now:
        _due[loop] = now + SWEEP_DELAY_S
        loop.call_later(SWEEP_DELAY_S, sweep)


def sweep() -> int:
    """A full collection, then the heap's free pages back to the system; the objects freed."""
    started = time.perf_counter()
    freed = gc.collect()
    if _TRIM is not None:
        _TRIM(0)
    log.debug("swept %d objects in %.1f ms", freed, (time.perf_counter() - started) * 1000)
    return freed
