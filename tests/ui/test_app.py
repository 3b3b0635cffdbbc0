"""Bootstrap pieces of app.ui.app: the QApplication setup."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication

from app.ui.app import create_application
from app.ui.icons import app_icon, icon_path

pytestmark = pytest.mark.gui


def test_application_identity_and_quit_policy() -> None:
    app = create_application()
    assert QCoreApplication.organizationName() == "Plaza"
    assert QCoreApplication.applicationName() == "Plaza"
    assert not app.quitOnLastWindowClosed()  # we quit after async cleanup
    assert icon_path().is_file()
    assert not app_icon().isNull()
    assert not app.windowIcon().isNull()
    assert app_icon().pixmap(32, 32).width() == 32  # the SVG renders
