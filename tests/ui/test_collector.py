"""The Qt test process's segfault, reproduced: a QObject with a running timer freed by the cyclic GC on a worker
thread leaves a dangling timer behind, and the next tick crashes the GUI thread. The window runs the GC only on
the GUI thread (app/ui/collector.py); these tests show the hazard is real and that the application is immune.

Each scenario runs in a child interpreter, since the unprotected one is meant to crash.
"""

from __future__ import annotations

import gc
import resource
import signal
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.ui.collector import MainThreadCollector

SCENARIO = '''
import gc, sys, threading
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

if sys.argv[1] == "plaza":
    from app.ui.app import create_application
    app = create_application()           # the window's own set-up
else:
    app = QApplication(sys.argv[:1])     # Qt alone: the cyclic GC runs wherever allocation crosses its threshold
gc.set_threshold(50, 2, 2)               # make "wherever" certain to include the worker below
freed_on = []

class TickingInACycle(QObject):
    def __init__(self):
        super().__init__()
        self.myself = self               # a reference cycle: only the cyclic GC can free it
        self.startTimer(5)               # a timer registered with the GUI thread's dispatcher
    def timerEvent(self, event):
        pass
    def __del__(self):
        freed_on.append(threading.current_thread().name)

for _ in range(20):
    TickingInACycle()

def resolve_names():                     # what qasync's executor does for every server name: allocate
    junk = [{} for _ in range(200_000)]

worker = threading.Thread(target=resolve_names, name="worker")
worker.start(); worker.join()
QTimer.singleShot(1200, app.quit)
app.exec()
print("survived; freed on", sorted(set(freed_on)))
'''


def _no_core_dump() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the crash is expected: leave no core file behind


def run_scenario(kind: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-c", SCENARIO, kind], capture_output=True, text=True, timeout=60,
                          cwd=cwd, preexec_fn=_no_core_dump,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})


def test_without_the_collector_a_worker_thread_gc_crashes_qt(tmp_path: Path) -> None:
    """The hazard itself (if Qt or CPython ever stop doing this, the collector may be removable)."""
    result = run_scenario("qt", tmp_path)
    assert result.returncode == -signal.SIGSEGV, (result.returncode, result.stdout, result.stderr)
    assert "Timers cannot be stopped from another thread" in result.stderr


def test_the_application_frees_qobjects_on_the_gui_thread_only(tmp_path: Path) -> None:
    result = run_scenario("plaza", tmp_path)
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "Timers cannot be stopped from another thread" not in result.stderr
    assert "survived; freed on ['MainThread']" in result.stdout  # collected (not leaked), on the GUI thread


def test_the_collector_follows_the_interpreters_thresholds(qapp: QApplication) -> None:
    was_enabled = gc.isenabled()  # (the application's own collector may already have switched it off)
    collector = MainThreadCollector(None, interval_ms=60_000)
    try:
        assert not gc.isenabled()
        gc.collect()
        assert collector.collect_due() == 0  # nothing allocated past threshold 0: no work
        cycles = []
        for _ in range(gc.get_threshold()[0] + 10):
            cycle: list[object] = []
            cycle.append(cycle)
            cycles.append(cycle)
        cycles.clear()  # now garbage, in cycles only the collector can free
        assert collector.collect_due() > 0
    finally:
        collector.deleteLater()
        if was_enabled:
            gc.enable()
