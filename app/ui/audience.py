"""The audience side of the room view: the listener count and the Raise hand / Lower hand control.

Both show what the RoomStateModel says and nothing else: the count is labelled with its age once it is older
than STALE_AFTER_S (a number is never shown as current when it is not), and the hand button shows the user's
intent plus the controller's queue, so it survives reconnects (the model does).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QLocale, QTimer, Signal
from PySide6.QtGui import QHideEvent, QPalette, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.room.protocol import ListenerCount
from app.ui.numbers import compact_number, ordinal, plural_category

STALE_AFTER_S = 10.0  # older measurements say how old they are


class ListenerCountLabel(QLabel):
    """"890K listeners"; "890K listeners · updated 42 s ago"; "Listener count unknown" (no controller)."""

    def __init__(self, clock: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("listenerCount")
        self.clock = clock  # unix time, the clock `ListenerCount.measured_at` is in
        self._count: ListenerCount | None = None
        self._locale = QLocale.c()
        self._dim = False
        self._tick = QTimer(self)  # re-ages the text every second while a count is shown
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._render)
        self.retranslate()

    def number_locale(self) -> QLocale:
        """The locale of the UI language in effect (numbers follow the translation, not the region)."""
        return self._locale

    def set_count(self, count: ListenerCount | None) -> None:
        if count != self._count:
            self._count = count
            self._render()
            self._update_tick()

    def refresh(self) -> None:
        """Re-age the text now (the one-second tick calls this too)."""
        self._render()

    def age(self) -> float | None:
        """Seconds since the count was measured (0 if the controller's clock is ahead of ours)."""
        return None if self._count is None else max(0.0, self.clock() - self._count.measured_at)

    def is_stale(self) -> bool:
        age = self.age()
        return age is not None and age > STALE_AFTER_S

    def _count_text(self, formatted: str, count: int) -> str:
        if plural_category(count, self._locale) == "one":
            return self.tr("{count} listener").format(count=formatted)
        return self.tr("{count} listeners").format(count=formatted)

    def _render(self) -> None:
        count = self._count
        if count is None:
            text = self.tr("Listener count unknown")
            tip = self.tr("Nobody is counting listeners right now (the room's controller is not reachable).")
        else:
            text = self._count_text(compact_number(count.count, self._locale), count.count)
            tip = self._count_text(self._locale.toString(count.count), count.count)
            age = self.age() or 0.0
            if age > STALE_AFTER_S:
                if age < 120:
                    text = self.tr("{listeners} · updated {seconds} s ago").format(listeners=text, seconds=int(age))
                else:
                    text = self.tr("{listeners} · updated {minutes} min ago").format(
                        listeners=text, minutes=int(age // 60))
        if text != self.text():
            self.setText(text)
            self.setAccessibleDescription(text)
        if tip != self.toolTip():  # the exact count can change under the same compact text
            self.setToolTip(tip)
        dim = count is None or self.is_stale()
        if dim != self._dim:  # greyed out while unknown or old
            self._dim = dim
            self.setForegroundRole(QPalette.ColorRole.PlaceholderText if dim else QPalette.ColorRole.WindowText)

    def _update_tick(self) -> None:
        run = self._count is not None and self.isVisible()
        if run and not self._tick.isActive():
            self._tick.start()
        elif not run and self._tick.isActive():
            self._tick.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._render()
        self._update_tick()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._update_tick()

    def retranslate(self) -> None:
        # Numbers follow the UI language, not the region: each translation names its own locale.
        self._locale = QLocale(self.tr("en", "locale code of this translation, for numbers"))
        self.setAccessibleName(self.tr("Listeners"))
        self.setText("")  # force a re-render in the new language
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class HandControl(QWidget):
    """A Raise hand / Lower hand toggle and the queue state ("Hand raised — 3rd in queue").

    Clicking only emits `hand_raise_requested`; the button's state comes back from the model via `set_hand`,
    so it always shows the model's intent (which survives reconnects), never a click the model did not take.
    """

    hand_raise_requested = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("handControl")
        self._raised = False
        self._in_queue = False
        self._position: int | None = None
        self.button = QPushButton()
        self.button.setObjectName("handButton")
        self.button.setCheckable(True)
        self.status_label = QLabel()
        self.status_label.setObjectName("handStatus")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.status_label, 1)
        self.button.clicked.connect(self._on_clicked)
        self.retranslate()

    def set_hand(self, raised: bool, in_queue: bool, position: int | None = None) -> None:
        """The model's intent, whether the controller lists the hand, and its 1-based place in the list."""
        if (raised, in_queue, position) != (self._raised, self._in_queue, self._position):
            self._raised, self._in_queue, self._position = raised, in_queue, position
            self._render()

    def raised(self) -> bool:
        return self._raised

    def status_text(self) -> str:
        return self.status_label.text()

    def _on_clicked(self, checked: bool) -> None:
        self.button.setChecked(self._raised)  # stay on the model's state until the model confirms
        self.hand_raise_requested.emit(checked)

    def _render(self) -> None:
        self.button.setChecked(self._raised)
        if self._raised:
            self.button.setText(self.tr("Lower hand"))
            self.button.setToolTip(self.tr("Take your hand down (H)"))
        else:
            self.button.setText(self.tr("Raise hand"))
            self.button.setToolTip(self.tr("Ask the hosts to bring you on stage (H)"))
        self.button.setAccessibleName(self.button.text())
        if self._raised and self._in_queue and self._position is not None:
            where = ordinal(self._position, QLocale(self.tr("en", "locale code of this translation, for numbers")))
            status = self.tr("Hand raised — {position} in queue").format(position=where)
        elif self._raised and self._in_queue:
            status = self.tr("Hand raised — in queue")
        elif self._raised:
            status = self.tr("Hand raised — waiting for the hosts to see it")
        elif self._in_queue:
            status = self.tr("Lowering your hand…")
        else:
            status = ""
        self.status_label.setText(status)
        self.status_label.setVisible(bool(status))
        self.button.setAccessibleDescription(status)

    def retranslate(self) -> None:
        self.status_label.setAccessibleName(self.tr("Hand status"))
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
