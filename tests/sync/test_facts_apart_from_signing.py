"""A session's facts added or removed on a laptop that had not yet pulled the signing of a note
covering them (``services.sync.locked``). Before, the signing laptop's guard refused the pulled
insert or deletion and the whole pull failed in every round: sync stopped for good.

The pulled row is taken in (the note does not state it: nothing it states changes), a pulled
deletion is not made (the note states the row); either way the signing laptop flags the record
for an admin or the supervisor, and settling the flag changes nothing the note states."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from facilitator.services import console, notes, roster
from facilitator.services.errors import Conflict, PermissionDenied
from facilitator.services.sync import conflicts, locked
from facilitator.storage.integrity import check_guards
from tests.services.notes.conftest import CHECKIN, NotesClinic, nc
from tests.sync.laptops import Laptop
from tests.sync.test_clashes import meet, pair
from tests.sync.test_counter_clashes import _sign, _write, trio, trio_clinic

__all__ = ["nc", "pair", "trio", "trio_clinic"]

RISK = {**CHECKIN, "safety": True}  # raises a safety flag, which refers to the answers


def _answers(laptop: Laptop, nc: NotesClinic) -> list[tuple[str, bool]]:
    return sorted((r.form_id, bool(r.flags)) for r in console.responses(
        laptop.sign_in("tara"), nc.session_id, nc.people[0]))


def _apart(laptop: Laptop) -> list[conflicts.Flagged]:
    return [f for f in conflicts.flagged(laptop.sign_in()) if f.field == locked.APART]


def _still_sound(laptop: Laptop) -> None:
    with laptop.sign_in().read() as s:
        assert notes.verify_signatures(s)[1] == [], laptop.name
    assert check_guards(laptop.sign_in().db) == [], laptop.name  # the guard set aside is back


def _signed_facts(laptop: Laptop, nc: NotesClinic) -> dict:
    """What the signed note states (its facts as they were at signing)."""
    return dict(notes.open_note(laptop.sign_in("tara"), nc.session_id, nc.people[0]).facts)


def test_a_check_in_answered_where_the_signing_was_not_seen(pair: tuple[Laptop, Laptop],
                                                            nc: NotesClinic) -> None:
    a, b = pair
    meet(a, b)
    _sign(a, _write(a, nc, "Signed on A."))
    facts = _signed_facts(a, nc)
    before = _answers(a, nc)
    nc.clock.advance(minutes=2)
    console.record_response(b.sign_in("tara"), nc.session_id, nc.people[0], "checkin", RISK)
    meet(a, b)
    meet(a, b)
    for laptop in (a, b):
        report = laptop.sync()
        assert report.pulled == 0 and report.pending == 0, laptop.name
        assert _answers(laptop, nc) == sorted([*before, ("checkin", True)]), laptop.name
        _still_sound(laptop)
    assert a.dump() == b.dump()
    assert _signed_facts(a, nc) == facts
    [flag] = _apart(a)
    assert not _apart(b)  # B never learns its answer came apart from the signing
    assert (flag.table, flag.kind, flag.can_resolve) == ("form_responses", "form answers", True)
    assert "does not state it" in flag.note and flag.choices[0].shown
    # Still refused as an edit on A: the guard is back after letting the pulled row in.
    with pytest.raises(Conflict, match="signed note"):
        console.record_response(a.sign_in("tara"), nc.session_id, nc.people[0], "checkin",
                                CHECKIN)
    with pytest.raises(Conflict, match="settled meanwhile"):
        conflicts.resolve(a.sign_in(), flag.gid, locked.APART, locked.DELETED)
    done = conflicts.resolve(a.sign_in(), flag.gid, locked.APART, flag.values[0])
    assert done.field_name == conflicts.APART_FIELD
    assert not _apart(a)
    meet(a, b)
    assert a.dump() == b.dump()


def test_a_check_in_undone_where_the_signing_was_not_seen(pair: tuple[Laptop, Laptop],
                                                          nc: NotesClinic) -> None:
    """Answered on B and synced, Ada's note signed on A with it, then undone on B before B
    pulled the signing: A keeps the answers its signed note states and sends them again as a
    restore, which B takes back over its tombstone. Both laptops hold the same rows and flag
    the record (before, B lost them for good and only A knew)."""
    a, b = pair
    console.record_response(b.sign_in("tara"), nc.session_id, nc.people[0], "checkin", CHECKIN)
    meet(b, a)
    with_late = _answers(a, nc)
    _sign(a, _write(a, nc, "Signed on A."))
    nc.clock.advance(minutes=2)
    console.undo_last(b.sign_in("tara"), nc.session_id)
    assert len(_answers(b, nc)) == len(with_late) - 1
    meet(a, b)
    meet(a, b)
    for laptop in (a, b):
        report = laptop.sync()
        assert report.pulled == 0 and report.pending == 0, laptop.name
        _still_sound(laptop)
        assert _answers(laptop, nc) == with_late, laptop.name
    assert a.dump() == b.dump()
    for laptop in (a, b):
        [flag] = _apart(laptop)
        assert "deleted on a laptop" in flag.note.lower(), laptop.name
        assert flag.choices[0].text == conflicts.APART_KEPT[locked.DELETED]
    # Still refused as an edit on B: the guard set aside for the restore is back.
    with pytest.raises(Conflict, match="signed note"):
        console.undo_last(b.sign_in("tara"), nc.session_id)
    therapist = a.sign_in("tara")
    with pytest.raises(PermissionDenied):
        conflicts.resolve(therapist, _apart(a)[0].gid, locked.APART, locked.DELETED)
    conflicts.resolve(a.sign_in("sam"), _apart(a)[0].gid, locked.APART, locked.DELETED)
    assert not _apart(a) and _answers(a, nc) == with_late
    assert _apart(b)  # each laptop's flag is its own to acknowledge
    meet(a, b)
    assert a.dump() == b.dump() and _apart(b) and not _apart(a)


def test_the_conflicts_page_lists_a_row_that_came_apart(qtbot: QtBot,
                                                        pair: tuple[Laptop, Laptop],
                                                        nc: NotesClinic) -> None:
    from facilitator.ui.admin.conflicts_page import ConflictsPage

    a, b = pair
    meet(a, b)
    _sign(a, _write(a, nc, "Signed on A."))
    nc.clock.advance(minutes=2)
    console.record_response(b.sign_in("tara"), nc.session_id, nc.people[0], "checkin", CHECKIN)
    meet(a, b)
    page = ConflictsPage(a.sign_in())
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    fields = [page.table.model().index(r, 2).data() for r in range(page.table.model().rowCount())]
    page.table.selectRow(fields.index(conflicts.APART_FIELD))
    assert "does not state it" in page.note.text()
    [keep] = page.choice_buttons()
    assert keep.isEnabled()
    keep.click()
    qtbot.waitUntil(lambda: page.table.model().rowCount() == len(fields) - 1)
    assert not _apart(a)
    # Not "it reaches the other laptops": an acknowledgement stays on this laptop.
    assert page.confirmation.text().startswith("✓ Acknowledged on this laptop: form answers")


def test_a_run_of_pulled_answers_under_a_signed_note_goes_in_row_by_row(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """A first pull inserts runs of rows with one statement, outside any savepoint unless a
    signed note covers one of their sessions (``locked.covered``): such a run is refused whole
    by the guard, and its rows then go in one by one, each flagged."""
    from sqlalchemy import select

    from facilitator.models.sessions import FormResponse
    from facilitator.services.sync import apply, rows
    from facilitator.services.sync.collect import new_id

    a, b = pair
    meet(a, b)
    ada = nc.people[0]
    ws = a.sign_in()
    with ws.read() as s:
        answers = [dict(r) for r in s.execute(select(rows.table("form_responses")).where(
            FormResponse.session_id == nc.session_id)).mappings()]
        gaps = [dict(r) for r in s.execute(select(rows.table("out_of_room"))).mappings()]
        assert not locked.covered(s, "form_responses", answers)
        assert not locked.covered(s, "out_of_room", gaps)
    _sign(a, _write(a, nc, "Signed on A."))
    with ws.read() as s:
        assert locked.covered(s, "form_responses", answers)
        # By session: Dee's note is not signed, Ada's in the same session is, so Dee's time
        # out of the room would go in a savepoint too (one that nothing refuses).
        assert locked.covered(s, "out_of_room", gaps)
        assert not locked.covered(s, "segments", [{"session_id": -1}])
        gids = rows.GidCache(s)
        mine = [r for r in answers if r["participant_id"] == ada]
        changes = [{"id": new_id(ws), "op": "insert", "table": "form_responses",
                    "gid": new_id(ws), "fields": rows.encode_row(gids, "form_responses", r)}
                   for r in mine + mine]
    with ws.transaction() as s:
        done, left = apply.apply_changes(s, changes)
    assert (done, left) == (len(changes), [])
    assert len(_answers(a, nc)) == 3 * len(mine)
    assert len(_apart(a)) == len(changes)
    _still_sound(a)


def _rate_goals(laptop: Laptop, nc: NotesClinic, rating: str, addressed: bool = True) -> None:
    tara = laptop.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    notes.save_draft(tara, note.note_id, note.edit_seq, goals=[
        dataclasses.replace(g, addressed=addressed, rating=rating) for g in note.goals])


def _shown_goals(laptop: Laptop, nc: NotesClinic) -> list[tuple[str, bool, str]]:
    note = notes.open_note(laptop.sign_in("tara"), nc.session_id, nc.people[0])
    return sorted((g.text, g.addressed, g.rating) for g in note.goals)


def _goals_end_as_signed(pair: tuple[Laptop, Laptop], nc: NotesClinic,
                         signed: list[tuple[str, bool, str]]) -> None:
    """After sync both laptops show the signed note's goals as signed, hold the same record
    and have nothing left to send or pull."""
    a, b = pair
    meet(a, b)
    meet(a, b)
    for laptop in pair:
        report = laptop.sync()
        assert report.pulled == 0 and report.pending == 0, laptop.name
        assert _shown_goals(laptop, nc) == signed, laptop.name
        _still_sound(laptop)
    assert a.dump() == b.dump()


@pytest.mark.parametrize("addressed", [True, False], ids=["re-rated", "unticked"])
def test_goal_ratings_edited_where_the_signing_was_not_seen(
        pair: tuple[Laptop, Laptop], nc: NotesClinic, addressed: bool) -> None:
    """Ada's goals rated in her draft on A and synced; A signs; on B, not having pulled the
    signing, the ratings are changed (or the goals unticked). Before, A refused the pulled
    ratings in every round and sync stopped. Now A keeps the ratings it signed and flags them;
    both laptops show the signed note's goals as signed (``notes.views.signed_goals``), as
    they show its facts."""
    a, b = pair
    roster.add_goal(a.sign_in(), nc.people[0], "Sleep seven hours")
    _write(a, nc, "Drafted on A.")
    _rate_goals(a, nc, "some")
    meet(a, b)
    signed = _shown_goals(a, nc)
    assert signed and all(done and rating == "some" for _, done, rating in signed)
    _sign(a, notes.open_note(a.sign_in("tara"), nc.session_id, nc.people[0]))
    nc.clock.advance(minutes=2)
    _rate_goals(b, nc, "regressed" if addressed else "some", addressed)
    _goals_end_as_signed((a, b), nc, signed)  # before, B kept its own (or had unticked them)
    for laptop in (a, b):
        flags = [f for f in conflicts.flagged(laptop.sign_in()) if f.table == "note_goal_links"]
        assert len(flags) == len(signed), laptop.name
        assert {f.field for f in flags} == {locked.APART}, laptop.name
        if addressed:  # the signed rating kept, B's named as set aside
            assert all(f.field_name == "rating" for f in flags)
            assert all(f.note.startswith("Rated again on a laptop") for f in flags)
            assert all("Set aside: rating \u201cregressed\u201d" in f.note for f in flags), flags
        else:
            assert all(f.note.startswith("Unticked on a laptop") for f in flags)
    flag = next(f for f in conflicts.flagged(b.sign_in()) if f.table == "note_goal_links")
    conflicts.resolve(b.sign_in(), flag.gid, locked.APART, flag.values[0])
    if addressed:  # the flag goes; the rating it set aside stays in the audit log
        from sqlalchemy import select

        from facilitator.models.audit import AuditEvent

        with b.sign_in().read() as s:
            event = s.scalars(select(AuditEvent).where(
                AuditEvent.action == "sync.conflict_resolved")).one()
        assert event.details["set_aside"] == [{"rating": ["regressed"]}]
        assert event.details["fields"] == [conflicts.APART_FIELD, "rating"]
    assert len([f for f in conflicts.flagged(b.sign_in())
                if f.table == "note_goal_links"]) == len(signed) - 1
    meet(a, b)
    assert a.dump() == b.dump() and _shown_goals(b, nc) == signed


def test_attendance_made_on_two_laptops_under_a_note_signed_on_one(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Eve, enrolled after the block was planned, got an attendance row on each laptop as
    each started the block apart (``clashes``: one record, merged); A ran it and signed her
    note before syncing. Before, A's guard refused the merge's "last changed" write and sync
    stopped for good. A's row keeps what the note states and A restores it on B, which sets
    its own values aside: both laptops hold the same and flag the record (before, B showed
    its own values until an admin settled each field)."""
    from datetime import date

    from tests.conftest import PASSWORD
    from tests.services.console.conftest import local

    a, b = pair
    day = date(2026, 3, 4)
    sid = console.plan_ad_hoc_session(a.sign_in("tara"), nc.group.id, local(9, 0, day),
                                      local(12, 0, day)).id
    eve = roster.add_participant(a.sign_in(), roster.ParticipantDraft(
        chart_id="N-9", legal_name="Eve Late", admission_date=date(2026, 3, 3),
        program_id=nc.program.id)).id
    roster.enroll(a.sign_in(), eve, nc.group.id, date(2026, 3, 3))
    meet(a, b)
    nc.at(9, 0, day)
    console.start_session(b.sign_in("tara"), sid)
    tara = a.sign_in("tara")
    console.start_session(tara, sid)
    console.mark_present(tara, sid, eve)
    nc.at(12, 0, day)
    console.end_session(tara, sid)
    note = notes.open_note(tara, sid, eve)
    seq = notes.save_draft(tara, note.note_id, note.edit_seq, sections={
        "data": "Arrived on time.", "assessment": "Engaged.", "plan": "Continue."})
    [signed] = notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    assert signed.signed, signed.message
    nc.clock.advance(minutes=5)
    a.sync()
    nc.clock.advance(seconds=1)  # B's changes get the greater change ids: B's values "win"
    meet(b, a)
    meet(a, b)
    for laptop in (a, b):
        assert laptop.sync().pending == 0, laptop.name
        _still_sound(laptop)
    for laptop in (a, b):
        [row] = [r for r in console.console_state(laptop.sign_in("tara"), sid).attendance
                 if r.participant_id == eve]
        assert row.status == "present", laptop.name  # what the signed note states
    assert a.dump() == b.dump()  # before, B kept its own values until an admin settled them
    for laptop in (a, b):
        flags = [f for f in conflicts.flagged(laptop.sign_in()) if f.table == "attendance"]
        assert [f.field for f in flags] == [locked.APART], laptop.name
        assert {"status", "arrived"} <= set(flags[0].field_name.split(", ")), flags[0]
        assert "expected" in flags[0].note, flags[0].note  # B's status, set aside
        conflicts.resolve(laptop.sign_in(), flags[0].gid, locked.APART, flags[0].values[0])
        assert not [f for f in conflicts.flagged(laptop.sign_in()) if f.table == "attendance"]
    meet(a, b)
    assert a.dump() == b.dump()
    _still_sound(a)
    _still_sound(b)


def _attendance(laptop: Laptop, nc: NotesClinic) -> tuple[object, ...]:
    [row] = [r for r in console.console_state(laptop.sign_in("uma"), nc.session_id).attendance
             if r.participant_id == nc.people[0]]
    return row.status, row.arrived_at, row.departed_at, row.minutes_today, row.out_of_room


def _settled(laptops: tuple[Laptop, ...], nc: NotesClinic, attendance: tuple[object, ...]
             ) -> None:
    """Two rounds on every laptop: then each has sent everything, shows ``attendance`` for
    Ada, and all hold the same record."""
    for _ in range(2):
        for laptop in laptops:
            laptop.sync()
    for laptop in laptops:
        assert laptop.sync().pending == 0, laptop.name
        assert _attendance(laptop, nc) == attendance, laptop.name
    dumps = [laptop.dump() for laptop in laptops]
    assert all(d == dumps[0] for d in dumps[1:])


def test_an_edit_made_apart_is_restored_on_three_laptops(trio_clinic: tuple[Any, list[Laptop]],
                                                         nc: NotesClinic) -> None:
    """Uma signs Ada's note on A offline; on B, which has not pulled the signing, Ada is
    marked excused after the block (status, times and minutes change, her time out of the
    room goes), and C takes B's change before the signing reaches it. A sets B's values
    aside and sends its own as a restore; B and C, which hold the signing by the time the
    restore arrives, write it past their guards. All three end with what the note states, and
    each flags the record with what it set aside (before, B and C kept B's values). A laptop
    that joins afterwards takes the history in without a flag: nothing was set aside there."""
    clinic, (a, b, c) = trio_clinic
    signed_as = _attendance(a, nc)
    _sign(a, _write(a, nc, "Signed on A.", login="uma"), login="uma")
    nc.clock.advance(minutes=2)
    console.mark_excused(b.sign_in("uma"), nc.session_id, nc.people[0])
    excused = _attendance(b, nc)
    assert excused != signed_as
    b.sync()
    c.sync()
    assert _attendance(c, nc) == excused
    _settled((a, b, c), nc, signed_as)
    for laptop in (a, b, c):
        _still_sound(laptop)
        flags = [f for f in _apart(laptop) if f.table == "attendance"]
        assert [f.choices[0].text for f in flags] == [
            conflicts.APART_KEPT[locked.EDITED]], laptop.name
        assert "Set aside: " in flags[0].note and "excused" in flags[0].note, laptop.name
        # "Who changed it last" is restored too but is no clinical value set aside.
        assert "updated" not in flags[0].field_name + flags[0].note, laptop.name
    # The restore is written past the guard only as sync's: an edit here is still refused.
    with pytest.raises(Conflict, match="signed note"):
        console.mark_excused(b.sign_in("uma"), nc.session_id, nc.people[0])
    # D joins with an enrolment code: it pulls B's edit, A's signing and A's restore, and
    # takes the history as it stands (the flags are the other laptops').
    d = clinic.enrol(a, "D")
    assert d.dump() == a.dump()
    assert not _apart(d) and not conflicts.flagged(d.sign_in())


def test_only_the_signing_laptop_restores(trio: list[Laptop], nc: NotesClinic) -> None:
    """B and C each change Ada's attendance apart from the signing on A (excused on B, absent
    on C). B pulls the signing over its own edit, then C's edit: B's row shows its own edit,
    not what the note states, so B only holds C's value. Were B to restore its row, A would
    write "excused" past its guard and the signed facts would change on the laptop that
    signed them. Only A restores, and all three end with what the note states."""
    a, b, c = trio
    signed_as = _attendance(a, nc)
    _sign(a, _write(a, nc, "Signed on A.", login="uma"), login="uma")
    nc.clock.advance(minutes=2)
    console.mark_excused(b.sign_in("uma"), nc.session_id, nc.people[0])
    console.mark_absent(c.sign_in("uma"), nc.session_id, nc.people[0])
    a.sync()
    b.sync()  # the signing arrives over B's own edit
    c.sync()  # C takes the signing, then holds B's edit
    b.sync()  # B holds C's edit: its row keeps "excused", nothing goes out for it
    assert _attendance(b, nc)[0] == "excused"
    assert b.sync().pending == 0
    a.sync()
    assert _attendance(a, nc) == signed_as
    _settled((a, b, c), nc, signed_as)
    # Each laptop names what it set aside: A both changes it refused; B and C the value each
    # showed when the restore came (C's "absent" held on B until then, and B's "excused" on
    # C, was settled by the restore).
    for laptop, names, not_named in ((a, ("excused", "absent"), ()), (b, ("excused",), (
            "absent",)), (c, ("absent",), ("excused",))):
        _still_sound(laptop)
        [flag] = [f for f in _apart(laptop) if f.table == "attendance"]
        aside = flag.note.split("Set aside: ")[1]
        assert all(f"\u201c{n}\u201d" in aside for n in names), (laptop.name, aside)
        assert not any(f"\u201c{n}\u201d" in aside for n in not_named), (laptop.name, aside)


def test_notes_signed_apart_as_session_and_absence_notes_verify_everywhere(
        trio: list[Laptop], nc: NotesClinic) -> None:
    """Found by the revision property test: Ada marked absent on B; on A, Uma writes and signs
    her session note while Tara, on B, writes and signs her absence note. Sync merges the two
    notes into one record, which shows each laptop's kind until an admin settles it, and each
    revision's signed document states the kind its laptop had: before, the other laptop's
    signature failed verification ("no longer matches") on both. The signing laptop now
    carries the kind with the signature. A, which signed, restores Ada's attendance; B, which
    signed too but with the edit made apart, takes it and sets "absent" aside."""
    a, b, c = trio
    console.mark_absent(b.sign_in("uma"), nc.session_id, nc.people[0])
    _sign(a, _write(a, nc, "Signed on A.", login="uma"), login="uma")
    absence = notes.open_note(b.sign_in("tara"), nc.session_id, nc.people[0])
    assert absence.kind == "absence"
    notes.save_draft(b.sign_in("tara"), absence.note_id, absence.edit_seq, sections={
        spec.key: "Did not attend; called, no answer." for spec in absence.sections_spec})
    _sign(b, notes.open_note(b.sign_in("tara"), nc.session_id, nc.people[0]))
    for _ in range(3):
        for laptop in (a, b, c):
            laptop.sync()
    for laptop in (a, b, c):
        with laptop.sign_in().read() as s:
            count, problems = notes.verify_signatures(s)
        assert count >= 2 and problems == [], (laptop.name, problems)
        assert _attendance(laptop, nc)[0] == "present", laptop.name
    # Settling the merged note (its kind, author...) leaves both signatures verifying.
    admin = a.sign_in()
    flags = conflicts.flagged(admin)
    assert ("progress_notes", "kind") in {(f.table, f.field) for f in flags}
    for flag in flags:
        if flag.can_resolve:
            conflicts.resolve(admin, flag.gid, flag.field,
                              "session" if flag.field == "kind" else flag.values[0])
    for _ in range(2):
        for laptop in (a, b, c):
            laptop.sync()
    assert a.dump() == b.dump() == c.dump()
    for laptop in (a, b, c):
        with laptop.sign_in().read() as s:
            assert notes.verify_signatures(s)[1] == [], laptop.name


def test_facilitators_changed_apart_from_a_signing(pair: tuple[Laptop, Laptop],
                                                   nc: NotesClinic) -> None:
    """Found by the revision property test: the block's co-facilitator changed on B while Tara
    signed Ada's note on A. The link row B deleted (a session's facilitator: nothing but two
    references) is restored like other facts, and the Sync conflicts list, which failed on
    such a row (it read the row's values with an empty SELECT), lists them."""
    a, b = pair
    console.set_facilitators(a.sign_in("tara"), nc.session_id, [nc.uma.id])
    meet(a, b)
    before = console.console_state(a.sign_in("tara"), nc.session_id).session.facilitator_ids
    _sign(a, _write(a, nc, "Signed on A."))
    nc.clock.advance(minutes=2)
    console.set_facilitators(b.sign_in("tara"), nc.session_id, [nc.sam.id])
    meet(a, b)
    meet(a, b)
    for laptop in (a, b):
        # Uma's link, deleted on B, is back; Sam's, added there, is taken in as a check-in
        # answered apart is (the signed note does not state it).
        assert set(console.console_state(laptop.sign_in("tara"), nc.session_id
                                         ).session.facilitator_ids) == {*before, nc.sam.id}
        _still_sound(laptop)
        flags = [f for f in _apart(laptop) if f.table == "session_facilitators"]
        assert flags and all(f.label for f in flags), laptop.name
    assert a.dump() == b.dump()


def test_time_out_of_the_room_deleted_apart_comes_back_with_its_attendance(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Ada stepped out during a block run on A; A signs her note; B, not having pulled the
    signing, marks her absent, which deletes her time out of the room and clears her arrival.
    A keeps both rows and restores them: the attendance as an update, the interval as the row
    again under its own global id, which B takes back over its tombstone."""
    from datetime import date

    from tests.conftest import PASSWORD
    from tests.services.console.conftest import local

    a, b = pair
    day = date(2026, 3, 4)
    tara = a.sign_in("tara")
    sid = console.plan_ad_hoc_session(tara, nc.group.id, local(9, 0, day),
                                      local(12, 0, day)).id
    nc.at(9, 0, day)
    console.start_session(tara, sid)
    ada = nc.people[0]
    console.mark_present(tara, sid, ada)
    nc.at(10, 0, day)
    console.step_out(tara, sid, ada)
    nc.at(10, 20, day)
    console.step_back(tara, sid, ada)
    nc.at(12, 0, day)
    console.end_session(tara, sid)
    meet(a, b)

    def ada_here(laptop: Laptop) -> tuple[object, ...]:
        [row] = [r for r in console.console_state(laptop.sign_in("tara"), sid).attendance
                 if r.participant_id == ada]
        return row.status, row.arrived_at, tuple((g.left_at, g.returned_at)
                                                 for g in row.out_of_room)

    stated = ada_here(a)
    assert len(stated[2]) == 1
    note = notes.open_note(tara, sid, ada)
    seq = notes.save_draft(tara, note.note_id, note.edit_seq, sections={
        "data": "Stepped out for twenty minutes.", "assessment": "Engaged.",
        "plan": "Continue."})
    [signed] = notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    assert signed.signed, signed.message
    nc.clock.advance(minutes=5)
    console.mark_absent(b.sign_in("tara"), sid, ada)
    assert ada_here(b)[2] == ()
    meet(a, b)
    meet(a, b)
    for laptop in (a, b):
        assert laptop.sync().pending == 0, laptop.name
        assert ada_here(laptop) == stated, laptop.name
        _still_sound(laptop)
        kinds = {(f.table, f.choices[0].value) for f in _apart(laptop)}
        assert kinds == {("attendance", locked.EDITED), ("out_of_room", locked.DELETED)}, kinds
    assert a.dump() == b.dump()


def test_a_goal_newly_rated_where_the_signing_was_not_seen(
        pair: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    """Ada has two goals; her draft on A rates the first, A signs. On B, not having pulled
    the signing, the second is rated too. A takes the new rating in (its writer's chart shows
    it) but flags it, as it flags a check-in answered apart: the signed note does not state
    it. Before, it came in on A without a flag, seen only in the goal's history."""
    a, b = pair
    for text in ("Sleep seven hours", "Walk each morning"):
        roster.add_goal(a.sign_in(), nc.people[0], text)
    _write(a, nc, "Drafted on A.")
    tara = a.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    notes.save_draft(tara, note.note_id, note.edit_seq, goals=[
        dataclasses.replace(g, addressed=g.text.startswith("Sleep"), rating="some")
        for g in note.goals])
    meet(a, b)
    _sign(a, notes.open_note(a.sign_in("tara"), nc.session_id, nc.people[0]))
    signed = _shown_goals(a, nc)
    assert [text for text, _, _ in signed] == ["Sleep seven hours"]
    nc.clock.advance(minutes=2)
    tara = b.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    newly = [g.text for g in note.goals if not g.addressed]
    assert len(newly) == len(note.goals) - 1 >= 2  # the clinic's goal of hers too
    notes.save_draft(tara, note.note_id, note.edit_seq, goals=[
        g if g.addressed else dataclasses.replace(g, addressed=True, rating="good")
        for g in note.goals])
    _goals_end_as_signed((a, b), nc, signed)
    flags = _apart(a)
    assert not _apart(b)  # B never learns its ratings came apart from the signing
    assert len(flags) == len(newly)
    # Nothing else: B's save of the draft is no conflict of when it was saved.
    assert {f.table for f in conflicts.flagged(a.sign_in())} == {"note_goal_links"}
    assert all(f.table == "note_goal_links" and f.can_resolve for f in flags)
    assert all(f.note.startswith("Rated on another laptop") for f in flags)
    assert sorted(next(t for t in newly if t[:20] in f.label) for f in flags) == sorted(newly)
    for flag in flags:
        conflicts.resolve(a.sign_in(), flag.gid, locked.APART, flag.values[0])
    assert not _apart(a)
    meet(a, b)
    assert a.dump() == b.dump() and _shown_goals(a, nc) == signed
