"""Typed errors of the Janus wire, so callers can tell 'server gone' from 'server said no' from 'server talks nonsense'.

Every failure caused by the network or the server leaves this package as one of these; their messages are one
line, bounded, and never carry an SDP or a secret (server-supplied text goes through `shown`).
"""

from __future__ import annotations

from typing import Any

SHOWN_CHARS = 120  # server-supplied text in an error message is cut here: errors are one line for a person


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """Server-supplied text made safe for a one-line message: printable characters only, at most `limit`."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > 4 * limit:
        text = text[: 4 * limit]  # no need to scan megabytes for a short line
    text = "".join(c if c.isprintable() else " " for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class JanusError(Exception):
    """Base of every error raised by the Janus layer."""


class TransportClosed(JanusError):
    """The WebSocket is closed (or never opened); pending requests fail with this at once."""


class MessageTooLarge(TransportClosed):
    """The server sent a frame over Plaza's size limit; the socket is closed (a frame is taken whole or not at all)."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(f"{url} sent a message larger than {limit // 1024} KiB (Plaza's limit); connection closed")
        self.url = url
        self.limit = limit


class SessionLost(JanusError):
    """The Janus session is gone: missed keepalive ack, `timeout` event, or `458 no such session`."""


class RequestTimeout(JanusError):
    """The server did not answer a request within its timeout."""


class ProtocolError(JanusError):
    """The server sent something that is not the Janus API (bad JSON, missing fields)."""


class MalformedReply(ProtocolError):
    """A reply or event of the wrong shape or type for what was asked (no id, an `sdp` that is not SDP, ...)."""


class JanusApiError(JanusError):
    """A Janus-level `error` reply (`{"janus": "error", "error": {"code", "reason"}}`)."""

    def __init__(self, code: int, reason: str) -> None:
        reason = shown(reason)
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class PluginError(JanusError):
    """A plugin answered with `error_code` in its data (plugins do not use Janus-level errors)."""

    def __init__(self, plugin: str, code: int, message: str) -> None:
        message = shown(message)
        super().__init__(f"{plugin} error {code}: {message}")
        self.plugin = plugin
        self.code = code
        self.message = message


# Janus core error codes we react to (janus/apierror.h).
NO_SUCH_SESSION = 458
NO_SUCH_HANDLE = 459
