"""Room links: parsing, validation, formatting."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from app.links import MAX_LINK_LENGTH, MAX_SERVERS, LinkError, LinkProblem, RoomLink, format_link, parse_link


# ---------------------------------------------------------------------------------------------- good links
@pytest.mark.parametrize(
    ("text", "room", "servers"),
    [
        ("plaza://example.org/1234", 1234, ("wss://example.org:8989/janus",)),
        ("plaza+ws://example.org/1234", 1234, ("ws://example.org:8188/janus",)),
        ("plaza://example.org:443/7", 7, ("wss://example.org:443/janus",)),
        ("plaza+ws://10.0.0.2:9000/7", 7, ("ws://10.0.0.2:9000/janus",)),
        ("plaza://example.org:/7", 7, ("wss://example.org:8989/janus",)),
        ("plaza://example.org/7/", 7, ("wss://example.org:8989/janus",)),
        ("PLAZA://Example.ORG/7", 7, ("wss://example.org:8989/janus",)),
        ("  plaza://example.org/7\n", 7, ("wss://example.org:8989/janus",)),
        ("plaza://example.org/007", 7, ("wss://example.org:8989/janus",)),
        ("plaza://example.org/9007199254740991", 2**53 - 1, ("wss://example.org:8989/janus",)),
    ],
)
def test_parse_defaults(text: str, room: int, servers: tuple[str, ...]) -> None:
    link = parse_link(text)
    assert link.room_id == room
    assert link.servers == servers
    assert link.title == ""


@pytest.mark.parametrize(
    ("text", "server"),
    [
        ("plaza+ws://[::1]/5", "ws://[::1]:8188/janus"),
        ("plaza://[2001:db8::7]:9443/5", "wss://[2001:db8::7]:9443/janus"),
    ],
)
def test_ipv6_host(text: str, server: str) -> None:
    link = parse_link(text)
    assert link.servers == (server,)
    assert parse_link(link.format()) == link


def test_multiple_servers_in_order_without_duplicates() -> None:
    link = parse_link(
        "plaza://a.example:8989/42?server=wss://b.example:443/janus&server=ws://[::1]:8188/janus"
        "&server=wss://a.example:8989/janus&server=wss://b.example:443/janus&title=Night%20Jazz"
    )
    assert link == RoomLink(
        room_id=42,
        servers=("wss://a.example:8989/janus", "wss://b.example:443/janus", "ws://[::1]:8188/janus"),
        title="Night Jazz",
    )


def test_title_is_capped() -> None:
    assert parse_link("plaza://h/1?title=" + "a" * 300).title == "a" * 200


@pytest.mark.parametrize(
    "link",
    [
        RoomLink(1, ("wss://example.org:8989/janus",)),
        RoomLink(1, ("ws://example.org:8188/janus",)),
        RoomLink(2**53 - 1, ("wss://example.org:443/janus",)),
        RoomLink(5, ("ws://[::1]:8188/janus",)),
        RoomLink(77, ("wss://a.example:8989/janus", "wss://b.example:443/janus", "ws://[fe80::1]:8188/janus",
                      "wss://c.example:9000/janus/v2")),
        RoomLink(3, ("wss://example.org:8989/janus",), title="Jazz & Blues = 100% live? ça va / ok #1"),
        RoomLink(3, ("ws://127.0.0.1:8188/janus", "wss://b.example:8989/janus"), title="two"),
        RoomLink(4, ("wss://edge1.example:8989/janus", "wss://edge2.example:8989/janus"), title="cascade",
                 stage="wss://origin.example:8989/janus"),
        RoomLink(4, ("ws://127.0.0.1:8188/janus",), stage="ws://127.0.0.1:8188/janus"),
    ],
)
def test_round_trip(link: RoomLink) -> None:
    text = format_link(link)
    assert text == link.format()
    assert parse_link(text) == link
    assert format_link(parse_link(text)) == text


def test_format_is_canonical() -> None:
    assert format_link(RoomLink(9, ("ws://h:8188/janus",))) == "plaza+ws://h:8188/9"
    assert format_link(RoomLink(9, ("wss://h:8989/janus", "ws://g:1/janus"), "T")) == (
        "plaza://h:8989/9?server=ws://g:1/janus&title=T"
    )


@pytest.mark.parametrize("server", ["wss://example.org/janus", "ws://example.org/janus"])
def test_round_trip_of_a_server_without_an_explicit_port(server: str) -> None:
    parsed = parse_link(format_link(RoomLink(1, (server,))))
    assert parsed.servers[0] in (server, server.replace("/janus", ":443/janus"), server.replace("/janus", ":80/janus"))


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        (RoomLink(1, ()), "at least one server"),
        (RoomLink(1, ("wss://h:8989/other",)), "path /janus"),
    ],
)
def test_format_rejects_what_cannot_be_a_link(link: RoomLink, problem: str) -> None:
    with pytest.raises(LinkError, match=problem):
        format_link(link)


# ---------------------------------------------------------------------------------------------- bad links
MANY_SERVERS = "plaza://h/1?" + "&".join(f"server=ws://s{i}.example/janus" for i in range(MAX_SERVERS))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("   \t\n", "empty", id="blank"),
        pytest.param("example.org/1234", "should start with plaza://", id="no-scheme"),
        pytest.param("https://example.org/1234", "unknown link type 'https://'", id="wrong-scheme"),
        pytest.param("wss://example.org:8989/janus", "unknown link type 'wss://'", id="server-url-not-link"),
        pytest.param("plaza:///1234", "no server host", id="no-host"),
        pytest.param("plaza://example.org", "no room number", id="no-room"),
        pytest.param("plaza://example.org/", "no room number", id="no-room-slash"),
        pytest.param("plaza://example.org/lobby", "'lobby' is not a room number", id="room-word"),
        pytest.param("plaza://example.org/-5", "'-5' is not a room number", id="room-negative"),
        pytest.param("plaza://example.org/1.5", "'1.5' is not a room number", id="room-float"),
        pytest.param("plaza://example.org/1/2", "'1/2' is not a room number", id="room-path"),
        pytest.param("plaza://example.org/\u0661\u0662", "is not a room number", id="room-arabic-digits"),
        pytest.param("plaza://example.org/0", "room number 0 is out of range", id="room-zero"),
        pytest.param("plaza://example.org/9007199254740992", "out of range", id="room-too-big"),
        pytest.param("plaza://example.org:99999/1", "port", id="port-too-big"),
        pytest.param("plaza://example.org:http/1", "port", id="port-not-number"),
        pytest.param("plaza://example.org:-1/1", "port", id="port-negative"),
        pytest.param("plaza://[::1/1", "not a valid link", id="bad-ipv6"),
        pytest.param("plaza://user:pw@example.org/1", "credentials", id="credentials"),
        pytest.param("plaza://user@example.org/1", "credentials", id="username"),
        pytest.param("plaza://h/1?secret=abc", "must not carry secrets ('secret=", id="secret"),
        pytest.param("plaza://h/1?pin=1234", "must not carry secrets ('pin=", id="pin"),
        pytest.param("plaza://h/1?token=t", "must not carry secrets ('token=", id="token"),
        pytest.param("plaza://h/1?password=p", "must not carry secrets ('password=", id="password"),
        pytest.param("plaza://h/1?admin_key=k", "must not carry secrets ('admin_key=", id="admin-key"),
        pytest.param("plaza://h/1?title=x&secret=", "must not carry secrets", id="empty-secret"),
        pytest.param("plaza://h/1?colour=blue", "unknown link option 'colour'", id="unknown-option"),
        pytest.param("plaza://h/1?server", "malformed", id="option-without-value"),
        pytest.param("plaza://h/1?server=https://b.example/janus", "must start with ws:// or wss://",
                     id="server-https"),
        pytest.param("plaza://h/1?server=b.example:8188", "must start with ws:// or wss://", id="server-no-scheme"),
        pytest.param("plaza://h/1?server=", "must start with ws:// or wss://", id="server-empty"),
        pytest.param("plaza://h/1?server=ws:///janus", "has no host", id="server-no-host"),
        pytest.param("plaza://h/1?server=ws://b.example:70000/janus", "invalid port", id="server-bad-port"),
        pytest.param("plaza://h/1?server=wss://u:p@b.example/janus", "credentials", id="server-credentials"),
        pytest.param(MANY_SERVERS, f"more than {MAX_SERVERS} servers", id="too-many-servers"),
        pytest.param("plaza://h/1?title=" + "x" * MAX_LINK_LENGTH, f"longer than {MAX_LINK_LENGTH}", id="too-long"),
    ],
)
def test_malformed_links_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(LinkError) as info:
        parse_link(text)
    assert problem in str(info.value)
    assert isinstance(info.value, ValueError)


def test_the_server_limit_counts_the_first_server() -> None:
    # MAX_SERVERS - 1 extra servers plus the authority's server is exactly the limit.
    text = "plaza://h/1?" + "&".join(f"server=ws://s{i}.example/janus" for i in range(MAX_SERVERS - 1))
    assert len(parse_link(text).servers) == MAX_SERVERS


def test_the_length_limit_is_inclusive() -> None:
    head = "plaza://h/1?title="
    assert parse_link(head + "x" * (MAX_LINK_LENGTH - len(head))).title == "x" * 200


def test_error_messages_never_echo_a_secret() -> None:
    for text in ("plaza://h/1?secret=hunter2", "plaza://bob:hunter2@h/1", "plaza://h/1?server=ws://u:hunter2@b/janus"):
        with pytest.raises(LinkError) as info:
            parse_link(text)
        assert "hunter2" not in str(info.value)


def test_server_urls_with_a_query_are_rejected_without_echoing_it() -> None:
    with pytest.raises(LinkError, match="query or fragment") as info:
        parse_link("plaza://a.example/5?server=wss://b.example/janus?apisecret=hunter2")
    assert "hunter2" not in str(info.value)


# ---------------------------------------------------------------------------------------------- properties
# Links arrive from anywhere (pasted, shared, typed): parsing is total. Anything parse_link accepts formats and
# parses back to itself, and nothing else than LinkError comes out, whatever the text.
_URL_CHARS = st.text(st.sampled_from(list(":/?&=#@[]%.-_~+ 0123456789abcdefhjsvwxyzAZé\u2100\uff0f\x00\n")),
                     max_size=14)
# Letters and digits mixed, as real tokens are: a plain word could also be part of a fixed message ("password").
_SECRET = st.text(st.sampled_from(list("abcdefghijklmnopqrstuvwxyz0123456789")), min_size=8, max_size=12).filter(
    lambda s: any(c.isdigit() for c in s) and any(c.isalpha() for c in s))


def _part(good: list[str], bad: list[str]) -> st.SearchStrategy[str]:
    """Mostly good values (so many links parse), then near-misses, then anything."""
    return st.one_of(st.sampled_from(good), st.sampled_from(good), st.sampled_from(good), st.sampled_from(bad),
                     _URL_CHARS)


@st.composite
def link_like(draw: st.DrawFn) -> str:
    """Text shaped like a link, with each part drawn from good values and near-misses."""
    scheme = draw(_part(["plaza://", "plaza+ws://", "PLAZA://"], ["plaza:", "wss://", "", "plaza:///"]))
    host = draw(_part(["h", "a.example", "[::1]", "10.0.0.2", "[2001:db8::7]"], ["[::1", "", "u:p@h", "h h"]))
    port = draw(_part(["", ":8188", ":1", ":65535"], [":", ":99999", ":-1", ":x"]))
    room = draw(_part(["/1234", "/7/", "/9007199254740991"], ["/0", "/", "", "/12/3", "/9007199254740992", "/x"]))
    options = draw(st.lists(st.tuples(
        _part(["server", "title", "stage"], ["secret", "pin", "x", ""]),
        _part(["ws://b.example/janus", "wss://[::1]:1/janus", "wss://c:9/janus/v2", "Night%20Jazz", "%C3%A7a"],
              ["ws://b/janus?q=1", "ws://[x/janus", "http://b/janus", "ws://b:99999/janus", ""])), max_size=3))
    query = "?" + "&".join(f"{k}={v}" for k, v in options) if options else ""
    return f"{scheme}{host}{port}{room}{query}"


def _parse_or_link_error(text: Any) -> RoomLink | None:
    try:
        link = parse_link(text)
    except LinkError as exc:
        assert str(exc) and "\n" not in str(exc)
        event("LinkError")
        return None
    event("parsed")
    return link


@settings(max_examples=500)
@given(text=st.one_of(link_like(), link_like(), st.text(max_size=80)))
def test_any_text_is_a_link_that_round_trips_or_a_link_error(text: str) -> None:
    link = _parse_or_link_error(text)
    if link is not None:
        assert 0 < link.room_id and 1 <= len(link.servers) <= MAX_SERVERS
        assert parse_link(format_link(link)) == link


_SERVER_URL = st.builds(lambda scheme, host, port, path: f"{scheme}://{host}:{port}{path}",
                       st.sampled_from(["ws", "wss"]),
                       st.sampled_from(["a.example", "edge-2.example", "10.0.0.7", "[2001:db8::7]", "[::1]"]),
                       st.integers(1, 65535), st.sampled_from(["/janus", "/janus/v2", "/"]))


@settings(max_examples=300)
@given(edges=st.lists(_SERVER_URL.filter(lambda u: u.endswith("/janus")), min_size=1, max_size=4, unique=True),
       stage=st.one_of(st.just(""), _SERVER_URL), title=st.text(max_size=20))
def test_a_stage_server_round_trips_and_listeners_rotate_over_the_edges_only(edges: list[str], stage: str,
                                                                           title: str) -> None:
    link = RoomLink(7, tuple(edges), title=title.strip(), stage=stage)
    assume(link.title == title.strip() and all(c.isprintable() for c in title))
    parsed = parse_link(format_link(link))
    assert parsed.stage == stage
    assert parsed.stage_server == (stage or parsed.servers[0])
    assert parsed.servers == tuple(edges)  # listeners rotate over these: the origin is not made one of them
    assert format_link(parse_link(format_link(parsed))) == format_link(parsed)


def test_stage_names_the_origin_and_is_checked_like_a_server() -> None:
    link = parse_link("plaza://e1.example/9?server=wss://e2.example/janus&stage=wss://origin.example:8989/janus")
    assert link.servers == ("wss://e1.example:8989/janus", "wss://e2.example/janus")
    assert link.stage_server == "wss://origin.example:8989/janus"
    assert parse_link("plaza://e1.example/9").stage_server == "wss://e1.example:8989/janus"
    for bad, problem in (("stage=https://o/janus", "must start with ws:// or wss://"),
                         ("stage=ws://u:hunter2@o/janus", "credentials"),
                         ("stage=ws://o/janus?k=hunter2", "query"),
                         ("stage=ws://o/janus&stage=ws://p/janus", "one stage= server")):
        with pytest.raises(LinkError, match=problem) as raised:
            parse_link(f"plaza://e1.example/9?{bad}")
        assert "hunter2" not in str(raised.value)


@settings(max_examples=200)
@given(value=st.one_of(st.none(), st.integers(), st.binary(max_size=10), st.lists(st.text(max_size=5), max_size=2)))
def test_a_link_that_is_not_text_is_a_link_error(value: Any) -> None:
    with pytest.raises(LinkError, match="a room link is text"):
        parse_link(value)


@settings(max_examples=200)
@given(secret=_SECRET, how=st.sampled_from(["?secret={}", "?token={}", "?pin={}", "?server=ws://u:{}@b/janus",
                                            "?server=http://u:{}@b/janus", "?server=ws://b/janus?k={}",
                                            "?server=[u:{}@b/janus", "?server=ws://b/janus%3Fk%3D{}"]),
       text=link_like())
def test_a_secret_anywhere_in_a_link_is_never_echoed(secret: str, how: str, text: str) -> None:
    head = text.split("?", 1)[0]
    assume(secret.lower() not in head.lower())  # a head that spells the secret itself is shown as the head it is
    with pytest.raises(LinkError) as info:
        parse_link(head + how.format(secret))
    assert secret not in str(info.value)


def test_a_fragment_is_refused_as_a_place_for_secrets() -> None:
    """Nothing Plaza reads is in a #fragment, and the window saves links it joined: a token there would be kept."""
    with pytest.raises(LinkError, match="fragment") as info:
        parse_link("plaza://rooms.example/1234#token=hunter2")
    assert info.value.problem == LinkProblem.SECRETS
    assert "hunter2" not in str(info.value)


def test_same_room_is_the_number_on_a_shared_server() -> None:
    a = parse_link("plaza+ws://198.18.0.1:8188/1234?title=A")
    assert a.same_room(parse_link("plaza+ws://198.18.0.1:8188/1234"))  # the title aside
    assert a.same_room(RoomLink(1234, ("ws://198.18.0.9:8188/janus", "ws://198.18.0.1:8188/janus")))
    assert not a.same_room(parse_link("plaza+ws://198.18.0.2:8188/1234"))  # a moved room keeping its number
    assert not a.same_room(parse_link("plaza+ws://198.18.0.1:8188/1235"))
