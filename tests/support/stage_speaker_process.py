"""A tone speaker on a stage, in a process of its own: `python -m tests.support.stage_speaker_process SERVER ROOM
STAGE_ID HZ`, the stage pass's token on stdin (a credential stays off argv).

In the test's process the speaker's encoder shares the event loop with the listeners: a burst of their work (a
failover's ICE and DTLS) delays its packets and AudioBridge mixes a hole that every listener hears. Here it keeps
its own pace, like a real speaker on another machine. It speaks until SIGTERM, after one line, `speaking`.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from app.local.speaker import StageSpeaker
from app.media.sources import ToneTrack


async def speak(server: str, room_id: int, stage_id: int, hz: float, token: str) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    speaker = StageSpeaker(server, room_id, ToneTrack(hz), display="Origin speaker", token=token, stage_id=stage_id)
    try:
        await speaker.open()
        print("speaking", flush=True)
        await stop.wait()
    finally:
        await speaker.close()


def main(argv: list[str]) -> int:
    server, room, stage_id, hz = argv
    token = sys.stdin.readline().strip()
    asyncio.run(speak(server, int(room), int(stage_id), float(hz), token))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
