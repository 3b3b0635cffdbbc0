"""A stage member's avatar: initials on an id-coloured disc, a muted badge, a pulsing ring while talking.

Everything is blitted from cached pixmaps (an antialiased stroke costs ~100 µs, a blit ~2 µs), and the widget
is opaque, so a ring frame repaints one small square: 50 talking members stay cheap. The stage drives the ring
frames (one clock for all avatars); an avatar only holds its state and paints it.

A busy stage repaints hundreds of avatars a second, and each Python→Qt call costs about a microsecond, so a paint
is two or three blits of opaque, pre-composited pixmaps: "background + ring frame" (shared by every avatar on the
same background) or "background + disc" (per avatar, while not talking), then the disc and the muted badge.
"""

from __future__ import annotations

import math
import unicodedata
import zlib
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QWidget

AVATAR_DIAMETER = 56
RING_ROOM = 8  # pixels around the disc for the talking ring
AVATAR_SIDE = AVATAR_DIAMETER + 2 * RING_ROOM
RING_FRAMES = 15  # frames per 1.2 s pulse (12.5 fps): a gentle breathing ring needs no more, and every frame
# repaints every talking avatar (50 talkers: 625 repaints/s at 12.5 fps, 830/s at 16.7 fps)
RING_COLOUR = QColor("#1db954")
MUTED_ICON_SIDE = 20
MUTED_ICON_AT = AVATAR_SIDE - RING_ROOM - MUTED_ICON_SIDE + 2  # lower right, overlapping the disc's edge


def _first_letter(word: str) -> str:
    """The first letter or digit: names are outside text, and "<b>" or a zero-width space must not be initials."""
    return next((ch for ch in word if unicodedata.category(ch)[0] in "LN"), "")


def initials(name: str) -> str:
    """"Ana María López" → "AL"; "ana" → "A"; "" → "?" (first letters of the first and last word)."""
    words = [letter for letter in map(_first_letter, name.split()) if letter]
    if not words:
        return "?"
    letters = words[0] + (words[-1] if len(words) > 1 else "")
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


def _backdrop(background: QColor, frame: int | None, ratio: float) -> QPixmap:
    """The avatar's opaque square: its background, plus ring frame `frame` unless None (shared by all avatars)."""
    key = ("backdrop", background.rgba(), frame, ratio)
    pixmap = _PIXMAPS.get(key)
    if pixmap is None:
        pixmap = QPixmap(round(AVATAR_SIDE * ratio), round(AVATAR_SIDE * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(background)
        if frame is not None:
            p = QPainter(pixmap)
            p.drawPixmap(0, 0, ring_pixmap(frame, ratio))
            p.end()
        _PIXMAPS[key] = pixmap
    return pixmap


# Change events after which the cached background colour (or, for a font change, the initials) may be stale.
_RESTYLE_EVENTS = frozenset({QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.StyleChange,
                             QEvent.Type.ThemeChange, QEvent.Type.ParentChange, QEvent.Type.FontChange})


class AvatarLook:
    """What an avatar shows, in a plain object: every attribute write on a QWidget goes through PySide's setattr
    hook (~0.2 µs), and a busy stage changes these hundreds of times a second."""

    __slots__ = ("frame", "muted", "talking")

    def __init__(self) -> None:
        self.talking = False
        self.muted = False
        self.frame = 0  # 0 .. RING_FRAMES - 1 through one pulse


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
        self._pixmap: QPixmap | None = None  # the disc with the initials (transparent corners)
        self.look = AvatarLook()  # talking, muted, ring frame
        # Paint caches for one device pixel ratio and background colour (_restyle fills them).
        self._ratio = 0.0
        self._background: QColor | None = None
        self._rings: list[QPixmap | None] = [None] * RING_FRAMES  # backdrop + ring, per frame
        self._idle: QPixmap | None = None  # backdrop + disc: the whole picture while not talking (without badge)
        self._muted_badge = QPixmap()

    def set_identity(self, member_id: str, name: str) -> None:
        colour, letters = avatar_colour(member_id), initials(name)
        if (colour, letters) != (self._colour, self._initials):
            self._colour, self._initials, self._pixmap, self._idle = colour, letters, None, None
            self.update()

    @property
    def talking(self) -> bool:
        return self.look.talking

    @talking.setter
    def talking(self, talking: bool) -> None:
        self.look.talking = talking

    @property
    def muted(self) -> bool:
        return self.look.muted

    @muted.setter
    def muted(self, muted: bool) -> None:
        self.look.muted = muted

    @property
    def frame(self) -> int:
        return self.look.frame

    @frame.setter
    def frame(self, frame: int) -> None:
        self.look.frame = frame

    def set_state(self, talking: bool, muted: bool, repaint: bool = True) -> bool:
        """True if the picture changed; repaint=False leaves the repaint to the stage's next ring frame."""
        look = self.look
        if talking == look.talking and muted == look.muted:
            return False
        look.talking = talking
        look.muted = muted
        if repaint:
            self.update()
        return True

    def set_frame(self, frame: int) -> None:
        look = self.look
        if frame != look.frame:
            look.frame = frame
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

    def _restyle(self, ratio: float) -> None:
        """(Re)build the paint caches for this pixel ratio and the current background colour."""
        self._ratio = ratio
        self._background = self.palette().color(self.backgroundRole())
        self._pixmap = None  # the font or the ratio may have changed too: a restyle is rare, redraw the disc
        self._rings = [None] * RING_FRAMES
        self._idle = None
        self._muted_badge = muted_pixmap(ratio)

    def _idle_picture(self) -> QPixmap:
        if self._idle is None:
            assert self._background is not None
            pixmap = QPixmap(_backdrop(self._background, None, self._ratio))  # a copy to draw on
            p = QPainter(pixmap)
            p.drawPixmap(RING_ROOM, RING_ROOM, self._disc())
            p.end()
            self._idle = pixmap
        return self._idle

    def _ring_backdrop(self, frame: int) -> QPixmap:
        pixmap = self._rings[frame]
        if pixmap is None:
            assert self._background is not None
            pixmap = self._rings[frame] = _backdrop(self._background, frame, self._ratio)
        return pixmap

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in _RESTYLE_EVENTS:
            self._ratio = 0.0  # the background colour may have changed: rebuild the caches at the next paint
            self.update()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        # The hot path (hundreds of times a second on a busy stage): two or three blits, everything precomputed,
        # and one painter object for all avatars (paint events never nest; constructing one costs ~1 µs).
        ratio = self.devicePixelRatioF()
        if ratio != self._ratio:
            self._restyle(ratio)
        look, p = self.look, _PAINTER
        p.begin(self)
        try:
            if look.talking:
                frame = look.frame
                ring = self._rings[frame]
                p.drawPixmap(0, 0, self._ring_backdrop(frame) if ring is None else ring)
                p.drawPixmap(RING_ROOM, RING_ROOM, self._disc() if self._pixmap is None else self._pixmap)
            else:
                p.drawPixmap(0, 0, self._idle_picture() if self._idle is None else self._idle)
            if look.muted:
                p.drawPixmap(MUTED_ICON_AT, MUTED_ICON_AT, self._muted_badge)
        finally:
            p.end()


_PAINTER = QPainter()  # Avatar.paintEvent's, reused (GUI thread only)
