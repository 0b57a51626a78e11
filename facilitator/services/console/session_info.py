"""Session info: who facilitates (co-facilitators included), modality and location of a block.

``update_session_info`` is the console's one intent "save the session info panel": modality,
location and facilitators change in one transaction and one undo entry, so a refused
co-facilitator leaves the modality as it was too. ``set_modality`` and ``set_facilitators`` are
the single-part calls.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.roster import MODALITIES
from ...models.sessions import GroupSession, SessionFacilitator
from ...models.users import User
from ..errors import ValidationError
from ..programs import FACILITATOR_ROLES
from ..validation import Checker
from ..workspace import Workspace
from ._common import load_session, require_status, session_view
from .dto import FacilitatorChoice, SessionView
from .undo import UndoEntry


def facilitator_choices(ws: Workspace) -> list[FacilitatorChoice]:
    """Active therapists and supervisors, by name: who can be picked as a co-facilitator."""
    with ws.read() as s:
        rows = s.scalars(select(User).where(User.active.is_(True),
                                            User.role.in_(FACILITATOR_ROLES))
                         .order_by(User.display_name, User.id))
        return [FacilitatorChoice(u.id, u.display_name, u.credentials, u.role) for u in rows]


def _info_session(s: Session, session_id: int) -> GroupSession:
    sess = load_session(s, session_id)
    require_status(sess, "planned", "running", "ended")
    return sess


def _checked_modality(modality: str, location: str) -> str:
    """The cleaned location; ValidationError for an unknown modality or a too-long location."""
    c = Checker()
    if modality not in MODALITIES:
        c.fail("modality", "Modality must be in person or telehealth.")
    cleaned = c.text("location", "The location", location, required=False)
    c.raise_if_any()
    return cleaned


def _facilitators_in(s: Session, sess: GroupSession, log: UndoEntry, user_ids: Sequence[int],
                     lead: int) -> list[int]:
    """Set the facilitators inside the caller's entry; returns who facilitates now."""
    wanted = set(user_ids) | {lead}
    found = dict(s.execute(select(User.id, User.role).where(User.id.in_(wanted),
                                                            User.active.is_(True))).all())
    if set(found) != wanted:
        raise ValidationError({"facilitators": "A chosen facilitator is not an active user."})
    if any(found[uid] not in FACILITATOR_ROLES for uid in wanted - {lead}):
        raise ValidationError({"facilitators": "A co-facilitator must be a therapist or a "
                                               "supervisor."})
    current = {f.user_id: f for f in s.scalars(
        select(SessionFacilitator).where(SessionFacilitator.session_id == sess.id))}
    for uid, fac in current.items():
        if uid not in wanted:
            log.deleting(fac)
            s.delete(fac)
    for uid in sorted(wanted - set(current)):
        fac = SessionFacilitator(session_id=sess.id, user_id=uid)
        s.add(fac)
        log.inserted(fac)
    log.updating(sess, "lead_facilitator_id")
    sess.lead_facilitator_id = lead
    return sorted(wanted)


def _modality_in(sess: GroupSession, log: UndoEntry, modality: str, cleaned: str) -> None:
    log.updating(sess, "modality", "location")
    sess.modality, sess.location = modality, cleaned


def set_facilitators(ws: Workspace, session_id: int, user_ids: Sequence[int],
                     lead_id: int | None = None) -> SessionView:
    """Who facilitates (co-facilitators included); the lead defaults to the signed-in user and
    is always among the facilitators. Co-facilitators are active therapists or supervisors."""
    lead = lead_id if lead_id is not None else ws.actor.user_id
    with ws.transaction() as s:
        sess = _info_session(s, session_id)
        log = UndoEntry(s, ws, sess)
        who = _facilitators_in(s, sess, log, user_ids, lead)
        log.store("session.facilitators", "Change facilitators", facilitators=who)
        return session_view(s, sess)


def set_modality(ws: Workspace, session_id: int, modality: str, location: str) -> SessionView:
    """Modality (in person / telehealth) and location of this block."""
    cleaned = _checked_modality(modality, location)
    with ws.transaction() as s:
        sess = _info_session(s, session_id)
        log = UndoEntry(s, ws, sess)
        _modality_in(sess, log, modality, cleaned)
        log.store("session.modality", "Change modality or location", modality=modality)
        return session_view(s, sess)


def update_session_info(ws: Workspace, session_id: int, *, modality: str, location: str,
                        co_facilitator_ids: Sequence[int]) -> SessionView:
    """The session info panel's Save: modality, location and co-facilitators (the lead stays
    as it is, the signed-in user when none is set yet) as one action: one transaction, one undo
    entry, one audit event. Only what differs from the stored session is changed; any part
    refused leaves every part unchanged."""
    cleaned = _checked_modality(modality, location)
    with ws.transaction() as s:
        sess = _info_session(s, session_id)
        log = UndoEntry(s, ws, sess)
        details: dict[str, object] = {}
        if (modality, cleaned) != (sess.modality, sess.location):
            _modality_in(sess, log, modality, cleaned)
            details["modality"] = modality
        lead = sess.lead_facilitator_id or ws.actor.user_id
        current = set(s.scalars(select(SessionFacilitator.user_id).where(
            SessionFacilitator.session_id == sess.id)))
        if set(co_facilitator_ids) - {lead} != current - {lead}:
            details["facilitators"] = _facilitators_in(s, sess, log, co_facilitator_ids, lead)
        if details:
            log.store("session.info", "Change session info", **details)
        return session_view(s, sess)
