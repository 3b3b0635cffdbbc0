"""Create / remove the test lab: two network namespaces joined by a veth pair (198.18.0.0/24, no route out), and
a cascade beside them (docs/deployment.md): an origin and three edges, each in its own namespace, joined to the client
namespace by a bridge there (198.18.0.128/25: more specific than the /24, so the client reaches them through it).

    client ns: plz-veth-c 198.18.0.2/24 ---- plz-veth-s 198.18.0.1/24 :server ns
               plz-br 198.18.0.130/25 -+- plz-h0 ---- plz-n0 198.18.0.131 :origin ns
                                       +- plz-h1 ---- plz-n1 198.18.0.132 :edge ns 1
                                       +- plz-h2 ---- plz-n2 198.18.0.133 :edge ns 2
                                       +- plz-h3 ---- plz-n3 198.18.0.134 :edge ns 3

    python -m tests.lab.netlab up | down | status
    python -m tests.lab.netlab run -- CMD...   # up, run CMD inside the client namespace, always down

Must run as root, outside any `ip netns exec` (that gives its command a private mount namespace in which
namespaces created are invisible to everyone else). `down` is idempotent and also cleans a half-built lab.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

# PLAZA_LAB=<short tag> gives a second, independent lab on the same machine (parallel runs by developers).
_TAG = os.environ.get("PLAZA_LAB", "")[:4]
SERVER_NS = f"plz-srv{_TAG}"
CLIENT_NS = f"plz-cli{_TAG}"
SERVER_IF = f"plz-veth-s{_TAG}"
CLIENT_IF = f"plz-veth-c{_TAG}"
SERVER_IP = "198.18.0.1"
CLIENT_IP = "198.18.0.2"
PREFIX = 24

# The cascade: node 0 is the origin, nodes 1-3 the edges (most tests use two; tests.support.cascade_lab); each node's
# end of its veth is CASCADE_IFS[i], the bridge's end (in the client namespace) CASCADE_PORTS[i]: set that one down
# and the node is cut off.
ORIGIN_NS = f"plz-org{_TAG}"
EDGE_NS = (f"plz-edg1{_TAG}", f"plz-edg2{_TAG}", f"plz-edg3{_TAG}")
CASCADE_NS = (ORIGIN_NS, *EDGE_NS)
CASCADE_IFS = tuple(f"plz-n{i}{_TAG}" for i in range(4))
CASCADE_PORTS = tuple(f"plz-h{i}{_TAG}" for i in range(4))
CASCADE_IPS = ("198.18.0.131", "198.18.0.132", "198.18.0.133", "198.18.0.134")
BRIDGE = f"plz-br{_TAG}"
BRIDGE_IP = "198.18.0.130"
CASCADE_PREFIX = 25


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], check=check, capture_output=True, text=True)


def namespaces() -> set[str]:
    out = _ip("netns", "list", check=False).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def _in_ns(ns: str, *args: str) -> None:
    _ip("netns", "exec", ns, *args)


def _mac(ns: str, ifname: str) -> str:
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show", ifname], check=True, capture_output=True,
                         text=True).stdout
    return out.split("link/ether")[1].split()[0]


def pin_neighbours() -> None:
    """Permanent ARP entries: a link-down blackout must drop packets, not park them in the ARP queue."""
    _ip("-n", SERVER_NS, "neigh", "replace", CLIENT_IP, "lladdr", _mac(CLIENT_NS, CLIENT_IF), "dev", SERVER_IF,
        "nud", "permanent")
    _ip("-n", CLIENT_NS, "neigh", "replace", SERVER_IP, "lladdr", _mac(SERVER_NS, SERVER_IF), "dev", CLIENT_IF,
        "nud", "permanent")


def _no_ipv6(ns: str) -> None:
    _in_ns(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
    _in_ns(ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1")
    _ip("-n", ns, "link", "set", "lo", "up")


def up() -> None:
    down()
    _ip("netns", "add", SERVER_NS)
    _ip("netns", "add", CLIENT_NS)
    _ip("link", "add", SERVER_IF, "netns", SERVER_NS, "type", "veth", "peer", "name", CLIENT_IF, "netns", CLIENT_NS)
    for ns, ifname, addr in ((SERVER_NS, SERVER_IF, SERVER_IP), (CLIENT_NS, CLIENT_IF, CLIENT_IP)):
        _no_ipv6(ns)
        _ip("-n", ns, "addr", "add", f"{addr}/{PREFIX}", "dev", ifname)
        _ip("-n", ns, "link", "set", ifname, "up")
    pin_neighbours()
    cascade_up()


def cascade_up() -> None:
    """The origin and edge namespaces and the client's bridge to them (after the client namespace exists)."""
    _ip("-n", CLIENT_NS, "link", "add", BRIDGE, "type", "bridge")
    _ip("-n", CLIENT_NS, "addr", "add", f"{BRIDGE_IP}/{CASCADE_PREFIX}", "dev", BRIDGE)
    _ip("-n", CLIENT_NS, "link", "set", BRIDGE, "up")
    for ns, ifname, port, addr in zip(CASCADE_NS, CASCADE_IFS, CASCADE_PORTS, CASCADE_IPS, strict=True):
        _ip("netns", "add", ns)
        _no_ipv6(ns)
        _ip("link", "add", ifname, "netns", ns, "type", "veth", "peer", "name", port, "netns", CLIENT_NS)
        _ip("-n", ns, "addr", "add", f"{addr}/{CASCADE_PREFIX}", "dev", ifname)
        _ip("-n", ns, "link", "set", ifname, "up")
        _ip("-n", CLIENT_NS, "link", "set", port, "master", BRIDGE, "up")


def _kill_pids(ns: str) -> None:
    pids = _ip("netns", "pids", ns, check=False).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), 9)
        except (ProcessLookupError, ValueError):
            pass
    if pids:
        time.sleep(0.1)


def down() -> None:
    present = namespaces()
    for ns in (SERVER_NS, CLIENT_NS, *CASCADE_NS):  # (veths and the bridge go with their namespaces)
        if ns in present:
            _kill_pids(ns)
            _ip("netns", "del", ns, check=False)


def status() -> str:
    present = namespaces()
    return "up" if {SERVER_NS, CLIENT_NS} <= present else "down"


class LabInUse(RuntimeError):
    """The lab's namespaces have processes: another run uses this lab (two runs of one lab kill each other)."""


def in_use() -> list[str]:
    """Pids running inside this lab's namespaces (a live run), [] for a stale or absent lab."""
    present = namespaces()
    return [pid for ns in (SERVER_NS, CLIENT_NS, *CASCADE_NS) if ns in present
            for pid in _ip("netns", "pids", ns, check=False).stdout.split()]


def run(command: list[str]) -> int:
    busy = in_use()
    if busy:
        raise LabInUse(f"the lab {SERVER_NS}/{CLIENT_NS} is in use by pid(s) {' '.join(busy[:5])}: another run uses "
                       "it; give this one its own lab with PLAZA_LAB=<tag>")
    up()
    try:
        return subprocess.call(["ip", "netns", "exec", CLIENT_NS, *command])
    finally:
        down()


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    verb = argv[0]
    if verb == "up":
        up()
    elif verb == "down":
        down()
    elif verb == "status":
        print(status())
    elif verb == "run":
        command = argv[1:]
        if command and command[0] == "--":
            command = command[1:]
        if not command:
            print("run needs a command after --", file=sys.stderr)
            return 2
        try:
            return run(command)
        except LabInUse as exc:
            print(f"netlab: {exc}", file=sys.stderr)
            return 3
    else:
        print(f"unknown verb {verb!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
