"""A test that hangs inside Qt's C event loop must fail within its timeout, loudly, not eat CI's 90 minutes.

pytest-timeout's signal method cannot interrupt `QEventLoop.exec()` (Python signal handlers only run between
bytecodes); the thread method configured in pyproject.toml does. This runs a hanging Qt test in a child pytest with
the project's configuration and a 3 s timeout and checks that it ends on its own, with every thread's stack.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HANGING_TEST = '''
from PySide6.QtCore import QEventLoop


def test_hangs_inside_qt(qapp):
    QEventLoop().exec()  # nothing will ever quit this loop
'''


def test_a_test_hung_in_qts_event_loop_is_ended_with_stacks(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    test_file = tmp_path / "test_hangs.py"
    test_file.write_text(HANGING_TEST)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(root / "pyproject.toml"),
         "--rootdir", str(tmp_path), "-o", "timeout=3", str(test_file)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    took = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Timeout" in output, output
    assert "test_hangs_inside_qt" in output, output  # the stack of the hung test is shown
    assert took < 30, f"the hung test was ended only after {took:.1f} s"


HANGING_TASK_TEST = '''
import asyncio


async def forever() -> None:
    await asyncio.Event().wait()


async def test_hangs_on_the_loop() -> None:
    await asyncio.create_task(forever(), name="the-stuck-one")
'''


def test_a_test_hung_on_the_event_loop_says_which_task_waits_where(tmp_path: Path) -> None:
    """tests/conftest.py reports pending asyncio tasks (and child processes) shortly before the timeout."""
    root = Path(__file__).resolve().parents[2]
    (tmp_path / "test_stuck.py").write_text(HANGING_TASK_TEST)
    (tmp_path / "conftest.py").write_text((root / "tests" / "conftest.py").read_text())
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(root / "pyproject.toml"),
         "--rootdir", str(tmp_path), "-o", "timeout=6", str(tmp_path / "test_stuck.py")],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "PLAZA_HANG_REPORT_AFTER": "2", "PYTHONPATH": str(root)},
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "still running after 2 s; pending asyncio tasks" in output, output
    assert "the-stuck-one" in output and "in forever" in output, output
