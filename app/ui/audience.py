"""The audience side of the room view: the listener count and the Raise hand / Lower hand control.

Both show what the RoomStateModel says and nothing else: the count is labelled with its age once it is older
than STALE_AFTER_S (a number is never shown as current when it is not), and the hand button shows the user's
intent plus the controller's queue, so it survives reconnects (the model does).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QPalette, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.room.protocol import ListenerCount
from app.ui.numbers import compact_number, ordinal

STALE_AFTER_S = 10.0  # older measurements say how old they are


class ListenerCountLabel(QLabel):
    """"890K listeners"; "890K listeners · updated 42 s ago"; "Listener count unknown" (no controller)."""

    def __init__(self, clock: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("listenerCount")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.clock = clock  # unix time, the clock `ListenerCount.measured_at` is in
        self._count: ListenerCount | None = None
        self._locale = QLocale.c()
        self._words: dict[str, str] = {}  # translated once per language (tr() costs microseconds, 20 times a second)
        self._shown_text: str | None = None  # what Qt has been given: only what differs is set again
        self._shown_tip: str | None = None
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

    def _translate_words(self) -> None:
        self._words = {
            "unknown": self.tr("Listener count unknown"),
            "unknown tip": self.tr("Nobody is counting listeners right now (the room's controller is not reachable)."),
            "seconds": self.tr("{listeners} · updated {seconds} s ago"),
            "minutes": self.tr("{listeners} · updated {minutes} min ago"),
        }

    def count_text(self, count: int, shown: str) -> str:
        """"890K listeners": Qt picks the plural form for `count` from the translation (Indonesian has one form,
        English and Spanish two), and `shown` is the number as displayed. The forms carry {count}, not %n: Qt
        renders %n (or %Ln) as the exact number, but the label shows the compact one ("890K", "890 rb"), so the
        number goes in with str.format, like every other placeholder in Plaza's strings."""
        # Qt's n is a C int: past 2**31 - 1 only the plural form matters, and that one is the same from there on
        return self.tr("{count} listener(s)", "", min(count, 2**31 - 1)).format(count=shown)

    def _render(self) -> None:
        count, words = self._count, self._words
        age = 0.0
        if count is None:
            text, tip = words["unknown"], words["unknown tip"]
        else:
            text = self.count_text(count.count, compact_number(count.count, self._locale))
            tip = self.count_text(count.count, self._locale.toString(count.count))
            age = max(0.0, self.clock() - count.measured_at)
            if age > STALE_AFTER_S:
                if age < 120:
                    text = words["seconds"].format(listeners=text, seconds=int(age))
                else:
                    text = words["minutes"].format(listeners=text, minutes=int(age // 60))
        if text != self._shown_text:
            self._shown_text = text
            self.setText(text)
            self.setAccessibleDescription(text)
        if tip != self._shown_tip:  # the exact count can change under the same compact text
            self._shown_tip = tip
            self.setToolTip(tip)
        dim = count is None or age > STALE_AFTER_S
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
        self._translate_words()
        self.setAccessibleName(self.tr("Listeners"))
        self._shown_text = self._shown_tip = None  # force a re-render in the new language
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
        self._words: dict[str, str] = {}  # translated once per language: the queue position moves often
        self._locale = QLocale.c()
        self._shown: tuple[bool, str] | None = None  # (raised, status) that Qt shows: only what differs is set
        self.button = QPushButton()
        self.button.setObjectName("handButton")
        self.button.setCheckable(True)
        self.status_label = QLabel()
        self.status_label.setObjectName("handStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
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

    def _translate_words(self) -> None:
        self._locale = QLocale(self.tr("en", "locale code of this translation, for numbers"))
        self._words = {
            "lower": self.tr("Lower hand"), "lower tip": self.tr("Take your hand down (H)"),
            "raise": self.tr("Raise hand"), "raise tip": self.tr("Ask the hosts to bring you on stage (H)"),
            "position": self.tr("Hand raised — {position} in queue"), "queued": self.tr("Hand raised — in queue"),
            "waiting": self.tr("Hand raised — waiting for the hosts to see it"),
            "lowering": self.tr("Lowering your hand…"),
        }

    def _render(self) -> None:
        raised, words, shown = self._raised, self._words, self._shown
        self.button.setChecked(raised)
        if shown is None or shown[0] != raised:
            self.button.setText(words["lower" if raised else "raise"])
            self.button.setToolTip(words["lower tip" if raised else "raise tip"])
            self.button.setAccessibleName(self.button.text())
        if raised and self._in_queue and self._position is not None:
            status = words["position"].format(position=ordinal(self._position, self._locale))
        elif raised and self._in_queue:
            status = words["queued"]
        elif raised:
            status = words["waiting"]
        elif self._in_queue:
            status = words["lowering"]
        else:
            status = ""
        if shown is None or shown[1] != status:
            self.status_label.setText(status)
            self.status_label.setVisible(bool(status))
            self.button.setAccessibleDescription(status)
        self._shown = (raised, status)

    def retranslate(self) -> None:
        self._translate_words()
        self.status_label.setAccessibleName(self.tr("Hand status"))
        self._shown = None  # every text again, in the new language
        self._render()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
