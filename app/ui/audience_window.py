"""The host's audience window: the audience chart, refreshed every 10 s while open, and its CSV export.

Non-modal (a host watches it while running the stage), owned by the host tools (app.ui.host_control.HostControl),
which open it from the panel's Audience button and close it when the host's desk goes away (the room was left).
Each refresh is one signed `audience` request through the host's desk (app.stage.host.HostDesk.audience); a
refresh that gets no answer keeps the last picture and says so. Export writes the points as shown with the csv
module (app.stage.audience_csv); a failed write is one translated sentence, its English detail goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from app.room.errors import RoomError
from app.room.reactions_protocol import ReactionCounts
from app.room.stage_protocol import AudienceReport
from app.stage.audience_csv import write_audience_csv
from app.stage.host import AUDIENCE_TIMEOUT, HostDesk
from app.ui.audience_chart import AudienceChart, clock_text
from app.ui.reactions import ReactionRates, rates_text
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)

REFRESH_MS = 10_000  # the controller's buckets are 10 s: asking more often shows nothing new


class AudienceWindow(QWidget):
    """A top-level window over the host tools; `desk()` is the host's current desk (None: not a host now)."""

    def __init__(self, desk: Callable[[], HostDesk | None], tasks: TaskSet, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("audienceWindow")
        self.desk = desk
        self._tasks = tasks
        self.report: AudienceReport | None = None
        self.fetching = False
        self.answer_timeout = AUDIENCE_TIMEOUT
        self._fetch_task: asyncio.Task[None] | None = None
        self._updated_at: float | None = None
        self._failed = False
        self.chart = AudienceChart()
        self.readout = QLabel()
        self.readout.setObjectName("audienceReadout")
        self.readout.setWordWrap(True)
        self.readout.setTextFormat(Qt.TextFormat.PlainText)
        # Beside the graph: the room's reactions per minute, from the announcements every client gets (§3.9).
        self.rates = ReactionRates()
        self.rates_label = QLabel()
        self.rates_label.setObjectName("reactionRates")
        self.rates_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status = QLabel()
        self.status.setObjectName("audienceStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.export_button = QPushButton()
        self.export_button.setEnabled(False)
        self.close_button = QPushButton()
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.readout)
        layout.addWidget(self.rates_label)
        layout.addLayout(buttons)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.rates_timer = QTimer(self)  # a quiet minute shows as such: the rates decay without announcements
        self.rates_timer.setInterval(1000)
        self.rates_timer.timeout.connect(self._show_rates)
        self.export_button.clicked.connect(self.export_csv)
        self.close_button.clicked.connect(self.close)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Cancel), self, self.close)
        self.chart.cursor_moved.connect(self._show_readout)
        self.resize(760, 480)
        self.retranslate()

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Audience"))
        self.export_button.setText(self.tr("&Export CSV…"))
        self.close_button.setText(self.tr("&Close"))
        self._show_status()
        self._show_readout()
        self._show_rates()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ refreshing
    def open(self) -> None:
        """Show (or bring back) the window and ask for fresh data now."""
        self.show()
        self.raise_()
        self.activateWindow()
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.timer.start()
        self.rates_timer.start()
        self._show_rates()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()
        self.rates_timer.stop()
        if self._fetch_task is not None:  # nobody looks: do not keep a leaving window waiting for an answer
            self._fetch_task.cancel()

    def refresh(self) -> None:
        """Ask the controller (one request at a time, only while the window is open)."""
        desk = self.desk()
        if self.fetching or desk is None or not self.isVisible():
            return
        self.fetching = True
        self._fetch_task = self._tasks.start(self._fetch(desk), name="plaza-host-audience")

    async def _fetch(self, desk: HostDesk) -> None:
        try:
            report = await desk.audience(self.answer_timeout)
        except RoomError as exc:
            log.info("the audience did not come: %s", exc)
            self._failed = True
        else:
            self._failed = False
            self.show_report(report)
        finally:
            self.fetching = False
            self._fetch_task = None
        self._show_status()

    def show_report(self, report: AudienceReport) -> None:
        self.report = report
        self._updated_at = time.time()
        self.chart.set_points(report.points)
        self.export_button.setEnabled(bool(report.points))
        self._show_status()
        self._show_readout()

    def _show_status(self) -> None:
        report = self.report
        parts = []
        if report is not None and self._updated_at is not None:
            parts.append(self.tr("Updated at {time}.").format(time=clock_text(self._updated_at)))
            shown = round(len(report.points) * report.bucket / 60)
            if report.total > len(report.points):
                kept = round(report.total * report.bucket / 60)
                parts.append(self.tr("Showing the last {shown} min of the {kept} min the controller keeps.")
                             .format(shown=shown, kept=kept))
        if self._failed:
            parts.append(self.tr("The room's controller did not answer; trying again in 10 s."))
        elif report is None:
            parts.append(self.tr("Asking the room's controller…"))
        self.status.setText(" ".join(parts))

    def add_reactions(self, counts: ReactionCounts) -> None:
        """An announcement of the room's reactions (kept while hidden too: the rate is of the last minute)."""
        self.rates.add(counts)
        if self.isVisible():
            self._show_rates()

    def _show_rates(self) -> None:
        self.rates_label.setText(rates_text(self.rates.per_minute()))

    def _show_readout(self) -> None:
        text = "\n".join(t for t in (self.chart.minute_text(), self.chart.summary()) if t)
        self.readout.setText(text)

    # ------------------------------------------------------------------ export
    def export_csv(self) -> None:
        """Ask where to save, in a dialog modal to this window only (open(), not exec(): exec() would re-enter
        the asyncio loop under qasync); the choice arrives in save_csv."""
        report = self.report
        if report is None:
            return
        dialog = QFileDialog(self, self.tr("Export the audience as CSV"),
                             f"plaza-audience-{report.room}-{time.strftime('%Y%m%d-%H%M')}.csv",
                             self.tr("CSV files (*.csv)"))
        dialog.setObjectName("audienceExportDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.save_csv)
        dialog.open()

    def save_csv(self, path: str) -> bool:
        """Write the points shown to `path`; a failure is one translated sentence (the detail goes to the log)."""
        report = self.report
        if report is None or not path:
            return False
        try:
            with Path(path).open("w", newline="", encoding="utf-8") as out:
                rows = write_audience_csv(report, out)
        except OSError as exc:
            log.warning("could not write the audience CSV %s: %s", path, exc)
            self.show_error(self.tr("Could not save the audience data to {file}. Check that the folder exists and "
                                    "that you may write there.").format(file=path))
            return False
        log.info("wrote %d audience rows to %s", rows, path)
        self.status.setText(self.tr("Saved to {file}.").format(file=path))
        return True

    def show_error(self, text: str) -> None:
        """One sentence in a message box modal to this window (open(), never exec())."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Export CSV"), text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("audienceExportError")
        box.setTextFormat(Qt.TextFormat.PlainText)  # the file name is the user's, shown as it is
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
