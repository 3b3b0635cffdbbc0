"""The lab's fault injection: rule text and clean-up without root; real drops (not delays) in the lab."""

from __future__ import annotations

import asyncio
import socket
import struct
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from tests.lab import faults, netlab

# ---------------------------------------------------------------------------------------------- unit (no root)


class Recorder:
    """Stands in for the command runners; can fail on a chosen command."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[str] = []
        self.fail_on = fail_on

    def run(self, argv: Sequence[str]) -> None:
        text = " ".join(argv)
        self.calls.append(text)
        if self.fail_on and self.fail_on in text:
            raise faults.FaultError(f"{text} failed")

    def script(self, argv: Sequence[str], script: str) -> None:
        self.calls.append(" ".join(argv) + " -f - <<" + script)


def test_ruleset_drops_a_random_percentage_on_ingress_of_the_interface() -> None:
    text = faults.ruleset("plz-veth-c", 5)
    assert f"table netdev {faults.TABLE}" in text
    assert 'hook ingress device "plz-veth-c"' in text
    assert "numgen random mod 100 < 5 drop" in text
    assert "policy accept" in text


def test_ruleset_for_everything_is_a_plain_drop() -> None:
    text = faults.ruleset("x", 100)
    assert "\t\tdrop\n" in text and "numgen" not in text


@pytest.mark.parametrize("percent", [0, -1, 101, 2.5])
def test_ruleset_rejects_what_nft_cannot_do(percent: float) -> None:
    with pytest.raises(ValueError):
        faults.ruleset("x", percent)


async def test_random_loss_removes_its_table_when_the_body_raises() -> None:
    rec = Recorder()
    with pytest.raises(RuntimeError, match="boom"):
        async with faults.random_loss(5, side="both", runner=rec.run, script_runner=rec.script):
            raise RuntimeError("boom")
    deletes = [c for c in rec.calls if c.endswith(f"delete table netdev {faults.TABLE}")]
    # one stale-table delete before each load, one delete per loaded table on exit
    assert len(deletes) == 4
    assert rec.calls[-1].endswith(f"delete table netdev {faults.TABLE}")
    assert netlab.SERVER_NS in rec.calls[-1] or netlab.SERVER_NS in rec.calls[-2]


async def test_random_loss_removes_what_it_loaded_when_loading_the_second_side_fails() -> None:
    rec = Recorder()
    calls = 0

    def flaky(argv: Sequence[str], script: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise faults.FaultError("nft: no such device")
        rec.script(argv, script)

    with pytest.raises(faults.FaultError, match="no such device"):
        async with faults.random_loss(5, side="both", runner=rec.run, script_runner=flaky):
            pytest.fail("the body must not run")
    assert rec.calls[-1] == f"ip netns exec {netlab.CLIENT_NS} nft delete table netdev {faults.TABLE}"


async def test_random_loss_validates_before_touching_the_lab() -> None:
    rec = Recorder()
    with pytest.raises(ValueError):
        async with faults.random_loss(250, runner=rec.run, script_runner=rec.script):
            pass
    with pytest.raises(ValueError):
        async with faults.random_loss(5, side="middle", runner=rec.run, script_runner=rec.script):  # type: ignore[arg-type]
            pass
    assert rec.calls == []


async def test_blackout_brings_the_links_back_and_repins_even_when_cancelled() -> None:
    rec = Recorder()
    pinned: list[bool] = []
    task = asyncio.create_task(faults.blackout(30, runner=rec.run, pin=lambda: pinned.append(True)))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [c.split()[-1] for c in rec.calls] == ["down", "down", "up", "up"]
    assert pinned == [True]


async def test_blackout_takes_about_as_long_as_asked() -> None:
    rec = Recorder()
    report = await faults.blackout(0.2, runner=rec.run, pin=lambda: None)
    assert 0.19 <= report.seconds <= 0.3


async def test_blackout_reports_a_link_that_did_not_come_back() -> None:
    rec = Recorder(fail_on=" up")
    with pytest.raises(faults.FaultError, match="up failed"):
        await faults.blackout(0.05, runner=rec.run, pin=lambda: None)
    assert [c.split()[-1] for c in rec.calls] == ["down", "down", "up", "up"]  # tried both ends anyway


# ---------------------------------------------------------------------------------------------- in the lab
PORT = 47000
SENDER = """
import socket, struct, sys, time
host, port, count, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.monotonic()
for seq in range(count):
    due = start + seq * interval
    wait = due - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    try:
        s.sendto(struct.pack("!Id", seq, time.monotonic()), (host, port))
    except OSError:
        pass  # ENETUNREACH while the link is down: the packet is lost, which is the point
"""


@dataclass
class Arrival:
    seq: int
    sent: float
    received: float


SO_RCVBUFFORCE = 33  # Linux's SO_RCVBUF past net.core.rmem_max (root); Python's socket module does not name it


async def udp_from_server(count: int, interval: float, during: asyncio.Future[object] | None = None
                          ) -> list[Arrival]:
    """Send `count` numbered packets server → client (the media direction) and collect what arrives."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Room for every packet of a run (4000 × ~1 KiB of kernel memory each): a receiver that stalls for a moment
    # must not drop packets itself and have them counted as the fault's (the default ~208 KiB holds ~270).
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 * 1024 * 1024)
    sock.bind((netlab.CLIENT_IP, PORT))
    sock.setblocking(False)
    arrivals: list[Arrival] = []
    proc = await asyncio.create_subprocess_exec(
        "ip", "netns", "exec", netlab.SERVER_NS, sys.executable, "-c", SENDER,
        netlab.CLIENT_IP, str(PORT), str(count), str(interval))
    loop = asyncio.get_running_loop()
    try:
        deadline = time.monotonic() + count * interval + 3.0
        while time.monotonic() < deadline:
            try:
                data = await asyncio.wait_for(loop.sock_recv(sock, 64), 0.5)
            except TimeoutError:
                if proc.returncode is not None:
                    break
                continue
            seq, sent = struct.unpack("!Id", data)
            arrivals.append(Arrival(seq, sent, time.monotonic()))
        await proc.wait()
        if during is not None:
            await during
    finally:
        sock.close()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return arrivals


@pytest.mark.lab
async def test_blackout_drops_packets_instead_of_delivering_them_late(lab: object) -> None:
    async def two_blackouts() -> list[faults.BlackoutReport]:
        await asyncio.sleep(0.6)
        first = await faults.blackout(0.5)
        await asyncio.sleep(0.5)
        second = await faults.blackout(0.5)  # relies on the first one's re-pin
        return [first, second]

    fault = asyncio.ensure_future(two_blackouts())
    arrivals = await udp_from_server(count=600, interval=0.005, during=fault)  # 3 s at 200 packets/s
    reports = fault.result()
    assert max(a.received - a.sent for a in arrivals) < 0.1, "packets were parked and delivered late"
    for report in reports:
        inside = [a for a in arrivals if report.down_at + 0.02 < a.sent < report.up_at - 0.02]
        assert inside == [], f"{len(inside)} packets sent during the blackout were delivered"
    lost = 600 - len(arrivals)
    assert 150 <= lost <= 260, f"{lost} lost; two 0.5 s blackouts at 200/s should lose ~200"


@pytest.mark.lab
async def test_random_loss_drops_about_the_percentage_and_is_removed(lab: object) -> None:
    async with faults.random_loss(5) as rule:
        assert faults.TABLE in faults.list_tables(netlab.CLIENT_NS)
        arrivals = await udp_from_server(count=4000, interval=0.0005)
    assert rule.removed_at is not None
    lost = 4000 - len(arrivals)
    # binomial(4000, 0.05): mean 200, sd 13.8; ±5 sd
    assert 130 <= lost <= 270, lost
    assert faults.TABLE not in faults.list_tables(netlab.CLIENT_NS)
    after = await udp_from_server(count=500, interval=0.001)
    assert len(after) == 500


@pytest.mark.lab
async def test_drop_all_drops_everything_until_it_is_removed_even_on_error(lab: object) -> None:
    with pytest.raises(RuntimeError):
        async with faults.drop_all():
            assert await udp_from_server(count=200, interval=0.001) == []
            raise RuntimeError("test body failed")
    for ns in (netlab.CLIENT_NS, netlab.SERVER_NS):
        assert faults.TABLE not in faults.list_tables(ns)
    assert len(await udp_from_server(count=200, interval=0.001)) == 200


def test_ruleset_can_drop_one_protocol_only() -> None:
    text = faults.ruleset("plz-veth-c", 100, protocol="udp")
    assert "\t\tmeta l4proto udp drop\n" in text
    assert "meta l4proto tcp numgen random mod 100 < 5 drop" in faults.ruleset("x", 5, protocol="tcp")
    with pytest.raises(ValueError):
        faults.ruleset("x", 100, protocol="icmp")  # type: ignore[arg-type]


async def test_forget_connection_drops_one_client_port_both_ways_in_its_own_table() -> None:
    rec = Recorder()
    async with faults.forget_connection(40000, runner=rec.run, script_runner=rec.script):
        loads = [c for c in rec.calls if " -f - <<" in c]
        assert len(loads) == 2
        client, server = loads
        assert netlab.CLIENT_NS in client and "\t\ttcp dport 40000 drop\n" in client
        assert netlab.SERVER_NS in server and "\t\ttcp sport 40000 drop\n" in server
        assert all(f"table netdev {faults.FLOW_TABLE}" in c for c in loads)  # a drop_all inside keeps it
    deletes = [c for c in rec.calls[-2:] if c.endswith(f"delete table netdev {faults.FLOW_TABLE}")]
    assert len(deletes) == 2
    with pytest.raises(ValueError):
        faults.forget_connection(0)


# ---------------------------------------------------------------------------------------------- cascade nodes
async def test_cut_node_takes_the_bridge_port_down_and_always_up_again() -> None:
    rec = Recorder()
    task = asyncio.create_task(faults.cut_node(1, 30.0, runner=rec.run))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    port = netlab.CASCADE_PORTS[1]
    assert rec.calls == [f"ip -n {netlab.CLIENT_NS} link set {port} down",
                         f"ip -n {netlab.CLIENT_NS} link set {port} up"]


async def test_node_loss_drops_both_ways_in_its_own_table_and_removes_it() -> None:
    rec = Recorder()
    async with faults.node_loss(2, 10, runner=rec.run, script_runner=rec.script) as rule:
        assert rule.percent == 10
    loads = [c for c in rec.calls if " -f - <<" in c]
    assert len(loads) == 2
    assert f'device "{netlab.CASCADE_PORTS[2]}"' in loads[0] and f"netns exec {netlab.CLIENT_NS} " in loads[0]
    assert f'device "{netlab.CASCADE_IFS[2]}"' in loads[1] and f"netns exec {netlab.CASCADE_NS[2]} " in loads[1]
    assert all(f"table netdev {faults.NODE_TABLE}" in c for c in loads)
    assert rec.calls[-2:] == [f"ip netns exec {ns} nft delete table netdev {faults.NODE_TABLE}"
                              for ns in (netlab.CLIENT_NS, netlab.CASCADE_NS[2])]


@pytest.mark.parametrize("node", [-1, len(netlab.CASCADE_NS)])
async def test_node_faults_name_a_node_that_does_not_exist(node: int) -> None:
    rec = Recorder()
    with pytest.raises(ValueError, match="cascade node"):
        await faults.cut_node(node, 1.0, runner=rec.run)
    with pytest.raises(ValueError, match="cascade node"):
        faults.node_loss(node, 5, runner=rec.run, script_runner=rec.script)
    assert rec.calls == []
