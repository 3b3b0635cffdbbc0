"""The connection details dialog: live numbers and the reconnect history, and a report to copy for support.

Non-modal on purpose: show it with `show()` (never `exec()`, which re-enters the asyncio loop under qasync;
`open()` would make it window-modal and block the room controls). It pulls a ConnectionStats from a provider
once a second while visible, so a hidden dialog costs nothing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.listener.stats import ConnectionStats, ReconnectRecord
from app.listener.status import RoomStatus
from app.ui.plain_text import elide, plain_tooltip

REFRESH_MS = 1000
NONE_TEXT = "—"

StatsProvider = Callable[[], ConnectionStats]

# The value rows, in display order, per group. Labels live in ConnectionDialog._labels() (lupdate needs literals).
CONNECTION_KEYS = ("server", "status", "rtt", "loss", "jitter")
AUDIO_KEYS = ("cushion", "protection", "masked_gap", "audible_gap", "content_skipped", "concealed_frames",
              "fec_recoveries", "drift")
PACKET_KEYS = ("packets_received", "packets_lost", "packets_late", "packets_duplicate")
VALUE_KEYS = CONNECTION_KEYS + AUDIO_KEYS + PACKET_KEYS

ADDRESS_MAX_PX = 360  # server addresses come from the link (outside text): elided in the middle beyond this
ADDRESS_KEYS = frozenset({"server"})

_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)


# ---------------------------------------------------------------------- formatting (pure, tested through the UI)
def format_ms(value: float | None, decimals: int = 0) -> str:
    return NONE_TEXT if value is None else f"{value:.{decimals}f} ms"


def format_duration_ms(value: float | None) -> str:
    """Milliseconds below a second, seconds above: "340 ms", "12.40 s"."""
    if value is None:
        return NONE_TEXT
    return f"{value:.0f} ms" if abs(value) < 1000 else f"{value / 1000:.2f} s"


def format_percent(value: float | None) -> str:
    return NONE_TEXT if value is None else f"{value:.1f} %"


def format_ppm(value: float | None) -> str:
    return NONE_TEXT if value is None else f"{value:+.1f} ppm"


def format_count(value: int | None) -> str:
    return NONE_TEXT if value is None else str(value)


def format_local_time(wall: float) -> str:
    """Local wall-clock time with the date: support compares it with server logs across midnight."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall))


def scrub(text: str | None) -> str:
    """Drop user:password@, query and fragment from every URL in `text`.

    Stats carry no secrets today (links reject them), but server URLs and loss reasons are free text that ends
    up on a clipboard and in support tickets; this keeps a future `?apisecret=` from ever leaving the machine.
    """
    if not text:
        return NONE_TEXT

    def clean(match: re.Match[str]) -> str:
        try:
            parts = urlsplit(match.group(0))
            netloc = parts.netloc.rpartition("@")[2]
            return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        except ValueError:
            return "<url>"

    return _URL.sub(clean, text)


class ConnectionDialog(QDialog):
    """Connection, audio and packet numbers, the reconnect history, Copy and Close."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionDialog")
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self._provider: StatsProvider | None = None
        self._stats: ConnectionStats | None = None
        self._history: tuple[ReconnectRecord, ...] | None = None  # what the table shows; rebuilt only on change

        self._names: dict[str, QLabel] = {}
        self._values: dict[str, QLabel] = {}
        self._full_values: dict[str, str] = dict.fromkeys(VALUE_KEYS, NONE_TEXT)
        self.connection_box = self._group(CONNECTION_KEYS)
        self.audio_box = self._group(AUDIO_KEYS)
        self.packets_box = self._group(PACKET_KEYS)

        self.history_box = QGroupBox()
        self.history_table = QTableWidget(0, 6)
        self.history_table.setObjectName("reconnectHistory")
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_table.verticalHeader().hide()
        self.history_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history_table.horizontalHeader().setStretchLastSection(True)
        self.history_empty = QLabel()
        self.history_empty.setObjectName("historyEmpty")
        history_layout = QVBoxLayout(self.history_box)
        history_layout.addWidget(self.history_empty)
        history_layout.addWidget(self.history_table)

        self.copied_label = QLabel()
        self.copied_label.setObjectName("copiedNotice")
        self.copied_label.hide()
        self._copied_timer = QTimer(self)  # owned, so it dies with the dialog
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(3000)
        self._copied_timer.timeout.connect(self.copied_label.hide)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton()
        self.copy_button.setObjectName("copyReport")
        self.copy_button.setAutoDefault(False)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)  # Close and Escape both reject(), which hides the dialog
        self.copy_button.clicked.connect(self.copy_report)

        layout = QVBoxLayout(self)
        layout.addWidget(self.connection_box)
        layout.addWidget(self.audio_box)
        layout.addWidget(self.packets_box)
        layout.addWidget(self.history_box, 1)
        layout.addWidget(self.copied_label)
        layout.addWidget(self.buttons)

        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self.resize(560, 640)
        self.retranslate()

    def _group(self, keys: tuple[str, ...]) -> QGroupBox:
        box = QGroupBox()
        form = QFormLayout(box)
        for key in keys:
            name, value = QLabel(), QLabel(NONE_TEXT)
            value.setObjectName(f"stat_{key}")
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            name.setBuddy(value)
            form.addRow(name, value)
            self._names[key], self._values[key] = name, value
        return box

    # ------------------------------------------------------------------ i18n
    def _labels(self) -> dict[str, str]:
        return {
            "server": self.tr("Server:"),
            "status": self.tr("Status:"),
            "rtt": self.tr("Round-trip time:"),
            "loss": self.tr("Packet loss:"),
            "jitter": self.tr("Jitter:"),
            "cushion": self.tr("Audio cushion (now / target):"),
            "protection": self.tr("Outage it would hide now:"),
            "masked_gap": self.tr("Gaps masked:"),
            "audible_gap": self.tr("Gaps heard:"),
            "content_skipped": self.tr("Content skipped:"),
            "concealed_frames": self.tr("Concealed frames:"),
            "fec_recoveries": self.tr("FEC recoveries:"),
            "drift": self.tr("Clock drift:"),
            "packets_received": self.tr("Packets received:"),
            "packets_lost": self.tr("Packets lost:"),
            "packets_late": self.tr("Late packets:"),
            "packets_duplicate": self.tr("Duplicate packets:"),
        }

    def _history_headers(self) -> list[str]:
        return [self.tr("Lost at"), self.tr("Reason"), self.tr("Server"), self.tr("Attempts"),
                self.tr("Recovered"), self.tr("New server")]

    def _status_name(self, status: str) -> str:
        names = {
            RoomStatus.IDLE.value: self.tr("Not connected"),
            RoomStatus.CONNECTING.value: self.tr("Connecting"),
            RoomStatus.LIVE.value: self.tr("Live"),
            RoomStatus.RECONNECTING.value: self.tr("Reconnecting"),
            RoomStatus.ENDED.value: self.tr("Ended"),
            RoomStatus.ERROR.value: self.tr("Error"),
        }
        return names.get(status, status)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Connection details"))
        self.connection_box.setTitle(self.tr("Connection"))
        self.audio_box.setTitle(self.tr("Audio"))
        self.packets_box.setTitle(self.tr("Packets"))
        self.history_box.setTitle(self.tr("Reconnect history"))
        self.history_empty.setText(self.tr("No reconnects since joining."))
        self.history_table.setAccessibleName(self.tr("Reconnect history"))
        self.history_table.setHorizontalHeaderLabels(self._history_headers())
        for key, text in self._labels().items():
            self._names[key].setText(text)
            self._values[key].setAccessibleName(text.rstrip(":"))
        self.copy_button.setText(self.tr("&Copy report"))
        self.copy_button.setToolTip(self.tr("Copy these details as plain text, e.g. for a support request"))
        self.copied_label.setText(self.tr("Report copied to the clipboard."))
        self._history = None  # the rows hold translated texts too
        self._render(self._stats)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ data
    def set_stats_provider(self, provider: StatsProvider | None) -> None:
        """Where the numbers come from (e.g. `session.stats`); None (after leaving) shows "—" everywhere."""
        self._provider = provider
        self.refresh()

    def refresh(self) -> None:
        """Pull fresh stats and redraw; the 1 s timer calls this while the dialog is visible."""
        self._stats = self._provider() if self._provider is not None else None
        self._render(self._stats)

    def value_text(self, key: str) -> str:
        """The value as it is (an elided server address: the whole of it, which the tooltip shows)."""
        return self._full_values.get(key, "")

    def _values_for(self, stats: ConnectionStats | None) -> dict[str, str]:
        if stats is None:
            return dict.fromkeys(VALUE_KEYS, NONE_TEXT)
        p = stats.playout
        return {
            "server": scrub(stats.server),
            "status": self._status_name(stats.status),
            "rtt": format_ms(stats.rtt_ms),
            "loss": format_percent(stats.loss_percent),
            "jitter": format_ms(p.jitter_ms, 1),
            "cushion": self.tr("{now} / {target}").format(now=format_duration_ms(p.cushion_ms),
                                                           target=format_duration_ms(p.target_ms)),
            "protection": format_duration_ms(p.protection_ms),
            "masked_gap": format_duration_ms(p.masked_gap_ms),
            "audible_gap": format_duration_ms(p.audible_gap_ms),
            "content_skipped": format_duration_ms(p.content_skipped_ms),
            "concealed_frames": format_count(p.concealed_frames),
            "fec_recoveries": format_count(p.fec_recoveries),
            "drift": format_ppm(p.drift_ppm),
            "packets_received": format_count(p.packets_received),
            "packets_lost": format_count(p.packets_lost),
            "packets_late": format_count(p.late_packets),
            "packets_duplicate": format_count(p.duplicate_packets),
        }

    def _history_row(self, record: ReconnectRecord) -> list[str]:
        if record.recovered_at is None:
            recovered = self.tr("still retrying")
        else:
            recovered = self.tr("after {seconds} s").format(seconds=f"{record.recovered_at - record.lost_at:.1f}")
        return [format_local_time(record.lost_at), scrub(record.reason), scrub(record.server),
                format_count(record.attempts), recovered, scrub(record.recovered_server)]

    def history_rows(self) -> list[list[str]]:
        """The table's texts, row by row (what the user sees and what the report lists)."""
        table = self.history_table
        return [[(item.text() if (item := table.item(row, col)) is not None else "")
                 for col in range(table.columnCount())] for row in range(table.rowCount())]

    def _render(self, stats: ConnectionStats | None) -> None:
        for key, text in self._values_for(stats).items():
            label = self._values[key]
            self._full_values[key] = text
            if key in ADDRESS_KEYS:
                label.setText(elide(text, label.fontMetrics(), ADDRESS_MAX_PX, Qt.TextElideMode.ElideMiddle))
                label.setToolTip(plain_tooltip(text) if text != NONE_TEXT else "")
            else:
                label.setText(text)
        history = stats.reconnects if stats is not None else ()
        if history == self._history:
            return  # unchanged: keep the user's selection and scroll position
        self._history = history
        table = self.history_table
        table.setRowCount(len(history))
        for row, record in enumerate(history):
            for col, text in enumerate(self._history_row(record)):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(text))
                table.setItem(row, col, item)
        self.history_empty.setVisible(not history)
        table.setVisible(bool(history))

    # ------------------------------------------------------------------ report
    def report(self) -> str:
        """Plain text of everything shown, for a support request. Built from scrubbed values only."""
        lines = [self.tr("Plaza {version} connection report, {time}").format(
            version=__version__, time=format_local_time(time.time()))]
        values = self._values_for(self._stats)
        labels = self._labels()
        for box, keys in ((self.connection_box, CONNECTION_KEYS), (self.audio_box, AUDIO_KEYS),
                          (self.packets_box, PACKET_KEYS)):
            lines += ["", box.title()]
            lines += [f"  {labels[key]} {values[key]}" for key in keys]
        lines += ["", self.history_box.title()]
        history = self._stats.reconnects if self._stats is not None else ()
        if not history:
            lines.append("  " + self.history_empty.text())
        headers = self._history_headers()
        for record in history:
            cells = self._history_row(record)
            lines.append("  " + "; ".join(f"{h}: {c}" for h, c in zip(headers, cells, strict=True)))
        return "\n".join(lines) + "\n"

    def copy_report(self) -> None:
        """Fresh numbers first, so the report matches the moment the user clicked."""
        self.refresh()
        QGuiApplication.clipboard().setText(self.report())
        self.copied_label.show()
        self._copied_timer.start()

    # ------------------------------------------------------------------ the timer follows visibility
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self.refresh_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.refresh_timer.stop()
        self.copied_label.hide()
        super().hideEvent(event)
