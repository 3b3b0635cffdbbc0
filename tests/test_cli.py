"""The `plaza` command line: usage errors and exit codes that scripts rely on."""

from __future__ import annotations

import subprocess
import sys


def _plaza(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=60)


def test_malformed_link_exits_2_with_a_clear_message() -> None:
    result = _plaza("listen", "plaza://example.org/not-a-room", "--no-audio-device")
    assert result.returncode == 2
    assert "bad room link: room 'not-a-room' is not a room number" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_server_exits_3_within_the_timeout() -> None:
    result = _plaza("listen", "plaza+ws://127.0.0.1:9/1234", "--no-audio-device", "--connect-timeout", "2")
    assert result.returncode == 3
    assert "could not connect to ws://127.0.0.1:9/janus" in result.stderr


def test_version() -> None:
    result = _plaza("--version")
    assert result.returncode == 0 and result.stdout.startswith("plaza ")
