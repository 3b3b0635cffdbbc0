"""The main window: a join view and a room view on a stack, and the one session behind them: a SpeakerSession
wrapping the ListenSession, so a listener can be invited on stage (SpeakerControl does that side; ListenControl
applies the room view's volume, mute, hand, reactions and output device to it).

Sessions are asyncio objects; Qt slots start their coroutines through a TaskSet (strong references, logged
failures). Closing the window does not block in closeEvent: it accepts, then `shutdown()` leaves the room
and waits for every task; `finished` is set when all is clean, and the application quits after that.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QStackedWidget, QWidget

from app import __version__
from app.janus.errors import JanusError
from app.links import LinkError, RoomLink, parse_link
from app.listener.directory import DirectoryBrowser
from app.listener.listen import ListenSession
from app.listener.status import RoomStatus, StatusChange
from app.listener.supervisor import DEFAULT_CONNECT_TIMEOUT
from app.media.capture import DeviceSource, MicTrack
from app.media.echo import EchoControl
from app.media.feedback import FeedbackGuard
from app.media.output import AudioOutputError, list_output_devices
from app.room.errors import RoomError
from app.stage.speaker import SpeakerSession
from app.ui.connection_dialog import ConnectionDialog
from app.ui.host_control import HostControl
from app.ui.host_panel import HostPanel
from app.ui.i18n import Translations
from app.ui.icons import app_icon
from app.ui.join_view import JoinView
from app.ui.listen_control import ListenControl
from app.ui.move_room import MoveRoomDialog, RoomMoves
from app.ui.plain_text import isolate, shorten
from app.ui.room_browser import RoomBrowserDialog
from app.ui.room_view import RoomView
from app.ui.settings import AppSettings
from app.ui.settings_dialog import SettingsDialog, device_index
from app.ui.speaker_control import SpeakerControl
from app.ui.start_room import StartedRoom, StartRoomDialog, keyring_problem, run_plaza_start
from app.ui.tasks import TaskSet
from app.ui.tray import DesktopTray
from app.ui.window_menus import build_menus, retranslate_menus

log = logging.getLogger(__name__)

WINDOW_TITLE_MAX_CHARS = 80  # of the room title (outside text, from the link)


class _StatusBridge(QObject):
    """Carries StatusModel callbacks into Qt; queued automatically if a callback ever comes from a thread."""

    changed = Signal(object, object)  # (ListenSession, StatusChange)


class MainWindow(QMainWindow):
    """Join a room by link, listen, leave; menus for room actions and the UI language."""

    # Built by app.ui.window_menus:
    room_menu: QMenu
    view_menu: QMenu
    language_menu: QMenu
    help_menu: QMenu
    start_room_action: QAction
    browse_action: QAction
    move_action: QAction
    leave_action: QAction
    mute_action: QAction
    hand_action: QAction
    details_action: QAction
    protected_start_action: QAction
    clear_recent_action: QAction
    settings_action: QAction
    quit_action: QAction
    about_action: QAction
    language_actions: dict[str, QAction]

    def __init__(
        self,
        settings: AppSettings | None = None,
        translations: Translations | None = None,
        *,
        use_device: bool = True,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        system_tray: bool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`system_tray`: whether the desktop has a tray (None: ask Qt; tests say)."""
        super().__init__(parent)
        self.settings = settings if settings is not None else AppSettings()
        self.translations = translations if translations is not None else Translations()
        self.use_device = use_device
        self.connect_timeout = connect_timeout
        self.session: ListenSession | None = None
        self.speaker: SpeakerSession | None = None  # wraps `session`; closing it closes both
        self.finished = asyncio.Event()  # set once shutdown() has left the room and all tasks are done
        self._tasks = TaskSet()
        self._join_task: asyncio.Task[None] | None = None
        self._shutdown_task: asyncio.Task[None] | None = None
        self._quitting = False  # closing really quits (not to the tray): Quit, or a signal
        self._bridge = _StatusBridge(self)
        self._bridge.changed.connect(self._on_status)

        self.setWindowIcon(app_icon())
        self.setObjectName("plazaMainWindow")
        self.join_view = JoinView()
        self.room_view = RoomView()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.join_view)
        self.stack.addWidget(self.room_view)
        self.setCentralWidget(self.stack)
        self.resize(640, 600)

        self.join_view.join_requested.connect(self.join)
        self.room_view.leave_requested.connect(self.leave)
        self.listen_control = ListenControl(self.room_view, self._tasks, lambda: self.session, self)
        self.room_view.overlay.set_reduced_motion(self.settings.reduce_motion())
        self.connection_dialog = ConnectionDialog(self)
        self.room_view.details_requested.connect(self.show_connection_details)
        self.speaker_control = SpeakerControl(self.room_view, self._tasks, self)
        self.host_panel = HostPanel(self)  # shown only to a holder of the room's host pass
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.host_panel)
        self.host_control = HostControl(self.host_panel, self._tasks)
        self.room_starter = run_plaza_start  # how "Start a room…" runs `plaza start` (tests replace it)
        self.room_directory = DirectoryBrowser  # how "Browse rooms…" reads the lobbies (tests replace it)
        self.moves = RoomMoves(self)  # a moved room followed; "Move room…" for its host
        self.moves.followed.connect(self._room_moved)
        self.room_view.title_changed.connect(self._update_title)
        build_menus(self)
        self.tray = DesktopTray(self, system_tray)  # after the menus: the tray menu shares their actions
        self.speaker_control.invited.connect(self.tray.invited)
        self.speaker_control.preferred_microphone = self.settings.input_device
        self.speaker_control.music_mode = self.settings.music_mode
        self.speaker_control.set_music_mode = self.settings.set_music_mode
        self.join_view.set_recent(self.settings.recent_links())
        self.retranslate()
        self._update_actions()

    # ------------------------------------------------------------------ menus and i18n
    def retranslate(self) -> None:
        retranslate_menus(self)
        self.tray.retranslate()
        self._update_title()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_language(self, code: str) -> None:
        """Menu View → Language: remember the choice and switch every widget at once."""
        self.settings.set_language(code)
        self.translations.apply(code)
        self.language_actions.get(code, self.language_actions[""]).setChecked(True)

    def start_room(self) -> StartRoomDialog:
        """The dialog that starts a room on a server (its controller runs as its own program) and joins it."""
        dialog = StartRoomDialog(self.room_starter, self, no_keyring=keyring_problem())
        dialog.started.connect(self._join_started)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def browse_rooms(self) -> RoomBrowserDialog:
        """The live rooms of the servers in the settings (their lobbies); joining one closes the dialog."""
        dialog = RoomBrowserDialog(self.settings, self._tasks, self.room_directory, self)
        dialog.join_requested.connect(self.join)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.browse()
        dialog.open()
        return dialog

    def _join_started(self, started: StartedRoom) -> None:
        if started.host_pass is not None:  # no keyring: the pass came over `plaza start`'s pipe, kept in memory
            self.host_control.remember(started.host_pass)
        self.join(started.link)

    def clear_recent(self) -> None:
        self.settings.clear_recent_links()
        self.join_view.set_recent([])

    def show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, self.tr("About Plaza"),
                          self.tr("Plaza {version}\nLive audio rooms.").format(version=__version__),
                          QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # never exec(): a nested loop inside qasync re-enters running tasks

    def show_settings(self) -> SettingsDialog:
        """Non-modal like every dialog here; OK saves, then the running room follows (see _apply_settings)."""
        dialog = SettingsDialog(self.settings, tray_available=self.tray.icon is not None, parent=self)
        dialog.applied.connect(self._apply_settings)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _apply_settings(self) -> None:
        code = self.settings.language()
        if not self.language_actions.get(code, self.language_actions[""]).isChecked():
            self.set_language(code)
        self.protected_start_action.setChecked(self.settings.protected_start())  # (for the next room joined)
        self.room_view.overlay.set_reduced_motion(self.settings.reduce_motion())
        self.listen_control.follow_output(self.settings.output_device())

    def _update_title(self) -> None:
        if self.stack.currentWidget() is self.room_view:
            room = isolate(shorten(self.room_view.room_title(), WINDOW_TITLE_MAX_CHARS))
            self.setWindowTitle(self.tr("{room} — Plaza").format(room=room.replace("[*]", "[*][*]")))
        else:
            self.setWindowTitle(self.tr("Plaza"))

    def _update_actions(self) -> None:
        in_room = self.stack.currentWidget() is self.room_view
        self.leave_action.setEnabled(in_room)
        self.mute_action.setEnabled(in_room)
        self.details_action.setEnabled(in_room)
        self.hand_action.setEnabled(in_room and self.room_view.hand_available())

    # ------------------------------------------------------------------ demo room notices (run_window)
    def demo_starting(self) -> None:
        self.join_view.set_busy(True)
        self.join_view.show_notice(lambda: self.tr("Starting the demo room…"))

    def demo_failed(self, error: BaseException) -> None:
        """The demo room could not start: said in the user's language (the English detail is in the log)."""
        self.join_view.set_busy(False)
        self.join_view.show_problem(error, demo=True)

    # ------------------------------------------------------------------ join / leave
    def join(self, text: str) -> bool:
        """Join the room of `text`; a malformed link is explained in the join view. True if joining."""
        if self.finished.is_set() or self._shutdown_task is not None:
            return False
        try:
            link = parse_link(text)
        except LinkError as exc:
            log.info("cannot use the link: %s", exc)
            self.join_view.show_problem(exc)
            return False
        if self.session is not None:
            self.leave()
        self.join_view.clear_message()
        self.join_view.set_busy(False)
        self.join_view.set_recent(self.settings.add_recent_link(text))
        self._start_session(link)
        return True

    def _start_session(self, link: RoomLink) -> None:
        devices = list_output_devices()
        device = device_index(self.settings.output_device(), devices)
        session = ListenSession(link, use_device=self.use_device, device=device, connect_timeout=self.connect_timeout,
                                protected_start=self.protected_start_action.isChecked())
        session.set_volume(self.room_view.volume())
        session.set_muted(self.room_view.muted())
        session.status.changed.connect(lambda change: self._bridge.changed.emit(session, change))
        self.moves.watch(session)
        # The microphone is not opened here: only by the invite's sound check, or on Accept.
        speaker = SpeakerSession(session, MicTrack(DeviceSource(None)), echo=EchoControl(),
                                 guard=FeedbackGuard(music=self.settings.music_mode()))  # a host skips the dialog
        self.session, self.speaker = session, speaker
        self.speaker_control.set_speaker(speaker)
        self.room_view.set_room(link.room_id, link.title)
        self.room_view.set_status(RoomStatus.CONNECTING)
        self.room_view.set_devices(devices, device)
        self.room_view.set_state_model(session.state)
        self.host_control.follow(speaker, self.room_view.state_bridge)
        self.room_view.banner.set_audio_left_provider(session.audio_left_ms)
        self.connection_dialog.set_stats_provider(session.stats)
        self.stack.setCurrentWidget(self.room_view)
        self.room_view.volume_slider.setFocus()
        self._update_actions()
        self._update_title()
        self._join_task = self._tasks.start(self._run_join(speaker), name="plaza-join")

    async def _run_join(self, speaker: SpeakerSession) -> None:
        session = speaker.listen
        try:
            await speaker.start()
        except (RoomError, JanusError, AudioOutputError, OSError) as exc:
            log.warning("could not join room %s: %s", session.link.room_id, exc)
            if session is self.session:
                self.room_view.set_error(exc)
            return
        if session is self.session:
            self.room_view.set_output_error(session.output_error)

    def _on_status(self, session: object, change: object) -> None:
        if not isinstance(session, ListenSession) or session is not self.session:
            return  # a session we already left
        if isinstance(change, StatusChange):
            self.tray.status_changed(change)
            self.room_view.set_status_change(change)
            self.room_view.set_output_error(session.output_error)

    def _room_moved(self) -> None:
        self._update_title()
        self._update_actions()

    def show_connection_details(self) -> None:
        """Non-modal: exec() would re-enter the asyncio loop (DESIGN.md §5), and the room must stay usable."""
        self.connection_dialog.show()
        self.connection_dialog.raise_()
        self.connection_dialog.activateWindow()

    def leave(self) -> None:
        """Back to the join view at once; the session closes in the background."""
        self.session = None
        speaker, self.speaker = self.speaker, None
        join_task, self._join_task = self._join_task, None
        self.speaker_control.set_speaker(None)
        self.host_control.follow(None, None)
        self.room_view.set_state_model(None)
        self.room_view.banner.set_audio_left_provider(None)
        self.connection_dialog.set_stats_provider(None)
        self.room_view.set_status(RoomStatus.IDLE)
        self.stack.setCurrentWidget(self.join_view)
        self.join_view.link_edit.setFocus()
        self._update_actions()
        self._update_title()
        if speaker is not None:
            self._tasks.start(self._close_session(speaker, join_task), name="plaza-leave")

    @staticmethod
    async def _close_session(speaker: SpeakerSession, join_task: asyncio.Task[None] | None) -> None:
        if join_task is not None and not join_task.done():
            join_task.cancel()
            await asyncio.wait({join_task})
        await speaker.close()  # off the stage (telling the controller), the microphone, then the room
        log.info("left room %s", speaker.listen.link.room_id)

    # ------------------------------------------------------------------ shutdown
    def quit(self) -> None:
        """Menu or tray Quit, Ctrl+Q, SIGTERM: close for real, even with "keep playing in the tray" on."""
        self._quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """To the tray if the user chose that; else accept at once (the window hides) and clean up
        asynchronously; see shutdown()."""
        if not self._quitting and self._shutdown_task is None and self.tray.hide_on_close():
            event.ignore()
            return
        if self._shutdown_task is None and not self.finished.is_set():
            try:
                asyncio.get_running_loop()
            except RuntimeError:  # no loop (e.g. interpreter teardown): nothing async can run any more
                log.warning("window closed without a running event loop; the session was not closed")
                self.finished.set()
            else:
                self._shutdown_task = asyncio.ensure_future(self._shutdown())
        event.accept()

    async def shutdown(self) -> None:
        """Leave the room and wait for every task this window started; idempotent."""
        if self._shutdown_task is None:
            self._shutdown_task = asyncio.ensure_future(self._shutdown())
        await asyncio.shield(self._shutdown_task)

    async def _shutdown(self) -> None:
        try:
            self.tray.close()
            for dialog in [*self.findChildren(RoomBrowserDialog), *self.findChildren(MoveRoomDialog)]:
                dialog.reject()  # a browser's lobby connections, a move's wait: closed with the window
            self.leave()
            await self._tasks.join()
        finally:
            self.finished.set()
