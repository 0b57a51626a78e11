"""Writing notes: the session's note list, opening a note (created on first open with its
prefilled facts), and autosaving drafts.

``save_draft`` is the editor's autosave: one durable transaction per call (the UI calls it about
a second after typing stops, so a crash loses at most that second). It carries the
``edit_seq`` the editor last saw; a save against text another window changed since is refused
instead of overwriting it. Draft edits are audited, coalesced to one event per revision per
``AUDIT_EVERY`` so typing does not flood the log.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.notes import (
    GOAL_RATINGS,
    NOTE_FORMATS,
    NoteGoalLink,
    NoteRevision,
    ProgressNote,
    SessionGroupSection,
)
from ...models.roster import Participant, TreatmentGoal
from ...models.sessions import Attendance
from .. import audit
from ..errors import Conflict, NotFound, ValidationError
from ..validation import MAX_TEXT, Checker
from ..workspace import Workspace
from ._common import (
    deadline,
    load_note,
    load_session,
    may_write,
    needs_note,
    program_for,
    require_draft,
    require_writer,
)
from .canonical import normalise
from .dto import GoalEntry, NoteRow, NoteView, SessionNotes
from .formats import ALL_SECTION_KEYS, GROUP
from .prefill import interventions_text, session_topics
from .views import note_view

AUDIT_EVERY = timedelta(minutes=10)


def session_notes(ws: Workspace, session_id: int) -> SessionNotes:
    """Every participant of the session who needs a note, and where their note stands."""
    with ws.read() as s:
        sess = load_session(s, session_id)
        group, program = program_for(s, sess)
        rows = s.execute(
            select(Attendance.participant_id, Attendance.status, Participant.legal_name,
                   Participant.preferred_name, Participant.chart_id)
            .join(Participant, Participant.id == Attendance.participant_id)
            .where(Attendance.session_id == sess.id)).all()
        notes = {n.participant_id: n for n in s.scalars(
            select(ProgressNote).where(ProgressNote.session_id == sess.id))}
        due = deadline(sess, program)
        out = []
        for pid, status, legal, preferred, chart in rows:
            kind = needs_note(status, program)
            note = notes.get(pid)
            if kind is None and note is None:
                continue
            short = preferred or legal
            display = f"{preferred} ({legal})" if preferred and preferred != legal else legal
            late = note is not None and note.signed_at is not None and note.signed_at > due
            out.append(NoteRow(pid, short, display, chart, status,
                               note.kind if note else (kind or "session"),
                               note.id if note else None, note.state if note else "none",
                               note.returned_comment if note else "", late))
        out.sort(key=lambda r: (r.kind != "session", r.short_name.casefold()))
        return SessionNotes(sess.id, group.name, sess.session_date, sess.status,
                            due if sess.status == "ended" else None,
                            may_write(ws, s, sess), tuple(out))


def open_note(ws: Workspace, session_id: int, participant_id: int) -> NoteView:
    """The participant's note of this session, created as a prefilled draft on first open by
    a facilitator of the session (one transaction)."""
    with ws.read() as s:
        note_id = s.scalar(select(ProgressNote.id).where(
            ProgressNote.session_id == session_id, ProgressNote.participant_id == participant_id))
        if note_id is not None:
            return note_view(ws, s, load_note(s, note_id))
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_writer(ws, s, sess)
        if sess.status != "ended":
            raise Conflict("Notes are written after the block has ended.")
        _, program = program_for(s, sess)
        status = s.scalar(select(Attendance.status).where(
            Attendance.session_id == sess.id, Attendance.participant_id == participant_id))
        if status is None:
            raise NotFound("This participant is not on this session's roster.")
        kind = needs_note(status, program) or "absence"
        now = ws.clock.now()
        note = s.scalar(select(ProgressNote).where(  # another window may have just made it
            ProgressNote.session_id == session_id, ProgressNote.participant_id == participant_id))
        if note is None:
            note = ProgressNote(session_id=sess.id, participant_id=participant_id,
                                author_id=ws.actor.user_id, kind=kind, state="draft",
                                returned_comment="", created_at=now,
                                created_by_id=ws.actor.user_id)
            s.add(note)
            s.flush()
            s.add(NoteRevision(note_id=note.id, number=1, format=program.note_format,
                               content={"sections": {}, "justifications": {}}, facts=None,
                               late_entry="", content_sha256="", edit_seq=0, created_at=now,
                               created_by_id=ws.actor.user_id, audited_at=now))
            if s.get(SessionGroupSection, sess.id) is None:
                topics = normalise(session_topics(s, sess))
                s.add(SessionGroupSection(session_id=sess.id,
                                          interventions=interventions_text(topics), process="",
                                          created_at=now, created_by_id=ws.actor.user_id))
            s.flush()
            audit.record(s, ws, "note.created", "participant", participant_id, note_id=note.id,
                         session_id=sess.id, kind=kind)
        return note_view(ws, s, note)


def _clean_sections(c: Checker, given: Mapping[str, str], allowed: Collection[str]
                    ) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, text in given.items():
        if key not in allowed:
            raise ValidationError({key: f"This note has no section called {key!r}."})
        if len(text) > MAX_TEXT:
            c.fail(key, f"A section can hold at most {MAX_TEXT:,} characters "
                        f"({len(text):,} given). Nothing was lost: shorten it to save.")
        out[key] = text
    return out


def save_draft(ws: Workspace, note_id: int, edit_seq: int, *,
               sections: Mapping[str, str] | None = None,
               group: Mapping[str, str] | None = None,
               goals: Sequence[GoalEntry] | None = None,
               justifications: Mapping[str, str] | None = None,
               format_name: str | None = None) -> int:
    """Autosave what changed in the editor in one transaction; returns the new ``edit_seq``.

    Text is stored as typed (the check for empty sections is at signing), up to 100,000
    characters a section. Raises Conflict when another window saved this draft since
    ``edit_seq``."""
    c = Checker()
    with ws.transaction() as s:
        note = load_note(s, note_id)
        sess = load_session(s, note.session_id)
        require_writer(ws, s, sess)
        require_draft(note)
        rev = s.scalar(select(NoteRevision).where(NoteRevision.note_id == note.id)
                       .order_by(NoteRevision.number.desc()).limit(1))
        assert rev is not None
        if rev.edit_seq != edit_seq:
            raise Conflict("This note was changed in another window since you opened it. "
                           "Reopen it to see the newest text; nothing was overwritten.")
        if format_name is not None and format_name != rev.format:
            if format_name not in NOTE_FORMATS or note.kind == "absence":
                raise ValidationError({"format": "Choose DAP, BIRP, SOAP or GIRP."})
            rev.format = format_name
        content = {"sections": dict(rev.content.get("sections", {})),
                   "justifications": dict(rev.content.get("justifications", {}))}
        if sections is not None:
            content["sections"].update(_clean_sections(c, sections, ALL_SECTION_KEYS))
        if justifications is not None:
            content["justifications"].update(
                {k: v for k, v in justifications.items() if k in ("clone", "names")})
        if group is not None:
            cleaned = _clean_sections(c, group, [x.key for x in GROUP])
            c.raise_if_any()
            section = s.get(SessionGroupSection, sess.id)
            if section is None:
                section = SessionGroupSection(session_id=sess.id, interventions="", process="",
                                              created_at=ws.clock.now(),
                                              created_by_id=ws.actor.user_id)
                s.add(section)
            for key, text in cleaned.items():
                setattr(section, key, text)
            section.updated_at, section.updated_by_id = ws.clock.now(), ws.actor.user_id
        c.raise_if_any()
        if goals is not None:
            _save_goals(s, rev, note.participant_id, goals)
        rev.content = content
        rev.edit_seq += 1
        now = ws.clock.now()
        rev.saved_at = now
        if rev.audited_at is None or now - rev.audited_at >= AUDIT_EVERY:
            rev.audited_at = now
            audit.record(s, ws, "note.draft.saved", "participant", note.participant_id,
                         note_id=note.id, revision=rev.number)
        note.updated_at, note.updated_by_id = now, ws.actor.user_id
        return rev.edit_seq


def _save_goals(s: Session, rev: NoteRevision, participant_id: int,
                goals: Sequence[GoalEntry]) -> None:
    """The revision's goal ratings as given, each goal's link changed in place: a link stays
    the rating of one goal (sync knows it by its key; rewriting every link would turn one
    goal's rating into another's on the other laptops)."""
    own = set(s.scalars(select(TreatmentGoal.id).where(
        TreatmentGoal.participant_id == participant_id)))
    wanted: dict[int, GoalEntry] = {}
    for g in goals:
        if not g.addressed:
            continue
        if g.goal_id not in own:
            raise ValidationError({"goals": "That goal belongs to another participant."})
        if g.rating not in GOAL_RATINGS:
            raise ValidationError({"goals": f"Rate progress as one of {', '.join(GOAL_RATINGS)}."})
        if len(g.comment) > MAX_TEXT:
            raise ValidationError({"goals": "A goal comment is too long."})
        wanted[g.goal_id] = g
    held = {link.goal_id: link for link in s.scalars(
        select(NoteGoalLink).where(NoteGoalLink.revision_id == rev.id))}
    for goal_id, link in held.items():
        if goal_id not in wanted:
            s.delete(link)
    for goal_id, g in wanted.items():
        if (link := held.get(goal_id)) is None:
            s.add(NoteGoalLink(revision_id=rev.id, goal_id=goal_id, rating=g.rating,
                               comment=g.comment))
        elif (link.rating, link.comment) != (g.rating, g.comment):
            link.rating, link.comment = g.rating, g.comment
