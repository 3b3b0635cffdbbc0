"""The recording indicator beside the room's title: shown to everyone while the room state says the stage is
recorded, with an accessible name and a tooltip saying what it means, in the user's language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.listener.state import RoomStateModel
from app.listener.status import RoomStatus
from app.room.protocol import Delta, Role, Snapshot, StageMember
from app.ui.i18n import Translations
from app.ui.room_view import RoomView
from tests.ui.helpers import shown_tooltip, ts_messages

pytestmark = pytest.mark.gui

ANA = StageMember("7411", "Ana", Role.HOST, False, True)
WHY = "This room is being recorded: the room's server is saving what is said on stage."


@pytest.fixture
def translations(qm_dir: Path) -> Iterator[Translations]:
    t = Translations(qm_dir)
    t.apply("en")
    yield t
    t.apply("en")  # the language is process-wide


@pytest.fixture
def model() -> RoomStateModel:
    return RoomStateModel(own_id="l-me")


@pytest.fixture
def view(qtbot, model: RoomStateModel, translations: Translations) -> RoomView:
    widget = RoomView()
    qtbot.addWidget(widget)
    widget.resize(640, 600)
    widget.set_room(1234, "Town hall")
    widget.set_status(RoomStatus.LIVE, "ws://h:8188/janus")
    widget.set_state_model(model)
    widget.show()
    return widget


def snapshot(model: RoomStateModel, seq: int, *, recording: bool) -> None:
    model.apply_snapshot(Snapshot(seq, 1234, "ctl-1", "Town hall", False, (ANA,), None, (), 0, recording=recording),
                         now=float(seq))


def test_the_indicator_follows_the_room_state_beside_the_title(view: RoomView, model: RoomStateModel,
                                                               qtbot) -> None:
    indicator = view.recording_label
    snapshot(model, 1, recording=False)
    qtbot.waitUntil(lambda: view.stage.tile("7411") is not None, timeout=1000)  # the bridge delivered the state
    assert not indicator.isVisible()
    model.apply_delta(Delta(2, 1, "ctl-1", recording=True), now=2.0)
    qtbot.waitUntil(indicator.isVisible, timeout=1000)  # through the coalescing bridge, as the channel delivers
    assert indicator.text() == "● REC"
    assert indicator.accessibleName() == "Recording"
    assert shown_tooltip(indicator.toolTip()) == WHY and indicator.accessibleDescription() == WHY
    title = view.title_label.geometry()  # on the title's line, after it, inside the view
    assert indicator.geometry().left() >= title.right() and indicator.geometry().top() < title.bottom()
    assert view.rect().contains(indicator.geometry())
    model.apply_delta(Delta(3, 2, "ctl-1", recording=False), now=3.0)
    qtbot.waitUntil(lambda: not indicator.isVisible(), timeout=1000)
    snapshot(model, 4, recording=True)  # a joiner (or a resync) learns it from a snapshot
    qtbot.waitUntil(indicator.isVisible, timeout=1000)
    view.set_state_model(None)  # left the room: no indicator of a room we are not in
    assert not indicator.isVisible()


def test_a_long_title_is_elided_and_the_indicator_stays_whole(view: RoomView, model: RoomStateModel, qtbot) -> None:
    view.set_room(1234, "A very long room title " * 12)
    snapshot(model, 1, recording=True)
    qtbot.waitUntil(view.recording_label.isVisible, timeout=1000)
    assert view.title_label.text().endswith("…")
    assert view.recording_label.width() >= view.recording_label.sizeHint().width()
    assert view.rect().contains(view.recording_label.geometry())


@pytest.mark.parametrize("code", ["es", "id"])
def test_the_indicator_is_translated_live(view: RoomView, model: RoomStateModel, translations: Translations,
                                          code: str, qtbot) -> None:
    snapshot(model, 1, recording=True)
    qtbot.waitUntil(view.recording_label.isVisible, timeout=1000)
    expected = ts_messages(code)
    translations.apply(code)
    assert view.recording_label.text() == expected[("RoomView", "● REC")] != "● REC"
    assert view.recording_label.accessibleName() == expected[("RoomView", "Recording")]
    assert shown_tooltip(view.recording_label.toolTip()) == expected[("RoomView", WHY)]
    translations.apply("en")
    assert view.recording_label.text() == "● REC" and view.recording_label.isVisible()
