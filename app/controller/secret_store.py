"""Room secrets for a controller, from the OS keyring only.

Layout: service `plaza`, one entry per room and kind, the username naming the room's first server:

    room-<ROOM>@<HOST>:<PORT>/stage     AudioBridge room secret (host mute/kick)
    room-<ROOM>@<HOST>:<PORT>/feed      Streaming mountpoint secret (viewer count)
    room-<ROOM>@<HOST>:<PORT>/channel   TextRoom room secret (announcements)
    room-<ROOM>@<HOST>:<PORT>/host      the room creator's stage pass, `<stage id>:<token>`, written by the
                                        controller when it starts, read by `plaza host` (app.cli.host)
    server@<HOST>:<PORT>/admin          the server's plugin `admin_key`, if its configuration sets one: needed
                                        to start rooms there (`plaza start`); optional
    server@<HOST>:<PORT>/lobby          the server's lobby secret (docs/room-protocol.md §11), shared by every
                                        controller on that server; a controller that finds none makes one and
                                        keeps it here. Controllers on other machines need the same value.

e.g. `keyring set plaza room-1234@rooms.example.org:8989/stage` (the `keyring` command ships with the Python
package). Never from the command line, the environment or a file: those end up in shell histories, process
listings and backups. A plaintext keyring backend (keyrings.alt) is refused for the same reason.
"""

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from app.controller.link import ControllerSecrets
from app.links import RoomLink
from app.room.errors import RoomError
from app.room.stage_protocol import MIN_TOKEN_CHARS, StagePass

log = logging.getLogger(__name__)

KEYRING_SERVICE = "plaza"
KINDS = ("stage", "feed", "channel")
HOST_PASS = "host"
HOST_PASS_LINE = "Host pass: "  # without a keyring, `plaza start` hands the window the pass on this line of its pipe
_PLAINTEXT_BACKENDS = ("keyrings.alt",)


class SecretsUnavailable(RoomError):
    """The controller cannot get the room's secrets; the message says what to do."""


def keyring_username(link: RoomLink, kind: str) -> str:
    """The keyring entry name for one secret of the room `link` names."""
    if kind not in (*KINDS, HOST_PASS):
        raise ValueError(f"unknown secret kind {kind!r}")
    first = urlsplit(link.servers[0])
    host = first.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    port = first.port or (443 if first.scheme == "wss" else 80)
    return f"room-{link.room_id}@{netloc}:{port}/{kind}"


def _fix_hint(link: RoomLink) -> str:
    names = ", ".join(keyring_username(link, k) for k in KINDS)
    return f"store them with `keyring set {KEYRING_SERVICE} NAME` for each of: {names}"


def _keyring() -> Any:
    """The keyring module, if its backend may hold Plaza's secrets; raises SecretsUnavailable saying why not."""
    import keyring
    from keyring.errors import KeyringError

    try:
        backend = keyring.get_keyring()
    except KeyringError as exc:
        raise SecretsUnavailable(f"the OS keyring cannot be used: {exc}") from None
    module = type(backend).__module__
    if module.startswith(_PLAINTEXT_BACKENDS):
        raise SecretsUnavailable(f"the keyring backend {module} keeps secrets in plaintext; Plaza refuses it. "
                                 "Use the system keyring (Secret Service, macOS Keychain, Windows Credential "
                                 "Locker) and uninstall keyrings.alt or set PYTHON_KEYRING_BACKEND")
    return keyring


def _no_keyring_text(link: RoomLink) -> str:
    return ("no OS keyring is available, and Plaza never reads room secrets from files, arguments or the "
            "environment. On Linux, run a Secret Service provider (GNOME Keyring or KWallet) in your session "
            "(a headless server can start one with `dbus-run-session` and `gnome-keyring-daemon --unlock`); "
            f"then {_fix_hint(link)}")


def _get(link: RoomLink, name: str) -> str | None:
    from keyring.errors import KeyringError, KeyringLocked, NoKeyringError

    keyring = _keyring()
    try:
        value: str | None = keyring.get_password(KEYRING_SERVICE, name)
    except NoKeyringError:
        raise SecretsUnavailable(_no_keyring_text(link)) from None
    except KeyringLocked:
        raise SecretsUnavailable("the OS keyring is locked: unlock it and try again") from None
    except KeyringError as exc:
        raise SecretsUnavailable(f"the OS keyring failed: {exc}") from None
    return value


def keyring_works() -> None:
    """Raise SecretsUnavailable saying why this machine cannot keep Plaza's secrets (a probe: reads one entry)."""
    _get(RoomLink(0, ("ws://localhost/janus",)), "probe")


# The backend that holds Plaza's secrets on each platform, and what it imports lazily: keyring skips a backend that
# cannot run without a word, so a build that lost one of these modules would quietly keep secrets in memory only.
_PLATFORM_BACKENDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "linux": ("keyring.backends.SecretService", ("secretstorage", "jeepney")),
    "darwin": ("keyring.backends.macOS", ()),
    "win32": ("keyring.backends.Windows", ()),
}


@dataclass(frozen=True)
class KeyringStatus:
    """Which keyring Plaza would keep secrets in, found without reading or writing one (so no unlock prompt)."""

    backend: str  # the backend in use, e.g. "SecretService Keyring" or "fail Keyring"
    usable: bool  # False: there is no keyring, secrets stay in memory (`plaza start` passes the host's on)
    note: str  # why not usable (and why this platform's backend cannot run, when it cannot)
    registered: tuple[str, ...]  # the backends keyring knows (its `keyring.backends` entry points)
    missing_modules: tuple[str, ...]  # modules this platform's backend needs that cannot be imported


def _backend_name(backend: object) -> str:
    return f"{type(backend).__module__.removeprefix('keyring.backends.')} {type(backend).__name__}"


def keyring_status() -> KeyringStatus:
    """Find the keyring backend without touching an entry (keyring_works reads one, which may ask to unlock).
    Raises ImportError when keyring itself cannot be imported."""
    import importlib
    from importlib import metadata

    import keyring
    from keyring.backend import KeyringBackend

    backend = keyring.get_keyring()  # loads the registered backends
    registered = tuple(sorted(ep.name for ep in metadata.entry_points(group="keyring.backends")))
    platform_module, needs = _PLATFORM_BACKENDS.get(sys.platform, ("", ()))
    missing = []
    for module in needs:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    why_not = ""
    for cls in KeyringBackend._classes:
        if cls.__module__ == platform_module:
            try:
                cls.priority  # noqa: B018 - a class property: raises saying why the backend cannot run here
            except Exception as exc:
                why_not = f"{platform_module.removeprefix('keyring.backends.')}: {exc}"
    name = _backend_name(backend)
    children = getattr(backend, "backends", None)
    if children:
        name += f" ({', '.join(_backend_name(child) for child in children)})"
    try:
        _keyring()
    except SecretsUnavailable as exc:
        usable, note = False, str(exc)
    else:
        usable = not type(backend).__module__.startswith(("keyring.backends.fail", "keyring.backends.null"))
        note = "" if usable else "no keyring, secrets stay in memory"
    if why_not and not usable:
        note += f" ({why_not})"
    return KeyringStatus(name, usable, note, registered, tuple(missing))


def load_controller_secrets(link: RoomLink) -> ControllerSecrets:
    """Read the room's three secrets from the OS keyring; raise SecretsUnavailable saying how to fix it."""
    values: dict[str, str] = {}
    missing: list[str] = []
    for kind in KINDS:
        name = keyring_username(link, kind)
        value = _get(link, name)
        if not value:
            missing.append(name)
        else:
            values[kind] = value
    if missing:
        raise SecretsUnavailable(f"the keyring (service {KEYRING_SERVICE!r}) has no {', '.join(missing)}; "
                                 f"{_fix_hint(link)}")
    return ControllerSecrets(stage=values["stage"], feed=values["feed"], channel=values["channel"])


def _server_name(server: str, kind: str = "admin") -> str:
    url = urlsplit(server)
    host = url.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    return f"server@{netloc}:{url.port or (443 if url.scheme == 'wss' else 80)}/{kind}"


def lobby_secrets(servers: Iterable[str]) -> dict[str, str]:
    """Each server's lobby secret (made and kept on first use); a server whose secret the keyring cannot give or
    keep is left out with one log line: the room runs on, it is only missing from that server's lobby."""
    found: dict[str, str] = {}
    for server in servers:
        name = _server_name(server, "lobby")
        try:
            value = _get(RoomLink(0, (server,)), name)
            if not value:
                value = secrets.token_urlsafe(24)
                _set(name, value)
        except SecretsUnavailable as exc:
            log.info("no lobby on %s for this room: %s", server, exc)
            continue
        found[server] = value
    return found


def load_admin_key(server: str) -> str | None:
    """The server's plugin admin key for making rooms, or None when the keyring has none (the server needs none);
    raises SecretsUnavailable when there is no usable keyring at all (the room's secrets could not be kept)."""
    return _get(RoomLink(0, (server,)), _server_name(server)) or None


def _set(name: str, value: str) -> None:
    from keyring.errors import KeyringError, NoKeyringError

    keyring = _keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, name, value)
    except NoKeyringError:
        raise SecretsUnavailable("no OS keyring is available to keep the room's secrets") from None
    except KeyringError as exc:
        raise SecretsUnavailable(f"the OS keyring failed: {exc}") from None


def save_controller_secrets(link: RoomLink, room_secrets: ControllerSecrets) -> None:
    """Keep a new room's secrets where `plaza controller LINK` finds them (a controller elsewhere can take over)."""
    for kind in KINDS:
        _set(keyring_username(link, kind), getattr(room_secrets, kind))


def save_host_pass(link: RoomLink, stage_pass: StagePass) -> None:
    """Keep the room creator's pass where `plaza host` finds it (the OS keyring); raises SecretsUnavailable."""
    _set(keyring_username(link, HOST_PASS), f"{stage_pass.stage_id}:{stage_pass.token}")


def load_host_pass(link: RoomLink) -> StagePass:
    """The room creator's pass, which its running controller wrote; raises SecretsUnavailable saying why not."""
    name = keyring_username(link, HOST_PASS)
    value = _get(link, name)
    if not value:
        raise SecretsUnavailable(f"the keyring (service {KEYRING_SERVICE!r}) has no {name}: the host's pass is "
                                 "written there by the room's controller (`plaza controller` or `plaza serve`) on "
                                 "this machine when it starts")
    stage_id, _, token = value.partition(":")
    if not stage_id.isdigit() or len(token) < MIN_TOKEN_CHARS:
        raise SecretsUnavailable(f"the keyring entry {name} is not a host pass (expected <stage id>:<token>)")
    return StagePass(link.room_id, int(stage_id), token)
