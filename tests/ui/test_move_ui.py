"""Room moves in the window, without a lab: the window follows a forward that reaches its session's state (title,
notice, recent rooms, host tools looked up again), says when the new room cannot be found, and a host's
"Move room…" checks the link, asks, and sends the signed `move` the CLI sends (or starts a fresh room first)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import shiboken6
from PySide6.QtWidgets import QMessageBox

from app.links import LinkProblem, RoomLink, format_link, parse_link
from app.listener.follow import FollowPolicy
from app.listener.listen import ListenSession
from app.listener.status import RoomStatus
from app.room.errors import RoomError
from app.room.host_protocol import HostAction, parse_request, verify
from app.room.protocol import Role, Snapshot
from app.room.roster_protocol import Roster, RosterEntry
from app.room.stage_protocol import Invite, StagePass, Uninvite
from app.stage.speaker import Role as SpeakerRole
from app.ui.error_text import link_problem_text, move_failed_text
from app.ui.main_window import MainWindow
from app.ui.move_room import MoveRoomDialog
from app.ui.plain_text import isolate
from app.ui.start_room import StartedRoom
from tests.ui.helpers import WindowFactory, settled, wait_until
from tests.ui.test_host_ui import HOST_PASS, actions, capture_whispers, joined_with
from tests.ui.test_speaker_ui import LINK, FakeMic, FakeStage, fakes, invite, joined, whisper  # noqa: F401

pytestmark = pytest.mark.gui

NEW = RoomLink(5678, ("ws://127.0.0.1:9/janus", "ws://127.0.0.2:9/janus"), "Town hall, part 2")
NEW_PASS = StagePass(NEW.room_id, 9001, "n" * 32)


def forward(session: ListenSession, to: str, seq: int = 50) -> None:
    """The room's controller announces the move (the channel hands the state such a snapshot)."""
    session.state.apply_snapshot(Snapshot(seq, 1234, "ctl-1", "Town hall", True, (), None, (), 0, moved=to),
                                 now=float(seq))


def follow_without_servers(session: ListenSession, *, found: bool = True) -> list[RoomLink]:
    """No jitter, and the supervisor's move (tested with fake feeds in tests/listener) stands in: it either plays
    the new room or, after the not-found grace, ends as the real one does."""
    session.follow = FollowPolicy(jitter=0.0)
    opened: list[RoomLink] = []

    async def move_to(link: RoomLink) -> None:
        opened.append(link)
        if not found:
            session.status.set(RoomStatus.ENDED, f"the room moved to room {link.room_id}, which does not exist")

    session.supervisor.move_to = move_to  # type: ignore[method-assign]
    return opened


async def test_the_window_follows_a_moved_room(make_window: WindowFactory) -> None:
    window, speaker, room = await joined(make_window)
    session = speaker.listen
    opened = follow_without_servers(session)
    assert window.windowTitle() == "Room 1234 — Plaza" and room.moved_label.isHidden()
    forward(session, format_link(NEW))
    await wait_until(lambda: room.room_title() == NEW.title, 2, "the new room's title")
    assert opened == [NEW] and session.link == NEW
    assert room.moved_label.isVisible()
    assert room.moved_label.text() == f"The room moved to “{isolate(NEW.title)}”; you followed it."
    assert room.status_text() == "Live"  # the status stays live throughout a move
    assert window.windowTitle() == f"{isolate(NEW.title)} — Plaza"
    assert window.settings.recent_links()[:2] == [format_link(NEW), LINK]  # the new link is remembered first
    assert window.join_view.recent_list.item(0).text().endswith(format_link(NEW))
    assert window.join_view.link_text() == format_link(NEW)  # what is shown (and copied) is the new link
    window.set_language("es")
    await wait_until(lambda: room.moved_label.text().startswith("La sala se trasladó a"), 2, "the notice in es")
    window.leave()
    assert room.moved_label.isHidden() or window.stack.currentWidget() is window.join_view
    await settled(window)


async def test_a_move_whose_new_room_is_nowhere_ends_with_a_clear_error(make_window: WindowFactory) -> None:
    window, speaker, room = await joined(make_window)
    follow_without_servers(speaker.listen, found=False)
    forward(speaker.listen, format_link(NEW))
    await wait_until(lambda: room.status_text().startswith("Ended"), 2, "the end")
    assert room.status_text() == f"Ended: {move_failed_text()}"
    assert "5678" not in room.status_text() and "ws://" not in room.status_text()  # no English detail shown
    window.set_language("id")
    await wait_until(lambda: room.status_text().startswith("Berakhir") or "pindah" in room.status_text(), 2, "id")
    assert "ruang barunya tidak ditemukan" in room.status_text()
    await settled(window)


async def test_roles_do_not_travel_host_tools_need_the_new_rooms_pass(make_window: WindowFactory) -> None:
    window = make_window()
    passes = {1234: HOST_PASS}
    window.host_control.provider = lambda link: passes.get(link.room_id)
    window, speaker, _room = await joined_with(window)
    await wait_until(lambda: window.host_panel.isVisible() and window.move_action.isEnabled(), 2, "host tools")
    follow_without_servers(speaker.listen)
    forward(speaker.listen, format_link(NEW))
    await wait_until(lambda: speaker.listen.link == NEW, 2, "the move")
    await wait_until(lambda: window.host_panel.isHidden(), 2, "no host tools in a room we do not host")
    assert not window.move_action.isEnabled() and window.host_control.desk is None
    # A host who moved to a room it started here holds that room's pass: the tools come back there.
    passes[NEW.room_id] = NEW_PASS
    window.host_control.follow(speaker, window.room_view.state_bridge)
    await wait_until(lambda: window.host_panel.isVisible(), 2, "host tools in the new room")
    assert window.host_control.desk is not None and window.host_control.desk.stage_pass == NEW_PASS
    await settled(window)


async def hosting(make_window: WindowFactory) -> tuple[MainWindow, list[dict[str, Any]]]:
    window = make_window()
    window.host_control.provider = lambda _link: HOST_PASS
    window, speaker, _room = await joined_with(window)
    sent = capture_whispers(speaker)
    await wait_until(lambda: window.move_action.isEnabled(), 2, "Move room… enabled for the host")
    return window, sent


def confirm_box(dialog: MoveRoomDialog) -> QMessageBox | None:
    boxes = [b for b in dialog.findChildren(QMessageBox) if shiboken6.isValid(b) and b.isVisible()]
    return boxes[-1] if boxes else None


async def answer(dialog: MoveRoomDialog, button: QMessageBox.StandardButton) -> None:
    await wait_until(lambda: confirm_box(dialog) is not None, 2, "the confirmation")
    box = confirm_box(dialog)
    assert box is not None  # opened with open(), never exec()
    assert box.text() == "Move everyone in this room to the new room? The room ends here."
    box.button(button).click()


async def test_a_listener_has_no_move_action(make_window: WindowFactory) -> None:
    window, _speaker, _room = await joined(make_window)  # the test keyring has no host pass
    await asyncio.sleep(0.1)
    assert not window.move_action.isEnabled()
    assert window.moves.open_dialog() is None
    await settled(window)


async def test_move_room_checks_the_link_asks_and_sends_the_signed_move(make_window: WindowFactory) -> None:
    window, sent = await hosting(make_window)
    assert window.move_action.text() == "Mo&ve room…"
    window.move_action.trigger()
    dialog = window.findChild(MoveRoomDialog)
    assert dialog is not None and dialog.isVisible()  # opened with open(), never exec()
    secret = "plaza+ws://127.0.0.1:9/5678?token=hunter2-very-secret"
    dialog.link_edit.setText(secret)
    dialog.move_button.click()
    assert dialog.message.text() == link_problem_text(LinkProblem.SECRETS)
    assert "hunter2" not in dialog.message.text() and confirm_box(dialog) is None
    dialog.link_edit.setText("not a link")
    dialog.move_button.click()
    assert dialog.message.text() == link_problem_text(LinkProblem.NOT_A_LINK)
    dialog.link_edit.setText(f" {LINK} ")  # this room itself
    dialog.move_button.click()
    assert dialog.message.text() == "That is the link of this room. Paste the link of the room to move to."
    # Not canonical as pasted (server order, spaces): what is sent is the canonical text the protocol requires.
    pasted = "  plaza+ws://127.0.0.1:9/5678?server=ws://127.0.0.2:9/janus&title=Town%20hall,%20part%202 "
    dialog.link_edit.setText(pasted)
    dialog.move_button.click()
    await answer(dialog, QMessageBox.StandardButton.No)
    await asyncio.sleep(0.1)
    assert actions(sent) == []  # declined: nothing sent
    assert window.session is not None
    follow_without_servers(window.session)
    dialog.move_button.click()
    await answer(dialog, QMessageBox.StandardButton.Yes)
    target = format_link(parse_link(pasted))
    await wait_until(lambda: actions(sent) == [("move", target)], 2, "the signed move")
    assert dialog.message.text() == "Moving the room…" and not dialog.move_button.isEnabled()
    forward(window.session, target)  # the controller carried it out: the host's own window follows, too
    await wait_until(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), 3, "the dialog to close")
    assert window.room_view.room_title() == NEW.title
    await settled(window)


async def test_a_move_not_carried_out_is_said_in_the_dialog(make_window: WindowFactory) -> None:
    window, sent = await hosting(make_window)
    dialog = window.moves.open_dialog()
    assert dialog is not None
    waits: list[str] = []

    async def mover(link: str) -> None:  # HostControl.move with a short wait: nobody announces the move
        waits.append(link)
        await window.host_control.move(link, timeout=0.2)

    dialog.mover = mover
    dialog.confirm = lambda _question, proceed: proceed()  # type: ignore[method-assign]
    dialog.link_edit.setText(format_link(NEW))
    dialog.move_button.click()
    await wait_until(lambda: dialog.message.text().startswith("The room did not move"), 3, "the failure")
    assert actions(sent) == [("move", format_link(NEW))] and dialog.isVisible() and dialog.move_button.isEnabled()
    await settled(window)


async def test_a_host_can_move_to_a_fresh_room(make_window: WindowFactory) -> None:
    window, sent = await hosting(make_window)
    started: list[tuple[str, str, str]] = []

    async def starter(server: str, title: str, admin_key: str) -> StartedRoom:
        started.append((server, title, admin_key))
        return StartedRoom(format_link(NEW), NEW_PASS)  # no keyring: the pass came over plaza start's pipe

    window.room_starter = starter
    dialog = window.moves.open_dialog()
    assert dialog is not None
    dialog.to_fresh.setChecked(True)
    assert dialog.server_edit.isEnabled() and dialog.server_edit.text() == "ws://127.0.0.1:9/janus"
    dialog.title_edit.setText("")
    dialog.move_button.click()
    assert dialog.message.text() == "Give the new room a title." and started == []
    dialog.title_edit.setText("Town hall, part 2")
    assert window.session is not None
    follow_without_servers(window.session)
    dialog.move_button.click()
    await wait_until(lambda: confirm_box(dialog) is not None, 2, "the confirmation")
    box = confirm_box(dialog)
    assert box is not None
    assert box.text() == "Start a fresh room and move everyone in this room there?"
    box.button(QMessageBox.StandardButton.Yes).click()
    await wait_until(lambda: actions(sent) == [("move", format_link(NEW))], 2, "the move to the fresh room")
    assert started == [("ws://127.0.0.1:9/janus", "Town hall, part 2", "")]
    assert window.host_control._known[NEW.room_id] == NEW_PASS  # the new room's host tools, without a keyring
    forward(window.session, format_link(NEW))
    await wait_until(lambda: window.host_control.desk is not None
                     and window.host_control.desk.stage_pass == NEW_PASS, 2, "host of the new room")
    assert window.move_action.isEnabled()
    await settled(window)


async def test_a_fresh_room_that_does_not_start_moves_nobody(make_window: WindowFactory) -> None:
    window, sent = await hosting(make_window)

    async def starter(server: str, title: str, admin_key: str) -> StartedRoom:
        raise RoomError("cannot reach ws://127.0.0.1:9/janus: connection refused")

    window.room_starter = starter
    dialog = window.moves.open_dialog()
    assert dialog is not None
    dialog.confirm = lambda _question, proceed: proceed()  # type: ignore[method-assign]
    dialog.to_fresh.setChecked(True)
    dialog.title_edit.setText("Town hall, part 2")
    dialog.move_button.click()
    await wait_until(lambda: dialog.message.text().startswith("The new room could not be started"), 2, "the error")
    assert actions(sent) == [] and dialog.move_button.isEnabled()
    await settled(window)


async def test_closing_the_window_closes_a_waiting_move_dialog(make_window: WindowFactory) -> None:
    window, _sent = await hosting(make_window)
    dialog = window.moves.open_dialog()
    assert dialog is not None
    dialog.confirm = lambda _question, proceed: proceed()  # type: ignore[method-assign]
    dialog.link_edit.setText(format_link(NEW))
    dialog.move_button.click()  # waits for an announcement that never comes
    await asyncio.sleep(0.1)
    window.close()
    await asyncio.wait_for(window.shutdown(), 5)
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()


def signed(sent: list[dict[str, Any]], stage_pass: StagePass) -> list[tuple[str, str]]:
    """The host actions in `sent` signed with `stage_pass` (others are left out)."""
    out = []
    for obj in sent:
        if obj.get("type") == "host" and obj.get("stage_id") == stage_pass.stage_id:
            action = parse_request(json.dumps(obj))
            assert isinstance(action, HostAction) and verify(action, stage_pass.token)
            out.append((action.verb.value, action.target))
    return out


async def test_the_hosts_window_hands_the_moved_stage_on_with_the_new_rooms_pass(make_window: WindowFactory) -> None:
    untitled = RoomLink(NEW.room_id, NEW.servers)  # a fresh room's link has no title: its controller's is shown
    window = make_window()
    passes = {1234: HOST_PASS, NEW.room_id: NEW_PASS}
    window.host_control.provider = lambda link: passes.get(link.room_id)
    window, speaker, room = await joined_with(window)
    sent = capture_whispers(speaker)
    await wait_until(lambda: window.move_action.isEnabled(), 2, "Move room… enabled for the host")
    session = speaker.listen
    follow_without_servers(session)
    target = format_link(untitled)
    moving = asyncio.ensure_future(window.host_control.move(target))
    await wait_until(lambda: signed(sent, HOST_PASS) == [("move", target)], 2, "the signed move")
    assert session.channel is not None
    roster = Roster(1234, (RosterEntry("l-ana", "Ana", Role.SPEAKER, "a" * 64),
                           RosterEntry("l-dee", "Dee", Role.CO_HOST, "d" * 64)))
    session.channel.stage_whispers.emit(Roster(999, (RosterEntry("l-evil", "Evil", Role.CO_HOST, "e" * 64),)))
    session.channel.stage_whispers.emit(roster)  # the old controller, before its announcement
    forward(session, target)
    await moving
    await wait_until(lambda: window.host_control.desk is not None
                     and window.host_control.desk.stage_pass == NEW_PASS, 2, "host tools in the new room")
    assert window.windowTitle() == "Room 5678 — Plaza"
    await asyncio.sleep(0.1)
    assert signed(sent, NEW_PASS) == []  # nobody to ask before the new room's controller is heard
    session.state.apply_snapshot(Snapshot(1, NEW.room_id, "ctl-2", "Town hall, take 2", False, (), None, (), 0),
                                 now=60.0)
    await wait_until(lambda: signed(sent, NEW_PASS) == [("carry_speaker", "a" * 64), ("carry_co_host", "d" * 64)],
                     2, "the stage's places handed on, with their roles")
    await wait_until(lambda: window.windowTitle() == "Town hall, take 2 — Plaza", 2, "the new room's own title")
    assert room.room_title() == "Town hall, take 2"
    await settled(window)


async def test_a_move_to_a_room_without_our_pass_invites_nobody(make_window: WindowFactory) -> None:
    window, sent = await hosting(make_window)
    window.host_control.provider = lambda link: HOST_PASS if link.room_id == 1234 else None
    assert window.session is not None
    session = window.session
    follow_without_servers(session)
    moving = asyncio.ensure_future(window.host_control.move(format_link(NEW)))
    await wait_until(lambda: actions(sent) == [("move", format_link(NEW))], 2, "the signed move")
    assert session.channel is not None
    session.channel.stage_whispers.emit(Roster(1234, (RosterEntry("l-ana", "Ana", Role.SPEAKER, "a" * 64),)))
    forward(session, format_link(NEW))
    await moving
    session.state.apply_snapshot(Snapshot(1, NEW.room_id, "ctl-2", "T", False, (), None, (), 0), now=60.0)
    await asyncio.sleep(0.2)
    assert [a for a in actions(sent) if a[0] != "move"] == [] and window.host_control._carrying is None
    notice = window.room_view.moved_label
    assert notice.isVisibleTo(window) and "invited again" in notice.text()  # the host is told, in the window
    await settled(window)


async def test_a_speaker_is_back_on_stage_in_the_new_room_without_a_dialog(make_window: WindowFactory) -> None:
    window, speaker, room = await joined(make_window)
    dialogs: list[None] = []
    window.speaker_control.invited.connect(lambda: dialogs.append(None))
    whisper(speaker, invite())
    await wait_until(lambda: window.speaker_control.dialog is not None, 2, "the invite dialog")
    assert window.speaker_control.dialog is not None
    window.speaker_control.dialog.accept_button.click()
    await wait_until(lambda: speaker.role is SpeakerRole.SPEAKER, 3, "on the old stage")
    await speaker.set_muted(False)
    dialogs.clear()
    follow_without_servers(speaker.listen)
    whisper(speaker, Uninvite(1234))  # the old controller lets everyone go at the move...
    forward(speaker.listen, format_link(NEW))  # ...and announces it
    await wait_until(lambda: speaker.listen.link == NEW and speaker.role is SpeakerRole.LISTENER, 2, "the follow")
    await wait_until(lambda: FakeMic.closed == [5], 2, "the microphone released meanwhile")
    whisper(speaker, Invite(StagePass(NEW.room_id, 43, "u" * 24), 60.0))  # the new controller answers our claim
    await wait_until(lambda: speaker.role is SpeakerRole.SPEAKER, 3, "back on stage")
    assert dialogs == [] and window.speaker_control.dialog is None  # nothing asked
    assert FakeStage.made[-1].stage_pass.room == NEW.room_id and FakeMic.opened == [5, 5]
    controls = room.stage_controls
    await wait_until(lambda: not controls.bar.isHidden() and controls.mute_button.text() == "Mute", 2,
                     "the stage controls, unmuted as before")
    assert not speaker.muted and room.hand.isHidden()
    await settled(window)
