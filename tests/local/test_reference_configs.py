"""The cascade's reference configs (packaging/janus/) cannot rot silently: they parse, hold what the controller and
the clients rely on, agree with each other and with the local room's config, and their units keep secrets off argv."""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any

import pytest

from app.controller.edge_forwards import parse_forward
from app.links import parse_link
from app.local.janus_config import LocalRoomConfig, render
from app.room.lobby_protocol import LOBBY_ROOM_ID

PACKAGING = Path(__file__).resolve().parent.parent.parent / "packaging" / "janus"
ROLES = ("origin", "edge")
_VALUE = re.compile(r'^(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>"[^"]*"|\[[^\]]*\]|[-\w.]+)\s*;?\s*$')


def parse_jcfg(text: str) -> dict[str, dict[str, Any]]:
    """The subset of libconfig Janus's Plaza configs use: top-level groups of `key = value` (strings, numbers,
    booleans, lists of strings), `#` comments. Anything else fails the test: a typo Janus would reject."""
    groups: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith("#") else ""
        if not line:
            continue
        if current is None:
            match = re.fullmatch(r"([A-Za-z][\w-]*)\s*:\s*\{", line)
            assert match, f"line {number}: expected `name: {{`, got {raw!r}"
            assert match[1] not in groups, f"line {number}: group {match[1]} twice"
            current = groups[match[1]] = {}
        elif line == "}":
            current = None
        else:
            match = _VALUE.match(line)
            assert match, f"line {number}: not `key = value`: {raw!r}"
            assert match["key"] not in current, f"line {number}: {match['key']} twice"
            value = match["value"]
            current[match["key"]] = (value[1:-1] if value.startswith('"') else
                                     re.findall(r'"([^"]*)"', value) if value.startswith("[") else
                                     value == "true" if value in ("true", "false") else int(value))
    assert current is None, "a group is not closed"
    return groups


def load(role: str, name: str) -> dict[str, dict[str, Any]]:
    return parse_jcfg((PACKAGING / role / name).read_text())


def the_room(groups: dict[str, dict[str, Any]], prefix: str) -> tuple[int, dict[str, Any]]:
    rooms = {name: group for name, group in groups.items()
             if name.startswith(prefix) and name != f"room-{LOBBY_ROOM_ID}"}
    assert len(rooms) == 1, f"one {prefix}N group, not {list(rooms)}"
    name, group = next(iter(rooms.items()))
    return int(name.removeprefix(prefix)), group


@pytest.mark.parametrize("role", ROLES)
def test_every_server_runs_the_plugins_of_its_part_and_the_wss_api(role: str) -> None:
    core = load(role, "janus.jcfg")
    disabled = set(core["plugins"]["disable"].split(","))
    stage, feed = "libjanus_audiobridge.so", "libjanus_streaming.so"
    assert (stage in disabled, feed in disabled) == ((False, True) if role == "origin" else (True, False))
    assert "libjanus_textroom.so" not in disabled  # channel N lives on both
    assert core["general"]["configs_folder"] == "/etc/janus-plaza"
    ws = load(role, "janus.transport.websockets.jcfg")
    assert ws["general"]["wss"] is True and ws["general"]["ws"] is False
    assert ws["general"]["wss_port"] == 8989  # what a plaza:// link defaults to (app.links)
    assert ws["admin"]["admin_ws"] is False and ws["admin"]["admin_wss"] is False
    assert set(ws["certificates"]) == {"cert_pem", "cert_key"}


def test_the_servers_agree_on_the_room_and_leave_every_secret_to_the_operator() -> None:
    stage_room, stage = the_room(load("origin", "janus.plugin.audiobridge.jcfg"), "room-")
    feed_room, feed = the_room(load("edge", "janus.plugin.streaming.jcfg"), "feed-")
    channels = [the_room(load(role, "janus.plugin.textroom.jcfg"), "room-") for role in ROLES]
    assert {stage_room, feed_room, feed["id"], *(n for n, _ in channels)} == {stage_room}
    assert stage["secret"] == "REPLACE_WITH_STAGE_SECRET"
    assert feed["secret"] == "REPLACE_WITH_FEED_SECRET"
    assert all(group["secret"] == "REPLACE_WITH_CHANNEL_SECRET" for _, group in channels)
    # the edges declare their lobby, so no client can create it first with a secret of its own (§11)
    lobby = load("edge", "janus.plugin.textroom.jcfg")[f"room-{LOBBY_ROOM_ID}"]
    assert lobby["secret"] == "REPLACE_WITH_LOBBY_SECRET"
    unit = (PACKAGING / "systemd" / "janus-plaza.service").read_text()
    assert "grep -rl REPLACE_WITH_ /etc/janus-plaza" in unit  # the unit refuses a config left with a placeholder


def test_the_origin_stage_is_the_local_rooms_stage_without_its_forward(tmp_path: Path) -> None:
    render(LocalRoomConfig(room_id=1000), tmp_path / "local", lib=tmp_path)
    _, local = the_room(parse_jcfg((tmp_path / "local" / "janus.plugin.audiobridge.jcfg").read_text()), "room-")
    _, origin = the_room(load("origin", "janus.plugin.audiobridge.jcfg"), "room-")
    assert not [key for key in origin if key.startswith("rtp_forward")]  # the controller adds one per edge
    differ = {key for key in local if not key.startswith("rtp_forward") and origin.get(key) != local[key]}
    assert differ == {"secret", "description", "record_dir"}, differ
    _, local_feed = the_room(parse_jcfg((tmp_path / "local" / "janus.plugin.streaming.jcfg").read_text()), "feed-")
    _, edge_feed = the_room(load("edge", "janus.plugin.streaming.jcfg"), "feed-")
    assert {k for k in local_feed if edge_feed.get(k) != local_feed[k]} == {"secret", "description", "audioiface"}


def test_the_controller_unit_names_a_cascade_link_forwards_to_the_edges_feeds_and_no_secret() -> None:
    text = (PACKAGING / "systemd" / "plaza-controller@.service").read_text()
    example = dict(re.findall(r"^#\s+(PLAZA_LINK|PLAZA_FORWARDS)=(.*)$", text, re.M))
    link = parse_link(example["PLAZA_LINK"])
    forwards = [parse_forward(arg) for arg in example["PLAZA_FORWARDS"].split() if arg != "--forward"]
    assert link.stage and link.stage not in link.servers
    assert [f.edge for f in forwards] == list(link.servers)  # every edge is fed
    _, feed = the_room(load("edge", "janus.plugin.streaming.jcfg"), "feed-")
    assert {f.port for f in forwards} == {feed["audioport"]}
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(text)
    exec_start = unit["Service"]["ExecStart"]
    # argv: the link and the forwards (parse_link refuses secrets in a link), the keyring's password on stdin only
    assert exec_start.endswith(""" < "$CREDENTIALS_DIRECTORY/keyring-password" > /dev/null && """
                               """exec /usr/bin/plaza controller "$PLAZA_LINK" $PLAZA_FORWARDS'"""), exec_start
    assert "LoadCredentialEncrypted" in unit["Service"]
