"""Fixtures of the listener tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.listener.listening import listening_factory


@pytest.fixture
async def listening(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """`await listening(link, name, start=True, **ListenSession kwargs)` → a started `Listening`."""
    async for start in listening_factory(tmp_path):
        yield start
