"""The chaos soak's cast: every process it starts besides Janus, watched for crashes and measured for memory.

- the controller (tests/support/controller_process.py: `plaza controller`'s RoomController, secrets on stdin,
  host commands on stdin),
- a speaker (`plaza speak`: raises its hand, is invited, speaks a tone on the origin's stage, is made a co-host),
- a raised hand (`plaza speak` too, never invited: its hand stays up),
- the swarm (`plaza swarm N LINK --json FILE`),
- one window (`plaza window LINK`, offscreen Qt): it cannot report its room state to another process, so the soak
  checks that it stays alive and measures its memory.

A process that exits before the soak stops it is a crash, whatever its exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PYTHON = sys.executable
STOP_CODES = {0, 130, -signal.SIGTERM, 128 + signal.SIGTERM}  # what a process stopped by the soak may exit with


def rss_mib(pid: int) -> float | None:
    """Resident memory of `pid` (VmRSS), or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


@dataclass
class Actor:
    """One process of the soak, its output lines (timed) and its memory over time."""

    name: str
    process: asyncio.subprocess.Process
    measured: bool = True  # RSS is part of the verdict
    lines: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic, "out"/"err", text)
    rss: list[tuple[float, float]] = field(default_factory=list)  # (monotonic, MiB)
    stopping: bool = False  # the soak asked it to stop: an exit now is not a crash
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def start(cls, name: str, argv: list[str], *, env: dict[str, str] | None = None,
                    measured: bool = True, stdin: bool = False) -> Actor:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)
        actor = cls(name, process, measured)
        actor._readers = [asyncio.create_task(actor._read(process.stdout, "out")),
                          asyncio.create_task(actor._read(process.stderr, "err"))]
        return actor

    async def _read(self, stream: asyncio.StreamReader | None, which: str) -> None:
        assert stream is not None
        while line := await stream.readline():
            self.lines.append((time.monotonic(), which, line.decode(errors="replace").rstrip()))

    @property
    def crashed(self) -> bool:
        return self.process.returncode is not None and not self.stopping

    def sample(self) -> None:
        if self.process.returncode is None:
            mib = rss_mib(self.process.pid)
            if mib is not None:
                self.rss.append((time.monotonic(), mib))

    def rss_around(self, t: float, window: float = 5.0) -> float | None:
        """The median RSS over `window` s ending at monotonic `t` (one sample is noisy: a GC, a burst)."""
        values = [mib for at, mib in self.rss if t - window <= at <= t]
        return statistics.median(values) if values else None

    async def wait_line(self, predicate: Any, timeout: float, since: float = 0.0) -> str:
        """The first output line (after monotonic `since`) that `predicate` accepts; raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, _, text in self.lines:
                if at >= since and predicate(text):
                    return text
            if self.process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{self.name}: no such line within {timeout:g} s; last output: {self.tail()}")

    async def send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()

    async def ask(self, command: str, timeout: float = 10.0) -> str:
        """A controller command and its one-line answer."""
        since = time.monotonic()
        await self.send(command)
        return await self.wait_line(lambda t: t.startswith(("ok ", "error ", "state ")), timeout, since)

    def tail(self, n: int = 6) -> str:
        return " | ".join(text for _, _, text in self.lines[-n:])

    def count_lines(self, needle: str, since: float, until: float) -> int:
        return sum(1 for at, _, text in self.lines if since <= at <= until and needle in text)

    async def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (what a service manager sends), then SIGKILL; the exit code."""
        self.stopping = True
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()
                self.stopping = False  # a process that does not leave when asked counts as broken
        await asyncio.gather(*self._readers, return_exceptions=True)
        return self.process.returncode


def read_swarm(path: Path) -> dict[str, Any] | None:
    """The swarm's latest `--json` file (app/cli/swarm_report.py), or None before its first write."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def private_env(home: Path) -> dict[str, str]:
    """The environment of a client process: its own home and runtime folders (settings, the window's
    single-instance socket), offscreen Qt, no sound card needed."""
    for sub in ("config", "runtime", "data", "cache"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "runtime").chmod(0o700)
    return dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "config"),
                XDG_RUNTIME_DIR=str(home / "runtime"), XDG_DATA_HOME=str(home / "data"),
                XDG_CACHE_HOME=str(home / "cache"), QT_QPA_PLATFORM="offscreen")
