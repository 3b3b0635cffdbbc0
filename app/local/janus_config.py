"""Render Plaza's reference Janus config (resources/janus/*.in) with freshly generated secrets."""

from __future__ import annotations

import glob
import os
import secrets
import string
from dataclasses import dataclass, field
from importlib import resources as importlib_resources
from pathlib import Path

from app.room.lobby_protocol import LOBBY_ROOM_ID

TEMPLATES = (
    "janus.jcfg",
    "janus.transport.websockets.jcfg",
    "janus.plugin.audiobridge.jcfg",
    "janus.plugin.streaming.jcfg",
    "janus.plugin.textroom.jcfg",
)


def resources_dir() -> Path:
    """The repository's resources/ (source checkout) or the copy installed with the package."""
    here = Path(__file__).resolve().parent.parent.parent / "resources"
    if here.is_dir():
        return here
    return Path(str(importlib_resources.files("app"))) / "resources"


def janus_lib_dir() -> Path:
    """Where the Debian package installs Janus's plugins and transports (multiarch aware)."""
    fixed = ["/usr/lib/janus", "/usr/local/lib/janus", "/opt/janus/lib/janus"]
    for candidate in [*sorted(glob.glob("/usr/lib/*/janus")), *fixed]:
        if Path(candidate, "plugins").is_dir():
            return Path(candidate)
    raise FileNotFoundError("Janus plugins folder not found (is the 'janus' package installed?)")


@dataclass(frozen=True)
class RoomSecrets:
    """Secrets of one room; generated per run and only ever written to Janus's private config folder."""

    stage: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    feed: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    channel: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    admin: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # Janus's Admin API, when enabled
    lobby: str = field(default_factory=lambda: secrets.token_urlsafe(24))  # the server's lobby (browsing rooms)

    def __repr__(self) -> str:  # never print secrets, not even in a traceback
        return "RoomSecrets(***)"


@dataclass(frozen=True)
class LocalRoomConfig:
    room_id: int = 1234
    title: str = "Plaza demo room"
    ws_ip: str = "127.0.0.1"
    ws_port: int = 8188
    forward_port: int = 5002
    # Where the feed's RTP input listens: the loopback, where the stage's own forward comes from; a cascade's edge
    # (docs/deployment.md) listens on the address its origin forwards to.
    feed_iface: str = "127.0.0.1"
    rtp_port_range: str = "20000-40000"
    ice_enforce_list: str = ""  # e.g. the lab's veth name
    ice_ignore_list: str = "vmnet"
    nat_1_1: str = ""
    debug_level: int = 4
    secrets: RoomSecrets = field(default_factory=RoomSecrets)
    # False: no static rtp_forward from the stage; the feed's port belongs to an external sender that outlives
    # Janus (tests/support/rtp_source.py, for outage tests: a kill -9 must not silence the source too).
    stage_forward: bool = True
    # The Admin API on ws://ws_ip:admin_port/ (secret: secrets.admin), for diagnostics and the lab's leak checks;
    # None: off (`plaza serve` needs none).
    admin_port: int | None = None
    # Where AudioBridge writes recordings of the stage mix (host action `record`); "" = `recordings` in the config
    # folder, which goes with it (tests). `plaza serve` keeps them: default_record_dir().
    record_dir: str = ""

    @property
    def ws_url(self) -> str:
        return f"ws://{self.ws_ip}:{self.ws_port}/janus"

    @property
    def admin_url(self) -> str | None:
        return None if self.admin_port is None else f"ws://{self.ws_ip}:{self.admin_port}/admin"

    @property
    def link_text(self) -> str:
        return f"plaza+ws://{self.ws_ip}:{self.ws_port}/{self.room_id}"


MAX_RECORD_DIR_CHARS = 180  # AudioBridge builds "<record_dir>/<file>.part" in 255 bytes; our names take ~50


def default_record_dir() -> Path:
    """The user's recordings folder for local rooms: $XDG_DATA_HOME/plaza/recordings (~/.local/share/...)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "plaza" / "recordings"


def record_dir(config: LocalRoomConfig, folder: Path) -> Path:
    """Where the room rendered into `folder` records to."""
    return Path(config.record_dir) if config.record_dir else folder / "recordings"


def _jcfg_string(text: str) -> str:
    """Make free text safe inside a jcfg double-quoted string."""
    return "".join(ch for ch in text if ch.isprintable() and ch not in '"\\')[:120]


def render(config: LocalRoomConfig, folder: Path, lib: Path | None = None) -> None:
    """Write the Janus config files for `config` into `folder` (created 0700: it holds secrets). `lib`: Janus's
    plugins folder (default: the installed Janus's, janus_lib_dir())."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    lib = lib if lib is not None else janus_lib_dir()
    nat_lines = []
    if config.ice_enforce_list:
        nat_lines.append(f'\tice_enforce_list = "{_jcfg_string(config.ice_enforce_list)}"')
    elif config.ice_ignore_list:
        nat_lines.append(f'\tice_ignore_list = "{_jcfg_string(config.ice_ignore_list)}"')
    if config.nat_1_1:
        nat_lines.append(f'\tnat_1_1_mapping = "{_jcfg_string(config.nat_1_1)}"')
    recordings = record_dir(config, folder).absolute()
    if not str(recordings).isprintable() or any(c in str(recordings) for c in '"\\'):
        raise ValueError(f"the recordings folder {str(recordings)!r} cannot be written into a Janus config")
    if len(str(recordings).encode()) > MAX_RECORD_DIR_CHARS:
        raise ValueError(f"the recordings folder path is longer than {MAX_RECORD_DIR_CHARS} bytes (AudioBridge "
                         "cannot record there)")
    recordings.mkdir(mode=0o700, parents=True, exist_ok=True)  # ours before Janus makes it world-readable (0755)
    low, high = (int(x) for x in config.rtp_port_range.split("-"))
    mid = (low + high) // 2
    values = {
        "configs_folder": str(folder),
        "plugins_folder": str(lib / "plugins"),
        "transports_folder": str(lib / "transports"),
        "events_folder": str(lib / "events"),
        "loggers_folder": str(lib / "loggers"),
        "debug_level": str(config.debug_level),
        "rtp_port_range": f"{low}-{mid - 1}",
        "ab_rtp_port_range": f"{mid}-{mid + (high - mid) // 2}",
        "st_rtp_port_range": f"{mid + (high - mid) // 2 + 1}-{high}",
        "nat_lines": "\n".join(nat_lines),
        "ws_ip": config.ws_ip,
        "ws_port": str(config.ws_port),
        "room_id": str(config.room_id),
        "title": _jcfg_string(config.title),
        "forward_port": str(config.forward_port),
        "feed_iface": config.feed_iface,
        "stage_secret": config.secrets.stage,
        "feed_secret": config.secrets.feed,
        "channel_secret": config.secrets.channel,
        "admin_secret": config.secrets.admin,
        "lobby_secret": config.secrets.lobby,
        "lobby_id": str(LOBBY_ROOM_ID),
        "admin_ws": "false" if config.admin_port is None else "true",
        "admin_ws_port": str(config.admin_port or 7188),
        "fwd": "" if config.stage_forward else "# external feed: ",
        "record_dir": str(recordings),
    }
    templates = resources_dir() / "janus"
    for name in TEMPLATES:
        text = string.Template((templates / f"{name}.in").read_text()).substitute(values)
        target = folder / name
        target.write_text(text)
        os.chmod(target, 0o600)
