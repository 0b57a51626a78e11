"""What a note's chart copy states, field by field, before any PDF is drawn (issue 14,
`make mutation` module "export-assembly"): the export's document is built from the signed
snapshot, so a fact that goes missing or wrong here is missing or wrong on paper."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from facilitator.export import model as doc
from facilitator.models.roster import Program
from facilitator.services import console as c
from facilitator.services import notes, programs
from facilitator.services.errors import NotFound
from facilitator.services.exports import assemble
from facilitator.services.program_rules import ProgramDraft
from facilitator.services.workspace import Workspace
from tests.conftest import PASSWORD

from .conftest import CHECKIN, CHECKOUT, NotesClinic

TEXT = {"data": "Ben practised paced breathing and named one trigger at work.",
        "assessment": "Ben engaged well after arriving late; no risk indicators today.",
        "plan": "Ben will practise daily until the next group."}
GROUP = {"interventions": "Taught paced breathing.", "process": "Members shared commutes."}


def _utc(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, tzinfo=UTC)


def _doc(ws: Workspace, note_id: int) -> doc.NoteDoc:
    with ws.read() as s:
        return assemble.note_by_id(ws, s, note_id)[1]


def _write_ben(nc: NotesClinic, who: str) -> tuple[Workspace, int, int]:
    ws = nc.sign_in(who)
    note = notes.open_note(ws, nc.session_id, nc.people[1])
    goal = note.goals[0]
    seq = notes.save_draft(ws, note.note_id, note.edit_seq, sections=TEXT, group=GROUP,
                           goals=[notes.GoalEntry(goal.goal_id, goal.text, goal.status, True,
                                                  "some", "Used it once this week.")])
    return ws, note.note_id, seq


def test_a_signed_late_note_as_the_chart_copy_states_it(nc: NotesClinic) -> None:
    tara, note_id, seq = _write_ben(nc, "tara")
    draft = _doc(tara, note_id)
    assert (draft.signed, draft.signatures, draft.late_entry_label) == (False, (), None)
    nc.clock.advance(timedelta(hours=80))  # past the program's 72-hour deadline
    assert notes.sign_notes(tara, [(note_id, seq)], PASSWORD)[0].signed
    view = notes.open_note(tara, nc.session_id, nc.people[1])
    d = _doc(nc.admin, note_id)
    minutes = {r.participant_id: r.minutes for r in c.end_summary(tara, nc.session_id).rows}
    assert d.participant == doc.ParticipantInfo("Ben Sample", "", "N-2", None)
    assert (d.program.name, d.program.kind) == ("Test IOP", "sud")
    assert d.level_of_care == "ASAM 2.1"
    assert d.session_date == date(2026, 3, 2)
    # 09:00-12:00 in Chicago, started and ended on time; Ben came at 09:20 and stayed.
    assert (d.planned_start, d.planned_end) == (_utc(15), _utc(18))
    assert (d.actual_start, d.actual_end) == (_utc(15), _utc(18))
    assert (d.arrival, d.departure) == (_utc(15, 20), None)
    assert (d.attendance_status, d.minutes_of_service, d.out_of_room_minutes) == (
        "late", minutes[nc.people[1]], 0)
    assert d.units == 0 and "not billable" in d.units_explanation
    assert (d.modality, d.location) == ("in person", "Room 1")
    assert d.facilitators == ("Tara Therapist, LCSW",)
    assert d.note_format == "DAP"
    assert d.group_sections == (doc.SectionDoc("Topics and interventions", GROUP["interventions"]),
                                doc.SectionDoc("Group process", GROUP["process"]))
    assert d.individual_sections == (doc.SectionDoc("Data", TEXT["data"]),
                                     doc.SectionDoc("Assessment", TEXT["assessment"]),
                                     doc.SectionDoc("Plan", TEXT["plan"]))
    assert ("Check-in: Mood (0–10)", str(CHECKIN["mood"])) in d.check_facts
    assert d.check_facts[0][0].startswith("Check-in: ")
    assert d.check_facts[-1][0].startswith("Check-out: ")
    assert any(a == CHECKOUT["takeaway"] for _, a in d.check_facts)
    assert d.goals == (doc.GoalDoc(view.goals[0].text, "some", "Used it once this week."),)
    assert (d.scores, d.safety_flags, d.addenda, d.review) == ((), (), (), None)
    [sig] = view.history[-1].signatures
    assert d.signatures == (doc.SignatureInfo("Tara Therapist", "LCSW", "therapist", "author",
                                              sig.signed_at, sig.sha256),)
    assert d.late_entry_label == view.late_entry and d.late_entry_label.startswith(
        "Late entry: written Thu 05 Mar 2026")
    assert (d.signed, d.group_name) == (True, "Morning group")


def test_a_co_signed_note_with_its_flag_return_and_addendum(nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    dee = nc.people[3]
    c.set_facilitators(tara, nc.session_id, [nc.uma.id])
    flag = c.raise_flag(tara, nc.session_id, dee, "Said they may not be safe tonight")
    c.address_flag(tara, flag.id, "Safety plan reviewed one to one; crisis line given.")
    uma = nc.sign_in("uma")
    note = notes.open_note(uma, nc.session_id, dee)
    text = {k: v.replace("Ben", "Dee") for k, v in TEXT.items()}
    seq = notes.save_draft(uma, note.note_id, note.edit_seq, sections=text)
    assert notes.sign_notes(uma, [(note.note_id, seq)], PASSWORD)[0].signed
    sam = nc.sign_in("sam")
    notes.return_note(sam, note.note_id, "Name the skill practised.")
    again = notes.open_note(uma, nc.session_id, dee)
    seq = notes.save_draft(uma, note.note_id, again.edit_seq,
                           sections={"data": text["data"] + " Skill: paced breathing."})
    assert notes.sign_notes(uma, [(note.note_id, seq)], PASSWORD)[0].signed
    assert notes.cosign_notes(sam, [note.note_id], PASSWORD)[0].signed
    notes.add_addendum(uma, note.note_id, "Time correction", "Stepped out at 10:00, not 10:05.",
                       PASSWORD)
    view = notes.open_note(sam, nc.session_id, dee)
    d = _doc(nc.admin, note.note_id)
    assert d.facilitators == ("Tara Therapist, LCSW", "Uma Associate, LSW")
    assert (d.attendance_status, d.out_of_room_minutes) == ("present", 15)
    assert d.safety_flags == (doc.SafetyFlagDoc(
        "Said they may not be safe tonight",
        "Safety plan reviewed one to one; crisis line given."),)
    author, cosigner = view.history[-1].signatures
    assert d.signatures == (
        doc.SignatureInfo("Uma Associate", "LSW", "therapist", "author", author.signed_at,
                          author.sha256),
        doc.SignatureInfo("Sam Supervisor", "LCSW-S", "supervisor", "co-signer",
                          cosigner.signed_at, cosigner.sha256))
    # The co-signature is in the signatures; the review shown is the last other decision.
    returned = view.reviews[0]
    assert d.review == doc.ReviewInfo("returned", "Sam Supervisor", returned.at,
                                      "Name the skill practised.")
    [add] = view.addenda
    assert d.addenda == (doc.AddendumDoc(
        add.written_at, "Uma Associate", "Time correction", "Stepped out at 10:00, not 10:05.",
        (doc.SignatureInfo("Uma Associate", "LSW", "therapist", "author", add.written_at,
                           add.signatures[0].sha256),)),)
    assert d.late_entry_label is None and d.signed


def test_a_billable_birp_note_of_someone_who_left_early_keeps_its_signed_facts(
        nc: NotesClinic) -> None:
    programs.update_program(nc.admin, nc.program.id, ProgramDraft(
        "Test IOP", "sud", billing_code="H0015", unit_rule="per_15_min"))
    tara = nc.sign_in("tara")
    ada = nc.people[0]
    c.correct_attendance(tara, nc.session_id, ada, reason="Left for a clinic appointment",
                         departed_at=_utc(17))  # 11:00 in Chicago, an hour before the end
    note = notes.open_note(tara, nc.session_id, ada)
    seq = notes.save_draft(tara, note.note_id, note.edit_seq, format_name="BIRP")
    birp = notes.open_note(tara, nc.session_id, ada)
    text = {spec.key: f"Ada, {spec.title.lower()}: paced breathing." for spec in
            birp.sections_spec}
    seq = notes.save_draft(tara, note.note_id, seq, sections=text, group=GROUP)
    assert notes.sign_notes(tara, [(note.note_id, seq)], PASSWORD)[0].signed
    # The program changes after the signature; the chart copy keeps what was signed.
    programs.update_program(nc.admin, nc.program.id, ProgramDraft(
        "Test IOP", "sud", level_of_care="ASAM 2.5", billing_code="H0020"))
    d = _doc(nc.admin, note.note_id)
    minutes = {r.participant_id: r.minutes for r in c.end_summary(tara, nc.session_id).rows}
    assert (d.arrival, d.departure) == (_utc(15), _utc(17))
    assert (d.attendance_status, d.minutes_of_service) == ("left early", minutes[ada])
    assert (d.level_of_care, d.service_code) == ("ASAM 2.1", "H0015")
    assert d.units == minutes[ada] // 15 > 0
    assert str(minutes[ada]) in d.units_explanation
    assert d.note_format == "BIRP"
    assert d.individual_sections == tuple(doc.SectionDoc(spec.title, text[spec.key])
                                          for spec in birp.sections_spec)


def test_odd_or_older_snapshots_assemble_to_blanks_never_to_invented_facts(
        nc: NotesClinic) -> None:
    tara = nc.sign_in("tara")
    view = notes.open_note(tara, nc.session_id, nc.people[1])

    def build(**changes: object) -> doc.NoteDoc:
        with tara.read() as s:
            return assemble.note_doc(s, replace(view, **changes))

    bare = build(facts={}, format="PIRP", group_sections={}, sections={})
    assert (bare.attendance_status, bare.minutes_of_service, bare.out_of_room_minutes) == (
        "", 0, 0)
    assert (bare.service_code, bare.units, bare.units_explanation) == ("", 0, "")
    assert (bare.modality, bare.location, bare.facilitators) == ("", "", ())
    assert (bare.planned_start, bare.arrival, bare.departure) == (None, None, None)
    assert bare.level_of_care == "ASAM 2.1"  # no snapshot of it: the program's own
    assert bare.note_format == "DAP"  # a format we do not know is printed as the default
    assert [build(format=f).note_format for f in ("SOAP", "GIRP")] == ["SOAP", "GIRP"]
    assert [x.text for x in bare.group_sections + bare.individual_sections] == [""] * (
        len(bare.group_sections) + len(bare.individual_sections))
    assert (bare.scores, bare.safety_flags, bare.check_facts) == ((), (), ())
    odd = build(facts={
        "session": {"modality": "video_call", "planned_start": "2026-03-02T15:00:00Z"},
        "facilitators": [{"name": "Pat Helper", "credentials": ""}],
        "scores": [{"measure": "PHQ-9", "total": None, "band": None},
                   {"measure": "GAD-7", "total": 12, "band": "moderate"}],
        "flags": [{"message": "Raised at check-out"}]})
    assert (odd.modality, odd.planned_start, odd.facilitators) == (
        "video call", _utc(15), ("Pat Helper",))
    assert odd.scores == (doc.ScoreDoc("PHQ-9", 0, ""), doc.ScoreDoc("GAD-7", 12, "moderate"))
    assert odd.safety_flags == (doc.SafetyFlagDoc("Raised at check-out", ""),)
    at = _utc(19)
    asked = build(reviews=(notes.ReviewView("Sam Supervisor", at, "addendum_requested",
                                            "Add the time she left."),))
    assert asked.review == doc.ReviewInfo("addendum requested", "Sam Supervisor", at,
                                          "Add the time she left.")
    label = "Late entry: written Thu 05 Mar 2026"
    assert build(late_entry=label).late_entry_label is None  # a draft carries no label yet
    assert build(late_entry=label, state="final").late_entry_label == label
    for missing in ({"session_id": 10**6}, {"participant_id": 10**6}):
        with pytest.raises(NotFound, match=r"^That note's participant or session no longer"
                                           r" exists\.$"):
            build(**missing)
    with tara.read() as s, pytest.raises(NotFound, match=r"^That note no longer exists\.$"):
        assemble.note_by_id(tara, s, 10**6)


def test_a_signature_means_what_it_says_and_an_mh_program_is_not_part_2(
        nc: NotesClinic) -> None:
    sig = notes.SignatureView("Sam Supervisor", "LCSW-S", "supervisor", "reviewer", _utc(19),
                              "ab" * 32)
    for meaning, shown in (("author", "author"), ("co-signer", "co-signer"),
                           ("reviewer", "reviewer"), ("witness", "author")):
        assert assemble._signature(replace(sig, meaning=meaning)).meaning == shown
    mood = programs.add_program(nc.admin, ProgramDraft("Mood IOP", "mh"))
    with nc.admin.read() as s:
        assert assemble.program_info(s.get(Program, mood.id)).kind == "mh"
        assert assemble.program_info(s.get(Program, nc.program.id)).kind == "sud"
