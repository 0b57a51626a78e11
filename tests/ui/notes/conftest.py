"""Notes UI fixtures: the notes services' clinic (an ended Monday block, staff tara/uma/sam) with
notes signed and waiting for the supervisor.

``signed``: Uma (needs co-signature, supervised by Sam) co-facilitated and signed Ada's, Ben's
and Cy's (absence) notes, which wait for co-signature; Tara (licensed) signed Dee's, which is
final. All were signed at 13:00 on the day; the clock then stands three days later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from facilitator.services import console, notes
from facilitator.services.workspace import Workspace
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic, nc  # noqa: F401 - a fixture

# Distinct words per participant, so the cloned-text check has nothing to flag.
TEXTS = (
    {"data": "Arrived calm, shared a quiet weekend spent gardening.",
     "assessment": "Engaged well; practised paced breathing twice without prompting.",
     "plan": "Keep the breathing log daily until Wednesday."},
    {"data": "Came twenty minutes late after a bus delay; apologised and settled quickly.",
     "assessment": "Guarded at first, later offered one example of urge surfing.",
     "plan": "Call a sponsor before the weekend; bring the worksheet."},
    {"reason": "Phoned the front desk in the morning: a fever since Sunday.",
     "outreach": "Left a voicemail offering the handout by post."},
    {"data": "Stepped out for fifteen minutes to take a work call, then rejoined.",
     "assessment": "Mood steady; reports cravings lower than last week.",
     "plan": "Practise the skill at lunch breaks; review next session."},
)


@dataclass
class Signed:
    nc: NotesClinic
    sam: Workspace
    note_ids: list[int]  # Ada, Ben, Cy, Dee


def _sign(ws: Workspace, clinic: NotesClinic, index: int) -> int:
    note = notes.open_note(ws, clinic.session_id, clinic.people[index])
    seq = notes.save_draft(ws, note.note_id, note.edit_seq, sections=TEXTS[index])
    [result] = notes.sign_notes(ws, [(note.note_id, seq)], PASSWORD)
    assert result.signed, result.message
    return note.note_id


@pytest.fixture
def signed(nc: NotesClinic) -> Signed:  # noqa: F811 - the imported fixture
    tara = nc.sign_in("tara")
    console.set_facilitators(tara, nc.session_id, [nc.uma.id])
    uma = nc.sign_in("uma")
    nc.at(13, 0)
    ids = [_sign(uma, nc, i) for i in range(3)]
    ids.append(_sign(tara, nc, 3))
    nc.at(16, 0, date(2026, 3, 5))
    return Signed(nc, nc.sign_in("sam"), ids)
