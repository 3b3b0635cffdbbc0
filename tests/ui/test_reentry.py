"""The CI hang, reproduced: processEvents() nested inside a running asyncio task on the qasync loop loses a task's
wake-up, and everything waiting on it (even a wait_for timeout) hangs in QEventLoop::exec with nothing scheduled.
The UI tests forbid it (tests/ui/conftest.py); the app never does it (async code awaits instead).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

SCENARIO = '''
import asyncio
from PySide6.QtWidgets import QApplication
import qasync

app = QApplication([])

async def main():
    woken = asyncio.Event()

    async def other():
        await woken.wait()

    task = asyncio.ensure_future(other())
    await asyncio.sleep(0)          # `other` now waits on the event
    woken.set()                     # its wake-up is queued on the loop...
    QApplication.processEvents()    # ...and runs here, inside this task's step
    await asyncio.wait_for(task, 2)
    print("no hang")

qasync.run(main())
'''


def test_nested_event_processing_inside_a_task_hangs_the_loop(tmp_path: Path) -> None:
    """The hazard itself: if qasync or asyncio ever make this safe, the guard may go."""
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", SCENARIO], capture_output=True, text=True, timeout=8, cwd=tmp_path,
                       env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})


async def test_the_ui_tests_refuse_nested_event_processing_inside_a_task() -> None:
    for process_events in (QCoreApplication.processEvents, QApplication.processEvents):
        with pytest.raises(RuntimeError, match="loses wake-ups"):
            process_events()


def test_synchronous_tests_may_still_process_events(qapp: QApplication) -> None:
    QApplication.processEvents()
