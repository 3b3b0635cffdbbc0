"""The refcount guard keeps Qt-heavy processes alive on PySide6 builds that leak None/True (6.12.0 on 3.11)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.gui

MANY_VOID_CALLS = """
import app.ui  # applies the guard
from PySide6.QtCore import QObject, Signal


class Pinger(QObject):
    ping = Signal(bool)


probe = QObject()
pinger = Pinger()
pinger.ping.connect(lambda on: None)
for n in range(50_000):
    probe.setObjectName("x")  # a void method: on PySide6 6.12.0 + Python 3.11 each call drops a ref to None
    pinger.ping.emit(n % 2 == 0)  # and each emit() drops a ref to True
print("alive")
"""


def test_many_void_qt_calls_do_not_abort_the_interpreter() -> None:
    result = subprocess.run([sys.executable, "-c", MANY_VOID_CALLS], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "alive"
    assert "none_dealloc" not in result.stderr


def test_guard_is_applied_exactly_when_needed() -> None:
    from app.ui.qtfix import guard_none_refcount, leaks_singletons

    if sys.version_info >= (3, 12):
        assert guard_none_refcount() is False
    elif leaks_singletons():
        assert guard_none_refcount() is True
        assert min(sys.getrefcount(x) for x in (None, True, False)) > 1 << 50
