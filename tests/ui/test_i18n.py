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
    FULL_TRANSLATIONS,
    LANGUAGES,
    TRANSLATED,
    build_translations,
    i18n_dir,
    qm_path,
    system_language,
    update_sources,
)
from app.ui.main_window import MainWindow
from app.ui.settings import AppSettings
from tests.ui.helpers import WindowFactory, ts_entries, ts_messages

pytestmark = pytest.mark.gui

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


NUMERUS_FORMS = {"en": 2, "es": 2, "id": 1}  # Qt's plural rules: Indonesian does not inflect for number


@pytest.mark.parametrize("code", FULL_TRANSLATIONS)
def test_every_string_is_translated_with_placeholders_and_mnemonics_kept(code: str) -> None:
    entries = ts_entries(i18n_dir() / f"plaza_{code}.ts")
    assert len(entries) > 40
    assert [e.source for e in entries if not all(f.strip() for f in e.forms)] == []
    for e in entries:
        for text in e.forms:
            where = (e.context, e.source, text)
            assert sorted(PLACEHOLDER.findall(e.source)) == sorted(PLACEHOLDER.findall(text)), where
            assert e.source.count("&") == text.count("&"), f"mnemonic lost or added: {where}"
        if e.numerus:
            assert len(e.forms) == NUMERUS_FORMS[code], (e.source, e.forms)
    root_text = (i18n_dir() / f"plaza_{code}.ts").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in root_text
    assert 'type="vanished"' not in root_text and 'type="obsolete"' not in root_text


def test_english_has_the_plural_forms_of_its_own_plural_strings() -> None:
    """Source strings such as "{count} listener(s)" need an English translation too: "one" and "other"."""
    entries = ts_entries(i18n_dir() / "plaza_en.ts")
    assert entries, "no plural strings?"
    plural_sources = {(e.context, e.source) for code in FULL_TRANSLATIONS
                      for e in ts_entries(i18n_dir() / f"plaza_{code}.ts") if e.numerus}
    assert {(e.context, e.source) for e in entries} == plural_sources
    for e in entries:
        assert e.numerus and len(e.forms) == 2 and all(f.strip() for f in e.forms), e
        assert all(sorted(PLACEHOLDER.findall(e.source)) == sorted(PLACEHOLDER.findall(f)) for f in e.forms)
        assert "(s)" not in "".join(e.forms)
    assert 'type="unfinished"' not in (i18n_dir() / "plaza_en.ts").read_text(encoding="utf-8")


@pytest.mark.parametrize("code", TRANSLATED)
def test_ts_files_are_current_with_the_source(code: str, tmp_path: Path) -> None:
    """lupdate over app/ui finds exactly the strings in git: nothing user-visible escaped translation."""
    shutil.copy(i18n_dir() / f"plaza_{code}.ts", tmp_path)
    update_sources(tmp_path, codes=[code])
    fresh = ts_entries(tmp_path / f"plaza_{code}.ts")
    assert fresh == ts_entries(i18n_dir() / f"plaza_{code}.ts")
    assert all(f.strip() for e in fresh for f in e.forms), "lupdate found strings without a translation"


def test_build_step_writes_qm_files_into_resources() -> None:
    built = build_translations()
    assert sorted(built) == sorted(qm_path(code) for code in TRANSLATED)
    for path in built:
        assert path.stat().st_size > (100 if path == qm_path("en") else 500)  # English: plural forms only


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


def assert_distinct_mnemonics(window: MainWindow) -> None:
    """Alt+letter of the menu titles and of the room view's controls always on screen: two alike make Qt call the
    key ambiguous, and it no longer opens the menu (the Spanish "&Silenciar" against the menu "&Sala" did)."""
    room = window.room_view
    texts = [a.text() for a in window.menuBar().actions()] + [
        room.leave_button.text(), room.mute_box.text(), room.output.volume_label.text(),
        room.output.device_label.text(), room.stage_controls.leave_stage_button.text(),
        room.stage_controls.music_box.text()]  # the stage bar's too: on stage they are on screen with the rest
    keys = [m.group(1).lower() for t in texts if (m := re.search(r"&([^&])", t.replace("&&", "")))]
    assert len(keys) == len(set(keys)), texts


@pytest.mark.parametrize("code", FULL_TRANSLATIONS)
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
    assert room.mute_box.text() == expected[("OutputControls", "&Mute")]
    assert room.title_label.text() == expected[("RoomView", "Room {number}")].format(number=7)
    reason = expected[("ErrorText", "Something went wrong.")]  # the English detail "boom" is never shown
    assert room.status_text() == expected[("RoomView", "Error: {reason}")].format(reason=reason)
    assert window.room_menu.title() == expected[("MainWindow", "&Room")]
    assert window.language_actions[""].text() == expected[("MainWindow", "&System default")]
    assert window.language_actions[code].text() == LANGUAGES[code]  # native names stay untranslated
    assert_distinct_mnemonics(window)
    # Back to English, live as well; then "System default" follows the system locale again.
    window.language_actions["en"].trigger()
    assert join.join_button.text() == "&Join"
    assert_distinct_mnemonics(window)
    assert room.status_text() == "Error: Something went wrong."
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
