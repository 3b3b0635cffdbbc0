"""Room secrets for a controller, from the OS keyring only.

Layout: service `plaza`, one entry per room and kind, the username naming the room's first server:

    room-<ROOM>@<HOST>:<PORT>/stage     AudioBridge room secret (host mute/kick)
    room-<ROOM>@<HOST>:<PORT>/feed      Streaming mountpoint secret (viewer count)
    room-<ROOM>@<HOST>:<PORT>/channel   TextRoom room secret (announcements)

e.g. `keyring set plaza room-1234@rooms.example.org:8989/stage` (the `keyring` command ships with the Python
package). Never from the command line, the environment or a file: those end up in shell histories, process
listings and backups. A plaintext keyring backend (keyrings.alt) is refused for the same reason.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.controller.link import ControllerSecrets
from app.links import RoomLink
from app.room.errors import RoomError

KEYRING_SERVICE = "plaza"
KINDS = ("stage", "feed", "channel")
_PLAINTEXT_BACKENDS = ("keyrings.alt",)


class SecretsUnavailable(RoomError):
    """The controller cannot get the room's secrets; the message says what to do."""


def keyring_username(link: RoomLink, kind: str) -> str:
    """The keyring entry name for one secret of the room `link` names."""
    if kind not in KINDS:
        raise ValueError(f"unknown secret kind {kind!r}")
    first = urlsplit(link.servers[0])
    host = first.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    port = first.port or (443 if first.scheme == "wss" else 80)
    return f"room-{link.room_id}@{netloc}:{port}/{kind}"


def _fix_hint(link: RoomLink) -> str:
    names = ", ".join(keyring_username(link, k) for k in KINDS)
    return f"store them with `keyring set {KEYRING_SERVICE} NAME` for each of: {names}"


def load_controller_secrets(link: RoomLink) -> ControllerSecrets:
    """Read the room's three secrets from the OS keyring; raise SecretsUnavailable saying how to fix it."""
    import keyring
    from keyring.errors import KeyringError, KeyringLocked, NoKeyringError

    try:
        backend = keyring.get_keyring()
    except KeyringError as exc:
        raise SecretsUnavailable(f"the OS keyring cannot be used: {exc}") from None
    module = type(backend).__module__
    if module.startswith(_PLAINTEXT_BACKENDS):
        raise SecretsUnavailable(f"the keyring backend {module} keeps secrets in plaintext; Plaza refuses it. "
                                 "Use the system keyring (Secret Service, macOS Keychain, Windows Credential "
                                 "Locker) and uninstall keyrings.alt or set PYTHON_KEYRING_BACKEND")
    values: dict[str, str] = {}
    missing: list[str] = []
    for kind in KINDS:
        name = keyring_username(link, kind)
        try:
            value = keyring.get_password(KEYRING_SERVICE, name)
        except NoKeyringError:
            raise SecretsUnavailable(
                "no OS keyring is available, and Plaza never reads room secrets from files, arguments or the "
                "environment. On Linux, run a Secret Service provider (GNOME Keyring or KWallet) in your session "
                "(a headless server can start one with `dbus-run-session` and `gnome-keyring-daemon --unlock`); "
                f"then {_fix_hint(link)}") from None
        except KeyringLocked:
            raise SecretsUnavailable("the OS keyring is locked: unlock it and try again") from None
        except KeyringError as exc:
            raise SecretsUnavailable(f"the OS keyring failed: {exc}") from None
        if not value:
            missing.append(name)
        else:
            values[kind] = value
    if missing:
        raise SecretsUnavailable(f"the keyring (service {KEYRING_SERVICE!r}) has no {', '.join(missing)}; "
                                 f"{_fix_hint(link)}")
    return ControllerSecrets(stage=values["stage"], feed=values["feed"], channel=values["channel"])
