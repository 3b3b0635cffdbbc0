"""The window against a real Janus in the network-namespace lab: join, hear, volume/mute, leave, close, demo.

Run: python -m tests.lab.netlab run -- .venv/bin/python -m pytest tests/ui
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.listener.status import RoomStatus
from app.local.janus_config import LocalRoomConfig
from app.local.room import LocalRoom
from app.ui.app import run_main_window
from app.ui.main_window import MainWindow
from app.ui.settings import AppSettings
from tests.lab import netlab
from tests.ui.helpers import WindowFactory, block_rms, collect, wait_until
from tests.ui.test_shutdown import (
    PlazaProcess,
    assert_clean_exit,
    asyncio_errors,
    other_tasks,
    spy_on_close,
    wait_for_line,
)

pytestmark = [pytest.mark.lab, pytest.mark.gui]

LIVE_WITHIN = 5.0  # DESIGN.md §6: a connect occasionally takes ~1 s (DTLS retransmit)


async def test_join_lab_room_from_window_then_volume_and_mute_change_the_level(
        lab: object, make_lab_room, make_window: WindowFactory, qtbot) -> None:
    room = await make_lab_room()
    window = make_window()
    window.activateWindow()
    qtbot.keyClicks(window.join_view.link_edit, room.config.link_text)
    qtbot.keyClick(window.join_view.link_edit, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.room_view
    session = window.session
    assert session is not None
    blocks: list[np.ndarray] = []
    session.playout.played.connect(lambda block: blocks.append(block.copy()))

    await wait_until(lambda: window.room_view.status_text() == "Live", LIVE_WITHIN, "Live")
    assert session.status.current.status == RoomStatus.LIVE
    assert window.room_view.title_label.text() == "Room 1234"
    assert window.leave_action.isEnabled() and window.mute_action.isEnabled()
    await asyncio.sleep(0.3)  # past the prefetch

    full = block_rms(await collect(blocks, 1.0))
    assert full > 0.2 * 0.3 * 32767 / np.sqrt(2), f"the tone is missing at full volume (RMS {full:.0f})"

    window.room_view.volume_slider.setValue(25)  # what dragging the slider (or Page Down ×7.5) ends at
    assert session.volume == pytest.approx(0.25)
    quarter = block_rms(await collect(blocks, 1.0))
    assert 0.2 <= quarter / full <= 0.3, f"volume 25 %: RMS ratio {quarter / full:.3f}"

    window.mute_action.trigger()  # Room → Mute (M)
    assert window.room_view.mute_box.isChecked() and session.muted
    muted = await collect(blocks, 0.5)
    assert max(float(np.abs(b).max()) for b in muted) == 0.0

    window.room_view.mute_box.click()  # the checkbox unmutes, and the menu follows
    assert not window.mute_action.isChecked() and not session.muted
    back = block_rms(await collect(blocks, 0.5))
    assert 0.2 <= back / full <= 0.3

    window.leave_action.trigger()  # Ctrl+L
    assert window.stack.currentWidget() is window.join_view
    await wait_until(lambda: session.status.current.status == RoomStatus.IDLE, 5.0, "the session to close")
    assert window.join_view.recent_list.item(0).text() == room.config.link_text


async def test_closing_the_window_after_join_shuts_down_cleanly(
        lab: object, make_lab_room, make_window: WindowFactory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    room = await make_lab_room()
    window = make_window()
    before_join = other_tasks()  # the lab room's own speaker runs on this loop too
    assert window.join(room.config.link_text)
    session = window.session
    assert session is not None
    calls = spy_on_close(session)
    await wait_until(lambda: window.room_view.status_text() == "Live", LIVE_WITHIN, "Live")
    window.close()
    assert not window.isVisible()
    await asyncio.wait_for(window.finished.wait(), 10)
    assert calls == [True]
    assert session.status.current.status == RoomStatus.IDLE
    await asyncio.sleep(0.1)
    leftover = {t for t in other_tasks() - before_join if not t.get_name().startswith("speaker")}
    assert {t.get_name() for t in leftover} == set(), [t.get_coro() for t in leftover]
    assert asyncio_errors(caplog) == []


def test_plaza_window_process_joins_the_lab_room_and_quits_cleanly(lab: object, tmp_path: Path) -> None:
    """The real `plaza window LINK` (no sound card in the lab: it falls back to the clock and says so)."""
    link = f"plaza+ws://{netlab.SERVER_IP}:8189/4321"

    async def main() -> None:
        config = LocalRoomConfig(room_id=4321, title="Lab", ws_ip=netlab.SERVER_IP, ws_port=8189,
                                 forward_port=0, ice_enforce_list=netlab.SERVER_IF)
        room = LocalRoom(config, prefix=["ip", "netns", "exec", netlab.SERVER_NS], speaker="tone:440")
        await room.start()
        try:
            plaza = PlazaProcess(["window", link], tmp_path)
            await asyncio.to_thread(wait_for_line, plaza, "room status: live", 20)
            code = await asyncio.to_thread(plaza.stop)
        finally:
            await room.close()
        assert_clean_exit(plaza, code)
        assert plaza.has("left room 4321") and plaza.has("room status: idle"), plaza.output

    asyncio.run(main())


def test_plaza_demo_process_starts_its_room_joins_it_and_cleans_up(lab: object, tmp_path: Path) -> None:
    plaza = PlazaProcess(["demo", "--host", netlab.SERVER_IP, "--port", "8190", "--room", "77",
                          "--speaker", "tone:440", "--netns", netlab.SERVER_NS,
                          "--ice-interface", netlab.SERVER_IF], tmp_path)
    try:
        wait_for_line(plaza, "room status: live", 30)
    finally:
        code = plaza.stop()
    assert_clean_exit(plaza, code)
    assert plaza.has("left room 77"), plaza.output
    pids = subprocess.run(["ip", "netns", "pids", netlab.SERVER_NS], capture_output=True, text=True).stdout
    assert pids.split() == [], "the demo's Janus outlived the window"


async def test_run_main_window_with_a_local_room_joins_it(lab: object, settings: AppSettings) -> None:
    """`plaza demo` in-process: the room starts, the window joins it by itself, closing stops the room."""
    settings.set_language("en")  # the texts checked below are English, whatever the machine's locale
    config = LocalRoomConfig(room_id=55, title="Demo", ws_ip=netlab.SERVER_IP, ws_port=8191, forward_port=0,
                             ice_enforce_list=netlab.SERVER_IF)
    room = LocalRoom(config, prefix=["ip", "netns", "exec", netlab.SERVER_NS], speaker="tone:440")
    main = asyncio.ensure_future(run_main_window(local_room=room, use_device=False, settings=settings))
    try:
        await wait_until(lambda: any(isinstance(w, MainWindow) and w.isVisible()
                                     for w in QApplication.topLevelWidgets()), 5.0, "the window")
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        await wait_until(lambda: window.room_view.status_text() == "Live", 15.0, "Live")
        assert window.room_view.title_label.text() == "Room 55"
        window.close()
        assert await asyncio.wait_for(main, 15) == 0
        assert room.janus is not None and room.janus.process is not None
        assert room.janus.process.returncode is not None, "Janus still running after the window closed"
    finally:
        if not main.done():
            main.cancel()
        await room.close()
