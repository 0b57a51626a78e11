"""Who can join a block as a walk-in (the console's W picker lists them).

The rule, the same one ``add_walk_in`` enforces: a participant with no row on the session's list
who, on the session date, is either

* enrolled in *this* group (admitted after the list was made), or
* *active* and enrolled in another group of the *same program* (came to a different group that
  day).

Enrollment in another program's group, a discharged participant or no enrollment covering the
date keeps them out: marking them is refused with a sentence saying why.
"""

from __future__ import annotations

from sqlalchemy import select

from ...models.roster import Enrollment, Group, Participant
from ...models.sessions import Attendance
from ..workspace import Workspace
from ._common import enrolled_on, load_session, program_of
from .dto import WalkInCandidate


def walk_in_candidates(ws: Workspace, session_id: int) -> list[WalkInCandidate]:
    """Participants who may be added to the session as walk-ins, this group's members first,
    then by name (read only)."""
    with ws.read() as s:
        sess = load_session(s, session_id)
        program_id = program_of(s, sess).id
        on_list = select(Attendance.participant_id).where(Attendance.session_id == sess.id)
        rows = s.execute(
            select(Participant, Group.id, Group.name)
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .join(Group, Group.id == Enrollment.group_id)
            .where(enrolled_on(sess.session_date), Participant.id.not_in(on_list),
                   Group.program_id == program_id)
        ).all()
        best: dict[int, WalkInCandidate] = {}
        for person, group_id, group_name in rows:
            here = group_id == sess.group_id
            if not here and person.status != "active":
                continue
            known = best.get(person.id)
            if known is not None and (known.in_this_group or not here):
                continue
            preferred, legal = person.preferred_name, person.legal_name
            display = f"{preferred} ({legal})" if preferred and preferred != legal else legal
            best[person.id] = WalkInCandidate(person.id, person.chart_id, preferred or legal,
                                              display, here, group_name)
        return sorted(best.values(), key=lambda c: (not c.in_this_group,
                                                    c.short_name.casefold(), c.participant_id))
