"""Program and group drafts (what the admin forms collect) and the rules a draft must meet
before it is saved: pure checks that name the field a message belongs to (the forms show it next
to that field). No database here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from ..models.notes import NOTE_FORMATS, UNIT_RULES
from ..models.roster import MODALITIES, PART2_SHORT_NOTICE, PROGRAM_KINDS
from ..models.sessions import SEGMENT_KINDS
from .validation import MAX_TEXT, Checker

__all__ = ["DEFAULT_TEMPLATE", "MAX_SEGMENT_TITLE", "SEGMENT_KINDS", "SEGMENT_MINUTES",
           "GroupDraft", "ProgramDraft", "block_minutes", "check_group", "check_program",
           "clean_template", "template_minutes"]

SEGMENT_MINUTES = (5, 240)  # shortest and longest segment a template may hold
MAX_SEGMENT_TITLE = 200
DEFAULT_TEMPLATE: tuple[dict[str, Any], ...] = (
    {"kind": "checkin", "title": "Check-in", "minutes": 30},
    {"kind": "module", "title": "Skills module", "minutes": 45},
    {"kind": "break", "title": "Break", "minutes": 15},
    {"kind": "process", "title": "Skills practice and process group", "minutes": 60},
    {"kind": "checkout", "title": "Check-out", "minutes": 30},
)


@dataclass(frozen=True)
class ProgramDraft:
    name: str
    kind: str
    level_of_care: str = "ASAM 2.1"
    daily_minimum_minutes: int = 180
    weekly_minimum_minutes: int = 540
    break_counts_as_service: bool = False
    billing_code: str = ""
    note_deadline_hours: int = 72
    redisclosure_notice: str | None = None  # None: the default for the program kind
    # Progress notes: the default format (a note may override it), how service units derive
    # from minutes of service, and whether absent participants get a short absence note.
    note_format: str = "DAP"
    unit_rule: str = "per_diem"
    absence_notes: bool = True


@dataclass(frozen=True)
class GroupDraft:
    name: str
    program_id: int
    weekdays: tuple[int, ...]
    block_start: time
    block_end: time
    capacity: int = 12
    modality: str = "in_person"
    location: str = ""
    template: tuple[dict[str, Any], ...] = DEFAULT_TEMPLATE
    facilitator_ids: tuple[int, ...] = field(default_factory=tuple)


def check_program(d: ProgramDraft) -> None:
    c = Checker()
    c.text("name", "The program name", d.name)
    if d.kind not in PROGRAM_KINDS:
        c.fail("kind", "Kind must be substance use (sud) or mental health (mh).")
    c.text("level_of_care", "The level of care", d.level_of_care, required=False, max_len=50)
    if not 0 < d.daily_minimum_minutes <= 24 * 60:
        c.fail("daily_minimum_minutes", "The daily minimum must be between 1 and 1440 minutes.")
    if not 0 < d.weekly_minimum_minutes <= 7 * 24 * 60:
        c.fail("weekly_minimum_minutes", "The weekly minimum must be a positive number of minutes.")
    c.text("billing_code", "The billing code", d.billing_code, required=False, max_len=20)
    if not 1 <= d.note_deadline_hours <= 24 * 14:
        c.fail("note_deadline_hours", "The note deadline must be between 1 hour and 14 days.")
    if d.note_format not in NOTE_FORMATS:
        c.fail("note_format", f"The note format must be one of {', '.join(NOTE_FORMATS)}.")
    if d.unit_rule not in UNIT_RULES:
        c.fail("unit_rule", "Units are counted per diem, per session or per 15 minutes.")
    if not isinstance(d.absence_notes, bool):
        c.fail("absence_notes", "Absence notes are either on or off.")
    if d.redisclosure_notice is not None:
        notice = c.text("redisclosure_notice", "The redisclosure notice", d.redisclosure_notice,
                        required=False, max_len=MAX_TEXT)
        if d.kind == "sud" and not notice:
            # 42 CFR 2.32: every consented disclosure of a Part 2 program's records carries it.
            c.fail("redisclosure_notice", "A substance-use (42 CFR Part 2) program needs a "
                                          f"redisclosure notice; the short form is: "
                                          f"\"{PART2_SHORT_NOTICE}\"")
    c.raise_if_any()


def template_minutes(template: Sequence[dict[str, Any]]) -> int:
    """The planned length of a template (segments with a usable number of minutes)."""
    return sum(p["minutes"] for p in template
               if isinstance(p.get("minutes"), int) and not isinstance(p.get("minutes"), bool))


def block_minutes(start: time, end: time) -> int:
    day = date(2000, 1, 3)
    return int((datetime.combine(day, end) - datetime.combine(day, start)).total_seconds() // 60)


def _check_template(c: Checker, d: GroupDraft) -> None:
    if not d.template:
        c.fail("template", "The block template needs at least one segment.")
        return
    low, high = SEGMENT_MINUTES
    ok = True
    for n, part in enumerate(d.template, 1):
        minutes, title = part.get("minutes"), part.get("title")
        if part.get("kind") not in SEGMENT_KINDS:
            c.fail("template", f"Segment {n} has an unknown kind; use one of "
                               f"{', '.join(SEGMENT_KINDS)}.")
        if not isinstance(title, str):
            c.fail("template", f"Segment {n} needs a title.")
        else:
            c.text("template", f"The title of segment {n}", title, max_len=MAX_SEGMENT_TITLE)
        if (not isinstance(minutes, int) or isinstance(minutes, bool)
                or not low <= minutes <= high):
            c.fail("template", f"Segment {n} must last between {low} and {high} minutes.")
            ok = False
    length = block_minutes(d.block_start, d.block_end)
    total = template_minutes(d.template)
    if ok and 0 < length < total:
        c.fail("template", f"The segments add up to {total} minutes but the block "
                           f"({d.block_start:%H:%M}–{d.block_end:%H:%M}) is {length} minutes "
                           "long; shorten a segment or lengthen the block.")


def check_group(d: GroupDraft) -> None:
    c = Checker()
    c.text("name", "The group name", d.name)
    if not d.weekdays or any(not 1 <= w <= 7 for w in d.weekdays):
        c.fail("weekdays", "Pick at least one meeting day.")
    if d.block_end <= d.block_start:
        c.fail("block_end", "The block must end after it starts.")
    if not 1 <= d.capacity <= 40:
        c.fail("capacity", "Capacity must be between 1 and 40.")
    if d.modality not in MODALITIES:
        c.fail("modality", "Modality must be in person or telehealth.")
    c.text("location", "The location", d.location, required=False)
    _check_template(c, d)
    c.raise_if_any()


def clean_template(template: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**part, "title": str(part["title"]).strip(), "minutes": int(part["minutes"])}
            for part in template]


