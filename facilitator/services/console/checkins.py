"""Check-in and check-out responses: validate with the form, score, store, raise flags.

Form definitions are loaded once from the shipped ``forms/`` folder and cached (they are
immutable); ``forms_catalog`` also returns the load errors so the UI can name a broken form file.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...forms import AnswerError, FormsLoad, default_forms_path, load_forms, score, validate_answers
from ...models.sessions import Attendance, FormResponse, SafetyFlag
from ..errors import NotFound, ValidationError
from ..workspace import Workspace
from ._common import load_session, require_on_roster, require_status
from .dto import ATTENDING, GoAroundEntry, ResponseView
from .state import flag_view, session_board
from .undo import UndoEntry

_folder: Path | None = None  # None: the shipped forms/ folder


@cache
def _load(folder: Path) -> FormsLoad:
    return load_forms(folder)


def forms_catalog() -> FormsLoad:
    """The usable forms by id and one message per broken file (loaded once, then cached)."""
    return _load(_folder or default_forms_path())


def reload_forms(folder: Path | None = None) -> FormsLoad:
    """Load the forms again, from ``folder`` if given (a clinic's own forms folder; tests),
    otherwise from the shipped folder; e.g. after a clinic edits a form file."""
    global _folder
    _folder = folder
    _load.cache_clear()
    return forms_catalog()


def _view(r: FormResponse, flags: list[SafetyFlag]) -> ResponseView:
    return ResponseView(r.id, r.session_id, r.participant_id, r.form_id, r.form_version,
                        dict(r.answers), r.total, r.band, r.summary, r.created_at,
                        tuple(flag_view(f) for f in flags))


def go_around_order(ws: Workspace, session_id: int, form_id: str | None = None
                    ) -> list[GoAroundEntry]:
    """Participants who are here (arrived, not departed; out of the room included) in roster
    order; ``answered`` tells who already has a response to ``form_id`` in this session."""
    with ws.read() as s:
        sess = load_session(s, session_id)
        views, _ = session_board(s, sess, ws.clock.now())
        done: set[int] = set()
        if form_id is not None:
            done = set(s.scalars(select(FormResponse.participant_id).where(
                FormResponse.session_id == sess.id, FormResponse.form_id == form_id)))
        return [GoAroundEntry(v.participant_id, v.short_name, v.status, v.participant_id in done)
                for v in views
                if v.status in ATTENDING and v.arrived_at is not None and v.departed_at is None]


def _require_attended(s: Session, session_id: int, participant_id: int) -> None:
    """Answers belong to someone who was in the block (a late entry after they left is fine);
    a check-in stored for an absent or unmarked participant would document care not given."""
    status = s.scalar(select(Attendance.status).where(
        Attendance.session_id == session_id, Attendance.participant_id == participant_id,
        Attendance.arrived_at.is_not(None)))
    if status not in ATTENDING:
        raise ValidationError({"participant": "This participant is not marked as attending "
                                              "this block; mark their arrival first."})


def record_response(ws: Workspace, session_id: int, participant_id: int, form_id: str,
                    answers: Mapping[str, object]) -> ResponseView:
    """Validate (ValidationError with one message per problem item, keyed by linkId), score and
    store a response; scoring flags become SafetyFlag rows (only high ones stay open)."""
    form = forms_catalog().forms.get(form_id)
    if form is None:
        raise NotFound(f"The form '{form_id}' is not available (its file is missing or broken).")
    try:
        clean = validate_answers(form, answers)
    except AnswerError as error:
        raise ValidationError(dict(zip(error.link_ids, error.problems, strict=True))) from None
    result = score(form, clean)
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, "running", "ended")
        require_on_roster(s, sess, participant_id)
        _require_attended(s, sess.id, participant_id)
        log = UndoEntry(s, ws, sess)
        response = FormResponse(session_id=sess.id, participant_id=participant_id,
                                form_id=form.id, form_version=form.version, answers=clean,
                                total=result.total, band=result.band, summary=result.summary,
                                created_at=log.now, created_by_id=ws.actor.user_id)
        s.add(response)
        log.inserted(response)
        flags = []
        for f in result.flags:
            flag = SafetyFlag(participant_id=participant_id, session_id=sess.id,
                              response_id=response.id, code=f.code, severity=f.severity,
                              message=f.message, raised_at=log.now, follow_up="",
                              created_at=log.now, created_by_id=ws.actor.user_id)
            s.add(flag)
            log.inserted(flag)
            flags.append(flag)
        log.store("response.recorded", f"Record {form.title}", "participant", participant_id,
                   form_id=form.id, response_id=response.id, flags=[f.code for f in flags])
        return _view(response, flags)


def responses(ws: Workspace, session_id: int, participant_id: int | None = None
              ) -> list[ResponseView]:
    """Responses recorded in a session (oldest first), optionally for one participant."""
    with ws.read() as s:
        q = select(FormResponse).where(FormResponse.session_id == session_id)
        if participant_id is not None:
            q = q.where(FormResponse.participant_id == participant_id)
        rows = list(s.scalars(q.order_by(FormResponse.created_at, FormResponse.id)))
        flags: dict[int, list[SafetyFlag]] = {}
        if rows:
            for f in s.scalars(select(SafetyFlag).where(
                    SafetyFlag.response_id.in_([r.id for r in rows])).order_by(SafetyFlag.id)):
                flags.setdefault(f.response_id or 0, []).append(f)
        return [_view(r, flags.get(r.id, [])) for r in rows]
