"""The room view's stage, listener count and hand control, driven by a real RoomStateModel.

States are fabricated with app.room.protocol messages and applied to the model exactly as the channel would;
the view sees them through its coalescing bridge (`render` flushes it instead of waiting up to 50 ms).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.listener.state import RoomStateModel
from app.listener.status import RoomStatus
from app.room.protocol import Delta, Hand, ListenerCount, Role, Snapshot, StageMember
from app.ui import main_window as main_window_module
from app.ui.audience import STALE_AFTER_S
from app.ui.avatar import MUTED_ICON_SIDE, RING_ROOM
from app.ui.i18n import Translations
from app.ui.room_view import RoomView
from app.ui.stage_view import StageTile, avatar_colour, initials
from tests.ui.helpers import WindowFactory, shown_tooltip, wait_until

pytestmark = pytest.mark.gui

NOW = 1_763_721_000.0  # unix time of the fabricated measurements
OWN = "l-me"


@dataclass
class Clock:
    """The wall clock the listener count ages against."""

    t: float = NOW

    def __call__(self) -> float:
        return self.t


def member(id_: str, name: str, role: Role = Role.SPEAKER, *, muted: bool = False,
           talking: bool = False, feedback: bool = False) -> StageMember:
    return StageMember(id_, name, role, muted, talking, feedback)


ANA = member("7411", "Ana", Role.HOST, muted=True, talking=True)
BO = member("7412", "Bo Li", Role.CO_HOST)
CARLA = member("7413", "Carla Méndez")


def snapshot(model: RoomStateModel, *members: StageMember, count: int | None = 890_000, age: float = 0.0,
             hands: tuple[Hand, ...] = (), controller: str = "ctl-1", ended: bool = False) -> None:
    seq = 1 if model.state.controller != controller or model.state.seq is None else model.state.seq + 1
    listeners = None if count is None else ListenerCount(count, NOW - age)
    model.apply_snapshot(Snapshot(seq, 1234, controller, "Town hall", ended, tuple(members), listeners, hands,
                                  len(hands)), now=float(seq))


def delta(model: RoomStateModel, **fields: object) -> bool:
    seq = model.state.seq
    assert seq is not None
    return model.apply_delta(Delta(seq + 1, seq, model.state.controller or "", **fields),  # type: ignore[arg-type]
                             now=float(seq + 1))


def hands(*ids: str) -> tuple[Hand, ...]:
    return tuple(Hand(i, i.upper(), NOW - 60 + n) for n, i in enumerate(ids))


def has_muted_badge(tile: StageTile) -> bool:
    """The muted badge's red disc is painted at the avatar's lower right corner."""
    image = tile.avatar.grab().toImage()
    corner = tile.avatar.width() - RING_ROOM - MUTED_ICON_SIDE + 2
    colour = image.pixelColor(corner + MUTED_ICON_SIDE // 2 + 5, corner + MUTED_ICON_SIDE // 2 - 5)
    return colour.red() > 150 and colour.green() < 100 and colour.blue() < 100


def render(view: RoomView) -> None:
    bridge = view.state_bridge
    assert bridge is not None
    bridge.flush()


@pytest.fixture
def model() -> RoomStateModel:
    return RoomStateModel(own_id=OWN)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def translations(qm_dir: Path) -> Iterator[Translations]:
    t = Translations(qm_dir)
    t.apply("en")  # English too has a translation: the plural forms ("1 listener", "2 listeners")
    yield t
    t.apply("en")  # the language is process-wide


@pytest.fixture
def view(qtbot, model: RoomStateModel, clock: Clock, translations: Translations) -> RoomView:
    widget = RoomView()
    qtbot.addWidget(widget)
    widget.listeners_label.clock = clock
    widget.resize(640, 600)
    widget.set_room(1234, "Town hall")
    widget.set_status(RoomStatus.LIVE, "ws://h:8188/janus")
    widget.set_state_model(model)
    widget.show()
    return widget


# ---------------------------------------------------------------------------------------------- stage tiles
def test_tiles_render_names_initials_badges_in_model_order(view: RoomView, model: RoomStateModel) -> None:
    assert view.stage.placeholder.text() == "Waiting for the stage…"
    snapshot(model, ANA, BO, CARLA)
    render(view)
    tiles = view.stage.tiles()
    assert [t.member.id for t in tiles] == ["7411", "7412", "7413"]
    assert [t.name_label.text() for t in tiles] == ["Ana", "Bo Li", "Carla Méndez"]
    assert [t.badge.text() for t in tiles] == ["Host", "Co-host", "Speaker"]
    assert [t.avatar._initials for t in tiles] == ["A", "BL", "CM"]
    assert view.stage.placeholder.isHidden() and not view.stage.tile_area.isHidden()
    # Tiles wrap: at 640 px five 112 px tiles fit a row, so 7 members make two rows.
    snapshot(model, *(member(str(i), f"P{i}") for i in range(7)))
    render(view)
    QCoreApplication.processEvents()
    ys = sorted({t.y() for t in view.stage.tiles()})
    assert len(ys) == 2, ys


def test_initials_and_avatar_colour_are_stable() -> None:
    assert initials("Ana María López") == "AL"
    assert initials("  bo  ") == "B"
    assert initials("") == "?"
    assert avatar_colour("7411") == avatar_colour("7411")
    assert avatar_colour("7411").hslHue() == zlib.crc32(b"7411") % 360  # not hash(): salted per process
    assert avatar_colour("7411") != avatar_colour("7412")


def test_empty_stage_shows_a_friendly_placeholder(view: RoomView, model: RoomStateModel) -> None:
    snapshot(model, ANA)
    render(view)
    snapshot(model)  # everybody left the stage
    render(view)
    assert view.stage.tiles() == []
    assert not view.stage.placeholder.isHidden()
    assert view.stage.placeholder.text() == "Nobody is on stage right now. Stay tuned!"
    assert view.stage.tile_area.isHidden()


def test_talking_ring_animates_only_while_talking_and_visible(view: RoomView, model: RoomStateModel) -> None:
    snapshot(model, BO, CARLA)
    render(view)
    bo = view.stage.tile("7412")
    assert bo is not None and not bo.talking and not bo.ring_animating
    assert not view.stage.pulse_running()
    delta(model, upsert=(member("7412", "Bo Li", Role.CO_HOST, talking=True),))
    render(view)
    assert bo.talking and bo.avatar.talking and bo.ring_animating
    assert view.stage.pulse_running()
    view.hide()  # not on screen: no timer, no repaints
    assert not view.stage.pulse_running() and not bo.ring_animating
    view.show()
    assert view.stage.pulse_running() and bo.ring_animating
    delta(model, upsert=(member("7412", "Bo Li", Role.CO_HOST),))
    render(view)
    assert not bo.talking and not bo.ring_animating and not view.stage.pulse_running()


def test_tiles_are_updated_in_place_by_id(view: RoomView, model: RoomStateModel) -> None:
    snapshot(model, ANA, BO, CARLA)
    render(view)
    before = {t.member.id: t for t in view.stage.tiles()}
    delta(model, upsert=(member("7412", "Bo Li", Role.CO_HOST, talking=True),
                         member("7413", "Carla Méndez", muted=True)))
    render(view)
    assert {t.member.id: t for t in view.stage.tiles()} == before  # same widgets, nothing rebuilt
    assert len(view.stage.findChildren(StageTile)) == 3
    delta(model, remove=("7411",), upsert=(member("7499", "Dee"),))
    render(view)
    after = {t.member.id: t for t in view.stage.tiles()}
    assert list(after) == ["7412", "7413", "7499"]
    assert after["7412"] is before["7412"] and after["7413"] is before["7413"]


def test_muted_icon_role_badge_tooltip_and_accessibility(view: RoomView, model: RoomStateModel) -> None:
    snapshot(model, ANA, BO)
    render(view)
    ana, bo = view.stage.tile("7411"), view.stage.tile("7412")
    assert ana is not None and bo is not None
    assert ana.avatar.muted and not bo.avatar.muted
    assert has_muted_badge(ana) and not has_muted_badge(bo)  # really drawn, not just a flag
    assert shown_tooltip(ana.toolTip()) == "Ana — host, muted, talking"
    assert ana.accessibleName() == "Ana"
    assert ana.accessibleDescription() == "host, muted, talking"
    assert shown_tooltip(bo.toolTip()) == "Bo Li — co-host"
    delta(model, upsert=(member("7412", "Bo Li", Role.SPEAKER, muted=True),))
    render(view)
    assert bo.badge.text() == "Speaker"
    assert has_muted_badge(bo)
    assert bo.accessibleDescription() == "speaker, muted"


def test_stage_language_switches_live(view: RoomView, model: RoomStateModel, translations: Translations) -> None:
    snapshot(model, ANA)
    render(view)
    ana = view.stage.tile("7411")
    assert ana is not None
    translations.apply("es")
    assert ana.badge.text() == "Anfitrión"
    assert shown_tooltip(ana.toolTip()) == "Ana — anfitrión, micrófono silenciado, hablando"
    translations.apply("id")
    assert ana.badge.text() == "Tuan rumah"
    translations.apply("en")
    assert ana.badge.text() == "Host"


FEEDBACK_WHY = "Muted automatically: acoustic feedback (screeching) was detected on this speaker's microphone"


def test_a_member_muted_for_feedback_shows_the_badge_until_the_flag_ends(view: RoomView, model: RoomStateModel,
                                                                        translations: Translations) -> None:
    snapshot(model, ANA, member("7413", "Carla Méndez", muted=True, feedback=True))
    render(view)
    ana, carla = view.stage.tile("7411"), view.stage.tile("7413")
    assert ana is not None and carla is not None
    badge = carla.feedback_badge
    assert badge.isVisible() and badge.text() == "Feedback — muted" and not ana.feedback_badge.isVisible()
    assert shown_tooltip(badge.toolTip()) == FEEDBACK_WHY and badge.accessibleName() == FEEDBACK_WHY
    assert carla.accessibleDescription() == "speaker, muted automatically (feedback)"
    assert has_muted_badge(carla)
    assert carla.rect().contains(badge.geometry())  # fits the fixed-size tile, under the role badge
    assert badge.geometry().top() >= carla.badge.geometry().bottom()
    translations.apply("es")
    assert badge.text() == "Acople — silenciado" and "acople" in shown_tooltip(badge.toolTip())
    translations.apply("en")
    delta(model, upsert=(member("7413", "Carla Méndez"),))  # she unmuted: the controller cleared the flag
    render(view)
    assert view.stage.tile("7413") is carla and not badge.isVisible()
    assert carla.accessibleDescription() == "speaker"
    delta(model, upsert=(member("7411", "Ana", Role.HOST, muted=True, feedback=True),))  # a flip of the flag alone
    render(view)
    assert ana.feedback_badge.isVisible() and ana.accessibleDescription() == "host, muted automatically (feedback)"


# ---------------------------------------------------------------------------------------------- listener count
@pytest.mark.parametrize(("code", "count", "text"), [
    ("en", 890_000, "890K listeners"), ("id", 890_000, "890 rb pendengar"), ("es", 890_000, "890 mil oyentes"),
    ("en", 1_200_000, "1.2M listeners"), ("id", 1_200_000, "1,2 jt pendengar"), ("es", 1_200_000, "1,2 M oyentes"),
    ("en", 1, "1 listener"), ("id", 1, "1 pendengar"), ("es", 1, "1 oyente"),
    ("en", 0, "0 listeners"), ("es", 999, "999 oyentes"), ("en", 1234, "1.2K listeners"),
])
def test_listener_count_per_language(view: RoomView, model: RoomStateModel, translations: Translations,
                                     code: str, count: int, text: str) -> None:
    translations.apply(code)
    snapshot(model, ANA, count=count)
    render(view)
    assert view.listeners_label.text() == text
    assert view.listeners_label.accessibleDescription() == text


def test_count_follows_a_live_language_switch(view: RoomView, model: RoomStateModel,
                                              translations: Translations) -> None:
    snapshot(model, ANA, count=1_234_567)
    render(view)
    assert view.listeners_label.text() == "1.2M listeners"
    assert view.listeners_label.toolTip() == "1,234,567 listeners"
    delta(model, listeners=ListenerCount(1_234_568, NOW))  # same compact text, new exact count
    render(view)
    assert view.listeners_label.toolTip() == "1,234,568 listeners"
    translations.apply("es")
    assert view.listeners_label.text() == "1,2 M oyentes"
    assert view.listeners_label.toolTip() == "1.234.568 oyentes"


def test_old_count_says_how_old_it_is(view: RoomView, model: RoomStateModel, clock: Clock) -> None:
    snapshot(model, ANA, count=890_000, age=5)
    render(view)
    label = view.listeners_label
    assert label.text() == "890K listeners"
    assert not label.is_stale()
    assert label._tick.isActive()  # re-ages itself every second while shown
    clock.t = NOW + STALE_AFTER_S - 5 + 0.5  # 10.5 s old
    label.refresh()
    assert label.text() == "890K listeners · updated 10 s ago"
    clock.t = NOW + 37
    label.refresh()
    assert label.text() == "890K listeners · updated 42 s ago"
    assert label.foregroundRole() == QPalette.ColorRole.PlaceholderText  # greyed out while old
    clock.t = NOW + 300
    label.refresh()
    assert label.text() == "890K listeners · updated 5 min ago"
    # A fresh measurement is current again.
    delta(model, listeners=ListenerCount(891_000, NOW + 299))
    render(view)
    assert label.text() == "891K listeners"
    assert label.foregroundRole() == QPalette.ColorRole.WindowText


def test_unknown_count_in_fallback_never_shows_the_old_number(view: RoomView, model: RoomStateModel) -> None:
    snapshot(model, ANA, count=890_000)
    render(view)
    assert view.listeners_label.text() == "890K listeners"
    model.apply_fallback((ANA, BO), now=100.0)  # controller gone: stage polled, count unknown
    render(view)
    assert view.listeners_label.text() == "Listener count unknown"
    assert "890" not in view.listeners_label.text() + view.listeners_label.toolTip()
    assert [t.member.id for t in view.stage.tiles()] == ["7411", "7412"]
    snapshot(model, ANA, count=None, controller="ctl-2")  # a controller that cannot count
    render(view)
    assert view.listeners_label.text() == "Listener count unknown"


# ---------------------------------------------------------------------------------------------- hand
def test_hand_button_round_trip(view: RoomView, model: RoomStateModel, qtbot) -> None:
    snapshot(model, ANA)
    render(view)
    hand = view.hand
    assert not hand.isHidden()
    assert hand.button.text() == "Raise hand" and not hand.button.isChecked()
    with qtbot.waitSignal(view.hand_raise_requested, timeout=1000) as intent:
        hand.button.click()
    assert intent.args == [True]
    assert not hand.button.isChecked()  # the model has not taken it: the button does not pretend
    model.set_hand_raised(True)  # what the main window does (through the session)
    render(view)
    assert hand.button.isChecked() and hand.button.text() == "Lower hand"
    assert hand.status_text() == "Hand raised — waiting for the hosts to see it"
    delta(model, hands=hands("l-a", "l-b", OWN), hands_total=3)
    render(view)
    assert hand.status_text() == "Hand raised — 3rd in queue"
    assert hand.button.accessibleDescription() == "Hand raised — 3rd in queue"
    with qtbot.waitSignal(view.hand_raise_requested, timeout=1000) as intent:
        hand.button.click()
    assert intent.args == [False]
    model.set_hand_raised(False)
    render(view)
    assert hand.button.text() == "Raise hand"
    assert hand.status_text() == "Lowering your hand…"  # still listed until the controller catches up
    delta(model, hands=hands("l-a", "l-b"), hands_total=2)
    render(view)
    assert hand.status_text() == "" and hand.status_label.isHidden()


def test_hand_survives_a_reconnect(view: RoomView, model: RoomStateModel) -> None:
    snapshot(model, ANA, hands=hands("l-a", OWN))
    model.set_hand_raised(True)
    render(view)
    assert view.hand.status_text() == "Hand raised — 2nd in queue"
    model.reset_sequence()  # reconnected: the state stays on screen until the next snapshot
    view.set_status(RoomStatus.RECONNECTING)
    render(view)
    assert not view.hand.isHidden()
    assert view.hand.button.text() == "Lower hand" and view.hand.status_text() == "Hand raised — 2nd in queue"
    assert not delta(model, hands=(), hands_total=0)  # refused until a snapshot: nothing changes
    render(view)
    assert view.hand.status_text() == "Hand raised — 2nd in queue"
    view.set_status(RoomStatus.LIVE)
    snapshot(model, ANA, controller="ctl-2")  # a restarted controller has not seen the hand yet
    render(view)
    assert view.hand.button.text() == "Lower hand"
    assert view.hand.status_text() == "Hand raised — waiting for the hosts to see it"
    snapshot(model, ANA, controller="ctl-2", hands=hands(OWN))
    render(view)
    assert view.hand.status_text() == "Hand raised — 1st in queue"


@pytest.mark.parametrize(("status", "shown"), [
    (RoomStatus.IDLE, False), (RoomStatus.CONNECTING, False), (RoomStatus.LIVE, True),
    (RoomStatus.RECONNECTING, True), (RoomStatus.ENDED, False), (RoomStatus.ERROR, False),
])
def test_hand_is_offered_only_while_live(view: RoomView, model: RoomStateModel, status: RoomStatus,
                                         shown: bool) -> None:
    snapshot(model, ANA)
    render(view)
    view.set_status(status)
    assert view.hand.isHidden() is not shown
    assert view.hand_available() is shown


def test_hand_goes_away_when_the_state_says_ended(view: RoomView, model: RoomStateModel) -> None:
    snapshot(model, ANA)
    render(view)
    assert not view.hand.isHidden()
    delta(model, ended=True)
    render(view)
    assert view.hand.isHidden()


def test_hand_text_per_language(view: RoomView, model: RoomStateModel, translations: Translations) -> None:
    snapshot(model, ANA, hands=hands("l-a", "l-b", OWN))
    model.set_hand_raised(True)
    render(view)
    translations.apply("es")
    assert view.hand.button.text() == "Bajar la mano"
    assert view.hand.status_text() == "Mano levantada — 3.º en la cola"
    translations.apply("id")
    assert view.hand.status_text() == "Tangan terangkat — urutan ke-3 dalam antrean"


# ---------------------------------------------------------------------------------------------- coalescing
def test_model_updates_are_coalesced(view: RoomView, model: RoomStateModel, qtbot) -> None:
    snapshot(model, ANA, BO, CARLA)
    render(view)
    bridge = view.state_bridge
    assert bridge is not None
    flushes = bridge.flushes
    for n in range(1000):  # a burst between two event-loop turns, as a busy channel delivers it
        delta(model, upsert=(member("7412", "Bo Li", Role.CO_HOST, talking=n % 2 == 0),),
              listeners=ListenerCount(1000 + n, NOW))
    assert bridge.flushes == flushes  # nothing painted per delta
    bo = view.stage.tile("7412")
    assert bo is not None
    qtbot.waitUntil(lambda: bridge.flushes > flushes, timeout=1000)
    assert not bo.talking  # the last delta (n = 999) wins
    assert view.listeners_label.text() == "2K listeners"
    qtbot.wait(120)
    assert bridge.flushes == flushes + 1  # one update for the whole burst


def test_leaving_detaches_the_model(view: RoomView, model: RoomStateModel) -> None:
    snapshot(model, ANA)
    render(view)
    view.set_state_model(None)
    assert view.state_bridge is None
    assert view.hand.isHidden()
    assert view.stage.tiles() == []
    snapshot(model, ANA, BO)  # the old model changes after leaving: nothing reaches the view
    QCoreApplication.processEvents()
    assert view.stage.tiles() == []


# ---------------------------------------------------------------------------------------------- main window
class _SessionStub(main_window_module.ListenSession):
    """A ListenSession that never connects and records the hand intents the window passes down."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.hand_calls: list[bool] = []

    async def start(self) -> None:
        self.status.set(RoomStatus.CONNECTING)

    async def close(self) -> None:
        pass

    def set_hand_raised(self, raised: bool) -> None:
        self.hand_calls.append(raised)
        super().set_hand_raised(raised)  # the real path: model intent (+ whisper once a channel is open)


async def test_window_wires_state_and_hand_to_the_session(
        make_window: WindowFactory, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    monkeypatch.setattr(main_window_module, "ListenSession", _SessionStub)
    window = make_window()
    assert window.join("plaza+ws://127.0.0.1:9/1234")
    session = window.session
    assert isinstance(session, _SessionStub)
    model = session.state
    room = window.room_view
    room.listeners_label.clock = Clock()
    await wait_until(lambda: session.status.current.status is RoomStatus.CONNECTING, 2, "start() to run")
    assert room.status_text() == "Connecting…"
    assert room.hand.isHidden() and not window.hand_action.isEnabled()
    snapshot(model, ANA, count=25)
    session.status.set(RoomStatus.LIVE, "ws://127.0.0.1:9/janus")
    await wait_until(lambda: room.listeners_label.text() == "25 listeners", 2, "the listener count")
    assert room.stage.tile("7411") is not None
    assert not room.hand.isHidden() and window.hand_action.isEnabled()
    window.activateWindow()
    await wait_until(lambda: QApplication.activeWindow() is window, 2, "the window to be active")
    qtbot.keyClick(room.volume_slider, Qt.Key.Key_H)  # the Room menu's "Raise hand" shortcut
    assert session.hand_calls == [True]
    await wait_until(lambda: room.hand.button.text() == "Lower hand", 2, "the button to follow the model")
    assert window.hand_action.isChecked()
    assert room.hand.status_text() == "Hand raised — waiting for the hosts to see it"
    own = model.own_id  # the channel's TextRoom username
    assert own is not None
    snapshot(model, ANA, count=25, hands=hands("l-a", own))  # the controller lists our hand
    await wait_until(lambda: room.hand.status_text() == "Hand raised — 2nd in queue", 2, "the queue position")
    room.hand.button.click()
    assert session.hand_calls == [True, False]
    await wait_until(lambda: not window.hand_action.isChecked(), 2, "the menu action to follow")
    window.leave()
    assert room.state_bridge is None and not window.hand_action.isEnabled()
    await asyncio.sleep(0)
