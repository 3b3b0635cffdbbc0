"""Outside text (member names, room titles, server addresses) shown as the characters it is, and kept small.

A QLabel in its default AutoText format renders anything that looks like HTML: a name `<img src=…>` would load
an image, `<a href=…>` would show a link. Tooltips are always checked for rich text the same way. So labels that
can show outside text are PlainText, and tooltips get it escaped inside a <p> (which makes Qt treat the tooltip
as rich text and show the escaped characters literally). Long text is elided, so a 10,000-character name cannot
stretch the window, and text containing right-to-left characters is isolated (U+2068…U+2069) when it is put
into a sentence, so it cannot reorder the words around it.
"""

from __future__ import annotations

import html
import unicodedata

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

FIRST_STRONG_ISOLATE = "\u2068"
POP_DIRECTIONAL_ISOLATE = "\u2069"
ELLIPSIS = "…"
ACCESSIBLE_MAX_CHARS = 200  # a screen reader reads every character of a name; nobody needs 10,000 of them
_NOT_LEFT_TO_RIGHT = frozenset({"R", "AL", "RLE", "RLO", "LRE", "LRO", "RLI", "LRI", "FSI", "PDF", "PDI"})


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` literally, even `<b>x</b>`; "" (no tooltip) for no text."""
    if not text:
        return ""
    return f"<p style='white-space:pre-wrap'>{html.escape(text)}</p>"


def isolate(text: str) -> str:
    """`text` ready to sit inside a sentence: wrapped in a bidi isolate if it holds any right-to-left or bidi
    control character (an unterminated RIGHT-TO-LEFT OVERRIDE would otherwise flip the rest of the sentence)."""
    if any(unicodedata.bidirectional(ch) in _NOT_LEFT_TO_RIGHT for ch in text):
        return f"{FIRST_STRONG_ISOLATE}{text}{POP_DIRECTIONAL_ISOLATE}"
    return text


def shorten(text: str, max_chars: int) -> str:
    """At most `max_chars` characters, the last one "…" if cut (window titles, accessible names)."""
    return text if len(text) <= max_chars else text[:max_chars - 1] + ELLIPSIS


def accessible(text: str) -> str:
    """Outside text as an accessible name or description (plain for Qt, shortened for the listener's sake)."""
    return shorten(text, ACCESSIBLE_MAX_CHARS)


def elide(text: str, metrics: QFontMetrics, width: int,
          mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> str:
    """`text` cut to `width` pixels in this font with "…" where it was cut."""
    return metrics.elidedText(text, mode, max(0, width))


class ElidedLabel(QLabel):
    """One line of outside text: plain text, elided to whatever width the layout gives it, never wider than
    the text; the full text is in the tooltip (escaped). `full_text()` is the text, `text()` what is shown."""

    def __init__(self, parent: QWidget | None = None,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(plain_tooltip(text))
        self._elide()
        self.updateGeometry()

    def full_text(self) -> str:
        return self._full

    def _elide(self) -> None:
        shown = elide(self._full, self.fontMetrics(), self.contentsRect().width(), self._mode)
        if shown != self.text():
            super().setText(shown)

    def sizeHint(self) -> QSize:
        # The whole text's width: what it would like. Layouts ignore it (the horizontal policy is Ignored), so a
        # long text never widens the window; it gets the width there is and elides.
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right() + 2
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()
