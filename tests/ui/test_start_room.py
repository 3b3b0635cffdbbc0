"""Start a room from the window: the dialog runs `plaza start` as its own program and joins the link it prints;
a failure is said in the dialog, in the user's language, with `plaza start`'s own reason."""

from __future__ import annotations

import pytest

from app.room.errors import RoomError
from app.room.stage_protocol import StagePass
from app.ui.start_room import StartedRoom, StartRoomDialog, run_plaza_start, start_command, started_room
from tests.ui.helpers import WindowFactory, wait_until
from tests.ui.test_speaker_ui import fakes  # noqa: F401  (autouse: the window's sessions never connect)

pytestmark = pytest.mark.gui

LINK = "plaza+ws://127.0.0.1:9/4321?title=Launch%20night"


async def test_start_a_room_joins_the_link_plaza_start_printed(make_window: WindowFactory) -> None:
    window = make_window()
    asked: list[tuple[str, str, str]] = []

    async def starter(server: str, title: str, admin_key: str) -> StartedRoom:
        asked.append((server, title, admin_key))
        return StartedRoom(LINK, StagePass(4321, 77, "p" * 32))

    window.room_starter = starter
    window.start_room_action.trigger()
    dialog = window.findChild(StartRoomDialog)
    assert dialog is not None and dialog.isVisible()
    assert not dialog.start_button.isEnabled()  # a room needs a title
    assert dialog.keyring_notice.isVisible()  # the test machine has no keyring: said before anything starts
    assert "never saved" in dialog.keyring_notice.text()
    dialog.title_edit.setText("  Launch night ")
    dialog.server_edit.setText("wss://rooms.example/janus")
    dialog.key_edit.setText("s3cret-admin")
    dialog.start_button.click()
    await wait_until(lambda: window.session is not None, 2, "the window to join the new room")
    assert asked == [("wss://rooms.example/janus", "Launch night", "s3cret-admin")]
    assert window.session is not None and window.session.link.room_id == 4321
    assert window.session.link.title == "Launch night"
    await wait_until(lambda: window.host_control.desk is not None, 2, "host tools from the pass in memory")
    assert window.host_control.desk.stage_pass == StagePass(4321, 77, "p" * 32)  # type: ignore[union-attr]


async def test_a_room_that_cannot_start_is_explained_in_the_dialog(make_window: WindowFactory) -> None:
    """The real `plaza start` in a child process, against a server that is not there: it says why."""
    window = make_window()
    dialog = window.start_room()
    dialog.title_edit.setText("Launch night")
    dialog.server_edit.setText("ws://127.0.0.1:9/janus")
    dialog.start_button.click()
    assert not dialog.start_button.isEnabled()  # one start at a time
    await wait_until(lambda: "could not be started" in dialog.message.text(), 20, "the failure")
    assert "cannot reach ws://127.0.0.1:9/janus" in dialog.message.text()
    assert dialog.isVisible() and window.session is None and dialog.start_button.isEnabled()


async def test_plaza_start_output_without_a_link_is_an_error() -> None:
    with pytest.raises(RoomError, match="bad server address"):
        await run_plaza_start("not a server", "Launch night")


def test_the_command_carries_no_secret() -> None:
    command = start_command("wss://rooms.example/janus", "Launch night", admin_key=True)
    assert command[-6:] == ["start", "wss://rooms.example/janus", "--title", "Launch night", "--host-pass-stdout",
                            "--admin-key-stdin"]


def test_what_plaza_start_prints_is_checked() -> None:
    assert started_room(LINK, "").host_pass is None
    assert started_room(LINK, "77:" + "p" * 32).host_pass == StagePass(4321, 77, "p" * 32)
    with pytest.raises(RoomError, match="not one"):
        started_room(LINK, "77:short")
    with pytest.raises(RoomError, match="not one"):
        started_room("https://example.org/", "")
