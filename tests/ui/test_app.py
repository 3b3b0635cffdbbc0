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


def test_pyside6_6_12_0_is_refused_before_any_window(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import PySide6

    from app.ui import app as app_module

    monkeypatch.setattr(PySide6, "__version__", "6.12.0")
    built: list[object] = []
    monkeypatch.setattr(app_module, "create_application", lambda: built.append(1))
    assert app_module.run_window("plaza+ws://127.0.0.1:1/1") == app_module.EXIT_UNSUPPORTED_QT == 2
    assert built == [], "no QApplication, no window"
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "PySide6 6.12.0 is not supported (it crashes on Python 3.11" in err
    assert "pip install 'PySide6-Essentials!=6.12.0'" in err


@pytest.mark.parametrize("version", ["6.11.3", "6.12.1", "6.8.0"])
def test_other_pyside6_versions_are_accepted(version: str) -> None:
    from app.ui.app import unsupported_qt

    assert unsupported_qt(version) is None
