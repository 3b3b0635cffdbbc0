"""The lab protects a run in progress: a second run of the same lab is refused instead of killing the first."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.lab


def test_a_second_run_of_a_lab_in_use_is_refused_and_the_first_goes_on() -> None:
    env = {**os.environ, "PLAZA_LAB": "nt"}
    command = [sys.executable, "-m", "tests.lab.netlab", "run", "--"]
    first = subprocess.Popen([*command, "sleep", "5"], env=env)
    try:
        deadline = time.monotonic() + 5
        while "plz-clint" not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout:
            assert time.monotonic() < deadline, "the first lab never came up"
            time.sleep(0.05)
        time.sleep(0.3)  # its command runs inside by now
        second = subprocess.run([*command, "true"], env=env, capture_output=True, text=True, timeout=30)
        assert second.returncode == 3, second
        assert "is in use" in second.stderr and "PLAZA_LAB" in second.stderr
        assert first.poll() is None, "the first run was killed"
        assert first.wait(timeout=15) == 0
    finally:
        first.kill()
        first.wait()
        subprocess.run([*command[:-2], "down"], env=env, check=False)
