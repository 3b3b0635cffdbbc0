"""Typed errors of the Janus wire, so callers can tell 'server gone' from 'server said no'."""

from __future__ import annotations


class JanusError(Exception):
    """Base of every error raised by the Janus layer."""


class TransportClosed(JanusError):
    """The WebSocket is closed (or never opened); pending requests fail with this at once."""


class SessionLost(JanusError):
    """The Janus session is gone: missed keepalive ack, `timeout` event, or `458 no such session`."""


class RequestTimeout(JanusError):
    """The server did not answer a request within its timeout."""


class ProtocolError(JanusError):
    """The server sent something that is not the Janus API (bad JSON, missing fields)."""


class JanusApiError(JanusError):
    """A Janus-level `error` reply (`{"janus": "error", "error": {"code", "reason"}}`)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"Janus error {code}: {reason}")
        self.code = code
        self.reason = reason


class PluginError(JanusError):
    """A plugin answered with `error_code` in its data (plugins do not use Janus-level errors)."""

    def __init__(self, plugin: str, code: int, message: str) -> None:
        super().__init__(f"{plugin} error {code}: {message}")
        self.plugin = plugin
        self.code = code
        self.message = message


# Janus core error codes we react to (janus/apierror.h).
NO_SUCH_SESSION = 458
NO_SUCH_HANDLE = 459
