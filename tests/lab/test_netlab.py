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


def test_the_cascade_comes_up_with_the_lab_and_down_removes_it_every_time() -> None:
    env = {**os.environ, "PLAZA_LAB": "nt"}
    netlab_cmd = [sys.executable, "-m", "tests.lab.netlab"]
    cascade = {"plz-orgnt", "plz-edg1nt", "plz-edg2nt"}

    def present() -> set[str]:
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        return {line.split()[0] for line in listed.splitlines() if line.strip()}

    try:
        subprocess.run([*netlab_cmd, "up"], env=env, check=True, timeout=30)
        assert cascade | {"plz-srvnt", "plz-clint"} <= present()
        bridge = subprocess.run(["ip", "-n", "plz-clint", "-o", "link", "show", "master", "plz-brnt"],
                                capture_output=True, text=True, check=True).stdout
        assert all(f"plz-h{i}nt" in bridge for i in range(3)), bridge
        for _ in range(2):  # idempotent: a second down (after a crash, say) finds nothing and fails nothing
            subprocess.run([*netlab_cmd, "down"], env=env, check=True, timeout=30)
            assert not (cascade | {"plz-srvnt", "plz-clint"}) & present()
    finally:
        subprocess.run([*netlab_cmd, "down"], env=env, check=False)
