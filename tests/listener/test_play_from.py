"""The output's source switch (a speaker's stage monitor instead of the feed): crossfade, the feed keeps flowing."""

from __future__ import annotations

import numpy as np

from app.events import Event
from app.links import RoomLink
from app.listener.listen import ListenSession
from app.media import CHANNELS


class ConstantPlayout:
    """Stands in for a CushionPlayout: a constant level, counting pulls."""

    def __init__(self, value: int) -> None:
        self.value = value
        self.pulled = 0
        self.volume = 1.0
        self.muted = False
        self.first_audio: Event[[]] = Event("first audio")
        self.caught_up = 0

    def catch_up(self) -> None:
        self.caught_up += 1

    def pull(self, n: int) -> np.ndarray:
        self.pulled += n
        return np.full((n, CHANNELS), self.value, np.int16)


async def test_switching_crossfades_once_and_rests_the_feed() -> None:
    feed, monitor = ConstantPlayout(1000), ConstantPlayout(-1000)
    session = ListenSession(RoomLink(1, ("ws://x:1/janus",)), use_device=False, playout=feed,  # type: ignore[arg-type]
                            with_channel=False)
    heard: list[np.ndarray] = []
    session.heard.connect(heard.append)
    assert (session.pull(480) == 1000).all()
    session.set_volume(0.5)
    session.play_from(monitor)  # type: ignore[arg-type]
    assert monitor.volume == 0.5  # the user's volume and mute follow the source
    fade = session.pull(480)[:, 0].astype(int)
    assert fade[0] == 1000 and fade[-1] == -1000 and (np.diff(fade) <= 0).all()  # a ramp, no step
    assert (session.pull(480) == -1000).all()
    assert feed.pulled == 2 * 480  # before the switch and during the fade: then the feed rests (not decoded)
    session.play_from(None)
    assert feed.caught_up == 1  # back at the cushion's depth
    back = session.pull(480)[:, 0].astype(int)
    assert back[0] == -1000 and back[-1] == 1000
    assert (session.pull(480) == 1000).all()
    assert monitor.pulled == 3 * 480  # no longer pulled once faded out
    assert len(heard) == 5
    session.play_from(None)  # no change: no fade
    assert (session.pull(480) == 1000).all()
    await session.close()
