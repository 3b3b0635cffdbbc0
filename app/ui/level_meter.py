"""A small microphone input meter: dBFS in, a bar from -60 dB (empty) to 0 dBFS (full).

The microphone reports a level every 20 ms; repainting a bar 50 times a second costs more than it shows, so the
meter keeps the loudest level since the last repaint and repaints at most 20 times a second (a peak is never
skipped). With no new level it falls back slowly, like a real meter, instead of freezing on the last value.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QProgressBar, QWidget

FLOOR_DB = -60.0  # quieter than this is "nothing" on a meter (room noise of a quiet room is around -60 dBFS)
REFRESH_MS = 50  # 20 repaints a second at most
FALL_PER_REFRESH = 6  # percent: an empty meter from full in under a second


def db_to_percent(db: float) -> int:
    """-60 dBFS or less → 0, 0 dBFS → 100, linear in dB (how loud it sounds, not how much voltage)."""
    if db != db:  # NaN: treat as silence
        return 0
    return round(max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB)) * 100)


class LevelMeter(QProgressBar):
    """Fed with `push(dbfs)` from the microphone; paints on its own timer while shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 100)
        self.setValue(0)
        self.setTextVisible(False)
        self.setMaximumHeight(10)
        self.setMinimumWidth(80)
        self._peak: int | None = None  # the loudest level since the last repaint
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh)

    def push(self, db: float) -> None:
        percent = db_to_percent(db)
        if self._peak is None or percent > self._peak:
            self._peak = percent

    def reset(self) -> None:
        self._peak = None
        self.setValue(0)

    def _refresh(self) -> None:
        peak, self._peak = self._peak, None
        value = max(peak if peak is not None else 0, self.value() - FALL_PER_REFRESH)
        if value != self.value():
            self.setValue(value)

    def showEvent(self, event: QShowEvent) -> None:
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        self.reset()
        super().hideEvent(event)
