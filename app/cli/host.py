"""`plaza host LINK ACTION [TARGET]`: a host's tools for scripts and tests, one action per run.

It joins the room's channel (no audio), signs the action with the room creator's pass — which the room's
controller keeps in the OS keyring of its machine (app.controller.secret_store), never in argv — whispers it to the
controller, and waits until the room state shows the effect. TARGET is a stage member's id or name, or a raised
hand's id or name (`plaza host LINK show` lists them); for `move` it is the room link the room goes on at
(listeners follow it: docs/room-protocol.md §3.8); the places of the speakers and co-hosts on its stage are then
handed on to the new room's controller with their roles, signed with the new room's host pass from the keyring
(without one, it says whom to invite by hand), and their clients take them back when they follow. `audience`
prints the controller's audience log as CSV (app.stage.audience_csv): listeners, joins, leaves and reconnects per 10 s.

Exit codes: 0 done (the effect is in the room state; `show` printed it), 1 no host pass in the keyring, 2 bad usage,
link or target, 3 the room or its controller could not be reached, 4 the controller did not carry it out in time
(the pass is no longer a host's, or the target left), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.cli import EXIT_INTERRUPTED, EXIT_JOIN_FAILED, EXIT_OK, EXIT_USAGE, _fail, _link_or_fail, _stop_event
from app.room.host_protocol import CARRY_VERBS, NEEDS_TARGET, HostVerb

if TYPE_CHECKING:
    from app.listener.channel_keeper import ChannelKeeper
    from app.listener.state import RoomState, RoomStateModel
    from app.room.stage_protocol import StagePass
    from app.stage.host import HostDesk

EXIT_NO_PASS = 1
EXIT_NOT_DONE = 4
# (A carried place is handed on by `move` itself, with the proof the old controller whispered: not typed by hand.)
ACTIONS = {"show": None, **{verb.value.replace("_", "-"): verb for verb in HostVerb if verb not in CARRY_VERBS}}


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    hp = sub.add_parser("host", help="act as the room's host: invite, mute, demote, promote, remove, end, move "
                                     "(to NEW_LINK: listeners follow); audience prints the audience over time as CSV",
                        epilog="exit codes: 0 done, 1 no host pass in the keyring, 2 bad usage, link or target, "
                               "3 room or controller unreachable, 4 not carried out in time, 130 interrupted")
    hp.add_argument("link", help="room link, e.g. plaza://HOST:PORT/ROOM")
    hp.add_argument("action", choices=list(ACTIONS), help="what to do ('show' prints the stage and the hands)")
    hp.add_argument("target", nargs="?", default="",
                    help="a stage member's or a raised hand's id or name; for move, the new room link")
    hp.add_argument("--timeout", type=float, default=8.0, metavar="S",
                    help="give up if the room or the effect is not there within S seconds (default 8)")


def resolve(state: RoomState, verb: HostVerb, target: str) -> str:
    """The id `target` names (an id, else a unique name), or for a move the canonical link; raises ValueError
    naming the problem."""
    if verb is HostVerb.MOVE:
        from app.stage.host import move_target

        return move_target(target)  # LinkError is a ValueError: "links must not carry secrets", ...
    people = [(h.id, h.name) for h in state.hands] if verb is HostVerb.INVITE else []
    people += [(m.id, m.name) for m in state.members]
    if verb is HostVerb.REMOVE:
        people += [(h.id, h.name) for h in state.hands]
    if verb is HostVerb.INVITE and not any(target == i for i, _ in people):
        named = [i for i, name in people if name == target]
        return named[0] if len(named) == 1 else target  # a listener without a raised hand: its channel username
    if any(target == i for i, _ in people):
        return target
    named = sorted({i for i, name in people if name == target})
    if len(named) == 1:
        return named[0]
    if named:
        raise ValueError(f"{len(named)} people are named {target!r}; use an id ({', '.join(named)})")
    raise ValueError(f"no stage member or raised hand is called {target!r} (see `plaza host LINK show`)")


def effect(verb: HostVerb, target: str) -> Callable[[RoomState], bool]:
    """When the room state shows that `verb` on `target` was carried out."""
    from app.room.protocol import Role

    if verb is HostVerb.MUTE:
        return lambda s: any(m.id == target and m.held for m in s.members)
    if verb is HostVerb.UNMUTE:
        return lambda s: not any(m.id == target and m.held for m in s.members)
    if verb is HostVerb.MUTE_ALL:
        return lambda s: all(m.held for m in s.members if m.role is Role.SPEAKER)
    if verb is HostVerb.PROMOTE:
        return lambda s: any(m.id == target and m.role is Role.CO_HOST for m in s.members)
    if verb in (HostVerb.DEMOTE, HostVerb.REMOVE):
        return lambda s: all(m.id != target for m in s.members) and all(h.id != target for h in s.hands)
    if verb is HostVerb.END:
        return lambda s: s.ended
    if verb is HostVerb.MOVE:
        return lambda s: s.moved == target
    if verb in (HostVerb.RECORD, HostVerb.STOP_RECORD):
        return lambda s: s.recording is (verb is HostVerb.RECORD)
    return lambda s: True  # an invite shows on the invitee's side only


def show(state: RoomState) -> None:
    print(f"room: {state.title or '(untitled)'}{' (recording)' if state.recording else ''}"
          f"{' (ended)' if state.ended and state.moved is None else ''}"
          f"{' (moved to ' + state.moved + ')' if state.moved is not None else ''}")
    for m in state.members:
        flags = [f for f, on in (("muted", m.muted), ("held by a host", m.held), ("feedback", m.feedback)) if on]
        print(f"stage  {m.id}  {m.name}  {m.role.value}{'  (' + ', '.join(flags) + ')' if flags else ''}")
    for h in state.hands:
        print(f"hand   {h.id}  {h.name}")


async def until_state(model: RoomStateModel, condition: Callable[[RoomState], bool], stop: asyncio.Event,
                      timeout: float) -> bool:
    """Whether the room state met `condition` within `timeout` (False on timeout or Ctrl-C)."""
    changed = asyncio.Event()

    def on_change(state: RoomState, change: object) -> None:
        changed.set()

    model.changed.connect(on_change)
    try:
        async with asyncio.timeout(timeout):
            while not condition(model.state) and not stop.is_set():
                changed.clear()
                waiters = [asyncio.ensure_future(changed.wait()), asyncio.ensure_future(stop.wait())]
                try:
                    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waiters:
                        waiter.cancel()
    except TimeoutError:
        return False
    finally:
        model.changed.disconnect(on_change)
    return condition(model.state)


async def print_audience(desk: HostDesk, timeout: float) -> int:
    """The controller's audience log as CSV on stdout."""
    from app.room.errors import RoomError
    from app.stage.audience_csv import write_audience_csv

    try:
        report = await desk.audience(timeout)
    except RoomError as exc:
        _fail(exc)
        return EXIT_JOIN_FAILED
    write_audience_csv(report, sys.stdout)
    sys.stdout.flush()
    return EXIT_OK


async def move(keeper: ChannelKeeper, stage_pass: StagePass, target: str, stop: asyncio.Event,
               timeout: float) -> int:
    """Move the room to `target`, then hand its stage's speakers' and co-hosts' places on to the new room's
    controller (roles travel with the move, §3.8): the old controller whispers us the roster before it ends the
    room."""
    from app.controller.secret_store import SecretsUnavailable, load_host_pass
    from app.links import parse_link
    from app.room.errors import RoomError
    from app.stage.host import HostDesk
    from app.stage.roster import RosterCollector, carry_roles

    roster = RosterCollector(keeper, stage_pass.room)
    try:
        try:
            await HostDesk(keeper, stage_pass).act(HostVerb.MOVE, target)
        except RoomError as exc:
            _fail(exc)
            return EXIT_JOIN_FAILED
        if not await until_state(keeper.model, effect(HostVerb.MOVE, target), stop, timeout):
            if stop.is_set():
                return EXIT_INTERRUPTED
            _fail(f"the controller did not move the room within {timeout:g} s (is this still the host's pass?)")
            return EXIT_NOT_DONE
    finally:
        roster.close()
    print(f"move {target}: done", flush=True)
    entries = roster.entries
    if not entries:
        print("nobody else was on the stage" if roster.received else
              "the old room's controller sent no stage roster: invite its speakers by hand", flush=True)
        return EXIT_OK
    new = parse_link(target)
    # By display name: the old room's channel names may be a squatter's in the new room (§3.8).
    listed = ", ".join(f"{e.name or 'a member without a name'} ({e.role.value})" for e in entries)
    try:
        new_pass = load_host_pass(new)
    except SecretsUnavailable:
        print(f"no host pass for room {new.room_id} here: invite them by hand: {listed}", flush=True)
        return EXIT_OK
    keeper.model.moving("")
    keeper.move_to(new.room_id, new.servers)
    keeper.follow(new.servers[0])
    try:
        asked = await carry_roles(HostDesk(keeper, new_pass), entries, timeout=timeout)
    except RoomError as exc:
        _fail(f"{exc}: invite them by hand: {listed}")
        return EXIT_JOIN_FAILED
    for e in asked:
        print(f"handed on the place of {e.name or 'a member without a name'} as {e.role.value} in room {new.room_id}",
              flush=True)
    if len(asked) < len(entries):
        missed = ", ".join(e.name or "a member without a name" for e in entries if e not in asked)
        _fail(f"could not hand on the places of {missed}: invite them by hand")
        return EXIT_NOT_DONE
    return EXIT_OK


async def host(args: argparse.Namespace) -> int:
    from app.controller.secret_store import SecretsUnavailable, load_host_pass
    from app.listener.channel_keeper import ChannelKeeper
    from app.listener.state import RoomStateModel, StateSource
    from app.room.errors import RoomError
    from app.stage.host import HostDesk

    verb = ACTIONS[args.action]
    if verb is not None and (verb in NEEDS_TARGET) != bool(args.target):
        _fail(f"'{args.action}' {'needs a' if verb in NEEDS_TARGET else 'takes no'} target")
        return EXIT_USAGE
    link = _link_or_fail(args.link)
    if link is None:
        return EXIT_USAGE
    stage_pass = None
    if verb is not None:
        try:
            stage_pass = load_host_pass(link)
        except SecretsUnavailable as exc:
            _fail(exc)
            return EXIT_NO_PASS
    model = RoomStateModel()
    keeper = ChannelKeeper(link.room_id, model, display="Host tools")
    stop = _stop_event()
    try:
        keeper.follow(link.servers[0])
        if not await until_state(model, lambda s: s.source is StateSource.CONTROLLER, stop, args.timeout):
            if stop.is_set():
                return EXIT_INTERRUPTED
            _fail(f"no room controller heard on {link.servers[0]} within {args.timeout:g} s")
            return EXIT_JOIN_FAILED
        if verb is None or stage_pass is None:
            show(model.state)
            return EXIT_OK
        try:
            target = resolve(model.state, verb, args.target) if args.target else ""
        except ValueError as exc:
            _fail(exc)
            return EXIT_USAGE
        if verb is HostVerb.AUDIENCE:
            return await print_audience(HostDesk(keeper, stage_pass), args.timeout)
        if verb is HostVerb.MOVE:
            return await move(keeper, stage_pass, target, stop, args.timeout)
        try:
            await HostDesk(keeper, stage_pass).act(verb, target)
        except RoomError as exc:
            _fail(exc)
            return EXIT_JOIN_FAILED
        if not await until_state(model, effect(verb, target), stop, args.timeout):
            if stop.is_set():
                return EXIT_INTERRUPTED
            _fail(f"the controller did not {args.action} {target or 'the room'} within {args.timeout:g} s "
                  "(is this still the host's pass? is the target still there?)")
            return EXIT_NOT_DONE
        print(f"{args.action}{' ' + target if target else ''}: done", flush=True)
        return EXIT_OK
    finally:
        await keeper.close()
