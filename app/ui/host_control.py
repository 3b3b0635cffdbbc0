"""The host tools' logic: shows the panel (app.ui.host_panel) to a holder of a host's pass and runs its requests
through a HostDesk (app.stage.host) on the window's tasks; after a move this window made, hands the old stage's
places on to the new room (§3.8).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal

from app.controller.secret_store import SecretsUnavailable, load_host_pass
from app.links import RoomLink, format_link, parse_link
from app.listener.state import RoomState
from app.room.errors import RoomError
from app.room.host_protocol import HostVerb
from app.room.roster_protocol import RosterEntry
from app.room.stage_protocol import StagePass
from app.stage.host import HostDesk, move_target
from app.stage.roster import RosterCollector, carry_roles
from app.stage.speaker import Role as SpeakerRole
from app.stage.speaker import SpeakerSession
from app.ui.audience_window import AudienceWindow
from app.ui.host_panel import HostPanel
from app.ui.reactions import ReactionRates
from app.ui.state_bridge import RoomStateBridge
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)

MOVE_WAIT_S = 8.0  # as `plaza host move`: the controller announces a move within a second


def keyring_host_pass(link: RoomLink) -> StagePass | None:
    """The room creator's pass, if this machine's keyring has it (its controller runs here); else None: the
    window is a listener's. Read once per join, on the Qt thread (a quick keyring lookup, as Vorta does)."""
    try:
        return load_host_pass(link)
    except SecretsUnavailable as exc:
        log.debug("no host pass for room %s: %s", link.room_id, exc)
        return None


class HostControl(QObject):
    """Shows the panel to a holder of a host's pass and runs its requests through a HostDesk on the window's
    tasks, saying when one fails."""

    desk_changed = Signal(bool)  # whether this window hosts the room now ("Move room…" is enabled by it)
    stage_left_behind = Signal()  # a move we made could not hand its stage on: they must be invited by hand

    def __init__(self, panel: HostPanel, tasks: TaskSet,
                 provider: Callable[[RoomLink], Awaitable[StagePass | None] | StagePass | None] = keyring_host_pass
                 ) -> None:
        super().__init__(panel)
        self.panel = panel
        self.provider = provider
        self.desk: HostDesk | None = None
        self.speaker: SpeakerSession | None = None
        self._bridge: RoomStateBridge | None = None
        self._known: dict[int, StagePass] = {}  # passes handed over in memory, by room number
        self._lookup = 0  # bumped by follow(): a pass lookup started for an earlier room (a move) is dropped
        # A move this window made: (the new room's number, the old room's roster coming in), until the new room's
        # host pass is found and its invites are sent (roles travel with the move, §3.8).
        self._carrying: tuple[RoomLink, RosterCollector] | None = None
        self._tasks = tasks
        panel.action_requested.connect(self._on_action)
        panel.go_on_stage_requested.connect(self._go_on_stage)
        self.audience = AudienceWindow(lambda: self.desk, tasks, panel)
        panel.audience_requested.connect(self.audience.open)
        panel.hide()

    def follow(self, speaker: SpeakerSession | None, bridge: RoomStateBridge | None) -> None:
        """The window's session (None: the room was left): host tools appear if we hold the room's host pass."""
        if self._bridge is not None:
            self._bridge.changed.disconnect(self._on_state)
            self._bridge.reactions.disconnect(self.audience.add_reactions)
        self.speaker, self._bridge = speaker, None
        self._lookup += 1
        self.audience.rates = ReactionRates()  # another room's (or no) reactions
        self.set_desk(None)
        carrying = self._carrying
        if speaker is None or bridge is None or (carrying is not None
                                                 and not carrying[0].same_room(speaker.listen.link)):
            self._stop_carrying()  # (a move's roster is for the room it moved to, and only that)
        if speaker is not None and bridge is not None:
            self._tasks.start(self._find_pass(speaker, bridge, self._lookup), name="plaza-host-pass")

    def remember(self, stage_pass: StagePass) -> None:
        """A host pass handed over in memory (a room this window started on a machine without a keyring)."""
        self._known[stage_pass.room] = stage_pass

    async def _find_pass(self, speaker: SpeakerSession, bridge: RoomStateBridge, lookup: int) -> None:
        room_id = speaker.listen.link.room_id
        stage_pass = self._known.get(room_id)
        if stage_pass is None:
            found = self.provider(speaker.listen.link)
            stage_pass = await found if inspect.isawaitable(found) else found  # (a keyring may ask to unlock)
        channel = speaker.listen.channel
        # The same session follows a moved room: a lookup for the room it left must not attach its pass to the
        # new one (nor connect the bridge twice when both lookups finish).
        if lookup != self._lookup or speaker is not self.speaker:
            return
        if (stage_pass is None or channel is None or stage_pass.room != room_id
                or speaker.listen.link.room_id != room_id):
            carrying = self._carrying
            if carrying is not None and carrying[0].same_room(speaker.listen.link):
                self._stop_carrying()
                if carrying[1].entries:  # someone was on the stage: they are not coming along
                    log.warning("moved to room %s without its host pass here: its speakers must be invited by hand",
                                room_id)
                    self.stage_left_behind.emit()
            return
        self._bridge = bridge
        bridge.changed.connect(self._on_state)
        bridge.reactions.connect(self.audience.add_reactions)
        desk = HostDesk(channel, stage_pass)
        self.set_desk(desk)
        self._on_state()
        carrying = self._carrying
        if carrying is not None and carrying[0].same_room(speaker.listen.link):
            self._stop_carrying()
            if carrying[1].entries or speaker.carried is not None:
                self._tasks.start(self._carry(speaker, desk, carrying[1].entries), name="plaza-host-carry-roles")

    def _stop_carrying(self) -> None:
        carrying, self._carrying = self._carrying, None
        if carrying is not None:
            carrying[1].close()

    async def _carry(self, speaker: SpeakerSession, desk: HostDesk, entries: list[RosterEntry]) -> None:
        """After our move: back on the new stage if we were on the old one, and everyone else's place handed on."""
        if speaker.carried is not None:
            try:
                await speaker.take_pass(desk.stage_pass)
            except RoomError as exc:
                log.warning("could not go back on stage after the move: %s", exc)
        if not entries:
            return
        try:
            await carry_roles(desk, entries)
        except RoomError as exc:
            log.warning("the moved room's stage places were not handed on: %s", exc)
            if desk is self.desk:
                self.stage_left_behind.emit()

    def set_desk(self, desk: HostDesk | None) -> None:
        self.desk = desk
        self.desk_changed.emit(desk is not None)
        self.audience.close()  # another session's (or no) host: its graph is not this one's
        self.panel.setVisible(desk is not None)
        self.panel.set_message("")

    def _on_state(self) -> None:
        speaker = self.speaker
        if speaker is None:
            return
        self.panel.show_state(speaker.listen.state.state)
        self.panel.set_on_stage(speaker.role in (SpeakerRole.JOINING, SpeakerRole.SPEAKER))

    def _go_on_stage(self) -> None:
        speaker, desk = self.speaker, self.desk
        if speaker is not None and desk is not None and speaker.role is SpeakerRole.LISTENER:
            self._tasks.start(self._take_pass(speaker, desk), name="plaza-host-on-stage")

    async def _take_pass(self, speaker: SpeakerSession, desk: HostDesk) -> None:
        try:
            await speaker.take_pass(desk.stage_pass)
        except RoomError as exc:
            log.warning("the host could not go on stage: %s", exc)
            if desk is self.desk:
                self.panel.set_message(self.tr("Could not go on stage; try again."))

    async def move(self, link: str, timeout: float = MOVE_WAIT_S) -> None:
        """Move the room to `link` and wait until the room state shows the forward (the window follows it like
        every listener); raises LinkError for a bad link, RoomError when not carried out within `timeout`."""
        desk, speaker = self.desk, self.speaker
        if desk is None or speaker is None:
            raise RoomError("this window does not host the room (any more)")
        session = speaker.listen
        target = move_target(link)
        done = asyncio.Event()

        def on_moved(moved: RoomLink) -> None:
            if format_link(moved) == target:
                done.set()

        def on_state(state: RoomState, _change: object) -> None:
            if state.moved == target:
                done.set()

        session.moved.connect(on_moved)
        session.state.changed.connect(on_state)
        if session.channel is not None:  # the old controller whispers us its stage before it ends the room
            self._stop_carrying()
            self._carrying = (parse_link(target), RosterCollector(session.channel, desk.stage_pass.room))
        try:
            try:
                await desk.move(target)
            except RoomError:
                if not done.is_set():
                    raise  # (else its delivery was not confirmed, but the room moved and we followed it)
            async with asyncio.timeout(timeout):
                await done.wait()
        except TimeoutError:
            self._stop_carrying()
            raise RoomError(f"the controller did not move room {desk.stage_pass.room} within {timeout:g} s") from None
        except BaseException:
            self._stop_carrying()
            raise
        finally:
            session.moved.disconnect(on_moved)
            session.state.changed.disconnect(on_state)

    def _on_action(self, verb: HostVerb, target: str) -> None:
        desk = self.desk
        if desk is not None:
            self._tasks.start(self._act(desk, verb, target), name=f"plaza-host-{verb.value}")

    async def _act(self, desk: HostDesk, verb: HostVerb, target: str) -> None:
        try:
            await desk.act(verb, target)
        except RoomError as exc:
            log.warning("host action %s failed: %s", verb.value, exc)
            if desk is self.desk:
                self.panel.set_message(self.tr("The room's controller could not be reached; try again."))
            return
        if desk is self.desk:
            self.panel.set_message("")
