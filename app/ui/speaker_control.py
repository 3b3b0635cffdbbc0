"""The speaker's side of the window: the invite dialog with its sound check, and the stage controls.

The window's session is a SpeakerSession; this object follows its role. INVITED opens the invite dialog, which
opens the chosen microphone for a sound check (the only time it is opened before the person says yes; it is
closed again on Not now or a withdrawn invite). Accept opens the microphone for real first, so a missing or busy
microphone is said in the dialog instead of failing silently inside aiortc, then joins the stage. SPEAKER shows the
stage controls (the hand goes away); back to LISTENER releases the microphone.

Session callbacks reach Qt through a bridge (queued if one ever comes from another thread); the session's
coroutines run on the window's TaskSet, so shutdown waits for them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.media.capture import CaptureError, DeviceSource, list_input_devices
from app.stage.sound_check import SoundCheck
from app.stage.speaker import Role, SpeakerSession
from app.ui.error_text import microphone_problem_text, no_microphone_text
from app.ui.invite_dialog import InviteDialog
from app.ui.room_view import RoomView
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)


class _SpeakerBridge(QObject):
    role_changed = Signal(object, object)  # (SpeakerSession, Role)
    level = Signal(object, float)  # (SpeakerSession, dBFS): the sound check's or the stage microphone's
    feedback = Signal(object)  # (SpeakerSession): the feedback guard muted the microphone


class SpeakerControl(QObject):
    """Wires one SpeakerSession at a time to the invite dialog and the room view's stage controls."""

    invited = Signal()  # the invitation to speak arrived (the desktop notification follows it)

    def __init__(self, room_view: RoomView, tasks: TaskSet, window: QWidget) -> None:
        super().__init__(window)
        self.room_view = room_view
        self.controls = room_view.stage_controls
        self.window = window
        self.speaker: SpeakerSession | None = None
        self.preferred_microphone: Callable[[], str] = lambda: ""  # the settings' microphone, by name
        self.music_mode: Callable[[], bool] = lambda: False  # the settings' music mode, and where a choice goes
        self.set_music_mode: Callable[[bool], None] = lambda on: None
        self.dialog: InviteDialog | None = None
        self._tasks = tasks
        self._check: SoundCheck | None = None
        self._mic_lock = asyncio.Lock()  # one microphone open/close at a time (device switches can overlap)
        self._mute_request = 0  # only the latest mute request's answer updates the button
        self._callbacks: tuple[Callable[[Role], None], Callable[[float], None], Callable[[object], None]] | None = None
        self._bridge = _SpeakerBridge(self)
        self._bridge.role_changed.connect(self._on_role)
        self._bridge.level.connect(self._on_level)
        self._bridge.feedback.connect(self._on_feedback)
        self.controls.mute_requested.connect(self._on_mute_requested)
        self.controls.leave_stage_requested.connect(self._on_leave_stage)
        self.controls.music_mode_requested.connect(self._on_music_mode)

    def set_speaker(self, speaker: SpeakerSession | None) -> None:
        """Follow `speaker` (None: the room was left; its session closes elsewhere, microphone included)."""
        old, self.speaker = self.speaker, speaker
        if old is not None and self._callbacks is not None:
            old.changed.disconnect(self._callbacks[0])
            old.mic.level.disconnect(self._callbacks[1])
            old.feedback.disconnect(self._callbacks[2])
            self._callbacks = None
        if old is not None and old.role is Role.INVITED:
            old.decline()  # leaving the room with the invite open: tell the controller now, not at its timeout
        self._close_dialog()
        if self._check is not None:
            self._tasks.start(self._stop_check(release=True), name="plaza-sound-check-stop")
        self.controls.set_problem(None)
        self.controls.set_feedback(False)
        self._show_role(Role.LISTENER)
        if speaker is None:
            return

        def on_role(role: Role) -> None:
            self._bridge.role_changed.emit(speaker, role)

        def on_level(db: float) -> None:
            self._bridge.level.emit(speaker, db)

        def on_feedback(_verdict: object) -> None:
            self._bridge.feedback.emit(speaker)

        self._callbacks = (on_role, on_level, on_feedback)
        speaker.changed.connect(on_role)
        speaker.mic.level.connect(on_level)
        speaker.feedback.connect(on_feedback)
        self.controls.set_muted(speaker.muted)

    # ------------------------------------------------------------------ the session's role
    def _on_role(self, speaker: object, role: object) -> None:
        if not isinstance(speaker, SpeakerSession) or speaker is not self.speaker or not isinstance(role, Role):
            return  # a session we already left
        if role is Role.INVITED:
            self._open_dialog(speaker)
            self.invited.emit()
        else:
            self._close_dialog()
        if role is Role.LISTENER:
            self._tasks.start(self._release_mic(speaker), name="plaza-mic-release")
        self._show_role(role)

    def _show_role(self, role: Role) -> None:
        if role is not Role.SPEAKER:
            self.controls.set_feedback(False)
        self.controls.set_role(role)
        self.room_view.set_on_stage(role in (Role.JOINING, Role.SPEAKER))
        if role is Role.SPEAKER and self.speaker is not None:
            self.controls.set_muted(self.speaker.muted)
            guard = self.speaker.guard
            self.controls.set_music_mode(guard.music if guard is not None else None)
        self.controls.set_held(role is Role.SPEAKER and self.speaker is not None and self.speaker.held)

    def _on_level(self, speaker: object, db: float) -> None:
        if speaker is not self.speaker:
            return
        if self.dialog is not None:
            self.dialog.meter.push(db)
        if self.controls.on_stage():
            self.controls.meter.push(db)

    # ------------------------------------------------------------------ the invite dialog
    def _open_dialog(self, speaker: SpeakerSession) -> None:
        if self.dialog is not None:
            return
        echo = speaker.echo
        devices = list_input_devices()
        preferred = next((d.index for d in devices if d.name == self.preferred_microphone()), None)
        dialog = InviteDialog(devices, echo.reason() if echo is not None else None,
                              echo is not None and echo.available(), self.window, preferred=preferred,
                              music=self.music_mode())
        self.dialog = dialog
        dialog.accept_requested.connect(lambda: self._on_accept(speaker, dialog))
        dialog.decline_requested.connect(speaker.decline)
        dialog.device_chosen.connect(lambda device: self._on_device(speaker, device))
        self.controls.set_problem(None)
        if dialog.has_devices():
            self._on_device(speaker, dialog.current_device())
        else:
            dialog.set_problem(no_microphone_text)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _close_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.dismiss()
            dialog.deleteLater()

    def _on_device(self, speaker: SpeakerSession, device: int | None) -> None:
        self._tasks.start(self._sound_check(speaker, device), name="plaza-sound-check")

    def _invited(self, speaker: SpeakerSession) -> bool:
        return speaker is self.speaker and speaker.role is Role.INVITED

    async def _sound_check(self, speaker: SpeakerSession, device: int | None) -> None:
        """Meter `device` in the dialog; a microphone that cannot be opened is said there at once."""
        async with self._mic_lock:
            if not self._invited(speaker):
                return
            error = await self._open_mic_locked(speaker, device)
            if self.dialog is not None and self._invited(speaker):
                self.dialog.set_problem(microphone_problem_text if error is not None else None)

    async def _open_mic_locked(self, speaker: SpeakerSession, device: int | None) -> CaptureError | None:
        """Open `device` as the speaker's microphone and meter it (the sound check); the error if it cannot."""
        check = self._check
        if check is not None and check.running and getattr(check.source, "device", None) == device:
            return None
        await self._stop_check_locked(release=True)
        source = DeviceSource(device)
        speaker.mic.source = source  # the one that goes up on Accept (MicTrack starts it only if not yet)
        check = SoundCheck(source)
        try:
            await check.start()
        except CaptureError as exc:
            log.warning("cannot open the microphone: %s", exc)
            await source.close()
            return exc
        if self._callbacks is not None and speaker is self.speaker:
            check.level.connect(self._callbacks[1])
        self._check = check
        if not self._invited(speaker):  # declined or withdrawn while it opened
            await self._stop_check_locked(release=True)
        return None

    async def _stop_check(self, *, release: bool) -> None:
        async with self._mic_lock:
            await self._stop_check_locked(release=release)

    async def _stop_check_locked(self, *, release: bool) -> None:
        check, self._check = self._check, None
        if check is not None:
            await check.stop(release=release)

    async def _release_mic(self, speaker: SpeakerSession) -> None:
        """Back in the audience: no sound check, and the microphone closed (the OS shows it unused)."""
        async with self._mic_lock:
            await self._stop_check_locked(release=True)
            if speaker.role is Role.LISTENER:
                await speaker.mic.source.close()

    def _on_accept(self, speaker: SpeakerSession, dialog: InviteDialog) -> None:
        music = dialog.music_box.isChecked()
        self.set_music_mode(music)
        if speaker.guard is not None:
            speaker.guard.music = music
        dialog.set_busy(True)
        self._tasks.start(self._accept(speaker, dialog), name="plaza-stage-accept")

    async def _accept(self, speaker: SpeakerSession, dialog: InviteDialog) -> None:
        async with self._mic_lock:
            if not self._invited(speaker) or dialog is not self.dialog:
                return
            devices = list_input_devices()  # one may have been plugged in since the invite came
            if not devices:
                dialog.set_devices(devices)
                dialog.set_problem(no_microphone_text)
                dialog.set_busy(False)
                return
            if not dialog.has_devices():
                dialog.set_devices(devices)
            error = await self._open_mic_locked(speaker, dialog.current_device())
            if error is not None:
                if self._invited(speaker) and dialog is self.dialog:
                    dialog.set_problem(microphone_problem_text)
                    dialog.set_busy(False)
                return
            await self._stop_check_locked(release=False)  # the microphone stays open: it goes on stage
        try:
            await speaker.accept()
        except Exception as exc:  # RoomError above all (StageRefused, a timeout); say it whatever it is
            log.warning("could not go on stage: %s", exc)
            if speaker is self.speaker:
                self.controls.set_problem(exc)  # (back to LISTENER already: the microphone is being released)

    # ------------------------------------------------------------------ on stage
    def _on_mute_requested(self, muted: bool) -> None:
        speaker = self.speaker
        if speaker is None or speaker.role is not Role.SPEAKER:
            return
        self._mute_request += 1
        self.controls.set_muted(muted)  # at once: the microphone itself goes silent at once too
        self._tasks.start(self._set_muted(speaker, muted, self._mute_request), name="plaza-stage-mute")

    async def _set_muted(self, speaker: SpeakerSession, muted: bool, request: int) -> None:
        try:
            await speaker.set_muted(muted)
        except Exception as exc:  # the server did not take the flag; the microphone state is still right
            log.warning("could not tell the stage about the mute: %s", exc)
        if speaker is self.speaker and request == self._mute_request:
            self.controls.set_muted(speaker.muted)

    def _on_feedback(self, speaker: object) -> None:
        if speaker is self.speaker and self.speaker is not None:
            self._mute_request += 1  # an answer to an older unmute must not undo the guard's mute
            self.controls.set_muted(self.speaker.muted)
            verdict = self.speaker.last_feedback
            self.controls.set_feedback(True, elsewhere=verdict is not None and not verdict.played)

    def _on_music_mode(self, music: bool) -> None:
        """Switched on stage: the guard changes mode at once (a mute it made stays), and the choice is remembered."""
        self.set_music_mode(music)
        if self.speaker is not None and self.speaker.guard is not None:
            self.speaker.guard.music = music

    def _on_leave_stage(self) -> None:
        speaker = self.speaker
        if speaker is not None and speaker.role is Role.SPEAKER:
            self._tasks.start(speaker.leave_stage(), name="plaza-leave-stage")
