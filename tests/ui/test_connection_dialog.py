"""The connection details dialog on its own: formatted numbers, "—" for unknowns, history, refresh, copy."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from app.listener.stats import ConnectionStats, PlayoutStats, ReconnectRecord
from app.ui.connection_dialog import VALUE_KEYS, ConnectionDialog

pytestmark = pytest.mark.gui

LOST_1 = 1_700_000_000.0
LOST_2 = 1_700_000_600.0

STATS = ConnectionStats(
    server="ws://b.example:8188/janus",
    status="reconnecting",
    rtt_ms=42.4,
    loss_percent=0.84,
    playout=PlayoutStats(
        cushion_ms=1234.0, target_ms=1500.0, protection_ms=1334.0, masked_gap_ms=340.0, audible_gap_ms=12_400.0,
        content_skipped_ms=80.0, concealed_frames=17, fec_recoveries=5, drift_ppm=-12.34,
        packets_received=15_321, packets_lost=129, late_packets=7, duplicate_packets=2, jitter_ms=3.25,
    ),
    reconnects=(
        ReconnectRecord(LOST_1, "no media for 2.0 s", "ws://a.example:8188/janus", attempts=2,
                        recovered_at=LOST_1 + 3.46, recovered_server="ws://b.example:8188/janus"),
        ReconnectRecord(LOST_2, "server closed the connection (1006)", "ws://b.example:8188/janus", attempts=4),
    ),
)

EXPECTED = {
    "server": "ws://b.example:8188/janus",
    "status": "Reconnecting",
    "rtt": "42 ms",
    "loss": "0.8 %",
    "jitter": "3.2 ms",
    "cushion": "1.23 s / 1.50 s",
    "protection": "1.33 s",
    "masked_gap": "340 ms",
    "audible_gap": "12.40 s",
    "content_skipped": "80 ms",
    "concealed_frames": "17",
    "fec_recoveries": "5",
    "drift": "-12.3 ppm",
    "packets_received": "15321",
    "packets_lost": "129",
    "packets_late": "7",
    "packets_duplicate": "2",
}


def local(wall: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(wall))


@pytest.fixture
def dialog(qtbot) -> ConnectionDialog:
    widget = ConnectionDialog()
    qtbot.addWidget(widget)
    return widget


def test_every_field_is_formatted(dialog: ConnectionDialog) -> None:
    dialog.set_stats_provider(lambda: STATS)
    assert set(EXPECTED) == set(VALUE_KEYS)
    assert {key: dialog.value_text(key) for key in VALUE_KEYS} == EXPECTED


def test_unknowns_show_a_dash(dialog: ConnectionDialog) -> None:
    assert all(dialog.value_text(key) == "—" for key in VALUE_KEYS), "no provider yet"
    dialog.set_stats_provider(lambda: ConnectionStats())  # before the first keepalive: no server, no RTT
    assert dialog.value_text("server") == "—"
    assert dialog.value_text("rtt") == "—"
    assert dialog.value_text("status") == "Not connected"
    assert dialog.value_text("cushion") == "0 ms / 0 ms"
    dialog.set_stats_provider(lambda: STATS)
    dialog.set_stats_provider(None)  # left the room
    assert dialog.value_text("server") == "—"
    assert dialog.history_rows() == []


def test_history_rows(dialog: ConnectionDialog) -> None:
    assert dialog.history_table.isHidden() and not dialog.history_empty.isHidden()
    dialog.set_stats_provider(lambda: STATS)
    assert not dialog.history_table.isHidden() and dialog.history_empty.isHidden()
    assert dialog.history_rows() == [
        [local(LOST_1), "no media for 2.0 s", "ws://a.example:8188/janus", "2", "after 3.5 s",
         "ws://b.example:8188/janus"],
        [local(LOST_2), "server closed the connection (1006)", "ws://b.example:8188/janus", "4", "still retrying",
         "—"],
    ]
    header = dialog.history_table.horizontalHeaderItem
    headers = [item.text() if (item := header(c)) is not None else None for c in range(6)]
    assert headers == ["Lost at", "Reason", "Server", "Attempts", "Recovered", "New server"]


def test_timer_refresh_picks_up_new_stats_only_while_visible(dialog: ConnectionDialog, qtbot) -> None:
    current = [ConnectionStats(server="ws://a.example:8188/janus", status="live", rtt_ms=10.0)]
    calls = []

    def provider() -> ConnectionStats:
        calls.append(1)
        return current[0]

    dialog.set_stats_provider(provider)
    assert not dialog.refresh_timer.isActive(), "hidden: nothing to refresh"
    dialog.show()
    assert dialog.refresh_timer.isActive()
    assert dialog.value_text("rtt") == "10 ms"
    current[0] = STATS
    qtbot.waitUntil(lambda: dialog.value_text("rtt") == "42 ms", timeout=3000)
    assert len(dialog.history_rows()) == 2
    dialog.hide()
    assert not dialog.refresh_timer.isActive()
    before = len(calls)
    qtbot.wait(1300)
    assert len(calls) == before


def test_copy_puts_the_report_on_the_clipboard(dialog: ConnectionDialog, qtbot) -> None:
    dialog.set_stats_provider(lambda: STATS)
    dialog.show()
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    report = QGuiApplication.clipboard().text()
    assert report == dialog.report()
    assert report.startswith("Plaza ")
    for key, value in EXPECTED.items():
        assert value in report, key
    assert "Round-trip time: 42 ms" in report
    assert f"Lost at: {local(LOST_2)}; Reason: server closed the connection (1006)" in report
    assert "Recovered: still retrying" in report
    assert dialog.isVisible(), "Copy must not close the dialog"
    assert not dialog.copied_label.isHidden()


def test_report_never_contains_secrets(dialog: ConnectionDialog) -> None:
    """Stats carry no secrets by design; URLs in free text are scrubbed anyway, so a future one cannot leak."""
    dialog.set_stats_provider(lambda: STATS)
    assert "secret" not in dialog.report().lower()
    leaky = ConnectionStats(
        server="wss://user:secretpw@a.example:8989/janus?apisecret=s3cret",
        status="reconnecting",
        reconnects=(ReconnectRecord(LOST_1, "cannot reach wss://a.example:8989/janus?token=secret#x",
                                    "wss://a.example:8989/janus?secret=1", attempts=1,
                                    recovered_at=LOST_1 + 1, recovered_server="ws://b:1/janus?admin_secret=2"),),
    )
    dialog.set_stats_provider(lambda: leaky)
    report = dialog.report()
    assert "secret" not in report.lower()
    assert "s3cret" not in report
    assert "wss://a.example:8989/janus" in report  # scrubbed, not dropped
    assert "cannot reach wss://a.example:8989/janus" in report
    assert "secret" not in dialog.value_text("server")


def test_not_modal_and_closes(qtbot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)  # owns the dialog, as the main window will
    parent.show()
    dialog = ConnectionDialog(parent)
    dialog.show()
    assert not dialog.isModal()
    assert dialog.windowModality() == Qt.WindowModality.NonModal
    assert QApplication.activeModalWidget() is None
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert not dialog.refresh_timer.isActive()
    dialog.show()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
