"""Screenshots of the real Plaza window for the README and docs, in every UI language.

    PYTHONPATH=. xvfb-run -a .venv/bin/python docs/screenshots/make_screenshots.py [--out DIR]

Builds `app.ui.main_window.MainWindow` as the app does (its own settings, translations compiled fresh from the .ts
files in git) and feeds the room view a fabricated but realistic room through the same path a session uses: a
`RoomStateModel` that receives the controller's snapshot (app.room.protocol messages), seen by the view through
its coalescing state bridge; status changes (live, reconnecting) go through `set_status_change` as the session's
status model sends them. No server, microphone or sound card is involved.

Run it under Xvfb (the xcb platform), so fonts, style and hinting are a desktop's; QT_QPA_PLATFORM=offscreen works
too (tests/ui/test_screenshots.py does that) but its rendering differs slightly. Writes, for each language code
(en, id, es): join-LANG.png, room-LANG.png, reconnecting-LANG.png and connection-details-LANG.png.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

# PySide6 before qasync, which binds to the first Qt binding already imported.
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

import qasync  # isort: skip

from app.listener.state import RoomStateModel
from app.listener.stats import ConnectionStats, PlayoutStats, ReconnectRecord
from app.listener.status import ReconnectInfo, RoomStatus, StatusChange
from app.media.output import OutputDevice
from app.room.protocol import ListenerCount, Role, Snapshot, StageMember
from app.ui.app import create_application
from app.ui.i18n import LANGUAGES, TRANSLATED, Translations, build_translations, i18n_dir
from app.ui.main_window import MainWindow
from app.ui.settings import AppSettings

OUT = Path(__file__).resolve().parent
SIZE = (800, 600)
SHOTS = ("join", "room", "reconnecting", "connection-details")
ROOM_ID = 1234
TITLE = "Town hall: the new library"
SERVER = "wss://rooms.example.org:8989/janus"
BACKUP = "wss://rooms2.example.org:8989/janus"
RECENT = ("plaza://rooms.example.org/1234?title=Town+hall%3A+the+new+library",
          "plaza://radio.example.net/77?title=Morning+show",
          "plaza+ws://192.168.1.20:8188/5")
MEMBERS = (
    StageMember("s1", "Ana Pereira", Role.HOST, muted=False, talking=True),
    StageMember("s2", "Budi Santoso", Role.CO_HOST, muted=False, talking=False),
    StageMember("s3", "Carla Méndez", Role.SPEAKER, muted=True, talking=False),
    StageMember("s4", "Dewi Lestari", Role.SPEAKER, muted=False, talking=False),
)
LISTENERS = 1284


def expected_files(languages: tuple[str, ...] = tuple(LANGUAGES)) -> list[str]:
    return [f"{shot}-{code}.png" for code in languages for shot in SHOTS]


def compile_translations(directory: Path) -> Path:
    """Fresh .qm files from the .ts files in git, so a stale build in resources/ never shows."""
    for code in TRANSLATED:
        shutil.copy(i18n_dir() / f"plaza_{code}.ts", directory)
    build_translations(directory)
    return directory


def room_state() -> RoomStateModel:
    """A live room as its controller announces it: four on stage, the host talking, 1,284 listening."""
    model = RoomStateModel(own_id="l-you")
    now = time.time()
    model.apply_snapshot(Snapshot(seq=1, room=ROOM_ID, controller="ctl-1", title=TITLE, ended=False,
                                  members=MEMBERS, listeners=ListenerCount(LISTENERS, now), hands=(),
                                  hands_total=0), now=time.monotonic())
    return model


def connection_stats() -> ConnectionStats:
    """What ListenSession.stats() reports a few minutes into a room with one recovered outage."""
    lost = time.time() - 312.0
    return ConnectionStats(
        server=SERVER, status=RoomStatus.LIVE.value, rtt_ms=38.0, loss_percent=0.4,
        playout=PlayoutStats(cushion_ms=1480.0, target_ms=1500.0, protection_ms=1580.0, masked_gap_ms=220.0,
                             audible_gap_ms=0.0, content_skipped_ms=0.0, concealed_frames=11, fec_recoveries=6,
                             drift_ppm=4.2, packets_received=15_321, packets_lost=61, late_packets=3,
                             duplicate_packets=0, jitter_ms=2.6),
        reconnects=(ReconnectRecord(lost, "no media for 2.0 s", BACKUP, attempts=1, recovered_at=lost + 1.9,
                                    recovered_server=SERVER),),
    )


async def settle() -> None:
    """Let the loop run Qt's layout, polish and paint events (never a nested processEvents())."""
    for _ in range(5):
        await asyncio.sleep(0.02)


def save(widget: QWidget, path: Path) -> Path:
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


async def shoot_language(window: MainWindow, code: str, out: Path) -> list[Path]:
    """The four screenshots in one language; the window is back on the join view afterwards."""
    window.set_language(code)
    written = []
    await settle()
    written.append(save(window, out / f"join-{code}.png"))

    room = window.room_view
    room.set_room(ROOM_ID, TITLE)
    room.set_devices([OutputDevice(0, "Built-in Audio Analog Stereo", True), OutputDevice(1, "USB headset", False)],
                     None)
    room.set_state_model(room_state())
    room.set_status_change(StatusChange(RoomStatus.LIVE, SERVER))
    window.stack.setCurrentWidget(room)
    window.retranslate()  # the window title names the room now
    await settle()
    written.append(save(window, out / f"room-{code}.png"))

    room.banner.set_audio_left_provider(lambda: 1100.0)
    info = ReconnectInfo(attempt=2, next_try_at=time.monotonic() + 1.6, server=BACKUP, reason="no media for 2.0 s")
    room.set_status_change(StatusChange(RoomStatus.RECONNECTING, "no media for 2.0 s", info))
    await settle()
    written.append(save(window, out / f"reconnecting-{code}.png"))

    room.set_status_change(StatusChange(RoomStatus.LIVE, SERVER))
    dialog = window.connection_dialog
    dialog.set_stats_provider(connection_stats)
    window.show_connection_details()
    dialog.resize(760, dialog.sizeHint().height())  # wide enough for the reconnect history's columns
    await settle()
    written.append(save(dialog, out / f"connection-details-{code}.png"))
    dialog.hide()
    dialog.set_stats_provider(None)

    room.banner.set_audio_left_provider(None)
    room.set_state_model(None)
    room.set_status(RoomStatus.IDLE)
    window.stack.setCurrentWidget(window.join_view)
    window.retranslate()
    await settle()
    return written


def prepare(out: Path, workdir: Path) -> tuple[AppSettings, Translations]:
    """The output directory, and a window's own settings (a few recent rooms) and translations in `workdir`."""
    out.mkdir(parents=True, exist_ok=True)
    settings = AppSettings(QSettings(str(workdir / "plaza.ini"), QSettings.Format.IniFormat))
    for link in reversed(RECENT):
        settings.add_recent_link(link)
    return settings, Translations(compile_translations(workdir))


async def make_screenshots(out: Path, languages: tuple[str, ...] = tuple(LANGUAGES)) -> list[Path]:
    """Render every screenshot into `out`; runs on the caller's qasync loop (the app's, or the Qt test suite's)."""
    with tempfile.TemporaryDirectory(prefix="plaza-shots-") as tmp:
        settings, translations = prepare(out, Path(tmp))
        window = MainWindow(settings, translations, use_device=False)
        window.resize(*SIZE)
        window.show()
        written: list[Path] = []
        try:
            for code in languages:
                written += await shoot_language(window, code, out)
        finally:
            translations.apply("en")  # the language is process-wide
            window.close()
            await asyncio.wait_for(window.shutdown(), 15)
            window.deleteLater()
            await asyncio.sleep(0)  # runs the deleteLater() on the loop
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render Plaza's screenshots (en, id, es) as PNG files.")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output directory (default {OUT})")
    args = parser.parse_args(argv)
    create_application()
    written = qasync.run(make_screenshots(args.out))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
