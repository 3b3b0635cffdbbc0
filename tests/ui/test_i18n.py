"""Translations: the .ts files are complete and current, the build step works, the language switches live."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.listener.status import RoomStatus
from app.ui.i18n import (
    LANGUAGES,
    TRANSLATED,
    build_translations,
    i18n_dir,
    qm_path,
    system_language,
    update_sources,
)
from app.ui.settings import AppSettings
from tests.ui.helpers import WindowFactory, ts_messages

pytestmark = pytest.mark.gui

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_string_is_translated_with_placeholders_and_mnemonics_kept(code: str) -> None:
    messages = ts_messages(code)
    assert len(messages) > 40
    untranslated = [source for (_ctx, source), text in messages.items() if not text.strip()]
    assert untranslated == []
    for (ctx, source), text in messages.items():
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)), (ctx, source, text)
        assert source.count("&") == text.count("&"), f"mnemonic lost or added: {ctx} {source!r} -> {text!r}"
    root_text = (i18n_dir() / f"plaza_{code}.ts").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in root_text
    assert 'type="vanished"' not in root_text and 'type="obsolete"' not in root_text


@pytest.mark.parametrize("code", TRANSLATED)
def test_ts_files_are_current_with_the_source(code: str, tmp_path: Path) -> None:
    """lupdate over app/ui finds exactly the strings in git: nothing user-visible escaped translation."""
    shutil.copy(i18n_dir() / f"plaza_{code}.ts", tmp_path)
    update_sources(tmp_path, codes=[code])
    fresh = ts_messages_in(tmp_path / f"plaza_{code}.ts")
    assert set(fresh) == set(ts_messages(code))
    assert all(fresh.values()), "lupdate found strings without a translation"


def ts_messages_in(path: Path) -> dict[tuple[str, str], str]:
    import xml.etree.ElementTree as ET

    table = {}
    for context in ET.parse(path).getroot().iter("context"):
        for message in context.iter("message"):
            table[(context.findtext("name") or "", message.findtext("source") or "")] = (
                message.findtext("translation") or "")
    return table


def test_build_step_writes_qm_files_into_resources() -> None:
    built = build_translations()
    assert sorted(built) == sorted(qm_path(code) for code in TRANSLATED)
    for path in built:
        assert path.stat().st_size > 500


def test_python_dash_m_entry_point_builds() -> None:
    result = subprocess.run([sys.executable, "-m", "app.ui.i18n"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "plaza_id.qm" in result.stdout and "plaza_es.qm" in result.stdout


def test_system_language_picks_the_first_supported() -> None:
    assert system_language(["id-ID", "en-US"]) == "id"
    assert system_language(["fr-FR", "es-MX"]) == "es"
    assert system_language(["es_ES"]) == "es"
    assert system_language(["fr-FR"]) == "en"
    assert system_language([]) == "en"


@pytest.mark.parametrize("code", TRANSLATED)
async def test_switching_language_retranslates_the_window_live(
        make_window: WindowFactory, settings: AppSettings, code: str) -> None:
    expected = ts_messages(code)
    window = make_window()
    window.room_view.set_room(7, "")
    window.room_view.set_status(RoomStatus.ERROR, "boom")
    window.language_actions[code].trigger()  # View → Language → <code>
    assert window.translations.language == code
    assert settings.language() == code
    assert window.language_actions[code].isChecked()
    join, room = window.join_view, window.room_view
    assert join.join_button.text() == expected[("JoinView", "&Join")]
    assert join.join_button.text() != "&Join"
    assert join.link_label.text() == expected[("JoinView", "Room &link:")]
    assert room.leave_button.text() == expected[("RoomView", "&Leave")]
    assert room.mute_box.text() == expected[("RoomView", "&Mute")]
    assert room.title_label.text() == expected[("RoomView", "Room {number}")].format(number=7)
    assert room.status_text() == expected[("RoomView", "Error: {reason}")].format(reason="boom")
    assert window.room_menu.title() == expected[("MainWindow", "&Room")]
    assert window.language_actions[""].text() == expected[("MainWindow", "&System default")]
    assert window.language_actions[code].text() == LANGUAGES[code]  # native names stay untranslated
    # Back to English, live as well; then "System default" follows the system locale again.
    window.language_actions["en"].trigger()
    assert join.join_button.text() == "&Join"
    assert room.status_text() == "Error: boom"
    assert settings.language() == "en"
    window.language_actions[""].trigger()
    assert settings.language() == ""
    assert window.translations.language == system_language()


async def test_saved_language_applies_to_a_new_window(make_window: WindowFactory, settings: AppSettings) -> None:
    settings.set_language("es")
    window = make_window()
    window.translations.apply(settings.language())
    assert window.join_view.join_button.text() == ts_messages("es")[("JoinView", "&Join")]
    assert window.language_actions["es"].isChecked()
