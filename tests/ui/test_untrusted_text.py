"""Outside text (member names, room titles, server addresses, server reasons) is shown as the characters it is.

A QLabel in AutoText format would render `<img src=…>` as an image and `<a href=…>` as a link, and a tooltip is
always rich-text-detected: every label showing such text must be PlainText, every tooltip must display it
literally, and a 5,000-character name must not make the window 5,000 characters wide.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from app.listener.state import RoomStateModel
from app.listener.stats import ConnectionStats, ReconnectRecord
from app.listener.status import ReconnectInfo, RoomStatus, StatusChange
from app.room.protocol import Role, Snapshot, StageMember
from app.ui.connection_dialog import ConnectionDialog
from app.ui.plain_text import ACCESSIBLE_MAX_CHARS, ELLIPSIS, plain_tooltip
from app.ui.room_view import RoomView
from tests.ui.helpers import WindowFactory, shown_tooltip, wait_until

pytestmark = pytest.mark.gui

HOSTILE = [
    "<img src=x>",
    '<a href="http://x">click</a>',
    "<b>bold</b>",
    "&amp; &lt;not an entity&gt;",
    "\u202eevil right-to-left override",  # RIGHT-TO-LEFT OVERRIDE, never closed
    "zero\u200bwidth\u200djoiners\u2060",
    "مرحبا <i>بالعالم</i>",
    "[*] asterisk placeholder",
]
LONG = ["x" * 5000, "<b>long</b> " * 450]  # one unbreakable word, and many short ones
MAX_WIDTH = 1000  # px: far below what 5,000 characters would take (~35,000 px)


def shows(shown: str, literal: str) -> bool:
    """`shown` is the literal text, or a prefix of it elided with "…" (or the middle, for elided addresses)."""
    if shown == literal:
        return True
    if ELLIPSIS not in shown:
        return False
    head, _, tail = shown.partition(ELLIPSIS)
    return literal.startswith(head) and literal.endswith(tail) and len(shown) < len(literal)


def labels_showing(root: QWidget, literal: str) -> list[QLabel]:
    """Every label whose text is (a piece of) the literal string, however it got there."""
    probe = literal[:8]
    return [label for label in root.findChildren(QLabel) if probe and probe in label.text()]


def member(id_: str, name: str) -> StageMember:
    return StageMember(id_, name, Role.SPEAKER, False, False)


def show_stage(view: RoomView, names: list[str]) -> RoomStateModel:
    model = RoomStateModel()
    view.set_state_model(model)
    model.apply_snapshot(Snapshot(1, 1, "ctl", "t", False, tuple(member(str(i), n) for i, n in enumerate(names)),
                                  None, (), 0), now=1.0)
    bridge = view.state_bridge
    assert bridge is not None
    bridge.flush()
    return model


@pytest.mark.parametrize("name", HOSTILE + LONG)
def test_member_names_are_plain_elided_and_literal_in_tooltips(qtbot, name: str) -> None:
    view = RoomView()
    qtbot.addWidget(view)
    view.resize(640, 600)
    view.show()
    show_stage(view, [name])
    tile = view.stage.tile("0")
    assert tile is not None
    assert tile.name_label.textFormat() == Qt.TextFormat.PlainText
    assert shows(tile.name_label.text(), name)
    assert tile.name_label.width() <= tile.width()
    assert name in shown_tooltip(tile.toolTip())  # the whole name, as characters (bidi-isolated if needed)
    assert shown_tooltip(tile.toolTip()).endswith(" — speaker")  # an override inside the name stays inside
    assert shows(tile.accessibleName(), name) and len(tile.accessibleName()) <= ACCESSIBLE_MAX_CHARS
    assert "<" not in tile.avatar._initials and "\u200b" not in tile.avatar._initials
    for label in labels_showing(view, name):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()


@pytest.mark.parametrize("title", HOSTILE)
async def test_link_titles_in_the_room_view_window_title_and_recent_links(make_window: WindowFactory,
                                                                           title: str) -> None:
    window = make_window(connect_timeout=0.5)
    link = f"plaza+ws://127.0.0.1:9/77?title={quote(title, safe='')}"
    assert window.join(link)
    room = window.room_view
    assert room.title_label.textFormat() == Qt.TextFormat.PlainText
    assert shows(room.title_label.text(), title)
    assert shown_tooltip(room.title_label.toolTip()) == title
    handle = window.windowHandle()
    assert handle is not None
    # (never QCoreApplication.processEvents() in an async test: it runs the qasync loop's callbacks re-entrantly)
    await wait_until(lambda: handle.title().endswith(" — Plaza"), 2, "the window title to reach the window")
    assert title in handle.title()  # what the window manager gets ("[*]" included: it is not Qt's placeholder)
    assert handle.title().endswith(" — Plaza")
    for label in labels_showing(window, title):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.objectName()
    # Leave once the join has failed (nothing listens on port 9): the recent link is what is checked next.
    await wait_until(lambda: room.status_text().startswith("Error: "), 5, "the join to fail")
    window.leave()
    item = window.join_view.recent_list.item(0)
    assert item is not None
    assert title in item.text() and item.text().endswith(" — " + link)
    assert shown_tooltip(item.toolTip()) == link
    assert item.data(Qt.ItemDataRole.UserRole) == link


@pytest.mark.parametrize("title", LONG)
async def test_a_long_title_and_stage_cannot_widen_the_window(make_window: WindowFactory, title: str) -> None:
    window = make_window()
    window.resize(640, 600)
    room = window.room_view
    room.set_room(9, title)
    window.stack.setCurrentWidget(room)
    show_stage(room, [title, title[::-1]])
    change = StatusChange(RoomStatus.RECONNECTING, title,
                          ReconnectInfo(2, None, "ws://" + "h" * 3000 + "/janus", reason=title))
    room.set_status_change(change)
    await wait_until(lambda: room.title_label.text() != title, 2, "the layout to elide the title")
    assert window.minimumSizeHint().width() <= MAX_WIDTH
    assert window.sizeHint().width() <= MAX_WIDTH
    assert window.width() <= MAX_WIDTH
    assert shows(room.title_label.text(), title) and room.title_label.text() != title
    assert room.title_label.width() <= window.width()
    assert shows(room.title_label.full_text(), title)
    assert title not in room.banner.text()  # the English reason is not shown at all
    assert len(room.banner.text()) < 200  # the 3,000-character address is elided
    window.setWindowTitle("")  # (a window title is bounded too)
    window._update_title()
    assert len(window.windowTitle()) < 120


def test_server_addresses_and_reasons_in_the_connection_dialog(qtbot) -> None:
    dialog = ConnectionDialog()
    qtbot.addWidget(dialog)
    server = "ws://h:1/janus/<img src=x>" + "p" * 3000
    reason = '<a href="http://x">click</a> hung up'
    record = ReconnectRecord(time.time(), reason, server, attempts=1)
    dialog.set_stats_provider(lambda: ConnectionStats(server=server, status="reconnecting", reconnects=(record,)))
    dialog.show()
    label = dialog.findChild(QLabel, "stat_server")
    assert label is not None
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert shows(label.text(), server) and len(label.text()) < 200
    assert shown_tooltip(label.toolTip()) == server
    assert dialog.value_text("server") == server
    assert dialog.minimumSizeHint().width() <= MAX_WIDTH
    item = dialog.history_table.item(0, 1)
    assert item is not None and item.text() == reason
    assert shown_tooltip(item.toolTip()) == reason
    for value in dialog.findChildren(QLabel):
        if value.objectName().startswith("stat_"):
            assert value.textFormat() == Qt.TextFormat.PlainText


@pytest.mark.parametrize("text", [*HOSTILE, "line one\nline two  (two spaces)"])
def test_plain_tooltip_shows_the_characters(text: str) -> None:
    assert shown_tooltip(plain_tooltip(text)) == text
    assert plain_tooltip("") == ""
