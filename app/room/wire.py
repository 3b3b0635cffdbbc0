"""Reading JSON from the network for the room protocols (room state, stage, host): strict, total and bounded.

Every reader either returns a value of the promised type or raises ProtocolViolation naming the field and the
problem; `decode` adds the size, JSON, object and version checks every message gets first. Shared by
app.room.protocol, stage_protocol and host_protocol, so one rule has one place.
"""

from __future__ import annotations

import json
import math
import unicodedata
from typing import Any, Final

PROTOCOL_VERSION: Final = 1
MAX_MESSAGE_BYTES: Final = 16384  # encoded UTF-8; the largest data-channel message every stack delivers whole
MAX_ID_CHARS: Final = 128


class ProtocolViolation(ValueError):
    """A message that must be dropped; the text names the problem precisely (for the one log line)."""


class UnsupportedVersion(ProtocolViolation):
    """A message of a protocol version this client does not speak (usually a newer one)."""

    def __init__(self, version: int) -> None:
        shown = short(version)
        if version > PROTOCOL_VERSION:
            text = f"protocol version {shown} is newer than the supported version {PROTOCOL_VERSION}"
        else:
            text = f"protocol version {shown} is not supported (this client speaks {PROTOCOL_VERSION})"
        super().__init__(text)
        self.version = version


# Bidi embedding/override/isolate controls: they let a name reorder the text around it in the UI.
_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object",
            type(None): "null"}.get(type(value), type(value).__name__)


def clean_text(text: str, limit: int) -> str:
    """Display text as the UI may show it: no control/surrogate/bidi-override characters, trimmed, <= limit chars."""
    if len(text) <= limit and text.isprintable() and text == text.strip():
        return text  # the common case, without a per-character pass
    kept = "".join(c for c in text if c not in _BIDI_CONTROLS and unicodedata.category(c) not in ("Cc", "Cs"))
    return kept.strip()[:limit].rstrip()


def required(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise ProtocolViolation(f"{where}missing {key!r}")
    return obj[key]


_KINDS: Final = {"an integer": (int,), "a boolean": (bool,), "a string": (str,), "a number": (int, float)}


def typed(obj: dict[str, Any], key: str, where: str, kind: str) -> Any:
    value = required(obj, key, where)
    if type(value) not in _KINDS[kind]:  # exact types: bool is an int subclass, but true is not a number here
        raise ProtocolViolation(f"{where}{key!r} must be {kind}, got {type_name(value)} {short(value)}")
    return value


def read_int(obj: dict[str, Any], key: str, where: str = "") -> int:
    value: int = typed(obj, key, where, "an integer")
    if value < 0:
        raise ProtocolViolation(f"{where}{key!r} must not be negative, got {value}")
    return value


def read_bool(obj: dict[str, Any], key: str, where: str = "") -> bool:
    return bool(typed(obj, key, where, "a boolean"))


def read_flag(obj: dict[str, Any], key: str, where: str = "") -> bool:
    """An optional boolean that senders leave out when false (older receivers ignore it: no new version)."""
    return read_bool(obj, key, where) if key in obj else False


def read_str(obj: dict[str, Any], key: str, where: str = "") -> str:
    return str(typed(obj, key, where, "a string"))


def read_time(obj: dict[str, Any], key: str, where: str = "") -> float:
    value = typed(obj, key, where, "a number")
    if type(value) is int and not -1e300 < value < 1e300:  # float() of a 400-digit integer overflows
        raise ProtocolViolation(f"{where}{key!r} is out of range, got {short(value)}")
    return float(value)  # finite: the decoder rejects non-finite floats


def check_id(value: Any, what: str) -> str:
    if type(value) is not str:
        raise ProtocolViolation(f"{what} must be a string, got {type_name(value)} {short(value)}")
    if not value:
        raise ProtocolViolation(f"{what} is empty")
    if len(value) > MAX_ID_CHARS:
        raise ProtocolViolation(f"{what} is {len(value)} characters long (at most {MAX_ID_CHARS})")
    if not value.isprintable():
        raise ProtocolViolation(f"{what} {short(value)} contains control or unprintable characters")
    return value


def read_array(obj: dict[str, Any], key: str, limit: int, where: str = "") -> list[Any]:
    value = required(obj, key, where)
    if type(value) is not list:
        raise ProtocolViolation(f"{where}{key!r} must be an array, got {type_name(value)} {short(value)}")
    if len(value) > limit:
        raise ProtocolViolation(f"{where}{key!r} has {len(value)} entries (at most {limit})")
    return value


def as_object(value: Any, where: str) -> dict[str, Any]:
    if type(value) is not dict:
        raise ProtocolViolation(f"{where} must be an object, got {type_name(value)} {short(value)}")
    return value


def no_duplicates(ids: list[str], key: str) -> None:
    if len(set(ids)) != len(ids):
        raise ProtocolViolation(f"{key!r} lists id {short(_first_duplicate(ids))} more than once")


def _first_duplicate(items: list[str]) -> str:
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    raise AssertionError("no duplicate")  # only called after a length check found one


def _reject_constant(name: str) -> Any:
    raise ProtocolViolation(f"not JSON: non-finite number {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolViolation(f"not JSON: number {short(text)} is out of range")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):  # parsers disagree on which duplicate wins; let none of them decide for us
        dup = _first_duplicate([k for k, _ in pairs])
        raise ProtocolViolation(f"key {short(dup)} appears more than once in an object")
    return obj


_DECODER: Final = json.JSONDecoder(parse_float=_finite_float, parse_constant=_reject_constant,
                                   object_pairs_hook=_unique_keys)


def decode(text: Any) -> tuple[str, dict[str, Any]]:
    """Size, JSON, object, version and type checks shared by announcements and whispers."""
    if type(text) is not str:
        raise ProtocolViolation(f"message must be text, got {type(text).__name__}")
    if len(text) > MAX_MESSAGE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        raise ProtocolViolation(f"message is {len(text.encode('utf-8', 'surrogatepass'))} bytes "
                                f"(at most {MAX_MESSAGE_BYTES})")
    try:
        value = _DECODER.decode(text)
    except ProtocolViolation:
        raise
    except (ValueError, RecursionError) as e:  # JSONDecodeError, int digit limit, absurd nesting
        raise ProtocolViolation(f"not JSON: {str(e)[:120] or type(e).__name__}") from None
    obj = as_object(value, "message")
    version = required(obj, "v", "")
    if type(version) is not int:
        raise ProtocolViolation(f"'v' must be an integer, got {type_name(version)} {short(version)}")
    if version != PROTOCOL_VERSION:
        raise UnsupportedVersion(version)
    return read_str(obj, "type"), obj
