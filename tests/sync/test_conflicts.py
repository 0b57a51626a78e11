"""Settling sync conflicts on two real laptops and a hub: the flagged field is listed in words
on both, an admin keeps one value on one laptop, and after the next rounds the flag is gone on
both and their records are equal; who may settle what; values that cannot be kept, and a field
someone else settled meanwhile, get a sentence and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select

from facilitator.models.audit import AuditEvent
from facilitator.models.notes import ProgressNote
from facilitator.services import programs, roster
from facilitator.services.errors import Conflict, PermissionDenied, ValidationError
from facilitator.services.sync import conflicts, run
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop
from tests.sync.test_converge import _pid, _preferred, a, clinic

__all__ = ["a", "clinic", "nc"]


def _on_both(clinic: Clinic, a: Laptop, nc: NotesClinic,
             edit: Callable[[Laptop, str], None]) -> Laptop:
    """Laptop B joins; one field is changed on A, which syncs, and a minute later on B before
    it has pulled A's change; B syncs (sending its own first), then A again."""
    b = clinic.join_from(a, "B")
    b.sync()
    edit(a, "A")
    a.sync()
    nc.clock.advance(seconds=60)
    edit(b, "B")
    b.sync(), a.sync()
    return b


def _dee_named_twice(clinic: Clinic, a: Laptop, nc: NotesClinic) -> Laptop:
    return _on_both(clinic, a, nc, lambda laptop, tag: _preferred(
        laptop.sign_in(), _pid(laptop, "N-4"), f"Dee {tag}"))


def _status(laptop: Laptop, login: str = "admin") -> None:
    ws = laptop.sign_in(login)
    p = roster.get_participant(ws, _pid(laptop, "N-4"))
    roster.update_participant(ws, p.id, replace(roster.ParticipantDraft(
        p.chart_id, p.legal_name, p.admission_date), preferred_name=p.preferred_name,
        pronouns=p.pronouns, program_id=p.program_id, status="on_hold" if login == "admin"
        else "discharged", discharge_date=None if login == "admin" else p.admission_date))


@pytest.mark.parametrize("keep", ["shown", "other"])
def test_kept_value_clears_the_flag_on_both_laptops(
        clinic: Clinic, a: Laptop, nc: NotesClinic, keep: str) -> None:
    b = _dee_named_twice(clinic, a, nc)
    listed = {laptop.name: conflicts.flagged(laptop.sign_in()) for laptop in (a, b)}
    [flag] = listed["A"]
    assert listed["B"] == listed["A"]  # the same words on both laptops
    assert (flag.kind, flag.field_name, flag.table, flag.field) == (
        "participant", "preferred name", "participants", "preferred_name")
    assert flag.label.endswith("(Dee Mock), chart N-4") and flag.can_resolve and flag.free_text
    assert sorted(c.text for c in flag.choices) == ["Dee A", "Dee B"]
    [shown] = [c for c in flag.choices if c.shown]
    assert roster.get_participant(a.sign_in(), _pid(a, "N-4")).preferred_name == shown.text
    times = {c.text: c.at for c in flag.choices}
    assert (times["Dee B"] - times["Dee A"]).total_seconds() == 60  # each laptop's round
    [other] = [c for c in flag.choices if not c.shown]
    # Keeping the value every laptop shows already must still reach the others: it is the
    # case an ordinary edit would not send.
    chosen = shown if keep == "shown" else other
    done = conflicts.resolve(a.sign_in(), flag.gid, flag.field, chosen.value)
    assert (done.kind, done.field_name, done.text) == ("participant", "preferred name",
                                                       chosen.text)
    assert conflicts.flagged(a.sign_in()) == []
    assert run.status(a.sign_in()).conflicts == 0
    assert run.status(b.sign_in()).conflicts == 1  # until the value gets there
    a.sync(), b.sync(), a.sync()
    for laptop in (a, b):
        assert conflicts.flagged(laptop.sign_in()) == []
        assert run.status(laptop.sign_in()).conflicts == 0
        assert roster.get_participant(laptop.sign_in(), _pid(laptop, "N-4")
                                      ).preferred_name == chosen.text
    assert a.dump() == b.dump()
    ws = a.sign_in()
    with ws.read() as s:
        event = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "sync.conflict_resolved")).one()
    assert (event.entity, event.entity_id) == ("participant", str(_pid(a, "N-4")))
    assert event.details["fields"] == ["preferred_name"]
    assert (event.details["kept"], event.details["set_aside"]) == (chosen.text, [
        c.text for c in flag.choices if c is not chosen])


def test_a_typed_value_for_free_text_supersedes_both(
        clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    b = _dee_named_twice(clinic, a, nc)
    [flag] = conflicts.flagged(b.sign_in("sam"))  # a supervisor: a participant is clinical
    with pytest.raises(ValidationError, match="Type the preferred name to keep"):
        conflicts.resolve(b.sign_in("sam"), flag.gid, flag.field, "   ")
    conflicts.resolve(b.sign_in("sam"), flag.gid, flag.field, "  Dee  ")
    b.sync(), a.sync()
    for laptop in (a, b):
        assert roster.get_participant(laptop.sign_in(), _pid(laptop, "N-4")
                                      ).preferred_name == "Dee"
        assert run.status(laptop.sign_in()).conflicts == 0
    assert a.dump() == b.dump()


def test_who_may_settle(clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    def rename(laptop: Laptop, tag: str) -> None:
        [g] = programs.list_groups(laptop.sign_in())
        programs.update_group(laptop.sign_in(), g.id, programs.GroupDraft(
            f"Mornings {tag}", g.program_id, g.weekdays, g.block_start, g.block_end,
            g.capacity, g.modality, g.location, g.template, g.facilitator_ids))

    _on_both(clinic, a, nc, rename)
    with pytest.raises(PermissionDenied, match="ask an admin or supervisor"):
        conflicts.flagged(a.sign_in("tara"))
    [flag] = conflicts.flagged(a.sign_in("sam"))
    assert (flag.kind, flag.label, flag.field_name) == ("group", "Mornings B", "name")
    assert not flag.can_resolve  # the clinic's set-up is the admin's
    with pytest.raises(PermissionDenied, match="Only an admin settles a group's values"):
        conflicts.resolve(a.sign_in("sam"), flag.gid, flag.field, flag.choices[0].value)
    with pytest.raises(PermissionDenied):
        conflicts.resolve(a.sign_in("tara"), flag.gid, flag.field, flag.choices[0].value)
    assert run.status(a.sign_in()).conflicts == 1  # nothing changed
    [flag] = conflicts.flagged(a.sign_in())
    assert flag.can_resolve
    conflicts.resolve(a.sign_in(), flag.gid, flag.field, "Mornings")
    assert [g.name for g in programs.list_groups(a.sign_in())] == ["Mornings"]


def test_a_value_not_kept_is_refused_for_a_code(
        clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    _on_both(clinic, a, nc, lambda laptop, tag: _status(laptop, "admin" if tag == "A"
                                                        else "sam"))
    flags = {f.field: f for f in conflicts.flagged(a.sign_in())}
    status = flags["status"]
    assert sorted(c.text for c in status.choices) == ["discharged", "on hold"]
    assert not status.free_text
    with pytest.raises(ValidationError, match="status of a participant takes one of the"):
        conflicts.resolve(a.sign_in(), status.gid, "status", "active")
    assert conflicts.flagged(a.sign_in()) == list(flags.values())  # nothing changed


def test_settled_meanwhile_on_another_laptop(clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    b = _dee_named_twice(clinic, a, nc)
    [seen_on_a] = conflicts.flagged(a.sign_in())  # the admin on A looks at the list...
    [flag] = conflicts.flagged(b.sign_in())
    conflicts.resolve(b.sign_in(), flag.gid, flag.field, "Dee B")  # ...B's admin settles it
    b.sync(), a.sync()
    with pytest.raises(Conflict, match="has been settled meanwhile"):
        conflicts.resolve(a.sign_in(), seen_on_a.gid, seen_on_a.field, "Dee A")
    assert roster.get_participant(a.sign_in(), _pid(a, "N-4")).preferred_name == "Dee B"
    assert a.dump() == b.dump()


def test_a_note_opened_on_two_laptops_is_one_record_listed_with_why(
        clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    from facilitator.services.notes import drafts

    b = _on_both(clinic, a, nc, lambda laptop, tag: drafts.open_note(
        laptop.sign_in("tara"), nc.session_id, nc.people[0]))
    listed = conflicts.flagged(a.sign_in())
    # Alike on both laptops, but for which value each shows: a merged record keeps, on each
    # laptop, the values it had there until an admin settles it (``clashes``).
    def unshown(flags: list[conflicts.Flagged]) -> list[conflicts.Flagged]:
        return [replace(f, choices=tuple(replace(c, shown=False) for c in f.choices))
                for f in flags]

    assert unshown(listed) == unshown(conflicts.flagged(b.sign_in()))
    for laptop, created_here in ((a, "A"), (b, "B")):
        with laptop.sign_in().read() as s:
            at = s.execute(select(ProgressNote.created_at)).scalar_one()
        [note_flag] = [f for f in conflicts.flagged(laptop.sign_in())
                       if f.table == "progress_notes"]
        [shown] = [c for c in note_flag.choices if c.shown]
        assert shown.text == at.astimezone(laptop.sign_in().timezone).strftime(
            "%Y-%m-%d %H:%M"), created_here
    assert [(f.kind, f.field) for f in listed] == [("group section of the notes", "created_at"),
                                                   ("progress note", "created_at")]
    created = listed[1]
    assert created.kind == "progress note"
    assert created.label == "Ada Example, chart N-1 in Morning group, 2026-03-02"
    assert created.note.startswith("Two laptops each recorded this progress note; sync made")
    [first, second] = created.choices
    assert (second.at - first.at).total_seconds() == 60
    for flag in listed:
        conflicts.resolve(a.sign_in(), flag.gid, flag.field, flag.choices[0].value)
    a.sync(), b.sync()
    for laptop in (a, b):
        assert conflicts.flagged(laptop.sign_in()) == []
    assert a.dump() == b.dump()  # the two draft revisions numbered alike too
