"""The listener's side of the window: what the room view's controls (volume, mute, hand, reactions, output device)
do to the window's current ListenSession.

Apart from the main window, which owns the session (joins, leaves, shuts down), as SpeakerControl and HostControl
are: this object only asks it for the current session (None between rooms) and never keeps one, so a control
used after leaving reaches nothing. A device switch runs on the window's TaskSet, so shutdown waits for it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from app.listener.listen import ListenSession
from app.media.output import AudioOutputError, list_output_devices
from app.ui.room_view import RoomView
from app.ui.settings_dialog import device_index
from app.ui.tasks import TaskSet


class ListenControl(QObject):
    """Applies the room view's controls to the window's current session, whichever it is at the time."""

    def __init__(self, room_view: RoomView, tasks: TaskSet, session: Callable[[], ListenSession | None],
                 parent: QObject) -> None:
        super().__init__(parent)
        self.room_view = room_view
        self.session = session  # the window's current session (None: not in a room)
        self._tasks = tasks
        room_view.volume_changed.connect(self._on_volume)
        room_view.mute_toggled.connect(self._on_mute)
        room_view.device_chosen.connect(self.set_device)
        room_view.hand_raise_requested.connect(self._on_hand)
        room_view.reaction_requested.connect(self._on_reaction)

    def _on_volume(self, volume: float) -> None:
        session = self.session()
        if session is not None:
            session.set_volume(volume)

    def _on_mute(self, muted: bool) -> None:
        session = self.session()
        if session is not None:
            session.set_muted(muted)

    def _on_hand(self, raised: bool) -> None:
        """Raise/lower hand intent → the session (which tells the controller, and again after a reconnect)."""
        session = self.session()
        if session is not None:
            session.set_hand_raised(raised)

    def _on_reaction(self, code: str) -> None:
        # "Slow down" only for the rate: without a channel (reconnecting, fallback) a click is simply not sent.
        session = self.session()
        if session is not None and not session.react(code) and session.can_react():
            self.room_view.reaction_bar.show_refused()

    def follow_output(self, name: str) -> None:
        """The settings' output device (by name) changed: a running room shows and switches to it, as if picked
        in the room view; the next room starts on it anyway."""
        devices = list_output_devices()
        device = device_index(name, devices)
        session = self.session()
        if session is not None and device != session.device:
            self.room_view.set_devices(devices, device)
            self.set_device(device)

    def set_device(self, device: object) -> None:
        """Switch the session's output to `device` (an index; anything else: the system default)."""
        session = self.session()
        if session is not None:
            index = device if isinstance(device, int) else None
            self._tasks.start(self._switch_device(session, index), name="plaza-set-device")

    async def _switch_device(self, session: ListenSession, device: int | None) -> None:
        try:
            await session.set_device(device)
        except (AudioOutputError, OSError) as exc:  # fall_back_to_clock normally absorbs these
            session.output_error = str(exc)
        if session is self.session():
            self.room_view.set_output_error(session.output_error)
