"""Property: however three laptops write, sign and return one participant's note offline, with
clocks an hour apart and in whatever order they sync, once everyone has synced twice they
number its revisions alike, keep every revision, show a draft only on top of the signed ones,
and every signature holds on every laptop (``services.sync.numbering``), but for one draft
signed on two laptops apart, whose later signature every laptop names so; the note's state is
the same on every laptop and agrees with its top revision (``services.sync.note_state``);
every laptop flags the same fields of the note (never its state), and once an admin settles
them, the laptops' records are equal. Check-ins answered after the block on a laptop that had
not seen the note signed reach every laptop (before, a signing laptop's pull failed on them
for good: ``services.sync.locked``); so do attendance changed, goals rated and block actions
undone there (the laptop that signed restores what its note states on every laptop).

Each example is a new group session (a new note), so examples do not share a history."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from facilitator.services import console, notes, roster
from facilitator.services.errors import (
    Conflict,
    PermissionDenied,
    ServiceError,
    ValidationError,
)
from facilitator.services.note_workflow import FIELDS
from facilitator.services.notes.signing import SIGNED_APART
from facilitator.services.sync import conflicts, locked
from tests.conftest import PASSWORD
from tests.services.notes.conftest import CHECKIN, NotesClinic, nc, run_block
from tests.sync.laptops import Laptop
from tests.sync.test_counter_clashes import _numbers_as_sync_knows_them
from tests.sync.test_interleavings import three  # the same three laptops

__all__ = ["nc", "three"]

GOALS = ("Sleep seven hours", "Walk each morning", "Call a sponsor before a hard day")
LAPTOP = st.integers(0, 2)
WRITE = st.tuples(st.just("write"), LAPTOP, st.sampled_from(["tara", "uma"]), st.booleans())
OPS = st.one_of(
    WRITE, WRITE, WRITE,  # most steps write (and half of them sign)
    st.tuples(st.just("return"), LAPTOP),
    st.tuples(st.just("answer"), LAPTOP),
    st.tuples(st.just("attend"), LAPTOP),
    st.tuples(st.just("undo"), LAPTOP),
    # Which of Ada's goals the draft rates, and how (``RATINGS``), on one laptop.
    st.tuples(st.just("rate"), LAPTOP, st.lists(st.sampled_from(["", "some", "good"]),
                                                min_size=3, max_size=3)),
    st.tuples(st.just("sync"), LAPTOP),
    st.tuples(st.just("clock"), st.sampled_from([-3600, 3600])),  # UUIDv7 order != push order
)
WEEKS = itertools.count(1)


def _new_session(three: list[Laptop], nc: NotesClinic) -> int:
    """A block run on A a week after the last example's, Uma co-facilitating; every laptop
    holds it before the example's steps."""
    day = date(2026, 3, 2) + timedelta(weeks=next(WEEKS))
    tara = three[0].sign_in("tara")
    for text_ in GOALS[len(roster.goals(tara, nc.people[0])):]:  # three goals to rate
        roster.add_goal(tara, nc.people[0], text_)
    session_id = run_block(tara, nc, nc.group.id, day)
    console.set_facilitators(tara, session_id, [nc.uma.id])
    for laptop in three + three[:1]:
        laptop.sync()
    nc.at(15, 0, day)  # the notes are written after the block, clocks an hour off or not
    return session_id


def _write(laptop: Laptop, nc: NotesClinic, session_id: int, login: str, sign: bool,
           step: int) -> None:
    """``login`` writes the note where it is a draft she may write, and signs it (its checks
    may still hold it back: then it stays a draft)."""
    writer = laptop.sign_in(login)
    try:
        note = notes.open_note(writer, session_id, nc.people[0])
    except (PermissionDenied, Conflict) as refused:  # an "undo" step took her off the block,
        event(f"write refused: {type(refused).__name__}")  # or reopened it
        return
    if not note.editable:
        return
    # Its first section in words of this session and step alone (never "alike the previous
    # note"); every section, whether a session note's or an absence note's (Ada marked absent).
    first, *rest = (spec.key for spec in note.sections_spec)
    notes.save_draft(writer, note.note_id, note.edit_seq, sections={
        first: " ".join(f"s{session_id}w{step}{login}{laptop.name}{n}" for n in range(12)),
        **{key: "Engaged; practise paced breathing twice daily." for key in rest}})
    if sign:
        seen = notes.open_note(writer, session_id, nc.people[0])
        [result] = notes.sign_notes(writer, [(seen.note_id, seen.edit_seq)], PASSWORD)
        if not result.signed:
            event(f"not signed: {result.message}")


def _return(laptop: Laptop, nc: NotesClinic, session_id: int) -> None:
    """Sam returns the note where it waits for his co-signature (Uma signed it)."""
    sam = laptop.sign_in("sam")
    for row in notes.review_queue(sam):
        if row.session_id == session_id and row.participant_id == nc.people[0]:
            notes.return_note(sam, row.note_id, "Name the skill practised.")


def _answer(laptop: Laptop, nc: NotesClinic, session_id: int) -> None:
    """Ada's check-in answered after the block, refused where her note is signed already;
    where it is not yet seen signed, the signing laptops take it in (``sync.locked``)."""
    try:
        console.record_response(laptop.sign_in("tara"), session_id, nc.people[0], "checkin",
                                CHECKIN)
    except Conflict:
        event("answer refused: the note is signed here")
    except console.ClockMovedBack:  # the "clock" step put this laptop behind its last action
        event("answer refused: the clock went back")
    except ValidationError:  # marked absent meanwhile
        event("answer refused: not attending")


def _attend(laptop: Laptop, nc: NotesClinic, session_id: int) -> None:
    """Ada's attendance changed after the block (absent, or excused once absent): refused where
    her note is signed; elsewhere, once the signing meets it, the signing laptop restores what
    the note states on every laptop (``sync.locked``)."""
    tara = laptop.sign_in("tara")
    [ada] = [r for r in console.console_state(tara, session_id).attendance
             if r.participant_id == nc.people[0]]
    change = console.mark_excused if ada.status == "absent" else console.mark_absent
    _try(lambda: change(tara, session_id, nc.people[0]), "attendance")


def _rate(laptop: Laptop, nc: NotesClinic, session_id: int, ratings: list[str]) -> None:
    """Tara rates Ada's goals in the draft where it is one here (her goal ``i`` ticked with
    ``ratings[i]``, unticked where it is ""): a goal newly rated, re-rated or unticked on a
    laptop that had not seen the note signed comes apart from the signing (``sync.locked``)."""
    tara = laptop.sign_in("tara")
    try:
        note = notes.open_note(tara, session_id, nc.people[0])
    except (PermissionDenied, Conflict):
        event("rating refused")
        return
    if not note.editable or len(note.goals) < len(ratings):
        return
    goals = [dataclasses.replace(g, addressed=bool(r), rating=r or g.rating or "some")
             for g, r in zip(note.goals, ratings, strict=False)]
    _try(lambda: notes.save_draft(tara, note.note_id, note.edit_seq, goals=goals), "rating")
    event("goals rated")


def _undo(laptop: Laptop, session_id: int) -> None:
    """The block's last action undone on this laptop (an answer, an attendance change, the
    block's end...): a deletion or an edit of facts a note signed elsewhere may state."""
    _try(lambda: console.undo_last(laptop.sign_in("tara"), session_id), "undo")


def _try(action: Callable[[], object], what: str) -> None:
    try:
        action()
    except ServiceError as refused:  # signed here, nothing to undo, the clock went back...
        event(f"{what} refused: {type(refused).__name__}")


def _workflow(laptop: Laptop, session_id: int) -> dict[str, object]:
    """The note's workflow fields (the session's local id is A's on every laptop: the block
    was run on A and reached the others whole)."""
    with laptop.sign_in().read() as s:
        row = s.execute(text(f"SELECT {', '.join(FIELDS)} FROM progress_notes WHERE"
                             " session_id = :s"), {"s": session_id}).mappings().one_or_none()
    return dict(row) if row is not None else {}


def _revisions(laptop: Laptop) -> dict[str, tuple[int, bool, str]]:
    """Each revision of the note, by global id: number, signed, the text it holds."""
    return {r["gid"]: (r["number"], r["signed_at"] is not None,
                       str(sorted((r["content"] or {}).get("sections", {}).items())))
            for r in laptop.dump()["note_revisions"]}


@settings(max_examples=10, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])  # no "explain": minutes
@given(ops=st.lists(OPS, min_size=2, max_size=12))
# Found by this test: two notes merged on C after C returned one of them, "last changed"
# flagged there as a conflict and nowhere else, and the laptops' records differed after an
# admin settled the rest (``merging.merge`` now lets the last change stand, as edits do).
@example(ops=[("write", 1, "uma", True), ("clock", 3600), ("sync", 1), ("write", 0, "uma", True),
              ("clock", 3600), ("sync", 2), ("return", 2)])
# Found by this test (200 examples, seed 4242): one draft signed on A (Tara) and on B (Uma)
# apart, clocks an hour back; "last changed" ended different on A and B about half the time:
# a merge kept only the greatest of two concurrent heads, and a later edit that had seen only
# that one decided on B what A decided otherwise (``rows.latest_only`` now keeps them all).
@example(ops=[("write", 2, "tara", True), ("clock", 3600), ("write", 1, "uma", False),
              ("sync", 1), ("write", 1, "uma", False), ("sync", 2), ("clock", -3600),
              ("sync", 0), ("write", 0, "tara", True), ("clock", -3600),
              ("write", 1, "uma", True), ("write", 1, "uma", False)])
# A check-in answered on B while Tara signs on A (the case ``sync.locked`` was built for).
# Found by this test (seed 11): Ada absent on B, Uma signs her session note on A and Tara her
# absence note on B; each laptop reported the other's signature as "no longer matches" (the
# merged note shows one kind; the signing laptop now carries its kind with the signature).
# Two goals rated on B in the draft A signs meanwhile (random examples seldom reach it: none
# of 60 generated with seed 777 on 2026-12-05 did).
@example(ops=[("write", 0, "tara", False), ("sync", 0), ("sync", 1), ("write", 0, "tara", True),
              ("rate", 1, ["some", "good", ""])])
# Found by this test (150 examples, seed 92): Ada's goals rated in Tara's draft on A, Ada then
# marked absent there and Uma signs the note there. The seal sent the signed revision (new,
# moved ahead of the goal ratings that name it) before the attendance edit, so B and C held
# the edit for a restore A never sends, and showed Ada present under a note stating her
# absent (``order.notes_last`` sends a note's records after the others).
@example(ops=[("rate", 0, ["good", "some", ""]), ("attend", 0), ("write", 0, "uma", True)])
@example(ops=[("attend", 1), ("write", 0, "uma", True), ("write", 1, "tara", True)])
@example(ops=[("write", 0, "tara", True), ("answer", 1), ("sync", 0), ("sync", 1)])
def test_a_note_written_signed_and_returned_apart_is_numbered_alike(
        three: list[Laptop], nc: NotesClinic, ops: list) -> None:
    session_id = _new_session(three, nc)
    before = set(_revisions(three[0]))
    for step, op in enumerate(ops):
        nc.clock.advance(seconds=1)
        if op[0] == "clock":
            nc.clock.advance(seconds=op[1])
        elif op[0] == "write":
            _write(three[op[1]], nc, session_id, op[2], op[3], step)
        elif op[0] == "return":
            _return(three[op[1]], nc, session_id)
        elif op[0] == "answer":
            _answer(three[op[1]], nc, session_id)
        elif op[0] == "attend":
            _attend(three[op[1]], nc, session_id)
        elif op[0] == "undo":
            _undo(three[op[1]], session_id)
        elif op[0] == "rate":
            _rate(three[op[1]], nc, session_id, op[2])
        else:
            three[op[1]].sync()
    for laptop in three + three:
        laptop.sync()
    found = [_revisions(laptop) for laptop in three]
    assert found[0] == found[1] == found[2]
    mine = sorted(v for gid, v in found[0].items() if gid not in before)  # by number
    assert [number for number, _, _ in mine] == list(range(1, len(mine) + 1))
    signed = [is_signed for _, is_signed, _ in mine]
    assert signed == sorted(signed, reverse=True), "a draft below a signed revision"
    apart = []
    for laptop in three:
        with laptop.sign_in().read() as s:
            problems = notes.verify_signatures(s)[1]
        # One draft signed on two laptops apart: the revision shows the earlier signing on
        # every laptop and the other signature is named as signed apart; nothing else fails.
        assert {p.what for p in problems} <= {SIGNED_APART}, (laptop.name, problems)
        apart.append(len(problems))
        assert all(n == known for n, known in _numbers_as_sync_knows_them(laptop)), laptop.name
    assert apart[0] == apart[1] == apart[2]
    if apart[0]:
        event("one draft signed apart")
    # The note made on several laptops is one record, its fields flagged where they differ
    # (``services.sync.clashes``), the same on every laptop; once an admin settles them, the
    # records are equal.
    # (Not an answer taken in past a signing: only the laptops that had signed flag it.)
    flags = [{(f.gid, f.table, f.field) for f in conflicts.flagged(laptop.sign_in())
              if f.field != locked.APART} for laptop in three]
    if any(f.field == locked.APART and f.field_name != conflicts.APART_FIELD
           for f in conflicts.flagged(three[0].sign_in())):
        event("facts changed apart from a signing, restored")
    if any(f.field == locked.APART and f.table == "note_goal_links"
           for laptop in three for f in conflicts.flagged(laptop.sign_in())):
        event("a goal rating came apart from a signing")
    assert flags[0] == flags[1] == flags[2]
    answers = [sorted(r["gid"] for r in laptop.dump()["form_responses"]) for laptop in three]
    assert answers[0] == answers[1] == answers[2]
    # Its workflow fields are never flagged: they follow from its revisions, signatures and
    # reviews on every laptop alike, before any admin looks (``services.sync.note_state``).
    assert not {f for _, table, f in flags[0] if table == "progress_notes"} & set(FIELDS)
    states = [_workflow(laptop, session_id) for laptop in three]
    assert states[0] == states[1] == states[2]
    if mine:
        assert (states[0]["state"] == "draft") == (not mine[-1][1]), "state against top"
    admin = three[0].sign_in()
    for flag in conflicts.flagged(admin):
        # The value shown (a signed revision keeps its signed text); a revision signed apart
        # has nothing to settle.
        if flag.can_resolve:
            conflicts.resolve(admin, flag.gid, flag.field,
                              next(c.value for c in flag.choices if c.shown))
    for laptop in three + three:
        laptop.sync()
    dumps = [laptop.dump() for laptop in three]
    assert dumps[0] == dumps[1] == dumps[2]
    event(f"revisions of the note: {len(mine)}, signed: {sum(signed)}")
