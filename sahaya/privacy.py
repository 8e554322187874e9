"""Keeping Aadhaar numbers out of the tracker store, the logs and replies.

* `redact` masks anything that looks like an Aadhaar number (11–13 digits,
  spaced or not) to its last four digits.
* `RedactingSQLTrackerStore` stores every event redacted: the citizen's
  message, NLU output and slots. The turn in progress still sees the real
  value (the tracker is redacted on its way to the database only).
* `seal` / `unseal` let the form carry the Aadhaar number between turns as
  ciphertext (Fernet, key from SAHAYA_FIELD_KEY or var/field.key); only the
  action server holds the key, and only to submit it to the backend.
"""

from __future__ import annotations

import copy
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from cryptography.fernet import Fernet, InvalidToken

from sahaya.catalogue import PROJECT_ROOT

# 11–13 digits, optionally in groups: a mistyped Aadhaar is still an Aadhaar.
_AADHAAR_LIKE = re.compile(r"(?<![\d\w])(?:\d[ \-]?){10,12}\d(?![\d\w])")
SEALED_PREFIX = "sealed:"


def mask_aadhaar(digits: str) -> str:
    digits = re.sub(r"\D", "", digits)
    return f"XXXX XXXX {digits[-4:]}"


def redact(value: Any) -> Any:
    """A copy of `value` (str, list, dict) with Aadhaar-like numbers masked."""
    if isinstance(value, str):
        if value.startswith(SEALED_PREFIX):
            return value
        return _AADHAAR_LIKE.sub(lambda m: mask_aadhaar(m.group(0)), value)
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    key = os.environ.get("SAHAYA_FIELD_KEY")
    if not key:
        path = Path(os.environ.get("SAHAYA_FIELD_KEY_PATH", PROJECT_ROOT / "var" / "field.key"))
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(Fernet.generate_key())
            path.chmod(0o600)
        key = path.read_bytes().decode().strip()
    return Fernet(key.encode() if isinstance(key, str) else key)


def seal(value: str) -> str:
    return SEALED_PREFIX + _fernet().encrypt(value.encode()).decode()


def unseal(value: str) -> str:
    """The original of a sealed value; other values pass through."""
    if not isinstance(value, str) or not value.startswith(SEALED_PREFIX):
        return value
    try:
        return _fernet().decrypt(value[len(SEALED_PREFIX):].encode()).decode()
    except InvalidToken as error:
        raise ValueError("sealed value cannot be opened with this key") from error


def _load_tracker_store_base():
    from rasa.core.tracker_store import SQLTrackerStore

    return SQLTrackerStore


class RedactingSQLTrackerStore(_load_tracker_store_base()):  # type: ignore[misc]
    """Rasa's SQLTrackerStore (SQLite or PostgreSQL) that never writes an
    Aadhaar number: events are redacted on the way in."""

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Any]:
        from rasa.shared.core.events import Event

        for event in super()._additional_events(session, tracker):
            yield Event.from_parameters(redact(copy.deepcopy(event.as_dict())))

    async def _stream_new_events(self, event_broker: Any, new_events: Any, sender_id: str) -> None:
        # The event broker (analytics) gets the same redacted events.
        for event in new_events:
            event_broker.publish(redact({"sender_id": sender_id, **event.as_dict()}))
