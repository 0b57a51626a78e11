"""The canonical signed content of a note and its SHA-256.

A signature covers the clinician's words *and* the facts the note states, so a later change to
either is detectable. The canonical form is deliberately boring so it is the same on every run
and platform:

* a JSON document ``{"v": 2, "kind": ..., "note": ..., "facts": ..., "content": ...,
  "late_entry": ...}`` (``v`` is the version of this form; a new form gets a new number and old
  signatures keep verifying under the version they were made with);
* the rows a signature binds (the note, its session and participant; an addendum's note and
  author) are named by their global ids since form 2 (``signed_refs``): form 1 named them by
  this laptop's integer ids, which another laptop of the clinic numbers otherwise, so a note
  signed on one laptop failed verification on the others. Form 1 signatures still verify
  where their ids hold (on the laptop that made them);
* strings normalised to Unicode NFC; line endings normalised to ``\\n``;
* datetimes as UTC ISO 8601 with seconds and a ``Z`` suffix; dates as ``YYYY-MM-DD``;
  floats as their shortest round-trip ``repr`` string (never as JSON numbers); tuples as lists;
* ``json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":"))`` encoded as UTF-8.

``content_hash(document)`` is the lowercase hex SHA-256 of those bytes.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

FORM_VERSION = 2
LOCAL_IDS_FORM = 1  # references as this laptop's integer ids
# A reference in a signed document: a global id (form 2), or a local integer id (form 1).
Ref = int | str


def normalise(value: Any) -> Any:
    """The canonical JSON-ready value (see the module docstring)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in signed content")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(normalise(k)): normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v) for v in value]
    raise TypeError(f"cannot put a {type(value).__name__} into signed content")


def canonical_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(normalise(document), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def content_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def note_document(*, note_id: Ref, revision: int, kind: str, format_name: str,
                  session_id: Ref, participant_id: Ref, facts: dict[str, Any],
                  content: dict[str, Any], late_entry: str, version: int = FORM_VERSION
                  ) -> dict[str, Any]:
    """What an author's (and co-signer's) signature covers for one note revision."""
    return {
        "v": version,
        "kind": kind,
        "note": {"id": note_id, "revision": revision, "format": format_name,
                 "session_id": session_id, "participant_id": participant_id},
        "facts": facts,
        "content": content,
        "late_entry": late_entry,
    }


def addendum_document(*, note_id: Ref, author_id: Ref, written_at: datetime, reason: str,
                      text: str, version: int = FORM_VERSION) -> dict[str, Any]:
    """What an addendum's signature covers."""
    return {"v": version, "kind": "addendum", "note_id": note_id, "author_id": author_id,
            "written_at": written_at, "reason": reason, "text": text}
