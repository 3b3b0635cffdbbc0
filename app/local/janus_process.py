"""Start and stop a Janus process that Plaza owns (by PID), with clear errors for the usual failures."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import shutil
import signal
import socket
from collections.abc import Sequence
from pathlib import Path

from app.janus.errors import JanusError
from app.janus.transport import WebSocketTransport

log = logging.getLogger(__name__)

INSTALL_HINT = "install it with: sudo apt-get install janus"


class LocalServerError(Exception):
    """A local Janus could not be started; the message says why and what to do."""


class JanusNotFound(LocalServerError):
    pass


class PortInUse(LocalServerError):
    pass


def find_janus(executable: str = "janus") -> str:
    path = shutil.which(executable)
    if path is None:
        raise JanusNotFound(f"Janus ('{executable}') was not found on PATH; {INSTALL_HINT}")
    return path


def check_port_free(host: str, port: int) -> None:
    """Fail early and clearly when the WebSocket port is taken (Janus would only log it and carry on)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"port {port} on {host} is already in use (another Janus or 'plaza serve'?); "
                    f"choose another with --port"
                ) from None
            raise LocalServerError(f"cannot use {host}:{port}: {exc.strerror}") from None


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class JanusProcess:
    """One `janus -F <folder>` child; `prefix` runs it elsewhere (e.g. `ip netns exec plz-srv`)."""

    def __init__(self, config_folder: Path, ws_url: str, *, prefix: Sequence[str] = (),
                 executable: str = "janus") -> None:
        self.config_folder = config_folder
        self.ws_url = ws_url
        self.prefix = list(prefix)
        self.executable = executable
        self.log_path = config_folder / "janus.log"
        self.process: asyncio.subprocess.Process | None = None
        self._log_file: object | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    async def start(self, *, ready_timeout: float = 10.0) -> None:
        janus = find_janus(self.executable)
        self._close_log()  # a restart after a kill (tests) / a crash reuses the folder and the log
        log_file = open(self.log_path, "ab")  # noqa: ASYNC230 - instant local open; closed in stop()
        self._log_file = log_file
        # No shell: with `ip netns exec` the command is exec'd, so our PID is Janus's PID.
        self.process = await asyncio.create_subprocess_exec(
            *self.prefix, janus, "-F", str(self.config_folder), "--disable-colors",
            stdin=asyncio.subprocess.DEVNULL, stdout=log_file, stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        log.info("started Janus (pid %s) with config in %s", self.process.pid, self.config_folder)
        try:
            await self._wait_ready(ready_timeout)
        except BaseException:
            await self.stop()
            raise

    async def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.process.returncode is not None:
                raise LocalServerError(f"Janus exited at start (code {self.process.returncode}): {self.log_tail()}")
            try:
                transport = await WebSocketTransport.connect(self.ws_url, timeout=0.5)
            except JanusError:
                if loop.time() > deadline:
                    raise LocalServerError(
                        f"Janus did not accept connections on {self.ws_url} within {timeout:g} s: {self.log_tail()}"
                    ) from None
                await asyncio.sleep(0.05)
                continue
            await transport.close()
            return

    def log_tail(self, lines: int = 8) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        interesting = [ln for ln in text if "rror" in ln or "ailed" in ln or "[FATAL]" in ln] or text
        return " | ".join(interesting[-lines:])

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None

    async def stop(self, *, grace: float = 3.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds; idempotent."""
        process = self.process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        self._close_log()
