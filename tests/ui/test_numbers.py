"""Compact listener counts and queue ordinals for en/id/es (CLDR short forms), and fallbacks.

Plural forms come from the translations (Qt numerus forms): tests/ui/test_plurals.py."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale

from app.ui.numbers import compact_number, language_of, ordinal

pytestmark = pytest.mark.gui

NNBSP = "\u202f"  # French groups digits with a narrow no-break space


@pytest.mark.parametrize(("value", "en", "id_", "es"), [
    (0, "0", "0", "0"),
    (1, "1", "1", "1"),
    (999, "999", "999", "999"),
    (1000, "1K", "1 rb", "1 mil"),
    (1234, "1.2K", "1,2 rb", "1,2 mil"),
    (1050, "1K", "1 rb", "1 mil"),  # half-even, like ICU: 1.05 → 1.0
    (1150, "1.2K", "1,2 rb", "1,2 mil"),
    (9949, "9.9K", "9,9 rb", "9,9 mil"),
    (9950, "10K", "10 rb", "10 mil"),  # carries into two digits: no decimals any more
    (12_345, "12K", "12 rb", "12 mil"),
    (890_000, "890K", "890 rb", "890 mil"),
    (999_499, "999K", "999 rb", "999 mil"),
    (999_999, "1M", "1 jt", "1 M"),  # rounding carries into the next unit, never "1000K"
    (1_000_000, "1M", "1 jt", "1 M"),
    (1_200_000, "1.2M", "1,2 jt", "1,2 M"),
    (1_250_000, "1.2M", "1,2 jt", "1,2 M"),
    (45_600_000, "46M", "46 jt", "46 M"),
    (1_000_000_000, "1B", "1 M", "1000 M"),  # Spanish has no word for 10**9 in short form
    (12_000_000_000, "12B", "12 M", "12 mil M"),
    (3_000_000_000_000, "3T", "3 T", "3 B"),
])
def test_compact_counts_per_language(value: int, en: str, id_: str, es: str) -> None:
    assert compact_number(value, "en") == en
    assert compact_number(value, "id") == id_
    assert compact_number(value, "es") == es


def test_qlocale_and_regional_codes_use_their_language() -> None:
    assert compact_number(890_000, QLocale(QLocale.Language.Spanish, QLocale.Country.Mexico)) == "890 mil"
    assert compact_number(1_200_000, "es_ES") == "1,2 M"
    assert compact_number(1_200_000, "es_MX") == "1.2 M"  # Mexico's decimal point, Spanish words
    assert compact_number(1_200_000, "id-ID") == "1,2 jt"
    assert compact_number(1_200_000, QLocale("en_GB")) == "1.2M"
    assert language_of(QLocale("id")) == "id"
    assert language_of("es-419") == "es"


def test_unknown_language_gets_the_full_grouped_number_not_a_guess() -> None:
    assert compact_number(1_234_567, "fr") == f"1{NNBSP}234{NNBSP}567"
    assert compact_number(890_000, "xx") == "890000"  # no such locale: Qt's C locale, no grouping
    assert compact_number(999, "fr") == "999"


def test_negative_numbers_keep_their_sign() -> None:
    assert compact_number(-1234, "en") == "-1.2K"
    assert compact_number(-1234, "es") == "-1,2 mil"


@pytest.mark.parametrize(("value", "code", "text"), [
    (1, "en", "1st"), (2, "en", "2nd"), (3, "en", "3rd"), (4, "en", "4th"), (11, "en", "11th"),
    (12, "en", "12th"), (13, "en", "13th"), (21, "en", "21st"), (22, "en", "22nd"), (23, "en", "23rd"),
    (101, "en", "101st"), (111, "en", "111th"), (1000, "en", "1,000th"),
    (3, "es", "3.º"), (3, "id", "ke-3"), (3, "fr", "3"),
])
def test_ordinals(value: int, code: str, text: str) -> None:
    assert ordinal(value, code) == text
