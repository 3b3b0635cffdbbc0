"""Reactions in the window: the button row and its keys, the floating emoji (capped, scaled by count, gone after
their time) and their reduced-motion form (a static line of counts), the setting, a refused click, and the host's
per-minute rates beside the audience graph."""

from __future__ import annotations

import os
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.listener.state import RoomStateModel
from app.listener.status import RoomStatus
from app.room.protocol import ListenerCount, Snapshot
from app.room.reactions_protocol import REACTIONS, ReactionCounts
from app.ui.audience_window import AudienceWindow
from app.ui.main_window import MainWindow
from app.ui.reactions import EMOJI, MAX_LIVE, ReactionOverlay, ReactionRates
from app.ui.room_view import RoomView
from app.ui.settings import REDUCE_MOTION_ENV, AppSettings
from app.ui.settings_dialog import SettingsDialog
from app.ui.tasks import TaskSet
from tests.ui.helpers import WindowFactory, wait_until
from tests.ui.test_host_ui import as_host
from tests.ui.test_speaker_ui import fakes  # noqa: F401  (autouse: no network, no microphone)
from tests.ui.test_stage_view import ANA, snapshot

pytestmark = pytest.mark.gui


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def live_model() -> RoomStateModel:
    model = RoomStateModel()
    model.apply_snapshot(Snapshot(seq=1, room=5, controller="ctl-1", title="T", ended=False, members=(),
                                  listeners=ListenerCount(3, 1.0), hands=(), hands_total=0), 0.0)
    return model


def counts(**by_code: int) -> ReactionCounts:
    return ReactionCounts("ctl-1", tuple((c, by_code[c]) for c in REACTIONS if c in by_code))


@pytest.fixture
def view(qtbot: Any) -> RoomView:
    widget = RoomView()
    qtbot.addWidget(widget)
    widget.resize(600, 500)
    widget.show()
    return widget


def test_the_row_shows_in_a_live_room_and_its_buttons_and_keys_react(view: RoomView, qtbot: Any) -> None:
    assert view.reaction_bar.isHidden()
    view.set_room(5, "T")
    view.set_state_model(live_model())
    view.set_status(RoomStatus.CONNECTING)
    assert view.reaction_bar.isHidden()  # not before the room plays
    view.set_status(RoomStatus.LIVE)
    assert view.reaction_bar.isVisible()
    sent: list[str] = []
    view.reaction_requested.connect(sent.append)
    for code in REACTIONS:
        button = view.reaction_bar.buttons[code]
        assert button.text() == EMOJI[code] and button.accessibleName().startswith("React: ")
        assert "Alt+" in button.toolTip()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert sent == list(REACTIONS)
    sent.clear()
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view, timeout=2000)
    for i in range(len(REACTIONS)):
        qtbot.keyClick(view, Qt.Key(Qt.Key.Key_1 + i), Qt.KeyboardModifier.AltModifier)
    assert sent == list(REACTIONS)
    qtbot.keyClick(view, Qt.Key.Key_1)  # without Alt: nothing (digits stay free for text fields)
    assert sent == list(REACTIONS)
    view.set_status(RoomStatus.ENDED)
    assert view.reaction_bar.isHidden()
    qtbot.keyClick(view, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # hidden: its keys are off too
    assert len(sent) == len(REACTIONS)


def test_announced_counts_float_up_capped_scaled_and_gone(qtbot: Any) -> None:
    clock = Clock()
    host = RoomView()
    qtbot.addWidget(host)
    host.resize(500, 400)
    host.show()
    overlay = ReactionOverlay(host, clock=clock)
    overlay.show_counts(counts(clap=1))
    assert [f.text for f in overlay.live] == [EMOJI["clap"]] and overlay.timer.isActive()
    small = overlay.live[0].scale
    overlay.show_counts(counts(heart=64))
    hearts = [f for f in overlay.live if f.text == EMOJI["heart"]]
    assert 1 < len(hearts) <= 5 and all(f.scale > small for f in hearts)  # more and bigger for more reactions
    for _ in range(20):
        overlay.show_counts(counts(**{code: 1000 for code in REACTIONS}))
    assert len(overlay.live) == MAX_LIVE
    overlay.grab()  # paints (mid-flight)
    clock.now += 1.2
    overlay.advance()
    overlay.grab()
    assert overlay.live
    clock.now += 2.0
    overlay.advance()
    assert overlay.live == [] and not overlay.timer.isActive()  # nothing to animate: no timer either


def test_reduced_motion_shows_a_static_fading_line(qtbot: Any) -> None:
    clock = Clock()
    host = RoomView()
    qtbot.addWidget(host)
    host.show()
    overlay = ReactionOverlay(host, clock=clock)
    overlay.set_reduced_motion(True)
    overlay.show_counts(counts(clap=12, heart=3))
    assert [f.text for f in overlay.live] == [f"{EMOJI['clap']} ×12  {EMOJI['heart']} ×3"]
    overlay.show_counts(counts(laugh=2))  # the newest counts replace the line: never a pile of moving things
    assert [f.text for f in overlay.live] == [f"{EMOJI['laugh']} ×2"]
    first = overlay.grab().toImage()
    clock.now += 0.5
    overlay.advance()
    later = overlay.grab().toImage()
    assert overlay.live and first != later  # it fades...
    clock.now += 2.0
    overlay.advance()
    assert overlay.live == []  # ...and goes


def test_the_view_feeds_the_overlay_from_the_model(view: RoomView) -> None:
    model = live_model()
    view.set_room(5, "T")
    view.set_state_model(model)
    model.apply_reactions(counts(fire=4))
    assert {f.text for f in view.overlay.live} == {EMOJI["fire"]}
    model.apply_reactions(ReactionCounts("ctl-other", (("clap", 9),)))  # not the room's controller
    assert {f.text for f in view.overlay.live} == {EMOJI["fire"]}
    view.set_state_model(None)
    assert view.overlay.live == []


def test_the_reduce_motion_setting(settings: AppSettings, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REDUCE_MOTION_ENV, raising=False)
    assert not settings.reduce_motion()
    monkeypatch.setenv(REDUCE_MOTION_ENV, "1")
    assert settings.reduce_motion()  # the default follows the environment until chosen
    dialog = SettingsDialog(settings, tray_available=False, outputs=[], inputs=[])
    qtbot.addWidget(dialog)
    assert dialog.motion_box.isChecked()
    dialog.motion_box.setChecked(False)
    dialog.accept()
    assert not settings.reduce_motion()
    assert os.environ[REDUCE_MOTION_ENV] == "1"  # chosen beats the default


async def test_the_window_applies_the_setting_and_says_when_a_reaction_was_refused(make_window: Any) -> None:
    window: MainWindow = make_window()
    assert not window.room_view.overlay.reduced_motion
    window.settings.set_reduce_motion(True)
    window._apply_settings()
    assert window.room_view.overlay.reduced_motion

    class Session:
        def __init__(self) -> None:
            self.sent: list[str] = []
            self.connected = False

        def react(self, code: str) -> bool:
            self.sent.append(code)
            return self.connected and len(self.sent) < 3

        def can_react(self) -> bool:
            return self.connected

    session = Session()
    window.session = session  # type: ignore[assignment]
    try:
        window.room_view.reaction_requested.emit("clap")  # not sent (no channel: reconnecting): no "slow down"
        assert window.room_view.reaction_bar.note.text() == ""
        session.connected = True
        window.room_view.reaction_requested.emit("clap")
        assert window.room_view.reaction_bar.note.text() == ""
        window.room_view.reaction_requested.emit("clap")  # refused over the rate
        assert "Slow down" in window.room_view.reaction_bar.note.text()
        assert session.sent == ["clap", "clap", "clap"]
    finally:
        window.session = None


def test_the_host_sees_reactions_per_minute(qtbot: Any) -> None:
    clock = Clock()
    window = AudienceWindow(lambda: None, TaskSet())
    qtbot.addWidget(window)
    window.rates = ReactionRates(clock=clock)
    window.show()
    assert window.rates_label.text() == "Reactions: none in the last minute"
    window.add_reactions(counts(clap=10, heart=2))
    clock.now += 30
    window.add_reactions(counts(clap=5))
    assert window.rates_label.text() == f"Reactions per minute: {EMOJI['clap']} 15  {EMOJI['heart']} 2 (17 in all)"
    clock.now += 31  # the first announcement is more than a minute old
    window._show_rates()
    assert window.rates_label.text() == f"Reactions per minute: {EMOJI['clap']} 5 (5 in all)"
    window.close()


async def test_the_host_tools_feed_the_rates_from_the_rooms_announcements(make_window: WindowFactory) -> None:
    window, speaker, _sent = await as_host(make_window)
    model = speaker.listen.state
    snapshot(model, ANA)
    model.apply_reactions(counts(clap=7))
    assert window.host_control.audience.rates.per_minute() == {"clap": 7}
    window.host_control.audience.open()
    await wait_until(lambda: "7" in window.host_control.audience.rates_label.text(), 2, "the rates")
    window.host_control.audience.close()
