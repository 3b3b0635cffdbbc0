"""The room view on its own: status texts, the no-sound-device notice, the device list, volume and mute signals."""

from __future__ import annotations

import pytest

from app.listener.status import RoomStatus
from app.media.output import OutputDevice
from app.room.errors import RoomNotFound
from app.ui.room_view import RoomView

pytestmark = pytest.mark.gui


@pytest.fixture
def view(qtbot) -> RoomView:
    widget = RoomView()
    qtbot.addWidget(widget)
    widget.show()
    return widget


@pytest.mark.parametrize(("status", "detail", "text"), [
    (RoomStatus.CONNECTING, "", "Connecting…"),
    (RoomStatus.LIVE, "ws://h:8188/janus", "Live"),
    (RoomStatus.ENDED, "room 5 has ended", "Ended: The room has ended."),
    (RoomStatus.ERROR, "cannot reach ws://h:1/janus", "Error: Something went wrong."),  # no typed error given
    (RoomStatus.IDLE, "", "Not connected"),
])
def test_status_texts(view: RoomView, status: RoomStatus, detail: str, text: str) -> None:
    view.set_room(5, "")
    view.set_status(status, detail)
    assert view.status_text() == text
    assert view.status_label.accessibleDescription() == text


def test_title_is_the_link_title_or_room_number(view: RoomView) -> None:
    view.set_room(5, "Town hall")
    assert view.title_label.text() == "Town hall"
    view.set_room(6, "")
    assert view.title_label.text() == "Room 6"


def test_typed_errors_are_described_not_quoted(view: RoomView) -> None:
    view.set_room(5, "")
    view.set_status(RoomStatus.CONNECTING)
    view.set_error(RoomNotFound(5, "ws://h:1/janus"))
    assert view.status_text() == "Error: This room does not exist (or it has already ended)."
    view.set_status(RoomStatus.ERROR, "room 5 does not exist on ws://h:1/janus")  # the status model's echo
    assert view.status_text() == "Error: This room does not exist (or it has already ended)."
    view.set_status(RoomStatus.CONNECTING)  # a new attempt forgets the old error
    view.set_status(RoomStatus.ERROR, "boom")
    assert view.status_text() == "Error: Something went wrong."


def test_no_sound_device_notice(view: RoomView) -> None:
    view.set_output_error("cannot open audio output default output: Error querying device -1")
    assert not view.output_label.isHidden()
    assert view.output_label.text() == ("No sound device could be opened, so the room plays silently. "
                                        "Check your speakers or headphones, or pick another output device.")
    view.set_output_error(None)
    assert view.output_label.isHidden()
    view.set_output_error("gone")
    view.set_room(7, "")  # a new room starts without the old room's notice
    assert view.output_label.isHidden()


def test_device_list_and_choice(view: RoomView, qtbot) -> None:
    view.set_devices([], None)
    assert not view.device_combo.isEnabled()
    assert view.device_combo.currentText() == "No output devices found"
    view.set_devices([OutputDevice(0, "HDA Intel", False), OutputDevice(3, "USB headset", True)], None)
    combo = view.device_combo
    assert combo.isEnabled()
    assert [combo.itemText(i) for i in range(combo.count())] == ["System default", "HDA Intel",
                                                                 "USB headset (default)"]
    with qtbot.waitSignal(view.device_chosen, timeout=1000) as chosen:
        combo.setCurrentIndex(2)
        combo.activated.emit(2)
    assert chosen.args == [3]
    with qtbot.waitSignal(view.device_chosen, timeout=1000) as chosen:
        combo.setCurrentIndex(0)
        combo.activated.emit(0)
    assert chosen.args == [None]


def test_volume_and_mute_signals(view: RoomView, qtbot) -> None:
    with qtbot.waitSignal(view.volume_changed, timeout=1000) as volume:
        view.volume_slider.setValue(40)
    assert volume.args == [pytest.approx(0.4)]
    assert view.output.volume_value.text() == "40 %"
    with qtbot.waitSignal(view.mute_toggled, timeout=1000) as muted:
        view.mute_box.click()
    assert muted.args == [True]
    view.set_volume(1.7)
    assert view.volume() == 1.0


def test_reconnecting_shows_the_banner_and_live_hides_it(view: RoomView, qtbot) -> None:
    import time

    from PySide6.QtCore import Qt

    from app.listener.status import ReconnectInfo, StatusChange

    view.set_room(5, "")
    info = ReconnectInfo(attempt=3, next_try_at=time.monotonic() + 2.4, server="ws://h:8188/janus", reason="lost")
    view.set_status_change(StatusChange(RoomStatus.RECONNECTING, "lost", info))
    assert view.status_text() == "Live — reconnecting"
    assert view.banner.isVisible()
    assert "attempt 3" in view.banner.text()
    with qtbot.waitSignal(view.details_requested, timeout=1000):
        qtbot.mouseClick(view.banner.details_button, Qt.MouseButton.LeftButton)
    view.set_status_change(StatusChange(RoomStatus.LIVE, "ws://h:8188/janus"))
    assert not view.banner.isVisible()
    assert view.status_text() == "Live"
