"""Building blocks for curriculum tests: a synced library, a group with members, sessions.

Sessions are written as rows (the live console's services are another feature); everything else
goes through the real services on the real encrypted database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from facilitator.models.sessions import Attendance, GroupSession, Segment
from facilitator.services import programs, roster
from facilitator.services.curriculum import library
from facilitator.services.workspace import Workspace

TEMPLATE = (
    {"kind": "checkin", "title": "Check-in", "minutes": 30},
    {"kind": "module", "title": "Skills module 1", "minutes": 45},
    {"kind": "break", "title": "Break", "minutes": 15},
    {"kind": "module", "title": "Skills module 2", "minutes": 45},
    {"kind": "checkout", "title": "Check-out", "minutes": 30},
)


def synced(ws: Workspace) -> Workspace:
    library.sync_shipped_library(ws)
    return ws


def make_group(ws: Workspace, name: str = "Morning IOP", weekdays: tuple[int, ...] = (1, 3, 5)
               ) -> programs.GroupView:
    program = programs.add_program(ws, programs.ProgramDraft("Adult SUD IOP", "sud"))
    return programs.add_group(ws, programs.GroupDraft(
        name, program.id, weekdays, time(9), time(12), template=TEMPLATE))


def add_member(ws: Workspace, group_id: int, chart: str, name: str, start: date
               ) -> roster.ParticipantView:
    p = roster.add_participant(ws, roster.ParticipantDraft(chart, name, admission_date=start))
    roster.enroll(ws, p.id, group_id, start)
    return p


def make_session(ws: Workspace, group_id: int, day: date,
                 statuses: Mapping[int, str] | None = None, status: str = "ended"
                 ) -> tuple[int, list[int]]:
    """A session on ``day`` with the template's segments; returns (session id, module seg ids).
    An ended session ran to plan: it and every segment have their actual times (a delivery on
    a segment that never ran does not count as taught)."""
    start = datetime.combine(day, time(15), tzinfo=UTC)
    ended = status == "ended"
    with ws.transaction() as s:
        gs = GroupSession(group_id=group_id, session_date=day, status=status,
                          planned_start=start, planned_end=start + timedelta(hours=3),
                          actual_start=start if ended else None,
                          actual_end=start + timedelta(hours=3) if ended else None,
                          created_at=ws.clock.now())
        s.add(gs)
        s.flush()
        segs, at = [], start
        for i, t in enumerate(TEMPLATE):
            end = at + timedelta(minutes=t["minutes"])
            segs.append(Segment(session_id=gs.id, position=i, kind=t["kind"], title=t["title"],
                                planned_minutes=t["minutes"], created_at=ws.clock.now(),
                                actual_start=at if ended else None,
                                actual_end=end if ended else None))
            at = end
        s.add_all(segs)
        s.add_all(Attendance(session_id=gs.id, participant_id=pid, status=st,
                             created_at=ws.clock.now())
                  for pid, st in (statuses or {}).items())
        s.flush()
        return gs.id, [seg.id for seg in segs if seg.kind == "module"]
