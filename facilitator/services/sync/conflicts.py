"""Records flagged by sync, and settling them.

When two laptops changed one field of a record concurrently, sync keeps both values
(``sync_rows``: the field's *heads*), every laptop shows the same one and the record is flagged.
``flagged`` lists those fields in words for the admin and the supervisor; ``resolve`` keeps one
value (or, for a field of free text, a newly typed one) as an ordinary local edit that names
every kept value as the version it edited, so on every laptop it supersedes them all and the
flag clears there once it arrives (``collect`` sends it with the next round).

Who settles what: an admin settles any record (records are hers to manage, the issue's "flagged
for an admin"); a clinical supervisor settles clinical records (a participant's details, goals,
attendance, notes, sessions), where she has the clinical context, but not the clinic's set-up
(users, programs, groups, curriculum), which only admins change anywhere else in the app.
Therapists neither see nor settle the list (it names every participant with a conflict).

Rows merged on a unique key (``clashes``: attendance or a note recorded on two laptops) keep
both values of every field where they differ and are flagged like concurrent edits: they are
in this list, with a sentence saying the record was made one. The merge itself (the alias)
leaves nothing else to decide.

Rows that stayed two (``clashes.open_clashes``: a chart number or a login typed for two people,
a curriculum module added on two laptops, two texts of one topic version) are listed too, one
entry each, with what happened and what the admin can do. A chart number given its right value
on any laptop closes its entry on every laptop the edit reaches; otherwise the entry is
acknowledged on this laptop only (``made_twice``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...models.sync import SyncRow
from ...models.sync_security import SyncClash
from .. import audit
from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..workspace import Workspace
from . import clashes, codec, describe, locked, made_twice, numbering, referred, rows
from .collect import conflicted, new_id, winner
from .entries import ADMIN_TABLES, ADMINS_ONLY, Choice, Flagged, Resolved, may
from .made_twice import CLASH

__all__ = [
    "ADMINS_ONLY",
    "ADMIN_TABLES",
    "CLASH",
    "Choice",
    "Flagged",
    "Resolved",
    "flagged",
    "needing_admin",
    "resolve",
]


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _sent_at(change_id: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(change_id.replace("-", "")[:12], 16) / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _competing(heads: list[list[Any]]) -> bool:
    return len({_key(h[1]) for h in heads}) > 1


def flagged(ws: Workspace) -> list[Flagged]:
    """Every field with concurrent values, per record, in words (admins and supervisors)."""
    ws.require("admin", "supervisor")
    out = []
    with ws.read() as s:
        labels = describe.Labels(s, ws.timezone)
        merged = set(s.scalars(select(SyncClash.other_gid).where(SyncClash.renamed.is_(False))))
        for row in s.scalars(select(SyncRow).where(SyncRow.conflicted,
                                                   SyncRow.row_key.is_not(None))):
            kind = describe.kind_of(row.tbl)
            label = labels(row.tbl, row.row_key or "")
            if (how := locked.how_apart(row.fields)) is not None:
                out.append(_apart(ws, labels, row, how, kind, label))
            # The flag above speaks for the fields whose values sync set aside.
            aside = rows.restoring(row.fields) | locked.set_aside(row.fields).keys()
            here = _row_values(s, row)
            signed = here if row.tbl == numbering.TABLE and here.get("signed_at") else None
            kept = rows.kept_here(row.tbl, here, row.fields)
            columns = rows.table(row.tbl).c
            for field, heads in sorted(row.fields.items()):
                if (field not in columns or rows.latest_only(row.tbl, field)
                        or field in aside or not _competing(heads)):
                    continue  # sync's own notes (``signed_ids``); who changed it last
                shown = winner(heads)
                if field in here and any(_key(h[1]) == _key(here[field]) for h in heads):
                    # What the row shows: the newest value, but for a row a signed note locks
                    # and a row merged from two laptops' records, which keep their own.
                    shown = here[field]
                choices, seen = [], set()
                for head in sorted(heads, key=lambda h: h[0]):
                    if _key(head[1]) in seen:  # one value from two laptops: offered once
                        continue
                    seen.add(_key(head[1]))
                    choices.append(Choice(head[1], labels.value(row.tbl, field, head[1]),
                                          _sent_at(head[0]), _key(head[1]) == _key(shown)))
                note = (f"Two laptops each recorded this {kind}; sync made them one record,"
                        " keeping both values where they differ." if row.gid in merged else
                        HELD_NOTE if field in kept and signed is None else "")
                apart = signed is not None and _signed_twice(row)
                why_not = (NOTHING_TO_SETTLE if apart else
                           "" if may(ws, row.tbl) else ADMINS_ONLY)
                out.append(Flagged(row.gid, row.tbl, row.row_key or "", field, kind, label,
                                   describe.field_name(row.tbl, field), tuple(choices),
                                   describe.free_text(row.tbl, field), not why_not,
                                   SIGNED_TWICE if apart else note, why_not))
        out += [entry for clash in clashes.open_clashes(s)
                if (entry := made_twice.entry(ws, s, labels, clash)) is not None]
    return sorted(out, key=lambda f: (f.kind, f.label.casefold(), f.field_name))


def needing_admin(s: Session) -> int:
    """How many records the Sync conflicts page lists (the status bar's count)."""
    flagged_rows = s.scalar(select(func.count()).select_from(SyncRow)
                            .where(SyncRow.conflicted)) or 0
    return flagged_rows + len(clashes.open_clashes(s))


# A record that came apart from a note signed here (``locked``), in words: what is kept here,
# and how it came about.
APART_KEPT = {locked.INSERTED: "Taken in here as it was recorded there",
              locked.DELETED: "Kept as the signed note states it",
              locked.EDITED: "Kept as the signed note states it",
              referred.REFERRED: "Kept: records made on another laptop refer to it"}
APART_NOTES = {
    locked.INSERTED: "Recorded on another laptop that had not yet received the signing of the"
                     " note covering this session; the signed note does not state it. Nothing"
                     " the note states changed. Keep it to clear this entry; if it matters to"
                     " the note, its writer adds an addendum.",
    locked.DELETED: "Deleted on a laptop that had not yet received the signing of the note"
                    " covering this session. The signed note states it, so sync kept it, on"
                    " every laptop. Keep it to clear this entry; a correction belongs in an"
                    " addendum to the note.",
    locked.EDITED: "Recorded or changed on a laptop that had not yet received the signing of"
                   " the note covering this session. The signed note states the values shown, so"
                   " sync kept them, on every laptop, and set the others aside. Keep them to clear"
                   " this entry; a correction belongs in an addendum to the note.",
    referred.REFERRED: "Deleted on one laptop (an action undone, say) while another laptop"
                       " recorded something that refers to it, such as a time out of the room"
                       " for this attendance. So that nothing recorded is lost, sync kept it on"
                       " every laptop. Check that it is right: keep it to clear this entry, or"
                       " correct what refers to it.",
}
# A goal rating in a note is the note's own, not a fact of the session: said so.
GOAL_APART_NOTES = {
    locked.INSERTED: "Rated on another laptop that had not yet received the signing of this"
                     " note; the signed note does not rate this goal. Nothing the note states"
                     " changed. Keep it to clear this entry; if it matters to the note, its"
                     " writer adds an addendum.",
    locked.DELETED: "Unticked on a laptop that had not yet received the signing of this note."
                    " The signed note rates this goal, so sync kept the rating, on every"
                    " laptop. Keep it to clear this entry; a correction belongs in an addendum"
                    " to the note.",
    locked.EDITED: "Rated again on a laptop that had not yet received the signing of this"
                   " note. The signed note states the rating shown, so sync kept it, on every"
                   " laptop, and set the other aside. Keep it to clear this entry; a correction"
                   " belongs in an addendum to the note.",
}


def apart_note(table: str, how: str) -> str:
    """How a record came apart from a signing here, in words."""
    notes = GOAL_APART_NOTES if table == "note_goal_links" else APART_NOTES
    return notes.get(how, "")


APART_FIELD = "whole record"
HELD_NOTE = ("Changed on another laptop that had not yet received the signing of the note"
             " covering this session. The note signed here states the value shown, so this"
             " laptop keeps it: keep it to clear this entry; a correction belongs in an"
             " addendum to the note.")


def _apart(ws: Workspace, labels: describe.Labels, row: SyncRow, how: str, kind: str,
           label: str) -> Flagged:
    heads = row.fields[locked.APART]
    choice = Choice(how, APART_KEPT.get(how, how), _sent_at(heads[0][0]), True)
    why_not = "" if may(ws, row.tbl) else ADMINS_ONLY
    note, field_name = apart_note(row.tbl, how), APART_FIELD
    if aside := locked.set_aside(row.fields):
        field_name = ", ".join(describe.field_name(row.tbl, col) for col in aside)
        words = (f"{describe.field_name(row.tbl, col)} \u201c"
                 + "\u201d or \u201c".join(labels.value(row.tbl, col, v) for v in values)
                 + "\u201d" for col, values in aside.items())
        note += f" Set aside: {'; '.join(words)}."
    return Flagged(row.gid, row.tbl, row.row_key or "", locked.APART, kind, label,
                   field_name, (choice,), False, not why_not, note, why_not)


def _settle_apart(s: Session, ws: Workspace, row: SyncRow, value: Any) -> Resolved:
    """Acknowledge a record that came apart from a signing here: nothing changes but the flag
    (only this laptop has it, so nothing is sent)."""
    kind = describe.kind_of(row.tbl)
    how = locked.how_apart(row.fields)
    if how is None or value != how:
        raise Conflict(f"This {kind} has been settled meanwhile; nothing was changed. The list"
                       " shows what is left to settle.")
    # The values set aside go with the flag: the audit log keeps them, as a settled field's.
    aside = locked.set_aside(row.fields)
    fields = {k: v for k, v in row.fields.items() if k != locked.APART}
    row.fields, row.conflicted = fields, conflicted(row.tbl, fields)
    audit.record(s, ws, "sync.conflict_resolved", kind.replace(" ", "_"), row.row_key,
                 table=row.tbl, fields=[APART_FIELD, *aside], kept=how, typed=False,
                 set_aside=[aside] if aside else [])
    return Resolved(kind, describe.Labels(s, ws.timezone)(row.tbl, row.row_key or ""),
                    APART_FIELD, APART_KEPT.get(how, how), here_only=True)


def resolve(ws: Workspace, gid: str, field: str, value: Any) -> Resolved:
    """Keep ``value`` for a flagged field: one of its kept values (``Choice.value``) or, for a
    field of free text, a typed one. Saved as a local edit superseding every kept value, so the
    flag clears here now and on the other laptops once the next rounds carry it there."""
    ws.require("admin", "supervisor")
    with ws.transaction() as s:
        if field == made_twice.CLASH:
            return made_twice.acknowledge(s, ws, gid, value)
        row = s.get(SyncRow, rows.standing(s, gid))
        if row is None or row.row_key is None:
            raise NotFound("That record is no longer on this laptop (it was deleted on"
                           " another laptop); there is nothing left to settle.")
        kind, name = describe.kind_of(row.tbl), describe.field_name(row.tbl, field)
        if not may(ws, row.tbl):
            raise PermissionDenied(f"Only an admin settles a {kind}'s values: it is part of the"
                                   " clinic's set-up. Ask an admin.")
        if field == locked.APART:
            return _settle_apart(s, ws, row, value)
        heads = row.fields.get(field) or []
        if not _competing(heads):
            raise Conflict(f"The {name} of this {kind} has been settled meanwhile (here or on"
                           " another laptop); nothing was changed. The list shows what is"
                           " left to settle.")
        signed = _signed_revision(s, row)
        if signed is not None and _signed_twice(row):
            raise Conflict(f"{SIGNED_TWICE} {NOTHING_TO_SETTLE}")
        kept = [h[1] for h in heads]
        typed = _key(value) not in {_key(v) for v in kept}
        if typed:
            value = _typed(row.tbl, field, kind, name, value)
        here = _row_values(s, row)
        if signed is not None and field in signed:
            if _key(value) != _key(signed[field]):
                raise Conflict("This revision is signed: its signed text stands and cannot"
                               " change. Keep it; the other text (written on another laptop"
                               " that had not seen the signing) is kept in the audit log, and"
                               " its writer can add it as an addendum.")
            # Not written (a signed revision never is): noted for the next round, as the
            # capture triggers note a write.
            rows.note_for_sending(s, row.tbl, row.row_key)
        elif field in here and _key(here[field]) == _key(value):
            # The row shows it already: not written (a row a note signed here states could
            # not be, and keeping what it shows must still settle it), only sent.
            rows.note_for_sending(s, row.tbl, row.row_key)
        else:
            local = rows.decode_fields(s, row.tbl, {field: value})
            columns = rows.table(row.tbl).c
            if "updated_at" in columns:  # who changed it last, as every edit records
                local.update(updated_at=ws.clock.now(), updated_by_id=ws.actor.user_id)
            s.execute(update(rows.table(row.tbl)).where(
                *rows.key_filter(row.tbl, row.row_key)).values(**local))
        # The value waits for the next round with every kept value as the version it edited
        # (``collect`` reads the third element); until then the field has this one head.
        fields = {**row.fields, field: [[new_id(ws), value, sorted(h[0] for h in heads)]]}
        row.fields, row.conflicted = fields, conflicted(row.tbl, fields)
        labels = describe.Labels(s, ws.timezone)
        # As a participant's edit is audited: the field, and every value (so a value set
        # aside can be found again); the record by its kind and local id, not by name.
        audit.record(s, ws, "sync.conflict_resolved", kind.replace(" ", "_"), row.row_key,
                     table=row.tbl, fields=[field], kept=value, typed=typed,
                     set_aside=[v for v in kept if _key(v) != _key(value)])
        return Resolved(kind, labels(row.tbl, row.row_key), name,
                        labels.value(row.tbl, field, value))


SIGNED_TWICE = ("This revision was signed on two laptops apart. Every laptop shows the earlier"
                " signing; the other one's text and signature stay on record (Verify names it).")
NOTHING_TO_SETTLE = "Nothing to settle here: its writer can add what differs as an addendum."


def _signed_twice(row: SyncRow) -> bool:
    return len({_key(h[1]) for h in row.fields.get("signed_at", []) if h[1] is not None}) > 1


def _row_values(s: Session, row: SyncRow) -> dict[str, Any]:
    """The row's values as sync keeps them, references left out (kept as global ids). A row
    shows the newest kept value, except where a signed note locks it: a signed revision shows
    its signing, a fact it states the value it had (``apply``)."""
    if row.row_key is None:
        return {}
    t = rows.table(row.tbl)
    columns = [c for c in rows.fields_of(row.tbl) if rows.ref_table(row.tbl, c) is None]
    if not columns:  # a link of two records (a session's facilitator): nothing but references
        return {}
    found = s.execute(select(*columns).where(*rows.key_filter(row.tbl, row.row_key))
                      ).mappings().one_or_none()
    if found is None:
        return {}
    return {c.name: codec.encode(t.c[c.name], found[c.name]) for c in columns}


def _signed_revision(s: Session, row: SyncRow) -> dict[str, Any] | None:
    """A note revision signed here, as sync keeps its values; None for any other row."""
    if row.tbl != numbering.TABLE:
        return None
    here = _row_values(s, row)
    return here if here.get("signed_at") is not None else None


def _typed(table: str, field: str, kind: str, name: str, value: Any) -> str:
    """A typed value for a field of free text, checked as a form would."""
    if not describe.free_text(table, field):
        raise ValidationError({"value": f"The {name} of a {kind} takes one of the values the"
                                        " laptops kept: pick one of them."})
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError({"value": f"Type the {name} to keep, or pick one of the values"
                                        " the laptops kept."})
    length = getattr(rows.table(table).c[field].type, "length", None)
    if length and len(text) > length:
        raise ValidationError({"value": f"The {name} can be at most {length} characters long;"
                                        " nothing was changed."})
    return text
