"""Synced records in words, for the people who settle sync conflicts: what kind of record a
table holds ("participant", "group session"), a label for one record (the participant's name
and chart number, the group's name and date of a session), a field's name and a kept value as
text (dates as dates, Yes/No, a reference as the referenced record's label).

Read-only helpers inside the caller's unit of work. Labels carry PHI (names): only the admin's
and supervisor's conflict list shows them, never a log or an audit event's details.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, Text, UniqueConstraint, select
from sqlalchemy.orm import Session

from ...models.sync import SyncRow
from ..curriculum._store import latest_version
from ..errors import NotFound
from ..programs import WEEKDAY_NAMES
from . import codec, rows

# What one row of each synced table is, in a person's words.
KINDS: dict[str, str] = {
    "clinic": "clinic settings", "users": "user", "programs": "program", "groups": "group",
    "group_facilitators": "group facilitator", "participants": "participant",
    "treatment_goals": "treatment goal", "drug_tests": "drug test", "enrollments": "enrollment",
    "group_sessions": "group session", "session_facilitators": "session facilitator",
    "segments": "segment of a session", "attendance": "attendance",
    "out_of_room": "time out of the room", "form_responses": "form answers",
    "safety_flags": "safety flag", "jots": "jot", "curriculum_modules": "curriculum module",
    "curriculum_topics": "curriculum topic", "topic_versions": "topic text",
    "rotation_plans": "rotation plan", "rotation_entries": "rotation plan cell",
    "topic_deliveries": "topic taught", "progress_notes": "progress note",
    "note_revisions": "note revision", "note_goal_links": "goal rating in a note",
    "session_group_sections": "group section of the notes", "note_addenda": "addendum",
    "signatures": "signature", "note_reviews": "note review", "quick_phrases": "quick phrase",
    "disclosures": "disclosure", "travel_slots": "sign-in key copy",
}

# Field names that words from the column name would get wrong or leave cryptic.
FIELD_NAMES: dict[str, str] = {
    "chart_id": "chart number", "date_of_birth": "date of birth", "display_name": "name",
    "legal_name": "legal name", "preferred_name": "preferred name",
    "block_start": "block starts", "block_end": "block ends", "weekdays": "meets on",
    "daily_minimum_minutes": "daily minimum (minutes)", "note_deadline_hours":
    "note deadline (hours)", "weekly_minimum_minutes": "weekly minimum (minutes)",
    "break_counts_as_service": "break counts as service", "requires_cosign":
    "needs co-signature", "supervisor_id": "supervisor", "lead_facilitator_id":
    "lead facilitator", "duration_min": "duration (minutes)", "planned_minutes":
    "planned minutes", "idle_lock_minutes": "lock after idle (minutes)",
    "arrived_at": "arrived", "departed_at": "left", "left_at": "left the room",
    "returned_at": "came back", "form_id": "form", "at": "time", "kind": "kind",
}


def kind_of(name: str) -> str:
    return KINDS.get(name, name.replace("_", " "))


def field_name(name: str, column: str) -> str:
    if column in FIELD_NAMES:
        return FIELD_NAMES[column]
    return column.removesuffix("_id").replace("_", " ")


def free_text(name: str, column: str) -> bool:
    """Whether a person may type a new value for this field when settling a conflict: words
    (a name, a title, a note's text), not a code, a number, a reference or a unique key."""
    col = rows.table(name).c[column]
    if rows.ref_table(name, col) is not None or col.unique or any(
            column in {c.name for c in con.columns} for con in rows.table(name).constraints
            if isinstance(con, UniqueConstraint)):
        return False
    kind = col.type
    if isinstance(kind, Text):
        return True
    return kind.python_type is str and (getattr(kind, "length", None) or 0) >= 100


class Labels:
    """Labels of records, each read once per unit of work."""

    def __init__(self, s: Session, tz: ZoneInfo) -> None:
        self.s, self.tz = s, tz
        self._seen: dict[tuple[str, str], str] = {}
        self._depth = 0

    def __call__(self, name: str, key: str) -> str:
        if (name, key) not in self._seen:
            found = rows.read_rows(self.s, name, [key])
            if not found:
                text = "a deleted record"
            elif self._depth > 3:  # references of references: enough said
                text = f"{kind_of(name)} {key}"
            else:
                self._depth += 1
                try:
                    text = _LABELS.get(name, _numbered)(_Row(self, name, found[0]))
                finally:
                    self._depth -= 1
            self._seen[(name, key)] = text
        return self._seen[(name, key)]

    def of_gid(self, name: str, gid: str) -> str:
        """The label of the record a global id names (through a merge alias)."""
        key = self.s.scalar(select(SyncRow.row_key).where(SyncRow.gid == rows.standing(
            self.s, gid), SyncRow.tbl == name))
        return self(name, key) if key is not None else "a record not on this laptop"

    def value(self, name: str, column: str, value: Any) -> str:
        """A value as kept in ``sync_rows`` (references as global ids), as text to read."""
        if value is None or value == "":
            return "(empty)"
        col = rows.table(name).c[column]
        target = rows.ref_table(name, col)
        if target is not None:
            return self.of_gid(target, str(value))
        return _plain(name, col, codec.decode(col, value), self.tz)


class _Row:
    """One row's values and its references' labels, for the label functions below."""

    def __init__(self, labels: Labels, name: str, values: dict[str, Any]) -> None:
        self.labels, self.name, self.values = labels, name, values

    def __getitem__(self, column: str) -> Any:
        return self.values[column]

    def ref(self, column: str) -> str:
        key = self.values[column]
        target = rows.ref_table(self.name, rows.table(self.name).c[column])
        if key is None or target is None:
            return ""
        return self.labels(target, str(key))

    def day(self, column: str) -> str:
        value = self.values[column]
        if isinstance(value, datetime):
            value = value.astimezone(self.labels.tz).date()
        return value.isoformat() if isinstance(value, date) else ""


def _short(text: str, length: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[:length - 1] + "…"


def _person(r: _Row) -> str:
    name = r["legal_name"]
    if r["preferred_name"] and r["preferred_name"] != name:
        name = f"{r['preferred_name']} ({name})"
    return f"{name}, chart {r['chart_id']}"


def _topic(r: _Row) -> str:
    """A curriculum topic by the title of the text it teaches now, and its key (titles may
    repeat)."""
    try:
        title = latest_version(r.labels.s, r["id"]).title
    except NotFound:
        return str(r["key"])
    return f"“{_short(title)}” ({r['key']})"


def _numbered(r: _Row) -> str:
    return f"{kind_of(r.name)} {rows.key_of(r.name, r.values)}"


_LABELS: dict[str, Any] = {
    "clinic": lambda r: r["name"],
    "users": lambda r: f"{r['display_name']} ({r['login']})",
    "programs": lambda r: r["name"], "groups": lambda r: r["name"],
    "group_facilitators": lambda r: f"{r.ref('user_id')} in {r.ref('group_id')}",
    "participants": _person,
    "treatment_goals": lambda r: f"“{_short(r['text'])}” of {r.ref('participant_id')}",
    "drug_tests": lambda r: f"{r.ref('participant_id')}, {r.day('collected_on')}",
    "enrollments": lambda r: f"{r.ref('participant_id')} in {r.ref('group_id')}",
    "group_sessions": lambda r: f"{r.ref('group_id')}, {r.day('session_date')}",
    "session_facilitators": lambda r: f"{r.ref('user_id')} in {r.ref('session_id')}",
    "segments": lambda r: f"“{_short(r['title'])}” in {r.ref('session_id')}",
    "attendance": lambda r: f"{r.ref('participant_id')} in {r.ref('session_id')}",
    "out_of_room": lambda r: f"{r.ref('attendance_id')}, {r.day('left_at')}",
    "form_responses": lambda r: f"{r['form_id']} of {r.ref('participant_id')}",
    "safety_flags": lambda r: f"{r['code']} of {r.ref('participant_id')}",
    "jots": lambda r: f"{r.ref('session_id')}",
    "curriculum_modules": lambda r: r["title"],
    "curriculum_topics": _topic,
    "topic_versions": lambda r: f"{r['title']}, version {r['version']}",
    "rotation_plans": lambda r: f"plan of {r.ref('group_id')}",
    "rotation_entries": lambda r: (f"{r.ref('plan_id')}, week {r['week'] + 1},"
                                   f" {WEEKDAY_NAMES[(r['weekday'] - 1) % 7]}"),
    "topic_deliveries": lambda r: f"{r.ref('topic_id')} in {r.ref('session_id')}",
    "progress_notes": lambda r: f"{r.ref('participant_id')} in {r.ref('session_id')}",
    "note_revisions": lambda r: f"revision {r['number']} of the note of {r.ref('note_id')}",
    "note_goal_links": lambda r: f"{r.ref('goal_id')}",
    "session_group_sections": lambda r: r.ref("session_id"),
    "note_addenda": lambda r: f"addendum to the note of {r.ref('note_id')}",
    "note_reviews": lambda r: f"review of the note of {r.ref('note_id')}",
    "quick_phrases": lambda r: f"“{_short(r['text'])}”",
    "disclosures": lambda r: f"{r.ref('participant_id')}, {r.day('at')}",
    "travel_slots": lambda r: r.ref("user_id"),
}


def _plain(name: str, col: Column[Any], value: Any, tz: ZoneInfo) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return f"{value.astimezone(tz):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, dict | list):
        return _json_text(value)
    if col.name == "weekdays" and isinstance(value, str):
        days = [WEEKDAY_NAMES[int(d) - 1] for d in value.split(",") if d.strip().isdigit()
                and 1 <= int(d) <= 7]
        return ", ".join(days) or value
    if isinstance(value, str) and not free_text(name, col.name) and value.islower():
        return value.replace("_", " ")  # a code such as "on_hold" or "in_person"
    return str(value)


def _json_text(value: Any) -> str:
    """Structured values (a note's sections, a form's answers) as "name: text" lines."""
    if isinstance(value, dict):
        return "; ".join(f"{str(k).replace('_', ' ')}: {_json_text(v)}"
                         for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return ", ".join(_json_text(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value)
