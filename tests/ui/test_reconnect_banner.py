"""The reconnect banner on its own: shown only while reconnecting, a live countdown, the audio left, the reason."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.listener.status import ReconnectInfo, RoomStatus, StatusChange
from app.ui.error_text import reconnect_reason_text
from app.ui.reconnect_banner import ReconnectBanner

pytestmark = pytest.mark.gui


class FakeClock:
    """time.monotonic() that only moves when the test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def window(qtbot) -> QWidget:
    """A shown parent, so the banner's own visibility is what the tests observe."""
    parent = QWidget()
    QVBoxLayout(parent)
    qtbot.addWidget(parent)
    parent.show()
    return parent


@pytest.fixture
def banner(window: QWidget, clock: FakeClock) -> ReconnectBanner:
    widget = ReconnectBanner(clock=clock)
    layout = window.layout()
    assert layout is not None
    layout.addWidget(widget)
    return widget


def reconnecting(clock: FakeClock, attempt: int = 3, wait: float | None = 2.4, server: str = "ws://b:8188/janus",
                 reason: str = "no media for 2.0 s") -> StatusChange:
    info = ReconnectInfo(attempt=attempt, next_try_at=None if wait is None else clock.now + wait, server=server,
                         reason=reason)
    return StatusChange(RoomStatus.RECONNECTING, reason, info)


@pytest.mark.parametrize("status", [RoomStatus.IDLE, RoomStatus.CONNECTING, RoomStatus.LIVE, RoomStatus.ENDED,
                                    RoomStatus.ERROR])
def test_hidden_unless_reconnecting(banner: ReconnectBanner, clock: FakeClock, status: RoomStatus) -> None:
    assert banner.isHidden()
    banner.set_status(reconnecting(clock))
    assert banner.isVisible()
    assert banner.refresh_timer.isActive()
    banner.set_status(StatusChange(status, "ws://a:8188/janus"))
    assert banner.isHidden()
    assert not banner.refresh_timer.isActive(), "the countdown must not tick while hidden"
    assert banner.text() == ""


def test_timer_runs_only_while_the_window_shows_it(banner: ReconnectBanner, window: QWidget,
                                                   clock: FakeClock) -> None:
    banner.set_status(reconnecting(clock))
    window.hide()
    assert not banner.refresh_timer.isActive()
    window.show()
    assert banner.refresh_timer.isActive()


def test_countdown_decreases_with_the_clock(banner: ReconnectBanner, clock: FakeClock, qtbot) -> None:
    banner.set_status(reconnecting(clock, attempt=3, wait=2.4))
    assert banner.text() == "Reconnecting… attempt 3, next try in 2.4 s"
    clock.now += 1.0
    qtbot.waitUntil(lambda: "next try in 1.4 s" in banner.text(), timeout=2000)  # the timer, not a direct call
    clock.now += 5.0
    qtbot.waitUntil(lambda: "next try in 0.0 s" in banner.text(), timeout=2000)  # never negative


def test_attempt_number_and_running_attempt(banner: ReconnectBanner, clock: FakeClock) -> None:
    banner.set_status(reconnecting(clock, attempt=1, wait=0.4))
    assert banner.text().startswith("Reconnecting… attempt 1,")
    banner.set_status(reconnecting(clock, attempt=4, wait=None, server="wss://c.example:8989/janus"))
    assert banner.text() == "Reconnecting… attempt 4, connecting to wss://c.example:8989/janus"


def test_audio_left_and_audio_paused(banner: ReconnectBanner, clock: FakeClock, qtbot) -> None:
    left = [1234.0]
    banner.set_audio_left_provider(lambda: left[0])
    banner.set_status(reconnecting(clock, attempt=3, wait=2.4))
    assert banner.text() == "Reconnecting… attempt 3, next try in 2.4 s · 1.2 s of audio left"
    left[0] = 600.0
    qtbot.waitUntil(lambda: banner.text().endswith("· 0.6 s of audio left"), timeout=2000)
    left[0] = 0.0
    qtbot.waitUntil(lambda: banner.text().endswith("· audio paused"), timeout=2000)
    assert "audio paused" in banner.text()
    assert "Audio paused" in banner.last_announcement
    banner.set_audio_left_provider(None)
    assert banner.text() == "Reconnecting… attempt 3, next try in 2.4 s"


def test_announces_politely_once_when_the_reconnect_starts(banner: ReconnectBanner, clock: FakeClock) -> None:
    banner.set_status(reconnecting(clock, attempt=1))
    assert banner.last_announcement == "Reconnecting… attempt 1, next try in 2.4 s"
    banner.last_announcement = ""
    banner.set_status(reconnecting(clock, attempt=2))
    assert banner.last_announcement == "", "every attempt would be noise for a screen reader"


def test_tooltip_explains_in_the_users_language_not_the_network_stacks(banner: ReconnectBanner,
                                                                        clock: FakeClock) -> None:
    banner.set_status(reconnecting(clock, reason="server closed the connection (1006)"))
    assert banner.toolTip() == reconnect_reason_text()
    assert "1006" not in banner.toolTip()  # the English reason is in the log and the connection details
    assert banner.accessibleDescription() == banner.toolTip()
    banner.set_status(StatusChange(RoomStatus.RECONNECTING, "websocket closed"))  # no ReconnectInfo yet
    assert banner.text() == "Reconnecting…"
    assert banner.toolTip() == reconnect_reason_text()


def test_details_signal(banner: ReconnectBanner, clock: FakeClock, qtbot) -> None:
    banner.set_status(reconnecting(clock))
    with qtbot.waitSignal(banner.details_requested, timeout=1000):
        qtbot.mouseClick(banner.details_button, Qt.MouseButton.LeftButton)


def test_accessible_and_amber_not_red(banner: ReconnectBanner) -> None:
    assert banner.accessibleName() == "Reconnecting"
    assert banner.details_button.accessibleName() == "Connection details"
    style = banner.styleSheet().lower()
    assert "#fff4d6" in style
    assert "#b00020" not in style  # the error red of RoomView/JoinView
