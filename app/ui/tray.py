"""Plaza as a desktop citizen: the tray icon and its menu, keeping a room playing with the window closed, and the
notifications for what happens in the room while nobody looks at the window.

The tray icon exists only where the desktop has a tray (QSystemTrayIcon.isSystemTrayAvailable()); without one,
closing the window quits as before and there are no notifications (Qt shows them through the tray icon, which uses
the desktop's notification service where there is one). Notifications come only while the window is hidden,
minimized or in the background: whoever is looking at the window sees the news there.

Every room event the desktop is told about goes through this one object: the main window passes it the session's
status changes and the invitation to speak.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from app.listener.status import RoomStatus, StatusChange
from app.ui.error_text import ended_text
from app.ui.icons import app_icon

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)

MESSAGE_MS = 8000  # how long a notification stays (desktops may have their own rule)


def present(window: QWidget) -> None:
    """Bring the window to the front: out of the tray, out of the taskbar, raised and focused."""
    if window.isHidden():
        window.show()
    if window.isMinimized():
        window.setWindowState((window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive)
    window.raise_()
    window.activateWindow()


class DesktopTray(QObject):
    """The tray icon (if the desktop has a tray), its menu, close-to-tray and the room notifications."""

    notified = Signal(str, str)  # (title, text) of every notification shown (tests and the log follow it)

    def __init__(self, window: MainWindow, available: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self.window = window
        self.available = QSystemTrayIcon.isSystemTrayAvailable() if available is None else available
        self.clock = clock
        self._reconnecting_since: float | None = None

        self.menu = QMenu(window)
        self.menu.setObjectName("trayMenu")
        self.show_action = QAction(self)
        self.show_action.triggered.connect(lambda _checked=False: present(window))
        self.quit_action = QAction(self)
        self.quit_action.triggered.connect(lambda _checked=False: window.quit())
        self.menu.addAction(self.show_action)
        self.menu.addSeparator()
        self.menu.addActions([window.mute_action, window.leave_action])  # shared: they follow the window's state
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)

        self.icon: QSystemTrayIcon | None = None
        if self.available:
            self.icon = QSystemTrayIcon(app_icon(), self)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._on_activated)
            self.icon.messageClicked.connect(lambda: present(window))
            self.icon.show()
        self.retranslate()

    def retranslate(self) -> None:
        self.show_action.setText(self.tr("&Show Plaza"))
        self.quit_action.setText(self.tr("&Quit Plaza"))
        if self.icon is not None:
            self.icon.setToolTip(self.tr("Plaza"))

    def close(self) -> None:
        """Take the icon off the tray (at quit: a tray icon can outlive the window by a moment otherwise)."""
        if self.icon is not None:
            self.icon.hide()

    # ------------------------------------------------------------------ the window
    def hide_on_close(self) -> bool:
        """Called when the window is closed: True if it went to the tray instead (the room keeps playing)."""
        if self.icon is None or not self.window.settings.close_to_tray():
            return False
        self.window.hide()
        if not self.window.settings.tray_hint_shown():
            self.window.settings.set_tray_hint_shown(True)
            self._show(self.tr("Plaza is still running"),
                       self.tr("The room keeps playing. To quit, choose Quit Plaza in the tray icon's menu."))
        return True

    def start_hidden(self) -> None:
        """The "start minimized" setting: in the tray if there is one, else minimized on the taskbar."""
        if self.icon is not None:
            self.window.hide()
        else:
            self.window.showMinimized()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            window = self.window
            if not window.isVisible() or window.isMinimized() or not window.isActiveWindow():
                present(window)
            elif window.settings.close_to_tray():
                window.hide()
            else:
                window.showMinimized()

    # ------------------------------------------------------------------ room events
    def status_changed(self, change: StatusChange) -> None:
        """The session's status: the room ended, or it is back after a reconnect (and how long that took)."""
        if change.status is RoomStatus.RECONNECTING:
            if self._reconnecting_since is None:
                self._reconnecting_since = self.clock()
            return
        since, self._reconnecting_since = self._reconnecting_since, None
        if change.status is RoomStatus.LIVE and since is not None:
            seconds = max(0, round(self.clock() - since))
            self._notify(self.tr("Reconnected"),
                         self.tr("Back in the room after {seconds} s.").format(seconds=seconds))
        elif change.status is RoomStatus.ENDED:
            state = self.window.room_view.state_bridge
            by_hosts = state is not None and state.model.state.ended
            self._notify(self.tr("The room has ended"), ended_text(by_hosts))

    def invited(self) -> None:
        self._notify(self.tr("You are invited to speak"),
                     self.tr("Open Plaza to check your microphone and accept, or choose Not now."))

    def should_notify(self) -> bool:
        """Only while the window is out of sight or in the background."""
        window = self.window
        return not window.isVisible() or window.isMinimized() or not window.isActiveWindow()

    def _notify(self, title: str, text: str) -> None:
        if self.should_notify():
            self._show(title, text)

    def _show(self, title: str, text: str) -> None:
        if self.icon is None:
            return
        log.info("notification: %s", title)
        self.icon.showMessage(title, text, app_icon(), MESSAGE_MS)
        self.notified.emit(title, text)
