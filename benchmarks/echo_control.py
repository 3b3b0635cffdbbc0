"""Echo-control numbers for docs/echo-control.md: the test's simulated echo paths, per setting.

    python -m benchmarks.echo_control

ERLE over 3-9 s (far end only, after convergence), the near end alone (13.5-16 s) and in double talk (10-13 s)
as (output level - clean talker level in dB, normalised cross-correlation), and the processing time per 10 ms.
"""

from __future__ import annotations

import time

from app.media.echo import EchoControl, EchoSettings
from tests.media.test_echo import DOUBLE_TALK, NEAR_ONLY, SECONDS, Scene

SETTINGS = {
    "AEC": EchoSettings(noise_suppression=False, auto_gain_control=False),
    "AEC+NS": EchoSettings(auto_gain_control=False),
    "AEC+NS+AGC": EchoSettings(),
}


def main() -> None:
    if not EchoControl.available():
        raise SystemExit(f"echo control unavailable: {EchoControl.reason()}")
    print("| echo path | settings | ERLE dB | near end alone (dB, r) | double talk (dB, r) | µs per 10 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for delay_ms, gain_db in ((30, -6.0), (80, -12.0)):
        scene = Scene(delay_ms, gain_db)
        for name, settings in SETTINGS.items():
            started = time.perf_counter()
            out = scene.run(EchoControl(settings))
            us = (time.perf_counter() - started) / (len(out) / 480) * 1e6
            alone = scene.near_end_pass(out, NEAR_ONLY + 0.5, SECONDS)
            double = scene.near_end_pass(out, DOUBLE_TALK + 1, NEAR_ONLY)
            print(f"| {delay_ms} ms, {gain_db:g} dB | {name} | {scene.erle(out):.1f} | {alone[0]:+.1f}, {alone[1]:.2f} "
                  f"| {double[0]:+.1f}, {double[1]:.2f} | {us:.0f} |")


if __name__ == "__main__":
    main()
