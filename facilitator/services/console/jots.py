"""Quick jots: timestamped observations during the block that later feed the progress note."""

from __future__ import annotations

from sqlalchemy import select

from ...models.sessions import Jot
from ..errors import ValidationError
from ..validation import MAX_TEXT
from ..workspace import Workspace
from ._common import load_session, require_on_roster, require_status
from .dto import JotView
from .undo import UndoEntry


def _view(j: Jot) -> JotView:
    return JotView(j.id, j.session_id, j.participant_id, j.at, j.text)


def add_jot(ws: Workspace, session_id: int, participant_id: int | None, text: str) -> JotView:
    """A jot about one participant on the roster (or the group when None). Text is kept as
    typed (up to 100,000 characters); blank text is refused."""
    if not text.strip():
        raise ValidationError({"text": "The jot is empty."})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": f"The jot is too long ({len(text):,} of at most "
                                       f"{MAX_TEXT:,} characters)."})
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, "running", "ended")
        if participant_id is not None:
            require_on_roster(s, sess, participant_id)
        log = UndoEntry(s, ws, sess)
        jot = Jot(session_id=sess.id, participant_id=participant_id, at=log.now, text=text,
                  created_at=log.now, created_by_id=ws.actor.user_id)
        s.add(jot)
        log.inserted(jot)
        log.store("jot.added", "Add a jot", "participant" if participant_id else "session",
                   participant_id if participant_id else sess.id, jot_id=jot.id)
        return _view(jot)


def list_jots(ws: Workspace, session_id: int, participant_id: int | None = None
              ) -> list[JotView]:
    """Jots of a session, oldest first, optionally for one participant."""
    with ws.read() as s:
        q = select(Jot).where(Jot.session_id == session_id).order_by(Jot.at, Jot.id)
        if participant_id is not None:
            q = q.where(Jot.participant_id == participant_id)
        return [_view(j) for j in s.scalars(q)]


def participant_jots(ws: Workspace, participant_id: int) -> list[JotView]:
    """All jots about a participant, newest first."""
    with ws.read() as s:
        return [_view(j) for j in s.scalars(select(Jot).where(Jot.participant_id == participant_id)
                                            .order_by(Jot.at.desc(), Jot.id.desc()))]
