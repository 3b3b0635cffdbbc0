"""A stage member's avatar: initials on an id-coloured disc, a muted badge, a pulsing ring while talking.

Everything is blitted from cached pixmaps (an antialiased stroke costs ~100 µs, a blit ~5 µs), and the widget
is opaque, so a ring frame repaints one small square: 50 talking members stay cheap. The stage drives the ring
frames (one clock for all avatars); an avatar only holds its state and paints it.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

AVATAR_DIAMETER = 56
RING_ROOM = 8  # pixels around the disc for the talking ring
AVATAR_SIDE = AVATAR_DIAMETER + 2 * RING_ROOM
RING_FRAMES = 20  # frames per pulse: a gentle breathing ring needs no more, and 50 talkers stay cheap
RING_COLOUR = QColor("#1db954")
MUTED_ICON_SIDE = 20
MUTED_ICON_AT = AVATAR_SIDE - RING_ROOM - MUTED_ICON_SIDE + 2  # lower right, overlapping the disc's edge


def initials(name: str) -> str:
    """"Ana María López" → "AL"; "ana" → "A"; "" → "?" (first letters of the first and last word)."""
    words = name.split()
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def avatar_colour(member_id: str) -> QColor:
    """Same id → same colour in every session and process (crc32, not the salted hash()); white text stays legible."""
    hue = zlib.crc32(member_id.encode("utf-8")) % 360
    return QColor.fromHsl(hue, 150, 90)


def _cached(key: tuple[object, ...], side: int, ratio: float, draw: Callable[[QPainter], None]) -> QPixmap:
    """Static artwork drawn once per device pixel ratio: antialiased strokes cost ~100 µs, a blit ~5 µs."""
    pixmap = _PIXMAPS.get((*key, ratio))
    if pixmap is None:
        pixmap = QPixmap(round(side * ratio), round(side * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw(p)
        p.end()
        _PIXMAPS[(*key, ratio)] = pixmap
    return pixmap


_PIXMAPS: dict[tuple[object, ...], QPixmap] = {}


def ring_pixmap(frame: int, ratio: float) -> QPixmap:
    """Frame `frame` of the talking ring's pulse (0 → 1 → 0 over RING_FRAMES frames)."""
    side = AVATAR_DIAMETER + 2 * RING_ROOM

    def draw(p: QPainter) -> None:
        wave = 0.5 - 0.5 * math.cos(2 * math.pi * frame / RING_FRAMES)  # smooth at both ends
        colour = QColor(RING_COLOUR)
        colour.setAlphaF(1.0 - 0.6 * wave)
        p.setPen(QPen(colour, 3.0))
        radius = AVATAR_DIAMETER / 2 + 3 + 3 * wave
        p.drawEllipse(QPointF(side / 2, side / 2), radius, radius)

    return _cached(("ring", frame), side, ratio, draw)


def muted_pixmap(ratio: float) -> QPixmap:
    """A crossed-out microphone on a red disc (drawn: no icon font or emoji needed)."""

    def draw(p: QPainter) -> None:
        p.setPen(QPen(QColor("white"), 1.5))
        p.setBrush(QColor("#c62828"))
        p.drawEllipse(QRectF(0.75, 0.75, 18.5, 18.5))
        p.setPen(QPen(QColor("white"), 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(7.5, 4.5, 5, 8), 2.5, 2.5)  # capsule
        p.drawArc(QRectF(5.5, 7.5, 9, 7), 180 * 16, 180 * 16)  # holder
        p.drawLine(QPointF(10, 14.5), QPointF(10, 16))  # stand
        p.drawLine(QPointF(4.5, 4.5), QPointF(15.5, 15.5))  # slash

    return _cached(("muted",), MUTED_ICON_SIDE, ratio, draw)


class Avatar(QWidget):
    """Initials on an id-coloured disc, a muted badge, and while talking a pulsing ring; all cached pixmaps.

    One opaque widget (it fills its own background, the badge is drawn, not a child): a ring frame repaints
    this square only — Qt's per-widget paint overhead is the main cost with 50 talking members.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(AVATAR_SIDE, AVATAR_SIDE)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._colour = QColor()
        self._initials = ""
        self._pixmap: QPixmap | None = None
        self.talking = False
        self.muted = False
        self.frame = 0  # 0 .. RING_FRAMES - 1 through one pulse

    def set_identity(self, member_id: str, name: str) -> None:
        colour, letters = avatar_colour(member_id), initials(name)
        if (colour, letters) != (self._colour, self._initials):
            self._colour, self._initials, self._pixmap = colour, letters, None
            self.update()

    def set_state(self, talking: bool, muted: bool, repaint: bool = True) -> bool:
        """True if the picture changed; repaint=False leaves the repaint to the stage's next ring frame."""
        if (talking, muted) == (self.talking, self.muted):
            return False
        self.talking, self.muted = talking, muted
        if repaint:
            self.update()
        return True

    def set_frame(self, frame: int) -> None:
        if frame != self.frame:
            self.frame = frame
            self.update()

    def _disc(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        if self._pixmap is None or self._pixmap.devicePixelRatio() != ratio:
            pixmap = QPixmap(round(AVATAR_DIAMETER * ratio), round(AVATAR_DIAMETER * ratio))
            pixmap.setDevicePixelRatio(ratio)
            pixmap.fill(Qt.GlobalColor.transparent)
            p = QPainter(pixmap)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self._colour)
            p.drawEllipse(QRectF(0, 0, AVATAR_DIAMETER, AVATAR_DIAMETER))
            font = QFont(self.font())
            font.setBold(True)
            font.setPixelSize(AVATAR_DIAMETER * 2 // 5)
            p.setFont(font)
            p.setPen(QColor("white"))
            p.drawText(QRectF(0, 0, AVATAR_DIAMETER, AVATAR_DIAMETER), Qt.AlignmentFlag.AlignCenter, self._initials)
            p.end()
            self._pixmap = pixmap
        return self._pixmap

    def paintEvent(self, event: QPaintEvent) -> None:
        # The hot path (hundreds of times a second on a busy stage): few calls, everything precomputed.
        ratio = self.devicePixelRatioF()
        p = QPainter(self)
        p.fillRect(0, 0, AVATAR_SIDE, AVATAR_SIDE, self.palette().color(self.backgroundRole()))
        p.drawPixmap(RING_ROOM, RING_ROOM, self._disc())
        if self.talking:
            p.drawPixmap(0, 0, ring_pixmap(self.frame, ratio))
        if self.muted:
            p.drawPixmap(MUTED_ICON_AT, MUTED_ICON_AT, muted_pixmap(ratio))
        p.end()
