"""Audit events as sentences a supervisor can read ("Marked arrival in session 90 (action 22)")
instead of raw JSON. Presentation only: the stored event and its raw details are unchanged, and
the audit page shows them on demand.

Unknown actions fall back to the action name in words and the details as "name value" pairs,
so a new event kind is still readable before a sentence is written for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication

Details = Mapping[str, Any]


def _t(text: str) -> str:
    return QCoreApplication.translate("AuditText", text)


def _fields(d: Details) -> str:
    fields = d.get("fields") or []
    return ", ".join(str(f).replace("_", " ") for f in fields) or _t("nothing")


def _size(d: Details) -> str:
    size = d.get("size_bytes")
    return f"{size / 1_000_000:.1f} MB" if isinstance(size, int | float) else "?"


# Console actions (stored as "console.<kind>"): the same verbs the undo list shows.
_CONSOLE: dict[str, str] = {
    "session.start": "Started the block", "session.end": "Ended the block",
    "session.not_held": "Recorded the block as not held",
    "session.facilitators": "Changed the facilitators",
    "session.modality": "Changed modality or location",
    "attendance.present": "Marked an arrival", "attendance.late": "Marked late",
    "attendance.telehealth": "Marked attending by telehealth",
    "attendance.absent": "Marked absent", "attendance.excused": "Marked an excused absence",
    "attendance.left": "Marked a departure", "attendance.walk_in": "Added a walk-in",
    "attendance.step_out": "Marked stepped out", "attendance.step_back": "Marked back in the room",
    "attendance.all_absent": "Marked everyone not yet marked absent",
    "attendance.adjusted": "Corrected an arrival or departure",
    "attendance.out_of_room_adjusted": "Corrected a time out of the room",
    "break.start": "Started a break", "break.end": "Ended the break",
    "segment.next": "Started the next segment", "segment.end": "Ended the segment",
    "segment.add": "Added a segment", "segment.move": "Moved a segment",
    "segment.skip": "Skipped a segment", "segment.topic": "Recorded the topics taught",
    "flag.raised": "Raised a safety flag", "flag.addressed": "Addressed a safety flag",
    "jot.added": "Added a jot", "response.recorded": "Recorded a form's answers",
}

_SENTENCES: dict[str, Callable[[Details], str]] = {
    "login": lambda d: (_t("Signed in, typing the login {typed} this account had before sync"
                           " renamed it.").format(typed=d["typed"]) if d.get("typed")
                        else _t("Signed in.")),
    "logout": lambda d: _t("Signed out."),
    "login.failed": lambda d: _t("A sign-in failed (wrong password or unknown login)."),
    "unlock.failed": lambda d: _t("A wrong password was typed at the lock screen."),
    "session.locked": lambda d: _t("Locked the screen."),
    "session.unlocked": lambda d: _t("Unlocked the screen."),
    "participant.created": lambda d: _t("Added a participant."),
    "participant.updated": lambda d: _t("Changed a participant's {fields}.").format(
        fields=_fields(d)),
    "enrollment.created": lambda d: _t("Enrolled the participant in group {group}.").format(
        group=d.get("group_id", "?")),
    "enrollment.ended": lambda d: _t("Ended an enrollment on {end}.").format(
        end=d.get("end", "?")),
    "user.created": lambda d: _t("Added a user ({role}).").format(role=d.get("role", "?")),
    "user.updated": lambda d: _t("Changed a user's {fields}.").format(fields=_fields(d)),
    "user.activated": lambda d: _t("Reactivated a user."),
    "user.deactivated": lambda d: _t("Deactivated a user."),
    "user.login_renamed": lambda d: _t(
        "Clinic sync renamed a user's login from {old} to {new}: the same login was given to"
        " two people on two laptops at the same time.").format(
        old=d.get("from", "?"), new=d.get("to", "?")),
    "password.changed": lambda d: _t("Changed their own password."),
    "password.reset_by_admin": lambda d: _t("Set a new password for a user."),
    "backup.created": lambda d: _t("Made a {kind} backup ({size}).").format(
        kind=_t(str(d.get("kind", ""))), size=_size(d)),
    "backup.failed": lambda d: _t("A {kind} backup failed: {reason}").format(
        kind=_t(str(d.get("kind", ""))), reason=d.get("reason", "")),
    "integrity.verified": lambda d: _t("Checked the audit chain and the database: intact.")
    if d.get("ok") else _t("Checked the audit chain and the database: a problem was found."),
    "console.undo": lambda d: _t("Undid action {seq} of session {session}.").format(
        seq=d.get("seq", "?"), session=d.get("session_id", "?")),
    "console.flag.addressed": lambda d: _t("Addressed a safety flag from the record."),
    "sync.conflict_resolved": lambda d: (
        _t("Settled a sync conflict: typed a new {fields} to keep.") if d.get("typed")
        else _t("Settled a sync conflict: kept one of the values of the {fields}.")).format(
        fields=_fields(d)),
    "sync.clash_acknowledged": lambda d: _t(
        "Acknowledged a record made on two laptops with one {fields}; both are kept.").format(
        fields=_fields(d)),
    "session.planned": lambda d: _t("Planned a session of group {group}.").format(
        group=d.get("group_id", "?")),
}

_NAMES = {"session_id": "session", "seq": "action", "group_id": "group",
          "segment_id": "segment", "flag_id": "flag", "test_id": "test", "goal_id": "goal"}


def describe(action: str, details: Details) -> str:
    """One readable sentence for an audit event."""
    sentence = _SENTENCES.get(action)
    if sentence is not None:
        return sentence(details)
    kind = action.removeprefix("console.")
    if action.startswith("console.") and kind in _CONSOLE:
        return _t("{what} in session {session} (action {seq}).").format(
            what=_t(_CONSOLE[kind]), session=details.get("session_id", "?"),
            seq=details.get("seq", "?"))
    words = action.replace(".", " ").replace("_", " ").capitalize()
    pairs = [f"{_NAMES.get(k, k.replace('_', ' '))} {_plain(v)}" for k, v in sorted(
        details.items())]
    return f"{words}: {', '.join(pairs)}." if pairs else f"{words}."


def raw(details: Details) -> str:
    """The stored details as JSON, as the hash chain holds them."""
    return json.dumps(details, ensure_ascii=False, sort_keys=True) if details else ""


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
