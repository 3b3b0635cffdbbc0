"""The hosts' audience graph: listeners over time, joins and leaves per minute, reconnect waves marked.

Drawn with QPainter (PySide6-Essentials has no QtCharts, and the chart is simple). The data is the controller's
audience log (app.controller.audience_log, 10 s points): the listener count is drawn per point as a line, the
joins (up) and leaves (down) are summed per minute as bars, and a **reconnect wave** — a run of minutes each with
at least WAVE_SHARE of the busiest minute's reconnects — is shaded, with its reconnect count on top: on a night
when servers melt, that is the moment a crowd failed over, not a crowd that left and another that came.

Keyboard: the chart takes focus (Tab); Left/Right move a cursor over the minutes, Home/End to the first/last, and
the cursor's minute is told in words (`minute_text`, the accessible description), like the summary of the latest
numbers; nothing is only in the picture.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QDateTime, QEvent, QLocale, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFocusEvent, QKeyEvent, QPainter, QPainterPath, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.room.stage_protocol import AudiencePoint
from app.ui.numbers import compact_number

LISTENERS_COLOR = QColor("#1565c0")
JOINS_COLOR = QColor("#2e7d32")
LEAVES_COLOR = QColor("#c62828")
WAVE_COLOR = QColor("#ef6c00")
WAVE_SHARE = 0.25  # a minute with a quarter of the busiest minute's reconnects (or more) is part of a wave
TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120)  # minutes between time labels: the first giving at most 6 labels
XScale = Callable[[float], float]  # unix time -> x


@dataclass(frozen=True, slots=True)
class Minute:
    """One minute of the log: the last known listener count in it, and its joins, leaves and reconnects."""

    start: int  # unix time
    listeners: int | None
    joins: int
    leaves: int
    reconnects: int


def minutes_of(points: Sequence[AudiencePoint]) -> list[Minute]:
    """The points summed per wall-clock minute (the bars' unit: "50,000 joins a minute" is how hosts speak)."""
    out: list[Minute] = []
    for p in points:
        start = int(p.at // 60 * 60)
        if out and out[-1].start == start:
            last = out[-1]
            out[-1] = Minute(start, p.listeners if p.listeners is not None else last.listeners,
                             last.joins + p.joins, last.leaves + p.leaves, last.reconnects + p.reconnects)
        else:
            out.append(Minute(start, p.listeners, p.joins, p.leaves, p.reconnects))
    return out


def reconnect_waves(minutes: Sequence[Minute]) -> list[tuple[int, int, int]]:
    """(first, last minute index, reconnects) of each run of minutes with ≥ WAVE_SHARE of the peak's reconnects."""
    peak = max((m.reconnects for m in minutes), default=0)
    if peak == 0:
        return []
    threshold = max(1, math.ceil(peak * WAVE_SHARE))
    waves: list[tuple[int, int, int]] = []
    for i, m in enumerate(minutes):
        if m.reconnects < threshold:
            continue
        if waves and waves[-1][1] == i - 1:
            first, _, total = waves[-1]
            waves[-1] = (first, i, total + m.reconnects)
        else:
            waves.append((i, i, m.reconnects))
    return waves


def nice_ceiling(value: float) -> float:
    """The axis maximum: 1, 2 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def clock_text(unix: float) -> str:
    """A time of day as the user's clock shows it."""
    return QLocale().toString(QDateTime.fromSecsSinceEpoch(int(unix)).time(), QLocale.FormatType.ShortFormat)


class AudienceChart(QWidget):
    """The chart; `set_points` gives it the controller's points, `summary()` says the latest numbers in words."""

    cursor_moved = Signal()  # the keyboard cursor moved to another minute (the window tells it in words)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audienceChart")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(520, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.points: tuple[AudiencePoint, ...] = ()
        self.minutes: list[Minute] = []
        self.waves: list[tuple[int, int, int]] = []
        self.selected: int | None = None  # index into minutes; None: no cursor yet (the keyboard places one)
        self._locale = QLocale.c()
        self.retranslate()

    # ------------------------------------------------------------------ data
    def set_points(self, points: Sequence[AudiencePoint]) -> None:
        at_end = self.selected is None or self.selected == len(self.minutes) - 1
        selected_start = self.minutes[self.selected].start if self.selected is not None and self.minutes else None
        self.points = tuple(points)
        self.minutes = minutes_of(self.points)
        self.waves = reconnect_waves(self.minutes)
        if self.selected is not None:  # the cursor stays on its minute, or follows the newest one
            starts = [m.start for m in self.minutes]
            if not starts:
                self.selected = None
            elif at_end or selected_start not in starts:
                self.selected = len(starts) - 1
            else:
                self.selected = starts.index(selected_start)
        self._describe()
        self.update()

    def number(self, value: int | None) -> str:
        return self.tr("unknown") if value is None else self._locale.toString(value)

    def summary(self) -> str:
        """The latest numbers in one paragraph (the accessible description, and the window's readout)."""
        if not self.minutes:
            return self.tr("No audience data yet.")
        last = self.minutes[-1]
        text = self.tr("Listeners now: {listeners}. This minute: {joins} joined, {leaves} left, {reconnects} "
                       "reconnected.").format(listeners=self.number(last.listeners), joins=self.number(last.joins),
                                              leaves=self.number(last.leaves),
                                              reconnects=self.number(last.reconnects))
        known = [m for m in self.minutes if m.listeners is not None]
        if known:
            peak = max(known, key=lambda m: m.listeners or 0)
            text += " " + self.tr("Peak: {listeners} at {time}.").format(listeners=self.number(peak.listeners),
                                                                         time=clock_text(peak.start))
        if self.waves:
            first, _last, reconnects = max(self.waves, key=lambda w: w[2])
            text += " " + self.tr("Reconnect waves: {count}; the largest at {time}: {reconnects} reconnected.").format(
                count=self.number(len(self.waves)), time=clock_text(self.minutes[first].start),
                reconnects=self.number(reconnects))
        return text

    def minute_text(self, index: int | None = None) -> str:
        """One minute in words: the keyboard cursor's, by default ("" without a cursor)."""
        index = self.selected if index is None else index
        if index is None or not 0 <= index < len(self.minutes):
            return ""
        m = self.minutes[index]
        return self.tr("{time} — listeners: {listeners}; joined: {joins}; left: {leaves}; reconnected: "
                       "{reconnects}").format(time=clock_text(m.start), listeners=self.number(m.listeners),
                                              joins=self.number(m.joins), leaves=self.number(m.leaves),
                                              reconnects=self.number(m.reconnects))

    def _describe(self) -> None:
        self.setAccessibleDescription(" ".join(t for t in (self.minute_text(), self.summary()) if t))

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        # Numbers follow the UI language, not the region: each translation names its own locale.
        self._locale = QLocale(self.tr("en", "locale code of this translation, for numbers"))
        self.setAccessibleName(self.tr("Audience chart"))
        self._words = {"listeners": self.tr("Listeners"), "joins": self.tr("Joins per minute"),
                       "leaves": self.tr("Leaves per minute"), "wave": self.tr("Reconnect wave"),
                       "per minute": self.tr("{count}/min", "joins or leaves per minute, on the chart's axis"),
                       "empty": self.tr("No audience data yet.")}
        self._describe()
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ keyboard
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.minutes:
            super().keyPressEvent(event)
            return
        last = len(self.minutes) - 1
        here = last if self.selected is None else self.selected
        moves = {Qt.Key.Key_Left: here - 1, Qt.Key.Key_Right: here + 1, Qt.Key.Key_Home: 0, Qt.Key.Key_End: last}
        key = Qt.Key(event.key())
        if key not in moves:
            super().keyPressEvent(event)
            return
        self.selected = min(max(moves[key], 0), last)
        self._describe()
        self.update()
        self.cursor_moved.emit()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    # ------------------------------------------------------------------ drawing
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        text_color = palette.color(QPalette.ColorRole.Text)
        metrics = painter.fontMetrics()
        line = metrics.height()
        if self.hasFocus():
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        if not self.minutes:
            painter.setPen(text_color)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._words["empty"])
            return
        right_labels = self._words["per minute"].format(count="000K")
        area = QRectF(self.rect()).adjusted(metrics.horizontalAdvance("000K") + 14, 2.5 * line + 8,
                                            -(metrics.horizontalAdvance(right_labels) + 14), -(line + 14))
        upper = QRectF(area.left(), area.top(), area.width(), area.height() * 0.58)
        lower = QRectF(area.left(), upper.bottom() + line, area.width(), area.bottom() - upper.bottom() - line)
        start = self.minutes[0].start
        end = max(self.minutes[-1].start + 60, start + 120)

        def x(t: float) -> float:
            return area.left() + (t - start) / (end - start) * area.width()

        self._draw_legend(painter, line, text_color)
        self._draw_waves(painter, x, upper, lower)
        self._draw_listeners(painter, x, upper, text_color)
        self._draw_bars(painter, x, lower, text_color)
        self._draw_time_axis(painter, x, area, start, end, text_color)
        if self.selected is not None:
            m = self.minutes[self.selected]
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x(m.start + 30), upper.top()), QPointF(x(m.start + 30), lower.bottom()))

    def _draw_legend(self, painter: QPainter, line: int, text_color: QColor) -> None:
        left = 8.0
        for key, color in (("listeners", LISTENERS_COLOR), ("joins", JOINS_COLOR), ("leaves", LEAVES_COLOR),
                           ("wave", WAVE_COLOR)):
            swatch = QRectF(left, 6 + line * 0.25, line * 0.9, line * 0.5)
            painter.fillRect(swatch, QColor(color.red(), color.green(), color.blue(), 90) if key == "wave" else color)
            painter.setPen(text_color)
            label = self._words[key]
            painter.drawText(QPointF(swatch.right() + 5, 6 + line * 0.8), label)
            left = swatch.right() + 5 + painter.fontMetrics().horizontalAdvance(label) + 16

    def _draw_waves(self, painter: QPainter, x: XScale, upper: QRectF, lower: QRectF) -> None:
        for first, last, reconnects in self.waves:
            left, right = x(self.minutes[first].start), x(self.minutes[last].start + 60)
            painter.fillRect(QRectF(left, upper.top(), right - left, lower.bottom() - upper.top()),
                             QColor(WAVE_COLOR.red(), WAVE_COLOR.green(), WAVE_COLOR.blue(), 60))
            painter.setPen(WAVE_COLOR)
            label = f"↻ {compact_number(reconnects, self._locale)}"
            painter.drawText(QPointF(left + 2, upper.top() - 4), label)

    def _draw_listeners(self, painter: QPainter, x: XScale, upper: QRectF, text_color: QColor) -> None:
        counts = [p.listeners for p in self.points if p.listeners is not None]
        top = nice_ceiling(max(counts, default=0))
        painter.setPen(text_color)
        metrics = painter.fontMetrics()
        for value in (0, top / 2, top) if (top / 2).is_integer() else (0, top):
            y = upper.bottom() - value / top * upper.height()
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(upper.left(), y), QPointF(upper.right(), y))
            painter.setPen(text_color)
            label = compact_number(int(value), self._locale)
            painter.drawText(QPointF(upper.left() - 6 - metrics.horizontalAdvance(label), y + metrics.ascent() / 2),
                             label)
        path, drawing = QPainterPath(), False
        for p in self.points:  # a gap where the count is unknown
            if p.listeners is None:
                drawing = False
                continue
            point = QPointF(x(p.at + 5), upper.bottom() - p.listeners / top * upper.height())
            if drawing:
                path.lineTo(point)
            else:
                path.moveTo(point)
                drawing = True
        painter.setPen(QPen(LISTENERS_COLOR, 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        if len(counts) == 1:  # one reading: a dot, not an invisible line of one point
            painter.setBrush(LISTENERS_COLOR)
            painter.drawEllipse(path.currentPosition(), 3, 3)

    def _draw_bars(self, painter: QPainter, x: XScale, lower: QRectF, text_color: QColor) -> None:
        top = nice_ceiling(max((max(m.joins, m.leaves) for m in self.minutes), default=0))
        middle = lower.center().y()
        half = lower.height() / 2
        metrics = painter.fontMetrics()
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1))
        painter.drawLine(QPointF(lower.left(), middle), QPointF(lower.right(), middle))
        painter.setPen(text_color)
        for value, y in ((top, lower.top() + metrics.ascent()), (0, middle + metrics.ascent() / 2),
                         (top, lower.bottom())):  # the outer labels inside the band: clear of the time axis
            label = self._words["per minute"].format(count=compact_number(int(value), self._locale)) if value \
                else "0"
            painter.drawText(QPointF(lower.right() + 6, y), label)
        for m in self.minutes:
            left, right = x(m.start), x(m.start + 60)
            width = max(1.0, (right - left) * 0.7)
            left += (right - left - width) / 2
            if m.joins:
                height = max(1.0, m.joins / top * half)
                painter.fillRect(QRectF(left, middle - height, width, height), JOINS_COLOR)
            if m.leaves:
                height = max(1.0, m.leaves / top * half)
                painter.fillRect(QRectF(left, middle, width, height), LEAVES_COLOR)

    def _draw_time_axis(self, painter: QPainter, x: XScale, area: QRectF, start: int, end: int,
                        text_color: QColor) -> None:
        span = (end - start) / 60
        step = next((s for s in TIME_STEPS if span / s <= 6), TIME_STEPS[-1]) * 60
        painter.setPen(text_color)
        metrics = painter.fontMetrics()
        t = math.ceil(start / step) * step
        while t <= end:
            label = clock_text(t)
            left = x(t) - metrics.horizontalAdvance(label) / 2
            painter.drawLine(QPointF(x(t), area.bottom()), QPointF(x(t), area.bottom() + 4))
            painter.drawText(QPointF(left, area.bottom() + 6 + metrics.ascent()), label)
            t += step
