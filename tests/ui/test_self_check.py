"""The Qt half of `plaza --self-test` (app/ui/self_check.py): the pieces that need no window. The whole check runs
for real, in its own process, in tests/test_self_test.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.ui.i18n import FULL_TRANSLATIONS, ts_path
from app.ui.self_check import SelfCheckError, choose_platform, known_translation, process_age


def test_offscreen_only_without_a_display() -> None:
    env: dict[str, str] = {}
    assert choose_platform(env, "linux") == "no display" and env["QT_QPA_PLATFORM"] == "offscreen"
    for present in ({"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}, {"QT_QPA_PLATFORM": "xcb"}):
        env = dict(present)
        assert choose_platform(env, "linux") == ""
        assert env.get("QT_QPA_PLATFORM") == present.get("QT_QPA_PLATFORM")
    env = {}
    assert choose_platform(env, "win32") == "" and "QT_QPA_PLATFORM" not in env


@pytest.mark.parametrize("code", FULL_TRANSLATIONS)
def test_each_language_has_a_finished_string_to_check(code: str) -> None:
    context, source, _, translation = known_translation(ts_path(code))
    assert context and source and translation and translation != source


def test_a_ts_without_finished_translations_is_an_error(tmp_path: Path) -> None:
    ts = tmp_path / "plaza_xx.ts"
    ts.write_text('<?xml version="1.0" encoding="utf-8"?><TS version="2.1" language="xx"><context><name>C</name>'
                  '<message><source>Join</source><translation type="unfinished"></translation></message>'
                  "</context></TS>")
    with pytest.raises(SelfCheckError, match="no finished translation"):
        known_translation(ts)
    with pytest.raises(SelfCheckError, match="cannot read"):
        known_translation(tmp_path / "missing.ts")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/stat")
def test_process_age_counts_from_the_process_start() -> None:
    age = process_age()
    assert age is not None and 0 < age < 3600  # this pytest process started seconds to minutes ago
