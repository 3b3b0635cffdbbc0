"""The speaker's side of the window, without a lab: a real SpeakerSession on a ListenSession that never connects,
a fake stage connection and a fake microphone. Invite → dialog (sound check) → Accept → stage controls (Unmute,
Ctrl+D, Leave stage) → back to the audience with the hand; Not now, a withdrawn invite, a refused stage, no mic."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.listener.status import RoomStatus
from app.media import FRAME_SAMPLES, SAMPLE_RATE
from app.media.capture import CaptureError, InputDevice
from app.media.feedback import FeedbackVerdict
from app.room.stage_protocol import Invite, StagePass, ToListener, Uninvite
from app.stage import speaker as speaker_module
from app.stage.connection import StageRefused
from app.stage.speaker import Role, SpeakerSession
from app.ui import main_window as main_window_module
from app.ui import speaker_control as speaker_control_module
from app.ui.error_text import microphone_problem_text, no_microphone_text, stage_problem_text
from app.ui.main_window import MainWindow
from app.ui.room_view import RoomView
from tests.ui.helpers import WindowFactory, wait_until
from tests.ui.test_stage_view import ANA, snapshot

pytestmark = pytest.mark.gui

ROOM = 1234
LINK = f"plaza+ws://127.0.0.1:9/{ROOM}"
MICS = [InputDevice(3, "USB headset", False, 48000.0), InputDevice(5, "Built-in microphone", True, 48000.0)]


class NoConnect(main_window_module.ListenSession):
    """A ListenSession that never connects (its channel exists, unopened: whispers are dropped)."""

    async def start(self) -> None:
        self.status.set(RoomStatus.CONNECTING)

    async def close(self) -> None:
        pass


class FakeMic:
    """A microphone playing a -20 dBFS tone, paced like a device; records when it is opened and closed."""

    opened: ClassVar[list[int | None]] = []
    closed: ClassVar[list[int | None]] = []
    fail: ClassVar[bool] = False

    def __init__(self, device: int | None = None) -> None:
        self.device = device
        self.name = f"fake {device}"
        self.open = False

    async def start(self) -> None:
        if FakeMic.fail:
            raise CaptureError(f"cannot open microphone device {self.device}: no such device")
        if not self.open:
            self.open = True
            FakeMic.opened.append(self.device)

    async def frame(self) -> np.ndarray:
        await asyncio.sleep(FRAME_SAMPLES / SAMPLE_RATE)
        t = np.arange(FRAME_SAMPLES) / SAMPLE_RATE
        return (0.1 * math.sqrt(2) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)

    async def close(self) -> None:
        if self.open:
            self.open = False
            FakeMic.closed.append(self.device)


class FakeStage:
    """Stands in for StageConnection: joins at once (or refuses), sends the mic while open, records mutes."""

    refuse: ClassVar[BaseException | None] = None
    made: ClassVar[list[FakeStage]] = []

    def __init__(self, server: str, stage_pass: StagePass, mic: Any, monitor: Any, **_: object) -> None:
        self.server, self.stage_pass, self.mic, self.monitor = server, stage_pass, mic, monitor
        self.media_quiet_for = 0.0  # the stage keeper's watchdog: audio keeps coming
        self.mutes: list[bool] = []
        self.closed = False
        self.ended: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        self._sending: asyncio.Task[None] | None = None
        FakeStage.made.append(self)

    async def open(self, timeout: float = 10.0) -> None:
        await asyncio.sleep(0.05)
        if FakeStage.refuse is not None:
            raise FakeStage.refuse
        self._sending = asyncio.create_task(self._send())

    async def _send(self) -> None:
        while True:
            await self.mic.recv()

    async def set_muted(self, muted: bool) -> None:
        self.mic.muted = muted
        self.mutes.append(muted)

    async def close(self) -> None:
        self.closed = True
        if self._sending is not None:
            self._sending.cancel()
            await asyncio.wait({self._sending})


@pytest.fixture(autouse=True)
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(main_window_module, "ListenSession", NoConnect)
    monkeypatch.setattr(speaker_module, "StageConnection", FakeStage)
    monkeypatch.setattr(speaker_control_module, "DeviceSource", FakeMic)
    monkeypatch.setattr(speaker_control_module, "list_input_devices", lambda: list(MICS))
    FakeMic.opened, FakeMic.closed, FakeMic.fail = [], [], False
    FakeStage.made, FakeStage.refuse = [], None
    yield


def invite() -> Invite:
    return Invite(StagePass(ROOM, 42, "t" * 24), 60.0)


async def joined(make_window: WindowFactory) -> tuple[MainWindow, SpeakerSession, RoomView]:
    """A window in a live room (so the hand control shows), not invited yet."""
    window = make_window()
    assert window.join(LINK)
    speaker, session = window.speaker, window.session
    assert speaker is not None and session is not None and speaker.listen is session
    await wait_until(lambda: session.status.current.status is RoomStatus.CONNECTING, 2, "start() to run")
    snapshot(session.state, ANA, count=25)
    session.status.set(RoomStatus.LIVE, "ws://127.0.0.1:9/janus")
    room = window.room_view
    await wait_until(lambda: not room.hand.isHidden(), 2, "the hand control")
    return window, speaker, room


def gone(dialog: speaker_control_module.InviteDialog) -> bool:
    """Closed (and perhaps already deleted: the control drops a dialog with deleteLater)."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def whisper(speaker: SpeakerSession, message: ToListener) -> None:
    assert speaker.listen.channel is not None
    speaker.listen.channel.stage_whispers.emit(message)


async def invited(window: MainWindow, speaker: SpeakerSession) -> speaker_control_module.InviteDialog:
    whisper(speaker, invite())
    assert speaker.role is Role.INVITED
    await wait_until(lambda: window.speaker_control.dialog is not None, 2, "the invite dialog")
    dialog = window.speaker_control.dialog
    assert dialog is not None
    return dialog


async def test_an_invite_opens_the_dialog_with_a_sound_check_and_not_now_declines(
        make_window: WindowFactory) -> None:
    window, speaker, room = await joined(make_window)
    assert FakeMic.opened == []  # joining a room never opens the microphone
    dialog = await invited(window, speaker)
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.headline.text() == "You are invited to speak on stage"
    assert dialog.device_combo.count() == 2
    assert dialog.device_combo.currentText() == "Built-in microphone (default)"
    assert dialog.current_device() == 5
    await wait_until(lambda: dialog.meter.value() > 0, 2, "the sound check meter to move")
    assert FakeMic.opened == [5]
    # -20 dBFS on a -60..0 dB scale. Waited for, not read once: a repaint that finds no new level (the fake mic's
    # 20 ms frames late on a loaded loop) lets the meter fall back 6 points, as a real meter does (61 was seen)
    await wait_until(lambda: dialog.meter.value() == pytest.approx(67, abs=3), 2, "the meter to read -20 dBFS")
    assert dialog.echo_label.isHidden() == bool(speaker.echo and speaker.echo.available())
    # Another microphone: the first is released, the new one is checked.
    dialog.device_combo.setCurrentIndex(0)
    dialog.device_combo.activated.emit(0)
    await wait_until(lambda: FakeMic.opened == [5, 3], 2, "the other microphone to open")
    assert FakeMic.closed == [5]
    dialog.decline_button.click()
    assert speaker.role is Role.LISTENER and speaker.invite is None
    assert window.speaker_control.dialog is None and gone(dialog)
    await wait_until(lambda: FakeMic.closed == [5, 3], 2, "the microphone to be released")
    assert room.stage_controls.bar.isHidden() and not room.hand.isHidden()


async def test_accept_goes_on_stage_muted_ctrl_d_toggles_and_leave_stage_brings_the_hand_back(
        make_window: WindowFactory, qtbot) -> None:
    window, speaker, room = await joined(make_window)
    controls = room.stage_controls
    assert controls.bar.isHidden() and not controls.mic_action.isEnabled()
    dialog = await invited(window, speaker)
    await wait_until(lambda: FakeMic.opened == [5], 2, "the sound check")
    dialog.accept_button.click()
    await wait_until(lambda: speaker.role is Role.SPEAKER, 3, "the stage to be joined")
    assert window.speaker_control.dialog is None and gone(dialog)
    assert FakeMic.opened == [5] and FakeMic.closed == []  # the checked microphone went up as it was
    assert not controls.bar.isHidden()
    assert room.hand.isHidden() and not window.hand_action.isEnabled()
    assert controls.mute_button.text() == "Unmute"
    assert controls.mute_button.accessibleName() == "Unmute your microphone"
    assert controls.mic_state.text() == "Muted" and speaker.muted
    await wait_until(lambda: controls.meter.value() > 0, 2, "the stage meter (fed by the mic while muted)")

    window.activateWindow()
    await wait_until(lambda: QApplication.activeWindow() is window, 2, "the window to be active")
    stage = FakeStage.made[-1]
    qtbot.keyClick(room.volume_slider, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    await wait_until(lambda: stage.mutes == [False], 2, "unmute")
    await wait_until(lambda: controls.mute_button.text() == "Mute", 2, "the button to say Mute")
    assert not speaker.muted and controls.mute_button.accessibleName() == "Mute your microphone"
    assert not window.mute_action.isChecked() and room.volume_slider.value() == 100  # the room's own mute: untouched
    qtbot.keyClick(room.volume_slider, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    await wait_until(lambda: stage.mutes == [False, True], 2, "mute again")
    await wait_until(lambda: controls.mute_button.text() == "Unmute", 2, "the button to say Unmute")
    controls.mute_button.click()
    await wait_until(lambda: stage.mutes == [False, True, False], 2, "unmute by the button")

    controls.leave_stage_button.click()
    await wait_until(lambda: speaker.role is Role.LISTENER, 2, "the way down")
    await wait_until(lambda: stage.closed and FakeMic.closed == [5], 2, "the stage and the microphone to close")
    assert controls.bar.isHidden() and speaker.muted
    assert not room.hand.isHidden() and window.hand_action.isEnabled()


async def test_a_withdrawn_invite_closes_the_dialog_and_releases_the_microphone(make_window: WindowFactory) -> None:
    window, speaker, _room = await joined(make_window)
    dialog = await invited(window, speaker)
    await wait_until(lambda: FakeMic.opened == [5], 2, "the sound check")
    whisper(speaker, Uninvite(ROOM))
    assert speaker.role is Role.LISTENER
    await wait_until(lambda: window.speaker_control.dialog is None, 2, "the dialog to close")
    assert gone(dialog)
    await wait_until(lambda: FakeMic.closed == [5], 2, "the microphone to be released")


async def test_a_refused_stage_is_said_in_the_room_view(make_window: WindowFactory) -> None:
    FakeStage.refuse = StageRefused("stage 1234 refused the pass: error 487")
    window, speaker, room = await joined(make_window)
    dialog = await invited(window, speaker)
    dialog.accept_button.click()
    await wait_until(lambda: room.stage_controls.notice_text() != "", 2, "the stage notice")
    await wait_until(lambda: speaker.role is Role.LISTENER, 2, "back in the audience")
    assert room.stage_controls.notice_text() == stage_problem_text(FakeStage.refuse)
    assert "487" not in room.stage_controls.notice_text()  # the English detail is in the log only
    assert room.stage_controls.bar.isHidden() and not room.hand.isHidden()
    assert window.speaker_control.dialog is None
    await wait_until(lambda: FakeMic.closed == [5], 2, "the microphone to be released")
    window.translations.apply("es")
    assert room.stage_controls.notice_text() == stage_problem_text(FakeStage.refuse)
    assert room.stage_controls.notice_text().startswith("La invitación")


async def test_without_a_microphone_the_invite_shows_and_accept_says_so(
        make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(speaker_control_module, "list_input_devices", lambda: [])
    FakeMic.fail = True
    window, speaker, _room = await joined(make_window)
    dialog = await invited(window, speaker)
    assert dialog.device_combo.currentText() == "No microphone found" and not dialog.device_combo.isEnabled()
    assert dialog.problem_text() == no_microphone_text()
    dialog.accept_button.click()
    await asyncio.sleep(0.1)
    assert speaker.role is Role.INVITED and FakeStage.made == []  # never joined without a microphone
    assert dialog.isVisible() and dialog.problem_text() == no_microphone_text()
    assert dialog.accept_button.isEnabled()
    dialog.decline_button.click()
    assert speaker.role is Role.LISTENER


async def test_a_microphone_that_cannot_open_is_said_in_the_dialog(
        make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    FakeMic.fail = True
    window, speaker, _room = await joined(make_window)
    dialog = await invited(window, speaker)
    await wait_until(lambda: dialog.problem_text() == microphone_problem_text(), 2, "the sound check to fail")
    dialog.accept_button.click()
    await asyncio.sleep(0.1)
    assert speaker.role is Role.INVITED and FakeStage.made == []
    assert dialog.problem_text() == microphone_problem_text() and dialog.accept_button.isEnabled()
    FakeMic.fail = False  # plugged in / freed by the other app: Accept again works
    dialog.accept_button.click()
    await wait_until(lambda: speaker.role is Role.SPEAKER, 3, "the stage to be joined")


async def test_leaving_the_room_on_stage_closes_the_stage_and_the_microphone(make_window: WindowFactory) -> None:
    window, speaker, room = await joined(make_window)
    dialog = await invited(window, speaker)
    dialog.accept_button.click()
    await wait_until(lambda: speaker.role is Role.SPEAKER, 3, "the stage to be joined")
    window.leave_action.trigger()
    await wait_until(lambda: FakeStage.made[-1].closed and FakeMic.closed == [5], 3, "everything to close")
    assert window.speaker is None and room.stage_controls.bar.isHidden()
    assert not room.stage_controls.mic_action.isEnabled()


async def test_leaving_the_room_with_the_invite_open_declines_it_and_closes_the_dialog(
        make_window: WindowFactory) -> None:
    window, speaker, _room = await joined(make_window)
    dialog = await invited(window, speaker)
    await wait_until(lambda: FakeMic.opened == [5], 2, "the sound check")
    window.leave()
    assert speaker.role is Role.LISTENER and speaker.invite is None
    assert window.speaker_control.dialog is None and gone(dialog)
    await wait_until(lambda: FakeMic.closed == [5], 3, "the microphone to be released")


async def test_a_feedback_mute_shows_unmute_and_says_why(make_window: WindowFactory) -> None:
    window, speaker, room = await joined(make_window)
    dialog = await invited(window, speaker)
    dialog.accept_button.click()
    await wait_until(lambda: speaker.role is Role.SPEAKER, 3, "the stage to be joined")
    controls = room.stage_controls
    controls.mute_button.click()
    await wait_until(lambda: controls.mute_button.text() == "Mute", 2, "unmuted")
    speaker.mic.muted = True  # what the guard does, then it tells the stage and the user
    speaker.feedback.emit(FeedbackVerdict(2400.0, "test", -6.0, 30.0))
    await wait_until(lambda: controls.mute_button.text() == "Unmute", 2, "the button to follow the guard")
    assert "feeding back" in controls.notice_text()
    controls.mute_button.click()  # the person unmutes once the loudspeaker is down: the notice goes
    await wait_until(lambda: controls.notice_text() == "" and not speaker.muted, 2, "unmuted again")
    # A howl that was not in what we play went through another device near the microphone: other advice.
    speaker.mic.muted = True
    speaker.last_feedback = FeedbackVerdict(2400.0, "test", -2.0, 30.0, played=False)
    speaker.feedback.emit(speaker.last_feedback)
    await wait_until(lambda: "another device" in controls.notice_text(), 2, "something else named")
    assert "loudspeaker" not in controls.notice_text()


async def test_music_mode_is_chosen_in_the_invitation_and_remembered(make_window: WindowFactory) -> None:
    """Off unless chosen; the choice goes to the guard of the stage being joined and to the settings, and the next
    invitation offers it as chosen."""
    window, speaker, room = await joined(make_window)
    dialog = await invited(window, speaker)
    assert not dialog.music_box.isChecked() and speaker.guard is not None and not speaker.guard.music
    dialog.music_box.setChecked(True)
    dialog.accept_button.click()
    await wait_until(lambda: speaker.role is Role.SPEAKER, 3, "the stage to be joined")
    assert speaker.guard.music and window.settings.music_mode()
    assert room.stage_controls.music_box.isChecked()  # and the stage bar's switch says so
    await speaker.leave_stage()
    await wait_until(lambda: speaker.role is Role.LISTENER, 3, "back in the audience")
    again = await invited(window, speaker)
    assert again.music_box.isChecked()
    again.music_box.setChecked(False)  # back on stage in the normal mode: the bar follows the new choice
    again.accept_button.click()
    await wait_until(lambda: speaker.role is Role.SPEAKER, 3, "the stage to be joined again")
    assert not speaker.guard.music and not room.stage_controls.music_box.isChecked()


async def test_after_a_feedback_mute_music_mode_is_offered_and_switched_on_stage(make_window: WindowFactory) -> None:
    """A performer muted in the normal mode (a choir's swell can look like a howl) is told of music mode and
    switches it on stage: the guard changes mode at once, the mute stays until the person unmutes, the choice is
    remembered, and the notice stops pointing to it."""
    window, speaker, room = await joined(make_window)
    dialog = await invited(window, speaker)
    dialog.accept_button.click()
    await wait_until(lambda: speaker.role is Role.SPEAKER, 3, "the stage to be joined")
    controls = room.stage_controls
    assert speaker.guard is not None and not speaker.guard.music
    assert controls.music_box.isVisibleTo(controls) and not controls.music_box.isChecked()
    speaker.mic.muted = True
    speaker.last_feedback = FeedbackVerdict(660.0, "test", -12.0, 30.0, played=False)
    speaker.feedback.emit(speaker.last_feedback)
    await wait_until(lambda: "Music mode" in controls.notice_text(), 2, "music mode named")
    controls.music_box.click()
    assert speaker.guard.music and window.settings.music_mode() and controls.music_box.isChecked()
    assert "feeding back" in controls.notice_text() and "Music mode" not in controls.notice_text()
    assert speaker.muted
    controls.music_box.click()  # and back: the normal mode again, remembered
    assert not speaker.guard.music and not window.settings.music_mode()
    # A howl in what we play: music mode would mute it all the same, so the notice does not offer it.
    speaker.last_feedback = FeedbackVerdict(660.0, "test", -12.0, 30.0, played=True)
    speaker.feedback.emit(speaker.last_feedback)
    await wait_until(lambda: "loudspeaker" in controls.notice_text(), 2, "the loudspeaker named")
    assert "Music mode" not in controls.notice_text()
    controls.set_music_mode(None)  # a session without a guard has no mode to switch
    assert not controls.music_box.isVisibleTo(controls)


async def test_a_remembered_music_mode_applies_without_the_dialog(make_window: WindowFactory) -> None:
    """A host goes on stage without the invitation dialog: the session's guard starts in the remembered mode."""
    window = make_window()
    window.settings.set_music_mode(True)
    assert window.join(LINK)
    assert window.speaker is not None and window.speaker.guard is not None and window.speaker.guard.music
