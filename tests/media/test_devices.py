"""Device lists from PortAudio's table (a fake sounddevice: CI machines have no sound card)."""

from __future__ import annotations

import sys
import types

import pytest

from app.media.capture import InputDevice, list_input_devices
from app.media.output import OutputDevice, list_output_devices


@pytest.fixture
def fake_portaudio(monkeypatch: pytest.MonkeyPatch) -> None:
    sd = types.ModuleType("sounddevice")
    table = [{"name": "Headset", "max_input_channels": 1, "max_output_channels": 2, "default_samplerate": 48000},
             {"name": "HDMI", "max_input_channels": 0, "max_output_channels": 8, "default_samplerate": 44100},
             {"max_input_channels": 2, "max_output_channels": 0, "default_samplerate": 44100}]
    sd.query_devices = lambda: table  # type: ignore[attr-defined]
    sd.default = types.SimpleNamespace(device=(2, 1))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sounddevice", sd)


def test_each_list_has_its_direction_and_its_default(fake_portaudio: None) -> None:
    assert list_output_devices() == [OutputDevice(0, "Headset", False), OutputDevice(1, "HDMI", True)]
    assert list_input_devices() == [InputDevice(0, "Headset", False, 48000.0),
                                    InputDevice(2, "device 2", True, 44100.0)]


def test_a_portaudio_that_fails_lists_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    sd = types.ModuleType("sounddevice")

    def broken() -> None:
        raise RuntimeError("PortAudio not initialized")

    sd.query_devices = broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    assert list_output_devices() == [] and list_input_devices() == []
