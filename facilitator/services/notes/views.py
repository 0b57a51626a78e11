"""Building the editor's view of a note inside a caller's unit of work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.notes import (
    Addendum,
    NoteGoalLink,
    NoteReview,
    NoteRevision,
    ProgressNote,
    SessionGroupSection,
    Signature,
)
from ...models.roster import Participant, TreatmentGoal
from ...models.sessions import Jot, SafetyFlag
from ...models.users import User
from ..workspace import Workspace
from ._common import late_label, load_session, may_write, program_for
from .dto import (
    AddendumView,
    FlagItem,
    GoalEntry,
    NoteView,
    ReviewView,
    RevisionView,
    SignatureView,
)
from .formats import sections_for
from .prefill import session_facts


def signature_view(g: Signature) -> SignatureView:
    return SignatureView(g.signer_name, g.credentials, g.role, g.meaning, g.signed_at,
                         g.content_sha256)


def goal_entries(s: Session, participant_id: int, revision_id: int) -> tuple[GoalEntry, ...]:
    links = {link.goal_id: link for link in s.scalars(
        select(NoteGoalLink).where(NoteGoalLink.revision_id == revision_id))}
    goals = s.scalars(select(TreatmentGoal).where(TreatmentGoal.participant_id == participant_id)
                      .order_by(TreatmentGoal.id)).all()
    return tuple(GoalEntry(g.id, g.text, g.status, g.id in links,
                           links[g.id].rating if g.id in links else "some",
                           links[g.id].comment if g.id in links else "")
                 for g in goals if g.status == "open" or g.id in links)


def note_view(ws: Workspace, s: Session, note: ProgressNote) -> NoteView:
    sess = load_session(s, note.session_id)
    group, program = program_for(s, sess)
    participant = s.get(Participant, note.participant_id)
    assert participant is not None
    revisions = s.scalars(select(NoteRevision).where(NoteRevision.note_id == note.id)
                          .order_by(NoteRevision.number)).all()
    rev = revisions[-1]
    signatures: dict[int, list[Signature]] = {}
    addendum_sigs: dict[int, list[Signature]] = {}
    for g in s.scalars(select(Signature).where(
            Signature.revision_id.in_([r.id for r in revisions])).order_by(Signature.id)):
        signatures.setdefault(g.revision_id or 0, []).append(g)
    addenda = s.scalars(select(Addendum).where(Addendum.note_id == note.id)
                        .order_by(Addendum.written_at, Addendum.id)).all()
    for g in s.scalars(select(Signature).where(
            Signature.addendum_id.in_([a.id for a in addenda])).order_by(Signature.id)):
        addendum_sigs.setdefault(g.addendum_id or 0, []).append(g)
    reviews = s.scalars(select(NoteReview).where(NoteReview.note_id == note.id)
                        .order_by(NoteReview.at, NoteReview.id)).all()
    names = dict(s.execute(select(User.id, User.display_name)).all())
    returned = {r.revision_id: r.comment for r in reviews if r.decision == "returned"}
    group_text = s.get(SessionGroupSection, sess.id)
    signed = rev.signed_at is not None
    content: dict[str, Any] = rev.content or {}
    if signed:
        facts = rev.facts or {}
        groups = dict(content.get("group", {}))
    else:
        facts = session_facts(s, sess, ws.clock.now(), only=note.participant_id).get(
            note.participant_id, {})
        groups = {"interventions": group_text.interventions if group_text else "",
                  "process": group_text.process if group_text else ""}
    jots = tuple((j.at, j.text) for j in s.scalars(
        select(Jot).where(Jot.session_id == sess.id, Jot.participant_id == note.participant_id)
        .order_by(Jot.at)))
    flags = tuple(FlagItem(f.id, f.message, f.severity == "high" and f.addressed_at is None,
                           f.follow_up)
                  for f in s.scalars(select(SafetyFlag).where(
                      SafetyFlag.session_id == sess.id,
                      SafetyFlag.participant_id == note.participant_id)
                      .order_by(SafetyFlag.raised_at)))
    legal, preferred = participant.legal_name, participant.preferred_name
    short = preferred or legal
    display = f"{preferred} ({legal})" if preferred and preferred != legal else legal
    return NoteView(
        note_id=note.id, session_id=sess.id, participant_id=note.participant_id, kind=note.kind,
        state=note.state, format=rev.format, revision_id=rev.id, revision_number=rev.number,
        edit_seq=rev.edit_seq,
        editable=not signed and note.state == "draft" and may_write(ws, s, sess),
        short_name=short, display_name=display, pronouns=participant.pronouns,
        chart_id=participant.chart_id, group_name=group.name, session_date=sess.session_date,
        sections_spec=sections_for(rev.format, note.kind),
        sections=dict(content.get("sections", {})), group_sections=groups,
        justifications=dict(content.get("justifications", {})),
        goals=goal_entries(s, note.participant_id, rev.id), facts=facts, jots=jots, flags=flags,
        returned_comment=note.returned_comment,
        late_entry=rev.late_entry if signed else late_label(ws.clock.now(), sess, program,
                                                            ws.timezone),
        history=tuple(RevisionView(r.number, r.signed_at,
                                   tuple(signature_view(g) for g in signatures.get(r.id, [])),
                                   dict((r.content or {}).get("sections", {})),
                                   returned.get(r.id, ""))
                      for r in revisions),
        addenda=tuple(AddendumView(a.id, names.get(a.author_id, "?"), a.written_at, a.reason,
                                   a.text,
                                   tuple(signature_view(g) for g in addendum_sigs.get(a.id, [])))
                      for a in addenda),
        reviews=tuple(ReviewView(names.get(r.reviewer_id, "?"), r.at, r.decision, r.comment)
                      for r in reviews),
        author=names.get(note.author_id, "?"),
    )
