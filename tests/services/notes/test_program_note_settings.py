"""A program's note settings (default format, unit rule, absence notes): stored, validated,
audited, and what the notes services then do with them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from facilitator.services import audit, notes, programs
from facilitator.services.errors import ValidationError
from facilitator.services.programs import ProgramDraft
from facilitator.services.workspace import Workspace

from .conftest import NotesClinic


def _draft(p: programs.ProgramView, **changes: object) -> ProgramDraft:
    base = ProgramDraft(p.name, p.kind, p.level_of_care, p.daily_minimum_minutes,
                        p.weekly_minimum_minutes, p.break_counts_as_service, p.billing_code,
                        p.note_deadline_hours, None, p.note_format, p.unit_rule,
                        p.absence_notes)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_defaults_and_a_new_program_with_its_own_settings(ws: Workspace) -> None:
    plain = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    assert (plain.note_format, plain.unit_rule, plain.absence_notes) == ("DAP", "per_diem", True)
    own = programs.add_program(ws, ProgramDraft("Mood IOP", "mh", note_format="SOAP",
                                                unit_rule="per_15_min", absence_notes=False))
    stored = {p.name: p for p in programs.list_programs(ws)}["Mood IOP"]
    assert stored == own
    assert (stored.note_format, stored.unit_rule, stored.absence_notes) == (
        "SOAP", "per_15_min", False)


def test_bad_settings_are_refused_by_field_and_nothing_changes(ws: Workspace) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    with pytest.raises(ValidationError) as err:
        programs.update_program(ws, p.id, _draft(p, note_format="PIRP", unit_rule="hourly",
                                                 absence_notes="yes"))
    assert set(err.value.fields) == {"note_format", "unit_rule", "absence_notes"}
    assert "DAP, BIRP, SOAP, GIRP" in err.value.fields["note_format"]
    with pytest.raises(ValidationError):
        programs.add_program(ws, ProgramDraft("Other", "mh", note_format="dap"))
    assert programs.list_programs(ws) == [p]


def test_changes_are_audited_and_reach_new_notes(nc: NotesClinic) -> None:
    p = nc.program
    changed = programs.update_program(nc.admin, p.id, _draft(
        p, note_format="BIRP", unit_rule="per_15_min", absence_notes=False))
    assert (changed.note_format, changed.unit_rule, changed.absence_notes) == (
        "BIRP", "per_15_min", False)
    [event] = audit.list_events(nc.admin, action_prefix="program.updated")
    assert set(event.details["fields"]) == {"note_format", "unit_rule", "absence_notes"}

    tara = nc.sign_in("tara")
    ada, _, cy, _ = nc.people
    # Cy was absent: with absence notes off the program owes no note for her.
    rows = notes.session_notes(tara, nc.session_id).rows
    assert cy not in {r.participant_id for r in rows} and len(rows) == 3
    note = notes.open_note(tara, nc.session_id, ada)
    assert note.format == "BIRP"
    assert [s.key for s in note.sections_spec] == ["behavior", "intervention", "response",
                                                   "plan"]
    minutes = note.facts["attendance"]["minutes"]
    assert note.facts["service"]["rule"] == "per_15_min"
    assert note.facts["service"]["units"] == minutes // 15
