"""Writing and signing notes on a real encrypted database, as Tara (licensed) would."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from facilitator.models.notes import Signature
from facilitator.services import audit, notes
from facilitator.services import console as c
from facilitator.services.errors import AuthError, Conflict, PermissionDenied, ValidationError
from tests.conftest import PASSWORD
from tests.services.console.conftest import local

from .conftest import NotesClinic

DATA = {"data": "{name} practised paced breathing and described a stressful commute.",
        "assessment": "Engaged; applied the skill in the room; no risk indicators today.",
        "plan": "Practise paced breathing twice daily; review at the next group."}


def write(ws, note: notes.NoteView, who: str, **extra) -> int:
    sections = {k: v.replace("{name}", who) for k, v in DATA.items()}
    return notes.save_draft(ws, note.note_id, note.edit_seq, sections=sections, **extra)


def test_queue_lists_the_session_with_every_note_owed(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    [entry] = notes.notes_queue(tara)
    assert entry.session_id == nc.session_id
    # Ada, Ben and Dee attended; Cy was absent and the program asks for absence notes.
    assert (entry.needed, entry.drafted, entry.signed, entry.owed) == (4, 0, 0, 4)
    rows = notes.session_notes(tara, nc.session_id).rows
    assert [(r.short_name, r.kind, r.state) for r in rows] == [
        ("Ada Example", "session", "none"), ("Ben Sample", "session", "none"),
        ("Dee Mock", "session", "none"), ("Cy Demo", "absence", "none")]


def test_a_new_note_is_prefilled_with_the_stored_facts(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    ada, ben, _, dee = nc.people
    console_minutes = {r.participant_id: r.minutes
                       for r in c.end_summary(tara, nc.session_id).rows}
    note = notes.open_note(tara, nc.session_id, ben)
    facts = note.facts
    assert note.state == "draft" and note.editable and note.format == "DAP"
    assert facts["attendance"]["status"] == "late"
    assert facts["attendance"]["arrived_at"].endswith("T15:20:00Z")  # 09:20 Chicago
    assert facts["attendance"]["minutes"] == console_minutes[ben]
    assert facts["session"]["location"] == "Room 1"
    assert [f["name"] for f in facts["facilitators"]] == ["Tara Therapist"]
    assert facts["topics"][0]["title"] == "Paced breathing"
    # The shared group section starts from the topics as taught (the clinician edits it).
    assert note.group_sections["interventions"] == "Paced breathing."
    assert ["Mood (0–10)", "6"] in facts["checkin"]
    # Per diem below the 180-minute daily minimum: never billed as a full day.
    assert facts["service"]["units"] == 0 and "not billable" in facts["service"]["explanation"]
    dee_note = notes.open_note(tara, nc.session_id, dee)
    assert dee_note.facts["attendance"]["out_of_room_minutes"] == 15
    assert dee_note.facts["attendance"]["minutes"] == console_minutes[dee]
    ada_note = notes.open_note(tara, nc.session_id, ada)
    assert [t for _, t in ada_note.jots] == ["Used the breathing skill on the bus."]
    assert [g.text for g in ada_note.goals] == [
        "Use a coping skill before acting on cravings (1)"]


def test_sign_with_the_password_freezes_text_and_facts(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    ada = nc.people[0]
    note = notes.open_note(tara, nc.session_id, ada)
    goal = note.goals[0]
    seq = write(tara, note, "Ada", group={"interventions": "Taught paced breathing."},
                goals=[notes.GoalEntry(goal.goal_id, goal.text, goal.status, True, "some",
                                       "Used it once this week.")])
    with pytest.raises(AuthError, match="not correct"):
        notes.sign_notes(tara, [(note.note_id, seq)], "wrong password 123")
    assert notes.open_note(tara, nc.session_id, ada).state == "draft"
    [result] = notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    assert result.signed, result.message
    signed = notes.open_note(tara, nc.session_id, ada)
    assert signed.state == "final" and not signed.editable
    [sig] = signed.history[-1].signatures
    assert (sig.signer, sig.credentials, sig.meaning) == ("Tara Therapist", "LCSW", "author")
    assert len(sig.sha256) == 64
    actions = [e.action for e in audit.list_events(nc.admin, action_prefix="note.")]
    assert "note.sign.failed" in actions and "note.signed" in actions
    # Edits after signing are refused by the service…
    with pytest.raises(Conflict, match="addendum"):
        notes.save_draft(tara, note.note_id, signed.edit_seq, sections={"data": "changed"})
    # …and the facts it states are locked in the database, with a message that says why.
    with pytest.raises(Conflict, match="addendum"):
        c.adjust_times(tara, nc.session_id, ada, reason="typo", departed_at=local(11, 0))
    with pytest.raises(Conflict, match="addendum"):
        c.undo_last(tara, nc.session_id)  # would reopen the block the note states as ended
    count, problems = _verify(tara)
    assert count == 1 and problems == []


def _verify(ws):
    with ws.read() as s:
        return notes.verify_signatures(s)


@pytest.mark.parametrize("statement", [
    "UPDATE note_revisions SET content = '{}' WHERE signed_at IS NOT NULL",
    "DELETE FROM note_revisions WHERE signed_at IS NOT NULL",
    "UPDATE signatures SET content_sha256 = 'x'",
    "DELETE FROM signatures",
    "UPDATE attendance SET arrived_at = NULL",
    "DELETE FROM form_responses",
    "UPDATE group_sessions SET status = 'running'",
])
def test_signed_content_is_immutable_in_the_database(nc: NotesClinic, statement: str) -> None:
    tara = nc.sign_in("tara")
    ada = nc.people[0]
    note = notes.open_note(tara, nc.session_id, ada)
    seq = write(tara, note, "Ada")
    assert notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)[0].signed
    from sqlalchemy import exc

    with pytest.raises(exc.DatabaseError, match="facilitator: signed"), \
            tara.db.engine.begin() as conn:
        conn.execute(text(statement + (" WHERE participant_id = :p" if "attendance" in statement
                                       or "form_responses" in statement else "")),
                     {"p": ada} if "participant_id" in statement or "attendance" in statement
                     or "form_responses" in statement else {})


def test_verify_names_a_tampered_signature(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    seq = write(tara, note, "Ada")
    notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    # Someone with the key drops the guard and rewrites the signed text.
    with tara.db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER note_revisions_signed_no_update"))
        conn.execute(text("UPDATE note_revisions SET content = json_set(content, "
                          "'$.sections.plan', 'Something else')"))
    count, problems = _verify(tara)
    assert count == 1
    assert [p.note_id for p in problems] == [note.note_id]
    assert "no longer matches" in problems[0].what


def test_what_blocks_a_signature(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    ada, ben, _, dee = nc.people
    note = notes.open_note(tara, nc.session_id, ada)
    seq = notes.save_draft(tara, note.note_id, note.edit_seq,
                           sections={"data": "   \n\t", "assessment": "ok", "plan": "ok"})
    check = notes.check_note(tara, note.note_id)
    assert not check.ok and "The Data section is empty." in check.problems
    # An open high-severity flag from this session blocks until it is addressed.
    flag = c.raise_flag(tara, nc.session_id, dee, "Said they may not be safe tonight")
    dee_note = notes.open_note(tara, nc.session_id, dee)
    dee_seq = write(tara, dee_note, "Dee")
    [res] = notes.sign_notes(tara, [(dee_note.note_id, dee_seq)], PASSWORD)
    assert not res.signed and "safety flag" in res.message
    c.address_flag(tara, flag.id, "Safety plan reviewed one to one; crisis line given.")
    assert notes.check_note(tara, dee_note.note_id).ok
    # The same individualized text as another participant's note is a clone…
    ben_note = notes.open_note(tara, nc.session_id, ben)
    ben_seq = notes.save_draft(tara, ben_note.note_id, ben_note.edit_seq,
                               sections={k: v.replace("{name}", "Ben")
                                         for k, v in DATA.items()})
    check = notes.check_note(tara, ben_note.note_id)
    assert check.clones and not check.ok
    assert "alike" in " ".join(check.messages())
    # …unless it is made individual or justified.
    ben_seq = notes.save_draft(tara, ben_note.note_id, ben_seq,
                               justifications={"clone": "Both used the same skill today."})
    assert notes.check_note(tara, ben_note.note_id).ok
    # Naming another member is flagged with the name and where it is.
    seq = notes.save_draft(tara, note.note_id, seq, sections={
        "data": "Ada supported Ben Sample when he shared about work."})
    check = notes.check_note(tara, note.note_id)
    assert {(f.name, f.section) for f in check.names} == {("Ben Sample", "data")}
    assert not check.ok


def test_stale_window_bad_sizes_and_future_clock(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    seq = write(tara, note, "Ada")
    with pytest.raises(Conflict, match="another window"):
        notes.save_draft(tara, note.note_id, note.edit_seq, sections={"plan": "older text"})
    assert notes.open_note(tara, nc.session_id, nc.people[0]).sections["plan"] == DATA["plan"]
    [res] = notes.sign_notes(tara, [(note.note_id, note.edit_seq)], PASSWORD)
    assert not res.signed and "another window" in res.message
    big = "x" * 100_000
    seq = notes.save_draft(tara, note.note_id, seq, sections={"data": big})
    assert notes.open_note(tara, nc.session_id, nc.people[0]).sections["data"] == big
    with pytest.raises(ValidationError, match="100,000"):
        notes.save_draft(tara, note.note_id, seq, sections={"data": big + "y"})
    nc.at(11, 0)  # the clock now reads before the block ended (skew)
    assert any("clock" in p for p in notes.check_note(tara, note.note_id).problems)


def test_late_entry_label_is_part_of_the_signed_content(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    seq = write(tara, note, "Ada")
    nc.clock.advance(timedelta(hours=80))  # the program's deadline is 72 hours
    notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    signed = notes.open_note(tara, nc.session_id, nc.people[0])
    assert signed.late_entry.startswith("Late entry: written Thu 05 Mar 2026")
    assert notes.session_notes(tara, nc.session_id).rows[0].late
    with tara.db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER note_revisions_signed_no_update"))
        conn.execute(text("UPDATE note_revisions SET late_entry = ''"))
    assert _verify(tara)[1], "removing the late-entry label must break the signature"


def test_roles_are_enforced_in_the_services(nc: NotesClinic) -> None:
    admin = nc.admin
    with pytest.raises(PermissionDenied, match="Admins"):
        notes.open_note(admin, nc.session_id, nc.people[0])
    sam = nc.sign_in("sam")  # a supervisor who did not facilitate this session
    with pytest.raises(PermissionDenied, match="facilitator of this session"):
        notes.open_note(sam, nc.session_id, nc.people[0])
    tara = nc.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    seq = write(tara, note, "Ada")
    with pytest.raises(PermissionDenied):
        notes.sign_notes(admin, [(note.note_id, seq)], PASSWORD)
    with pytest.raises(PermissionDenied, match="supervisor"):
        notes.return_note(tara, note.note_id, "Not allowed")


def test_addendum_is_signed_and_verified(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    with pytest.raises(Conflict, match="not signed"):
        notes.add_addendum(tara, note.note_id, "Typo", "Text", PASSWORD)
    seq = write(tara, note, "Ada")
    notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    with pytest.raises(ValidationError):
        notes.add_addendum(tara, note.note_id, "  ", "Arrived at 09:02, not 09:00.", PASSWORD)
    notes.add_addendum(tara, note.note_id, "Arrival time corrected",
                       "Arrived at 09:02, not 09:00.", PASSWORD)
    view = notes.open_note(tara, nc.session_id, nc.people[0])
    [add] = view.addenda
    assert add.reason == "Arrival time corrected" and add.signatures[0].meaning == "author"
    assert _verify(tara) == (2, [])


def test_absence_note_and_participant_without_goals(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    cy = nc.people[2]
    with nc.admin.transaction() as s:
        s.execute(text("DELETE FROM treatment_goals WHERE participant_id = :p"), {"p": cy})
    note = notes.open_note(tara, nc.session_id, cy)
    assert note.kind == "absence" and [x.key for x in note.sections_spec] == ["reason",
                                                                              "outreach"]
    assert note.goals == ()
    seq = notes.save_draft(tara, note.note_id, note.edit_seq,
                           sections={"reason": "Called in sick (reported by phone)."})
    [res] = notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    assert res.signed, res.message


def test_timeline_and_goal_thread(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    ada = nc.people[0]
    note = notes.open_note(tara, nc.session_id, ada)
    g = note.goals[0]
    seq = write(tara, note, "Ada", goals=[notes.GoalEntry(g.goal_id, g.text, g.status, True,
                                                          "good", "Used it twice.")])
    notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    [entry] = notes.participant_timeline(tara, ada, date(2026, 1, 1), date(2026, 12, 31))
    assert (entry.note_state, entry.mood, entry.attendance_status) == ("final", 6.0, "present")
    assert entry.minutes == next(r.minutes for r in c.end_summary(tara, nc.session_id).rows
                                 if r.participant_id == ada)
    with pytest.raises(ValidationError, match="before the start"):
        notes.participant_timeline(tara, ada, date(2026, 3, 5), date(2026, 3, 1))
    [thread] = notes.goal_thread(tara, g.goal_id)
    assert (thread.rating, thread.comment) == ("good", "Used it twice.")
    notes.update_goal(tara, g.goal_id, status="met")
    with pytest.raises(ValidationError):
        notes.update_goal(tara, g.goal_id, status="finished")


def test_signature_rows_store_credentials_at_signing_time(nc: NotesClinic) -> None:
    from facilitator.services import users

    tara = nc.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    notes.sign_notes(tara, [(note.note_id, write(tara, note, "Ada"))], PASSWORD)
    users.update_user(nc.admin, nc.tara.id, users.UserDraft("tara", "Tara Therapist", "LCSW-C",
                                                            "therapist"))
    with tara.read() as s:
        assert s.scalar(select(Signature.credentials)) == "LCSW"


def test_wrong_signing_passwords_count_toward_the_login_back_off(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    seq = write(tara, note, "Ada")
    for _ in range(3):
        with pytest.raises(AuthError, match="not correct"):
            notes.sign_notes(tara, [(note.note_id, seq)], "not my password")
    assert tara.vault.lockout.retry_after("tara", nc.clock.now()) > 0
    with pytest.raises(AuthError):  # even the right password waits out the back-off
        notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)
    assert notes.open_note(tara, nc.session_id, nc.people[0]).state == "draft"


def test_saving_goal_ratings_changes_each_goals_rating_in_place(nc: NotesClinic) -> None:
    """A goal's rating stays one record as the draft is saved again (sync knows it by its
    key): re-rated, it is changed; unticked, it goes; another goal ticked gets its own. Before,
    every save deleted the links and wrote them anew, so one goal's record could come back as
    another goal's rating."""
    from facilitator.services import roster

    tara, ada = nc.sign_in("tara"), nc.people[0]
    roster.add_goal(nc.admin, ada, "Walk each morning")
    note = notes.open_note(tara, nc.session_id, ada)
    first, second = note.goals

    def links() -> dict[int, tuple[int, str, str]]:
        with tara.read() as s:
            return {goal: (key, rating, comment) for key, goal, rating, comment in s.execute(
                text("SELECT id, goal_id, rating, comment FROM note_goal_links"))}

    seq = write(tara, note, "Ada", goals=[notes.GoalEntry(first.goal_id, first.text,
                                                          first.status, True, "some", "")])
    [(key, _, _)] = links().values()
    seq = notes.save_draft(tara, note.note_id, seq, goals=[
        notes.GoalEntry(second.goal_id, second.text, second.status, True, "good", ""),
        notes.GoalEntry(first.goal_id, first.text, first.status, True, "met", "At last.")])
    after = links()
    assert after[first.goal_id] == (key, "met", "At last.")
    assert after[second.goal_id][0] != key
    notes.save_draft(tara, note.note_id, seq, goals=[
        notes.GoalEntry(second.goal_id, second.text, second.status, True, "good", ""),
        notes.GoalEntry(first.goal_id, first.text, first.status, False, "met", "")])
    assert links() == {second.goal_id: after[second.goal_id]}
