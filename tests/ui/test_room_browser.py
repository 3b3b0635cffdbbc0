"""Browse rooms: the live rooms of the servers in the settings, filtered, joined with Return or a double-click;
outside text shown as text; bad addresses explained; the dialog's timer and directory end with it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from typing import ClassVar

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.listener.directory import DirectoryBrowser
from app.room.lobby_protocol import RoomSummary, parse_summary
from app.ui.room_browser import RoomBrowserDialog
from app.ui.settings import DEFAULT_BROWSE_SERVERS
from tests.ui.helpers import WindowFactory, wait_until
from tests.ui.test_speaker_ui import fakes  # noqa: F401  (autouse: the window's sessions never connect)

pytestmark = pytest.mark.gui

SERVER = DEFAULT_BROWSE_SERVERS[0]


class FakeDirectoryBrowser(DirectoryBrowser):
    """The directory without the network: tests announce into `directory` themselves."""

    made: ClassVar[list[FakeDirectoryBrowser]] = []

    def __init__(self, servers: Iterable[str]) -> None:
        super().__init__(servers)
        self.closed = False
        FakeDirectoryBrowser.made.append(self)

    def start(self) -> None:
        self.joined.update(self.servers)
        self.attempted.set()

    async def close(self) -> None:
        self.closed = True


def rows(dialog: RoomBrowserDialog) -> list[list[str]]:
    return [[dialog.rooms.topLevelItem(i).text(c) for c in range(4)] for i in range(dialog.rooms.topLevelItemCount())]


async def test_browse_filter_and_join_with_return(make_window: WindowFactory, qtbot: QtBot) -> None:
    FakeDirectoryBrowser.made = []
    window = make_window()
    window.room_directory = FakeDirectoryBrowser
    window.browse_action.trigger()
    dialog = window.findChild(RoomBrowserDialog)
    assert dialog is not None and dialog.isVisible()
    [browser] = FakeDirectoryBrowser.made
    assert browser.servers == [SERVER]  # the local server unless the settings say otherwise
    assert dialog.message.text() == "No live rooms right now."
    now = time.time()
    directory = browser.directory
    directory.apply(SERVER, RoomSummary(4321, "Launch night", ("Ana", "Bo"), 1234, now - 3900))
    hostile = {"v": 1, "type": "lobby", "room": 77, "title": "<b>Bold</b> \u202eevil", "hosts": ["<i>Cy</i>"],
               "listeners": None, "started": now - 30}
    directory.apply(SERVER, parse_summary(json.dumps(hostile)))  # as the lobby channel takes it
    await wait_until(lambda: len(rows(dialog)) == 2, 2, "the list to show the summaries (coalesced)")
    assert rows(dialog) == [["Launch night", "Ana, Bo", dialog.locale().toString(1234), "1 h 05 min"],
                            ["<b>Bold</b> evil", "<i>Cy</i>", "—", "just started"]]  # literal text, no bidi override
    assert not dialog.join_button.isEnabled()

    qtbot.keyClicks(dialog.filter_edit, "cy")
    assert [r[0] for r in rows(dialog)] == ["<b>Bold</b> evil"]
    dialog.filter_edit.clear()
    qtbot.keyClicks(dialog.filter_edit, "nobody")
    assert rows(dialog) == [] and dialog.message.text() == "No live rooms match."
    dialog.filter_edit.clear()

    dialog.rooms.setFocus()
    dialog.rooms.setCurrentItem(dialog.rooms.topLevelItem(0))
    assert dialog.join_button.isEnabled()
    directory.apply(SERVER, RoomSummary(4321, "Launch night", ("Ana", "Bo"), 1300, now - 3900))
    await wait_until(lambda: rows(dialog)[0][2] == dialog.locale().toString(1300), 2, "the new count")
    assert dialog.rooms.currentItem().text(0) == "Launch night"  # the choice survives a refresh
    qtbot.keyClick(dialog.rooms, Qt.Key.Key_Return)
    await wait_until(lambda: window.session is not None, 2, "the window to join the chosen room")
    assert window.session is not None and window.session.link.room_id == 4321
    assert window.session.link.servers == (SERVER,) and window.session.link.title == "Launch night"
    await wait_until(lambda: browser.closed, 2, "the directory to close with the dialog")
    await wait_until(lambda: window.findChild(RoomBrowserDialog) is None, 2, "the dialog to go")


async def test_servers_are_checked_and_kept_in_the_settings(make_window: WindowFactory) -> None:
    FakeDirectoryBrowser.made = []
    window = make_window()
    window.room_directory = FakeDirectoryBrowser
    dialog = window.browse_rooms()
    dialog.servers_edit.setText("ws://10.0.0.2:8188/janus http://nope")
    assert not dialog.browse()
    assert "“http://nope” is not a server address" in dialog.message.text()
    assert window.settings.browse_servers() == [SERVER] and len(FakeDirectoryBrowser.made) == 1
    dialog.servers_edit.setText("ws://10.0.0.2:8188/janus  plaza://rooms.example.org")
    assert dialog.browse()
    expected = ["ws://10.0.0.2:8188/janus", "wss://rooms.example.org:8989/janus"]
    assert window.settings.browse_servers() == expected
    first, second = FakeDirectoryBrowser.made
    assert second.servers == expected
    await wait_until(lambda: first.closed, 2, "the previous directory to close")
    dialog.servers_edit.setText("   ")
    assert not dialog.browse() and dialog.message.text() == "Enter at least one server address."
    timer = dialog._timer
    assert timer.isActive()
    dialog.reject()
    await wait_until(lambda: second.closed, 2, "the directory to close with the dialog")


async def test_the_browser_speaks_spanish(make_window: WindowFactory) -> None:
    FakeDirectoryBrowser.made = []
    window = make_window()
    window.room_directory = FakeDirectoryBrowser
    window.set_language("es")
    assert window.browse_action.text() == "&Explorar salas…"
    dialog = window.browse_rooms()
    assert dialog.windowTitle() == "Explorar salas"
    assert dialog.rooms.headerItem().text(0) == "Título" and dialog.rooms.headerItem().text(2) == "Oyentes"
    FakeDirectoryBrowser.made[0].directory.apply(SERVER, RoomSummary(5, "", (), 3, time.time() - 600))
    await wait_until(lambda: rows(dialog) == [["Sala 5", "", "3", "10 min"]], 2, "the room, in Spanish")
    dialog.reject()


async def test_closing_the_window_closes_an_open_browser_and_its_lobby_connections(make_window: WindowFactory
                                                                                  ) -> None:
    FakeDirectoryBrowser.made = []
    window = make_window()
    window.room_directory = FakeDirectoryBrowser
    window.browse_rooms()
    [browser] = FakeDirectoryBrowser.made
    window.close()
    await asyncio.wait_for(window.shutdown(), 10)
    assert browser.closed
