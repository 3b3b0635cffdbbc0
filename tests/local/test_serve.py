"""`plaza serve`: clear errors when Janus is missing or the port is taken; Ctrl-C removes what it started."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.local.janus_config import LocalRoomConfig, render
from tests.lab import netlab


def _plaza(*args: str, env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def test_serve_without_janus_says_how_to_install(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=str(tmp_path))  # an empty PATH entry: no janus anywhere
    result = _plaza("serve", env=env)
    assert result.returncode == 1
    assert "Janus ('janus') was not found on PATH" in result.stderr
    assert "apt-get install janus" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_with_port_taken_names_the_port(janus_installed: None) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _plaza("serve", "--port", str(port))
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_rendered_config_has_fresh_secrets_and_private_permissions(janus_installed: None, tmp_path: Path) -> None:
    a, b = LocalRoomConfig(), LocalRoomConfig()
    render(a, tmp_path / "a")
    render(b, tmp_path / "b")
    text_a = (tmp_path / "a" / "janus.plugin.audiobridge.jcfg").read_text()
    assert a.secrets.stage in text_a and b.secrets.stage not in text_a
    assert a.secrets.stage != b.secrets.stage
    assert a.secrets.stage not in repr(a) and a.secrets.stage not in repr(a.secrets)
    assert (tmp_path / "a").stat().st_mode & 0o077 == 0
    for f in (tmp_path / "a").iterdir():
        assert f.stat().st_mode & 0o077 == 0, f


def test_admin_api_is_off_unless_asked_and_then_bound_and_protected(janus_installed: None, tmp_path: Path) -> None:
    off, on = LocalRoomConfig(), LocalRoomConfig(ws_ip="198.18.0.1", admin_port=7188)
    render(off, tmp_path / "off")
    render(on, tmp_path / "on")
    assert "admin_ws = false" in (tmp_path / "off" / "janus.transport.websockets.jcfg").read_text()
    assert off.admin_url is None
    transport = (tmp_path / "on" / "janus.transport.websockets.jcfg").read_text()
    assert "admin_ws = true" in transport and "admin_ws_port = 7188" in transport
    assert 'admin_ws_ip = "198.18.0.1"' in transport  # never all interfaces
    assert f'admin_secret = "{on.secrets.admin}"' in (tmp_path / "on" / "janus.jcfg").read_text()
    assert on.secrets.admin != off.secrets.admin and on.secrets.admin not in repr(on)
    assert on.admin_url == "ws://198.18.0.1:7188/admin"


def test_serve_and_demo_options_describe_the_local_room() -> None:
    from app.cli import build_parser
    from app.cli.serve import local_room_from_args

    args = build_parser().parse_args(["demo", "--room", "9", "--title", "Lab", "--host", "198.18.0.1", "--port",
                                      "8190", "--speaker", "none", "--netns", "plz-srv", "--ice-interface", "veth0"])
    room = local_room_from_args(args)
    assert (room.config.room_id, room.config.title, room.config.ws_ip, room.config.ws_port) == (9, "Lab",
                                                                                                 "198.18.0.1", 8190)
    assert room.config.ice_enforce_list == "veth0"
    assert room.prefix == ["ip", "netns", "exec", "plz-srv"]
    assert room.speaker_spec is None
    assert local_room_from_args(build_parser().parse_args(["serve"])).speaker_spec == "demo"
    assert not room.invite_hands
    assert local_room_from_args(build_parser().parse_args(["serve", "--invite-hands"])).invite_hands
    assert local_room_from_args(build_parser().parse_args(["demo", "--invite-hands"])).invite_hands


@pytest.mark.lab
async def test_serve_prints_a_link_and_ctrl_c_removes_everything(lab, tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "serve", "--host", netlab.SERVER_IP, "--netns", netlab.SERVER_NS,
        "--ice-interface", netlab.SERVER_IF, "--speaker", "none",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 20)
    assert f"Link: plaza+ws://{netlab.SERVER_IP}:8188/1234" in line.decode()
    folders = list(tmp_path.glob("plaza-janus-*"))
    assert len(folders) == 1
    pids = subprocess.run(["ip", "netns", "pids", netlab.SERVER_NS], capture_output=True, text=True).stdout.split()
    assert pids, "Janus is not running in the server namespace"
    proc.send_signal(signal.SIGINT)
    await asyncio.wait_for(proc.wait(), 10)
    assert proc.returncode == 0
    assert not list(tmp_path.glob("plaza-janus-*")), "temp folder left behind"
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
