"""Recording the stage mix without Janus: AudioBridge 1.1.2's `enable_recording` and `list` as it answers them, the
flag announced from what the server says (a restart, a file that cannot be opened, a reading that raced a stop),
file names that never collide, and the stage secret kept out of the log."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest

from app.controller.controller import RoomController
from app.controller.recording import recording_file_name
from app.janus import PluginError
from app.janus.audiobridge import AudioBridgeHandle
from app.janus.handle import PluginReply
from app.room.errors import RoomError
from app.room.host_protocol import HostVerb
from app.room.protocol import Delta, Snapshot, parse_announcement
from app.room.protocol_encoding import encode
from tests.controller.stage_fakes import connected_controller
from tests.controller.test_controller_unit import SECRETS, Clock

PLUGIN = "janus.plugin.audiobridge"


class FakeAudioBridge:
    """Janus 1.1.2's AudioBridge for one room, as far as recording goes (janus_audiobridge.c, enable_recording):
    the flag changes only when it differs, `record_file` is taken only with a change to true and then kept, the
    mixer gives up on a file it cannot open (flag back to false) after the request has been answered, and it closes
    a stopped file on its next 20 ms tick: a start before that tick goes on writing the old file."""

    def __init__(self, room: int = 1234, *, private: bool = False) -> None:
        self.room = room
        self.private = private
        self.record = False
        self.record_file: str | None = None
        self.files: list[str] = []  # the files opened, in order
        self.cannot_open = False
        self.requests: list[dict[str, Any]] = []
        self.hold_list: asyncio.Event | None = None  # a `list` waits for this (a reply still on its way)
        self.closes_at = float("-inf")  # loop time of the mixer tick that closes a stopped file
        self.mangled = 0  # starts that came before that tick: two recordings in one file, the second name lost

    async def message(self, body: dict[str, Any], *, jsep: Any = None, timeout: float | None = None) -> PluginReply:
        self.requests.append(dict(body))
        if body["request"] == "list":
            listed = {"room": self.room, "description": "Room", "record": self.record, "num_participants": 2}
            if self.hold_list is not None:  # handled now, answered later
                await self.hold_list.wait()
            return PluginReply({"audiobridge": "success", "list": [] if self.private else [listed]})
        assert body["request"] == "enable_recording"
        if body.get("secret") != SECRETS.stage:
            raise PluginError(PLUGIN, 487, "Unauthorized (wrong secret)")
        record = body["record"]
        if record != self.record:
            self.record = record
            if record and "record_file" in body:
                self.record_file = body["record_file"]
            now = asyncio.get_running_loop().time()
            if record and now < self.closes_at:
                self.mangled += 1
            elif record:
                self.files.append(self.record_file or f"janus-audioroom-{self.room}-1.wav")
            else:
                self.closes_at = now + 0.02
        answer = self.record
        if record and self.cannot_open:
            self.record = False  # the mixer's next tick: "could NOT open file ... giving up"
        return PluginReply({"audiobridge": "success", "record": answer})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def janus() -> FakeAudioBridge:
    return FakeAudioBridge()


@pytest.fixture
async def controller(clock: Clock, janus: FakeAudioBridge) -> RoomController:
    ctl = connected_controller(clock)
    ctl.links[0].stage = AudioBridgeHandle(janus)  # type: ignore[arg-type]
    assert isinstance(ctl.book.due(), Snapshot)
    return ctl


def next_announcement(controller: RoomController, clock: Clock) -> Snapshot | Delta | None:
    clock.now += 1.0
    message = controller.book.due()
    if message is not None:
        assert parse_announcement(encode(message)) == message
    return message


async def test_start_and_stop_are_announced_and_each_recording_gets_its_own_file(
        controller: RoomController, clock: Clock, janus: FakeAudioBridge) -> None:
    await controller.host_action(HostVerb.RECORD)
    enable = janus.requests[0]
    assert enable["request"] == "enable_recording" and enable["record"] is True and enable["room"] == 1234
    assert "record_dir" not in enable  # where files go is the server's business (its room config)
    assert re.fullmatch(r"plaza-room-1234-\d{8}T\d{6}Z-[0-9a-f]{6}\.wav", enable["record_file"])
    assert janus.requests[1] == {"request": "list"}  # what the server says counts, not what we asked
    started = next_announcement(controller, clock)
    assert isinstance(started, Delta) and started.recording is True
    await controller.host_action(HostVerb.RECORD)  # already recording: nothing new on the server
    assert len(janus.files) == 1
    await controller.host_action(HostVerb.STOP_RECORD)
    assert [r.get("record") for r in janus.requests if r["request"] == "enable_recording"] == [True, False]
    stopped = next_announcement(controller, clock)
    assert isinstance(stopped, Delta) and stopped.recording is False
    await controller.host_action(HostVerb.RECORD)
    await controller.host_action(HostVerb.STOP_RECORD)
    assert len(janus.files) == 2 and janus.files[0] != janus.files[1]  # AudioBridge would reuse a name it kept
    assert controller.recording.file == janus.files[1]


async def test_a_start_right_after_a_stop_waits_for_the_old_file_to_close(controller: RoomController,
                                                                           janus: FakeAudioBridge) -> None:
    for _ in range(3):
        await controller.host_action(HostVerb.RECORD)
        await controller.host_action(HostVerb.STOP_RECORD)
    assert janus.mangled == 0 and len(set(janus.files)) == 3


def test_file_names_differ_even_within_one_second() -> None:
    names = {recording_file_name(1234, 1_800_000_000.0) for _ in range(200)}
    assert len(names) == 200
    assert all(n.startswith("plaza-room-1234-20270115T080000Z-") for n in names)
    assert len("/" + names.pop() + ".part") < 60  # leaves 180 bytes of AudioBridge's 255 for the folder


async def test_a_janus_restart_ends_the_recording_for_everyone(controller: RoomController, clock: Clock,
                                                               janus: FakeAudioBridge,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    await controller.host_action(HostVerb.RECORD)
    assert next_announcement(controller, clock).recording is True  # type: ignore[union-attr]
    restarted = FakeAudioBridge()  # the room back from its config: record = false
    controller.links[0].stage = AudioBridgeHandle(restarted)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="app.controller.recording"):
        assert await controller.links[0].check_recording() is False  # what connect() does after a reconnect
        await controller.links[0].check_recording()
    assert not controller.book.recording
    assert next_announcement(controller, clock).recording is False  # type: ignore[union-attr]
    assert [r.getMessage() for r in caplog.records] == [
        "room 1234: the recording ended on the stage server without a stop (a Janus restart?)"]
    restarted.record = True  # someone with the stage secret started one behind our back: shown all the same
    await controller.links[0].check_recording()
    assert controller.book.recording


async def test_a_file_the_server_cannot_open_is_never_announced_as_recording(
        controller: RoomController, clock: Clock, janus: FakeAudioBridge) -> None:
    janus.cannot_open = True
    with pytest.raises(RoomError, match="did not start recording"):
        await controller.hosts.perform(HostVerb.RECORD)
    assert not controller.book.recording and next_announcement(controller, clock) is None


async def test_a_reading_sent_before_a_stop_does_not_bring_the_flag_back(
        controller: RoomController, clock: Clock, janus: FakeAudioBridge) -> None:
    await controller.host_action(HostVerb.RECORD)
    gate = janus.hold_list = asyncio.Event()
    stale = asyncio.create_task(controller.links[0].check_recording())  # a periodic read, answered late
    await asyncio.sleep(0)  # the server has answered "recording"; the reply is still on its way
    janus.hold_list = None
    await controller.host_action(HostVerb.STOP_RECORD)
    assert not controller.book.recording
    gate.set()
    assert await stale is True  # it says "recording"...
    assert not controller.book.recording  # ...but it was sent before the stop: not taken


async def test_a_private_room_falls_back_to_janus_answer(clock: Clock) -> None:
    janus = FakeAudioBridge(private=True)
    ctl = connected_controller(clock)
    ctl.links[0].stage = AudioBridgeHandle(janus)  # type: ignore[arg-type]
    await ctl.host_action(HostVerb.RECORD)
    assert ctl.book.recording  # `list` leaves private rooms out: Janus's answer is all there is
    await ctl.host_action(HostVerb.STOP_RECORD)
    assert not ctl.book.recording


async def test_ending_the_room_stops_its_recording(controller: RoomController, janus: FakeAudioBridge) -> None:
    await controller.host_action(HostVerb.RECORD)
    await controller.host_action(HostVerb.END)
    assert controller.book.ended and not controller.book.recording and not janus.record


async def test_the_stage_secret_stays_out_of_the_log(controller: RoomController, janus: FakeAudioBridge,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await controller.host_action(HostVerb.RECORD)
    await controller.host_action(HostVerb.STOP_RECORD)
    janus.cannot_open = True
    with pytest.raises(RoomError):
        await controller.hosts.perform(HostVerb.RECORD)
    assert janus.requests[0]["secret"] == SECRETS.stage
    assert caplog.records and all(SECRETS.stage not in r.getMessage() for r in caplog.records)
