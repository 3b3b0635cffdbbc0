"""Persistent user settings (QSettings "Plaza"/"Plaza"): recent room links, the UI language, the start policy, the
preferred sound devices, the desktop behaviour (tray, start minimized), and the servers whose rooms to browse.

Nothing secret is stored here: room links carry no secrets by design (app.links rejects them).
A wrapper instead of raw QSettings keeps key names and value types in one place, and lets tests pass
a QSettings that points into a temp dir.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

ORGANIZATION = "Plaza"
APPLICATION = "Plaza"
MAX_RECENT = 10

KEY_RECENT = "recent_links"
KEY_LANGUAGE = "language"
KEY_PROTECTED_START = "protected_start"
KEY_OUTPUT_DEVICE = "output_device"
KEY_INPUT_DEVICE = "input_device"
KEY_CLOSE_TO_TRAY = "close_to_tray"
KEY_TRAY_HINT_SHOWN = "tray_hint_shown"
KEY_START_MINIMIZED = "start_minimized"
KEY_BROWSE_SERVERS = "browse_servers"
KEY_REDUCE_MOTION = "reduce_motion"
KEY_MUSIC_MODE = "music_mode"
REDUCE_MOTION_ENV = "PLAZA_REDUCE_MOTION"  # the default where the setting was never chosen ("1": reduce)
DEFAULT_BROWSE_SERVERS = ("ws://127.0.0.1:8188/janus",)  # the local / demo room's server (`plaza serve`)
MAX_BROWSE_SERVERS = 8
MAX_DEVICE_NAME = 500  # a device name is the driver's text; a hand-edited file could hold anything


def _as_bool(value: object, default: bool = False) -> bool:
    """A flag as stored: a bool, or the "true"/"false" text INI files give back; anything else is `default`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
    return default


class AppSettings:
    """Typed access to Plaza's QSettings."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.qsettings = qsettings if qsettings is not None else QSettings(ORGANIZATION, APPLICATION)

    # ------------------------------------------------------------------ recent links
    def recent_links(self) -> list[str]:
        """Most recent first; tolerant of whatever an older or hand-edited file holds."""
        value = self.qsettings.value(KEY_RECENT, [])
        if isinstance(value, str):  # QSettings returns a bare str for a one-element list in INI files
            value = [value]
        if not isinstance(value, list):
            return []
        return [str(v) for v in value if isinstance(v, str) and v.strip()][:MAX_RECENT]

    def add_recent_link(self, link_text: str) -> list[str]:
        """Put `link_text` first (moving it if it was already there) and keep at most MAX_RECENT."""
        link_text = link_text.strip()
        links = [link for link in self.recent_links() if link != link_text]
        links.insert(0, link_text)
        del links[MAX_RECENT:]
        self.qsettings.setValue(KEY_RECENT, links)
        self.qsettings.sync()
        return links

    def clear_recent_links(self) -> None:
        self.qsettings.remove(KEY_RECENT)
        self.qsettings.sync()

    # ------------------------------------------------------------------ language
    def language(self) -> str:
        """"" means: follow the system locale; otherwise a language code such as "id"."""
        value = self.qsettings.value(KEY_LANGUAGE, "")
        return value if isinstance(value, str) else ""

    def set_language(self, code: str) -> None:
        self.qsettings.setValue(KEY_LANGUAGE, code)
        self.qsettings.sync()

    # ------------------------------------------------------------------ audio
    def protected_start(self) -> bool:
        """Wait for 0.5 s of audio before playing a room (off: play within ~0.2 s, build the cushion meanwhile)."""
        return _as_bool(self.qsettings.value(KEY_PROTECTED_START, False))

    def set_protected_start(self, on: bool) -> None:
        self._set(KEY_PROTECTED_START, bool(on))

    def output_device(self) -> str:
        """The output device for new rooms, by name ("" = the system default): PortAudio's indexes change when
        devices come and go, names do not."""
        return self._device_name(KEY_OUTPUT_DEVICE)

    def set_output_device(self, name: str) -> None:
        self._set(KEY_OUTPUT_DEVICE, name[:MAX_DEVICE_NAME])

    def input_device(self) -> str:
        """The microphone the invitation to speak offers first, by name ("" = the system default)."""
        return self._device_name(KEY_INPUT_DEVICE)

    def set_input_device(self, name: str) -> None:
        self._set(KEY_INPUT_DEVICE, name[:MAX_DEVICE_NAME])

    def _device_name(self, key: str) -> str:
        value = self.qsettings.value(key, "")
        return value if isinstance(value, str) and len(value) <= MAX_DEVICE_NAME else ""

    # ------------------------------------------------------------------ desktop
    def close_to_tray(self) -> bool:
        """Closing the window hides it in the tray and the room keeps playing. Off unless chosen: a closed window
        that keeps playing (or keeps a speaker's microphone on stage) would surprise whoever did not ask for it."""
        return _as_bool(self.qsettings.value(KEY_CLOSE_TO_TRAY, False))

    def set_close_to_tray(self, on: bool) -> None:
        self._set(KEY_CLOSE_TO_TRAY, bool(on))

    def tray_hint_shown(self) -> bool:
        """Whether the user was told once that the room keeps playing in the tray."""
        return _as_bool(self.qsettings.value(KEY_TRAY_HINT_SHOWN, False))

    def set_tray_hint_shown(self, shown: bool = True) -> None:
        self._set(KEY_TRAY_HINT_SHOWN, bool(shown))

    def start_minimized(self) -> bool:
        """Start in the tray (or minimized when there is no tray)."""
        return _as_bool(self.qsettings.value(KEY_START_MINIMIZED, False))

    def set_start_minimized(self, on: bool) -> None:
        self._set(KEY_START_MINIMIZED, bool(on))

    def reduce_motion(self) -> bool:
        """Reactions without animation (a fading line of counts). Qt has no reduced-motion API on Linux, so the
        default comes from $PLAZA_REDUCE_MOTION (e.g. set by a desktop session script), else off."""
        default = _as_bool(os.environ.get(REDUCE_MOTION_ENV, ""), False)
        return _as_bool(self.qsettings.value(KEY_REDUCE_MOTION, default), default)

    def set_reduce_motion(self, on: bool) -> None:
        self._set(KEY_REDUCE_MOTION, bool(on))

    def music_mode(self) -> bool:
        """On stage, the feedback guard's music mode (app.media.feedback: for performing on headphones); off
        unless chosen in the invitation to speak."""
        return _as_bool(self.qsettings.value(KEY_MUSIC_MODE, False), False)

    def set_music_mode(self, on: bool) -> None:
        self._set(KEY_MUSIC_MODE, bool(on))

    # ------------------------------------------------------------------ room directory
    def browse_servers(self) -> list[str]:
        """The servers whose live rooms "Browse rooms" lists (their lobbies); the local server unless chosen."""
        value = self.qsettings.value(KEY_BROWSE_SERVERS, None)
        if value is None:
            return list(DEFAULT_BROWSE_SERVERS)
        if isinstance(value, str):  # INI files give a one-element list back as a bare str
            value = [value]
        if not isinstance(value, list):
            return list(DEFAULT_BROWSE_SERVERS)
        return [v for v in value if isinstance(v, str) and v.strip() and len(v) <= 300][:MAX_BROWSE_SERVERS]

    def set_browse_servers(self, servers: list[str]) -> None:
        self._set(KEY_BROWSE_SERVERS, list(servers[:MAX_BROWSE_SERVERS]))

    def _set(self, key: str, value: object) -> None:
        self.qsettings.setValue(key, value)
        self.qsettings.sync()
