"""The `plaza` command line: usage errors and exit codes that scripts rely on."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.janus import streaming
from tests.janus import scripted_server as ss
from tests.janus.hostile import STREAMING_OFFER
from tests.janus.scripted_server import ScriptedServer


def _plaza(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=60)


def test_malformed_link_exits_2_with_a_clear_message() -> None:
    result = _plaza("listen", "plaza://example.org/not-a-room", "--no-audio-device")
    assert result.returncode == 2
    assert "bad room link: room 'not-a-room' is not a room number" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_server_exits_3_within_the_timeout() -> None:
    result = _plaza("listen", "plaza+ws://127.0.0.1:9/1234", "--no-audio-device", "--connect-timeout", "2")
    assert result.returncode == 3
    assert "could not connect to ws://127.0.0.1:9/janus" in result.stderr


def test_version() -> None:
    result = _plaza("--version")
    assert result.returncode == 0 and result.stdout.startswith("plaza ")


def test_cushion_out_of_range_is_a_usage_error() -> None:
    result = _plaza("listen", "plaza+ws://127.0.0.1:9/1234", "--no-audio-device", "--cushion", "9")
    assert result.returncode == 2
    assert "--cushion must be between 0.2 and 5 seconds" in result.stderr


def test_state_line_shows_stage_count_hands_and_source() -> None:
    import time

    from app.cli.listen import state_line
    from app.listener.state import RoomState, StateSource
    from app.room.protocol import Hand, ListenerCount, Role, StageMember

    state = RoomState(title="T", members=(StageMember("1", "Ana", Role.HOST, False, True),
                                          StageMember("2", "Bo", Role.SPEAKER, True, False)),
                      listeners=ListenerCount(890_000, time.time() - 42), hands=(Hand("l-1", "Cy", 1.0),),
                      hands_total=1, source=StateSource.CONTROLLER)
    line = state_line(state)
    assert line.startswith("state: stage [Ana(host, talking); Bo(speaker, muted)]")
    assert "listeners=890000 (measured 42 s ago)" in line
    assert "hands=1 [Cy]" in line and line.endswith("source=controller")
    fallback = state_line(RoomState(source=StateSource.FALLBACK))
    assert "listeners=unknown" in fallback and "source=fallback" in fallback
    assert state_line(RoomState(recording=True, ended=True)).endswith("source=none RECORDING ENDED")


def test_stats_text_names_every_counter_and_the_history() -> None:
    from app.cli.listen import stats_text
    from app.listener.stats import ConnectionStats, PlayoutStats, ReconnectRecord

    stats = ConnectionStats(server="ws://h:8188/janus", status="live", rtt_ms=12.3, loss_percent=1.5,
                            playout=PlayoutStats(cushion_ms=1400, target_ms=1500, protection_ms=1500, masked_gap_ms=900,
                                                 content_skipped_ms=880, fec_recoveries=3, concealed_frames=4),
                            reconnects=(ReconnectRecord(10.0, "socket closed", "ws://h:8188/janus", 2, 10.6,
                                                        "ws://h:8188/janus"),))
    text = stats_text(stats)
    for part in ("rtt=12ms", "loss=1.5%", "cushion=1400/1500ms", "protection=1500ms", "masked_gap=900ms",
                 "audible_gap=0ms", "content_skipped=880ms", "fec_recoveries=3", "concealed_frames=4", "reconnects=1"):
        assert part in text
    assert "reconnect: lost ws://h:8188/janus (socket closed); 2 attempt(s); back on ws://h:8188/janus after 0.60 s" \
        in text


# ---------------------------------------------------------------------------------------------- hostile servers
# Measured before the fix: these three ended `plaza listen` with a traceback (exit 1). Each must be one line on
# stderr and exit 3 ("could not join"), against a scripted server in this process (no lab: all fail before ICE).
SCRIPTED_CASES = [
    pytest.param({"type": "offer", "sdp": STREAMING_OFFER.replace("SAVPF 111", "SAVPF opus")},
                 "server sent an offer whose SDP does not parse (ValueError: invalid literal for int()",
                 id="offer-sdp-does-not-parse"),
    pytest.param({"type": "offer", "sdp": 42}, "server sent an offer whose 'sdp' is int, not text",
                 id="offer-sdp-not-a-string"),
    pytest.param(None, "sent a message larger than 1024 KiB (Plaza's limit); connection closed",
                 id="frame-over-the-size-limit"),
]


@pytest.mark.parametrize(("offer", "expected"), SCRIPTED_CASES)
async def test_a_server_that_sends_nonsense_is_one_line_and_exit_3(offer: dict[str, Any] | None,
                                                                    expected: str) -> None:
    async with ScriptedServer() as server:
        url = server.url
        if offer is None:
            server.always("message", ss.raw({"janus": "event", "blob": "x" * (1024 * 1024 + 1)}))
        else:
            server.always("message", ss.ack_then_event(streaming.PLUGIN, {"streaming": "event"}, offer))
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app", "listen", f"plaza+ws://127.0.0.1:{server.port}/1234", "--no-audio-device",
            "--connect-timeout", "5", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        async with asyncio.timeout(30):
            _, err = await child.communicate()
    stderr = err.decode()
    assert child.returncode == 3, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines() == [stderr.strip()], stderr  # exactly one line
    assert stderr.startswith(f"plaza: {url}") and expected in stderr, stderr


def test_help_documents_the_exit_codes_and_none_is_left_unused() -> None:
    from app import cli

    text = cli.build_parser()._subparsers._group_actions[0].choices["listen"].format_help()  # type: ignore[union-attr]
    for code in ("0 played", "2 bad usage", "3 could not join", "5 audio output", "130 interrupted"):
        assert code in " ".join(text.split()), text
    assert not hasattr(cli, "EXIT_CONNECTION_LOST")
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert "`4`" not in readme.split("Exit codes of `plaza listen`")[1].split("\n\n")[0]


def test_speak_with_an_unreadable_input_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "talk.ogg"
    bad.write_bytes(b"not audio")
    result = _plaza("speak", "plaza+ws://127.0.0.1:9/1234", "--input", str(bad), "--no-audio-device")
    assert result.returncode == 2
    assert "cannot read audio file" in result.stderr and "talk.ogg" in result.stderr
    assert "Traceback" not in result.stderr


def test_speak_with_a_microphone_that_cannot_open_fails_before_joining() -> None:
    result = _plaza("speak", "plaza+ws://127.0.0.1:9/1234", "--input-device", "999", "--no-audio-device")
    assert result.returncode == 5, result.stderr  # not 3: the unreachable server was never tried
    assert "microphone" in result.stderr and "Traceback" not in result.stderr


def test_speak_with_an_unreachable_server_exits_3() -> None:
    with_file = str(Path(__file__).parent.parent / "resources" / "audio" / "demo-room.ogg")
    result = _plaza("speak", "plaza+ws://127.0.0.1:9/1234", "--input", with_file, "--no-audio-device")
    assert result.returncode == 3
    assert "could not connect to ws://127.0.0.1:9/janus" in result.stderr


def test_plaza_host_record_waits_for_the_room_state_to_say_so(capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli.host import ACTIONS, effect, show
    from app.listener.state import RoomState
    from app.room.host_protocol import HostVerb

    assert ACTIONS["record"] is HostVerb.RECORD and ACTIONS["stop-record"] is HostVerb.STOP_RECORD
    recording, not_recording = RoomState(recording=True), RoomState()
    assert effect(HostVerb.RECORD, "")(recording) and not effect(HostVerb.RECORD, "")(not_recording)
    assert effect(HostVerb.STOP_RECORD, "")(not_recording) and not effect(HostVerb.STOP_RECORD, "")(recording)
    show(RoomState(title="T", recording=True))
    assert capsys.readouterr().out == "room: T (recording)\n"


def test_plaza_host_move_takes_a_link_validated_like_a_pasted_one(capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli.host import ACTIONS, effect, resolve, show
    from app.links import LinkError
    from app.listener.state import RoomState
    from app.room.host_protocol import HostVerb

    assert ACTIONS["move"] is HostVerb.MOVE
    new = resolve(RoomState(), HostVerb.MOVE, " plaza+ws://198.18.0.2/5678 ")
    assert new == "plaza+ws://198.18.0.2:8188/5678"  # canonical: what the controller will announce
    with pytest.raises(LinkError, match="must not carry secrets"):
        resolve(RoomState(), HostVerb.MOVE, "plaza+ws://198.18.0.2/5678?secret=x")
    assert effect(HostVerb.MOVE, new)(RoomState(ended=True, moved=new))
    assert not effect(HostVerb.MOVE, new)(RoomState(ended=True))
    show(RoomState(title="T", ended=True, moved=new))
    assert capsys.readouterr().out == f"room: T (moved to {new})\n"
