"""Checks before signing, signing (one password, many notes, one signature each), co-signing,
addenda, and verification of every stored signature.

A signature stores the signer, their credentials and role *at signing time*, its meaning, the
time, and the SHA-256 of the canonical signed content (``canonical.py``): the clinician's words,
the shared group section, goals addressed, and the facts snapshot taken at that moment. Which
documents a stored hash may be of, on this laptop or another, is ``signed_forms``' to say.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

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
from ...models.sessions import Attendance, SafetyFlag
from ...models.users import User
from .. import audit
from ..errors import Conflict, ValidationError
from ..note_workflow import COSIGN_REQUIRED
from ..validation import MAX_TEXT, Checker, visible
from ..workspace import Workspace
from ._common import (
    COSIGN_AGING_DAYS,
    current_revision,
    late_label,
    load_note,
    load_session,
    program_for,
    require_reviewer,
    require_writer,
    session_end,
)
from .canonical import content_hash
from .checks import CloneFinding, find_names, is_clone, name_candidates, normalise_text
from .dto import SignatureProblem, SignCheck, SignResult
from .formats import sections_for
from .prefill import session_facts
from .reauth import confirm_password
from .signed_forms import (
    addendum_document_now,
    addendum_hashes,
    carried_addendum_hash,
    revision_document,
    revision_hashes,
    revision_signature_holds,
)
from .signed_refs import Names, signed_apart

__all__ = ["COSIGN_AGING_DAYS", "add_addendum", "check_note", "cosign_notes", "sign_confirmed",
           "sign_notes", "verify_signatures"]


def _individual_words(s: Session, note: ProgressNote, rev: NoteRevision) -> list[str]:
    p = s.get(Participant, note.participant_id)
    own = [p.legal_name, p.preferred_name, *p.legal_name.split(), *p.preferred_name.split()] \
        if p else []
    keys = [x.key for x in sections_for(rev.format, note.kind)]
    text = "\n".join(rev.content.get("sections", {}).get(k, "") for k in keys)
    return normalise_text(text, own)


def _latest(s: Session, note_id: int) -> NoteRevision | None:
    return s.scalar(select(NoteRevision).where(NoteRevision.note_id == note_id)
                    .order_by(NoteRevision.number.desc()).limit(1))


def _checks(ws: Workspace, s: Session, note: ProgressNote, rev: NoteRevision) -> SignCheck:
    sess = load_session(s, note.session_id)
    problems: list[str] = []
    if sess.status != "ended":
        problems.append("The session has not ended yet.")
    elif ws.clock.now() < session_end(sess):
        problems.append("The computer's clock reads earlier than the end of this session "
                        "(was the date or time changed?). Correct the clock, then sign.")
    sections = rev.content.get("sections", {})
    for spec in sections_for(rev.format, note.kind):
        if spec.required and not visible(sections.get(spec.key, "")):
            problems.append(f"The {spec.title} section is empty.")
    open_flags = s.scalar(select(SafetyFlag.id).where(
        SafetyFlag.session_id == sess.id, SafetyFlag.participant_id == note.participant_id,
        SafetyFlag.severity == "high", SafetyFlag.addressed_at.is_(None)).limit(1))
    if open_flags is not None:
        problems.append("An open safety flag from this session needs its follow-up first.")
    # Cloned text: other participants' notes of this session, and this participant's last note.
    words = _individual_words(s, note, rev)
    clones: list[CloneFinding] = []
    others = s.scalars(select(ProgressNote).where(ProgressNote.session_id == sess.id,
                                                  ProgressNote.id != note.id,
                                                  ProgressNote.kind == note.kind))
    for other in others:
        orev = _latest(s, other.id)
        if orev is not None:
            clone, score = is_clone(words, _individual_words(s, other, orev))
            if clone:
                clones.append(CloneFinding("another participant's note of this session", score))
    previous = s.execute(
        select(ProgressNote, NoteRevision)
        .join(NoteRevision, NoteRevision.note_id == ProgressNote.id)
        .where(ProgressNote.participant_id == note.participant_id, ProgressNote.id != note.id,
               ProgressNote.kind == note.kind, NoteRevision.signed_at.is_not(None))
        .order_by(NoteRevision.signed_at.desc()).limit(1)).first()
    if previous is not None:
        clone, score = is_clone(words, _individual_words(s, previous[0], previous[1]))
        if clone:
            clones.append(CloneFinding("their previous note", score))
    # Other members' names, in every section this note carries (the group section too).
    roster = s.execute(select(Participant.legal_name, Participant.preferred_name)
                       .join(Attendance, Attendance.participant_id == Participant.id)
                       .where(Attendance.session_id == sess.id,
                              Attendance.participant_id != note.participant_id)).all()
    others_names: set[str] = set()
    for legal, preferred in roster:
        others_names |= name_candidates(legal, preferred)
    me = s.get(Participant, note.participant_id)
    if me is not None:  # a peer who shares this participant's first name is not a finding
        others_names -= name_candidates(me.legal_name, me.preferred_name)
    texts = dict(sections)
    group = s.get(SessionGroupSection, sess.id)
    if group is not None:
        texts["interventions"], texts["process"] = group.interventions, group.process
    names = find_names(texts, others_names)
    justified = rev.content.get("justifications", {})
    return SignCheck(tuple(problems), tuple(clones), tuple(names),
                     visible(justified.get("clone", "")), visible(justified.get("names", "")))


def check_note(ws: Workspace, note_id: int) -> SignCheck:
    """What must be fixed or justified before this draft can be signed."""
    with ws.read() as s:
        note = load_note(s, note_id)
        return _checks(ws, s, note, current_revision(s, note))


def _signature(ws: Workspace, s: Session, signer: User, meaning: str, at: datetime,
               sha: str, *, revision_id: int | None = None,
               addendum_id: int | None = None) -> Signature:
    sig = Signature(revision_id=revision_id, addendum_id=addendum_id, signer_id=signer.id,
                    signer_name=signer.display_name, credentials=signer.credentials,
                    role=signer.role, meaning=meaning, signed_at=at, content_sha256=sha)
    s.add(sig)
    return sig


def _sign_one(ws: Workspace, s: Session, signer: User, note_id: int, edit_seq: int
              ) -> SignResult:
    note = load_note(s, note_id)
    sess = load_session(s, note.session_id)
    require_writer(ws, s, sess)
    if note.state != "draft":
        return SignResult(note_id, False, "Already signed.")
    rev = current_revision(s, note)
    if rev.edit_seq != edit_seq:
        return SignResult(note_id, False, "Changed in another window since you reviewed it: "
                                          "reopen it and sign again.")
    check = _checks(ws, s, note, rev)
    if not check.ok:
        return SignResult(note_id, False, " ".join(check.messages()))
    _, program = program_for(s, sess)
    now = ws.clock.now()
    group = s.get(SessionGroupSection, sess.id)
    links = s.scalars(select(NoteGoalLink).where(NoteGoalLink.revision_id == rev.id)
                      .order_by(NoteGoalLink.goal_id)).all()
    goal_text = dict(s.execute(select(TreatmentGoal.id, TreatmentGoal.text).where(
        TreatmentGoal.id.in_([g.goal_id for g in links]))).all()) if links else {}
    keys = {x.key for x in sections_for(rev.format, note.kind)}
    content = {
        "sections": {k: v for k, v in rev.content.get("sections", {}).items() if k in keys},
        "justifications": dict(rev.content.get("justifications", {})),
        "group": ({"interventions": group.interventions, "process": group.process}
                  if group is not None and note.kind == "session" else {}),
        "goals": [{"goal_id": g.goal_id, "goal": goal_text.get(g.goal_id, ""),
                   "rating": g.rating, "comment": g.comment} for g in links],
    }
    # Whether this signature needs a supervisor's: a fact of the signing, signed with it, so
    # that the note's state follows from its records on every laptop (``note_workflow``).
    rev.facts = {**session_facts(s, sess, now, only=note.participant_id).get(
        note.participant_id, {}), COSIGN_REQUIRED: signer.requires_cosign}
    rev.content = content
    rev.late_entry = late_label(now, sess, program, ws.timezone)
    sha = content_hash(revision_document(s, ws, note, rev))
    rev.content_sha256, rev.signed_at = sha, now
    s.flush()
    _signature(ws, s, signer, "author", now, sha, revision_id=rev.id)
    note.signed_at, note.returned_comment = now, ""
    note.state = "awaiting_cosign" if signer.requires_cosign else "final"
    note.final_at = None if signer.requires_cosign else now
    note.updated_at, note.updated_by_id = now, ws.actor.user_id
    audit.record(s, ws, "note.signed", "participant", note.participant_id, note_id=note.id,
                 revision=rev.number, sha256=sha, late=bool(rev.late_entry))
    return SignResult(note_id, True, "Signed; waiting for co-signature." if signer.requires_cosign
                      else "Signed.")


def sign_notes(ws: Workspace, notes: Sequence[tuple[int, int]], password: str
               ) -> list[SignResult]:
    """Sign drafts the author has reviewed: ``notes`` are (note id, edit_seq seen). One password
    re-entry for the batch, one signature per note, one transaction. A note that fails its
    checks is left as a draft and its result says why; the others are signed."""
    if not notes:
        raise ValidationError({"notes": "Choose at least one note to sign."})
    confirm_password(ws, password, "note.sign")
    return sign_confirmed(ws, notes)


def sign_confirmed(ws: Workspace, notes: Sequence[tuple[int, int]]) -> list[SignResult]:
    """``sign_notes`` after the password was confirmed (the benchmark times this part)."""
    with ws.transaction() as s:
        signer = s.get(User, ws.actor.user_id)
        assert signer is not None
        return [_sign_one(ws, s, signer, nid, seq) for nid, seq in notes]


def cosign_notes(ws: Workspace, note_ids: Sequence[int], password: str) -> list[SignResult]:
    """A supervisor co-signs notes awaiting co-signature (one password, one signature each).
    Two supervisors at once: the second finds the note already co-signed."""
    if not note_ids:
        raise ValidationError({"notes": "Choose at least one note to co-sign."})
    confirm_password(ws, password, "note.cosign")
    results = []
    with ws.transaction() as s:
        signer = s.get(User, ws.actor.user_id)
        assert signer is not None
        for nid in note_ids:
            note = load_note(s, nid)
            require_reviewer(ws, s, note)
            if note.state != "awaiting_cosign":
                results.append(SignResult(nid, False, "Not waiting for co-signature (already "
                                                      "co-signed, returned, or final)."))
                continue
            rev = current_revision(s, note)
            now = ws.clock.now()
            # The author's hash, once it is known to cover this revision as it is here (the
            # author may have signed on another laptop, or under an older form).
            sha = rev.content_sha256
            names = Names(s, whole=False)
            if not revision_signature_holds(names, note, rev, sha):
                raise Conflict("This note's signed content does not match its signature. "
                               "Run Verify; nothing was co-signed.")
            _signature(ws, s, signer, "co-signer", now, sha, revision_id=rev.id)
            s.add(NoteReview(note_id=note.id, revision_id=rev.id, reviewer_id=signer.id, at=now,
                             decision="cosigned", comment=""))
            note.state, note.final_at = "final", now
            note.updated_at, note.updated_by_id = now, ws.actor.user_id
            audit.record(s, ws, "note.cosigned", "participant", note.participant_id,
                         note_id=note.id, revision=rev.number)
            results.append(SignResult(nid, True, "Co-signed."))
    return results


def add_addendum(ws: Workspace, note_id: int, reason: str, text: str, password: str) -> int:
    """A dated, signed correction or addition under a signed note; returns its id. The author,
    a facilitator of the session, or a supervisor may write one."""
    c = Checker()
    reason = c.text("reason", "The reason", reason, max_len=MAX_TEXT)
    text = c.text("text", "The addendum", text, max_len=MAX_TEXT)
    c.raise_if_any()
    with ws.read() as s:
        note = load_note(s, note_id)
        if note.state == "draft" and note.signed_at is None:
            raise Conflict("This note is not signed yet: edit the draft instead.")
        if ws.actor.role != "supervisor" and note.author_id != ws.actor.user_id:
            require_writer(ws, s, load_session(s, note.session_id))
    confirm_password(ws, password, "note.addendum")
    with ws.transaction() as s:
        note = load_note(s, note_id)
        signer = s.get(User, ws.actor.user_id)
        assert signer is not None
        now = ws.clock.now()
        add = Addendum(note_id=note.id, author_id=signer.id, written_at=now, reason=reason,
                       text=text, content_sha256="")
        add.content_sha256 = sha = content_hash(addendum_document_now(s, ws, add))
        s.add(add)
        s.flush()
        _signature(ws, s, signer, "author", now, sha, addendum_id=add.id)
        audit.record(s, ws, "note.addendum", "participant", note.participant_id,
                     note_id=note.id, addendum_id=add.id, sha256=sha)
        return add.id


SIGNED_APART = ("signed on two laptops apart: the revision shows the other signing, and clinic"
                " sync keeps the text this signature covers (Sync conflicts)")


def verify_signatures(s: Session) -> tuple[int, list[SignatureProblem]]:
    """Recompute every signature's content hash; (signatures checked, mismatches)."""
    problems: list[SignatureProblem] = []
    count = 0
    revisions = {r.id: r for r in s.scalars(select(NoteRevision).where(
        NoteRevision.signed_at.is_not(None)))}
    notes = {n.id: n for n in s.scalars(select(ProgressNote))}
    addenda = {a.id: a for a in s.scalars(select(Addendum))}
    names = Names(s)
    expected_rev: dict[int, set[str]] = {}
    for rid, rev in revisions.items():
        note = notes.get(rev.note_id)
        if note is not None:
            expected_rev[rid] = revision_hashes(names, note, rev)
    for sig in s.scalars(select(Signature).order_by(Signature.id)):
        count += 1
        if sig.revision_id is not None:
            rev = revisions.get(sig.revision_id)
            want = expected_rev.get(sig.revision_id)
            note_id = rev.note_id if rev is not None else 0
            if rev is None or want is None:
                problems.append(SignatureProblem(sig.id, note_id, "signs a note revision that "
                                                 "is missing or no longer marked signed"))
            elif sig.content_sha256 != rev.content_sha256 or not revision_signature_holds(
                    names, notes[rev.note_id], rev, sig.content_sha256, want):
                apart = (sig.content_sha256 != rev.content_sha256
                         and signed_apart(s, rev.id, sig.content_sha256))
                problems.append(SignatureProblem(sig.id, note_id, SIGNED_APART if apart else
                                                 "the signed note content no longer matches"
                                                 " its signature"))
        else:
            add = addenda.get(sig.addendum_id or 0)
            if add is None:
                problems.append(SignatureProblem(sig.id, 0, "signs a missing addendum"))
                continue
            if sig.content_sha256 != add.content_sha256 or (
                    sig.content_sha256 not in addendum_hashes(names, add)
                    and sig.content_sha256 != carried_addendum_hash(names, add)):
                problems.append(SignatureProblem(sig.id, add.note_id, "the addendum no longer "
                                                 "matches its signature"))
    s.expunge_all()
    return count, problems
