"""`plaza host` against a real room (lab): the creator's pass from the keyring, one action per run, exit codes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from app.cli.host import EXIT_NO_PASS, EXIT_NOT_DONE, host
from app.cli.serve import keep_host_pass
from app.controller.secret_store import KEYRING_SERVICE, keyring_username
from app.links import parse_link
from tests.controller.test_secret_store import MemoryKeyring
from tests.support.stage_lab import go_on_stage, speaker_session, tone_wav, until

pytestmark = pytest.mark.lab


def run(link: str, action: str, target: str = "") -> Any:
    return host(argparse.Namespace(link=link, action=action, target=target, timeout=8.0))


async def test_plaza_host_acts_with_the_creator_pass_from_the_keyring(
        make_lab_room: Any, tmp_path: Path, memory_keyring: MemoryKeyring,
        capsys: pytest.CaptureFixture[str]) -> None:
    room = await make_lab_room(speaker=None, controller=True)
    link = room.config.link_text
    assert await run(link, "mute", "Ana") == EXIT_NO_PASS  # nothing in the keyring yet
    assert "has no room-1234@" in capsys.readouterr().err
    await keep_host_pass(room.controller, link, "test")
    entry = memory_keyring.entries[(KEYRING_SERVICE, keyring_username(parse_link(link), "host"))]
    ana = speaker_session(room, tone_wav(tmp_path / "a.wav", 440.0), "Ana")
    try:
        await go_on_stage(room, ana)
        await until(lambda: any(m.name == "Ana" for m in room.controller.book.members.values()), 3, "Ana on stage")
        capsys.readouterr()
        assert await run(link, "show") == 0
        shown = capsys.readouterr().out
        assert "Ana  speaker" in shown and entry.split(":")[1] not in shown
        assert await run(link, "audience") == 0  # the audience log as CSV
        rows = capsys.readouterr().out.splitlines()
        assert rows[0] == "time,unix_time,listeners,joins,leaves,reconnects" and len(rows) >= 2, rows
        assert sum(int(row.split(",")[3]) for row in rows[1:]) >= 2  # Ana and this command joined the channel
        assert await run(link, "mute", "Ana") == 0  # by name; done = the room state shows the hold
        assert "done" in capsys.readouterr().out
        await until(lambda: ana.muted, 2.0, "Ana's client shows the host mute")
        assert await run(link, "unmute", "Ana") == 0
        assert await run(link, "mute", "Nobody") == 2
        assert "no stage member or raised hand is called 'Nobody'" in capsys.readouterr().err
        # a pass that is no host's any more: the controller refuses, the command says so
        stage_id, _, _ = entry.partition(":")
        memory_keyring.entries[(KEYRING_SERVICE, keyring_username(parse_link(link), "host"))] = \
            f"{stage_id}:{'w' * 32}"
        assert await run(link, "demote", "Ana") == EXIT_NOT_DONE
        assert "did not demote" in capsys.readouterr().err
        memory_keyring.entries[(KEYRING_SERVICE, keyring_username(parse_link(link), "host"))] = entry
        assert await run(link, "demote", "Ana") == 0
        await until(lambda: ana.role.value == "listener", 3.0, "Ana back in the audience")
        assert await run(link, "end") == 0
    finally:
        await ana.close()
    out = capsys.readouterr()
    assert entry.split(":")[1] not in out.out + out.err
