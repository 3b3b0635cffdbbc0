"""Shared fixtures: the network-namespace lab with a real Janus, and a neutral desktop environment.

Lab tests need the suite to run inside the lab's client namespace (`python -m tests.lab.netlab run -- pytest`).
Outside it they skip with the reason; under CI=true they fail, so CI can never pass without running them.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.lab import netlab

# Neutralise the desktop: no D-Bus session (keyring would try it), Qt offscreen, settings in a temp place.
os.environ["DBUS_SESSION_BUS_ADDRESS"] = "disabled:"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

IN_CI = os.environ.get("CI", "").lower() == "true"
DEMO_AUDIO = Path(__file__).resolve().parent.parent / "resources" / "audio" / "demo-room.ogg"

# .ci/test ends a pytest process that overran its limit with SIGTERM: show where every thread was, then die.
faulthandler.register(signal.SIGTERM, all_threads=True, chain=True)

# pytest-timeout (120 s, pyproject.toml) shows the threads of a hung test, but a hang on an event loop is a task
# waiting for something: shortly before, say which tasks wait where and which child processes are still running.
HANG_REPORT_AFTER = float(os.environ.get("PLAZA_HANG_REPORT_AFTER", "100"))


def _senders_waiting() -> list[str]:
    """aiortc senders whose RTP/RTCP task ended without setting the event `RTCRtpSender.stop()` waits for (how the
    hang of December 3 2026 was found: an RTCP task killed by "no running event loop")."""
    from aiortc import RTCRtpSender

    lines = []
    for sender in _instances(RTCRtpSender):
        for part in ("rtp", "rtcp"):
            task = getattr(sender, f"_RTCRtpSender__{part}_task", None)
            exited = getattr(sender, f"_RTCRtpSender__{part}_exited", None)
            if task is not None and task.done() and exited is not None and not exited.is_set():
                why = "cancelled" if task.cancelled() else repr(task.exception())
                lines.append(f"  aiortc {sender.kind} sender: {part} task ended ({why}), 'exited' unset: stop() waits")
    return lines


def _instances(cls: type) -> list[Any]:
    """The live objects of `cls`; a weak proxy whose object is gone raises ReferenceError on isinstance: skipped
    (it ended the report of December 4 with a traceback instead of the tasks)."""
    found = []
    for o in gc.get_objects():
        try:
            if isinstance(o, cls):
                found.append(o)
        except ReferenceError:
            continue
    return found


def _report_hang(nodeid: str, after: float) -> None:
    lines = [f"--- {nodeid} still running after {after:g} s; pending asyncio tasks:"]
    for task in [t for t in _instances(asyncio.Task) if not t.done()]:
        lines.append(f"  {task!r}"[:400])
        lines += [f"      {f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}" for f in task.get_stack(limit=12)]
    lines += _senders_waiting()
    lines.append("child processes:")
    for pid in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            if pid.isdigit() and int(stat[1]) == os.getpid():
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                lines.append(f"  {pid} {stat[0]} {cmdline[:300]}")
        except (OSError, IndexError, ValueError):
            continue
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


@pytest.fixture(autouse=True)
def _hang_report(request: pytest.FixtureRequest) -> Iterator[None]:
    """Set up first, torn down last: covers every other fixture's teardown too (where hangs like to hide)."""
    # A test allowed longer than the default timeout (a @pytest.mark.timeout above it) is reported 20 s before its own
    # limit, not while it is still doing what it was given the time for (the chaos soak's short form: ~110 s).
    marker = request.node.get_closest_marker("timeout")
    limit = float(marker.args[0]) if marker is not None and marker.args else 0.0
    after = max(HANG_REPORT_AFTER, limit - 20.0)
    timer = threading.Timer(after, _report_hang, args=(request.node.nodeid, after))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def lab_problem() -> str | None:
    """Why the lab cannot be used from this process, or None."""
    if shutil.which("janus") is None:
        return "Janus is not installed (apt-get install janus)"
    if shutil.which("ip") is None:
        return "iproute2 is not installed"
    if os.geteuid() != 0:
        return "the lab needs root (ip netns exec)"
    ident = subprocess.run(["ip", "netns", "identify", str(os.getpid())], capture_output=True, text=True)
    if ident.stdout.strip() != netlab.CLIENT_NS:
        return (f"not running inside the lab's client namespace {netlab.CLIENT_NS!r}; "
                "run: python -m tests.lab.netlab run -- python -m pytest")
    if netlab.SERVER_NS not in netlab.namespaces():
        return f"the lab's server namespace {netlab.SERVER_NS!r} does not exist"
    return None


@pytest.fixture(scope="session")
def janus_installed() -> None:
    """Tests that need the janus package (not the lab): skip without it, but never under CI."""
    if shutil.which("janus") is None:
        if IN_CI:
            pytest.fail("CI=true but Janus is not installed", pytrace=False)
        pytest.skip("Janus is not installed (apt-get install janus)")


@pytest.fixture(scope="session")
def lab() -> object:
    problem = lab_problem()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"CI=true but the Janus lab cannot start: {problem}", pytrace=False)
        pytest.skip(f"Janus lab unavailable: {problem}")
    return netlab


@pytest.fixture
async def make_lab_room(lab: object) -> AsyncIterator[Callable[..., Awaitable[object]]]:
    """Start local rooms (Janus in the server namespace); all are closed after the test."""
    from app.local.janus_config import LocalRoomConfig
    from app.local.room import LocalRoom
    from tests.support.rtp_source import RtpSourceProcess

    rooms: list[LocalRoom] = []
    sources: list[RtpSourceProcess] = []

    async def factory(speaker: str | None = "tone:440", room_id: int = 1234, ws_port: int = 8188,
                      title: str = "Lab room", external_feed: bool = False, tone: float = 440.0,
                      source_args: tuple[str, ...] = (), source_file: str | Path | None = None,
                      controller: bool = False) -> LocalRoom:
        """`external_feed=True`: no stage forward and no speaker; an RTP tone sender beside Janus feeds the
        mountpoint and survives Janus kills (`room.source`: RtpSourceProcess; `janus_faults.restart(room.janus)`);
        with `source_file` it sends that audio file (looped) instead of the tone.
        `controller=True`: the room's controller runs in this process (`room.controller`; stop/start it with
        `room.stop_controller()` / `room.start_controller()`)."""
        config = LocalRoomConfig(room_id=room_id, title=title, ws_ip=netlab.SERVER_IP, ws_port=ws_port,
                                 forward_port=0, ice_enforce_list=netlab.SERVER_IF,
                                 stage_forward=not external_feed, admin_port=ws_port - 1000)
        prefix = ["ip", "netns", "exec", netlab.SERVER_NS]
        room = LocalRoom(config, prefix=prefix, speaker=None if external_feed else speaker, controller=controller)
        rooms.append(room)
        await room.start()
        if external_feed:
            source = RtpSourceProcess(room.config.forward_port, tone=tone, prefix=prefix, extra_args=source_args,
                                      file=str(source_file) if source_file is not None else None)
            sources.append(source)
            await source.start()
            room.source = source  # type: ignore[attr-defined]
        return room

    yield factory
    for room in rooms:
        await room.close()
    for source in sources:
        await source.stop()


@pytest.fixture
async def lab_room(make_lab_room: Callable[..., Awaitable[object]]) -> object:
    """A lab room whose stage carries a continuous 440 Hz tone."""
    return await make_lab_room()


@pytest.fixture
async def tone_room(make_lab_room: Callable[..., Awaitable[object]]) -> object:
    """A lab room whose feed is a continuous 440 Hz Opus tone from a sender outside Janus (outage tests)."""
    return await make_lab_room(external_feed=True)


@pytest.fixture
async def speech_room(make_lab_room: Callable[..., Awaitable[object]]) -> object:
    """A lab room fed, from outside Janus, the demo room's audio (chime and speech, 18.8 s loop): judged against
    the source by tests.lab.speech_checks, since speech has pauses a tone has not."""
    return await make_lab_room(external_feed=True, source_file=DEMO_AUDIO)


@pytest.fixture
def memory_keyring() -> Iterator[object]:
    """An in-memory keyring backend (tests/controller/test_secret_store.MemoryKeyring) for the test's duration."""
    import keyring

    from tests.controller.test_secret_store import MemoryKeyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
