"""Icons from resources/icons (SVG, so one file serves every size and DPI)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

from app.local.janus_config import resources_dir


def icon_path(name: str = "plaza") -> Path:
    return resources_dir() / "icons" / f"{name}.svg"


def app_icon() -> QIcon:
    """The window icon; an empty QIcon (Qt's default) if the file is missing from a broken install."""
    path = icon_path()
    return QIcon(str(path)) if path.is_file() else QIcon()
