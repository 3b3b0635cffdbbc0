"""Persistent user settings (QSettings "Plaza"/"Plaza"): recent room links, the UI language, the start policy.

Nothing secret is stored here: room links carry no secrets by design (app.links rejects them).
A wrapper instead of raw QSettings keeps key names and value types in one place, and lets tests pass
a QSettings that points into a temp dir.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANIZATION = "Plaza"
APPLICATION = "Plaza"
MAX_RECENT = 10

KEY_RECENT = "recent_links"
KEY_LANGUAGE = "language"
KEY_PROTECTED_START = "protected_start"


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
        value = self.qsettings.value(KEY_PROTECTED_START, False)
        if isinstance(value, str):  # INI files give back "true" / "false"
            return value.strip().lower() in ("true", "1", "yes")
        return value is True

    def set_protected_start(self, on: bool) -> None:
        self.qsettings.setValue(KEY_PROTECTED_START, bool(on))
        self.qsettings.sync()
