"""Invented documents for the renderer's tests, benchmarks and README page images.

Every person here is obviously fictional (most names mean "example" in their scripts). The set
mixes Arabic, Hebrew, CJK, Hangul, Cyrillic, Greek and accented Latin on purpose, plus a character
no shipped font has, so one sample exercises every path of the text pipeline.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .model import (
    AddendumDoc,
    AttendanceRow,
    ClinicInfo,
    DisclosureLogDoc,
    DisclosureRow,
    ExportMeta,
    GoalDoc,
    NoteDoc,
    NoteExportDoc,
    ParticipantInfo,
    ParticipantRecordDoc,
    ProgramInfo,
    ReviewInfo,
    SafetyFlagDoc,
    ScoreDoc,
    SectionDoc,
    SegmentDoc,
    SessionPacketDoc,
    SignatureInfo,
    SignInRow,
    TrendPoint,
    WeeklyHoursRow,
)

TZ = ZoneInfo("America/Chicago")
CLINIC = ClinicInfo("Sample Lake Recovery Clinic (demo)", "100 Example Avenue, Springfield", TZ)
META = ExportMeta(datetime(2026, 3, 5, 14, 2, tzinfo=TZ), "Robin Testwell, LCSW")
SUD = ProgramInfo("Evening SUD IOP (demo)", "sud")
MH = ProgramInfo("Daytime Mental Health IOP (demo)", "mh")
#: Not in DejaVu Sans nor Droid Sans Fallback (Unicode 14 "melting face").
UNCOVERED = "\U0001fae0"

PEOPLE = (
    ParticipantInfo("Zephyrine Quillfeather-Sample", "Zephy", "DEMO-1001", date(1990, 4, 12)),
    ParticipantInfo("Élodie Marchetti-Ñúñez", "Élo", "DEMO-1002", date(1985, 11, 3)),
    ParticipantInfo("Ярослава Примерова", "Слава", "DEMO-1003", date(1979, 1, 30)),
    ParticipantInfo("Θεοδώρα Παράδειγμα", "Δώρα", "DEMO-1004", date(1994, 7, 21)),
    ParticipantInfo("ليلى المثال", "ليلى", "DEMO-1005", date(1988, 2, 14)),
    ParticipantInfo("נעמה דוגמה", "נעמה", "DEMO-1006", date(1992, 9, 9)),
    ParticipantInfo("山田 花子", "花子", "DEMO-1007", date(1983, 5, 5)),
    ParticipantInfo("张 示例", "小张", "DEMO-1008", None),
    ParticipantInfo("Moss <b>& Fernsby-Example", "Moss", "DEMO-1009", date(2000, 12, 24)),
    ParticipantInfo("Quinn Placeholder", "", "DEMO-1010", date(1975, 6, 1)),
    ParticipantInfo("Juniper Mockingbird", "June", "DEMO-1011", date(1998, 3, 17)),
    ParticipantInfo("김 예시", "예시", "DEMO-1012", date(1969, 8, 8)),
)
FACILITATORS = ("Robin Testwell, LCSW", "Sam Notareal, LADC")


def _at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


def _signature(signer: str, cred: str, meaning: str, at: datetime, seed: str) -> SignatureInfo:
    digest = (seed.encode().hex() * 8)[:64]
    return SignatureInfo(signer, cred, "therapist" if meaning == "author" else "supervisor",
                         meaning, at, digest)  # type: ignore[arg-type]


def sample_note(person: ParticipantInfo = PEOPLE[0], *, day: date = date(2026, 3, 2),
                program: ProgramInfo = SUD, signed: bool = True, note_text: str | None = None,
                group_name: str = "Tuesday Evening Skills (demo)") -> NoteDoc:
    """One invented note; ``note_text`` replaces the individual data section (long-text tests)."""
    data = note_text if note_text is not None else (
        f"{person.preferred_name or person.legal_name} described a steadier week and named two "
        "triggers (payday, an old friend's call). Practised paced breathing in the group and "
        "reported the urge dropped from 6 to 3 within ten minutes.")
    signatures = (
        _signature("Robin Testwell", "LCSW", "author", _at(day, 13, 10), person.chart_id),
    ) if signed else ()
    return NoteDoc(
        participant=person, program=program, level_of_care="ASAM 2.1 intensive outpatient",
        session_date=day, planned_start=_at(day, 9, 0), planned_end=_at(day, 12, 0),
        actual_start=_at(day, 9, 4), actual_end=_at(day, 12, 1), arrival=_at(day, 9, 12),
        departure=_at(day, 12, 1), attendance_status="late", minutes_of_service=154,
        out_of_room_minutes=6, service_code="H0015", units=1,
        units_explanation="Below the 180-minute daily minimum: not billable as a full day",
        modality="in person", location="Group room B", facilitators=FACILITATORS,
        note_format="DAP", group_name=group_name,
        group_sections=(
            SectionDoc("Topics delivered", "Distress tolerance: TIPP skills. Facilitator modelled "
                       "paced breathing and guided a cold-water demonstration; members practised "
                       "and rated their distress before and after."),
            SectionDoc("Group process", "Members linked high-risk situations to the skill and "
                       "offered each other feedback on weekend plans."),
        ),
        individual_sections=(
            SectionDoc("Data", data),
            SectionDoc("Assessment", "Engaged and using skills with prompting; craving lower "
                       "than at admission. No safety concerns voiced today."),
            SectionDoc("Plan", "Continue IOP 3×/week. Practise TIPP once daily and bring a "
                       "log. Review relapse-prevention plan on Thursday."),
        ),
        check_facts=(("Mood (0–10)", "6"), ("Craving (0–10)", "3"), ("Anxiety (0–10)", "4"),
                     ("Use since last group", "No"), ("Safety screen", "Negative"),
                     ("Takeaway skill", "Paced breathing")),
        scores=(ScoreDoc("PHQ-9", 11, "moderate"), ScoreDoc("GAD-7", 7, "mild")),
        goals=(GoalDoc("Reduce cravings with two coping skills", "progressing",
                       "Used breathing twice this week."),
               GoalDoc("Attend 9 hours of group weekly", "met", "")),
        safety_flags=(),
        signatures=signatures,
        late_entry_label=None,
        addenda=(),
        review=ReviewInfo("approved", "Alex Supervisorsen, LPC-S",
                          _at(day, 16, 30), "") if signed else None,
        signed=signed,
    )


def sample_note_export(**kwargs) -> NoteExportDoc:
    return NoteExportDoc(CLINIC, META, sample_note(**kwargs))


def rich_note() -> NoteDoc:
    """A signed note with a late-entry label, a safety flag, an addendum and an unprintable
    character, for a participant whose name is right-to-left."""
    base = sample_note(PEOPLE[4], note_text="ليلى said: «أنا بخير اليوم» and asked for the "
                       f"handout in Arabic {UNCOVERED}. Goal: שלום בבית (peace at home).")
    day = base.session_date
    addendum = AddendumDoc(
        _at(day + timedelta(days=1), 10, 15), "Robin Testwell, LCSW", "Late information",
        "Participant called the next morning to report she attended a mutual-support meeting.",
        (_signature("Robin Testwell", "LCSW", "author", _at(day + timedelta(days=1), 10, 20),
                    "add"),))
    return replace(base, late_entry_label=f"Late entry, written {day.day + 3} Mar 2026 14:02",
                   safety_flags=(SafetyFlagDoc("Passive death wish on PHQ-9 item 9",
                                               "Safety plan reviewed with therapist at 12:10; "
                                               "crisis line numbers given."),),
                   addenda=(addendum,))


def sample_packet(participants: int = 12, day: date = date(2026, 3, 2),
                  program: ProgramInfo = SUD) -> SessionPacketDoc:
    people = [PEOPLE[i % len(PEOPLE)] for i in range(participants)]
    notes = tuple(sample_note(p, day=day, program=program, signed=i % 4 != 3)
                  for i, p in enumerate(people))
    rows = tuple(SignInRow(f"{p.legal_name} ({p.preferred_name})" if p.preferred_name
                           else p.legal_name, _at(day, 9, 0 + i % 15),
                           _at(day, 12, 0), 180 - i % 15, "late" if i % 15 else "present")
                 for i, p in enumerate(people))
    segments = (
        SegmentDoc("Check-in go-around", "check-in", _at(day, 9, 4), _at(day, 9, 41)),
        SegmentDoc("Distress tolerance: TIPP", "module", _at(day, 9, 41), _at(day, 10, 35)),
        SegmentDoc("Break", "break", _at(day, 10, 35), _at(day, 10, 50)),
        SegmentDoc("Relapse prevention: high-risk situations", "module", skipped=True),
        SegmentDoc("Process group", "process", _at(day, 10, 50), _at(day, 11, 45)),
        SegmentDoc("Check-out", "check-out", _at(day, 11, 45), _at(day, 12, 1)),
    )
    return SessionPacketDoc(
        CLINIC, META, "Tuesday Evening Skills (demo)", program, day, _at(day, 9, 0),
        _at(day, 12, 0), _at(day, 9, 4), _at(day, 12, 1), segments,
        ("Distress tolerance: TIPP", "Urge surfing"), FACILITATORS, rows, notes)


def sample_record(days: int = 90, person: ParticipantInfo = PEOPLE[6],
                  program: ProgramInfo = SUD, end: date = date(2026, 3, 27)
                  ) -> ParticipantRecordDoc:
    start = end - timedelta(days=days - 1)
    group_days = [start + timedelta(days=i) for i in range(days)
                  if (start + timedelta(days=i)).weekday() in (0, 2, 4)]
    notes = tuple(sample_note(person, day=d, program=program, signed=d != group_days[-1])
                  for d in group_days)
    attendance = tuple(AttendanceRow(d, "Tuesday Evening Skills (demo)",
                                     "absent" if i % 9 == 4 else "present",
                                     0 if i % 9 == 4 else 180) for i, d in enumerate(group_days))
    weeks: dict[date, int] = {}
    for row in attendance:
        monday = row.day - timedelta(days=row.day.weekday())
        weeks[monday] = weeks.get(monday, 0) + row.minutes
    hours = tuple(WeeklyHoursRow(w, m, 540) for w, m in sorted(weeks.items()))
    trend = []
    for i, d in enumerate(group_days):
        missing = i % 9 == 4  # absent: no check-in that day, a gap in the lines
        trend.append(TrendPoint(
            d, None if missing else 4 + (i % 5) * 0.8, None if missing else max(0, 7 - i * 0.15),
            None if missing else 5 - (i % 3), 16 - i // 3 if i % 6 == 0 else None,
            12 - i // 4 if i % 6 == 0 else None))
    return ParticipantRecordDoc(CLINIC, META, person, program, start, end, notes, attendance,
                                hours, tuple(trend))


def sample_disclosure_log(person: ParticipantInfo = PEOPLE[1]) -> DisclosureLogDoc:
    rows = (
        DisclosureRow(datetime(2026, 1, 14, 10, 5, tzinfo=TZ), "Robin Testwell, LCSW",
                      "Example Mutual Insurance Co. (demo)", "payer audit", "participant record",
                      "rec-3f9a1c2e-20260114.pdf"),
        DisclosureRow(datetime(2026, 2, 20, 15, 40, tzinfo=TZ), "Pat Recordkeeper",
                      "Dr. Imaginary Primary Care", "continuity of care (with consent)",
                      "progress note", "note-3f9a1c2e-20260220.pdf"),
    )
    return DisclosureLogDoc(CLINIC, META, person, rows, SUD)
