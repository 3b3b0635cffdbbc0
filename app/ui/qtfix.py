"""Work around a reference-count bug of PySide6 6.12.0 on CPython 3.11: it returns None/True without a ref.

Measured here (PySide6-Essentials 6.12.0, abi3 wheel, Python 3.11.7): every call of a Qt method that returns
nothing (setText, setChecked, QSocketNotifier.setEnabled, ...) decrements None's refcount, and every
`Signal.emit()` decrements True's, without having incremented them. They start near 5,000 and 600, so after
that many calls the interpreter aborts ("Fatal Python error: none_dealloc: deallocating None", or
bool_dealloc) — within seconds for a window on a qasync loop, whose socket notifiers call setEnabled for every
packet. PySide6 6.11.3 does not have the bug, and on Python >= 3.12 None/True/False are immortal (PEP 683).

The guard probes for the leak once and, only if it is present, lifts the refcounts of None, True and False
by 2**60: they are never freed anyway, and no process lives long enough to make 10**18 Qt calls. The real fix
is a PySide6 without the bug (pin PySide6-Essentials != 6.12.0); the probe makes this a no-op then.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

PROBE_CALLS = 200
BUMP = 1 << 60

_applied = False


def leaks_singletons() -> bool:
    """True if void Qt methods or Signal.emit() lose references to None/True (PySide6 6.12.0, CPython < 3.12)."""
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    probe.setObjectName("probe")  # warm-up: first calls may create caches
    probe.ping.emit()
    before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(PROBE_CALLS):
        probe.setObjectName("probe")
        probe.ping.emit()
    lost = [b - a for b, a in zip(before, (sys.getrefcount(None), sys.getrefcount(True)), strict=True)]
    return max(lost) >= PROBE_CALLS // 2



def guard_none_refcount() -> bool:
    """Apply the workaround if this interpreter + PySide6 need it; True if it was applied (once)."""
    global _applied
    if _applied:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False  # None is immortal
    if not leaks_singletons():
        return False
    for singleton in (None, True, False):
        if hasattr(sys, "gettotalrefcount"):  # debug build: ob_refcnt is not the first field; slow but safe
            for _ in range(1 << 20):
                ctypes.pythonapi.Py_IncRef(ctypes.py_object(singleton))
        else:
            refcount = ctypes.c_ssize_t.from_address(id(singleton))  # PyObject.ob_refcnt, the first field
            refcount.value += BUMP
    _applied = True
    import PySide6

    log.info("PySide6 %s leaks references to None/True on Python %d.%d; compensated (pin a fixed PySide6)",
             PySide6.__version__, *sys.version_info[:2])
    return True
