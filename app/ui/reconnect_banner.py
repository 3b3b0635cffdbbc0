"""The reconnect banner: tells the listener we lost the server and are retrying while the cushion plays.

A passive widget, like RoomView: the window passes every StatusChange to `set_status()`, and gives it a
callable for the audio still buffered. It is amber, not red: a reconnect is expected and usually inaudible,
so it must not look like a failure. The countdown and the audio left move on a 200 ms timer that runs only
while the banner is visible.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.listener.status import RoomStatus, StatusChange
from app.ui.error_text import reconnect_reason_text
from app.ui.plain_text import elide, isolate

REFRESH_MS = 200
# Below this the text would read "0.0 s of audio left": the cushion is empty and the listener hears silence.
EMPTY_CUSHION_MS = 50.0
SERVER_MAX_PX = 260  # the server's address (from the link: outside text) is elided in the middle to this width

BANNER_STYLE = """
#reconnectBanner { background: #fff4d6; border: 1px solid #d89a00; border-radius: 4px; }
#reconnectBanner QLabel { color: #5c3d00; }
"""

Clock = Callable[[], float]
AudioLeftProvider = Callable[[], float]


class ReconnectBanner(QWidget):
    """Shown only while the room is RECONNECTING; "Details…" asks the window to open the connection dialog."""

    details_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, clock: Clock = time.monotonic) -> None:
        super().__init__(parent)
        self.setObjectName("reconnectBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # a plain QWidget paints no stylesheet
        self.setStyleSheet(BANNER_STYLE)
        self._clock = clock
        self._change: StatusChange | None = None
        self._audio_left: AudioLeftProvider | None = None
        self._paused = False
        self.last_announcement = ""  # what was last sent to screen readers (for tests)

        self.label = QLabel()
        self.label.setObjectName("reconnectText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QPushButton()
        self.details_button.setObjectName("reconnectDetails")
        self.details_button.setFlat(True)
        self.details_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.details_button.clicked.connect(self.details_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.details_button)

        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self.retranslate()
        self.hide()

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Reconnecting"))
        self.label.setAccessibleName(self.tr("Reconnect status"))
        self.details_button.setText(self.tr("&Details…"))
        self.details_button.setAccessibleName(self.tr("Connection details"))
        self.details_button.setToolTip(self.tr("Show the connection details and the reconnect history"))
        self.refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ what the window tells us
    def set_status(self, change: StatusChange) -> None:
        """Every status change goes here; the banner decides whether it is shown."""
        was_reconnecting = self.reconnecting()
        self._change = change
        if change.status != RoomStatus.RECONNECTING:
            self._paused = False
            self.hide()
            self.refresh()
            return
        self.refresh()
        self.show()
        if not was_reconnecting:
            self._announce(self.label.text())

    def set_audio_left_provider(self, provider: AudioLeftProvider | None) -> None:
        """`provider()` returns the milliseconds of audio still buffered; None drops the audio-left part."""
        self._audio_left = provider
        self.refresh()

    def reconnecting(self) -> bool:
        return self._change is not None and self._change.status == RoomStatus.RECONNECTING

    def text(self) -> str:
        return self.label.text()

    # ------------------------------------------------------------------ rendering
    def refresh(self) -> None:
        """Rebuild the text from the last status, the clock and the cushion; the timer calls this."""
        change = self._change
        if change is None or change.status != RoomStatus.RECONNECTING:
            self.label.clear()
            self.setToolTip("")
            self.setAccessibleDescription("")
            return
        info = change.reconnect
        if info is None:
            attempt = self.tr("Reconnecting…")
        elif info.next_try_at is None:
            server = isolate(elide(info.server, self.label.fontMetrics(), SERVER_MAX_PX, Qt.TextElideMode.ElideMiddle))
            attempt = self.tr("Reconnecting… attempt {attempt}, connecting to {server}").format(
                attempt=info.attempt, server=server)
        else:
            remaining = max(0.0, info.next_try_at - self._clock())
            attempt = self.tr("Reconnecting… attempt {attempt}, next try in {seconds} s").format(
                attempt=info.attempt, seconds=f"{remaining:.1f}")
        text = attempt
        if self._audio_left is not None:
            left_ms = max(0.0, float(self._audio_left()))
            paused = left_ms < EMPTY_CUSHION_MS
            if paused:
                audio = self.tr("audio paused")
            else:
                audio = self.tr("{seconds} s of audio left").format(seconds=f"{left_ms / 1000:.1f}")
            text = self.tr("{reconnect} · {audio}").format(reconnect=attempt, audio=audio)
            if paused and not self._paused and self.isVisible():
                self._announce(self.tr("Audio paused until the connection is back"))
            self._paused = paused
        # Why it was lost is English detail from the network stack: it goes to the log and the connection details;
        # the banner explains in the user's language.
        why = reconnect_reason_text()
        self.label.setText(text)
        self.setToolTip(why)
        self.setAccessibleDescription(why)  # not the ticking text: a screen reader would re-read it 5 times a second

    def _announce(self, message: str) -> None:
        """A polite announcement: a reconnect is news, but must not interrupt what the reader is saying."""
        self.last_announcement = message
        if not message or not QAccessible.isActive():
            return
        event = QAccessibleAnnouncementEvent(self, message)
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
        QAccessible.updateAccessibility(event)

    # ------------------------------------------------------------------ the timer follows visibility
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.refresh_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.refresh_timer.stop()
        super().hideEvent(event)
