"""A local room needs a network address ICE will use: found the way ICE finds it, else one clear line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.janus.errors import JanusApiError
from app.local import network
from app.local import room as room_module
from app.local.network import (
    DUMMY_INTERFACE_COMMAND,
    InterfaceAddress,
    NoNetworkAddress,
    check_ice_address,
    ice_addresses,
    interface_addresses,
)
from app.local.room import LocalRoom
from app.media.sources import ToneTrack
from tests.conftest import IN_CI

LO = [InterfaceAddress("lo", "127.0.0.1"), InterfaceAddress("lo", "::1")]
ETH = InterfaceAddress("eth0", "192.0.2.2")


def test_loopback_alone_is_no_address_and_the_message_says_what_to_do() -> None:
    with pytest.raises(NoNetworkAddress) as caught:
        check_ice_address(addresses=[*LO, InterfaceAddress("lo", "127.0.0.2")])
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("no network address for the room's audio")
    assert "never uses loopback" in message and "connect to any network" in message
    assert message.endswith(DUMMY_INTERFACE_COMMAND)
    assert caught.value.command == DUMMY_INTERFACE_COMMAND


@pytest.mark.parametrize(("addresses", "found"), [
    ([*LO, ETH], ["192.0.2.2"]),
    ([*LO, InterfaceAddress("eth0", "fd00::2")], ["fd00::2"]),  # a global (or ULA) IPv6 address works
    ([*LO, InterfaceAddress("eth0", "fe80::1", scope_id=2)], []),  # link-local: aioice skips it
    ([*LO, InterfaceAddress("eth0", "fe80::1%eth0")], []),
    ([*LO, InterfaceAddress("eth0", "192.0.2.2", up=False)], []),  # an interface that is down
    ([*LO, InterfaceAddress("eth0", "0.0.0.0")], []),
    ([*LO, InterfaceAddress("eth0", "not an address")], []),
    ([*LO, InterfaceAddress("vmnet8", "172.16.0.1"), ETH], ["192.0.2.2"]),  # Plaza's default ice_ignore_list
])
def test_addresses_ice_would_use(addresses: list[InterfaceAddress], found: list[str]) -> None:
    assert ice_addresses(addresses, ignore="vmnet") == found


def test_enforce_list_limits_the_interfaces_like_janus() -> None:
    veth = InterfaceAddress("plz-veth-s", "198.18.0.1")
    assert ice_addresses([*LO, ETH, veth], enforce="plz-veth") == ["198.18.0.1"]
    assert ice_addresses([*LO, ETH, veth], enforce="198.18.") == ["198.18.0.1"]  # an address prefix works too
    assert ice_addresses([*LO, ETH], enforce="plz-veth", ignore="eth") == []
    assert ice_addresses([*LO, veth], enforce="plz-veth", ignore="plz") == ["198.18.0.1"]  # enforce wins


def test_this_machine_lists_its_loopback() -> None:
    listed = interface_addresses()
    assert any(a.address == "127.0.0.1" for a in listed)
    assert "127.0.0.1" not in ice_addresses(listed)


async def test_local_room_refuses_before_starting_janus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(room_module, "find_janus", lambda: "/usr/bin/janus")
    monkeypatch.setattr(network, "interface_addresses", lambda: list(LO))
    local = LocalRoom(speaker=None, controller=False)
    with pytest.raises(NoNetworkAddress):
        await local.start()
    assert local.janus is None and local.folder is None, "nothing was started"


async def test_janus_error_490_from_the_speaker_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(self: object, timeout: float = 10.0) -> None:
        raise JanusApiError(490, "Error setting ICE locally")

    monkeypatch.setattr(room_module.StageSpeaker, "open", refuse)
    local = LocalRoom(speaker=None, controller=False)
    with pytest.raises(NoNetworkAddress) as caught:
        await local.start_speaker(ToneTrack(440.0))
    assert isinstance(caught.value.__cause__, JanusApiError)
    assert local.speaker is None


async def test_other_janus_errors_from_the_speaker_pass_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(self: object, timeout: float = 10.0) -> None:
        raise JanusApiError(490, "Something else")

    monkeypatch.setattr(room_module.StageSpeaker, "open", refuse)
    with pytest.raises(JanusApiError):
        await LocalRoom(speaker=None, controller=False).start_speaker(ToneTrack(440.0))


# ---------------------------------------------------------------------------------------- for real, in a namespace
NAMESPACE = f"plz-noaddr{os.environ.get('PLAZA_LAB', '')[:4]}"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


@pytest.fixture
def lonely_namespace(janus_installed: None) -> Iterator[str]:
    """A network namespace whose only interface is lo (up): what a machine without any network looks like."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        if IN_CI:
            pytest.fail("CI=true but this test needs root and iproute2 (ip netns)", pytrace=False)
        pytest.skip("needs root and iproute2 (ip netns)")
    _ip("netns", "del", NAMESPACE, check=False)  # left over from an interrupted run
    _ip("netns", "add", NAMESPACE)
    try:
        _ip("-n", NAMESPACE, "link", "set", "lo", "up")
        yield NAMESPACE
    finally:
        for pid in _ip("netns", "pids", NAMESPACE, check=False).stdout.split():
            subprocess.run(["kill", "-9", pid], capture_output=True)
        _ip("netns", "del", NAMESPACE, check=False)


def test_serve_with_only_loopback_prints_one_line_and_fails(lonely_namespace: str) -> None:
    app_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=app_root)
    result = subprocess.run(["ip", "netns", "exec", lonely_namespace, sys.executable, "-m", "app", "serve",
                             "--port", "8199", "--speaker", "tone:440"],
                            capture_output=True, text=True, timeout=60, env=env, cwd=app_root)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("plaza serve: no network address for the room's audio")
    assert lines[0].endswith(DUMMY_INTERFACE_COMMAND)
    assert "Room 1234 is live" not in result.stdout
