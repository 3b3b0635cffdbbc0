"""Reactions in the window: the button row (and its keys, Alt+1…Alt+6), the floating emoji the room's counts make,
and the per-minute rates the host sees beside the audience graph.

Codes are the protocol's (app.room.reactions_protocol); the emoji and their names live only here. The overlay is
one transparent widget over the room view that paints its emoji on a timer (no widget per emoji, at most
MAX_LIVE alive): each announcement of counts adds a few emoji per code, larger for larger counts, that rise and
fade. Reduced motion (the "Reduce motion" setting; Qt has no reduced-motion API on Linux) shows the same counts as a
static line ("👏 ×12 ❤️ ×3") that fades where it is, without movement.
"""

from __future__ import annotations

import collections
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPaintEvent, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from app.room.reactions_protocol import REACTIONS, ReactionCounts

EMOJI: dict[str, str] = {"clap": "👏", "heart": "❤️", "laugh": "😂", "100": "💯", "hi": "🙋", "fire": "🔥"}
MAX_LIVE = 30  # emoji alive at once, whatever the counts: the room view stays readable and cheap to paint
LIFETIME_S = 2.2  # an emoji's rise and fade
STATIC_S = 2.0  # reduced motion: how long the line of counts stays (fading, in place)
FRAME_MS = 33  # ~30 frames a second while something is shown; the timer stops when nothing is
RATE_WINDOW_S = 60.0


def reaction_name(code: str) -> str:
    """The reaction's name in the user's language (tooltips, accessible names, the host's rates)."""
    names = {
        "clap": QCoreApplication.translate("Reactions", "Applause"),
        "heart": QCoreApplication.translate("Reactions", "Love"),
        "laugh": QCoreApplication.translate("Reactions", "Laughter"),
        "100": QCoreApplication.translate("Reactions", "Hundred points"),
        "hi": QCoreApplication.translate("Reactions", "Me! (hand up)"),
        "fire": QCoreApplication.translate("Reactions", "Fire"),
    }
    return names.get(code, code)


def shortcut_text(index: int) -> str:
    return QKeySequence(f"Alt+{index + 1}").toString(QKeySequence.SequenceFormat.NativeText)


class ReactionBar(QWidget):
    """One button per reaction; `reacted(code)` on a click or its key (Alt+1…Alt+6, only while the row shows)."""

    reacted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reactionBar")
        self.buttons: dict[str, QToolButton] = {}
        self.shortcuts: dict[str, QShortcut] = {}
        self.note = QLabel()  # "Slow down" after a refused click: the client-side limit said no
        self.note.setObjectName("reactionNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setStyleSheet("color: #8a5a00;")
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.timeout.connect(self.note.clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for i, code in enumerate(REACTIONS):
            button = QToolButton()
            button.setObjectName(f"react-{code}")
            button.setText(EMOJI[code])
            button.setAutoRaise(True)
            font = QFont(button.font())
            font.setPointSizeF(font.pointSizeF() * 1.4)
            button.setFont(font)
            button.clicked.connect(lambda _checked=False, c=code: self.reacted.emit(c))
            shortcut = QShortcut(QKeySequence(f"Alt+{i + 1}"), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda c=code: self.reacted.emit(c))
            row.addWidget(button)
            self.buttons[code], self.shortcuts[code] = button, shortcut
        row.addWidget(self.note, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Reactions"))
        for i, (code, button) in enumerate(self.buttons.items()):
            name = reaction_name(code)
            button.setToolTip(self.tr("{name} ({key})").format(name=name, key=shortcut_text(i)))
            button.setAccessibleName(self.tr("React: {name}").format(name=name))
        if self.note.text():
            self.show_refused()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def show_refused(self) -> None:
        """The reaction was not sent (too fast): say so briefly instead of failing silently."""
        self.note.setText(self.tr("Slow down: a few reactions a second at most"))
        self._note_timer.start(2000)


@dataclass
class Floating:
    """One emoji on its way up (or, reduced, the static line)."""

    text: str
    x: float  # 0..1 of the width
    born: float
    scale: float  # font size factor: larger counts, larger emoji
    lifetime: float


def emoji_for(counts: ReactionCounts, rng: random.Random) -> list[Floating]:
    """What one announcement adds: per code 1 + log2(count) emoji (≤ 5), scaled 1…2.5 with the count."""
    out: list[Floating] = []
    for code, n in counts.counts:
        emoji = EMOJI.get(code)
        if emoji is None:
            continue
        many = min(5, 1 + int(math.log2(n)))
        scale = min(2.5, 1.0 + 0.3 * math.log2(n))
        out.extend(Floating(emoji, rng.uniform(0.1, 0.9), 0.0, scale, LIFETIME_S * rng.uniform(0.85, 1.15))
                   for _ in range(many))
    return out


def static_line(counts: ReactionCounts) -> str:
    return "  ".join(f"{EMOJI[code]} ×{n}" for code, n in counts.counts if code in EMOJI)


class ReactionOverlay(QWidget):
    """Transparent to the mouse; paints the room's reactions over its parent (kept to the parent's size)."""

    def __init__(self, parent: QWidget, *, clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reactionOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._clock = clock
        self._rng = rng or random.Random()
        self.reduced_motion = False
        self.live: list[Floating] = []
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.advance)
        self._fit()

    def _fit(self) -> None:
        """Cover the parent, on top of its children (done per shown frame: no event filter on the parent, whose
        calls could outlive this object's Python side at teardown)."""
        parent = self.parentWidget()
        if parent is not None and self.geometry() != parent.rect():
            self.setGeometry(parent.rect())
        self.raise_()

    def set_reduced_motion(self, on: bool) -> None:
        self.reduced_motion = on
        self.live.clear()
        self.update()

    def show_counts(self, counts: ReactionCounts) -> None:
        """One announcement of the room's reactions."""
        now = self._clock()
        if self.reduced_motion:
            text = static_line(counts)
            if text:
                self.live = [Floating(text, 0.5, now, 1.0, STATIC_S)]  # the newest counts replace the line
        else:
            for item in emoji_for(counts, self._rng):
                item.born = now
                self.live.append(item)
            del self.live[:-MAX_LIVE]  # the oldest go first
        if self.live:
            self._fit()
            self.show()
            if not self.timer.isActive():
                self.timer.start()
        self.update()

    def advance(self) -> None:
        """A frame: drop what has lived its time; stop the timer when nothing is left."""
        now = self._clock()
        self.live = [f for f in self.live if now - f.born < f.lifetime]
        if not self.live:
            self.timer.stop()
        else:
            self._fit()
        self.update()

    def clear(self) -> None:
        self.live.clear()
        self.timer.stop()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.live:
            return
        now = self._clock()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        base = QFont(self.font())
        size = max(8.0, base.pointSizeF())
        w, h = self.width(), self.height()
        for item in self.live:
            age = max(0.0, now - item.born) / item.lifetime
            painter.setOpacity(max(0.0, 1.0 - age) if self.reduced_motion else max(0.0, 1.0 - age * age))
            font = QFont(base)
            font.setPointSizeF(size * (1.4 if self.reduced_motion else 1.6 * item.scale))
            painter.setFont(font)
            if self.reduced_motion:  # in place: a line of counts near the bottom, no movement
                rect = QRectF(0, h * 0.78, w, h * 0.12)
                painter.setPen(QColor("#444444"))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, item.text)
            else:
                y = h * (0.92 - 0.75 * min(1.0, age))
                painter.drawText(QPointF(item.x * w, y), item.text)
        painter.end()


class ReactionRates:
    """The room's reactions per code over the last minute, from the announcements everyone gets (the host's view)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window: float = RATE_WINDOW_S) -> None:
        self._clock = clock
        self.window = window
        self._seen: collections.deque[tuple[float, ReactionCounts]] = collections.deque()

    def add(self, counts: ReactionCounts) -> None:
        self._seen.append((self._clock(), counts))
        self._expire()

    def per_minute(self) -> dict[str, int]:
        """Reactions per code in the last minute (codes with none left out), in the row's order."""
        self._expire()
        totals: dict[str, int] = {}
        for _, counts in self._seen:
            for code, n in counts.counts:
                totals[code] = totals.get(code, 0) + n
        return {code: totals[code] for code in REACTIONS if code in totals}

    def _expire(self) -> None:
        horizon = self._clock() - self.window
        while self._seen and self._seen[0][0] < horizon:
            self._seen.popleft()


def rates_text(rates: dict[str, int]) -> str:
    if not rates:
        return QCoreApplication.translate("Reactions", "Reactions: none in the last minute")
    parts = "  ".join(f"{EMOJI[code]} {n}" for code, n in rates.items())
    return QCoreApplication.translate("Reactions", "Reactions per minute: {rates} ({total} in all)").format(
        rates=parts, total=sum(rates.values()))
