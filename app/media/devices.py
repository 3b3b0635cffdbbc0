"""The sound devices PortAudio knows about, for the output and the microphone lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def portaudio_devices(direction: str) -> Iterator[tuple[int, str, bool, dict[str, Any]]]:
    """(index, name, is default, PortAudio's info) of each device with `direction` ("input" / "output") channels;
    nothing when PortAudio itself is missing or cannot be queried."""
    try:
        import sounddevice as sd
    except (ImportError, OSError):
        return
    try:
        devices = sd.query_devices()
        default = sd.default.device[0 if direction == "input" else 1]
    except Exception:
        return
    for index, info in enumerate(devices):
        if info.get(f"max_{direction}_channels", 0) > 0:
            yield index, str(info.get("name", f"device {index}")), index == default, info
