"""The one place that turns typed errors into a sentence for the user, in the user's language.

Exception messages are English and technical ("cannot open audio output default output: Error querying device
-1"); pasted into a translated sentence they read as "Tidak ada perangkat suara: cannot open audio output…".
So the UI never shows them: it picks a translated sentence by the error's type (and, for links, its problem),
and the English detail goes to the log (and the connection report) only. Unknown errors get a generic sentence.

Strings are `translate("ErrorText", "…")` calls with literals: that is what lupdate extracts.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.janus.errors import (
    JanusError,
    MessageTooLarge,
    ProtocolError,
    RequestTimeout,
    SessionLost,
    TransportClosed,
)
from app.links import LinkError, LinkProblem
from app.local.janus_process import JanusNotFound, LocalServerError, PortInUse
from app.local.network import NoNetworkAddress
from app.media.capture import CaptureError
from app.media.output import AudioOutputError
from app.room.errors import MediaFailed, RoomError, RoomNotFound, ServerProtocolError, ServerUnreachable
from app.stage.connection import StageRefused

translate = QCoreApplication.translate  # (lupdate extracts `translate("Context", "literal")` calls)

JANUS_INSTALL_COMMAND = "sudo apt-get install janus"


def link_problem_text(problem: LinkProblem) -> str:
    """Why a pasted link cannot be used."""
    texts = {
        LinkProblem.EMPTY: translate("ErrorText", "Paste a room link first."),
        LinkProblem.TOO_LONG: translate("ErrorText", "This link is too long to be a room link."),
        LinkProblem.NOT_A_LINK: translate("ErrorText",
                                          "This is not a room link. Room links start with plaza:// or plaza+ws://."),
        LinkProblem.SCHEME: translate("ErrorText",
                                      "This is another kind of link. Room links start with plaza:// or plaza+ws://."),
        LinkProblem.SECRETS: translate("ErrorText",
                                       "Room links never carry passwords or secrets, and this one does. "
                                       "Ask for a link without them."),
        LinkProblem.NO_HOST: translate("ErrorText", "The link does not say which server the room is on."),
        LinkProblem.PORT: translate("ErrorText", "The link's port number is not valid."),
        LinkProblem.NO_ROOM: translate("ErrorText", "The link has no room number."),
        LinkProblem.ROOM_NUMBER: translate("ErrorText", "The link's room number is not valid."),
        LinkProblem.OPTIONS: translate("ErrorText", "The link has options Plaza does not understand."),
        LinkProblem.SERVER: translate("ErrorText", "One of the link's servers is not a valid ws:// or wss:// address."),
        LinkProblem.TOO_MANY_SERVERS: translate("ErrorText", "The link lists too many servers."),
    }
    return texts[problem]


def _local_server_text(error: LocalServerError) -> str:
    if isinstance(error, NoNetworkAddress):  # the command stays as it is: it is typed, not read
        return translate("ErrorText", "This computer has no network address for the room's audio (the audio never "
                                      "goes through loopback). Connect to any network, even one without internet, "
                                      "or add a dummy interface: {command}").format(command=error.command)
    if isinstance(error, JanusNotFound):
        return translate("ErrorText", "The room server Janus is not installed. Install it with: {command}").format(
            command=JANUS_INSTALL_COMMAND)
    if isinstance(error, PortInUse):
        return translate("ErrorText", "The room server's port is already in use (is another Plaza demo running?).")
    return translate("ErrorText", "The room server could not start.")


def describe(error: BaseException) -> str:
    """One translated sentence for `error`; never its English message (log that separately)."""
    if isinstance(error, LinkError):
        return link_problem_text(error.problem)
    if isinstance(error, LocalServerError):
        return _local_server_text(error)
    if isinstance(error, RoomNotFound):
        return translate("ErrorText", "This room does not exist (or it has already ended).")
    if isinstance(error, ServerProtocolError | ProtocolError | MessageTooLarge):  # (before TransportClosed)
        return translate("ErrorText", "The server sent a reply Plaza cannot use.")
    if isinstance(error, ServerUnreachable | TransportClosed | RequestTimeout | SessionLost):
        return translate("ErrorText",
                         "The room's server cannot be reached. Check your internet connection and try again.")
    if isinstance(error, MediaFailed):
        return translate("ErrorText", "The room's audio did not start.")
    if isinstance(error, RoomError | JanusError):  # Janus said no (a plugin or API error), or a join failed
        return translate("ErrorText", "The room's server refused to play this room.")
    if isinstance(error, AudioOutputError):
        return output_problem_text()
    if isinstance(error, OSError):
        return translate("ErrorText", "Something on this computer failed (a file or a device could not be used).")
    return translate("ErrorText", "Something went wrong.")


def output_problem_text() -> str:
    """The room plays, but on no sound device (the output fell back to the system clock)."""
    return translate("ErrorText", "No sound device could be opened, so the room plays silently. "
               "Check your speakers or headphones, or pick another output device.")


def microphone_problem_text() -> str:
    """The chosen microphone cannot be opened (the English detail, naming the device, is in the log)."""
    return translate("ErrorText", "Your microphone could not be opened. Check that it is connected and not used by "
                                  "another app, or choose another one.")


def no_microphone_text() -> str:
    return translate("ErrorText", "No microphone was found. Connect one to speak on stage, or choose Not now.")


def stage_problem_text(error: BaseException) -> str:
    """Why going on stage (or staying there) failed; the room itself keeps playing."""
    if isinstance(error, CaptureError):
        return microphone_problem_text()
    if isinstance(error, StageRefused):
        return translate("ErrorText", "The invitation to speak is no longer valid (it was used, expired or "
                                      "withdrawn). A host can invite you again.")
    if isinstance(error, ServerUnreachable | TransportClosed | RequestTimeout | SessionLost):
        return translate("ErrorText", "The stage's server cannot be reached, so you could not go on stage. "
                                      "The room keeps playing.")
    return translate("ErrorText", "You could not go on stage. The room keeps playing; a host can invite you again.")


def unknown_problem_text() -> str:
    return translate("ErrorText", "Something went wrong.")


def reconnect_reason_text() -> str:
    """The banner's explanation while reconnecting (the English loss reason is in the details and the log)."""
    return translate("ErrorText", "The connection to the room's server was lost. Plaza is reconnecting; "
               "the audio already received keeps playing meanwhile.")


def ended_text(by_hosts: bool) -> str:
    """Why the room ended, as far as the listener can tell."""
    if by_hosts:
        return translate("ErrorText", "The hosts ended the room.")
    return translate("ErrorText", "The room has ended.")


def move_failed_text() -> str:
    """The room moved, and its new room was on none of the new link's servers (the not-found grace ran out)."""
    return translate("ErrorText", "The room moved, but its new room could not be found on the new link's servers.")
