"""The clients of benchmarks.host_actions, in worker processes (so the controller's process holds the controller
alone, and listeners are spread like separate clients): role `listeners` (a few channel-only listeners that note
when their models show a host action), role `stage` (the host with its HostDesk, target speakers, the crowd of
media-less stage participants) and role `churn` (TextRoom clients that join and leave channel N for real).

`python -m benchmarks.host_actions_clients --role listeners|stage|churn [--origin URL] [--servers URL,…]`. JSON
lines: the orchestrator writes `{"id": n, "cmd": …}` on stdin and gets `{"id": n, "ok": …}` (or `"error"`) on
stdout; the worker asks the controller's process for stage passes with `{"ask": k, "cmd": "admit", …}` and gets
`{"reply": k, "ok": …}` back on stdin. Logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from types import SimpleNamespace
from typing import Any

from app.janus import JanusError, JanusSession
from app.janus.audiobridge import AudioBridgeHandle
from app.janus.textroom import TextRoomHandle
from app.links import parse_link
from app.listener.channel import RoomChannel
from app.listener.state import RoomState, RoomStateModel, StateSource
from app.local.speaker import StageSpeaker
from app.room.errors import RoomError
from app.room.protocol import Role, StageMember
from app.room.stage_protocol import StagePass
from app.stage.host import HostDesk
from app.stage.speaker import SpeakerSession
from tests.support.stage_lab import speaker_session, tone_wav
from tests.support.tracks import GatedToneTrack

log = logging.getLogger("benchmarks.host_actions_clients")

ROOM = 1234


def member(state: RoomState, name: str) -> StageMember | None:
    return next((m for m in state.members if m.name == name), None)


class Pipe:
    """JSON lines on stdin/stdout: commands in, answers out; asks out, replies in."""

    def __init__(self, handlers: dict[str, Callable[..., Awaitable[Any]]]) -> None:
        self.handlers = handlers
        self._asks: dict[int, asyncio.Future[Any]] = {}
        self._next = 0
        self.done = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def ask(self, cmd: str, **args: Any) -> Any:
        self._next += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._asks[self._next] = future
        self.send({"ask": self._next, "cmd": cmd, **args})
        return await future

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=2**24)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while not self.done.is_set():
            line = await reader.readline()
            if not line:
                return
            msg = json.loads(line)
            if "reply" in msg:
                future = self._asks.pop(msg["reply"])
                if "error" in msg:
                    future.set_exception(RuntimeError(msg["error"]))
                else:
                    future.set_result(msg.get("ok"))
                continue
            task = asyncio.create_task(self._run(msg))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _run(self, msg: dict[str, Any]) -> None:
        args = {k: v for k, v in msg.items() if k not in ("id", "cmd")}
        try:
            result = await self.handlers[msg["cmd"]](**args)
            self.send({"id": msg["id"], "ok": result})
        except Exception as exc:
            log.exception("command %s failed", msg["cmd"])
            self.send({"id": msg["id"], "error": f"{type(exc).__name__}: {exc}"})


class Watch:
    """The moment each listener's model first satisfies `condition` (checked on every change of its model)."""

    def __init__(self, models: list[RoomStateModel], condition: Callable[[RoomState], bool]) -> None:
        self.models = models
        self.condition = condition
        self.seen: dict[int, float] = {}
        self.all_seen = asyncio.Event()
        self._callbacks: list[tuple[RoomStateModel, Callable[..., None]]] = []
        for i, model in enumerate(models):
            def changed(state: RoomState, _change: object, i: int = i) -> None:
                self._check(i, state)
            model.changed.connect(changed)
            self._callbacks.append((model, changed))
            self._check(i, model.state)

    def _check(self, i: int, state: RoomState) -> None:
        if i not in self.seen and self.condition(state):
            self.seen[i] = time.monotonic()
            if len(self.seen) == len(self.models):
                self.all_seen.set()

    def close(self) -> None:
        for model, callback in self._callbacks:
            model.changed.disconnect(callback)


CONDITIONS: dict[str, Callable[[StageMember | None], bool]] = {
    "present": lambda m: m is not None and not m.muted,
    "mute": lambda m: m is not None and m.muted and m.held,
    "unmute (lift)": lambda m: m is not None and not m.held,
    "promote": lambda m: m is not None and m.role == Role.CO_HOST,
    "demote": lambda m: m is None,
}


class Listeners:
    """Role `listeners`: channel-only listeners (RoomChannel + RoomStateModel, production options) on the given
    servers, round robin; they note when each one's model first shows what the orchestrator armed them for."""

    def __init__(self, servers: list[str], n: int, first: int) -> None:
        self.servers = servers
        self.n = n
        self.first = first
        self.pipe = Pipe({"open": self.open, "arm": self.arm, "collect": self.collect, "views": self.views,
                          "close": self.close})
        self.channels: list[RoomChannel] = []
        self.models: list[RoomStateModel] = []
        self.watch: Watch | None = None

    async def open(self) -> dict[str, Any]:
        for i in range(self.first, self.first + self.n):
            model = RoomStateModel()
            self.models.append(model)
            self.channels.append(RoomChannel(self.servers[i % len(self.servers)], ROOM, model, display=f"L{i}",
                                             ice_servers=[]))
        await asyncio.gather(*(c.open(5.0) for c in self.channels))
        deadline = time.monotonic() + 20
        while not all(m.state.source == StateSource.CONTROLLER for m in self.models):
            if time.monotonic() > deadline:
                raise TimeoutError("not every listener has the controller's state")
            await asyncio.sleep(0.05)
        return {}

    async def arm(self, kind: str, name: str) -> dict[str, Any]:
        if self.watch is not None:
            self.watch.close()
        check = CONDITIONS[kind]
        self.watch = Watch(self.models, lambda state: check(member(state, name)))
        return {}

    async def collect(self, timeout: float) -> list[dict[str, Any]]:
        """Per listener: its server and the monotonic time it first showed the armed state (None: not yet)."""
        assert self.watch is not None
        watch = self.watch
        try:
            async with asyncio.timeout(timeout):
                await watch.all_seen.wait()
        except TimeoutError:
            pass
        watch.close()
        self.watch = None
        return [{"server": c.server, "at": watch.seen.get(i)} for i, c in enumerate(self.channels)]

    async def views(self) -> list[dict[str, Any]]:
        out = []
        for channel, model in zip(self.channels, self.models, strict=True):
            s = model.state
            out.append({"server": channel.server, "source": s.source.value, "members": len(s.members),
                        "count": None if s.listeners is None else s.listeners.count, "seq": s.seq,
                        "audience": channel.audience, "assembling": getattr(model, "_pending", None) is not None,
                        "ids": [m.id for m in s.members]})
        return out

    async def close(self) -> dict[str, Any]:
        await asyncio.gather(*(c.close() for c in self.channels), return_exceptions=True)
        self.pipe.done.set()
        return {}


class Stage:
    """Role `stage`: the host (HostDesk), target speakers, the media-less crowd."""

    def __init__(self, origin: str, tmp: Path) -> None:
        self.origin = origin
        self.tmp = tmp
        self.pipe = Pipe({"host": self.host, "target": self.target, "act": self.act, "drop": self.drop,
                          "crowd": self.crowd, "crowd_flips": self.crowd_flips, "close": self.close})
        self.host_session: SpeakerSession | None = None
        self.desk: HostDesk | None = None
        self.targets: dict[str, StageSpeaker] = {}
        self.crowd_session: JanusSession | None = None
        self.crowd_handles: list[tuple[AudioBridgeHandle, bool]] = []
        self._flips: asyncio.Task[None] | None = None
        self._serial = 0

    async def until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not within {timeout:g} s")
            await asyncio.sleep(0.02)

    async def host(self) -> dict[str, Any]:
        """The room's host: joins as a listener, takes a host pass from the controller onto the stage."""
        room = SimpleNamespace(link=parse_link(f"plaza+ws://{self.origin.split('//')[1].split('/')[0]}/{ROOM}"))
        host = speaker_session(room, tone_wav(self.tmp / "host.wav", 660.0), "Hana", muted=True)
        self.host_session = host
        await host.start()
        keeper = host.listen.channel
        assert keeper is not None
        await self.until(lambda: keeper.channel is not None and keeper.channel.controller is not None, 15,
                         "the host's channel heard the controller")
        stage_pass = StagePass(**await self.pipe.ask("admit", display="Hana", role="host"))
        await host.take_pass(stage_pass)
        assert host.listen.channel is not None
        self.desk = HostDesk(host.listen.channel, stage_pass)
        return {"stage_id": stage_pass.stage_id}

    async def target(self) -> dict[str, Any]:
        """A new (silent) speaker on stage with a speaker pass; its name and member id."""
        self._serial += 1
        name = f"T{self._serial}"
        stage_pass = StagePass(**await self.pipe.ask("admit", display=name, role="speaker"))
        speaker = StageSpeaker(self.origin, ROOM, GatedToneTrack(300.0 + 10 * (self._serial % 50)), display=name,
                               ice_servers=[], token=stage_pass.token, stage_id=stage_pass.stage_id)
        await speaker.open(timeout=10.0)
        self.targets[name] = speaker
        return {"name": name, "id": str(stage_pass.stage_id)}

    async def act(self, kind: str, member_id: str) -> dict[str, Any]:
        """One host action through the desk: the monotonic time just before `await desk.<action>`, when it
        returned (Janus said it delivered the whisper), and the error if it could not be delivered."""
        assert self.desk is not None
        action = {"mute": self.desk.mute, "unmute (lift)": self.desk.unmute, "promote": self.desk.promote,
                  "demote": self.desk.demote}[kind]
        t0 = time.monotonic()
        try:
            await action(member_id)
        except RoomError as exc:
            return {"t0": t0, "acked": None, "error": str(exc)}
        return {"t0": t0, "acked": time.monotonic()}

    async def drop(self, name: str) -> dict[str, Any]:
        speaker = self.targets.pop(name, None)
        if speaker is not None:
            await speaker.close()
        return {}

    async def crowd(self, n: int, muted_fraction: float = 0.75, seed: int = 2) -> dict[str, Any]:
        """`n` more stage participants without media (AudioBridge keeps a join without an offer), each with a pass
        of the controller: Janus lists them with `"setup": false`."""
        rng = random.Random(seed + len(self.crowd_handles))
        if self.crowd_session is None:
            self.crowd_session = await JanusSession.connect(self.origin)
        passes = await self.pipe.ask("admit_many", n=n, prefix="Speaker ", start=len(self.crowd_handles))
        ids = []
        for i in range(0, n, 10):
            async def join(p: dict[str, Any]) -> tuple[AudioBridgeHandle, bool]:
                assert self.crowd_session is not None
                handle = await AudioBridgeHandle.attach(self.crowd_session)
                muted = rng.random() < muted_fraction
                await handle.join(ROOM, display=p["display"], offer=None, muted=muted, token=p["token"],
                                  participant_id=p["stage_id"])
                return handle, muted
            joined = await asyncio.gather(*(join(p) for p in passes[i:i + 10]))
            self.crowd_handles.extend(joined)
            ids.extend(str(p["stage_id"]) for p in passes[i:i + 10])
        return {"ids": ids, "muted": sum(1 for _, m in self.crowd_handles if m)}

    async def crowd_flips(self, rate: float, seed: int = 3) -> dict[str, Any]:
        """Crowd members mute and unmute themselves (AudioBridge `configure`), `rate` a second in all; 0 stops."""
        if self._flips is not None:
            self._flips.cancel()
            self._flips = None
        if rate <= 0:
            return {}
        rng = random.Random(seed)

        async def flip() -> None:
            while True:
                await asyncio.sleep(rng.expovariate(rate))
                i = rng.randrange(len(self.crowd_handles))
                handle, muted = self.crowd_handles[i]
                try:
                    await handle.configure(muted=not muted, timeout=2.0)
                    self.crowd_handles[i] = (handle, not muted)
                except JanusError as exc:
                    log.warning("configure: %s", exc)

        self._flips = asyncio.create_task(flip())
        return {}

    async def close(self) -> dict[str, Any]:
        if self._flips is not None:
            self._flips.cancel()
        closing: list[Awaitable[Any]] = [t.close() for t in self.targets.values()]
        if self.host_session is not None:
            closing.append(self.host_session.close())
        await asyncio.gather(*closing, return_exceptions=True)
        if self.crowd_session is not None:
            await self.crowd_session.close()
        self.pipe.done.set()
        return {}


class Churn:
    """Role `churn`: TextRoom clients joining and leaving channel N for real, `rate` joins + leaves a second."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.pipe = Pipe({"start": self.start, "stop": self.stop, "close": self.close})
        self.session: JanusSession | None = None
        self.handles: list[TextRoomHandle] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.ops = 0
        self.errors = 0
        self.t0 = 0.0

    async def start(self, handles: int, rate: float) -> dict[str, Any]:
        if self.session is None:
            self.session = await JanusSession.connect(self.server)
        while len(self.handles) < handles:
            handle = await TextRoomHandle.attach(self.session, ice_servers=[])
            await handle.setup(timeout=5.0)
            self.handles.append(handle)
        self.ops = self.errors = 0
        self.t0 = time.monotonic()
        per = rate / handles
        self.tasks = [asyncio.create_task(self._loop(h, per, i / rate)) for i, h in enumerate(self.handles)]
        return {}

    async def _loop(self, handle: TextRoomHandle, rate: float, offset: float) -> None:
        next_at = time.monotonic() + offset
        joined = False
        while True:
            next_at += 1.0 / rate
            try:
                if joined:
                    await handle.leave(ROOM)
                else:
                    await handle.join(ROOM, f"l-{secrets.token_hex(5)}", "Churn")
                joined = not joined
                self.ops += 1
            except JanusError:
                self.errors += 1
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def stop(self) -> dict[str, Any]:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        elapsed = time.monotonic() - self.t0
        return {"ops": self.ops, "errors": self.errors, "rate": self.ops / elapsed if elapsed else 0.0}

    async def close(self) -> dict[str, Any]:
        await asyncio.gather(*(h.close() for h in self.handles), return_exceptions=True)
        if self.session is not None:
            await self.session.close()
        self.pipe.done.set()
        return {}


async def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="clients %(levelname)s %(name)s: %(message)s")
    with TemporaryDirectory() as tmp:
        worker: Listeners | Stage | Churn
        if args.role == "listeners":
            worker = Listeners(args.servers.split(","), args.n, args.first)
        elif args.role == "stage":
            worker = Stage(args.origin, Path(tmp))
        else:
            worker = Churn(args.origin)
        worker.pipe.send({"ready": True})
        await worker.pipe.serve()
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--role", choices=("listeners", "stage", "churn"), required=True)
    parser.add_argument("--origin", default="", help="the stage server (stage) or the server to churn on (churn)")
    parser.add_argument("--servers", default="", help="servers for the listeners, comma-separated")
    parser.add_argument("--n", type=int, default=5, help="listeners in this worker")
    parser.add_argument("--first", type=int, default=0, help="the first listener's number (round robin offset)")
    raise SystemExit(asyncio.run(main(parser.parse_args())))
