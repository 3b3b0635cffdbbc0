"""Redaction of secrets before anything from the wire reaches a log."""

from __future__ import annotations

import json
from typing import Any

# Keys whose values are credentials in the Janus API or in Plaza's own messages.
SECRET_KEYS = frozenset(
    {"secret", "pin", "token", "admin_key", "admin_secret", "apisecret", "new_secret", "new_pin", "allowed",
     "sdp", "srtp_crypto", "password", "proof"}
)
# A host action handing a moved room's place on carries the place's proof as its target (§3.8): a capability too.
_CARRY_ACTION = "carry_"
_CARRY_JSON = '"carry_'


def _redact_text(text: Any) -> Any:
    """A TextRoom `text` may itself be JSON carrying a secret (a stage invite's token): redact inside it too."""
    if not isinstance(text, str) or not (_CARRY_JSON in text or any(f'"{key}"' in text for key in SECRET_KEYS)):
        return text
    try:
        inner = json.loads(text)
    except ValueError:
        return "***"  # secret-looking text we cannot parse: hide it whole
    return json.dumps(redact(inner), separators=(",", ":"), default=str)


def redact(value: Any) -> Any:
    """Return a copy of a JSON-like value with every secret value replaced by '***'."""
    if isinstance(value, dict):
        carry = str(value.get("action", "")).startswith(_CARRY_ACTION)
        return {k: ("***" if k.lower() in SECRET_KEYS or (carry and k == "target")
                    else _redact_text(v) if k == "text" else redact(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def redacted_json(value: Any, limit: int = 400) -> str:
    """Short, secret-free JSON for a log line."""
    text = json.dumps(redact(value), separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[:limit] + "…"
