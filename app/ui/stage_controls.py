"""A speaker's own controls in the room view: microphone mute (Ctrl+D), Leave stage, an input meter and music mode.

Shown only while on stage; a line above them says when the person is going on stage or why that failed. Passive,
like the room view: SpeakerControl tells it the role, the mute state and problems, and it emits intents. Its two
actions (mute, leave stage) go into the window's Room menu, so Ctrl+D works wherever the focus is. Music mode is
here as well as in the invitation: a choir or an instrument can be taken for a howl in the normal mode
(app.media.feedback), and after such a mute the notice says so; switching it on stage keeps the performer on stage.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QStyle, QVBoxLayout, QWidget

from app.stage.speaker import Role
from app.ui.error_text import stage_problem_text
from app.ui.invite_dialog import music_mode_tip
from app.ui.level_meter import LevelMeter

MUTED_STYLE = "QPushButton { background-color: #b00020; color: white; font-weight: bold; padding: 4px 12px; }"
LIVE_STYLE = "QPushButton { padding: 4px 12px; }"
MUTE_SHORTCUT = "Ctrl+D"  # as in Google Meet


class StageControls(QWidget):
    """Mute/Unmute, Leave stage and a meter while on stage; the joining notice or a stage problem otherwise."""

    mute_requested = Signal(bool)  # the state the person wants: True = muted
    leave_stage_requested = Signal()
    music_mode_requested = Signal(bool)  # the person switched music mode on stage

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageControls")
        self._role = Role.LISTENER
        self._muted = True  # speakers join muted
        self._problem: BaseException | None = None
        self._feedback = False  # the feedback guard muted us: say why until the person unmutes
        self._feedback_elsewhere = False  # … through something else near the microphone, not our loudspeaker
        self._held = False  # a host muted us and holds it: no unmute until a host lifts it
        self._music: bool | None = None  # the guard's music mode; None: no guard (nothing to switch)

        self.notice = QLabel()
        self.notice.setObjectName("stageNotice")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.bar = QWidget()
        self.bar.setObjectName("stageBar")
        self.mute_button = QPushButton()
        self.mute_button.setObjectName("micMuteButton")
        self.mic_state = QLabel()
        self.mic_state.setObjectName("micState")
        self.meter = LevelMeter()
        self.meter.setObjectName("stageMeter")
        self.meter.setMaximumWidth(160)  # a glance at "is it picking me up", not a studio meter
        self.music_box = QCheckBox()
        self.music_box.setObjectName("stageMusicBox")
        self.music_box.hide()
        self.leave_stage_button = QPushButton()
        self.leave_stage_button.setObjectName("leaveStageButton")
        row = QHBoxLayout(self.bar)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.mute_button)
        row.addWidget(self.mic_state)
        row.addWidget(self.meter)
        row.addWidget(self.music_box)
        row.addStretch(1)
        row.addWidget(self.leave_stage_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.notice)
        layout.addWidget(self.bar)
        self.bar.hide()

        self.mic_action = QAction(self)
        self.mic_action.setCheckable(True)
        self.mic_action.setShortcut(QKeySequence(MUTE_SHORTCUT))
        self.leave_stage_action = QAction(self)

        self.mute_button.clicked.connect(self._toggle)
        self.mic_action.triggered.connect(self._toggle)
        self.leave_stage_button.clicked.connect(self.leave_stage_requested)
        self.leave_stage_action.triggered.connect(self.leave_stage_requested)
        self.music_box.clicked.connect(self._music_clicked)  # the person's click only, not set_music_mode
        self.retranslate()
        self._show()

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        self.mic_action.setText(self.tr("Mute m&y microphone"))
        self.leave_stage_action.setText(self.tr("Leave s&tage"))
        self.leave_stage_button.setText(self.tr("Leave s&tage"))
        self.leave_stage_button.setAccessibleName(self.tr("Leave the stage and listen again"))
        self.meter.setAccessibleName(self.tr("Microphone input level"))
        self.music_box.setText(self.tr("Mus&ic mode (on headphones)"))
        self.music_box.setToolTip(music_mode_tip())
        self.music_box.setAccessibleDescription(self.music_box.toolTip())
        self._show()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ what SpeakerControl tells us
    def set_role(self, role: Role) -> None:
        self._role = role
        if role is Role.SPEAKER:
            self._problem = None
        self._show()

    def set_muted(self, muted: bool) -> None:
        self._muted = muted
        self._show()

    def muted(self) -> bool:
        return self._muted

    def on_stage(self) -> bool:
        return self._role is Role.SPEAKER

    def set_feedback(self, feedback: bool, elsewhere: bool = False) -> None:
        """The microphone was muted because it howled (the guard did it; the person decides when to unmute);
        `elsewhere`: the howl was not in what we play (something else near the microphone plays it back)."""
        self._feedback, self._feedback_elsewhere = feedback, elsewhere
        self._show()

    def set_music_mode(self, music: bool | None) -> None:
        """The guard's mode (None: no guard, the switch is hidden)."""
        self._music = music
        self.music_box.setChecked(bool(music))
        self.music_box.setVisible(music is not None)
        self._show()

    def _music_clicked(self, checked: bool) -> None:
        self._music = checked
        self._show()
        self.music_mode_requested.emit(checked)

    def set_held(self, held: bool) -> None:
        """A host muted us and holds the mute: the unmute is not offered until a host lifts it."""
        self._held = held
        self._show()

    def set_problem(self, error: BaseException | None) -> None:
        """Why going on stage failed (typed: described in the user's language, never its English message)."""
        self._problem = error
        self._show()

    def notice_text(self) -> str:
        return self.notice.text() if not self.notice.isHidden() else ""

    # ------------------------------------------------------------------ rendering
    def _show(self) -> None:
        on_stage = self._role is Role.SPEAKER
        self.bar.setVisible(on_stage)
        held = self._held and on_stage
        self.mic_action.setEnabled(on_stage and not held)
        self.mute_button.setEnabled(not held)
        self.leave_stage_action.setEnabled(on_stage)
        if self._role is Role.JOINING:
            self.notice.setText(self.tr("Going on stage…"))
            self.notice.setStyleSheet("")
        elif held:
            self.notice.setText(self.tr("A host muted you. You can unmute when a host lifts the mute."))
            self.notice.setStyleSheet("color: #8a5a00;")
        elif self._feedback and self._role is Role.SPEAKER:
            if self._feedback_elsewhere:  # (a choir's or an instrument's swell can look like such a howl)
                why = self.tr("Your microphone was muted because it was feeding back (a howl) through something "
                              "else near it: another device playing this room, or your system playing the "
                              "microphone back. Turn that down or use headphones, then unmute.")
            else:
                why = self.tr("Your microphone was muted because it was feeding back (a howl). Use headphones or "
                              "turn the loudspeaker down, then unmute.")
            if self._feedback_elsewhere and self._music is False:  # music mode mutes what we play all the same
                why += " " + self.tr("Singing or playing music on headphones? Turn on Music mode.")
            self.notice.setText(why)
            self.notice.setStyleSheet("color: #8a5a00;")
        elif self._problem is not None:
            self.notice.setText(stage_problem_text(self._problem))
            self.notice.setStyleSheet("color: #b00020;")
        else:
            self.notice.clear()
        self.notice.setVisible(bool(self.notice.text()))
        self.notice.setAccessibleDescription(self.notice.text())
        self._show_mute()

    def _show_mute(self) -> None:
        muted = self._muted
        button = self.mute_button
        icon = QStyle.StandardPixmap.SP_MediaVolumeMuted if muted else QStyle.StandardPixmap.SP_MediaVolume
        button.setIcon(self.style().standardIcon(icon))
        button.setStyleSheet(MUTED_STYLE if muted else LIVE_STYLE)
        if muted:
            button.setText(self.tr("Unmute"))
            button.setAccessibleName(self.tr("Unmute your microphone"))
            button.setToolTip(self.tr("Your microphone is muted: the room does not hear you. Unmute (Ctrl+D)"))
            self.mic_state.setText(self.tr("Muted"))
        else:
            button.setText(self.tr("Mute"))
            button.setAccessibleName(self.tr("Mute your microphone"))
            button.setToolTip(self.tr("Your microphone is on: the room hears you. Mute (Ctrl+D)"))
            self.mic_state.setText(self.tr("Live — the room hears you"))
        button.setAccessibleDescription(self.mic_state.text())
        self.mic_action.setChecked(muted)

    def _toggle(self) -> None:
        if self._role is Role.SPEAKER and not self._held:
            self.set_feedback(False)
            self.mute_requested.emit(not self._muted)
