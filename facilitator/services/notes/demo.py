"""Progress notes for the demo clinic and the benchmark dataset, generated in bulk.

For every ended session and every participant who needs a note: mostly signed (some reviewed,
a few late entries), recent ones left as drafts or not yet started, notes of a co-signature
user waiting for co-signature, one returned, one with an addendum. Facts come from the real
prefill and hashes from the real canonical form, so ``verify`` checks them like any other.
Individualized text is assembled from neutral, fictional fragments so notes differ.
One audit event records the generation (the rows are not real care).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
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
from ...models.sessions import GroupSession
from ...models.users import User
from .. import audit
from ..workspace import Workspace
from ._common import late_label, needs_note, program_for
from .canonical import LOCAL_IDS_FORM, addendum_document, content_hash, note_document
from .formats import sections_for
from .prefill import session_facts

OPENERS = ("arrived {how} and {joined}", "came in {how}; {joined}", "was present {how} and "
           "{joined}")
HOW = ("on time", "a few minutes early", "settled", "tired but willing", "in good spirits")
JOINED = ("joined the check-in", "shared during check-in", "listened closely at first",
          "asked a question about the handout")
SKILLS = ("paced breathing", "urge surfing", "opposite action", "checking the facts",
          "a values list", "the TIPP skill", "a pros-and-cons list", "grounding with the senses")
RESPONSES = ("practised {skill} in the room and named a time to use it this week",
             "described using {skill} after a hard phone call",
             "said {skill} felt awkward but agreed to try it twice",
             "gave an example of a trigger at home and how {skill} could fit",
             "connected {skill} to a recent craving and rated it helpful")
RISK = ("No safety concerns reported or observed.", "Denied thoughts of harm; safety plan "
        "current.", "No risk indicators today; craving low.")
PLANS = ("Practise {skill} daily and bring one example next group.",
         "Use {skill} before the weekend; review at the next group.",
         "Try {skill} once a day and note the result on the card.",
         "Continue IOP as scheduled; add {skill} to the relapse-prevention plan.")
PROCESS = ("The group discussed stress at work and support at home.",
           "Members talked about weekends as a high-risk time and shared plans.",
           "The group reflected on progress since admission and what still feels hard.")


def _text(rng: random.Random, name: str, format_name: str, kind: str) -> dict[str, str]:
    if kind == "absence":
        return {"reason": rng.choice(("Called in sick.", "Transport fell through (reported by "
                                      "phone).", "No contact; reason unknown.")),
                "outreach": "Left a voicemail; will follow up before the next group (demo)."}
    skill = rng.choice(SKILLS)
    first = f"{name} " + rng.choice(OPENERS).format(how=rng.choice(HOW),
                                                    joined=rng.choice(JOINED)) + "."
    response = f"{name} " + rng.choice(RESPONSES).format(skill=skill) + ". " + rng.choice(RISK)
    plan = rng.choice(PLANS).format(skill=skill)
    keys = [x.key for x in sections_for(format_name, kind)]
    body = [first, response, plan]
    if len(keys) == 4:
        body = [first, f"Taught and rehearsed {skill}; prompted {name} with an example.",
                response, plan]
    return dict(zip(keys, body, strict=True))


class _Rows:
    """Rows per model with ids assigned here, inserted in bulk (fast for five-year datasets)."""

    ORDER = (SessionGroupSection, ProgressNote, NoteRevision, NoteGoalLink, Addendum,
             Signature, NoteReview)

    def __init__(self, s: Session) -> None:
        self.rows: dict[type, list[dict]] = {m: [] for m in self.ORDER}
        # Revisions go in unsigned and are signed after their goal links, as signing does:
        # the triggers refuse goal links on a signed revision.
        self.signing: list[dict] = []
        self.next = {m: (s.scalar(select(func.max(m.id))) or 0) + 1
                     for m in self.ORDER if m is not SessionGroupSection}

    def add(self, model: type, **values: object) -> int:
        if model in self.next:
            values["id"] = self.next[model]
            self.next[model] += 1
        self.rows[model].append(values)
        return int(values.get("id", 0))  # type: ignore[call-overload]

    def flush(self, s: Session) -> None:
        for model in self.ORDER:
            if self.rows[model]:
                s.execute(insert(model), self.rows[model])
                self.rows[model] = []
            if model is NoteGoalLink and self.signing:
                s.execute(update(NoteRevision), self.signing)
                self.signing = []


def add_demo_notes(ws: Workspace, rng: random.Random, *, fresh_days: int = 3,
                   supervisor_id: int | None = None, batch: int = 200) -> int:
    """Notes for every ended session (see the module docstring); returns how many."""
    now = ws.clock.now()
    count = 0
    with ws.transaction() as s:
        ids = [r for (r,) in s.execute(select(GroupSession.id).where(
            GroupSession.status == "ended").order_by(GroupSession.session_date,
                                                     GroupSession.id))]
        users = {u.id: (u.display_name, u.credentials, u.role, u.requires_cosign)
                 for u in s.scalars(select(User))}
        rows = _Rows(s)
        special = {"returned": False, "addendum": False}
        for start in range(0, len(ids), batch):
            for sid in ids[start:start + batch]:
                count += _session(s, ws, rng, rows, sid, now, users, fresh_days, supervisor_id,
                                  special)
            rows.flush(s)
            s.expunge_all()
        audit.record(s, ws, "demo.notes.generated", notes=count)
    return count


def _session(s: Session, ws: Workspace, rng: random.Random, rows: _Rows, sid: int,
             now: datetime, users: dict[int, tuple[str, str, str, bool]], fresh_days: int,
             supervisor_id: int | None, special: dict[str, bool]) -> int:
    sess = s.get(GroupSession, sid)
    assert sess is not None
    _, program = program_for(s, sess)
    ended = sess.actual_end or sess.planned_end
    age_days = (now - ended).total_seconds() / 86400
    author_id = sess.lead_facilitator_id or ws.actor.user_id
    cosign = users[author_id][3]
    facts = session_facts(s, sess, ended)
    names = {pid: preferred or legal.split()[0] for pid, legal, preferred in s.execute(
        select(Participant.id, Participant.legal_name, Participant.preferred_name)
        .where(Participant.id.in_(list(facts))))}
    goals = {pid: (gid, text) for pid, gid, text in s.execute(
        select(TreatmentGoal.participant_id, TreatmentGoal.id, TreatmentGoal.text)
        .where(TreatmentGoal.participant_id.in_(list(facts))))}
    topics = ", ".join(t["title"] for t in next(iter(facts.values()), {}).get("topics", []))
    group = {"interventions": f"Taught and practised: {topics or 'skills review'}. Facilitator "
                              "modelled the skill, members rehearsed in pairs (demo).",
             "process": rng.choice(PROCESS)}
    rows.add(SessionGroupSection, session_id=sid, created_at=ended, created_by_id=author_id,
             **group)

    def sign(rev_id: int | None, who: int, at: datetime, sha: str, meaning: str = "author",
             addendum_id: int | None = None) -> None:
        name, creds, role, _ = users[who]
        rows.add(Signature, revision_id=rev_id, addendum_id=addendum_id, signer_id=who,
                 signer_name=name, credentials=creds, role=role, meaning=meaning,
                 signed_at=at, content_sha256=sha)

    made = 0
    for pid, f in facts.items():
        kind = needs_note(f["attendance"]["status"], program)
        if kind is None or (age_days < 1 and rng.random() < 0.7):
            continue  # no note needed, or not started yet (owed in the queue)
        made += 1
        fmt = program.note_format
        linked = pid in goals and kind == "session"
        rating = rng.choice(("some", "good", "none"))
        draft = age_days < fresh_days and rng.random() < 0.5
        content: dict[str, object] = {"sections": _text(rng, names[pid], fmt, kind),
                                      "justifications": {}}
        note = dict(session_id=sid, participant_id=pid, author_id=author_id, kind=kind,
                    state="draft", returned_comment="", created_at=ended,
                    created_by_id=author_id, signed_at=None, final_at=None)
        note_id = rows.next[ProgressNote]
        rev = dict(note_id=note_id, number=1, format=fmt, content=content, facts=None,
                   late_entry="", content_sha256="", edit_seq=1, created_at=ended,
                   created_by_id=author_id, saved_at=ended, audited_at=ended, signed_at=None)
        rev_id = rows.next[NoteRevision]
        if linked:
            rows.add(NoteGoalLink, revision_id=rev_id, goal_id=goals[pid][0], rating=rating,
                     comment="")
        if draft:
            rows.add(ProgressNote, **note)
            rows.add(NoteRevision, **rev)
            continue
        content["group"] = group if kind == "session" else {}
        content["goals"] = ([{"goal_id": goals[pid][0], "goal": goals[pid][1],
                              "rating": rating, "comment": ""}] if linked else [])
        late = rng.random() < 0.04
        signed_at = min(ended + timedelta(hours=80 if late else rng.uniform(0.5, 30)), now)
        rev.update(facts=f, signed_at=signed_at,
                   late_entry=late_label(signed_at, sess, program, ws.timezone))
        sha = content_hash(note_document(
            note_id=note_id, revision=1, kind=kind, format_name=fmt, session_id=sid,
            participant_id=pid, facts=f, content=content, late_entry=str(rev["late_entry"]),
            version=LOCAL_IDS_FORM))
        rev["content_sha256"] = sha
        note["signed_at"] = signed_at
        returned = None
        if cosign and supervisor_id and not special["returned"]:
            special["returned"] = True
            at = signed_at + timedelta(hours=3)
            returned = ("Please name the skill practised and how the participant responded "
                        "(demo).", at)
            note.update(state="draft", signed_at=None, returned_comment=returned[0])
        elif cosign and supervisor_id and age_days > 7:
            note.update(state="final", final_at=signed_at + timedelta(hours=rng.uniform(2, 40)))
        elif cosign:
            note["state"] = "awaiting_cosign"
        else:
            note.update(state="final", final_at=signed_at)
        rows.add(ProgressNote, **note)
        signed = {k: rev.pop(k) for k in ("facts", "signed_at", "late_entry", "content_sha256")}
        rows.add(NoteRevision, facts=None, signed_at=None, late_entry="", content_sha256="",
                 **rev)
        rows.signing.append({"id": rev_id, **signed})
        sign(rev_id, author_id, signed_at, sha)
        if returned is not None and supervisor_id:
            rows.add(NoteReview, note_id=note_id, revision_id=rev_id, reviewer_id=supervisor_id,
                     at=returned[1], decision="returned", comment=returned[0])
            rows.add(NoteRevision, note_id=note_id, number=2, format=fmt,
                     content={"sections": content["sections"], "justifications": {}},
                     facts=None, late_entry="", content_sha256="", edit_seq=0,
                     created_at=returned[1], created_by_id=supervisor_id, saved_at=None,
                     audited_at=returned[1], signed_at=None)
        elif cosign and note["state"] == "final" and supervisor_id:
            at = note["final_at"]
            assert isinstance(at, datetime)
            sign(rev_id, supervisor_id, at, sha, "co-signer")
            rows.add(NoteReview, note_id=note_id, revision_id=rev_id, reviewer_id=supervisor_id,
                     at=at, decision="cosigned", comment="")
        elif supervisor_id and note["state"] == "final" and rng.random() < 0.3:
            rows.add(NoteReview, note_id=note_id, revision_id=rev_id, reviewer_id=supervisor_id,
                     at=signed_at + timedelta(days=1), decision="reviewed", comment="")
        if not special["addendum"] and kind == "session" and note["state"] == "final":
            special["addendum"] = True
            written = signed_at + timedelta(hours=2)
            reason, text = ("Arrival time clarified", "The participant arrived with the group; "
                            "the late status reflects a sign-in delay (demo).")
            add_sha = content_hash(addendum_document(note_id=note_id, author_id=author_id,
                                                     written_at=written, reason=reason,
                                                     text=text, version=LOCAL_IDS_FORM))
            add_id = rows.add(Addendum, note_id=note_id, author_id=author_id, written_at=written,
                              reason=reason, text=text, content_sha256=add_sha)
            sign(None, author_id, written, add_sha, addendum_id=add_id)
    return made
