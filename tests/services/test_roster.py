"""Participants, programs, groups and enrollments: validation, uniqueness, rolling admission."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from facilitator.services import audit, programs, roster
from facilitator.services.errors import Conflict, PermissionDenied, ValidationError
from facilitator.services.workspace import Workspace


def draft(chart: str, name: str, **kw: object) -> roster.ParticipantDraft:
    return roster.ParticipantDraft(chart_id=chart, legal_name=name,
                                   admission_date=kw.pop("admission_date", date(2026, 1, 5)),
                                   **kw)  # type: ignore[arg-type]


def make_group(ws: Workspace, name: str = "Morning IOP") -> programs.GroupView:
    prog = programs.add_program(ws, programs.ProgramDraft("SUD IOP", "sud"))
    return programs.add_group(ws, programs.GroupDraft(name, prog.id, (1, 3, 5), time(9), time(12)))


def test_add_and_list_with_unicode_names(ws: Workspace) -> None:
    names = ["Zoë 🌻 Example", "נועה דוגמה", "ليلى مثال", "A" * 1000]
    for i, n in enumerate(names):
        roster.add_participant(ws, draft(f"C-{i}", n))
    stored = {p.legal_name for p in roster.list_participants(ws)}
    assert stored == set(names)


def test_name_too_long_is_rejected_with_field(ws: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        roster.add_participant(ws, draft("C-1", "A" * 1001))
    assert "legal_name" in err.value.fields and "1,001" in err.value.fields["legal_name"]


def test_duplicate_chart_id(ws: Workspace) -> None:
    roster.add_participant(ws, draft("C-1", "First Person"))
    with pytest.raises(Conflict, match="C-1"):
        roster.add_participant(ws, draft(" C-1 ", "Second Person"))
    second = roster.add_participant(ws, draft("C-2", "Second Person"))
    with pytest.raises(Conflict):
        roster.update_participant(ws, second.id, draft("C-1", "Second Person"))
    assert [p.chart_id for p in roster.list_participants(ws)] == ["C-1", "C-2"]


def test_dates_out_of_order(ws: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        roster.add_participant(ws, draft("C-1", "P", admission_date=date(2026, 2, 1),
                                         discharge_date=date(2026, 1, 1),
                                         date_of_birth=date(2027, 1, 1)))
    assert {"discharge_date", "date_of_birth"} <= err.value.fields.keys()
    assert roster.list_participants(ws) == []


def test_update_records_changed_fields_in_audit(ws: Workspace) -> None:
    p = roster.add_participant(ws, draft("C-1", "Pat Example"))
    roster.update_participant(ws, p.id, replace(draft("C-1", "Pat Example"), pronouns="they/them"))
    event = audit.list_events(ws, action_prefix="participant.updated")[0]
    assert event.details == {"fields": ["pronouns"], "changes": {"pronouns": ["", "they/them"]}}
    assert event.entity_id == str(p.id)


def test_rolling_enrollment(ws: Workspace) -> None:
    g = make_group(ws)
    a = roster.add_participant(ws, draft("C-1", "Early Joiner"))
    b = roster.add_participant(ws, draft("C-2", "Late Joiner", admission_date=date(2026, 2, 20)))
    roster.enroll(ws, a.id, g.id, date(2026, 1, 5), date(2026, 2, 27))
    roster.enroll(ws, b.id, g.id, date(2026, 2, 23))
    assert [m.legal_name for m in roster.group_members(ws, g.id, date(2026, 2, 1))] == [
        "Early Joiner"]
    assert {m.legal_name for m in roster.group_members(ws, g.id, date(2026, 2, 25))} == {
        "Early Joiner", "Late Joiner"}
    assert [m.legal_name for m in roster.group_members(ws, g.id, date(2026, 3, 2))] == [
        "Late Joiner"]
    with pytest.raises(Conflict, match="already enrolled"):
        roster.enroll(ws, b.id, g.id, date(2026, 3, 1))
    with pytest.raises(Conflict, match="before the participant's admission"):
        roster.enroll(ws, b.id, make_group(ws, "Other").id, date(2026, 2, 1))
    with pytest.raises(ValidationError):
        roster.enroll(ws, a.id, g.id, date(2026, 4, 1), date(2026, 3, 1))


def test_group_schedule_validation(ws: Workspace) -> None:
    prog = programs.add_program(ws, programs.ProgramDraft("MH IOP", "mh"))
    assert prog.redisclosure_notice == ""
    with pytest.raises(ValidationError) as err:
        programs.add_group(ws, programs.GroupDraft("G", prog.id, (), time(12), time(9)))
    assert {"weekdays", "block_end"} <= err.value.fields.keys()


def test_sud_program_defaults_to_part2_notice(ws: Workspace) -> None:
    prog = programs.add_program(ws, programs.ProgramDraft("SUD", "sud"))
    assert prog.redisclosure_notice == (
        "42 CFR part 2 prohibits unauthorized use or disclosure of these records.")


def test_goals_and_drug_tests(ws: Workspace) -> None:
    p = roster.add_participant(ws, draft("C-1", "Pat"))
    roster.add_goal(ws, p.id, "Use urge surfing twice a week")
    roster.add_drug_test(ws, p.id, date(2026, 2, 1), "negative")
    with pytest.raises(ValidationError):
        roster.add_drug_test(ws, p.id, date(2026, 2, 1), "maybe")
    assert [g.text for g in roster.goals(ws, p.id)] == ["Use urge surfing twice a week"]
    assert [t.result for t in roster.drug_tests(ws, p.id)] == ["negative"]


def test_only_admins_manage_programs(ws: Workspace, vault, clock) -> None:
    from facilitator.services import auth, users

    users.add_user(ws, users.UserDraft("terry", "Terry", "LPC", "therapist"), "therapist pw 1")
    t = auth.sign_in(vault, clock, "terry", "therapist pw 1")
    try:
        with pytest.raises(PermissionDenied):
            programs.add_program(t, programs.ProgramDraft("X", "mh"))
    finally:
        t.close()
