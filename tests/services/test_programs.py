"""Programs and groups: editing, deactivation rules, template and facilitator validation, audit,
and that a template change reaches only sessions planned afterwards."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest

from facilitator.clock import FakeClock
from facilitator.services import audit, console, programs, users
from facilitator.services.errors import Conflict, PermissionDenied, ValidationError
from facilitator.services.programs import GroupDraft, ProgramDraft
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault

TEMPLATE = (
    {"kind": "checkin", "title": "Check-in", "minutes": 30},
    {"kind": "module", "title": "Coping skills", "minutes": 90},
    {"kind": "checkout", "title": "Check-out", "minutes": 30},
)


def _therapist(ws: Workspace, login: str = "dana", role: str = "therapist") -> int:
    return users.add_user(ws, users.UserDraft(login, login.title(), "LPC", role),
                          "a long password 1").id


def _group_draft(program_id: int, **kw: object) -> GroupDraft:
    base = GroupDraft("Morning IOP", program_id, (1, 2, 3), time(9), time(12),
                      location="Room 2", template=TEMPLATE)
    return replace(base, **kw)  # type: ignore[arg-type]


def _actions(ws: Workspace, prefix: str) -> list[tuple[str, str, dict]]:
    return [(e.action, e.entity_id, e.details)
            for e in audit.list_events(ws, action_prefix=prefix)]


def _fields(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return excinfo.value.fields


def test_update_program_is_audited_and_keeps_notice(ws: Workspace) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud", billing_code="H0015"))
    updated = programs.update_program(ws, p.id, ProgramDraft(
        "Adult SUD IOP (evening)", "sud", level_of_care="ASAM 2.1", daily_minimum_minutes=150,
        weekly_minimum_minutes=450, break_counts_as_service=True, billing_code="S9480",
        note_deadline_hours=24))
    assert (updated.name, updated.billing_code, updated.daily_minimum_minutes) == (
        "Adult SUD IOP (evening)", "S9480", 150)
    assert updated.break_counts_as_service and updated.note_deadline_hours == 24
    assert updated.redisclosure_notice == programs.PART2_SHORT_NOTICE  # None keeps it
    [(_, entity_id, details)] = _actions(ws, "program.updated")
    assert entity_id == str(p.id)
    assert {"name", "billing_code", "daily_minimum_minutes"} <= set(details["fields"])
    assert "redisclosure_notice" not in details["fields"]

    # Switching to mental health drops the Part 2 notice (not a Part 2 program).
    mh = programs.update_program(ws, p.id, ProgramDraft("Mood IOP", "mh"))
    assert mh.redisclosure_notice == "" and not mh.is_part2


def test_program_validation_messages(ws: Workspace) -> None:
    with pytest.raises(ValidationError) as err:
        programs.add_program(ws, ProgramDraft("", "sud", daily_minimum_minutes=0,
                                              billing_code="X" * 21, redisclosure_notice=" "))
    fields = _fields(err)
    assert fields["name"] == "The program name is required."
    assert "1 and 1440" in fields["daily_minimum_minutes"]
    assert "too long" in fields["billing_code"]
    assert "42 CFR part 2 prohibits" in fields["redisclosure_notice"]


def test_deactivate_program_with_active_groups_is_refused(ws: Workspace) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    g1 = programs.add_group(ws, _group_draft(p.id))
    programs.add_group(ws, _group_draft(p.id, name="Evening IOP"))
    with pytest.raises(Conflict, match="still has 2 active groups"):
        programs.set_program_active(ws, p.id, False)

    programs.set_group_active(ws, g1.id, False)
    with pytest.raises(Conflict, match="still has 1 active group;"):
        programs.set_program_active(ws, p.id, False)
    assert [g.name for g in programs.list_groups(ws)] == ["Evening IOP"]
    assert {g.name for g in programs.list_groups(ws, include_inactive=True)} == {
        "Evening IOP", "Morning IOP"}
    evening = next(g for g in programs.list_groups(ws) if g.name == "Evening IOP")
    programs.set_group_active(ws, evening.id, False)
    assert not programs.set_program_active(ws, p.id, False).active
    assert [x.active for x in programs.list_programs(ws)] == [False]

    # An inactive program takes no new groups and its groups cannot come back before it does.
    with pytest.raises(ValidationError) as err:
        programs.add_group(ws, _group_draft(p.id, name="New group"))
    assert "inactive" in _fields(err)["program_id"]
    with pytest.raises(Conflict, match="reactivate it first"):
        programs.set_group_active(ws, g1.id, True)
    programs.set_program_active(ws, p.id, True)
    assert programs.set_group_active(ws, g1.id, True).active
    assert [a for a, _, _ in _actions(ws, "program.")] == [
        "program.activated", "program.deactivated", "program.created"]
    assert [a for a, _, _ in _actions(ws, "group.") if a.startswith("group.d")] == [
        "group.deactivated", "group.deactivated"]


def test_update_group_replaces_facilitators_and_is_audited(ws: Workspace) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    dana, sam = _therapist(ws), _therapist(ws, "sam", "supervisor")
    g = programs.add_group(ws, _group_draft(p.id, facilitator_ids=(dana,)))
    assert g.facilitator_ids == (dana,)
    new_template = (*TEMPLATE[:2], {"kind": "break", "title": "  Break ", "minutes": 15},
                    TEMPLATE[2])
    changed = programs.update_group(ws, g.id, _group_draft(
        p.id, name="Morning IOP A", weekdays=(1, 3, 5), block_end=time(12, 30), capacity=10,
        modality="telehealth", template=new_template, facilitator_ids=(sam,)))
    assert changed.facilitator_ids == (sam,)
    assert changed.schedule_text == "Mon, Wed, Fri 09:00–12:30"
    assert [s["title"] for s in changed.template] == [
        "Check-in", "Coping skills", "Break", "Check-out"]
    assert (changed.capacity, changed.modality) == (10, "telehealth")
    [(_, entity_id, details)] = _actions(ws, "group.updated")
    assert entity_id == str(g.id)
    assert {"name", "weekdays", "block_end", "capacity", "modality", "template",
            "facilitator_ids"} <= set(details["fields"])
    assert details["facilitators_added"] == [sam] and details["facilitators_removed"] == [dana]
    stored = next(x for x in programs.list_groups(ws) if x.id == g.id)
    assert stored == changed


def test_template_rules(ws: Workspace) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    cases = [
        ((*TEMPLATE, {"kind": "process", "title": "Process", "minutes": 60}),
         "add up to 210 minutes but the block (09:00–12:00) is 180 minutes"),
        (({"kind": "lecture", "title": "Talk", "minutes": 30},), "Segment 1 has an unknown kind"),
        (({"kind": "module", "title": "Talk", "minutes": 4},), "between 5 and 240 minutes"),
        (({"kind": "module", "title": "Talk", "minutes": 241},), "between 5 and 240 minutes"),
        (({"kind": "module", "title": " ", "minutes": 30},), "title of segment 1 is required"),
        (({"kind": "module", "title": "T" * 201, "minutes": 30},), "too long"),
        ((), "at least one segment"),
    ]
    for template, message in cases:
        with pytest.raises(ValidationError) as err:
            programs.add_group(ws, _group_draft(p.id, template=template))
        assert message in _fields(err)["template"], template
    g = programs.add_group(ws, _group_draft(p.id))
    # Shortening the block under the template is caught on edit too.
    with pytest.raises(ValidationError) as err:
        programs.update_group(ws, g.id, _group_draft(p.id, block_end=time(11)))
    assert "150 minutes but the block (09:00–11:00) is 120 minutes" in _fields(err)["template"]


def test_facilitators_must_be_active_therapists_or_supervisors(ws: Workspace) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    admin_id = ws.actor.user_id
    gone = _therapist(ws, "gone")
    users.set_active(ws, gone, False)
    for ids in ((admin_id,), (gone,)):
        with pytest.raises(ValidationError) as err:
            programs.add_group(ws, _group_draft(p.id, facilitator_ids=ids))
        assert "must be active therapists or supervisors" in _fields(err)["facilitator_ids"]
    g = programs.add_group(ws, _group_draft(p.id))
    with pytest.raises(ValidationError) as err:
        programs.update_group(ws, g.id, _group_draft(p.id, facilitator_ids=(admin_id,)))
    assert "Avery Admin" in _fields(err)["facilitator_ids"]


def test_template_change_reaches_only_later_sessions(ws: Workspace, clock: FakeClock) -> None:
    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    g = programs.add_group(ws, _group_draft(p.id))
    monday = console.open_today_session(ws, g.id)  # the fake clock is a Monday, 09:00 local
    programs.update_group(ws, g.id, _group_draft(
        p.id, block_start=time(10), block_end=time(12),
        template=({"kind": "process", "title": "Process group", "minutes": 120},)))
    again = console.get_session(ws, monday.id)
    assert [s.title for s in again.segments] == ["Check-in", "Coping skills", "Check-out"]
    assert again.planned_start == monday.planned_start
    clock.advance(timedelta(days=1))
    tuesday = console.open_today_session(ws, g.id)
    assert [(s.title, s.planned_minutes) for s in tuesday.segments] == [("Process group", 120)]
    assert tuesday.planned_end - tuesday.planned_start == timedelta(hours=2)


def test_only_admins_edit(ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    from facilitator.services import auth

    p = programs.add_program(ws, ProgramDraft("Adult SUD IOP", "sud"))
    g = programs.add_group(ws, _group_draft(p.id))
    _therapist(ws)
    t = auth.sign_in(vault, clock, "dana", "a long password 1")
    try:
        for call in (lambda: programs.update_program(t, p.id, ProgramDraft("X", "mh")),
                     lambda: programs.set_program_active(t, p.id, False),
                     lambda: programs.update_group(t, g.id, _group_draft(p.id)),
                     lambda: programs.set_group_active(t, g.id, False)):
            with pytest.raises(PermissionDenied):
                call()
    finally:
        t.close()
