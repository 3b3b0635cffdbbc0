"""Room links: the one place that parses, validates and formats them.

Format (documented in the README):

    plaza://HOST[:PORT]/ROOM[?server=URL&server=URL...][&stage=URL][&title=TEXT]
    plaza+ws://HOST[:PORT]/ROOM[...]

The authority names the first Janus server: `plaza://` means `wss://HOST:PORT/janus` (default port 8989),
`plaza+ws://` means plain `ws://HOST:PORT/janus` (default port 8188; for local rooms and labs). Each `server=`
adds another server of the same room (a full ws:// or wss:// URL); each listener tries them in its own random order
(app.listener.failover). Links never carry secrets: credentials in a link are rejected, so a shared link cannot
leak a room's secret.

`stage=URL` names the origin of a cascade (docs/deployment.md): the Janus that mixes the stage, where speakers
connect, while the servers above are its edges, which carry the feed and the channel and are all that listeners
rotate over. Without it the stage is the first server (a one-server room, or a room whose servers each mix).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

SCHEMES = {"plaza": ("wss", 8989), "plaza+ws": ("ws", 8188)}
FORBIDDEN_PARAMS = {"secret", "pin", "token", "password", "admin_key"}
MAX_LINK_LENGTH = 4096
MAX_SERVERS = 16
MAX_ROOM_ID = 2**53 - 1  # Janus room ids are JSON numbers


class LinkProblem(enum.Enum):
    """What is wrong with a link, for front ends that explain it in the user's language (the message is English)."""

    EMPTY = "empty"
    TOO_LONG = "too long"
    NOT_A_LINK = "not a link"
    SCHEME = "scheme"
    SECRETS = "secrets"  # credentials, secret=/pin=/token=, or a server URL with a query
    NO_HOST = "no host"
    PORT = "port"
    NO_ROOM = "no room"
    ROOM_NUMBER = "room number"
    OPTIONS = "options"
    SERVER = "server"
    TOO_MANY_SERVERS = "too many servers"


class LinkError(ValueError):
    """A room link that cannot be used; the message names what is wrong, `problem` says it as a value."""

    def __init__(self, message: str, problem: LinkProblem = LinkProblem.NOT_A_LINK) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class RoomLink:
    room_id: int
    servers: tuple[str, ...]
    title: str = ""
    stage: str = ""  # the origin's URL when it is not one of `servers` (a cascade); "" = servers[0]

    @property
    def stage_server(self) -> str:
        """Where the stage is (speakers, the controller's stage polls): the origin, or else the first server."""
        return self.stage or self.servers[0]

    def format(self) -> str:
        return format_link(self)

    def same_room(self, other: RoomLink) -> bool:
        """Whether `other` names this room: its number on a server of ours (a moved room may keep its number on
        other servers: then it is another room)."""
        return self.room_id == other.room_id and bool(set(self.servers) & set(other.servers))


def _check_server_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed '[' or characters that change under NFKC normalisation
        raise LinkError("a server=URL in the link is not a valid URL") from None
    if parts.query or parts.fragment or "?" in url or "#" in url:
        # Never echo such a URL: its query is where an API secret or token would be.
        raise LinkError("a server=URL in a link must not have a query or fragment (links never carry secrets)",
                        LinkProblem.SECRETS)
    if parts.username or parts.password or "@" in url:  # checked before any message that echoes the URL
        raise LinkError("links must not carry credentials (user:password@)", LinkProblem.SECRETS)
    if parts.scheme not in ("ws", "wss"):
        raise LinkError(f"server {url!r} must start with ws:// or wss://", LinkProblem.SERVER)
    if not parts.hostname:
        raise LinkError(f"server {url!r} has no host", LinkProblem.SERVER)
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise LinkError(f"server {url!r} has an invalid port", LinkProblem.SERVER) from None
    return url


check_server_url = _check_server_url  # public too: the lobby's server lists (app.room.lobby_protocol) use it


def server_url(text: str) -> str:
    """A server address as a WebSocket URL (`ws://…`, `wss://…`, or `plaza://HOST[:PORT]` / `plaza+ws://…`,
    mapped as in links); raises LinkError. For browsing a server's lobby, where there is no room yet."""
    text = text.strip() if isinstance(text, str) else text
    if isinstance(text, str) and text.partition("://")[0].lower() in SCHEMES:
        return parse_link(f"{text.rstrip('/')}/1").servers[0]
    if not isinstance(text, str) or len(text) > MAX_LINK_LENGTH:
        raise LinkError("not a server address", LinkProblem.SERVER)
    url = _check_server_url(text)
    parts = urlsplit(url)
    if parts.path.rstrip("/") not in ("", "/janus"):  # it becomes a link's first server, which is always /janus
        raise LinkError(f"server {url!r}: a Janus server's address ends in /janus", LinkProblem.SERVER)
    return f"{parts.scheme}://{parts.netloc}/janus"


def parse_link(text: str) -> RoomLink:
    """Parse a room link or raise LinkError naming the problem (for any input: links come from anywhere)."""
    if not isinstance(text, str):
        raise LinkError(f"a room link is text, not {type(text).__name__}")
    text = text.strip()
    if not text:
        raise LinkError("the link is empty", LinkProblem.EMPTY)
    if len(text) > MAX_LINK_LENGTH:
        raise LinkError(f"the link is longer than {MAX_LINK_LENGTH} characters", LinkProblem.TOO_LONG)
    if "://" not in text:
        raise LinkError("not a room link: it should start with plaza:// or plaza+ws://", LinkProblem.NOT_A_LINK)
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise LinkError(f"not a valid link: {exc}", LinkProblem.NOT_A_LINK) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise LinkError(f"unknown link type {parts.scheme + '://'!r}: expected plaza:// or plaza+ws://",
                        LinkProblem.SCHEME)
    if parts.username or parts.password:
        raise LinkError("links must not carry credentials (user:password@)", LinkProblem.SECRETS)
    if parts.fragment:  # nothing Plaza reads lives there, and a secret there would be saved with the link
        raise LinkError("a room link has no #fragment (links never carry secrets)", LinkProblem.SECRETS)
    if not parts.hostname:
        raise LinkError("the link has no server host (plaza://HOST:PORT/ROOM)", LinkProblem.NO_HOST)
    try:
        port = parts.port
    except ValueError:
        raise LinkError("the link's port is not a number between 0 and 65535", LinkProblem.PORT) from None
    room_text = parts.path.strip("/")
    if not room_text:
        raise LinkError("the link has no room number (plaza://HOST:PORT/ROOM)", LinkProblem.NO_ROOM)
    if not room_text.isdigit() or not room_text.isascii():
        raise LinkError(f"room {room_text[:40]!r} is not a room number", LinkProblem.ROOM_NUMBER)
    room_id = int(room_text)
    if not 0 < room_id <= MAX_ROOM_ID:
        raise LinkError(f"room number {room_id} is out of range", LinkProblem.ROOM_NUMBER)

    ws_scheme, default_port = SCHEMES[scheme]
    host = parts.hostname
    netloc = f"[{host}]" if ":" in host else host
    servers = [f"{ws_scheme}://{netloc}:{port or default_port}/janus"]
    title = ""
    stage = ""
    try:
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise LinkError("the link's options (after '?') are malformed", LinkProblem.OPTIONS) from None
    for key, value in query:
        if key in FORBIDDEN_PARAMS:
            raise LinkError(f"links must not carry secrets ('{key}=' is not allowed)", LinkProblem.SECRETS)
        if key == "server":
            url = _check_server_url(value)
            if url not in servers:
                servers.append(url)
        elif key == "stage":
            if stage and stage != value:
                raise LinkError("a link names one stage= server", LinkProblem.OPTIONS)
            stage = _check_server_url(value)
        elif key == "title":
            title = value[:200]
        else:
            raise LinkError(f"unknown link option {key!r}", LinkProblem.OPTIONS)
    if len(servers) > MAX_SERVERS:
        raise LinkError(f"the link names more than {MAX_SERVERS} servers", LinkProblem.TOO_MANY_SERVERS)
    return RoomLink(room_id=room_id, servers=tuple(servers), title=title, stage=stage)


def format_link(link: RoomLink) -> str:
    """The canonical text of a link; `parse_link(format_link(x)) == x`."""
    if not link.servers:
        raise LinkError("a link needs at least one server")
    first = urlsplit(link.servers[0])
    scheme = "plaza" if first.scheme == "wss" else "plaza+ws"
    default_port = 443 if first.scheme == "wss" else 80  # the URL's own default, not the link's
    host = first.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if first.path not in ("/janus", "/", ""):
        raise LinkError(f"the first server of a link must be at path /janus, not {first.path!r}")
    head = f"{scheme}://{netloc}:{first.port or default_port}/{link.room_id}"
    params: list[tuple[str, str]] = [("server", s) for s in link.servers[1:]]
    if link.stage:
        params.append(("stage", link.stage))
    if link.title:
        params.append(("title", link.title))
    return head + ("?" + urlencode(params, quote_via=quote, safe=":/") if params else "")
