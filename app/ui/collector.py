"""Python's cyclic garbage collector, run only on the GUI thread.

Why: CPython runs the cyclic GC in whichever thread happens to allocate past the threshold, and the window has
worker threads (qasync's executor resolves every server name; asyncio's child watcher). A Python-owned QObject in
a reference cycle that still has a running timer (a widget's QTimer, qasync's own loop timer) can be freed there;
Qt cannot stop timers from another thread ("QObject::~QObject: Timers cannot be stopped from another thread"), so
the GUI thread's timer list keeps a dangling pointer and the next tick crashes in
`QCoreApplication::notifyInternal2` called from `QTimerInfoList::activateTimers` — the segfault the Qt tests showed
in ~1 run of 4 (core dumps, December 2026; reproduced deterministically in tests/ui/test_collector.py).

So automatic collection is switched off and a timer on the GUI thread collects with the interpreter's own
thresholds (the recipe pyqtgraph's GarbageCollector uses). Reference counting still frees acyclic garbage at once;
only cycles wait, for at most one interval.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    """While it runs, the cyclic GC only ever runs on the thread that owns this object (the GUI thread)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        gc.disable()
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the generations whose thresholds are exceeded, like the interpreter would; objects freed."""
        threshold0, threshold1, threshold2 = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        if count0 <= threshold0:
            return 0
        generation = 0
        if count1 >= threshold1:
            generation = 2 if count2 >= threshold2 else 1
        return gc.collect(generation)


def collect_on_gui_thread(app: QObject) -> MainThreadCollector:
    """Install the collector once per application object (idempotent)."""
    existing = app.findChild(MainThreadCollector)
    if isinstance(existing, MainThreadCollector):
        return existing
    return MainThreadCollector(app)
