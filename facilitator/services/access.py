"""Access logging: who opened which participant's record, and who searched the roster for what.

HIPAA's audit controls (45 CFR 164.312(b)) are about *access* to PHI, not only changes. The
roster logs one ``participant.viewed`` event per record opened (not per repaint or refresh:
the caller asks for it when the person opens a different record) and one
``participant.searched`` per finished search (Enter or leaving the search box), with what was
searched for and how many matched. The log is encrypted like everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models.roster import Participant
from . import audit, roster
from .errors import NotFound
from .workspace import Workspace


@dataclass(frozen=True)
class ParticipantRecord:
    participant_id: int
    enrollments: list[roster.EnrollmentView]
    goals: list[roster.GoalView]
    drug_tests: list[roster.DrugTestView]


def open_participant(ws: Workspace, participant_id: int, *, log: bool = True
                     ) -> ParticipantRecord:
    """A participant's enrollments, goals and drug tests. ``log``: this is the person opening
    the record (audited as ``participant.viewed``); False when the same open record is only
    reloaded after an edit on it, which its own event already records."""
    if log:
        with ws.transaction() as s:
            if s.get(Participant, participant_id) is None:
                raise NotFound("That participant no longer exists.")
            audit.record(s, ws, "participant.viewed", "participant", participant_id)
    return ParticipantRecord(participant_id, roster.enrollments(ws, participant_id),
                             roster.goals(ws, participant_id),
                             roster.drug_tests(ws, participant_id))


def record_search(ws: Workspace, text: str, matches: int) -> None:
    """Audit a finished roster search (the filtering itself happens on screen)."""
    cleaned = text.strip()[:200]
    if not cleaned:
        return
    with ws.transaction() as s:
        audit.record(s, ws, "participant.searched", "participant", "", text=cleaned,
                     matches=matches)
