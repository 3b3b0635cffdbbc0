"""The controller unit tests' common setting: a virtual clock, a controller connected to two fake servers, and
Janus's side of them recorded (tests/controller/stage_fakes.py). A module that needs another one defines its own
fixture of the same name, which takes precedence."""

from __future__ import annotations

import pytest

from app.controller.controller import RoomController
from tests.controller.stage_fakes import Recorder, connected_controller
from tests.controller.test_controller_unit import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def controller(clock: Clock) -> RoomController:
    return connected_controller(clock)


@pytest.fixture
def janus(controller: RoomController) -> list[Recorder]:
    """Janus's side of the stage access, recorded (invites need the `allowed` list and a whisper)."""
    return [Recorder(link) for link in controller.links]
