"""The host's side of the window, without a lab: host tools appear only with the room's host pass, every button
sends a signed request for the right target, and a held mute shows on the tile and on the speaker's own controls."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.room.host_protocol import parse_request, verify
from app.room.protocol import Hand, Role
from app.room.stage_protocol import StagePass
from app.stage.speaker import Role as SpeakerRole
from app.stage.speaker import SpeakerSession
from app.ui.host_panel import clock_time
from app.ui.main_window import MainWindow
from tests.ui.helpers import WindowFactory, wait_until
from tests.ui.test_speaker_ui import FakeMic, fakes, invited, joined  # noqa: F401  (fakes: autouse fixture)
from tests.ui.test_stage_view import ANA, CARLA, NOW, member, snapshot

pytestmark = pytest.mark.gui

HOST_PASS = StagePass(1234, 7411, "h" * 32)
CY = Hand("l-cy", "Cy", NOW - 130)


def capture_whispers(speaker: SpeakerSession) -> list[dict[str, Any]]:
    """Whispers to the controller, delivered at once; host actions are checked against the host's pass."""
    sent: list[dict[str, Any]] = []
    assert speaker.listen.channel is not None

    def whisper(text: str) -> asyncio.Task[bool]:
        sent.append(json.loads(text))

        async def delivered() -> bool:
            return True

        return asyncio.ensure_future(delivered())

    speaker.listen.channel.whisper = whisper  # type: ignore[method-assign]
    speaker.listen.channel.whisper_confirmed = lambda text, room: whisper(text)  # type: ignore[method-assign]
    return sent


def actions(sent: list[dict[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for obj in sent:
        if obj.get("type") == "host":
            action = parse_request(json.dumps(obj))
            assert verify(action, HOST_PASS.token)  # type: ignore[arg-type]
            out.append((action.verb.value, action.target))  # type: ignore[union-attr]
    return out


async def as_host(make_window: WindowFactory) -> tuple[MainWindow, SpeakerSession, list[dict[str, Any]]]:
    window = make_window()
    window.host_control.provider = lambda _link: HOST_PASS
    window, speaker, _room = await joined_with(window)
    sent = capture_whispers(speaker)
    panel = window.host_panel
    await wait_until(lambda: panel.isVisible(), 2, "the host tools")
    return window, speaker, sent


async def joined_with(window: MainWindow) -> tuple[MainWindow, SpeakerSession, Any]:
    return await joined(lambda **_: window)


async def test_no_host_pass_no_host_tools(make_window: WindowFactory) -> None:
    window, _speaker, _room = await joined(make_window)  # the test keyring has no host pass
    await asyncio.sleep(0.1)
    assert window.host_panel.isHidden() and window.host_control.desk is None


async def test_the_hand_queue_invite_and_member_actions_are_signed_requests(make_window: WindowFactory,
                                                                            qtbot: Any) -> None:
    window, speaker, sent = await as_host(make_window)
    panel = window.host_panel
    snapshot(speaker.listen.state, ANA, CARLA, hands=(CY,))
    await wait_until(lambda: panel.hands.count() == 1 and panel.members.count() == 2, 2, "the lists")
    assert panel.hands.item(0).text() == f"Cy — raised at {clock_time(CY.raised_at)}"
    assert not panel.invite_button.isEnabled()
    panel.hands.setCurrentRow(0)
    panel.invite_button.click()
    panel.hands.setFocus()
    qtbot.keyClick(panel.hands, Qt.Key.Key_Return)  # Enter on a hand invites it too
    panel.members.setCurrentRow(0)  # Ana, the host: nothing to do to her
    assert not any(b.isEnabled() for b in (panel.mute_button, panel.demote_button, panel.remove_button))
    panel.members.setCurrentRow(1)  # Carla, a speaker
    for button in (panel.mute_button, panel.promote_button, panel.demote_button):
        button.click()
    panel.confirm = lambda _question: False  # type: ignore[method-assign]
    panel.remove_button.click()  # not confirmed: nothing sent
    panel.confirm = lambda _question: True  # type: ignore[method-assign]
    panel.remove_button.click()
    panel.mute_all_button.click()
    assert panel.record_button.text() == "Start recor&ding"
    panel.record_button.click()
    panel.end_button.click()
    await wait_until(lambda: len(actions(sent)) == 9, 2, "the requests")
    assert actions(sent) == [("invite", "l-cy"), ("invite", "l-cy"), ("mute", "7413"), ("promote", "7413"),
                             ("demote", "7413"), ("remove", "7413"), ("mute_all", ""), ("record", ""), ("end", "")]
    seqs = [obj["seq"] for obj in sent]
    assert seqs == sorted(set(seqs))  # every request a new seq
    assert panel.members.currentItem().text() == "Carla Méndez (speaker)"


async def test_a_held_member_shows_why_and_the_host_can_lift_it(make_window: WindowFactory) -> None:
    window, speaker, sent = await as_host(make_window)
    panel = window.host_panel
    held = member("7413", "Carla Méndez", muted=True)
    held = type(held)(held.id, held.name, held.role, True, False, False, True)
    snapshot(speaker.listen.state, ANA, held)
    await wait_until(lambda: panel.members.count() == 2, 2, "the list")
    assert panel.members.item(1).text() == "Carla Méndez (speaker, muted by a host)"
    panel.members.setCurrentRow(1)
    assert panel.mute_button.text() == "Lift &mute"
    panel.mute_button.click()
    await wait_until(lambda: actions(sent) == [("unmute", "7413")], 2, "the lift")
    tile = window.room_view.stage.tile("7413")
    await wait_until(lambda: tile is not None and tile.feedback_badge.text() == "Muted by a host", 2, "the badge")
    assert "only a host can lift it" in tile.feedback_badge.accessibleName()
    panel.show_state(dataclasses.replace(speaker.listen.state.state, recording=True))
    assert panel.record_button.text() == "Stop recor&ding"
    panel.record_button.click()
    await wait_until(lambda: actions(sent)[-1] == ("stop_record", ""), 2, "the stop")
    snapshot(speaker.listen.state, ANA, CARLA, ended=True)
    await wait_until(lambda: not panel.isEnabled(), 2, "an ended room: nothing left to do")


async def test_a_speaker_held_by_a_host_cannot_unmute(make_window: WindowFactory) -> None:
    window, speaker, room = await joined(make_window)
    dialog = await invited(window, speaker)
    await wait_until(lambda: FakeMic.opened == [5], 2, "the sound check")
    dialog.accept_button.click()
    await wait_until(lambda: speaker.role is SpeakerRole.SPEAKER, 3, "on stage")
    controls = room.stage_controls
    me = member("42", "Me")
    me_held = type(me)(me.id, me.name, Role.SPEAKER, True, False, False, True)
    snapshot(speaker.listen.state, ANA, me_held)
    await wait_until(lambda: not controls.mute_button.isEnabled(), 2, "the unmute to be withdrawn")
    assert controls.notice_text() == "A host muted you. You can unmute when a host lifts the mute."
    assert speaker.muted and not controls.mic_action.isEnabled()
    with pytest.raises(Exception, match="host muted you"):
        await speaker.set_muted(False)
    snapshot(speaker.listen.state, ANA, member("42", "Me", muted=True))
    await wait_until(lambda: controls.mute_button.isEnabled(), 2, "the unmute to come back")
    assert controls.notice_text() == "" and speaker.muted  # lifted, still muted: the speaker decides
