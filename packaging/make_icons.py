"""Render resources/icons/plaza.svg into the icon files the Windows and macOS installers need.

    python packaging/make_icons.py --ico build/icons/plaza.ico          # Windows (Inno Setup, shortcuts)
    python packaging/make_icons.py --iconset build/icons/plaza.iconset  # macOS: then `iconutil -c icns` it

Qt's own SVG renderer (QSvgRenderer, in PySide6-Essentials) draws the PNGs, so the installers' icons are the
pixels the window shows, and no extra tool (ImageMagick, cairosvg, Pillow) is needed on the build machine. The .ico
is written here directly: each size is a PNG stored in the ICO container (Windows Vista and later read these).
Runs headless (QT_QPA_PLATFORM defaults to offscreen here).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "plaza.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# Apple's .iconset names (iconutil accepts exactly these): each point size at 1x and 2x.
ICONSET = {f"icon_{p}x{p}{'@2x' if s == 2 else ''}.png": p * s for p in (16, 32, 128, 256, 512) for s in (1, 2)}


def render_png(size: int, svg: Path = SVG) -> bytes:
    """The icon drawn at `size`×`size` pixels on a transparent background, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"not a usable SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # (the stubs say bytes; 6.11 wants str)
        raise RuntimeError("Qt could not encode a PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file holding one PNG per size (ICONDIR, then one ICONDIRENTRY per image, then the images)."""
    count = len(pngs)
    header = struct.pack("<HHH", 0, 1, count)  # reserved, type 1 = icon, image count
    offset = 6 + 16 * count
    entries, blobs = b"", b""
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256 in the one-byte width/height fields
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def write_ico(path: Path, sizes: tuple[int, ...] = ICO_SIZES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ico_bytes({size: render_png(size) for size in sizes}))
    return path


def write_iconset(directory: Path) -> list[Path]:
    """The PNGs of a macOS .iconset folder, for `iconutil -c icns DIR -o plaza.icns`."""
    directory.mkdir(parents=True, exist_ok=True)
    cache: dict[int, bytes] = {}
    written = []
    for name, pixels in ICONSET.items():
        if pixels not in cache:
            cache[pixels] = render_png(pixels)
        out = directory / name
        out.write_bytes(cache[pixels])
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render Plaza's icon for the Windows and macOS installers.")
    parser.add_argument("--ico", type=Path, help="write a multi-size .ico here")
    parser.add_argument("--iconset", type=Path, help="write a macOS .iconset folder here")
    args = parser.parse_args(argv)
    if not args.ico and not args.iconset:
        parser.error("nothing to do: give --ico and/or --iconset")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # QPainter needs one
    if args.ico:
        print(write_ico(args.ico))
    if args.iconset:
        write_iconset(args.iconset)
        print(args.iconset)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
