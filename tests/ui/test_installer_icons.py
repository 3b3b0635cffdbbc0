"""packaging/make_icons.py: the Windows .ico and the macOS .iconset the installers are built with.

The script runs only on the Windows and macOS build machines, so this is where it is exercised on every CI run.
"""

from __future__ import annotations

import struct
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QImage

from tests.ui import helpers

pytestmark = pytest.mark.gui

SCRIPT = Path(__file__).resolve().parents[2] / "packaging" / "make_icons.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load_script() -> ModuleType:
    return helpers.load_script(SCRIPT, "plaza_make_icons")


def test_ico_holds_one_png_per_size(qapp, tmp_path: Path) -> None:
    icons = load_script()
    data = icons.write_ico(tmp_path / "plaza.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind, count) == (0, 1, len(icons.ICO_SIZES))
    sizes = []
    for i in range(count):
        width, height, _colours, _reserved, planes, bits, length, offset = struct.unpack_from("<BBBBHHII", data,
                                                                                            6 + 16 * i)
        size = width or 256
        assert height == width and (planes, bits) == (1, 32)
        blob = data[offset:offset + length]
        assert blob.startswith(PNG_SIGNATURE) and len(blob) == length
        image = QImage.fromData(blob)
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel() and image.pixelColor(0, 0).alpha() == 0, "corners are transparent"
        sizes.append(size)
    assert sizes == sorted(icons.ICO_SIZES)


def test_iconset_has_the_names_and_sizes_iconutil_expects(qapp, tmp_path: Path) -> None:
    icons = load_script()
    written = icons.write_iconset(tmp_path / "plaza.iconset")
    names = sorted(p.name for p in written)
    assert names == sorted(f"icon_{p}x{p}{suffix}.png" for p in (16, 32, 128, 256, 512) for suffix in ("", "@2x"))
    for path in written:
        points = int(path.name.split("_")[1].split("x")[0])
        pixels = points * (2 if "@2x" in path.name else 1)
        image = QImage(str(path))
        assert (image.width(), image.height()) == (pixels, pixels), path.name
