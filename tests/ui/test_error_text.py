"""Errors reach the user as one translated sentence chosen by the error's type; the English detail never does.

The bug this guards against: "Tidak ada perangkat suara: cannot open audio output default output: Error
querying device -1. Diputar tanpa suara." — an exception's English message pasted into an Indonesian sentence.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from app.janus.errors import (
    JanusApiError,
    MalformedReply,
    MessageTooLarge,
    PluginError,
    ProtocolError,
    RequestTimeout,
    SessionLost,
    TransportClosed,
)
from app.links import LinkError, LinkProblem, parse_link
from app.listener.status import ReconnectInfo, RoomStatus, StatusChange
from app.local.janus_process import JanusNotFound, LocalServerError, PortInUse
from app.local.network import NoNetworkAddress
from app.media.output import AudioOutputError
from app.room.errors import MediaFailed, RoomError, RoomNotFound, ServerProtocolError, ServerUnreachable
from app.ui.error_text import JANUS_INSTALL_COMMAND, describe, link_problem_text, reconnect_reason_text
from app.ui.i18n import Translations
from app.ui.main_window import MainWindow
from app.ui.settings import AppSettings
from tests.ui.helpers import WindowFactory, ts_messages, wait_until

pytestmark = pytest.mark.gui

SERVER = "ws://rooms.example:8188/janus"


ROOM_ERRORS: list[BaseException] = [
    RoomNotFound(1234, SERVER),
    ServerUnreachable(f"cannot reach {SERVER}: could not connect to {SERVER}: Connect call failed"),
    MediaFailed(f"no audio from {SERVER} within 8 s"),
    RoomError(f"{SERVER} refused to play room 1234: Unauthorized access to mountpoint"),
    ServerProtocolError("reply carried an unexpected plugin payload"),
    MalformedReply(f"{SERVER}: server sent an offer whose 'sdp' is int, not text"),
    MessageTooLarge(SERVER, 1 << 20),
    JanusApiError(490, "Error setting ICE locally"),
    ProtocolError("the reply has no transaction field"),
    PluginError("janus.plugin.streaming", 455, "Missing mandatory element (id)"),
    TransportClosed(f"connection to {SERVER} closed (keepalive unanswered)"),
    RequestTimeout(f"could not reach {SERVER} within 5 s"),
    SessionLost("keepalive was never acknowledged"),
    AudioOutputError("cannot open audio output default output: Error querying device -1"),
    OSError(28, "No space left on device"),
]
LOCAL_ERRORS: list[BaseException] = [
    NoNetworkAddress(),
    JanusNotFound("Janus ('janus') was not found on PATH; install it with: sudo apt-get install janus"),
    PortInUse("port 8188 on 127.0.0.1 is already in use (another Janus or 'plaza serve'?); choose another with --port"),
    LocalServerError("Janus exited at start (code 1): [FATAL] Couldn't start transport plugin"),
]
BAD_LINKS = {
    LinkProblem.EMPTY: "", LinkProblem.TOO_LONG: "plaza://h/1?title=" + "x" * 5000,
    LinkProblem.NOT_A_LINK: "rooms.example/1234", LinkProblem.SCHEME: "https://rooms.example/1234",
    LinkProblem.SECRETS: "plaza://h/1?secret=hunter2", LinkProblem.NO_HOST: "plaza:///1234",
    LinkProblem.PORT: "plaza://h:99999/1", LinkProblem.NO_ROOM: "plaza://h:8989/",
    LinkProblem.ROOM_NUMBER: "plaza://h/lobby", LinkProblem.OPTIONS: "plaza://h/1?colour=red",
    LinkProblem.SERVER: "plaza://h/1?server=http://b.example/janus",
    LinkProblem.TOO_MANY_SERVERS: "plaza://h/1?" + "&".join(f"server=ws://s{n}.example/janus" for n in range(20)),
}

GENERIC = "The server sent a reply Plaza cannot use."
# Words Indonesian writes exactly as English does; finding them in both is not English leaking through.
SHARED_WORDS = {"plaza", "janus", "audio", "internet", "server", "port"}


def link_error(problem: LinkProblem) -> LinkError:
    with pytest.raises(LinkError) as caught:
        parse_link(BAD_LINKS[problem])
    assert caught.value.problem is problem, (BAD_LINKS[problem], caught.value)
    return caught.value


def english_words(text: str) -> set[str]:
    """The words of an exception message, without addresses and typed commands (which are not prose)."""
    for command in (NoNetworkAddress.command, JANUS_INSTALL_COMMAND):
        text = text.replace(command, " ")
    text = re.sub(r"\S+://\S*", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)} - SHARED_WORDS


def shown_words(text: str) -> set[str]:
    for command in (NoNetworkAddress.command, JANUS_INSTALL_COMMAND):
        text = text.replace(command, " ")
    return {w.lower() for w in re.findall(r"\w{4,}", text)}


def test_each_error_type_has_its_sentence() -> None:
    texts = {type(e).__name__: describe(e) for e in ROOM_ERRORS + LOCAL_ERRORS}
    for name in ("ProtocolError", "ServerProtocolError", "MalformedReply", "MessageTooLarge"):  # nonsense
        assert texts[name] == GENERIC, name
    for name in ("JanusApiError", "PluginError", "RoomError"):  # Janus said no: not the same as nonsense
        assert texts[name] == "The room's server refused to play this room.", name
    assert texts["TransportClosed"] == texts["RequestTimeout"] == texts["SessionLost"] == texts["ServerUnreachable"]
    distinct = {texts[n] for n in ("RoomNotFound", "ServerUnreachable", "MediaFailed", "RoomError", "AudioOutputError",
                                   "OSError", "NoNetworkAddress", "JanusNotFound", "PortInUse", "LocalServerError")}
    assert len(distinct) == 10
    assert texts["NoNetworkAddress"].endswith(NoNetworkAddress.command)  # the command is given, to be typed
    assert describe(KeyError("x")) == "Something went wrong."
    assert len({link_problem_text(p) for p in LinkProblem}) == len(LinkProblem)
    assert all(describe(link_error(p)) == link_problem_text(p) for p in LinkProblem)


def _room_view_status(window: MainWindow, error: BaseException) -> str:
    window.room_view.set_room(1234, "")
    window.room_view.set_status(RoomStatus.ERROR, str(error))  # the status model's English echo comes first
    window.room_view.set_error(error)
    return window.room_view.status_text()


def _join_message(window: MainWindow, error: BaseException) -> str:
    if isinstance(error, LinkError):
        window.join_view.show_problem(error)
    else:
        window.demo_failed(error)
    return window.join_view.message_text()


def _output_notice(window: MainWindow, error: BaseException) -> str:
    window.room_view.set_output_error(str(error))
    return window.room_view.output_label.text()


CASES: list[tuple[BaseException | LinkProblem, Callable[[MainWindow, BaseException], str]]] = [
    *((e, _room_view_status) for e in ROOM_ERRORS),
    *((e, _join_message) for e in LOCAL_ERRORS),
    *((p, _join_message) for p in LinkProblem),
    (AudioOutputError("cannot open audio output default output: Error querying device -1"), _output_notice),
]


@pytest.mark.parametrize(("error", "show"), CASES, ids=lambda v: getattr(v, "name", type(v).__name__))
async def test_indonesian_messages_hold_no_english_from_the_exception(
        make_window: WindowFactory, error: BaseException | LinkProblem,
        show: Callable[[MainWindow, BaseException], str]) -> None:
    exc = link_error(error) if isinstance(error, LinkProblem) else error
    window = make_window()
    translations = window.translations  # (the window's: the fixture puts English back afterwards)
    assert translations.apply("id") == "id"
    shown = show(window, exc)
    assert shown.strip()
    leaked = english_words(str(exc)) & shown_words(shown)
    assert not leaked, f"English from {type(exc).__name__} in {shown!r}: {leaked}"
    translations.apply("en")
    english = show(window, exc)
    assert english != shown, "the Indonesian text must be a translation"
    assert str(exc) not in english or not str(exc)  # not even in English: the detail goes to the log


async def test_banner_and_ended_status_speak_the_users_language(make_window: WindowFactory) -> None:
    window = make_window()
    window.translations.apply("id")
    indonesian = ts_messages("id")
    room = window.room_view
    room.set_room(1234, "")
    reason = f"connection to {SERVER} lost: keepalive unanswered"
    room.set_status_change(StatusChange(RoomStatus.RECONNECTING, reason, ReconnectInfo(2, None, SERVER, reason)))
    assert room.banner.toolTip() == reconnect_reason_text() == indonesian[
        ("ErrorText", "The connection to the room's server was lost. Plaza is reconnecting; "
                      "the audio already received keeps playing meanwhile.")]
    assert not english_words(reason) & shown_words(room.banner.toolTip() + room.banner.text())
    room.set_status(RoomStatus.ENDED, "room 1234 no longer exists")
    assert room.status_text() == indonesian[("RoomView", "Ended: {reason}")].format(
        reason=indonesian[("ErrorText", "The room has ended.")])


async def test_a_shown_problem_follows_a_language_switch(make_window: WindowFactory) -> None:
    window = make_window()
    window.join("plaza://h/lobby")
    english = window.join_view.message_text()
    assert english == "The link's room number is not valid."
    window.set_language("es")
    assert window.join_view.message_text() == ts_messages("es")[("ErrorText", "The link's room number is not valid.")]
    window.demo_failed(NoNetworkAddress())
    window.set_language("id")
    message = window.join_view.message_text()
    assert message.startswith("Ruang demo tidak dapat dimulai: Komputer ini tidak memiliki alamat jaringan")
    assert message.endswith(NoNetworkAddress.command)
    window.room_view.set_error(MediaFailed("no audio"))
    window.set_language("es")
    assert window.room_view.status_text() == "Error: No se pudo iniciar el audio de la sala."
    window.set_language("en")


class RoomWithoutAddress:
    """A LocalRoom whose start fails the way `plaza demo` does on a machine with only loopback."""

    def __init__(self) -> None:
        self.closed = False

    async def start(self) -> None:
        raise NoNetworkAddress()

    async def close(self) -> None:
        self.closed = True


async def test_plaza_demo_without_an_address_says_so_in_the_window(
        settings: AppSettings, qm_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """run_main_window is `plaza demo`'s window: the failure is shown translated, then the window closes cleanly."""
    from app.ui import app as app_module

    settings.set_language("id")
    monkeypatch.setattr(app_module, "Translations", lambda: Translations(qm_dir))
    room = RoomWithoutAddress()
    main = asyncio.ensure_future(app_module.run_main_window(local_room=room, use_device=False,  # (duck-typed)
                                                            settings=settings))
    await wait_until(lambda: any(isinstance(w, MainWindow) and w.isVisible()
                                 for w in QApplication.topLevelWidgets()), 5.0, "the window")
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
    translations = window.translations
    try:
        await wait_until(lambda: window.join_view.message_text().startswith("Ruang demo tidak dapat dimulai"), 5.0,
                         "the demo failure")
        message = window.join_view.message_text()
        assert "Komputer ini tidak memiliki alamat jaringan" in message
        assert message.endswith(NoNetworkAddress.command)
        assert not english_words(str(NoNetworkAddress())) & shown_words(message)
        assert window.join_view.join_button.isEnabled(), "the user can still join another room"
    finally:
        window.close()
        assert await asyncio.wait_for(main, 10) == app_module.EXIT_DEMO_FAILED
        translations.apply("en")  # the language is process-wide
    assert room.closed
