"""A cascade's controller (docs/deployment.md): `--forward` parsing, the forwarders it adds on the origin, which of
its links carries the stage and which count a feed; the lab side is tests/listener/test_cascade_lab.py."""

from __future__ import annotations

from typing import Any

import pytest

from app.cli import EXIT_USAGE, main
from app.controller.controller import RoomController
from app.controller.edge_forwards import EdgeForward, ensure_forwards, parse_forward
from app.controller.link import ControllerSecrets
from app.janus.handle import PluginReply

E1, E2, ORIGIN = "wss://e1.example:8989/janus", "wss://e2.example:8989/janus", "wss://origin.example:8989/janus"
SECRETS = ControllerSecrets(stage="s" * 32, feed="f" * 32, channel="c" * 32)


def test_a_forward_names_an_edge_and_the_ip_and_port_its_feed_listens_on() -> None:
    assert parse_forward(f"{E1}=10.0.0.11:5002") == EdgeForward(E1, "10.0.0.11", 5002)
    assert parse_forward(f"{E1}=10.0.0.11:5002").family == "ipv4"
    six = parse_forward(f"{E2}=[fd00::12]:5002")
    assert (six.host, six.port, six.family) == ("fd00::12", 5002, "ipv6")


@pytest.mark.parametrize(("text", "problem"), [
    ("10.0.0.11:5002", "not EDGE_URL=HOST:PORT"),
    (f"{E1}10.0.0.11:5002", "not EDGE_URL=HOST:PORT"),
    ("https://e1.example/janus=10.0.0.11:5002", "not a ws:// or wss:// URL"),
    (f"{E1}=edge1.internal:5002", "not an IP address"),
    (f"{E1}=10.0.0.11", "needs a port"),
    (f"{E1}=10.0.0.11:0", "needs a port"),
    (f"{E1}=10.0.0.11:70000", "needs a port"),
])
def test_a_bad_forward_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_forward(text)


class FakeStage:
    """An AudioBridge handle that keeps forwarders like Janus does (listforwarders / rtp_forward)."""

    def __init__(self, present: list[tuple[str, int]]) -> None:
        self.forwarders = [{"stream_id": i, "ip": ip, "port": port} for i, (ip, port) in enumerate(present)]
        self.requests: list[dict[str, Any]] = []

    async def message(self, body: dict[str, Any], *, timeout: float) -> PluginReply:
        self.requests.append(body)
        if body["request"] == "listforwarders":
            return PluginReply({"audiobridge": "forwarders", "rtp_forwarders": list(self.forwarders)})
        assert body["request"] == "rtp_forward"
        self.forwarders.append({"stream_id": len(self.forwarders), "ip": body["host"], "port": body["port"]})
        return PluginReply({"audiobridge": "success", "stream_id": len(self.forwarders)})


async def test_only_the_missing_forwarders_are_added_and_again_after_an_origin_restart() -> None:
    forwards = [EdgeForward(E1, "10.0.0.11", 5002), EdgeForward(E2, "10.0.0.12", 5002)]
    stage = FakeStage(present=[("10.0.0.11", 5002)])
    added = await ensure_forwards(stage, 1000, "s" * 32, forwards, timeout=1.0)  # type: ignore[arg-type]
    assert added == forwards[1:]
    body = stage.requests[-1]
    assert body == {"request": "rtp_forward", "room": 1000, "secret": "s" * 32, "host": "10.0.0.12",
                    "host_family": "ipv4", "port": 5002, "ptype": 100, "codec": "opus", "always_on": True}
    assert await ensure_forwards(stage, 1000, "s" * 32, forwards, timeout=1.0) == []  # type: ignore[arg-type]
    restarted = FakeStage(present=[])  # a restarted origin forgot the forwarders made through the API
    assert await ensure_forwards(restarted, 1000, "s" * 32, forwards, timeout=1.0) == forwards  # type: ignore[arg-type]


def test_the_origin_link_carries_the_stage_and_no_feed_the_edges_carry_the_feeds() -> None:
    cascade = RoomController([E1, E2], 1000, SECRETS, "T", stage_server=ORIGIN)
    assert [(link.url, link.is_stage, link.has_feed) for link in cascade.links] == [
        (ORIGIN, True, False), (E1, False, True), (E2, False, True)]
    mixing_edge = RoomController([E1, E2], 1000, SECRETS, "T", stage_server=E2)
    assert [(link.url, link.is_stage, link.has_feed) for link in mixing_edge.links] == [
        (E2, True, True), (E1, False, True)]
    one_server = RoomController([E1], 1000, SECRETS, "T")
    assert [(link.url, link.is_stage, link.has_feed) for link in one_server.links] == [(E1, True, True)]


@pytest.mark.parametrize(("args", "problem"), [
    (["--forward", "nonsense"], "not EDGE_URL=HOST:PORT"),
    (["--forward", f"{E2}=10.0.0.12:5002"], "an edge the link does not list (wss://e2.example:8989/janus)"),
])
def test_the_controller_command_refuses_forwards_it_cannot_follow(args: list[str], problem: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    link = f"plaza://e1.example/1000?stage={ORIGIN}"
    assert main(["controller", link, *args]) == EXIT_USAGE
    assert problem in capsys.readouterr().err


def test_forwards_need_a_cascade_link(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controller", "plaza://e1.example/1000", "--forward", f"{E1}=10.0.0.11:5002"]) == EXIT_USAGE
    assert "needs a link with stage=ORIGIN" in capsys.readouterr().err
