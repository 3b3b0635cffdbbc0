"""Hosts keep order: host action → effect at 25 listeners, and the room controller under a big room's load.

Run inside the lab: python -m tests.lab.netlab run -- python -m benchmarks.host_actions [--markdown F]

Three Janus servers in the lab's server namespace, as a room with an origin and two edges is deployed (one room
id, the same secrets, channel N on each): the stage on the origin, feed N and channel N everywhere. The room
controller (app.controller.controller.RoomController, default poll intervals) runs in this process and nothing else
does, so this process's CPU is the controller's. Every client runs in a worker process
(benchmarks/host_actions_clients.py): 25 channel-only listeners spread over the three servers (RoomChannel +
RoomStateModel, production options), the host (a SpeakerSession on stage with a host pass, acting through
app.stage.host.HostDesk: signed whispers), target speakers (StageSpeaker, silent), and the crowd of the big stage.

1. Host action → effect: rounds of mute → lift (unmute) → promote → demote on a fresh target speaker each; per
   action, from the start of `await desk.<action>(…)` to the moment the last of the 25 listeners' models shows it
   (checked on every change of each model). A random 0.2–1.2 s pause before each action (a host's pace, not in
   step with the controller's 500 ms delta clock). In the quiet room and under the big room's load.
2. The big room, what the controller sees of it:
   - stage: the crowd are real AudioBridge participants on the origin, joined with the controller's passes but
     without media (AudioBridge 1.1.2 keeps a join without an offer: `listparticipants` lists it with
     `"setup": false`). So Janus answers every 250 ms poll with all of them, the controller's stage watcher gets
     Janus's real events, and the crowd mutes and unmutes itself for real (`configure`, 0.5/s). Simulated: the
     controller drops `setup: false` entries (not yet connected), so a shim on the poll's reply marks the crowd
     set up, and sets who talks (≤ 10 at once, ~6 flips/s) — media-less participants cannot talk; each flip is
     also delivered to the stage watcher as the talking event Janus would push (through the session's JSON
     dispatch). 200 participants with real audio would need 200 Opus encodes per 20 ms in Janus and 200 aiortc
     senders: more than the 2-core lab.
   - listeners: Janus counts viewers only of real WebRTC viewers; the edges' `info` replies are real, and
     50,000 ± the churn's net flow is added to each edge's `viewers` (100,000 counted on two edges).
   - churn: 50,000 joins and 50,000 leaves a minute (the May 2023 launch's +50k/min, with as many leaving so the
     count holds at ~100k) arrive as TextRoom `join`/`leave` events, the JSON Janus sends, handed to the
     controller's channel handle where its data channel hands them over (`TextRoomHandle._on_data`), half per
     edge; each edge's channel starts with 50,000 usernames. Real clients at that rate are impossible here (each
     needs a data channel, and Janus sends every join and leave to every participant); what the skipped DTLS/SCTP
     receive path costs per event is measured apart, with real clients joining and leaving on edge 2 at 150, 300
     and 600 events/s against the same rates handed over (calibration table), and added to the estimate.
   Measured in windows: the controller process's CPU (process time / wall), the Janus requests it sends
   (counted at JanusSession.send, by request), its announcements (bytes of text, and the fan-out Janus must push
   for them: bytes × each channel's participants, computed), messages from Janus, failures, and how long its own
   announcements take to come back on its data channel; Janus's CPU per server from /proc; the listeners' CPU. A
   harness window (the churn generator with a no-op target) says what the generator costs, and is subtracted.
   A 20 s cProfile of the controller at 200 members with churn follows the tables.
3. Where a host action's time goes: the desk's wait, → the controller, → announced, → accepted, → listeners.

Details, targets and results: benchmarks/README.md, README.md (Performance) and, in full, docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import io
import json
import logging
import os
import pstats
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.controller.controller import ControllerSecrets, RoomController
from app.controller.link import Answer, ControllerLink
from app.janus import JanusSession
from app.janus.streaming import StreamingHandle
from app.janus.textroom import TextRoomHandle
from app.janus.transport import WebSocketTransport
from app.local.janus_config import LocalRoomConfig
from app.local.room import LocalRoom
from app.room.protocol import Role
from benchmarks.listener import cpu_seconds
from tests.lab import netlab

ROOM = 1234
PORTS = (8188, 8189, 8190)  # origin, edge 1, edge 2
LABELS = ("origin", "edge 1", "edge 2")
ACTIONS = ("mute", "unmute (lift)", "promote", "demote")
VERBS = {"mute": "mute", "unmute (lift)": "unmute", "promote": "promote", "demote": "demote"}


def announces(kind: str, member_id: str, text: str) -> bool:
    """Whether announcement `text` shows host action `kind` on `member_id`."""
    obj = json.loads(text)
    members = {m["id"]: m for m in obj.get("members", obj.get("upsert", []))}
    m = members.get(member_id)
    if kind == "demote":
        return member_id in obj.get("remove", []) or ("members" in obj and m is None)
    if m is None:
        return False
    if kind == "mute":
        return bool(m["muted"] and m.get("held"))
    if kind == "unmute (lift)":
        return not m.get("held")
    return bool(m["role"] == "co-host")


# ============================================================================================== worker processes
class Worker:
    """A client worker process (benchmarks.host_actions_clients) spoken to in JSON lines."""

    def __init__(self, argv: list[str], on_ask: Callable[[dict[str, Any]], Any]) -> None:
        self.argv = argv
        self.on_ask = on_ask
        self.proc: asyncio.subprocess.Process | None = None
        self._calls: dict[int, asyncio.Future[Any]] = {}
        self._next = 0
        self._ready = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = await asyncio.create_subprocess_exec(*self.argv, stdin=asyncio.subprocess.PIPE,
                                                         stdout=asyncio.subprocess.PIPE, env=env, limit=2**24)
        self._reader = asyncio.create_task(self._read())
        async with asyncio.timeout(30):
            await asyncio.wait([asyncio.ensure_future(self._ready.wait()), self._reader],
                               return_when=asyncio.FIRST_COMPLETED)
        if not self._ready.is_set():
            raise RuntimeError(f"worker {self.argv[3:]} exited before it was ready")

    def _write(self, obj: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(obj) + "\n").encode())

    async def call(self, cmd: str, wait: float = 600.0, **args: Any) -> Any:
        self._next += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._calls[self._next] = future
        self._write({"id": self._next, "cmd": cmd, **args})
        async with asyncio.timeout(wait):
            return await future

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            msg = json.loads(line)
            if msg.get("ready"):
                self._ready.set()
            elif "ask" in msg:
                task = asyncio.create_task(self._answer(msg))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif "id" in msg:
                future = self._calls.pop(msg["id"])
                if "error" in msg:
                    future.set_exception(RuntimeError(f"worker: {msg['error']}"))
                else:
                    future.set_result(msg.get("ok"))
        for future in self._calls.values():
            if not future.done():
                future.set_exception(RuntimeError("the worker exited"))

    async def _answer(self, msg: dict[str, Any]) -> None:
        try:
            result = await self.on_ask(msg)
            self._write({"reply": msg["ask"], "ok": result})
        except Exception as exc:
            self._write({"reply": msg["ask"], "error": f"{type(exc).__name__}: {exc}"})

    async def close(self) -> None:
        if self.proc is None:
            return
        try:
            await self.call("close", wait=20)
        except Exception:
            pass
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


# ================================================================================================= the meter
class Meter:
    """Counts what this process (the controller) sends to and gets from Janus. Installed on the classes, before
    the controller connects."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.requests: collections.Counter[tuple[str, str]] = collections.Counter()  # (server, request)
        self.announced: collections.Counter[tuple[str, str]] = collections.Counter()  # (server, snapshot|delta)
        self.announced_bytes: collections.Counter[str] = collections.Counter()
        self.received: collections.Counter[str] = collections.Counter()  # WebSocket messages from Janus
        self.received_bytes: collections.Counter[str] = collections.Counter()
        self.injected: collections.Counter[str] = collections.Counter()  # of those, put there by the simulation
        self.channel_sends = 0  # data-channel requests (whispers)
        self.failures = 0  # "announcing failed" (an announcement that could not be encoded)

    def label(self, url: str) -> str:
        return self.labels.get(url, url)

    def install(self) -> None:
        meter = self
        send = JanusSession.send

        async def counted_send(session: JanusSession, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            kind = str(body.get("janus"))
            inner = body.get("body")
            if kind == "message" and isinstance(inner, dict):
                kind = str(inner.get("request"))
                if kind == "announcement":
                    text = str(inner.get("text", ""))
                    server = meter.label(session.url)
                    meter.announced[(server, "snapshot" if text.startswith('{"v":1,"type":"snapshot"')
                                     else "delta")] += 1
                    meter.announced_bytes[server] += len(text.encode())
            meter.requests[(meter.label(session.url), kind)] += 1
            return await send(session, body, **kwargs)

        JanusSession.send = counted_send  # type: ignore[method-assign]
        dispatch = WebSocketTransport._dispatch

        def counted_dispatch(transport: WebSocketTransport, frame: str | bytes) -> None:
            server = meter.label(transport.url)
            meter.received[server] += 1
            meter.received_bytes[server] += len(frame)
            dispatch(transport, frame)

        WebSocketTransport._dispatch = counted_dispatch  # type: ignore[method-assign]
        channel_send = TextRoomHandle._send

        def counted_channel_send(handle: TextRoomHandle, text: str) -> None:
            meter.channel_sends += 1
            channel_send(handle, text)

        TextRoomHandle._send = counted_channel_send  # type: ignore[method-assign]

        class Failures(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                if "announcing failed" in record.getMessage():
                    meter.failures += 1

        logging.getLogger("app.controller.controller").addHandler(Failures(logging.ERROR))

    def state(self) -> dict[str, Any]:
        return {"requests": collections.Counter(self.requests), "announced": collections.Counter(self.announced),
                "announced_bytes": collections.Counter(self.announced_bytes),
                "received": collections.Counter(self.received),
                "received_bytes": collections.Counter(self.received_bytes),
                "injected": collections.Counter(self.injected), "channel_sends": self.channel_sends,
                "failures": self.failures}


class Tracer:
    """Where a host action's time goes, in this (the controller's) process: when its whisper reached the
    controller, when the next announcement was posted, and when Janus accepted it on each server."""

    def __init__(self) -> None:
        self.actions: list[tuple[float, str]] = []  # (monotonic, verb) host actions received
        # (monotonic, text) announcements posted (once for all servers); (monotonic, server url, text) accepted
        self.posts: collections.deque[tuple[float, str]] = collections.deque(maxlen=500)
        self.accepted: collections.deque[tuple[float, str, str]] = collections.deque(maxlen=1500)
        self.echoes: collections.deque[tuple[float, str, str]] = collections.deque(maxlen=1500)

    def install(self) -> None:
        from app.controller.host_actions import HostActions

        tracer = self
        on_event = RoomController._on_channel_event

        def traced_on_event(controller: RoomController, link: ControllerLink, event: dict[str, Any]) -> None:
            if event.get("textroom") == "announcement":  # our own, back through Janus on our data channel
                tracer.echoes.append((time.monotonic(), link.url, str(event.get("text", ""))))
            on_event(controller, link, event)

        RoomController._on_channel_event = traced_on_event  # type: ignore[method-assign]
        on_action = HostActions.on_action

        def traced_on_action(hosts: HostActions, sender: str, action: Any, link: Any = None) -> None:
            tracer.actions.append((time.monotonic(), action.verb.value))
            on_action(hosts, sender, action, link)

        HostActions.on_action = traced_on_action  # type: ignore[method-assign]
        post = ControllerLink.post

        def traced_post(link: ControllerLink, text: str | Answer) -> None:
            if isinstance(text, str) and (not tracer.posts or tracer.posts[-1][1] is not text):
                tracer.posts.append((time.monotonic(), text))  # announcements; answers are counted by Askers
            post(link, text)

        ControllerLink.post = traced_post  # type: ignore[method-assign]
        announcement = TextRoomHandle.announcement

        async def traced_announcement(handle: TextRoomHandle, room: int, secret: str, text: str, **kw: Any) -> None:
            await announcement(handle, room, secret, text, **kw)
            tracer.accepted.append((time.monotonic(), handle.handle.session.url, text))

        TextRoomHandle.announcement = traced_announcement  # type: ignore[method-assign]

    def breakdown(self, t0: float, verb: str, shown: Callable[[str], bool]) -> dict[str, float] | None:
        """For the action started at t0: ms to the controller, to the first announcement after it that shows
        the change (`shown(text)`), and to the last server's acceptance of that announcement."""
        got = next((t for t, v in self.actions if t >= t0 - 0.001 and v == verb), None)
        if got is None:
            return None
        posted = next(((t, text) for t, text in self.posts if t >= got and shown(text)), None)
        if posted is None:
            return {"to controller": (got - t0) * 1000}
        done = [t for t, _, text in self.accepted if text is posted[1]]
        out = {"to controller": (got - t0) * 1000, "announced": (posted[0] - got) * 1000}
        if done:
            out["accepted"] = (max(done) - posted[0]) * 1000
        return out


# ========================================================================================== the big room's shims
class Viewers:
    """Adds simulated viewers to the real `info` replies of the edges (Janus counts only real WebRTC viewers)."""

    def __init__(self) -> None:
        self.extra: dict[str, int] = {}

    def install(self) -> None:
        info = StreamingHandle.info
        extra = self.extra

        async def counted_info(handle: StreamingHandle, mountpoint: int, secret: str | None = None) -> dict[str, Any]:
            reply = await info(handle, mountpoint, secret)
            add = extra.get(handle.handle.session.url, 0)
            if add and isinstance(reply.get("viewers"), int):
                reply["viewers"] += add
            return reply

        StreamingHandle.info = counted_info  # type: ignore[method-assign]


class StageSim:
    """The media-less crowd as the controller would see speakers with audio: marked set up in each poll's reply,
    and some of them talking (≤ `talkers` at once, `flip_rate` starts/stops a second), each flip also pushed to
    the stage watcher as Janus's talking event."""

    def __init__(self, controller: RoomController, meter: Meter, *, talkers: int = 10, flip_rate: float = 6.0,
                 seed: int = 5) -> None:
        self.controller = controller
        self.meter = meter
        self.talkers = talkers
        self.flip_rate = flip_rate
        self.rng = random.Random(seed)
        self.ids: set[str] = set()
        self.talking: set[str] = set()
        self.unmuted: set[str] = set()
        self.flips = 0
        self.shim_seconds = 0.0  # time spent in the shim itself (not the controller)
        self.link = controller.links[0]
        self._real = self.link._on_stage
        self.link._on_stage = self._on_stage  # type: ignore[method-assign]
        self._task: asyncio.Task[None] | None = None

    def _on_stage(self, participants: list[dict[str, Any]], asked_at: float | None = None) -> None:
        t0 = time.perf_counter()
        for p in participants:
            pid = str(p.get("id"))
            if pid in self.ids:
                p["setup"] = True
                muted = p.get("muted") is True
                if muted:
                    self.unmuted.discard(pid)
                    self.talking.discard(pid)
                else:
                    self.unmuted.add(pid)
                p["talking"] = pid in self.talking
        self.shim_seconds += time.perf_counter() - t0
        self._real(participants, asked_at)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="stage-sim")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.talking.clear()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.rng.expovariate(self.flip_rate))
            t0 = time.perf_counter()
            quiet = sorted(self.unmuted - self.talking)
            start = quiet and (not self.talking or (len(self.talking) < self.talkers and self.rng.random() < 0.5))
            if start:
                pid = self.rng.choice(quiet)
                self.talking.add(pid)
            elif self.talking:
                pid = self.rng.choice(sorted(self.talking))
                self.talking.discard(pid)
            else:
                continue
            self.flips += 1
            link = self.link
            if link.session is not None and link.stage is not None:
                event = {"janus": "event", "session_id": link.session.session_id,
                         "sender": link.stage.handle.handle_id,
                         "plugindata": {"plugin": "janus.plugin.audiobridge",
                                        "data": {"audiobridge": "talking" if start else "stopped-talking",
                                                 "room": ROOM, "id": int(pid)}}}
                text = json.dumps(event)
                self.meter.injected[self.meter.label(link.url)] += 1
                self.shim_seconds += time.perf_counter() - t0
                link.session.transport._dispatch(text)
            else:
                self.shim_seconds += time.perf_counter() - t0


class ChurnSim:
    """TextRoom join/leave events at the launch's rate, handed to the controller's channel handles on the edges
    as their data channels would (`_on_data`); each edge's channel starts with `population` usernames."""

    def __init__(self, controller: RoomController, meter: Meter, viewers: Viewers, edges: list[ControllerLink], *,
                 population: int, seed: int = 7) -> None:
        self.controller = controller
        self.meter = meter
        self.viewers = viewers
        self.edges = edges
        self.population = population
        self.rng = random.Random(seed)
        self.pool: dict[str, list[str]] = {}
        self.net: dict[str, int] = {link.url: 0 for link in edges}
        self.joins = self.leaves = 0
        self.noop = False  # harness measurement: build the events, hand them to nobody
        self._task: asyncio.Task[None] | None = None

    def seed_population(self) -> None:
        for link in self.edges:
            names = [f"l-{secrets.token_hex(5)}" for _ in range(self.population)]
            self.pool[link.url] = names
            link.participants.update((n, "Listener") for n in names)
            self.viewers.extra[link.url] = self.population

    def start(self, joins_per_s: float, leaves_per_s: float, edges: list[ControllerLink] | None = None) -> None:
        self.stop_now()
        self._task = asyncio.create_task(self._run(joins_per_s, leaves_per_s, edges or self.edges), name="churn")

    def stop_now(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _deliver(self, link: ControllerLink, text: str) -> None:
        if self.noop or link.textroom is None:
            return
        link.textroom._on_data(text)

    async def _run(self, joins_per_s: float, leaves_per_s: float, edges: list[ControllerLink]) -> None:
        t0 = time.monotonic()
        done_j = done_l = 0
        share = len(edges)
        while True:
            await asyncio.sleep(0.01)
            elapsed = time.monotonic() - t0
            due_j = int(joins_per_s * elapsed) - done_j
            due_l = int(leaves_per_s * elapsed) - done_l
            events: list[tuple[bool, ControllerLink]] = (
                [(True, edges[(done_j + i) % share]) for i in range(due_j)]
                + [(False, edges[(done_l + i) % share]) for i in range(due_l)])
            self.rng.shuffle(events)
            done_j += due_j
            done_l += due_l
            for join, link in events:
                pool = self.pool.setdefault(link.url, [])
                if join:
                    name = f"l-{secrets.token_hex(5)}"
                    pool.append(name)
                    text = json.dumps({"textroom": "join", "room": ROOM, "username": name, "display": "Listener"})
                    self.joins += 1
                    self.net[link.url] = self.net.get(link.url, 0) + 1
                else:
                    if not pool:
                        continue
                    i = self.rng.randrange(len(pool))
                    pool[i], pool[-1] = pool[-1], pool[i]
                    name = pool.pop()
                    text = json.dumps({"textroom": "leave", "room": ROOM, "username": name})
                    self.leaves += 1
                    self.net[link.url] = self.net.get(link.url, 0) - 1
                self._deliver(link, text)
            for link in edges:
                if link.url in self.viewers.extra:
                    self.viewers.extra[link.url] = self.population + self.net.get(link.url, 0)


# ================================================================================================== windows
@dataclass
class Window:
    name: str
    seconds: float
    cpu: float  # % of one core
    load: tuple[float, float]  # loadavg (1 min) at the start and the end
    janus_cpu: dict[str, float]
    workers_cpu: float
    counts: dict[str, Any]
    members: int
    counted: int | None
    churn_per_s: float
    shim_cpu: float  # % of one core spent in the stage shim
    audience: dict[str, int]  # channel N's participants per server at the end (who gets each announcement)
    listeners_cpu: float  # % of one core of the listener workers, all listeners together
    notes: dict[str, Any] = field(default_factory=dict)

    def rate(self, key: str) -> float:
        value = self.counts[key]
        total = sum(value.values()) if isinstance(value, collections.Counter) else value
        return total / self.seconds


def diff(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in b.items():
        out[key] = value - a[key]
    return out


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rooms: list[LocalRoom] = []
        self.controller: RoomController | None = None
        self.meter: Meter | None = None
        self.stage_sim: StageSim | None = None
        self.churn: ChurnSim | None = None
        self.viewers = Viewers()
        self.workers: list[Worker] = []
        self.windows: list[Window] = []
        self.samples: dict[str, list[tuple[str, float | None]]] = {}
        self.calibration: dict[str, Any] = {}
        self.profile_text = ""
        self.stage: Worker | None = None
        self.listener_workers: list[Worker] = []
        self.tracer: Tracer | None = None
        self.breakdowns: dict[str, list[tuple[str, dict[str, float]]]] = {}
        self.acks: dict[str, list[float]] = {}  # ms from `await desk.<action>` to Janus's delivery report
        self.room_state = ""
        self.rng = random.Random(11)

    @property
    def urls(self) -> list[str]:
        return [room.config.ws_url for room in self.rooms]

    # ------------------------------------------------------------------------------------------ set up
    async def start_servers(self) -> None:
        prefix = ["ip", "netns", "exec", netlab.SERVER_NS]
        origin_config = LocalRoomConfig(room_id=ROOM, title="Launch night", ws_ip=netlab.SERVER_IP, ws_port=PORTS[0],
                                        forward_port=0, ice_enforce_list=netlab.SERVER_IF)
        for port in PORTS:
            config = origin_config if port == PORTS[0] else LocalRoomConfig(
                room_id=ROOM, title="Launch night", ws_ip=netlab.SERVER_IP, ws_port=port, forward_port=0,
                ice_enforce_list=netlab.SERVER_IF, secrets=origin_config.secrets)
            room = LocalRoom(config, prefix=prefix, speaker=None, controller=False)
            self.rooms.append(room)
            await room.start()

    async def start_controller(self) -> RoomController:
        self.meter = Meter(dict(zip(self.urls, LABELS, strict=True)))
        self.meter.install()
        self.viewers.install()
        self.tracer = Tracer()
        self.tracer.install()
        s = self.rooms[0].config.secrets
        controller = RoomController(self.urls, ROOM, ControllerSecrets(stage=s.stage, feed=s.feed, channel=s.channel),
                                    "Launch night", ice_servers=[])
        self.controller = controller
        self.stage_sim = StageSim(controller, self.meter, talkers=self.args.talkers, flip_rate=self.args.flip_rate)
        self.churn = ChurnSim(controller, self.meter, self.viewers, controller.links[1:],
                              population=self.args.listeners_per_edge)
        await controller.start()
        if len(controller.connected_servers) != len(self.urls):
            raise RuntimeError(f"the controller reached only {controller.connected_servers}")
        await controller.announced.wait()
        return controller

    async def on_ask(self, msg: dict[str, Any]) -> Any:
        assert self.controller is not None
        if msg["cmd"] == "admit":
            p = await self.controller.admit(msg["display"], Role(msg["role"]))
            return {"room": p.room, "stage_id": p.stage_id, "token": p.token}
        if msg["cmd"] == "admit_many":
            out = []
            for i in range(msg["n"]):
                display = f"{msg['prefix']}{msg['start'] + i + 1}"
                p = await self.controller.admit(display, Role.SPEAKER)
                out.append({"room": p.room, "stage_id": p.stage_id, "token": p.token, "display": display})
            return out
        raise ValueError(f"unknown ask {msg['cmd']!r}")

    async def worker(self, role: str, *extra: str) -> Worker:
        argv = [sys.executable, "-m", "benchmarks.host_actions_clients", "--role", role, *extra]
        w = Worker(argv, self.on_ask)
        self.workers.append(w)
        await w.start()
        return w

    async def start_clients(self) -> None:
        """The stage worker (host, targets, crowd) and the listeners, a few per process."""
        args = self.args
        self.stage = await self.worker("stage", "--origin", self.urls[0])
        per = -(-args.listeners // args.listener_procs)
        for first in range(0, args.listeners, per):
            n = min(per, args.listeners - first)
            self.listener_workers.append(await self.worker("listeners", "--servers", ",".join(self.urls),
                                                           "--n", str(n), "--first", str(first)))
        await asyncio.gather(*(w.call("open") for w in self.listener_workers))
        await self.stage.call("host")
        await self.seen_by_all("present", "Hana", 15.0)

    async def seen_by_all(self, kind: str, name: str, timeout: float, act: Callable[[], Any] | None = None
                          ) -> tuple[float | None, dict[str, float | None]]:
        """Arm every listener for `kind` on member `name`, do `act` (which returns the start time, else now), and
        return the seconds until the last listener showed it (None: not all within `timeout`) and the same per
        server."""
        await asyncio.gather(*(w.call("arm", kind=kind, name=name) for w in self.listener_workers))
        t0 = await act() if act is not None else time.monotonic()
        got = await asyncio.gather(*(w.call("collect", timeout=timeout) for w in self.listener_workers))
        seen = [x for part in got for x in part]
        per_server: dict[str, float | None] = {}
        for x in seen:
            label = self.meter.label(x["server"]) if self.meter is not None else x["server"]
            took = None if x["at"] is None else x["at"] - t0
            before = per_server.get(label, 0.0)
            per_server[label] = None if took is None or before is None else max(before, took)
        if any(x["at"] is None for x in seen):
            return None, per_server
        return max(x["at"] for x in seen) - t0, per_server

    async def rounds(self, n: int, timeout: float) -> list[tuple[str, float | None]]:
        """`n` rounds of mute → lift → promote → demote, each on a fresh target speaker."""
        assert self.stage is not None
        stage = self.stage
        samples: list[tuple[str, float | None]] = []
        for _ in range(n):
            try:
                target = await stage.call("target")
            except RuntimeError as exc:  # the join failed (a loaded lab): no samples, and say so
                print(f"    a target could not join the stage ({exc}): no samples this round", flush=True)
                samples.extend((kind, None) for kind in ACTIONS)
                continue
            arrived, _ = await self.seen_by_all("present", target["name"], 15.0)
            if arrived is None:
                print(f"    {target['name']} never shown by every listener: no samples this round", flush=True)
                await self.diagnose(target["id"])
                samples.extend((kind, None) for kind in ACTIONS)
                await self.drop(target)
                continue
            for kind in ACTIONS:
                await asyncio.sleep(self.rng.uniform(0.2, 1.2))  # a host's pace, not the announcement clock's
                started: list[float] = []

                async def act(kind: str = kind, member_id: str = target["id"], started: list[float] = started
                              ) -> float:
                    got = await stage.call("act", kind=kind, member_id=member_id)
                    started.append(got["t0"])
                    if got["acked"] is None:
                        print(f"    {kind}: {got['error']}", flush=True)
                    else:
                        self.acks.setdefault(self.room_state, []).append((got["acked"] - got["t0"]) * 1000)
                    return float(got["t0"])

                took, per_server = await self.seen_by_all(kind, target["name"], timeout, act)
                samples.append((kind, took))
                if self.tracer is not None:
                    parts = self.tracer.breakdown(started[0], VERBS[kind],
                                                  lambda text, kind=kind, m=target["id"]: announces(kind, m, text))
                    if parts is not None and took is not None and len(parts) == 3:
                        parts["to listeners"] = took * 1000 - sum(parts.values())
                        self.breakdowns.setdefault(self.room_state, []).append((kind, parts))
                    if took is None or took > 1.5:
                        print(f"    breakdown ms: {parts}", flush=True)
                if took is None or took > 1.5:
                    shown = ", ".join(f"{k} {'—' if v is None else f'{v * 1000:.0f}'}" for k, v in per_server.items())
                    print(f"    slow: {kind} of {target['name']}: last listener per server (ms) {shown}", flush=True)
            await self.drop(target)
        return samples

    async def drop(self, target: dict[str, Any]) -> None:
        """The target leaves, and its pass is withdrawn at once: an away pass keeps its seat for the grace period
        (a speaker reconnecting), and with 2 seats left on the 200-member stage the next rounds found it full."""
        assert self.stage is not None and self.controller is not None
        await self.stage.call("drop", name=target["name"])
        await self.controller.revoke(int(target["id"]))

    async def diagnose(self, member_id: str) -> None:
        """Where a member that no listener showed got lost: the controller's book, each listener's seq and stage."""
        controller = self.controller
        assert controller is not None
        views = await self.views()
        shown = sum(1 for v in views if member_id in v["ids"])
        print(f"    diagnosis {member_id}: in the controller's book {member_id in controller.book.members} "
              f"(book {len(controller.book.members)} members, seq {controller.book.seq}, passes "
              f"{len(controller.passes)}); shown by {shown}/{len(views)} listeners; listeners' seqs "
              f"{sorted({v['seq'] for v in views}, key=str)}, stage sizes {sorted({v['members'] for v in views})}, "
              f"assembling parts {sum(1 for v in views if v['assembling'])}", flush=True)

    async def views(self) -> list[dict[str, Any]]:
        got = await asyncio.gather(*(w.call("views") for w in self.listener_workers))
        return [x for part in got for x in part]

    # ------------------------------------------------------------------------------------------ measuring
    def janus_seconds(self) -> dict[str, float]:
        out = {}
        for room, label in zip(self.rooms, LABELS, strict=True):
            pid = room.janus.pid if room.janus is not None else None
            out[label] = cpu_seconds(pid) if pid else 0.0
        return out

    def workers_seconds(self, workers: list[Worker] | None = None) -> float:
        total = 0.0
        for w in self.workers if workers is None else workers:
            if w.proc is not None and w.proc.returncode is None:
                try:
                    total += cpu_seconds(w.proc.pid)
                except OSError:
                    pass
        return total

    async def window(self, name: str, seconds: float, **notes: Any) -> Window:
        assert self.meter is not None and self.controller is not None and self.stage_sim is not None
        assert self.churn is not None
        load0 = os.getloadavg()[0]
        c0, w0, j0, k0 = time.process_time(), time.monotonic(), self.janus_seconds(), self.workers_seconds()
        l0 = self.workers_seconds(self.listener_workers)
        m0, s0 = self.meter.state(), self.stage_sim.shim_seconds
        e0 = self.churn.joins + self.churn.leaves
        askers = self.controller.askers
        a0, b0 = askers.answered, askers.broadcast
        await asyncio.sleep(seconds)
        c1, w1, j1, k1 = time.process_time(), time.monotonic(), self.janus_seconds(), self.workers_seconds()
        l1 = self.workers_seconds(self.listener_workers)
        m1, s1 = self.meter.state(), self.stage_sim.shim_seconds
        e1 = self.churn.joins + self.churn.leaves
        wall = w1 - w0
        listeners = self.controller.book.listeners
        win = Window(name, wall, 100 * (c1 - c0) / wall, (load0, os.getloadavg()[0]),
                     {k: 100 * (j1[k] - j0[k]) / wall for k in j0}, 100 * (k1 - k0) / wall, diff(m0, m1),
                     len(self.controller.book.members), None if listeners is None else listeners.count,
                     (e1 - e0) / wall, 100 * (s1 - s0) / wall,
                     {self.meter.label(link.url): len(link.participants) + 1 for link in self.controller.links},
                     100 * (l1 - l0) / wall, dict(notes))
        win.notes["answered/s"] = (askers.answered - a0) / wall  # joiners and syncs whispered the state
        win.notes["broadcast answers/s"] = (askers.broadcast - b0) / wall
        if self.tracer is not None:
            posted = {text: t for t, text in self.tracer.posts}
            lags = [(t - posted[text]) * 1000 for t, _, text in self.tracer.echoes if w0 <= t <= w1 and text in posted]
            win.notes["echo"] = (statistics.median(lags), percentile(lags, 95)) if lags else None
        self.windows.append(win)
        print(f"  window {name}: CPU {win.cpu:.1f} % (load {win.load[0]:.2f}→{win.load[1]:.2f}), "
              f"{sum(win.counts['requests'].values()) / wall:.1f} requests/s, members {win.members}, "
              f"count {win.counted}, churn {win.churn_per_s:.0f}/s, failures {win.counts['failures']}; clients' CPU "
              f"{win.workers_cpu:.0f} %, Janus {' / '.join(f'{v:.0f}' for v in win.janus_cpu.values())} %; answered "
              f"{win.notes['answered/s']:.0f}/s, broadcast answers {win.notes['broadcast answers/s']:.1f}/s",
              flush=True)
        return win

    async def profile(self, seconds: float) -> None:
        profiler = cProfile.Profile()
        profiler.enable()
        await asyncio.sleep(seconds)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(r"app/(controller|room|janus)", 25)
        self.profile_text = out.getvalue()

    async def settle(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not within {timeout:g} s")
            await asyncio.sleep(0.1)

    # ------------------------------------------------------------------------------------------ the run
    async def run(self) -> None:
        args = self.args
        await self.start_servers()
        controller = await self.start_controller()
        assert self.churn is not None and self.stage_sim is not None
        print(f"servers {self.urls}; controller {controller.username}", flush=True)

        # Calibration: what the data channel's receive path costs per event, with real clients on edge 2.
        rates = [float(r) for r in args.calibrate_rate.split(",") if float(r) > 0]
        if rates:
            await asyncio.sleep(2)
            await self.window("calibration: idle", args.cal_seconds, phase="cal", rate=0.0)
            edge2 = controller.links[2]
            for rate in rates:
                churner = await self.worker("churn", "--origin", self.urls[2])
                await churner.call("start", handles=args.calibrate_handles, rate=rate)
                await asyncio.sleep(2)
                real = await self.window(f"calibration: real joins/leaves, {rate:g}/s", args.cal_seconds,
                                         phase="cal", rate=rate, kind="real")
                result = await churner.call("stop")
                await churner.close()
                self.workers.remove(churner)
                real.churn_per_s = result["rate"]
                await asyncio.sleep(2)
                self.churn.pool[edge2.url] = []
                self.churn.start(rate / 2, rate / 2, [edge2])
                await asyncio.sleep(1)
                await self.window(f"calibration: injected joins/leaves, {rate:g}/s", args.cal_seconds, phase="cal",
                                  rate=rate, kind="injected")
                self.churn.stop_now()
                self.churn.pool.clear()
                await asyncio.sleep(2)
            if args.only_calibration:
                return

        await self.start_clients()
        assert self.stage is not None
        print(f"{args.listeners} listeners and the host are in", flush=True)
        await asyncio.sleep(2)
        await self.window("quiet room", args.seconds, phase="load")
        self.room_state = "quiet room"
        self.samples["quiet room"] = await self.rounds(args.rounds, args.timeout)
        print(f"  quiet room rounds: {summary_line(self.samples['quiet room'])}", flush=True)

        # The big room, first at the largest stage whose snapshot fits one message, then at 200 (in parts).
        self.churn.seed_population()
        crowd = await self.stage.call("crowd", n=args.fit_members - 1)
        self.stage_sim.ids.update(crowd["ids"])
        self.stage_sim.start()
        await self.stage.call("crowd_flips", rate=args.mute_flip_rate)
        self.churn.start(args.joins_per_min / 60, args.leaves_per_min / 60)
        await self.settle(lambda: len(controller.book.members) >= args.fit_members, 20, "the crowd on stage")
        await asyncio.sleep(5)
        await self.window(f"big room, {len(controller.book.members)} members", args.seconds, phase="load")
        views = await self.views()
        name = self.room_state = f"big room, {args.fit_members} members"
        self.samples[name] = await self.rounds(args.rounds, args.timeout)
        print(f"  {name} rounds: {summary_line(self.samples[name])}; listeners saw "
              f"{sorted({v['members'] for v in views})} members, counts "
              f"{sorted({v['count'] for v in views}, key=str)}", flush=True)

        # The stage holds MAX_MEMBERS passes (the host's included): the crowd leaves a seat for the round's target
        # and one for the last round's, whose pass may still be going.
        crowd = await self.stage.call("crowd", n=args.members - len(controller.passes) - 2)
        self.stage_sim.ids.update(crowd["ids"])
        # All of the crowd (the rounds' targets may have left meanwhile, so the total can end a little under 200).
        await self.settle(lambda: self.stage_sim.ids <= set(controller.book.members), 40, "the crowd on stage")
        await asyncio.sleep(5)
        full = await self.window(f"big room, {len(controller.book.members)} members", args.seconds, phase="load")
        self.churn.noop = True
        await asyncio.sleep(1)
        noop = await self.window("harness: churn generator alone (no-op target)", args.seconds, phase="harness")
        self.churn.stop_now()
        self.churn.noop = False
        await asyncio.sleep(2)
        await self.window(f"big room, {len(controller.book.members)} members, no churn", args.seconds,
                          phase="load")
        self.churn.start(args.joins_per_min / 60, args.leaves_per_min / 60)
        await asyncio.sleep(2)
        if args.profile_seconds > 0:
            await self.profile(args.profile_seconds)
        name = self.room_state = f"big room, {args.members} members"
        self.samples[name] = await self.rounds(args.rounds_at_max, args.timeout)
        views = await self.views()
        full.notes["views"] = noop.notes["views"] = views
        print(f"  {name} rounds: {summary_line(self.samples[name])}; listeners' sources "
              f"{dict(collections.Counter(v['source'] for v in views))}, members seen "
              f"{sorted({v['members'] for v in views})}", flush=True)
        self.churn.stop_now()
        await self.stage_sim.stop()

    async def close(self) -> None:
        if self.churn is not None:
            self.churn.stop_now()
        for w in list(self.workers):
            await w.close()
        if self.controller is not None:
            await self.controller.close()
        for room in self.rooms:
            await room.close()


# ==================================================================================================== tables
def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def summary_line(samples: list[tuple[str, float | None]]) -> str:
    seen = [s for _, s in samples if s is not None]
    if not seen:
        return f"0/{len(samples)} seen"
    slowest = sorted(((s, a, i // len(ACTIONS)) for i, (a, s) in enumerate(samples) if s is not None),
                     reverse=True)[:3]
    return (f"{len(seen)}/{len(samples)} seen, median {statistics.median(seen) * 1000:.0f} ms, "
            f"p95 {percentile(seen, 95) * 1000:.0f} ms; slowest "
            + ", ".join(f"{a} {s * 1000:.0f} ms (round {r + 1})" for s, a, r in slowest))


def action_rows(samples: dict[str, list[tuple[str, float | None]]]) -> list[list[str]]:
    rows = []
    for room, got in samples.items():
        for action in (*ACTIONS, "all"):
            values = [s for a, s in got if action in ("all", a)]
            seen = [s * 1000 for s in values if s is not None]
            if not values:
                continue
            if seen:
                rows.append([room, action, f"{len(seen)}/{len(values)}", f"{statistics.median(seen):.0f}",
                             f"{percentile(seen, 95):.0f}", f"{max(seen):.0f}"])
            else:
                rows.append([room, action, f"0/{len(values)}", "—", "—", "—"])
    return rows


def fanout(win: Window) -> float:
    """Bytes a second Janus must push to channel N's participants for these announcements (computed: each
    server's announcement bytes × the participants of its channel, the controller included)."""
    per_server = win.counts["announced_bytes"]
    return sum(per_server[server] * win.audience.get(server, 0) for server in per_server) / win.seconds


def load_rows(windows: list[Window], harness: float, listeners: int) -> list[list[str]]:
    rows = []
    for win in windows:
        if win.notes.get("phase") != "load":
            continue
        req = win.counts["requests"]
        by_kind: collections.Counter[str] = collections.Counter()
        for (_, kind), n in req.items():
            by_kind[kind] += n
        main = ", ".join(f"{k} {n / win.seconds:.1f}" for k, n in by_kind.most_common()
                         if k in ("listparticipants", "info", "announcement", "mute", "allowed", "kick"))
        other = sum(n for k, n in by_kind.items()
                    if k not in ("listparticipants", "info", "announcement", "mute", "allowed", "kick"))
        ann = win.counts["announced"]
        snaps = sum(n for (_, t), n in ann.items() if t == "snapshot") / win.seconds
        deltas = sum(n for (_, t), n in ann.items() if t == "delta") / win.seconds
        received = sum(win.counts["received"].values()) - sum(win.counts["injected"].values())
        churn = win.churn_per_s
        own = win.cpu - win.shim_cpu - (harness if churn > 0 else 0.0)
        rows.append([
            win.name, str(win.members), f"{win.counted:,}" if win.counted is not None else "—", f"{churn:.0f}",
            f"{own:.1f} %", f"{win.load[0]:.2f}–{win.load[1]:.2f}",
            f"{sum(req.values()) / win.seconds:.1f} ({main}; other {other / win.seconds:.1f})",
            f"{snaps / len(LABELS):.2f} / {deltas / len(LABELS):.2f}",
            f"{win.rate('announced_bytes') / 1024:.1f}",
            f"{fanout(win) / 1e6:,.1f}",
            f"{win.counts['failures'] / win.seconds:.2f}",
            f"{received / win.seconds:.0f}",
            " / ".join(f"{win.janus_cpu[k]:.0f}" for k in LABELS),
            f"{win.listeners_cpu / listeners:.2f} %",
            "—" if not win.notes.get("echo") else f"{win.notes['echo'][0]:.0f} / {win.notes['echo'][1]:.0f}",
        ])
    return rows


LOAD_HEAD = ["window", "stage members", "listeners counted", "churn events/s", "controller CPU, % of a core",
             "load avg", "Janus requests/s (by request)", "snapshots / deltas per server per s",
             "announcement KiB/s sent", "Janus fan-out MB/s (computed)", "failed announcements/s",
             "Janus API messages from Janus/s", "Janus CPU % origin / edge 1 / edge 2",
             "CPU per listener (25 in 5 processes)",
             "announcement → back on the controller's data channel, ms (median / p95)"]
ACTION_HEAD = ["room", "host action", "seen by all 25", "median ms", "p95 ms", "max ms"]


def table(head: list[str], rows: list[list[str]]) -> tuple[str, str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    text = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + "\n"
    text += "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
    md = "| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n"
    md += "\n".join("| " + " | ".join(r) + " |" for r in rows)
    return text, md


def report(bench: Bench) -> str:
    args = bench.args
    out_text: list[str] = []
    out_md: list[str] = []
    text, md = table(ACTION_HEAD, action_rows(bench.samples))
    out_text += ["", "1. Host action → effect seen by all listeners (from `await desk.<action>` to the last model)",
                 text]
    out_md += ["**1. Host action → effect seen by all 25 listeners, ms**", "", md]

    windows = {w.name: w for w in bench.windows}
    harness_win = next((w for w in bench.windows if w.notes.get("phase") == "harness"), None)
    churn_full = next((w for w in bench.windows if w.notes.get("phase") == "load" and w.churn_per_s > 0
                       and w.members >= args.members), None)
    no_churn = next((w for w in bench.windows if w.name.endswith("no churn")), None)
    harness = 0.0
    if harness_win is not None and no_churn is not None:
        harness = max(0.0, harness_win.cpu - no_churn.cpu)
    text, md = table(LOAD_HEAD, load_rows(bench.windows, harness, args.listeners))
    out_text += ["", "2. The controller under load (windows of "
                 f"{args.seconds:g} s; CPU minus the harness: the churn generator {harness:.1f} %, the stage shim)",
                 text]
    out_md += ["", f"**2. The room controller, {args.seconds:g} s windows**", "", md]
    if churn_full is not None:
        out_text.append(f"   (fan-out: each server's announcement bytes × its channel's participants, "
                        f"{churn_full.audience} at {churn_full.members} members; computed, not measured)")
    rows = []
    for room, parts in bench.breakdowns.items():
        segments = ("to controller", "announced", "accepted", "to listeners")
        cells = []
        for seg in segments:
            values = [p[seg] for _, p in parts if seg in p]
            cells.append(f"{statistics.median(values):.0f} / {percentile(values, 95):.0f}" if values else "—")
        acks = bench.acks.get(room, [])
        rows.append([room, str(len(parts)), f"{statistics.median(acks):.0f} / {percentile(acks, 95):.0f}"
                     if acks else "—", *cells])
    if rows:
        text, md = table(["room", "actions", "`await desk.<action>` (Janus reports the whisper delivered)",
                          "desk → controller", "controller → announcement posted",
                          "posted → accepted by every server", "→ last listener's model"], rows)
        out_text += ["", "Where the time goes (ms, median / p95)", text]
        out_md += ["", "**Where a host action's time goes, ms, median / p95**", "", md]

    cal = [w for w in bench.windows if w.notes.get("phase") == "cal"]
    if cal:
        rows = [[w.name, f"{w.churn_per_s:.0f}", f"{w.cpu:.1f} %", f"{w.load[0]:.2f}–{w.load[1]:.2f}"]
                for w in cal]
        text, md = table(["window", "events/s", "controller CPU", "load avg"], rows)
        lines = []
        extra = 0.0
        for rate in sorted({w.notes["rate"] for w in cal if w.notes["rate"] > 0}):
            real = next(w for w in cal if w.notes["rate"] == rate and w.notes.get("kind") == "real")
            injected = next(w for w in cal if w.notes["rate"] == rate and w.notes.get("kind") == "injected")
            extra = (real.cpu - injected.cpu) / 100 / max(real.churn_per_s, 1e-9) * 1e6
            lines.append(f"at {real.churn_per_s:.0f} events/s the real data channel costs {extra:.0f} µs an event "
                         f"more than events handed over")
        if churn_full is not None and lines:
            full_own = churn_full.cpu - churn_full.shim_cpu - harness
            added = extra * churn_full.churn_per_s / 1e4
            lines.append(f"at {churn_full.churn_per_s:.0f} events/s (the big room) that adds ≈ {added:.1f} % → "
                         f"controller at {churn_full.members} members ≈ {full_own + added:.1f} % of a core")
        out_text += ["", "3. Calibration: join/leave events through a real data channel vs handed over", text, *lines]
        out_md += ["", "**3. Calibration: real join/leave events vs injected (edge 2, no listeners)**", "", md, "",
                   "; ".join(lines)]
    if bench.profile_text:
        out_text += ["", f"4. Profile of the controller process ({args.profile_seconds:g} s at {args.members} "
                     "members with churn)", bench.profile_text]
    del windows
    if args.markdown:
        Path(args.markdown).write_text("\n".join(out_md) + "\n")
    return "\n".join(out_text)


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # At 200 members every snapshot fails to encode: counted by the meter, not printed (a traceback each).
    logging.getLogger("app.controller.controller").propagate = False
    print(f"uptime: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    bench = Bench(args)
    try:
        await bench.run()
    finally:
        await bench.close()
    print(report(bench))
    print(f"\nuptime: {Path('/proc/loadavg').read_text().strip()}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--listeners", type=int, default=25)
    parser.add_argument("--listener-procs", type=int, default=5, help="worker processes for the listeners")
    parser.add_argument("--timeout", type=float, default=5.0, help="an action not seen by all within it: missed")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of the four actions per room state")
    parser.add_argument("--rounds-at-max", type=int, default=3, help="rounds at --members (it may not fit)")
    parser.add_argument("--members", type=int, default=200, help="the big stage")
    parser.add_argument("--fit-members", type=int, default=160,
                        help="a mid-size stage, measured first (the largest whose snapshot fits one message)")
    parser.add_argument("--listeners-per-edge", type=int, default=50_000)
    parser.add_argument("--joins-per-min", type=float, default=50_000)
    parser.add_argument("--leaves-per-min", type=float, default=50_000)
    parser.add_argument("--talkers", type=int, default=10)
    parser.add_argument("--flip-rate", type=float, default=6.0, help="talking starts/stops a second on the stage")
    parser.add_argument("--mute-flip-rate", type=float, default=0.5, help="crowd self-mute toggles a second")
    parser.add_argument("--seconds", type=float, default=30.0, help="each CPU window")
    parser.add_argument("--cal-seconds", type=float, default=20.0)
    parser.add_argument("--calibrate-rate", default="150,300,600",
                        help="real joins+leaves a second, comma-separated rates (0: skip)")
    parser.add_argument("--only-calibration", action="store_true")
    parser.add_argument("--calibrate-handles", type=int, default=12)
    parser.add_argument("--profile-seconds", type=float, default=20.0)
    parser.add_argument("--markdown", metavar="FILE")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
