"""The one observer mechanism of the app: an `Event` that models, connections and sessions expose.

Why not a list of callbacks per class (as there were six): each copy had its own rules for duplicates, removal
during a call and failures. Here: callbacks run in the order connected; connecting one twice calls it once;
disconnecting is idempotent and safe from inside a callback; a failing callback is logged and the others still
run, so a bug in a view can never stop the reconnect supervisor. No Qt: the UI bridges events to signals itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, ParamSpec

log = logging.getLogger(__name__)

P = ParamSpec("P")


class Event(Generic[P]):
    """Callbacks called with the same arguments on every `emit`."""

    __slots__ = ("_callbacks", "name")

    def __init__(self, name: str) -> None:
        self.name = name  # says which event failed in the log
        self._callbacks: list[Callable[P, object]] = []

    def connect(self, callback: Callable[P, object]) -> None:
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable[P, object]) -> None:
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for callback in tuple(self._callbacks):  # a copy: callbacks may connect or disconnect
            try:
                callback(*args, **kwargs)
            except Exception:
                log.exception("error in a callback of %s", self.name)

    def __len__(self) -> int:
        return len(self._callbacks)
