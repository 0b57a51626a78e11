"""Building the editor's view of a note inside a caller's unit of work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
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
from ..sync.signed_ids import signed_numbers
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

# The note's rows as plain columns from statements built once: the notes queue, the review
# queue and every exported note (a batch, a participant's record) build this view, and building
# ORM selects and loading entities cost several times what SQLite spends on the rows (cProfile
# of a note batch). Core statements do not autoflush: ``note_view`` flushes first.
_R = NoteRevision.__table__.c
_S = Signature.__table__.c
_AD = Addendum.__table__.c
_RV = NoteReview.__table__.c
_L = NoteGoalLink.__table__.c
_G = TreatmentGoal.__table__.c
_J = Jot.__table__.c
_F = SafetyFlag.__table__.c
_U = User.__table__.c
_SIGNATURE = (_S.signer_name, _S.credentials, _S.role, _S.meaning, _S.signed_at,
              _S.content_sha256)
REVISIONS = (select(_R.id, _R.number, _R.format, _R.content, _R.facts, _R.late_entry,
                    _R.edit_seq, _R.signed_at)
             .where(_R.note_id == bindparam("note")).order_by(_R.number))
REVISION_SIGNATURES = (select(_S.revision_id, *_SIGNATURE)
                       .where(_S.revision_id.in_(bindparam("ids", expanding=True)))
                       .order_by(_S.id))
ADDENDA = (select(_AD.id, _AD.author_id, _AD.written_at, _AD.reason, _AD.text)
           .where(_AD.note_id == bindparam("note")).order_by(_AD.written_at, _AD.id))
ADDENDUM_SIGNATURES = (select(_S.addendum_id, *_SIGNATURE)
                       .where(_S.addendum_id.in_(bindparam("ids", expanding=True)))
                       .order_by(_S.id))
REVIEWS = (select(_RV.revision_id, _RV.reviewer_id, _RV.at, _RV.decision, _RV.comment)
           .where(_RV.note_id == bindparam("note")).order_by(_RV.at, _RV.id))
USER_NAMES = select(_U.id, _U.display_name)
JOTS = (select(_J.at, _J.text).where(_J.session_id == bindparam("sid"),
                                     _J.participant_id == bindparam("pid")).order_by(_J.at))
FLAGS = (select(_F.id, _F.message, _F.severity, _F.addressed_at, _F.follow_up)
         .where(_F.session_id == bindparam("sid"), _F.participant_id == bindparam("pid"))
         .order_by(_F.raised_at))
GOAL_LINKS = select(_L.goal_id, _L.rating, _L.comment).where(_L.revision_id == bindparam("rev"))
GOALS = (select(_G.id, _G.text, _G.status).where(_G.participant_id == bindparam("pid"))
         .order_by(_G.id))


def signature_view(g: Any) -> SignatureView:
    """A signature (a ``Signature`` or a row of its columns as in ``_SIGNATURE``)."""
    return SignatureView(g.signer_name, g.credentials, g.role, g.meaning, g.signed_at,
                         g.content_sha256)


def goal_entries(s: Session, participant_id: int, revision_id: int) -> tuple[GoalEntry, ...]:
    links = {link.goal_id: link for link in s.execute(GOAL_LINKS, {"rev": revision_id})}
    goals = s.execute(GOALS, {"pid": participant_id}).all()
    return tuple(GoalEntry(g.id, g.text, g.status, g.id in links,
                           links[g.id].rating if g.id in links else "some",
                           links[g.id].comment if g.id in links else "")
                 for g in goals if g.status == "open" or g.id in links)


def signed_goals(content: dict[str, Any]) -> tuple[GoalEntry, ...]:
    """The goals a signed revision states, in the words it was signed with, as its facts and
    group section are shown: a goal rating edited later (on a laptop that had not yet seen the
    signing, where sync keeps it for an admin) never shows as part of the signed note."""
    return tuple(GoalEntry(int(g.get("goal_id") or 0), str(g.get("goal", "")), "", True,
                           str(g.get("rating", "")), str(g.get("comment", "")))
                 for g in content.get("goals", []) if isinstance(g, dict))


def note_view(ws: Workspace, s: Session, note: ProgressNote) -> NoteView:
    s.flush()  # the caller's pending changes, as an ORM query would autoflush them
    sess = load_session(s, note.session_id)
    group, program = program_for(s, sess)
    participant = s.get(Participant, note.participant_id)
    assert participant is not None
    revisions = s.execute(REVISIONS, {"note": note.id}).all()
    rev = revisions[-1]
    signatures: dict[int, list[Any]] = {}
    addendum_sigs: dict[int, list[Any]] = {}
    for g in s.execute(REVISION_SIGNATURES, {"ids": [r.id for r in revisions]}):
        signatures.setdefault(g.revision_id or 0, []).append(g)
    addenda = s.execute(ADDENDA, {"note": note.id}).all()
    for g in s.execute(ADDENDUM_SIGNATURES, {"ids": [a.id for a in addenda]}):
        addendum_sigs.setdefault(g.addendum_id or 0, []).append(g)
    reviews = s.execute(REVIEWS, {"note": note.id}).all()
    names = dict(s.execute(USER_NAMES).all())
    returned = {r.revision_id: r.comment for r in reviews if r.decision == "returned"}
    group_text = s.get(SessionGroupSection, sess.id)
    moved = signed_numbers(s, [r.id for r in revisions if r.signed_at is not None])
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
    about = {"sid": sess.id, "pid": note.participant_id}
    jots = tuple((j.at, j.text) for j in s.execute(JOTS, about))
    flags = tuple(FlagItem(f.id, f.message, f.severity == "high" and f.addressed_at is None,
                           f.follow_up)
                  for f in s.execute(FLAGS, about))
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
        goals=(signed_goals(content) if signed and "goals" in content
               else goal_entries(s, note.participant_id, rev.id)),
        facts=facts, jots=jots, flags=flags,
        returned_comment=note.returned_comment,
        late_entry=rev.late_entry if signed else late_label(ws.clock.now(), sess, program,
                                                            ws.timezone),
        history=tuple(RevisionView(r.number, r.signed_at,
                                   tuple(signature_view(g) for g in signatures.get(r.id, [])),
                                   dict((r.content or {}).get("sections", {})),
                                   returned.get(r.id, ""), moved.get(r.id))
                      for r in revisions),
        addenda=tuple(AddendumView(a.id, names.get(a.author_id, "?"), a.written_at, a.reason,
                                   a.text,
                                   tuple(signature_view(g) for g in addendum_sigs.get(a.id, [])))
                      for a in addenda),
        reviews=tuple(ReviewView(names.get(r.reviewer_id, "?"), r.at, r.decision, r.comment)
                      for r in reviews),
        author=names.get(note.author_id, "?"),
    )
