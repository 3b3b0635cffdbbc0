"""The Janus wire: WebSocket transport, session, handles and the plugins Plaza uses.

Nothing here knows about rooms or Qt; it speaks the Janus JSON API and reports failures as typed errors.
"""

from app.janus.errors import (
    JanusApiError,
    JanusError,
    MalformedReply,
    MessageTooLarge,
    PluginError,
    ProtocolError,
    RequestTimeout,
    SessionLost,
    TransportClosed,
)
from app.janus.handle import PluginHandle
from app.janus.session import JanusSession

__all__ = [
    "JanusApiError",
    "JanusError",
    "JanusSession",
    "MalformedReply",
    "MessageTooLarge",
    "PluginError",
    "PluginHandle",
    "ProtocolError",
    "RequestTimeout",
    "SessionLost",
    "TransportClosed",
]
