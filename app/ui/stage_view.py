"""The stage: one tile per member (avatar, name, role badge, and "Feedback — muted" when the member's feedback
guard muted it), in a wrapping flow, or a friendly placeholder.

Tiles are keyed by member id and updated in place: a talking flip changes one flag and repaints one avatar,
it never rebuilds the stage. One pulse timer is the ring clock of every avatar; it runs only while someone
talks and the stage is visible, and while it runs, talking/mute flips are painted on its next frame, so a
tile repaints at most once per frame however fast the stage flips.

The words that describe a flip (tooltip, accessible description: "speaker, muted, talking") follow at most every
DESCRIBE_INTERVAL_MS: the first change after a quiet spell at once, later ones batched. A tooltip is read on
hover and a screen reader announces each description change, so 20 rewrites a second per tile help nobody,
and on a 50-member stage that flips constantly they were about half the cost of each stage update. Names and
roles are described at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QFont, QHideEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from app.room.protocol import Role, StageMember
from app.ui.avatar import RING_FRAMES, Avatar, avatar_colour, initials
from app.ui.flow_layout import FlowLayout
from app.ui.plain_text import accessible, elide, isolate, plain_tooltip

__all__ = ["StageTile", "StageView", "avatar_colour", "initials"]

TILE_SIZE = QSize(112, 128)
PULSE_PERIOD_S = 1.2
PULSE_INTERVAL_MS = round(PULSE_PERIOD_S * 1000 / RING_FRAMES)
DESCRIBE_INTERVAL_MS = 250  # talking/mute words in tooltips and accessible descriptions: at most this often
BADGE_STYLES = {
    Role.HOST: "background: #6a1b9a; color: white;",
    Role.CO_HOST: "background: #1565c0; color: white;",
    Role.SPEAKER: "background: #e0e0e0; color: #202020;",
}
# Amber, not the muted badge's red: nobody did anything wrong, the room just went quiet for a reason.
FEEDBACK_STYLE = "background: #ffb300; color: #202020; border-radius: 6px; padding: 0 4px;"
FEEDBACK_FONT_SCALE = 0.8  # of the user's font: a fourth line must fit the tile (the tooltip says it all)
FEEDBACK_PADDING = 8  # the style's horizontal padding, which elision must leave room for


class StageTile(QFrame):
    """One member; `set_member` changes only what differs, so updates are cheap and never flicker."""

    def __init__(self, member: StageMember, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageTile")
        self.setFixedSize(TILE_SIZE)
        self.member = member
        self.pulse: QTimer | None = None  # the stage's ring clock (set by the StageView)
        self.avatar = Avatar(self)
        self.name_label = QLabel()
        self.name_label.setObjectName("memberName")
        self.name_label.setTextFormat(Qt.TextFormat.PlainText)  # names are outside text: `<img src=…>` stays text
        self.name_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.badge = QLabel()
        self.badge.setObjectName("roleBadge")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Hosts and listeners see why a speaker went quiet: its feedback guard muted it (the controller says so).
        self.feedback_badge = QLabel()
        self.feedback_badge.setObjectName("feedbackBadge")
        self.feedback_badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.feedback_badge.setStyleSheet(FEEDBACK_STYLE)
        small = QFont(self.feedback_badge.font())
        small.setPointSizeF(small.pointSizeF() * FEEDBACK_FONT_SCALE)
        self.feedback_badge.setFont(small)
        self.feedback_badge.setVisible(member.feedback or member.held)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.name_label)
        layout.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.feedback_badge, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self._words: dict[str, str] = {}
        # (tooltip, details) per (muted, talking) for the current name, role and language: a flip picks one.
        self._texts: dict[tuple[bool, bool], tuple[str, str]] = {}
        self._shown_tip: str | None = None  # what Qt has been given: only what differs is set again
        self._shown_details: str | None = None
        self._shown_name: str | None = None
        self._translate_words()
        self._apply(member, first=True)

    @property
    def talking(self) -> bool:
        return self.member.talking

    @property
    def muted(self) -> bool:
        return self.member.muted

    @property
    def feedback(self) -> bool:
        """Muted by its feedback guard (the badge shows)."""
        return self.member.feedback

    @property
    def ring_animating(self) -> bool:
        """Talking, and the stage's pulse is driving the ring (it stops while the stage is hidden)."""
        return self.member.talking and self.pulse is not None and self.pulse.isActive()

    def set_member(self, member: StageMember, repaint_avatar: bool = True, describe: bool = True) -> bool:
        """Update in place; True if the avatar changed (repaint_avatar=False: the stage repaints it on its next
        ring frame; describe=False: a talking/mute flip leaves the tooltip and accessible description to a later
        `describe()`, names and roles are described at once)."""
        old = self.member
        if member is old:
            return False
        if (member.name == old.name and member.role is old.role and member.feedback == old.feedback
                and member.held == old.held):
            # the hot path: a talking or mute flip
            self.member = member
            if member.talking == old.talking and member.muted == old.muted:
                return False
            changed = self.avatar.set_state(member.talking, member.muted, repaint_avatar)
            if describe:
                self._describe(renamed=False)
            return changed
        return self._apply(member, first=False, repaint_avatar=repaint_avatar)

    def _apply(self, member: StageMember, first: bool, repaint_avatar: bool = True) -> bool:
        old, self.member = self.member, member
        if first or (member.id, member.name) != (old.id, old.name):
            self.avatar.set_identity(member.id, member.name)
            self.name_label.setText(elide(member.name, self.name_label.fontMetrics(), TILE_SIZE.width() - 8))
        if first or member.role != old.role:
            self.badge.setStyleSheet("border-radius: 6px; padding: 0 6px; " + BADGE_STYLES[member.role])
            self.badge.setText(self.role_text(member.role))
        if first or (member.feedback, member.held) != (old.feedback, old.held):
            self._show_badge()
        if first or (member.name, member.role, member.feedback, member.held) != (old.name, old.role, old.feedback,
                                                                              old.held):
            self._texts = {}
        changed = self.avatar.set_state(member.talking, member.muted, repaint_avatar)
        self._describe(first or member.name != old.name)
        return changed

    # ------------------------------------------------------------------ text
    def _translate_words(self) -> None:
        """Translate once per language: a busy stage re-describes every tile 20 times a second."""
        self._words = {
            "badge:host": self.tr("Host"), "badge:co-host": self.tr("Co-host"), "badge:speaker": self.tr("Speaker"),
            "host": self.tr("host"), "co-host": self.tr("co-host"), "speaker": self.tr("speaker"),
            "muted": self.tr("muted"), "talking": self.tr("talking"), "tooltip": self.tr("{name} — {details}"),
            "feedback": self.tr("muted automatically (feedback)"), "held": self.tr("muted by a host"),
            "badge:feedback": self.tr("Feedback — muted"), "badge:held": self.tr("Muted by a host"),
            "why:feedback": self.tr("Muted automatically: acoustic feedback (screeching) was detected on this "
                                    "speaker's microphone"),
            "why:held": self.tr("A host muted this speaker; only a host can lift it"),
        }
        self._show_badge()

    def _show_badge(self) -> None:
        """Why a speaker is quiet when it is not its own choice: a host's held mute, else its feedback guard."""
        m = self.member
        kind = "held" if m.held else "feedback"
        self.feedback_badge.setText(elide(self._words["badge:" + kind], self.feedback_badge.fontMetrics(),
                                          TILE_SIZE.width() - 4 - FEEDBACK_PADDING))
        why = self._words["why:" + kind]
        self.feedback_badge.setToolTip(plain_tooltip(why))
        self.feedback_badge.setAccessibleName(why)
        self.feedback_badge.setVisible(m.feedback or m.held)

    def role_text(self, role: Role) -> str:
        return self._words["badge:" + role.value]

    def details(self) -> str:
        """"host, muted, talking": what a screen reader says after the name, and the tooltip's second half."""
        m = self.member
        return self._text(m.muted, m.talking)[1]

    def _text(self, muted: bool, talking: bool) -> tuple[str, str]:
        """(tooltip, details) for this name, role and feedback flag; built once per look and language, not per
        flip."""
        text = self._texts.get((muted, talking))
        if text is None:
            m, words = self.member, self._words
            details = words[m.role.value]
            if m.held:  # muted, and why
                details += ", " + words["held"]
            elif m.feedback:
                details += ", " + words["feedback"]
            elif muted:
                details += ", " + words["muted"]
            if talking:
                details += ", " + words["talking"]
            tip = plain_tooltip(words["tooltip"].format(name=isolate(m.name), details=details))
            text = self._texts[muted, talking] = (tip, details)
        return text

    def describe(self) -> None:
        """Bring the tooltip and accessible description up to date with the member (after describe=False)."""
        self._describe(renamed=False)

    def _describe(self, renamed: bool = True) -> None:
        """Tooltip and accessible name/description; only what differs goes to Qt (each set sends Qt events)."""
        m = self.member
        tip, details = self._text(m.muted, m.talking)
        if tip != self._shown_tip:
            self._shown_tip = tip
            self.setToolTip(tip)
        if renamed and m.name != self._shown_name:
            self._shown_name = m.name
            self.setAccessibleName(accessible(m.name))
        if details != self._shown_details:
            self._shown_details = details
            self.setAccessibleDescription(details)

    def retranslate(self) -> None:
        self._texts = {}
        self._translate_words()
        self.badge.setText(self.role_text(self.member.role))
        self._describe()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class StageView(QWidget):
    """All stage tiles in a wrapping flow (scrolls when the stage is larger than the window), or a placeholder."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageView")
        self._tiles: dict[str, StageTile] = {}
        self._order: list[str] = []
        self._members: tuple[StageMember, ...] | None = None  # the tuple last shown (states share unchanged ones)
        self._talking: list[StageTile] = []
        self._ring_due: list[StageTile] = []  # changed while the pulse runs: repainted on its next frame
        self._describe_due: dict[StageTile, None] = {}  # flipped since the last describe round (ordered set)
        self._describe_timer = QTimer(self)
        self._describe_timer.setSingleShot(True)
        self._describe_timer.setInterval(DESCRIBE_INTERVAL_MS)
        self._describe_timer.timeout.connect(self._describe_round)
        self._waiting = True  # no state yet (vs. a known, empty stage)
        self.placeholder = QLabel()
        self.placeholder.setObjectName("stagePlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: palette(placeholder-text); padding: 16px;")
        self._container = QWidget()
        self._container.setObjectName("stageTiles")
        self.flow = FlowLayout(self._container)
        self.tile_area = QScrollArea()
        self.tile_area.setWidgetResizable(True)
        self.tile_area.setFrameShape(QFrame.Shape.NoFrame)
        self.tile_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tile_area.setWidget(self._container)
        self.tile_area.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.tile_area, 1)
        self._pulse = QTimer(self)
        self._pulse.setInterval(PULSE_INTERVAL_MS)
        self._pulse.timeout.connect(self._animate)
        self.tile_area.hide()
        self.retranslate()

    # ------------------------------------------------------------------ model → tiles
    def set_members(self, members: Iterable[StageMember], waiting: bool = False) -> None:
        """Show `members` in order; existing tiles are updated in place, only new ids get a new tile."""
        members = tuple(members)
        if members is self._members and waiting == self._waiting:
            return  # the same state tuple: nothing to do (flushes for a count or hand change land here)
        ids = [m.id for m in members]
        reordered = ids != self._order
        if reordered:
            present = set(ids)
            for gone in [i for i in self._tiles if i not in present]:
                old = self._tiles.pop(gone)
                self._describe_due.pop(old, None)
                self.flow.removeWidget(old)
                old.hide()
                old.deleteLater()
            self._ring_due = [t for t in self._ring_due if t.member.id in present]
        # While the pulse runs, a talking/mute flip waits for the next ring frame (≤ 80 ms): one repaint per
        # tile per frame, however often the stage flips (each repaint costs ~5-10 µs of Qt machinery per tile).
        defer = self._pulse.isActive()
        tiles, ring_due, describe_due = self._tiles, self._ring_due, self._describe_due
        talking: list[StageTile] = []
        for member in members:
            tile = tiles.get(member.id)
            if tile is None:
                tile = tiles[member.id] = StageTile(member, self._container)
                tile.pulse = self._pulse
                self.flow.addWidget(tile)
                tile.show()
            elif tile.member is not member:
                if tile.set_member(member, not defer, False) and defer:  # (repaint_avatar, describe)
                    ring_due.append(tile)
                describe_due[tile] = None
            if member.talking:
                talking.append(tile)
        if describe_due and not self._describe_timer.isActive():
            self._describe_round()  # leading edge: the first flip after a quiet spell is described at once
        if reordered:
            self.flow.set_order([tiles[i] for i in ids])
            self._order = ids
        self._members = members
        self._talking = talking
        if waiting != self._waiting or bool(members) == self.tile_area.isHidden():
            self._waiting = waiting
            self.tile_area.setVisible(bool(members))
            self.placeholder.setVisible(not members)
            self._show_placeholder()
        self._update_pulse()

    def tile(self, member_id: str) -> StageTile | None:
        return self._tiles.get(member_id)

    def tiles(self) -> list[StageTile]:
        return [self._tiles[i] for i in self._order]

    # ------------------------------------------------------------------ talking rings
    def pulse_running(self) -> bool:
        return self._pulse.isActive()

    def _update_pulse(self) -> None:
        """Animate only while someone talks and the stage is on screen (hidden → no timer, no repaints)."""
        run = bool(self._talking) and self.isVisible()
        if run and not self._pulse.isActive():
            self._pulse.start()
        elif not run and self._pulse.isActive():
            self._pulse.stop()
        if not run and self._ring_due:
            for tile in self._ring_due:
                tile.avatar.update()
            self._ring_due = []

    def _animate(self) -> None:
        frame = int(time.monotonic() / PULSE_PERIOD_S * RING_FRAMES) % RING_FRAMES
        due, self._ring_due = self._ring_due, []
        for tile in due:  # stopped talking, or (un)muted, since the last frame
            avatar = tile.avatar
            if avatar.look.talking:
                avatar.look.frame = -1  # the ring loop below repaints it (once), with the new frame
            else:
                avatar.update()
        for tile in self._talking:
            avatar = tile.avatar
            look = avatar.look
            if look.frame != frame:  # Avatar.set_frame, inlined: with 50 talkers this loop is hot
                look.frame = frame
                avatar.update()

    def _describe_round(self) -> None:
        """Describe the tiles that flipped since the last round; rounds are DESCRIBE_INTERVAL_MS apart."""
        due, self._describe_due = self._describe_due, {}
        for tile in due:
            tile.describe()
        if due:
            self._describe_timer.start()  # the trailing edge: flips until then wait for it

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_pulse()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._update_pulse()

    # ------------------------------------------------------------------ i18n
    def _show_placeholder(self) -> None:
        if self._waiting:
            self.placeholder.setText(self.tr("Waiting for the stage…"))
        else:
            self.placeholder.setText(self.tr("Nobody is on stage right now. Stay tuned!"))

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Stage"))
        self._container.setAccessibleName(self.tr("People on stage"))
        self.tile_area.setAccessibleName(self.tr("People on stage"))  # a Tab stop (it scrolls with the keys)
        self._show_placeholder()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
