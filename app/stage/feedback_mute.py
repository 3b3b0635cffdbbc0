"""What a speaker does when its feedback guard hears howling: mute at once, tell the stage and the controller why.

Why apart from app.stage.speaker: the guard runs on the microphone's thread of frames, and what follows (the mute
on Janus, the report that flags our tile on everyone's stage, the user's notice) is one rule with its own tests;
the session's way up and down the stage does not depend on it. `SpeakerSession` inherits it; the parts it uses are
the session's (declared below for the type checker).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import numpy as np

from app.events import Event
from app.listener.listen import ListenSession
from app.media.capture import MicTrack
from app.media.feedback import FeedbackGuard, FeedbackVerdict
from app.room.errors import RoomError
from app.room.host_protocol import HostVerb, encode_host_action, sign
from app.room.protocol import ProtocolViolation
from app.room.stage_protocol import FeedbackReport, encode_stage
from app.stage.connection import StageConnection

__all__ = ["FeedbackMuting"]

log = logging.getLogger("app.stage.speaker")  # the speaker's log lines, wherever the code sits


class FeedbackMuting:
    """The speaker's handling of its feedback guard's verdicts (mixed into SpeakerSession)."""

    listen: ListenSession
    mic: MicTrack
    guard: FeedbackGuard | None
    feedback: Event[[FeedbackVerdict]]
    last_feedback: FeedbackVerdict | None
    stage: StageConnection | None
    _report_seq: int
    _spawn: Callable[[Coroutine[Any, Any, None]], None]  # the session's tasks, closed with it
    set_muted: Callable[[bool], Awaitable[None]]  # the mute on the microphone and on Janus

    def _guard(self, frame: np.ndarray) -> np.ndarray:
        """A microphone processor: on howling, silence this frame and mute (Janus too, so everyone sees it)."""
        assert self.guard is not None
        if self.mic.muted:
            return frame
        verdict = self.guard.feed(frame)
        if verdict is None:
            return frame
        log.warning("feedback at %.0f Hz (%s): muting the microphone", verdict.frequency_hz, verdict.reason)
        self.mic.muted = True
        self.guard.reset()
        self.last_feedback = verdict
        self._spawn(self._mute_for_feedback(verdict))
        return np.zeros_like(frame)

    async def _mute_for_feedback(self, verdict: FeedbackVerdict) -> None:
        try:
            await self.set_muted(True)
        except RoomError as exc:
            log.warning("could not tell the stage about the mute: %s", exc)
        self._report_feedback(verdict)
        self.feedback.emit(verdict)

    def _report_feedback(self, verdict: FeedbackVerdict) -> None:
        """Tell the controller why we went quiet, so everyone's stage shows "Feedback — muted" on our tile (it
        takes the report only from a pass holder on stage; the flag ends when we unmute or leave)."""
        if self.stage is None or self.listen.channel is None:
            return  # not on stage: nobody's stage shows us
        try:
            text = encode_stage(FeedbackReport(verdict.frequency_hz))
        except ProtocolViolation as exc:  # a tone outside what the protocol carries: the mute stands anyway
            log.warning("feedback report not sent: %s", exc)
            return
        self.listen.channel.whisper(text)  # best effort: without a channel the mute still shows, without why
        # Signed with our pass too: a pass handed over directly (the room's host) has no channel name to trust.
        own = self.stage.stage_pass
        self._report_seq = max(self._report_seq + 1, int(time.time() * 1000))
        self.listen.channel.whisper(encode_host_action(sign(own, self._report_seq, HostVerb.FEEDBACK,
                                                            str(own.stage_id))))
