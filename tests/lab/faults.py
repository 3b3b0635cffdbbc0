"""Network faults on the lab's veth pair, for outage tests and benchmarks (netem is not available here).

- `blackout(seconds)`: both veth ends link-down, then up, then the permanent neighbour entries are pinned again.
  Link-down flushes the neighbour table (even `nud permanent` entries); without re-pinning, the next blackout would
  park packets in the ARP queue and deliver them late instead of dropping them (DESIGN §6).
- `random_loss(percent)` / `drop_all()`: nftables rules on the netdev ingress hook of a veth end, as async context
  managers; `numgen random mod 100 < N` drops N % of packets independently.
- `cut_node(node, seconds)` / `node_loss(node, percent)`: the same on a cascade node (netlab: 0 the origin, 1 and
  2 the edges): its bridge port down and up (the node is cut off from the clients and from the other nodes), or
  drop rules on both ends of its veth (what it sends and what it receives, the origin's forwards included).
- `forget_connection(client_port)`: a NAT or stateful firewall that lost one TCP connection: its packets are
  dropped both ways from then on (no FIN, RST or retransmission gets through), new connections pass. Its own table,
  so it outlives a `drop_all` around it.

Every fault is undone on exit, also when the body raises or is cancelled. The commands run through a `Runner`
so the rule text and the clean-up order are unit-tested without root (tests/lab/test_faults.py).
PLAZA_LAB (netlab's tag) selects the lab, so parallel labs fault independently.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from tests.lab import netlab

TABLE = "plaza_faults"
NODE_TABLE = "plaza_node_faults"  # a cascade node's: its own, so a node fault and a client-side loss can overlap
FLOW_TABLE = "plaza_flows"  # forget_connection's: a drop_all ending inside it must not take its rule along
Side = Literal["client", "server", "both"]
Runner = Callable[[Sequence[str]], None]


class FaultError(RuntimeError):
    """A fault could not be applied or removed; the message has the command and its error output."""


def run_command(argv: Sequence[str], stdin: str | None = None) -> None:
    """Run one command, raising FaultError with its stderr (ip and nft explain themselves well)."""
    result = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise FaultError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")


def _ends(side: Side) -> list[tuple[str, str]]:
    """(namespace, interface) of the veth ends a fault applies to; 'client' = what the listener receives."""
    ends = {"client": (netlab.CLIENT_NS, netlab.CLIENT_IF), "server": (netlab.SERVER_NS, netlab.SERVER_IF)}
    if side == "both":
        return [ends["client"], ends["server"]]
    if side not in ends:
        raise ValueError(f"side must be 'client', 'server' or 'both', not {side!r}")
    return [ends[side]]


# ---------------------------------------------------------------------------------------------- link blackout
@dataclass(frozen=True)
class BlackoutReport:
    """When the link was really down (time.monotonic()), for aligning recordings with the fault."""

    down_at: float
    up_at: float

    @property
    def seconds(self) -> float:
        return self.up_at - self.down_at


def link_commands(state: Literal["up", "down"]) -> list[list[str]]:
    return [["ip", "-n", ns, "link", "set", ifname, state] for ns, ifname in _ends("both")]


async def blackout(seconds: float, *, runner: Runner | None = None,
                   pin: Callable[[], None] | None = None) -> BlackoutReport:
    """Take the veth pair down for `seconds`; packets sent meanwhile are dropped, not delayed."""
    if not 0 < seconds <= 600:
        raise ValueError(f"blackout of {seconds!r} s: expected 0 < seconds <= 600")
    run = runner or run_command
    repin = pin or netlab.pin_neighbours
    loop = asyncio.get_running_loop()
    down_at = 0.0
    try:
        for argv in link_commands("down"):
            await loop.run_in_executor(None, run, argv)
            down_at = down_at or time.monotonic()  # one end down is enough: the peer loses its carrier
        await asyncio.sleep(max(0.0, down_at + seconds - time.monotonic()))
    finally:
        # Up and re-pinned even when cancelled: a lab left down would fail every later test confusingly.
        errors: list[BaseException] = []
        for argv in link_commands("up"):
            try:
                run(argv)
            except FaultError as exc:
                errors.append(exc)
        up_at = time.monotonic()
        try:
            repin()
        except (subprocess.CalledProcessError, FaultError) as exc:
            errors.append(exc)
        if errors:
            raise FaultError("; ".join(str(e) for e in errors))
    return BlackoutReport(down_at, up_at)


# ---------------------------------------------------------------------------------------------- nftables rules
def ruleset(ifname: str, percent: float, *, protocol: Literal["udp", "tcp"] | None = None, match: str = "",
            table: str = TABLE) -> str:
    """An nft script adding `table` with one ingress chain on `ifname` that drops `percent` % of packets
    (of `protocol` only, when given: "udp" drops media and keeps the WebSocket; of those `match` selects, an nft
    expression such as "tcp sport 40000", when given)."""
    if not 0 < percent <= 100:
        raise ValueError(f"loss of {percent!r} %: expected 0 < percent <= 100")
    if percent != int(percent):
        raise ValueError(f"loss of {percent!r} %: nft's numgen works in whole percent")
    if protocol not in (None, "udp", "tcp"):
        raise ValueError(f"protocol must be 'udp', 'tcp' or None, not {protocol!r}")
    rule = "drop" if percent >= 100 else f"numgen random mod 100 < {int(percent)} drop"
    if protocol is not None:
        rule = f"meta l4proto {protocol} {rule}"
    if match:
        rule = f"{match} {rule}"
    return (
        f"table netdev {table} {{\n"
        f"\tchain ingress {{\n"
        f'\t\ttype filter hook ingress device "{ifname}" priority -500; policy accept;\n'
        f"\t\t{rule}\n"
        f"\t}}\n"
        f"}}\n"
    )


def _nft(ns: str) -> list[str]:
    return ["ip", "netns", "exec", ns, "nft"]


@dataclass
class LossRule:
    """A live drop rule; `percent` is what was asked, `sides` where it applies."""

    percent: float
    sides: Side
    applied_at: float = 0.0
    removed_at: float | None = None


def _script_runner(argv: Sequence[str], script: str) -> None:
    run_command([*argv, "-f", "-"], stdin=script)


@contextlib.asynccontextmanager
async def random_loss(percent: float, *, side: Side = "client", protocol: Literal["udp", "tcp"] | None = None,
                      runner: Runner | None = None,
                      script_runner: Callable[[Sequence[str], str], None] | None = None) -> AsyncIterator[LossRule]:
    """Drop `percent` % of the packets (of `protocol`) arriving at `side`'s veth end ('client': media to the
    listener)."""
    # validates before touching anything
    scripts = [(ns, ruleset(ifname, percent, protocol=protocol)) for ns, ifname in _ends(side)]
    async with _loaded(scripts, TABLE, LossRule(percent, side), runner, script_runner) as rule:
        yield rule


@contextlib.asynccontextmanager
async def _loaded(scripts: list[tuple[str, str]], table: str, rule: LossRule, runner: Runner | None,
                  script_runner: Callable[[Sequence[str], str], None] | None) -> AsyncIterator[LossRule]:
    """Load each (namespace, nft script) adding `table`; delete every loaded table on exit, whatever happens."""
    run = runner or run_command
    load = script_runner or _script_runner
    loaded: list[str] = []
    try:
        for ns, script in scripts:
            _delete_table(ns, run, table)  # a table left by a crashed run would make `add` merge two rules
            load(_nft(ns), script)
            loaded.append(ns)
        rule.applied_at = time.monotonic()
        yield rule
    finally:
        errors = []
        for ns in loaded:
            try:
                run([*_nft(ns), "delete", "table", "netdev", table])
            except FaultError as exc:
                errors.append(str(exc))
        rule.removed_at = time.monotonic()
        if errors:
            raise FaultError("; ".join(errors))


def forget_connection(client_port: int, *, runner: Runner | None = None,
                      script_runner: Callable[[Sequence[str], str], None] | None = None
                      ) -> contextlib.AbstractAsyncContextManager[LossRule]:
    """Drop every packet of the client's TCP connection from `client_port`, both ways: a NAT or firewall on the
    path forgot it (or the client moved networks), so neither end hears from the other on it again."""
    if not 0 < client_port < 65536:
        raise ValueError(f"port {client_port!r}: expected 1-65535")
    (client_ns, client_if), (server_ns, server_if) = _ends("both")
    scripts = [(client_ns, ruleset(client_if, 100, match=f"tcp dport {client_port}", table=FLOW_TABLE)),
               (server_ns, ruleset(server_if, 100, match=f"tcp sport {client_port}", table=FLOW_TABLE))]
    return _loaded(scripts, FLOW_TABLE, LossRule(100, "both"), runner, script_runner)


def drop_udp(*, side: Side = "client") -> contextlib.AbstractAsyncContextManager[LossRule]:
    """Drop all UDP (ICE, DTLS, RTP) but keep TCP: WebSockets and Janus sessions live on, media and new
    PeerConnections hang (a connect attempt stays in flight until its timeout)."""
    return random_loss(100, side=side, protocol="udp")


def drop_all(*, side: Side = "both", runner: Runner | None = None,
             script_runner: Callable[[Sequence[str], str], None] | None = None
             ) -> contextlib.AbstractAsyncContextManager[LossRule]:
    """Drop every packet (a blackout without link-down events: sockets and routes never notice)."""
    return random_loss(100, side=side, runner=runner, script_runner=script_runner)


def _delete_table(ns: str, run: Runner, table: str = TABLE) -> None:
    with contextlib.suppress(FaultError):
        run([*_nft(ns), "delete", "table", "netdev", table])


def clear(runner: Runner | None = None) -> None:
    """Remove every fault this module can leave (for a lab fixture's tear-down): tables gone, links up, pinned."""
    run = runner or run_command
    for ns, _ifname in _ends("both"):
        _delete_table(ns, run)
        _delete_table(ns, run, FLOW_TABLE)
    for argv in link_commands("up"):
        run(argv)
    netlab.pin_neighbours()


# ---------------------------------------------------------------------------------------------- cascade nodes
def _node(node: int) -> int:
    if node not in range(len(netlab.CASCADE_NS)):
        raise ValueError(f"cascade node {node!r}: expected 0 (origin) to {len(netlab.CASCADE_NS) - 1}")
    return node


def node_link_commands(node: int, state: Literal["up", "down"]) -> list[list[str]]:
    """The bridge's port to `node` (in the client namespace) down or up: one end is enough to cut it off."""
    return [["ip", "-n", netlab.CLIENT_NS, "link", "set", netlab.CASCADE_PORTS[_node(node)], state]]


async def cut_node(node: int, seconds: float, *, runner: Runner | None = None) -> BlackoutReport:
    """Cut cascade node `node` off from everyone for `seconds` (no route, no carrier on its side), then back."""
    if not 0 < seconds <= 600:
        raise ValueError(f"blackout of {seconds!r} s: expected 0 < seconds <= 600")
    run = runner or run_command
    down, up = node_link_commands(node, "down"), node_link_commands(node, "up")
    loop = asyncio.get_running_loop()
    down_at = 0.0
    try:
        for argv in down:
            await loop.run_in_executor(None, run, argv)
        down_at = time.monotonic()
        await asyncio.sleep(seconds)
    finally:
        for argv in up:  # up even when cancelled: a node left cut off would fail every later step confusingly
            run(argv)
    return BlackoutReport(down_at, time.monotonic())


def node_loss(node: int, percent: float, *, runner: Runner | None = None,
              script_runner: Callable[[Sequence[str], str], None] | None = None
              ) -> contextlib.AbstractAsyncContextManager[LossRule]:
    """Drop `percent` % of what cascade node `node` sends (ingress of the bridge's port) and of what it receives
    (ingress of its own veth end: listeners' requests, and on an edge the origin's forwarded mix)."""
    n = _node(node)
    scripts = [(netlab.CLIENT_NS, ruleset(netlab.CASCADE_PORTS[n], percent, table=NODE_TABLE)),
               (netlab.CASCADE_NS[n], ruleset(netlab.CASCADE_IFS[n], percent, table=NODE_TABLE))]
    return _loaded(scripts, NODE_TABLE, LossRule(percent, "both"), runner, script_runner)


def clear_nodes(runner: Runner | None = None) -> None:
    """Remove every cascade node fault (a harness's tear-down): tables gone, bridge ports up."""
    run = runner or run_command
    for n, ns in enumerate(netlab.CASCADE_NS):
        _delete_table(ns, run, NODE_TABLE)
        for argv in node_link_commands(n, "up"):
            run(argv)
    _delete_table(netlab.CLIENT_NS, run, NODE_TABLE)


def list_tables(ns: str) -> str:
    """`nft list tables` in `ns` (tests check nothing of ours is left)."""
    result = subprocess.run([*_nft(ns), "list", "tables"], capture_output=True, text=True, check=False)
    return result.stdout
