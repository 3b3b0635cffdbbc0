"""The audience over time, as the controller sees it: listeners, channel joins, leaves and reconnects per 10 s.

Why: on a launch night (hundreds of thousands of listeners, tens of thousands joining a minute, servers melting)
the hosts saw one number. A host's audience graph (docs/room-protocol.md §3.7) needs the history, and only the
controller has it: it hears every join and leave of channel N on every server, and counts the listeners.

A **reconnect** is a channel username that left (any server of the room, or was lost with a server the
controller lost) and joined again (the same or another server: listeners fail over with the same username)
within RECONNECT_WINDOW. It counts as a reconnect in the bucket of the rejoin, and the leave it followed is taken
back out of its bucket: a wave of reconnects is not a crowd leaving and a new one arriving. So the leaves of the
last 30 s may still shrink. A join while the username is still present on another server (a dead server's ghost
session that Janus has not timed out yet) is a reconnect too, and that server's late leave counts for nothing.

Memory is bounded: MAX_BUCKETS buckets (2 h), the usernames present (one small int each, the controller holds
them anyway) and the leaves of the last 30 s. Pure bookkeeping on an injected unix clock: tested on a virtual one.
"""

from __future__ import annotations

import collections
import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from app.room.protocol import MAX_MESSAGE_BYTES
from app.room.stage_protocol import AudiencePoint, AudienceReport, audience_point_json, encode_stage

BUCKET_SECONDS: Final = 10
HISTORY_SECONDS: Final = 2 * 3600
MAX_BUCKETS: Final = HISTORY_SECONDS // BUCKET_SECONDS
RECONNECT_WINDOW: Final = 30.0  # a rejoin this soon after the leave is a reconnect, not a leave and a join


@dataclass(slots=True)
class Bucket:
    index: int  # start time // BUCKET_SECONDS
    listeners: int | None
    joins: int = 0
    leaves: int = 0
    reconnects: int = 0

    def point(self) -> AudiencePoint:
        return AudiencePoint(self.index * BUCKET_SECONDS, self.listeners, self.joins, self.leaves, self.reconnects)


class AudienceLog:
    """Per-bucket counts of one room's audience; fed by the controller's channel events and its listener count."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock  # unix time: the points carry it to the host's chart
        self.buckets: collections.deque[Bucket] = collections.deque(maxlen=MAX_BUCKETS)
        self._listeners: int | None = None  # the latest count, carried into buckets without a reading
        self.present: dict[str, int] = {}  # channel username -> on how many servers it is joined
        self._left: collections.OrderedDict[str, tuple[float, int]] = collections.OrderedDict()  # username ->
        # (when it left, the bucket index its leave counts in), oldest first: the leaves that may yet be reconnects

    # ------------------------------------------------------------------------------------------ buckets
    def _bucket(self) -> Bucket:
        """The bucket of now, after filling any buckets time skipped (a quiet room still draws a line)."""
        now = self._clock()
        self._expire(now)
        index = math.floor(now / BUCKET_SECONDS)
        buckets = self.buckets
        if buckets and index <= buckets[-1].index:
            return buckets[-1]  # this bucket (or the clock stepped back: keep counting in the newest one)
        if buckets and index - buckets[-1].index <= MAX_BUCKETS:
            for skipped in range(buckets[-1].index + 1, index):
                buckets.append(Bucket(skipped, self._listeners))
        else:
            buckets.clear()  # nothing kept is within the history any more
        buckets.append(Bucket(index, self._listeners))
        return buckets[-1]

    def _find(self, index: int) -> Bucket | None:
        buckets = self.buckets
        if not buckets:
            return None
        offset = buckets[-1].index - index
        return buckets[-1 - offset] if 0 <= offset < len(buckets) else None

    def _expire(self, now: float) -> None:
        left = self._left
        while left:
            username, (at, _index) = next(iter(left.items()))
            if now - at <= RECONNECT_WINDOW:
                break
            del left[username]

    # ------------------------------------------------------------------------------------------ input
    def listeners(self, count: int | None) -> None:
        """The controller's listener count now (None: unknown)."""
        self._listeners = count
        self._bucket().listeners = count

    def joined(self, username: str) -> None:
        """A channel join event of `username` on one server."""
        bucket = self._bucket()
        servers = self.present.get(username, 0)
        self.present[username] = servers + 1
        if servers:
            bucket.reconnects += 1  # failed over while its old server still has it (a ghost session)
        elif self._take_back_leave(username):
            bucket.reconnects += 1
        else:
            bucket.joins += 1

    def left(self, username: str) -> None:
        """A channel leave (or kick) of `username` on one server; nothing if it is still on another one."""
        servers = self.present.get(username, 0)
        if servers == 0:
            return  # never seen joining (the controller itself, a join the controller missed)
        if servers > 1:
            self.present[username] = servers - 1
            return
        del self.present[username]
        bucket = self._bucket()
        bucket.leaves += 1
        self._left[username] = (self._clock(), bucket.index)
        self._left.move_to_end(username)

    def lost(self, usernames: Iterable[str]) -> None:
        """The controller lost a server with these usernames on it: gone from there (leaves, unless they come
        back within the window: then reconnects, or nothing if it was the controller that lost the server)."""
        for username in usernames:
            self.left(username)

    def found(self, usernames: Iterable[str]) -> None:
        """The usernames a (re)joined server lists: present, not joins; a leave the controller's own loss of the
        server counted is taken back (nobody left: the controller did)."""
        self._bucket()  # expire old leaves first
        for username in usernames:
            self._take_back_leave(username)
            self.present[username] = self.present.get(username, 0) + 1

    def _take_back_leave(self, username: str) -> bool:
        entry = self._left.pop(username, None)
        if entry is None:
            return False
        if self._clock() - entry[0] > RECONNECT_WINDOW:
            return False
        bucket = self._find(entry[1])
        if bucket is not None and bucket.leaves > 0:
            bucket.leaves -= 1
        return True

    # ------------------------------------------------------------------------------------------ output
    def points(self) -> list[AudiencePoint]:
        """Every kept bucket, oldest first, up to the one in progress."""
        self._bucket()
        return [b.point() for b in self.buckets]

    def report(self, room: int) -> AudienceReport:
        points = tuple(self.points())
        return AudienceReport(room, BUCKET_SECONDS, points, len(points))


def encode_audience(report: AudienceReport) -> str:
    """The report as one whisper: the newest points that fit in MAX_MESSAGE_BYTES (`total` still says how many
    were kept, so the host's chart can say how far back it reaches)."""
    sizes = [len(json_point(p)) + 1 for p in report.points]  # + the comma
    head = len(encode_stage(AudienceReport(report.room, report.bucket, (), report.total)).encode())
    budget, keep = MAX_MESSAGE_BYTES - head, 0
    for size in reversed(sizes):
        if budget < size:
            break
        budget -= size
        keep += 1
    return encode_stage(AudienceReport(report.room, report.bucket, report.points[len(sizes) - keep:],
                                       report.total))


def json_point(p: AudiencePoint) -> str:
    return json.dumps(audience_point_json(p), separators=(",", ":"))
