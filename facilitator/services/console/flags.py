"""Safety flags: raised by scoring or typed by the facilitator, open until addressed.

Decision: only ``high`` severity flags (positive safety screen, PHQ-9 item 9, not safe leaving,
facilitator-raised) are *open*: they stay on the participant's tile and in the end-of-block
unfinished list until addressed with a follow-up. ``moderate`` flags (use reported, high craving)
are stored with the response for the note but need no follow-up action. An open flag from an
earlier session of a participant on today's roster is shown too: it was never addressed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.sessions import Attendance, GroupSession, SafetyFlag, SessionFacilitator
from .. import audit
from ..errors import Conflict, NotFound, PermissionDenied
from ..validation import MAX_TEXT, Checker
from ..workspace import Workspace
from ._common import load_session, require_on_roster, require_status
from .dto import FlagView
from .state import flag_view
from .undo import UndoEntry

FACILITATOR_FLAG = "facilitator"


def raise_flag(ws: Workspace, session_id: int, participant_id: int, message: str) -> FlagView:
    """A facilitator-typed safety concern (high severity) about someone on the roster."""
    c = Checker()
    cleaned = c.text("message", "The concern", message, max_len=MAX_TEXT)
    c.raise_if_any()
    with ws.transaction() as s:
        sess = load_session(s, session_id)
        require_status(sess, "running", "ended")
        require_on_roster(s, sess, participant_id)
        log = UndoEntry(s, ws, sess)
        flag = SafetyFlag(participant_id=participant_id, session_id=sess.id, response_id=None,
                          code=FACILITATOR_FLAG, severity="high", message=cleaned,
                          raised_at=log.now, follow_up="", created_at=log.now,
                          created_by_id=ws.actor.user_id)
        s.add(flag)
        log.inserted(flag)
        log.store("flag.raised", "Raise a safety flag", "participant", participant_id,
                   flag_id=flag.id)
        return flag_view(flag)


def _facilitated(s: Session, user_id: int, session_ids: set[int]) -> bool:
    """True when the user led or co-facilitated one of these sessions."""
    if not session_ids:
        return False
    if s.scalar(select(GroupSession.id).where(GroupSession.id.in_(session_ids),
                                               GroupSession.lead_facilitator_id == user_id)):
        return True
    return s.scalar(select(SessionFacilitator.session_id).where(
        SessionFacilitator.session_id.in_(session_ids),
        SessionFacilitator.user_id == user_id)) is not None


def address_flag(ws: Workspace, flag_id: int, follow_up_text: str,
                 session_id: int | None = None) -> FlagView:
    """Record the follow-up (text and now); the flag stops being open. Undoable in the block
    it was addressed from: ``session_id`` (the console's session, e.g. today's block for a flag
    raised last week), else the flag's own session. Also after the block has ended (from the
    end summary, or later from the participant's record), by a facilitator of the flag's
    session or of ``session_id``, or by a supervisor."""
    c = Checker()
    cleaned = c.text("follow_up", "The follow-up", follow_up_text, max_len=MAX_TEXT)
    c.raise_if_any()
    with ws.transaction() as s:
        flag = s.get(SafetyFlag, flag_id)
        if flag is None:
            raise NotFound("That safety flag no longer exists.")
        if flag.addressed_at is not None:
            raise Conflict("This flag has already been addressed.")
        sessions = {i for i in (flag.session_id, session_id) if i is not None}
        if ws.actor.role != "supervisor" and not _facilitated(s, ws.actor.user_id, sessions):
            raise PermissionDenied("Only a facilitator of the block or a supervisor can "
                                   "address a safety flag.")
        fields = ("addressed_at", "addressed_by_id", "follow_up", "updated_at", "updated_by_id")
        # Logged in the console's own block, so its Ctrl+Z reverts this and not, say, the
        # last arrival marked in that block.
        where = session_id if session_id is not None else flag.session_id
        if where is not None:
            sess = load_session(s, where)
            if session_id is not None:
                require_status(sess, "running", "ended")
                require_on_roster(s, sess, flag.participant_id)
            log = UndoEntry(s, ws, sess)
            log.updating(flag, *fields)
            now = log.now
        else:
            now = ws.clock.now()
        flag.addressed_at, flag.addressed_by_id, flag.follow_up = now, ws.actor.user_id, cleaned
        flag.updated_at, flag.updated_by_id = now, ws.actor.user_id
        if where is not None:
            log.store("flag.addressed", "Address a safety flag", "participant",
                       flag.participant_id, flag_id=flag.id)
        else:
            audit.record(s, ws, "console.flag.addressed", "participant", flag.participant_id,
                         flag_id=flag.id)
        return flag_view(flag)


def open_flags(ws: Workspace, session_id: int) -> list[FlagView]:
    """Open (high, unaddressed) flags of the participants on this session's roster."""
    with ws.read() as s:
        load_session(s, session_id)
        pids = select(Attendance.participant_id).where(Attendance.session_id == session_id)
        rows = s.scalars(select(SafetyFlag).where(
            SafetyFlag.participant_id.in_(pids), SafetyFlag.severity == "high",
            SafetyFlag.addressed_at.is_(None)).order_by(SafetyFlag.raised_at))
        return [flag_view(f) for f in rows]


def session_flags(ws: Workspace, session_id: int) -> list[FlagView]:
    """Every flag raised in this session, open or not, any severity."""
    with ws.read() as s:
        rows = s.scalars(select(SafetyFlag).where(SafetyFlag.session_id == session_id)
                         .order_by(SafetyFlag.raised_at, SafetyFlag.id))
        return [flag_view(f) for f in rows]


def participant_open_flags(ws: Workspace, participant_id: int) -> list[FlagView]:
    """The participant's open (high, unaddressed) flags from any session, oldest first: what
    their record offers to address with ``address_flag`` once the block is over."""
    with ws.read() as s:
        rows = s.scalars(select(SafetyFlag).where(
            SafetyFlag.participant_id == participant_id, SafetyFlag.severity == "high",
            SafetyFlag.addressed_at.is_(None)).order_by(SafetyFlag.raised_at, SafetyFlag.id))
        return [flag_view(f) for f in rows]
