"""Locale-aware number words for the room view: compact counts (890K / 890 rb / 890 mil) and ordinals.

Qt has no compact-number formatting and Python's stdlib has no CLDR, so this carries the few CLDR rules Plaza's
UI languages need (en, id, es; CLDR "short decimal" patterns, half-even rounding to two significant digits
below 10 of a unit, like ICU). A language without a table gets the full, locale-grouped number: correct, if
long, rather than a guessed abbreviation. Pure functions: no widgets, so they are tested exhaustively. Plural forms
are not here: they come from the translations (Qt's numerus forms, `tr(text, "", n)`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from PySide6.QtCore import QLocale

LocaleLike = QLocale | str

# (threshold, divisor, pattern) from the largest unit down; the pattern's {} is the scaled number.
_COMPACT: dict[str, tuple[tuple[int, int, str], ...]] = {
    "en": ((10**12, 10**12, "{}T"), (10**9, 10**9, "{}B"), (10**6, 10**6, "{}M"), (10**3, 10**3, "{}K")),
    "id": ((10**12, 10**12, "{} T"), (10**9, 10**9, "{} M"), (10**6, 10**6, "{} jt"), (10**3, 10**3, "{} rb")),
    # Spanish has no short word for 10**9: CLDR writes "1000 M" and then "10 mil M".
    "es": ((10**12, 10**12, "{} B"), (10**10, 10**9, "{} mil M"), (10**6, 10**6, "{} M"), (10**3, 10**3, "{} mil")),
}


def language_of(locale: LocaleLike) -> str:
    """"es" for QLocale("es_MX"), "es-MX" or "es"; "c" for the C locale."""
    name = locale.name() if isinstance(locale, QLocale) else locale
    return name.replace("-", "_").split("_")[0].lower()


def _qlocale(locale: LocaleLike) -> QLocale:
    return locale if isinstance(locale, QLocale) else QLocale(locale)


def _unit(value: int, table: tuple[tuple[int, int, str], ...]) -> tuple[int, str] | None:
    for threshold, divisor, pattern in table:
        if value >= threshold:
            return divisor, pattern
    return None


def _scaled(value: int, divisor: int) -> Decimal:
    """value/divisor rounded half-even: one decimal below 10 (1.2K), whole numbers above (12K, 890K)."""
    exact = Decimal(value) / Decimal(divisor)
    step = Decimal("0.1") if exact < 10 else Decimal(1)
    return exact.quantize(step, rounding=ROUND_HALF_EVEN)


def compact_number(value: int, locale: LocaleLike) -> str:
    """890000 → "890K" (en), "890 rb" (id), "890 mil" (es); 1234 → "1.2K" / "1,2 rb" / "1,2 mil"."""
    qlocale = _qlocale(locale)
    if value < 0:
        return qlocale.negativeSign() + compact_number(-value, qlocale)
    table = _COMPACT.get(language_of(locale))
    unit = _unit(value, table) if table else None
    if table is None or unit is None:
        return qlocale.toString(value)
    divisor, pattern = unit
    scaled = _scaled(value, divisor)
    # Rounding can carry into the next unit (999,999 → "1000K"): re-pick the unit for the rounded value.
    rounded = int(scaled * divisor)
    if rounded != value:
        bigger = _unit(rounded, table)
        if bigger is not None and bigger[0] != divisor:
            divisor, pattern = bigger
            scaled = _scaled(rounded, divisor)
    if scaled == scaled.to_integral_value():
        text = qlocale.toString(int(scaled))
    else:
        text = qlocale.toString(float(scaled), "f", 1)
    return pattern.format(text)


def ordinal(value: int, locale: LocaleLike) -> str:
    """Queue positions: 1st/2nd/3rd/11th (en), 3.º (es), ke-3 (id); other languages get the bare number."""
    language = language_of(locale)
    digits = _qlocale(locale).toString(value)
    if language == "en":
        if value % 100 in (11, 12, 13):
            suffix = "th"
        else:
            suffix = {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
        return f"{digits}{suffix}"
    if language == "es":
        return f"{digits}.º"
    if language == "id":
        return f"ke-{digits}"
    return digits
