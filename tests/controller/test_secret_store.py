"""`plaza controller` gets the room's secrets from the OS keyring only, and says clearly when it cannot."""

from __future__ import annotations

import subprocess
import sys

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from app.cli import main
from app.controller.secret_store import (
    KEYRING_SERVICE,
    SecretsUnavailable,
    keyring_status,
    keyring_username,
    load_controller_secrets,
)
from app.links import parse_link

LINK = parse_link("plaza+ws://198.18.0.1:8188/1234?server=wss://edge.example.org/janus")
NAMES = {kind: f"room-1234@198.18.0.1:8188/{kind}" for kind in ("stage", "feed", "channel")}


class MemoryKeyring(KeyringBackend):
    """An in-memory backend: tests never touch a real keyring (or a plaintext file)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.asked: list[tuple[str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.asked.append((service, username))
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


def test_entry_names_name_the_room_and_its_first_server() -> None:
    assert {kind: keyring_username(LINK, kind) for kind in NAMES} == NAMES
    assert keyring_username(parse_link("plaza://[2001:db8::1]/7"), "feed") == "room-7@[2001:db8::1]:8989/feed"


def test_secrets_come_from_the_keyring(memory_keyring: MemoryKeyring) -> None:
    for kind, name in NAMES.items():
        memory_keyring.set_password(KEYRING_SERVICE, name, f"secret-{kind}")
    secrets = load_controller_secrets(LINK)
    assert (secrets.stage, secrets.feed, secrets.channel) == ("secret-stage", "secret-feed", "secret-channel")
    assert "secret-" not in repr(secrets) and "secret-" not in str(secrets)
    assert {name for _, name in memory_keyring.asked} == set(NAMES.values())


def test_missing_entries_are_named(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password(KEYRING_SERVICE, NAMES["stage"], "x")
    with pytest.raises(SecretsUnavailable) as info:
        load_controller_secrets(LINK)
    message = str(info.value)
    assert f"has no {NAMES['feed']}, {NAMES['channel']}" in message
    assert f"keyring set {KEYRING_SERVICE} NAME" in message


def test_no_keyring_backend_says_how_to_fix_it_and_never_falls_back() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(SecretsUnavailable) as info:
            load_controller_secrets(LINK)
    finally:
        keyring.set_keyring(previous)
    message = str(info.value)
    assert message.startswith("no OS keyring is available")
    assert "never reads room secrets from files, arguments or the environment" in message
    assert "Secret Service" in message and NAMES["channel"] in message


def test_a_plaintext_backend_is_refused(memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MemoryKeyring, "__module__", "keyrings.alt.file")
    with pytest.raises(SecretsUnavailable, match="plaintext"):
        load_controller_secrets(LINK)
    assert memory_keyring.asked == []


def test_plaza_controller_with_an_empty_keyring_exits_1(memory_keyring: MemoryKeyring,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controller", "plaza+ws://198.18.0.1:8188/1234"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("plaza controller: the keyring (service 'plaza') has no room-1234@198.18.0.1:8188/stage")


def test_plaza_controller_without_a_keyring_gives_the_clear_message() -> None:
    # tests/conftest.py sets PYTHON_KEYRING_BACKEND to the fail backend, as on a machine without one.
    result = subprocess.run([sys.executable, "-m", "app", "controller", "plaza+ws://198.18.0.1:8188/1234"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "plaza controller: no OS keyring is available" in result.stderr
    assert "Traceback" not in result.stderr


def test_plaza_controller_rejects_a_bad_link(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controller", "plaza://host/not-a-room"]) == 2
    assert "bad room link" in capsys.readouterr().err


def test_keyring_status_names_the_backend_without_reading_an_entry(memory_keyring: MemoryKeyring) -> None:
    status = keyring_status()
    assert status.usable and status.note == ""
    assert status.backend.endswith("MemoryKeyring")
    assert "SecretService" in status.registered  # keyring's own entry points: what a frozen build can lose
    assert status.missing_modules == ()
    assert memory_keyring.asked == []


def test_keyring_status_without_a_keyring_says_secrets_stay_in_memory() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        status = keyring_status()
    finally:
        keyring.set_keyring(previous)
    assert not status.usable and status.backend == "fail Keyring"
    assert status.note.startswith("no keyring, secrets stay in memory")
