"""The app's one observer mechanism."""

from __future__ import annotations

import logging

import pytest

from app.events import Event


def test_callbacks_run_in_order_once_each_with_the_arguments() -> None:
    got: list[tuple[str, int]] = []
    event: Event[[int]] = Event("count changed")
    first = lambda n: got.append(("first", n))  # noqa: E731
    event.connect(first)
    event.connect(lambda n: got.append(("second", n)))
    event.connect(first)  # twice: still called once
    event.emit(7)
    assert got == [("first", 7), ("second", 7)] and len(event) == 2


def test_a_failing_callback_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    got: list[int] = []
    event: Event[[int]] = Event("status changed")

    def broken(n: int) -> None:
        raise RuntimeError("bug in a view")

    event.connect(broken)
    event.connect(got.append)
    with caplog.at_level(logging.ERROR, logger="app.events"):
        event.emit(1)
    assert got == [1]
    assert "status changed" in caplog.text and "bug in a view" in caplog.text


def test_disconnect_is_idempotent_and_safe_inside_a_callback() -> None:
    got: list[str] = []
    event: Event[[]] = Event("first audio")

    def once() -> None:
        got.append("once")
        event.disconnect(once)

    event.connect(once)
    event.connect(lambda: got.append("always"))
    event.emit()
    event.emit()
    event.disconnect(once)
    assert got == ["once", "always", "always"]
