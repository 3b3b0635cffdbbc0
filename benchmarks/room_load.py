"""The room-state load the benchmarks apply: what a controller can really send, at its worst (docs/room-protocol.md).

A full stage (200 members: a host, 2 co-hosts, speakers) of a 100,000-listener room. Deltas are talking flips,
mute flips and listener-count changes (the protocol allows one delta per 500 ms; the benchmarks stress it with 50
a second); at most `talkers` (10: a heated panel) talk at once, as AudioBridge reports real voices, not 100 at a
time (each talker's ring pulses on screen, the view's main paint cost). After every reconnect the client takes a
full snapshot: 200 members and 100 listed hands, all fresh objects as the parser would build them (so equal
members are compared field by field, never by identity), with the count, the queue and one talker changed.
"""

from __future__ import annotations

import random

from app.room.protocol import Delta, Hand, ListenerCount, Role, Snapshot, StageMember

CONTROLLER = "ctl-bench"
OWN = "l-bench"
ROOM = 1234
TITLE = "Benchmark room"


class RoomLoad:
    """The controller's side: a stage whose members talk and mute, an audience that grows and shrinks, hands."""

    def __init__(self, members: int = 200, hands: int = 100, listeners: int = 100_000, talkers: int = 10,
                 seed: int = 3) -> None:
        self.rng = random.Random(seed)
        self.max_talkers = talkers
        roles = [Role.HOST] + [Role.CO_HOST] * 2 + [Role.SPEAKER] * max(0, members - 3)
        self.base = [StageMember(str(7_400_000 + i), f"Speaker {i}", roles[i], False, False) for i in range(members)]
        # Every member's four looks, built once: a flip then costs one Delta, like a parsed message would.
        self.looks = [{(mu, ta): StageMember(m.id, m.name, m.role, mu, ta) for mu in (False, True)
                       for ta in (False, True)} for m in self.base]
        self.muted = [False] * members
        self.talking = [False] * members
        self.count = listeners
        self.queue = [f"l-{n:06d}" for n in range(hands - 1)] + [OWN]
        self.hands_total = hands * 40  # a popular room: most raised hands are beyond the listed 100
        self.seq = 1

    def first_snapshot(self, now_wall: float) -> Snapshot:
        return self._snapshot(now_wall)

    def delta(self, now_wall: float) -> Delta:
        """One delta after the current seq: 60 % talking flip, 20 % mute flip, 20 % listener count."""
        rng, seq = self.rng, self.seq
        self.seq += 1
        r = rng.random()
        if r < 0.8:
            if r < 0.6:
                i = self._flip_talking()
            else:
                i = rng.randrange(len(self.looks))
                self.muted[i] = not self.muted[i]
            return Delta(seq + 1, seq, CONTROLLER, upsert=(self.looks[i][self.muted[i], self.talking[i]],))
        self.count = max(0, self.count + rng.randrange(-2_000, 2_500))
        return Delta(seq + 1, seq, CONTROLLER, listeners=ListenerCount(self.count, now_wall))

    def snapshot(self, now_wall: float) -> Snapshot:
        """The snapshot a reconnecting client takes: things moved on while it was away."""
        rng = self.rng
        self.seq += 1
        self._flip_talking()
        self.count = max(0, self.count + rng.randrange(-5_000, 5_500))
        self.queue.append(self.queue.pop(0))  # the queue moved on by one
        return self._snapshot(now_wall)

    def _flip_talking(self) -> int:
        """Someone starts or stops talking (someone stops when `talkers` already talk); returns who."""
        i = self.rng.randrange(len(self.talking))
        if not self.talking[i] and sum(self.talking) >= self.max_talkers:
            i = self.rng.choice([n for n, t in enumerate(self.talking) if t])
        self.talking[i] = not self.talking[i]
        return i

    def _snapshot(self, now_wall: float) -> Snapshot:
        members = tuple(StageMember(m.id, m.name, m.role, mu, ta)
                        for m, mu, ta in zip(self.base, self.muted, self.talking, strict=True))
        hands = tuple(Hand(h, f"Listener {h}", now_wall - 60.0 + n) for n, h in enumerate(self.queue))
        return Snapshot(self.seq, ROOM, CONTROLLER, TITLE, False, members, ListenerCount(self.count, now_wall),
                        hands, self.hands_total)
