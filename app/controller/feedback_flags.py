"""Which stage members their feedback guard muted, so the room can show why they went quiet.

A speaker's guard mutes it locally and in AudioBridge, then whispers `feedback`; the controller flags that member
(`StageMember.feedback`) until the speaker is audible again or gone. "Audible again" must be a mute that was seen
and then ended: the report can overtake the AudioBridge mute (the stage is polled every 250 ms), so an unmuted
reading right after it is old news, not an unmute. Pure bookkeeping over the polled stage, like app.controller.
stage_passes, so it is tested without Janus.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from app.controller.room_book import RoomBook
from app.controller.stage_passes import IssuedPass, PassState
from app.room.protocol import StageMember


class FeedbackFlags:
    """Flagged member ids, each with whether a poll has shown it muted since it was flagged."""

    def __init__(self) -> None:
        self._seen_muted: dict[str, bool] = {}

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._seen_muted

    def __len__(self) -> int:
        return len(self._seen_muted)

    def report(self, issued: IssuedPass | None, book: RoomBook) -> str | None:
        """A `feedback` whisper from the holder of `issued`: flag its member at once (the polls keep the flag
        until it unmutes); the member id, or None when the sender holds no pass on stage (dropped)."""
        if issued is None or issued.state is not PassState.ON_STAGE:
            return None
        member_id = str(issued.stage_id)
        self.flag(member_id)
        member = book.members.get(member_id)
        if member is not None and not member.feedback:
            book.members[member_id] = dataclasses.replace(member, feedback=True)
        return member_id

    def flag(self, member_id: str) -> None:
        """Its guard muted it; the flag waits for a poll that shows the mute (again, after a repeated report: the
        speaker may have unmuted and howled again between two polls)."""
        self._seen_muted[member_id] = False

    def apply(self, members: Iterable[StageMember]) -> list[StageMember]:
        """The stage as just polled, with `feedback` set on flagged members; a flag ends when its member is gone
        from the stage, or unmuted after a poll showed it muted."""
        members = list(members)
        present = {m.id: m for m in members}
        for member_id, seen_muted in list(self._seen_muted.items()):
            member = present.get(member_id)
            if member is None or (seen_muted and not member.muted):
                del self._seen_muted[member_id]
            elif member.muted:
                self._seen_muted[member_id] = True
        flagged = self._seen_muted
        return [m if m.feedback == (m.id in flagged) else dataclasses.replace(m, feedback=m.id in flagged)
                for m in members]
