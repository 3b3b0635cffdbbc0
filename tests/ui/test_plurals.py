"""Counts take their plural form from the translation (Qt numerus forms), and keep the compact number.

Qt picks the form by the exact count (Indonesian has one form; English and Spanish "one" for exactly 1): "1K
listeners" is plural although it shows "1". The exact, grouped count is the tooltip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.room.protocol import ListenerCount
from app.ui.audience import ListenerCountLabel
from app.ui.i18n import Translations

pytestmark = pytest.mark.gui

NOW = 1_763_721_000.0

CASES = {
    "en": {0: ("0 listeners", "0 listeners"), 1: ("1 listener", "1 listener"), 2: ("2 listeners", "2 listeners"),
           5: ("5 listeners", "5 listeners"), 1000: ("1K listeners", "1,000 listeners"),
           1_000_000: ("1M listeners", "1,000,000 listeners")},
    "es": {0: ("0 oyentes", "0 oyentes"), 1: ("1 oyente", "1 oyente"), 2: ("2 oyentes", "2 oyentes"),
           5: ("5 oyentes", "5 oyentes"), 1000: ("1 mil oyentes", "1000 oyentes"),  # (grouped from 5 digits)
           1_000_000: ("1 M oyentes", "1.000.000 oyentes")},
    "id": {0: ("0 pendengar", "0 pendengar"), 1: ("1 pendengar", "1 pendengar"), 2: ("2 pendengar", "2 pendengar"),
           5: ("5 pendengar", "5 pendengar"), 1000: ("1 rb pendengar", "1.000 pendengar"),
           1_000_000: ("1 jt pendengar", "1.000.000 pendengar")},
}


@pytest.fixture
def translations(qm_dir: Path) -> Iterator[Translations]:
    t = Translations(qm_dir)
    yield t
    t.apply("en")  # the language is process-wide


@pytest.mark.parametrize("code", CASES)
def test_listener_counts_in_every_language(qtbot, translations: Translations, code: str) -> None:
    assert translations.apply(code) == code
    label = ListenerCountLabel(clock=lambda: NOW)
    qtbot.addWidget(label)
    for count, (text, tip) in CASES[code].items():
        label.set_count(ListenerCount(count, NOW))
        assert (label.text(), label.toolTip()) == (text, tip), count
        assert label.accessibleDescription() == text


def test_plural_forms_follow_a_live_language_switch(qtbot, translations: Translations) -> None:
    translations.apply("en")
    label = ListenerCountLabel(clock=lambda: NOW)
    qtbot.addWidget(label)
    label.set_count(ListenerCount(1, NOW))
    assert label.text() == "1 listener"
    translations.apply("es")
    assert label.text() == "1 oyente"
    label.set_count(ListenerCount(2, NOW))
    assert label.text() == "2 oyentes"
    translations.apply("id")
    assert label.text() == "2 pendengar"


def test_count_text_picks_the_form_by_the_count_not_the_shown_number(qtbot, translations: Translations) -> None:
    translations.apply("en")
    label = ListenerCountLabel(clock=lambda: NOW)
    qtbot.addWidget(label)
    assert label.count_text(1, "1") == "1 listener"
    assert label.count_text(1000, "1K") == "1K listeners"
    assert label.count_text(1, "one") == "one listener"
