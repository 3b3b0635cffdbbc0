"""The hosts' audience graph in the window, without a lab: the chart draws what it is given and says it in words,
the host tools' Audience button opens a window that asks the controller every 10 s while open, and the CSV export
writes the points (or says, in one sentence, why it could not)."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.room.stage_protocol import AudiencePoint, AudienceReport
from app.ui.audience_chart import (
    JOINS_COLOR,
    LEAVES_COLOR,
    LISTENERS_COLOR,
    WAVE_COLOR,
    AudienceChart,
    clock_text,
    minutes_of,
    reconnect_waves,
)
from app.ui.audience_window import AudienceWindow
from tests.ui.helpers import WindowFactory, wait_until
from tests.ui.test_host_ui import actions, as_host
from tests.ui.test_speaker_ui import fakes  # noqa: F401  (autouse: no network, no microphone)

pytestmark = pytest.mark.gui

T0 = 1_763_721_000  # a whole minute


def launch_night() -> tuple[AudiencePoint, ...]:
    """Ten minutes: a crowd pouring in, a server melting at minute 6 (its listeners back on the other server
    within the minute: a reconnect wave), and a trickle of leaves."""
    points = []
    listeners = 100_000
    for i in range(60):
        minute = i // 6
        joins = 8_000 if minute < 6 else 2_000
        leaves = 150
        reconnects = 9_000 if minute == 6 else 0
        listeners += joins - leaves
        points.append(AudiencePoint(T0 + 10 * i, None if i in (20, 21) else listeners, joins, leaves, reconnects))
    return tuple(points)


def colour_pixels(image: QImage, colour: QColor, tolerance: int = 40) -> int:
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if abs(c.red() - colour.red()) + abs(c.green() - colour.green()) + abs(c.blue() - colour.blue()) \
                    < tolerance:
                count += 1
    return count


def test_minutes_and_waves() -> None:
    minutes = minutes_of(launch_night())
    assert len(minutes) == 10 and minutes[0].start == T0 and minutes[0].joins == 48_000
    assert minutes[3].listeners == minutes_of(launch_night())[3].listeners is not None  # a gap keeps the last known
    assert reconnect_waves(minutes) == [(6, 6, 54_000)]
    assert reconnect_waves(minutes_of([AudiencePoint(T0, 1, 1, 0, 0)])) == []


async def test_the_chart_draws_the_line_the_bars_and_the_wave(qtbot: Any) -> None:
    chart = AudienceChart()
    qtbot.addWidget(chart)
    chart.resize(720, 400)
    empty = chart.grab().toImage()
    assert colour_pixels(empty, LISTENERS_COLOR) == 0
    assert chart.summary() == "No audience data yet."
    chart.set_points(launch_night())
    image = chart.grab().toImage()
    counts = {name: colour_pixels(image, colour) for name, colour in
              (("line", LISTENERS_COLOR), ("joins", JOINS_COLOR), ("leaves", LEAVES_COLOR))}
    assert all(n > 20 for n in counts.values()), counts
    wave = QColor(WAVE_COLOR)
    wave.setAlpha(60)  # the shading over the white background
    blended = QColor(255 - (255 - wave.red()) * 60 // 255, 255 - (255 - wave.green()) * 60 // 255,
                     255 - (255 - wave.blue()) * 60 // 255)
    assert colour_pixels(image, blended, 30) > 100, "no reconnect wave shaded"
    # the wave is where minute 6 is: in the right half of the plot
    xs = [x for x in range(image.width()) if colour_pixels(image.copy(x, 0, 1, image.height()), blended, 30)]
    assert xs and image.width() * 0.5 < sum(xs) / len(xs) < image.width() * 0.95


async def test_the_summary_says_the_latest_numbers_and_the_keyboard_walks_the_minutes(qtbot: Any) -> None:
    chart = AudienceChart()
    qtbot.addWidget(chart)
    chart.set_points(launch_night())
    last = minutes_of(launch_night())[-1]
    assert chart.accessibleName() == "Audience chart"
    expected = (f"Listeners now: {last.listeners:,}. This minute: 12,000 joined, 900 left, 0 reconnected. "
                f"Peak: {last.listeners:,} at {clock_text(last.start)}. Reconnect waves: 1; the largest at "
                f"{clock_text(T0 + 360)}: 54,000 reconnected.")
    assert chart.summary() == expected and chart.accessibleDescription() == expected
    assert chart.focusPolicy() == Qt.FocusPolicy.StrongFocus
    chart.show()
    chart.setFocus()
    qtbot.keyClick(chart, Qt.Key.Key_End)
    qtbot.keyClick(chart, Qt.Key.Key_Left)
    qtbot.keyClick(chart, Qt.Key.Key_Left)
    qtbot.keyClick(chart, Qt.Key.Key_Left)
    assert chart.selected == 6
    assert chart.minute_text().startswith(f"{clock_text(T0 + 360)} — listeners: ")
    assert chart.minute_text().endswith("joined: 12,000; left: 900; reconnected: 54,000")
    assert chart.accessibleDescription().startswith(chart.minute_text())
    qtbot.keyClick(chart, Qt.Key.Key_Home)
    assert chart.selected == 0
    chart.set_points(launch_night()[:30])  # a refresh keeps the cursor on its minute
    assert chart.selected == 0


def report(points: tuple[AudiencePoint, ...] = (), total: int | None = None) -> AudienceReport:
    points = points or launch_night()
    return AudienceReport(1234, 10, points, len(points) if total is None else total)


async def open_audience(make_window: WindowFactory) -> tuple[AudienceWindow, Any, list[dict[str, Any]]]:
    window, speaker, sent = await as_host(make_window)
    panel = window.host_panel
    assert panel.audience_button.text() == "&Audience…" and panel.audience_button.isEnabled()
    panel.audience_button.click()
    audience = window.host_control.audience
    await wait_until(lambda: audience.isVisible() and ("audience", "") in actions(sent), 2, "the request")
    assert not audience.isModal() and audience.isWindow()
    return audience, speaker, sent


async def test_the_audience_button_opens_a_window_that_asks_every_10_s(make_window: WindowFactory) -> None:
    audience, speaker, sent = await open_audience(make_window)
    assert audience.timer.interval() == 10_000 and audience.timer.isActive()
    assert audience.status.text() == "Asking the room's controller…" and not audience.export_button.isEnabled()
    speaker.listen.channel.stage_whispers.emit(report(total=720))  # the controller's answer
    await wait_until(lambda: audience.chart.points == launch_night(), 2, "the chart")
    assert audience.export_button.isEnabled()
    assert "Showing the last 10 min of the 120 min the controller keeps." in audience.status.text()
    assert audience.readout.text() == audience.chart.summary()
    audience.timer.setInterval(50)  # the next refreshes, sooner
    await wait_until(lambda: actions(sent).count(("audience", "")) >= 2, 2, "a refresh")
    audience.timer.stop()
    speaker.listen.channel.stage_whispers.emit(report(total=720))
    await wait_until(lambda: not audience.fetching, 2, "the refresh answered")
    audience.answer_timeout = 0.05
    audience.refresh()
    await wait_until(lambda: "did not answer" in audience.status.text(), 2, "the silence noticed")
    assert audience.chart.points == launch_night()  # the last picture stays
    audience.close()
    asked = actions(sent).count(("audience", ""))
    audience.refresh()  # a closed window asks nothing
    await asyncio.sleep(0.2)
    assert actions(sent).count(("audience", "")) == asked and not audience.timer.isActive()


async def test_leaving_the_room_closes_the_window(make_window: WindowFactory) -> None:
    audience, _speaker, _sent = await open_audience(make_window)
    window = audience.parent().parent()  # the host panel's main window
    assert audience.fetching  # the first request waits for its answer (up to 5 s)...
    window.leave()
    await wait_until(lambda: not audience.isVisible(), 2, "the window closed")
    await wait_until(lambda: not audience.fetching, 1, "the request dropped")  # ...not once nobody looks


async def test_export_writes_the_points_as_csv(make_window: WindowFactory, tmp_path: Path) -> None:
    audience, _speaker, _sent = await open_audience(make_window)
    audience.show_report(report())
    audience.export_button.click()
    dialog = audience.findChild(QFileDialog, "audienceExportDialog")
    await wait_until(lambda: dialog.isVisible(), 2, "the file dialog")
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave and dialog.isModal()
    assert dialog.selectedFiles()[0].endswith(".csv") and "plaza-audience-1234-" in dialog.selectedFiles()[0]
    target = tmp_path / "night.csv"
    dialog.selectFile(str(target))
    dialog.accept()
    await wait_until(lambda: target.exists(), 2, "the file")
    rows = list(csv.reader(target.open(newline="", encoding="utf-8")))
    assert rows[0] == ["time", "unix_time", "listeners", "joins", "leaves", "reconnects"]
    assert len(rows) == 61
    first, gap = launch_night()[0], launch_night()[20]
    assert rows[1][1:] == [str(T0), str(first.listeners), "8000", "150", "0"]
    assert rows[21][1:] == [str(T0 + 200), "", "8000", "150", "0"]  # an unknown count is an empty cell
    assert gap.listeners is None
    assert audience.status.text() == f"Saved to {target}."


async def test_an_export_that_cannot_be_written_says_so_in_one_sentence(make_window: WindowFactory,
                                                                         tmp_path: Path) -> None:
    audience, _speaker, _sent = await open_audience(make_window)
    audience.show_report(report())
    target = tmp_path / "no such folder" / "night.csv"
    assert not audience.save_csv(str(target))
    box = audience.findChild(QMessageBox, "audienceExportError")
    await wait_until(lambda: box is not None and box.isVisible(), 2, "the error")
    assert box.text() == (f"Could not save the audience data to {target}. Check that the folder exists and that you "
                          "may write there.")
    assert "Traceback" not in box.text() and "Errno" not in box.text() and box.windowTitle() == "Export CSV"
    box.close()
