"""A generated five-year clinic for benchmarks, cached between runs.

~8 groups meeting 3–5 days a week, ~1,500 participants with rolling 10–20 week enrollments,
~9,000 sessions and ~100,000 attendance records (session history comes from the console's demo
history generator, curriculum plans and deliveries from the curriculum's). Bulk inserts: no
per-row audit events, one ``bench.generated`` event instead, then a hash chain of ~35 events per
session (what five years of audited console actions leave behind), so that a full verify walks a
realistically long chain.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from facilitator.clock import SystemClock
from facilitator.models.roster import Enrollment, Participant
from facilitator.services import audit, auth, clinic_setup, programs, users
from facilitator.services.demo import FIRST, LAST
from facilitator.services.workspace import Workspace
from facilitator.storage import migrate
from facilitator.storage.device import NoDeviceSecrets
from facilitator.storage.vault import Vault

PASSWORD = "bench password 1"
GENERATOR_VERSION = "7"  # 7: notes and a five-year audit chain (4: Argon2id 128 MiB)
CACHE = Path(__file__).resolve().parents[1] / ".bench-cache"
GROUPS = (
    ("SUD Morning A", 0, (1, 3, 5), time(9), time(12)),
    ("SUD Morning B", 0, (1, 2, 4, 5), time(9), time(12)),
    ("SUD Evening A", 0, (1, 2, 3, 4), time(18), time(21)),
    ("SUD Evening B", 0, (1, 2, 3, 4, 5), time(18), time(21)),
    ("MH Day A", 1, (1, 2, 3, 4, 5), time(9), time(12)),
    ("MH Day B", 1, (1, 2, 3, 4, 5), time(13), time(16)),
    ("MH Evening", 1, (1, 2, 3, 4), time(18), time(21)),
    ("Dual Dx", 0, (1, 2, 3, 4), time(13), time(16)),
)


def cache_dir() -> Path:
    return CACHE / f"clinic-5y-v{GENERATOR_VERSION}-{migrate.head_revision()}"


def open_vault(path: Path) -> Vault:
    return Vault(path, device=NoDeviceSecrets())


def generate(target: Path, *, years: int = 5, participants: int = 1500, seed: int = 2026) -> None:
    rng = random.Random(seed)
    clock = SystemClock()
    ws, _ = clinic_setup.create_clinic(open_vault(target), clock, clinic_setup.ClinicSetup(
        "Benchmark Clinic (generated)", "America/Chicago", "", "admin", "Bench Admin", "",
        PASSWORD, PASSWORD))
    try:
        therapist = users.add_user(ws, users.UserDraft("therapist", "Bench Therapist", "LCSW",
                                                       "therapist"), PASSWORD)
        supervisor = users.add_user(ws, users.UserDraft("supervisor", "Bench Supervisor",
                                                        "LCSW-S", "supervisor"), PASSWORD)
        associate = users.add_user(ws, users.UserDraft("associate", "Bench Associate", "LSW",
                                                       "therapist"), PASSWORD)
        users.set_supervision(ws, associate.id, True, supervisor.id)
        progs = [programs.add_program(ws, programs.ProgramDraft("SUD IOP", "sud")),
                 programs.add_program(ws, programs.ProgramDraft("MH IOP", "mh"))]
        groups = [programs.add_group(ws, programs.GroupDraft(
            name, progs[p].id, days, start, end,
            facilitator_ids=(associate.id,) if name == "MH Evening" else (therapist.id,)))
            for name, p, days, start, end in GROUPS]
        _roster(ws, rng, groups, years, participants)
        _history(ws, rng, years)
        from facilitator.services.notes.demo import add_demo_notes

        add_demo_notes(ws, rng, supervisor_id=supervisor.id)
        _audit_chain(ws, rng)
    finally:
        ws.close()


def _roster(ws: Workspace, rng: random.Random, groups: list[programs.GroupView], years: int,
            count: int) -> None:
    today = datetime.now(UTC).date()
    first_day = today - timedelta(weeks=52 * years)
    span = (today - first_day).days
    now = datetime.now(UTC)
    people, enrollments = [], []
    for i in range(count):
        admitted = first_day + timedelta(days=rng.randint(0, span - 7))
        weeks = rng.randint(10, 20)
        ends = admitted + timedelta(weeks=weeks)
        group = rng.choice(groups)
        people.append(dict(
            id=i + 1, chart_id=f"B-{i + 1:05d}",
            legal_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i + 1}",
            preferred_name="", pronouns="", date_of_birth=date(rng.randint(1950, 2005), 1, 1),
            admission_date=admitted, discharge_date=ends if ends < today else None,
            status="discharged" if ends < today else "active", level_of_care="ASAM 2.1",
            program_id=group.program_id, created_at=now))
        enrollments.append(dict(participant_id=i + 1, group_id=group.id, start_date=admitted,
                                end_date=ends if ends < today else None, created_at=now))
    with ws.transaction() as s:
        s.execute(insert(Participant), people)
        s.execute(insert(Enrollment), enrollments)
        audit.record(s, ws, "bench.generated", participants=count)


def _history(ws: Workspace, rng: random.Random, years: int) -> None:
    from facilitator.services.console.demo_history import add_history

    add_history(ws, weeks=52 * years, rng=rng)
    try:
        from facilitator.services.curriculum.demo import add_plans_and_deliveries
    except ImportError:  # curriculum not merged yet
        return
    add_plans_and_deliveries(ws, rng)


AUDITED = ("console.attendance.present", "console.attendance.late", "console.checkin.recorded",
           "console.jot.added", "console.segment.next", "console.break.start",
           "console.checkout.recorded", "topic.delivered", "participant.viewed")


def _audit_chain(ws: Workspace, rng: random.Random, per_session: int = 35,
                 batch: int = 20_000) -> None:
    """Append ``per_session`` audit events per stored session, hash-chained exactly as
    ``audit.append`` chains them (bulk inserted: ``append`` flushes per event)."""
    from facilitator.models.audit import GENESIS, AuditEvent, event_digest
    from facilitator.models.sessions import GroupSession

    with ws.transaction() as s:
        sessions = s.execute(select(GroupSession.id, GroupSession.planned_start)
                             .order_by(GroupSession.planned_start)).all()
        last = s.execute(select(AuditEvent.id, AuditEvent.hash)
                         .order_by(AuditEvent.id.desc()).limit(1)).first()
        # Ids are hashed and never reused: continue after both the last row and the sequence.
        next_id = max(audit._sequence(s), last.id if last is not None else 0) + 1
    prev = last.hash if last is not None else GENESIS
    rows: list[dict[str, object]] = []
    for session_id, start in sessions:
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
        for n in range(per_session):
            at = (start + timedelta(seconds=20 * n)).astimezone(UTC)
            action = rng.choice(AUDITED)
            details = {"session_id": session_id, "seq": n + 1}
            digest = event_digest(prev, next_id, at, 2, "therapist", action, "session",
                                  str(session_id), details)
            rows.append(dict(id=next_id, at=at, user_id=2, login="therapist", action=action,
                             entity="session", entity_id=str(session_id), details=details,
                             prev_hash=prev, hash=digest))
            prev, next_id = digest, next_id + 1
            if len(rows) >= batch:
                with ws.transaction() as s:
                    s.execute(insert(AuditEvent), rows)
                rows = []
    if rows:
        with ws.transaction() as s:
            s.execute(insert(AuditEvent), rows)


def ensure_dataset() -> Path:
    """The cached dataset's folder, generating it on first use (takes about a minute)."""
    final = cache_dir()
    if (final / "facilitator.db").exists():
        return final
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        generate(Path(tmp) / "data")
        shutil.move(Path(tmp) / "data", final)
    return final


def working_copy(dest: Path) -> Path:
    """A scratch copy of the dataset, so measurements never change the cache."""
    shutil.copytree(ensure_dataset(), dest)
    return dest


def sign_in(path: Path, login: str = "admin") -> Workspace:
    return auth.sign_in(open_vault(path), SystemClock(), login, PASSWORD)
