"""Browse rooms: the live rooms of the servers in the settings, from their lobby channels; join one with a click.

The directory (app.listener.directory) does the network part: it joins each server's lobby and keeps the rooms
its controllers announce, with their timeouts. This dialog only shows that model: one row per room (title, hosts,
listeners, live for), a filter, and Join on double-click or Return. Titles and names come from the network: they
are shown as plain text (tree items never render rich text), never in a tooltip.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.links import LinkError, format_link, server_url
from app.listener.directory import DirectoryBrowser, ListedRoom
from app.ui.settings import MAX_BROWSE_SERVERS, AppSettings
from app.ui.tasks import TaskSet

REFRESH_MS = 5000  # "live for" and the lobby status move on without announcements
SOON_MS = 250  # a changed directory is shown this soon (coalesced)
LINK_ROLE = Qt.ItemDataRole.UserRole

BrowserFactory = Callable[[list[str]], DirectoryBrowser]


class RoomBrowserDialog(QDialog):
    """The live rooms of the chosen servers; `join_requested` carries the chosen room's link."""

    join_requested = Signal(str)

    def __init__(self, settings: AppSettings, tasks: TaskSet, factory: BrowserFactory = DirectoryBrowser,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomBrowserDialog")
        self.settings = settings
        self._tasks = tasks
        self._factory = factory
        self.browser: DirectoryBrowser | None = None
        self.servers_label = QLabel()
        self.servers_edit = QLineEdit(" ".join(settings.browse_servers()))
        self.servers_label.setBuddy(self.servers_edit)
        self.browse_button = QPushButton()
        self.filter_edit = QLineEdit()
        self.filter_edit.setClearButtonEnabled(True)
        self.rooms = QTreeWidget()
        self.rooms.setObjectName("roomBrowserList")
        self.rooms.setRootIsDecorated(False)
        self.rooms.setUniformRowHeights(True)
        self.rooms.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.rooms.setColumnCount(4)
        self.rooms.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setObjectName("roomBrowserMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.join_button = QPushButton()
        self.join_button.setEnabled(False)
        self.buttons.addButton(self.join_button, QDialogButtonBox.ButtonRole.AcceptRole)
        servers_row = QHBoxLayout()
        servers_row.addWidget(self.servers_label)
        servers_row.addWidget(self.servers_edit, 1)
        servers_row.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addLayout(servers_row)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.rooms, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(640, 420)

        self.browse_button.clicked.connect(self.browse)
        self.servers_edit.returnPressed.connect(self.browse)
        self.filter_edit.textChanged.connect(self._refresh)
        self.rooms.itemActivated.connect(lambda _item, _column: self.join_selected())  # double-click, Return
        self.rooms.currentItemChanged.connect(lambda current, _previous: self.join_button.setEnabled(
            current is not None))
        self.buttons.accepted.connect(self.join_selected)
        self.buttons.rejected.connect(self.reject)
        self._timer = QTimer(self)  # parented, and stopped in done(): never fires on a half-destroyed dialog
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh)
        # Summaries arrive all the time (1,000 rooms: ~200 a second); rebuild the list at most 4 times a second.
        self._soon = QTimer(self)  # parented, and stopped in done() like the other
        self._soon.setSingleShot(True)
        self._soon.setInterval(SOON_MS)
        self._soon.timeout.connect(self._refresh)
        self.retranslate()

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Browse rooms"))
        self.servers_label.setText(self.tr("&Servers:"))
        self.servers_edit.setToolTip(self.tr("Janus servers (ws:// or wss:// addresses), separated by spaces"))
        self.browse_button.setText(self.tr("&Browse"))
        self.filter_edit.setPlaceholderText(self.tr("Filter by title or host"))
        self.rooms.setHeaderLabels([self.tr("Title"), self.tr("Hosts"), self.tr("Listeners"), self.tr("Live for")])
        self.join_button.setText(self.tr("&Join"))
        self._refresh()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ browsing
    def browse(self) -> bool:
        """(Re)start listening to the lobbies of the servers in the field; a bad address is said, nothing saved."""
        words = self.servers_edit.text().split()
        servers: list[str] = []
        for word in words[:MAX_BROWSE_SERVERS]:
            try:
                servers.append(server_url(word))
            except LinkError:
                self.message.setText(self.tr("“{address}” is not a server address (ws://HOST:PORT/janus or "
                                             "wss://…).").format(address=word[:80]))
                return False
        if not servers:
            self.message.setText(self.tr("Enter at least one server address."))
            return False
        self.settings.set_browse_servers(servers)
        self._stop_browser()
        browser = self.browser = self._factory(servers)
        browser.directory.changed.connect(self._refresh_soon)
        browser.start()
        self._timer.start()
        self._refresh()
        return True

    def _stop_browser(self) -> None:
        browser, self.browser = self.browser, None
        if browser is not None:
            browser.directory.changed.disconnect(self._refresh_soon)
            self._tasks.start(browser.close(), "close room directory")

    def _refresh_soon(self) -> None:
        if not self._soon.isActive():
            self._soon.start()

    def done(self, result: int) -> None:
        self._timer.stop()
        self._soon.stop()
        self._stop_browser()
        super().done(result)

    # ------------------------------------------------------------------ the list
    def listed(self) -> list[ListedRoom]:
        """The rooms shown now (the filter applied), in the directory's order."""
        if self.browser is None:
            return []
        needle = self.filter_edit.text().strip().casefold()
        return [r for r in self.browser.directory.rooms()
                if not needle or needle in r.summary.title.casefold()
                or any(needle in h.casefold() for h in r.summary.hosts)]

    def _refresh(self) -> None:
        current = self.rooms.currentItem()
        chosen = current.data(0, LINK_ROLE) if current is not None else None
        rooms = self.listed()
        now = time.time()
        self.rooms.clear()
        for room in rooms:
            item = QTreeWidgetItem(self._row(room, now))
            link = format_link(room.link)
            item.setData(0, LINK_ROLE, link)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.rooms.addTopLevelItem(item)
            if link == chosen:
                self.rooms.setCurrentItem(item)
        self.join_button.setEnabled(self.rooms.currentItem() is not None)
        self.message.setText(self._status(len(rooms)))

    def _row(self, room: ListedRoom, now: float) -> list[str]:
        s = room.summary
        title = s.title or self.tr("Room {number}").format(number=s.room)
        listeners = "—" if s.listeners is None else self.locale().toString(s.listeners)
        return [title, ", ".join(s.hosts), listeners, self.live_for(room.live_for(now))]

    def live_for(self, seconds: float) -> str:
        minutes = int(seconds) // 60
        if minutes < 1:
            return self.tr("just started")
        if minutes < 60:
            return self.tr("{minutes} min").format(minutes=minutes)
        return self.tr("{hours} h {minutes} min").format(hours=minutes // 60, minutes=f"{minutes % 60:02d}")

    def _status(self, shown: int) -> str:
        browser = self.browser
        if browser is None:
            return ""
        if not browser.joined:
            if browser.attempted.is_set():
                return self.tr("Cannot reach the lobby of {servers}; trying again.").format(
                    servers=", ".join(_short(browser.servers)))
            return self.tr("Looking for live rooms…")
        if shown == 0:
            return self.tr("No live rooms match.") if self.filter_edit.text().strip() else \
                self.tr("No live rooms right now.")
        return ""

    def join_selected(self) -> None:
        item = self.rooms.currentItem()
        if item is None:
            return
        link = item.data(0, LINK_ROLE)
        if isinstance(link, str):
            self.join_requested.emit(link)
            self.accept()


def _short(servers: Iterable[str]) -> list[str]:
    return [s if len(s) <= 60 else s[:59] + "…" for s in servers]
