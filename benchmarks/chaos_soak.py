"""The chaos soak (issue 14, item 6): a cascade under random kill -9, blackouts and loss, against a swarm and a
window, for as long as asked; then a table and a verdict (exit code 1 when a check fails, 2 when it cannot run).

Runs inside the lab only (root, in the lab's client namespace: the cascade's namespaces are made by netlab):

    sudo PLAZA_LAB=sk .venv/bin/python -m tests.lab.netlab run -- \\
        .venv/bin/python -m benchmarks.chaos_soak --minutes 30 --listeners 20 --seed 1

What it starts: an origin and two edges (tests/support/cascade_lab.py's configs, each Janus in its namespace), the
room controller in its own process (tests/support/controller_process.py) keeping the origin's forwards, a speaker
(`plaza speak`: raised hand, invited, speaking a tone on the origin's stage, made a co-host), a listener whose hand
stays raised (`plaza speak`, never invited), the swarm (`plaza swarm N --json`), one window (`plaza window`,
offscreen), and an observer listener in this process that reads the room state as every listener gets it. After a
warm-up it runs the seeded plan of benchmarks/chaos_plan.py, one fault at a time, and for each fault measures the
time until every swarm listener is back against the policy's bound, and the room state (title, stage and roles,
hands) after it against the state before it. Checks (docs/deployment.md, "The chaos soak"): no process crashed; RSS
growth of the swarm, the window and the controller from the end of the first round of faults (`--settle-faults`:
one of every kind) to the end below `--rss-growth` (10 %; the growth from the warm-up is shown too); every
listener back within the bound after every fault; the room state equal after every fault.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.links import RoomLink, format_link
from app.listener.listen import ListenSession
from app.local.janus_config import RoomSecrets
from app.local.room import LocalRoom
from benchmarks.chaos_cast import PYTHON, Actor, private_env, read_swarm
from benchmarks.chaos_plan import IN_FLIGHT_S, plan
from benchmarks.chaos_report import FaultResult, Soak, render, verdict
from benchmarks.chaos_run import run_fault
from benchmarks.lab_workers import lab_problem
from tests.lab import faults, netlab
from tests.support.cascade_lab import FEED_PORT, ROOM_ID, node_config
from tests.support.stage_lab import tone_wav

TITLE = "Chaos soak"
SPEAKER, HAND = "Soak speaker", "Soak hand"
SETUP_TIMEOUT_S = 90.0
EDGES = 2  # the soak's cascade: an origin and two edges (the lab has a third: tests/listener/test_edges_lab.py)


def observed(session: ListenSession) -> dict[str, Any]:
    """The room state as a listener shows it: title, stage members with roles, raised hands in order."""
    state = session.state.state
    return {"title": state.title, "members": sorted([m.name, m.role.value] for m in state.members),
            "hands": [h.name for h in state.hands]}


async def until(predicate: Any, timeout: float, what: str, step: float = 0.2) -> float:
    """Wait for `predicate()`; returns when (monotonic); raises TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(step)
    return time.monotonic()


async def controller_state(controller: Actor) -> dict[str, Any]:
    answer = await controller.ask("state")
    return json.loads(answer.removeprefix("state "))


async def set_the_stage(controller: Actor, tmp: Path, link_text: str) -> tuple[Actor, Actor]:
    """The speaker on stage as a co-host, and a raised hand that stays up."""
    wav = tone_wav(tmp / "tone.wav", 440.0)
    speak = [PYTHON, "-m", "app", "speak", link_text, "--input", str(wav), "--no-audio-device"]
    speaker = await Actor.start("speaker", [*speak, "--name", SPEAKER, "--invite-timeout", "120"],
                                env=private_env(tmp / "speaker"), measured=False)
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    while (await controller.ask(f"invite {SPEAKER}")).startswith("error"):
        if time.monotonic() > deadline or speaker.crashed:
            raise TimeoutError(f"the speaker's hand never showed: {speaker.tail()}")
        await asyncio.sleep(0.5)
    while (await controller.ask(f"promote {SPEAKER}")).startswith("error"):
        if time.monotonic() > deadline or speaker.crashed:
            raise TimeoutError(f"the speaker never got on stage: {speaker.tail()}")
        await asyncio.sleep(0.5)
    hand = await Actor.start("hand", [*speak, "--name", HAND, "--invite-timeout", "1000000"],
                             env=private_env(tmp / "hand"), measured=False)
    while HAND not in (await controller_state(controller))["hands"]:
        if time.monotonic() > deadline or hand.crashed:
            raise TimeoutError(f"the raised hand never showed: {hand.tail()}")
        await asyncio.sleep(0.5)
    return speaker, hand


async def soak(args: argparse.Namespace) -> int:
    problem = await lab_problem()
    if problem is not None:
        print(f"chaos_soak: {problem}: run it under `python -m tests.lab.netlab run --`", file=sys.stderr)
        return 2
    began = time.monotonic()
    logging.getLogger("app").setLevel(logging.ERROR)  # the observer's reconnect warnings are the faults' doing
    tmp = Path(tempfile.mkdtemp(prefix="plaza-soak-"))
    secrets = RoomSecrets()
    rooms = [LocalRoom(node_config(node, secrets), prefix=["ip", "netns", "exec", ns], speaker=None,
                       controller=False) for node, ns in enumerate(netlab.CASCADE_NS[:1 + EDGES])]
    actors: list[Actor] = []
    observer: ListenSession | None = None
    result = Soak(args.seed, args.listeners, args.minutes, args.rss_growth)
    try:
        for room in rooms:
            await room.start()
        origin, edges = rooms[0], rooms[1:]
        link_text = format_link(RoomLink(ROOM_ID, tuple(e.config.ws_url for e in edges), TITLE,
                                         stage=origin.config.ws_url))
        forwards = [f"{e.config.ws_url}={e.config.feed_iface}:{FEED_PORT}" for e in edges]
        controller = await Actor.start("controller", [PYTHON, "-m", "tests.support.controller_process", link_text,
                                                      TITLE, *forwards], stdin=True)
        actors.append(controller)
        await controller.send(json.dumps({"stage": secrets.stage, "feed": secrets.feed,
                                          "channel": secrets.channel}))
        await controller.wait_line(lambda t: t == "ready", SETUP_TIMEOUT_S)
        actors += await set_the_stage(controller, tmp, link_text)
        json_path = tmp / "swarm.json"
        swarm = await Actor.start("swarm", [PYTHON, "-m", "app", "swarm", str(args.listeners), link_text, "--json",
                                            str(json_path), "--ramp", "5"], env=private_env(tmp / "swarm"))
        window = await Actor.start("window", [PYTHON, "-m", "app", "window", link_text],
                                   env=private_env(tmp / "window"))
        actors += [swarm, window]
        observer = ListenSession(RoomLink(ROOM_ID, tuple(e.config.ws_url for e in edges), TITLE,
                                          stage=origin.config.ws_url), use_device=False, fall_back_to_clock=False,
                                 display="Soak observer")
        await observer.start()
        sampler = asyncio.create_task(sample(actors))
        await until(lambda: all_back(read_swarm(json_path), args.listeners, 0.0), SETUP_TIMEOUT_S,
                    "every swarm listener live")
        want = {"title": TITLE, "members": [[SPEAKER, "co-host"]], "hands": [HAND]}
        obs = observer
        await until(lambda: observed(obs) == want, SETUP_TIMEOUT_S, f"the observer seeing {want}")
        print(f"chaos_soak: cast up ({args.listeners} listeners live, state {want}); warm-up {args.warmup:g} s",
              flush=True)
        await asyncio.sleep(args.warmup)
        result.baseline_at = time.monotonic()
        schedule = plan(args.seed, args.minutes * 60.0, short=args.short)
        chaos_end = result.baseline_at + args.minutes * 60.0
        for i, fault in enumerate(schedule, start=1):
            if any(a.crashed for a in actors) or time.monotonic() > chaos_end:
                break
            print(f"chaos_soak: fault {i}/{len(schedule)}", flush=True)
            one: FaultResult = await run_fault(fault, rooms, controller, json_path, args.listeners,
                                               lambda: observed(obs), want)
            one.swarm_rss_mib = swarm.rss[-1][1] if swarm.rss else None
            result.faults.append(one)
            print(f"chaos_soak:   {one.line()}", flush=True)
            if i == args.settle_faults:
                result.settled_at = time.monotonic()
        await asyncio.sleep(max(0.0, min(chaos_end - time.monotonic(), 5.0)))
        result.end_at = time.monotonic()
        await asyncio.sleep(1.5)  # an RSS sample at the end of the window
        sampler.cancel()
        result.crashes = [f"{a.name} exited with {a.process.returncode}: {a.tail()}" for a in actors if a.crashed]
        result.collect_rss(actors)
        result.janus_crashes = [f"{netlab.CASCADE_NS[i]} Janus exited by itself" for i, room in enumerate(rooms)
                                if room.janus is None or room.janus.process is None
                                or room.janus.process.returncode is not None]
        final_swarm = read_swarm(json_path)
        result.swarm_live_at_end = count_live(final_swarm)
    except (TimeoutError, OSError, faults.FaultError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        if observer is not None:
            await observer.close()
        for actor in reversed(actors):
            code = await actor.stop()
            result.stop_codes[actor.name] = code
        swarm_doc = read_swarm(tmp / "swarm.json")  # the swarm's last write, with its summary
        if swarm_doc is not None and swarm_doc.get("final"):
            result.swarm_summary = swarm_doc.get("summary")
        with contextlib.suppress(faults.FaultError):
            faults.clear_nodes()
        for room in rooms:
            await room.close()
        shutil.rmtree(tmp, ignore_errors=True)
    result.wall_s = time.monotonic() - began
    print(render(result), flush=True)
    failures = verdict(result)
    for failure in failures:
        print(f"FAIL: {failure}", flush=True)
    print("chaos_soak: PASS" if not failures else f"chaos_soak: {len(failures)} check(s) failed", flush=True)
    if args.markdown:
        Path(args.markdown).write_text(render(result, markdown=True) + "\n", encoding="utf-8")
    return 0 if not failures else 1


def all_back(doc: dict[str, Any] | None, n: int, since: float) -> bool:
    """Every one of the swarm's `n` listeners live with audio that arrived after monotonic `since`."""
    if doc is None or len(doc["listeners"]) < n:
        return False
    return all(entry["status"] == "live" and (entry["last_media_at"] or 0.0) > since + IN_FLIGHT_S * (since > 0)
               for entry in doc["listeners"])


def count_live(doc: dict[str, Any] | None) -> int:
    return 0 if doc is None else sum(entry["status"] == "live" for entry in doc["listeners"])


async def sample(actors: list[Actor], every: float = 1.0) -> None:
    while True:
        for actor in actors:
            actor.sample()
        await asyncio.sleep(every)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.chaos_soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30.0, help="how long the chaos runs after the warm-up")
    p.add_argument("--listeners", type=int, default=20, help="the swarm's size")
    p.add_argument("--seed", type=int, default=1, help="the fault plan's seed")
    p.add_argument("--warmup", type=float, default=20.0, metavar="S",
                   help="calm seconds before the RSS baseline and the first fault")
    p.add_argument("--rss-growth", type=float, default=10.0, metavar="PERCENT",
                   help="the largest RSS growth allowed (from the first round of faults to the end)")
    p.add_argument("--settle-faults", type=int, default=4, metavar="K",
                   help="the RSS check starts after fault K (the plan's first 4 are one of every kind); 0: after "
                        "the warm-up")
    p.add_argument("--short", action="store_true", help="shorter faults and calms (the CI form)")
    p.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    return p.parse_args(argv)


async def soak_until_stopped(args: argparse.Namespace) -> int:
    """The soak, ended cleanly by SIGTERM too (a CI time limit): its processes run in sessions of their own and
    would outlive it, so its tear-down must run."""
    task = asyncio.ensure_future(soak(args))
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        print("chaos_soak: stopped (SIGTERM)", file=sys.stderr, flush=True)
        return 143


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(soak_until_stopped(parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
