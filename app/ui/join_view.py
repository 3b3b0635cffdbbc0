"""The join view: paste a room link (or pick a recent one) and join.

It only validates and emits `join_requested(text)`; the main window owns sessions. A bad link is explained
inline under the field (no dialog), so repeated mistakes cannot stack up message boxes, in the user's language
(app.ui.error_text; the message is rebuilt when the language changes). Recent links show their room title, which
is outside text: plain, isolated from the surrounding text, and the list elides it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.links import LinkError, parse_link
from app.ui.error_text import describe
from app.ui.plain_text import isolate, plain_tooltip

ERROR_STYLE = "color: #b00020;"


class JoinView(QWidget):
    """Link field + Join button + recent links. Emits the link text; never touches the network."""

    join_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("joinView")
        self.heading = QLabel()
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)

        self.link_label = QLabel()
        self.link_edit = QLineEdit()
        self.link_edit.setObjectName("linkEdit")
        self.link_edit.setClearButtonEnabled(True)
        self.link_label.setBuddy(self.link_edit)
        self.join_button = QPushButton()
        self.join_button.setObjectName("joinButton")
        self.join_button.setAutoDefault(True)

        self.message = QLabel()  # the LinkError (or a demo-room notice), shown inline
        self.message.setObjectName("joinMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.recent_label = QLabel()
        self.recent_list = QListWidget()
        self.recent_list.setObjectName("recentList")
        self.recent_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._message_text: Callable[[], str] | None = None  # rebuilds the message in the current language
        self.recent_label.setBuddy(self.recent_list)

        row = QHBoxLayout()
        row.addWidget(self.link_edit, 1)
        row.addWidget(self.join_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.link_label)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addSpacing(12)
        layout.addWidget(self.recent_label)
        layout.addWidget(self.recent_list, 1)
        QWidget.setTabOrder(self.link_edit, self.join_button)
        QWidget.setTabOrder(self.join_button, self.recent_list)

        self.link_edit.returnPressed.connect(self.request_join)
        self.join_button.clicked.connect(self.request_join)
        self.recent_list.itemActivated.connect(self._on_recent_activated)
        self.link_edit.textEdited.connect(lambda _text: self.clear_message())
        self.retranslate()

    # ------------------------------------------------------------------ i18n
    def retranslate(self) -> None:
        self.heading.setText(self.tr("Join a room"))
        self.link_label.setText(self.tr("Room &link:"))
        self.link_edit.setPlaceholderText(self.tr("Paste a link such as plaza://host:8989/1234"))
        self.link_edit.setAccessibleName(self.tr("Room link"))
        self.join_button.setText(self.tr("&Join"))
        self.join_button.setAccessibleName(self.tr("Join the room"))
        self.join_button.setToolTip(self.tr("Join the room and start listening (Return)"))
        self.recent_label.setText(self.tr("Re&cent rooms:"))
        self.recent_list.setAccessibleName(self.tr("Recent rooms"))
        self.recent_list.setToolTip(self.tr("Press Return or double-click to join again"))
        self.message.setAccessibleName(self.tr("Link problem"))
        if self._message_text is not None and not self.message.isHidden():
            self._set_message(self._message_text(), self.message.styleSheet())

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ state
    def link_text(self) -> str:
        return self.link_edit.text().strip()

    def set_link_text(self, text: str) -> None:
        self.link_edit.setText(text)

    def set_recent(self, links: list[str]) -> None:
        self.recent_list.clear()
        for link in links:
            item = QListWidgetItem(self.recent_text(link))
            item.setData(Qt.ItemDataRole.UserRole, link)
            item.setToolTip(plain_tooltip(link))
            self.recent_list.addItem(item)
        self.recent_label.setVisible(bool(links))
        self.recent_list.setVisible(bool(links))

    @staticmethod
    def recent_text(link: str) -> str:
        """"Launch night — plaza://…" for a link with a title, else the link itself."""
        try:
            title = parse_link(link).title
        except LinkError:
            return link
        return f"{isolate(title)} — {link}" if title else link

    def show_problem(self, error: BaseException, *, demo: bool = False) -> None:
        """Explain `error` (a LinkError, or why the demo room did not start) in the user's language."""

        def text() -> str:
            reason = describe(error)
            return self.tr("The demo room could not start: {reason}").format(reason=reason) if demo else reason

        self.show_error(text)

    def show_error(self, text: str | Callable[[], str]) -> None:
        """Explain why the link cannot be used; focus goes back to the field so it can be fixed."""
        self._message_text = text if callable(text) else None
        self._set_message(text() if callable(text) else text, ERROR_STYLE)
        self.link_edit.setFocus()
        self.link_edit.selectAll()

    def show_notice(self, text: str | Callable[[], str]) -> None:
        self._message_text = text if callable(text) else None
        self._set_message(text() if callable(text) else text, "")

    def _set_message(self, text: str, style: str) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)
        self.message.setAccessibleDescription(text)
        self.message.show()

    def clear_message(self) -> None:
        self._message_text = None
        self.message.clear()
        self.message.hide()

    def message_text(self) -> str:
        return "" if self.message.isHidden() else self.message.text()

    def set_busy(self, busy: bool) -> None:
        """While a demo room starts, joining something else would race it."""
        for widget in (self.link_edit, self.join_button, self.recent_list):
            widget.setEnabled(not busy)

    # ------------------------------------------------------------------ slots
    def request_join(self) -> None:
        self.join_requested.emit(self.link_text())

    def _on_recent_activated(self, item: QListWidgetItem) -> None:
        link = str(item.data(Qt.ItemDataRole.UserRole))
        self.link_edit.setText(link)
        self.join_requested.emit(link)
