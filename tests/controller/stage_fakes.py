"""Fakes for the controller's stage access: the AudioBridge handle, Janus's requests recorded, a connected
controller (shared by the stage-access and feedback-flag unit tests)."""

from __future__ import annotations

import asyncio
from typing import Any

from app.controller.controller import RoomController
from app.controller.link import ControllerLink
from app.controller.stage_passes import IssuedPass, StagePasses
from app.janus import JanusError
from app.room.stage_protocol import StagePass, parse_to_listener
from tests.controller.test_controller_unit import SECRETS, Clock


class FakeStage:
    """Stands for the AudioBridge handle: present means the stage link can send requests."""


class Recorder:
    """Replaces a link's Janus requests: records them; `fail` makes the next ones raise JanusError."""

    def __init__(self, link: ControllerLink) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fail = False
        link.allowed = self.allowed  # type: ignore[method-assign]
        link.kick = self.kick  # type: ignore[method-assign]
        link.whisper = self.whisper  # type: ignore[method-assign]
        link.watch = self.watch  # type: ignore[method-assign]
        self.link = link

    async def watch(self, watcher: StagePass) -> None:
        self.calls.append(("watch", watcher.stage_id))

    async def allowed(self, action: str, tokens: list[str] | None = None) -> None:
        if self.fail:
            raise JanusError("stage unreachable")
        self.calls.append(("allowed", action, sorted(tokens) if tokens is not None else None))

    async def kick(self, stage_id: int) -> None:
        self.calls.append(("kick", stage_id))

    async def whisper(self, username: str, text: str) -> bool:
        if username not in self.link.participants:
            return False
        self.calls.append(("whisper", username, parse_to_listener(text)))
        return True


def connected_controller(clock: Clock) -> RoomController:
    """A two-server controller whose links count as connected, with a stage on the first."""
    ctl = RoomController(["ws://a.invalid:8188/janus", "ws://b.invalid:8188/janus"], 1234, SECRETS, "Room",
                         username="ctl-test", clock=clock)
    for link in ctl.links:
        link.connected = True
    ctl.links[0].stage = FakeStage()  # type: ignore[assignment]
    return ctl


def only_pass(passes: StagePasses, username: str) -> IssuedPass | None:
    """The one pass of `username`, or None: for tests without the same name on two servers (then it is ambiguous,
    which is why StagePasses has only holder() and all_of())."""
    held = passes.all_of(username)
    assert len(held) <= 1, f"{username!r} holds {len(held)} passes"
    return held[0] if held else None


async def settle() -> None:
    """Let the controller's spawned tasks (invites, whispers) run to their next wait."""
    for _ in range(20):
        await asyncio.sleep(0)
