"""The rules a signature passes, exactly (issue 14, `make mutation` module "note-signing"):
each problem that blocks a signature is one whole sentence and blocks only the note it is
about, and verify names each way a stored signature can stop matching."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from facilitator.services import console as c
from facilitator.services import notes
from facilitator.services.notes.dto import SignatureProblem
from facilitator.services.workspace import Workspace
from tests.conftest import PASSWORD

from .conftest import NotesClinic, run_block

TEXT = {"data": "{n} practised paced breathing and described a stressful commute.",
        "assessment": "Engaged; applied the skill in the room; no risk indicators today.",
        "plan": "Practise paced breathing twice daily; review at the next group."}
CLOCK = ("The computer's clock reads earlier than the end of this session (was the date or time"
         " changed?). Correct the clock, then sign.")
FLAG = "An open safety flag from this session needs its follow-up first."


def _draft(ws: Workspace, session_id: int, pid: int, name: str, **sections: str) -> int:
    note = notes.open_note(ws, session_id, pid)
    body = {k: v.format(n=name) for k, v in TEXT.items()} | sections
    notes.save_draft(ws, note.note_id, note.edit_seq, sections=body)
    return note.note_id


def _problems(ws: Workspace, note_id: int) -> tuple[str, ...]:
    return notes.check_note(ws, note_id).problems


def test_each_blocking_problem_is_one_sentence(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    ada, _ben, _cy, dee = nc.people
    ada_note = _draft(tara, nc.session_id, ada, "Ada", data=" \n\t")
    assert _problems(tara, ada_note) == ("The Data section is empty.",)
    ada_note = _draft(tara, nc.session_id, ada, "Ada")
    assert _problems(tara, ada_note) == ()
    # A flag about Dee blocks Dee's note only, until it is followed up.
    flag = c.raise_flag(tara, nc.session_id, dee, "Said they may not be safe tonight")
    dee_note = _draft(tara, nc.session_id, dee, "Dee")
    assert _problems(tara, dee_note) == (FLAG,)
    assert _problems(tara, ada_note) == ()
    c.address_flag(tara, flag.id, "Safety plan reviewed one to one.")
    assert _problems(tara, dee_note) == ()
    # The block ended at 12:00: a clock that reads earlier is wrong, 12:00 itself is not.
    nc.at(11, 59)
    assert _problems(tara, ada_note) == (CLOCK,)
    nc.at(12, 0)
    assert _problems(tara, ada_note) == ()


def test_a_note_never_written_lists_every_empty_section(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    assert _problems(tara, note.note_id) == ("The Data section is empty.",
                                             "The Assessment section is empty.",
                                             "The Plan section is empty.")


def test_a_session_that_has_not_ended_cannot_be_signed_for(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    ada_note = _draft(tara, nc.session_id, nc.people[0], "Ada")
    with nc.admin.db.engine.begin() as conn:
        conn.execute(text("UPDATE group_sessions SET status = 'running'"))
    assert _problems(tara, ada_note) == ("The session has not ended yet.",)


def test_clones_name_whose_text_they_repeat(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    ada, ben, _cy, dee = nc.people
    ada_note = _draft(tara, nc.session_id, ada, "Ada")
    # Dee's note differs; Ben's repeats Ada's text with his name in it.
    _draft(tara, nc.session_id, dee, "Dee", data="Dee stepped out to take a call and came back.",
           assessment="Quiet today.", plan="Check in about work stress next time.")
    ben_note = _draft(tara, nc.session_id, ben, "Ben")
    check = notes.check_note(tara, ben_note)
    assert [f.against for f in check.clones] == ["another participant's note of this session"]
    assert (check.problems, check.names, check.clone_justified, check.ok) == (
        (), (), False, False)
    # Ben's note made his own: Ada's is no clone any more and is signed.
    _draft(tara, nc.session_id, ben, "Ben", data="Ben arrived late after a bus delay.",
           assessment="Frustrated at first, settled.", plan="Leave earlier on group days.")
    assert notes.check_note(tara, ada_note).clones == ()
    seq = notes.open_note(tara, nc.session_id, ada).edit_seq
    assert notes.sign_notes(tara, [(ada_note, seq)], PASSWORD)[0].signed
    # A week later, Ada's new note repeats her signed one.
    later = run_block(tara, nc, nc.group.id, date(2026, 3, 9))
    again = _draft(tara, later, ada, "Ada")
    assert [f.against for f in notes.check_note(tara, again).clones] == ["their previous note"]


def _verify(ws: Workspace) -> tuple[int, list[SignatureProblem]]:
    with ws.read() as s:
        return notes.verify_signatures(s)


def _tamper(ws: Workspace, *statements: str) -> None:
    """What someone with the key and a SQL shell could do: drop the guards, switch off the
    foreign keys (outside a transaction, where SQLite honours it) and rewrite rows."""
    raw = ws.db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys = OFF")
        for trigger in ("note_revisions_signed_no_update", "note_addenda_no_update",
                        "note_addenda_no_delete"):
            cur.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            cur.execute(statement)
        raw.commit()
        cur.execute("PRAGMA foreign_keys = ON")
    finally:
        raw.close()


def _signed_with_addendum(nc: NotesClinic) -> tuple[Workspace, int, list[int]]:
    """Ada's note signed with one addendum; (tara, note id, [revision sig id, addendum sig id])."""
    tara = nc.sign_in("tara")
    note_id = _draft(tara, nc.session_id, nc.people[0], "Ada")
    seq = notes.open_note(tara, nc.session_id, nc.people[0]).edit_seq
    assert notes.sign_notes(tara, [(note_id, seq)], PASSWORD)[0].signed
    notes.add_addendum(tara, note_id, "Arrival corrected", "Arrived 09:02.", PASSWORD)
    assert _verify(tara) == (2, [])
    with tara.read() as s:
        ids = list(s.scalars(text("SELECT id FROM signatures ORDER BY id")))
    return tara, note_id, ids


def test_verify_names_a_changed_addendum(nc: NotesClinic) -> None:
    tara, note_id, (_rev_sig, add_sig) = _signed_with_addendum(nc)
    _tamper(tara, "UPDATE note_addenda SET text = 'Arrived 09:20.'")
    assert _verify(tara) == (2, [SignatureProblem(
        add_sig, note_id, "the addendum no longer matches its signature")])


def test_verify_names_a_missing_addendum(nc: NotesClinic) -> None:
    tara, _note_id, (_rev_sig, add_sig) = _signed_with_addendum(nc)
    _tamper(tara, "DELETE FROM note_addenda")
    assert _verify(tara) == (2, [SignatureProblem(add_sig, 0, "signs a missing addendum")])


def test_verify_names_an_addendum_whose_own_hash_was_rewritten(nc: NotesClinic) -> None:
    tara, note_id, (_rev_sig, add_sig) = _signed_with_addendum(nc)
    _tamper(tara, "UPDATE note_addenda SET content_sha256 = 'x'")
    assert _verify(tara) == (2, [SignatureProblem(
        add_sig, note_id, "the addendum no longer matches its signature")])


def test_verify_names_changed_note_content_and_its_hash(nc: NotesClinic) -> None:
    tara, note_id, (rev_sig, _add_sig) = _signed_with_addendum(nc)
    _tamper(tara, "UPDATE note_revisions SET content_sha256 = 'x' WHERE signed_at IS NOT NULL")
    assert _verify(tara) == (2, [SignatureProblem(
        rev_sig, note_id, "the signed note content no longer matches its signature")])


def test_verify_names_a_revision_no_longer_marked_signed(nc: NotesClinic) -> None:
    tara, _note_id, (rev_sig, _add_sig) = _signed_with_addendum(nc)
    _tamper(tara, "UPDATE note_revisions SET signed_at = NULL")
    assert _verify(tara) == (2, [SignatureProblem(
        rev_sig, 0,
        "signs a note revision that is missing or no longer marked signed")])


def test_names_are_looked_for_among_this_session_s_members_and_in_the_group_section(
        nc: NotesClinic) -> None:
    from facilitator.services import roster

    roster.add_participant(nc.admin, roster.ParticipantDraft(
        chart_id="N-9", legal_name="Eve Outsider", admission_date=date(2026, 2, 1),
        program_id=nc.program.id))
    tara = nc.sign_in("tara")
    ada_note = _draft(tara, nc.session_id, nc.people[0], "Ada",
                      data="Ada said Eve Outsider, a neighbour, drives her to group.")
    assert notes.check_note(tara, ada_note).names == ()  # not a member of this session
    note = notes.open_note(tara, nc.session_id, nc.people[0])
    notes.save_draft(tara, ada_note, note.edit_seq,
                     group={"process": "Ben Sample shared about work; others listened."})
    found = notes.check_note(tara, ada_note).names
    assert {(f.name, f.section) for f in found} == {("Ben Sample", "process")}
