"""PDF exports for the chart: one note, a session packet, a participant's record for a date
range, and the accounting of disclosures.

Each export is one user intent: the document is assembled in a read-only unit of work (a long
export never stalls a live console), rendered, written atomically into the chosen folder under
a PHI-free name, and then audited (who, what type, which participants, the file name, internal
or a release) in one transaction. A release outside the clinic also records a disclosure per
participant. If that transaction fails the file is removed again: no export exists unaudited.
Batches check ``cancelled`` between documents; files already written stay (and are audited).
A batch of notes reads, stages and audits them in chunks (``BATCH_CHUNK``): a chunk's files are
named only when they are on disk, and audited in one transaction right after.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from ...export import model as doc
from ...export.disclosure_log import render_disclosure_log
from ...export.files import ExportError, ExportFolder, safe_file_name
from ...export.note import render_note
from ...export.participant_record import render_participant_record
from ...export.session_packet import render_session_packet
from ...models.notes import Disclosure, ProgressNote
from ...models.roster import Participant, Program
from ...models.users import User
from .. import audit
from ..errors import NotFound, ServiceError, ValidationError
from ..notes import participant_timeline
from ..validation import Checker
from ..workspace import Workspace
from . import assemble

DOCUMENT_TYPES = ("note", "session-packet", "participant-record", "disclosure-log")


class ExportFailed(ServiceError):
    """The file could not be written (folder, disk); nothing was left behind."""


class ExportCancelled(ServiceError):
    """The person cancelled a batch; the files written before that stay."""


@dataclass(frozen=True)
class Release:
    """An export leaving the clinic (records request, payer audit, court order)."""

    recipient: str
    purpose: str


@dataclass(frozen=True)
class ExportOutcome:
    path: Path
    pages: int
    replaced_characters: tuple[str, ...]  # drawn as a visible mark: no shipped font has them


@dataclass(frozen=True)
class DisclosureView:
    at: datetime
    by: str
    recipient: str
    purpose: str
    document_type: str
    file_name: str


def _check_release(release: Release | None) -> Release | None:
    if release is None:
        return None
    c = Checker()
    recipient = c.text("recipient", "The recipient", release.recipient)
    purpose = c.text("purpose", "The purpose", release.purpose)
    c.raise_if_any()
    return Release(recipient, purpose)


def _name_key(ws: Workspace) -> bytes:
    # File names carry an HMAC of the chart ID under a key only this clinic's data key yields:
    # sequential chart IDs cannot be recovered from a file listing by trying them all.
    return hashlib.sha256(b"facilitator export file names\0" + ws.db.raw_key()).digest()


def _write(ws: Workspace, folder: ExportFolder, name: str, result: doc.RenderResult,
           kind: str, participant_ids: Sequence[int], release: Release | None,
           entity: str, entity_id: object) -> ExportOutcome:
    path = folder.write(name, result.pdf)
    _audit(ws, [(path, result, participant_ids, entity_id)], kind, release, entity)
    return ExportOutcome(path, result.pages, result.replaced_characters)


def _audit(ws: Workspace, written: Sequence[tuple[Path, doc.RenderResult, Sequence[int], object]],
           kind: str, release: Release | None, entity: str) -> None:
    """One audit event (and for a release one disclosure per participant) per written file,
    all in one transaction. If that fails, the files are removed again."""
    try:
        with ws.transaction() as s:
            for path, result, participant_ids, entity_id in written:
                now = ws.clock.now()
                if release is not None:
                    for pid in participant_ids:
                        s.add(Disclosure(participant_id=pid, at=now, user_id=ws.actor.user_id,
                                         recipient=release.recipient, purpose=release.purpose,
                                         document_type=kind, file_name=path.name))
                audit.record(s, ws, f"export.{kind}", entity, entity_id,
                             participants=sorted(set(participant_ids)), file=path.name,
                             pages=result.pages, release=release is not None)
    except BaseException:
        for path, *_ in written:
            with contextlib.suppress(OSError):
                path.unlink()  # an export that could not be audited must not exist
        raise


def _folder(target: Path | str) -> ExportFolder:
    try:
        return ExportFolder(target)
    except ExportError as error:
        raise ExportFailed(str(error)) from error


def _purpose(release: Release | None) -> str:
    return f"{release.purpose} — to {release.recipient}" if release else "internal"


def export_note(ws: Workspace, note_id: int, target: Path | str, *,
                release: Release | None = None) -> ExportOutcome:
    """One progress note (unsigned ones carry a DRAFT watermark)."""
    release = _check_release(release)
    with ws.read() as s:
        note, note_doc = assemble.note_by_id(ws, s, note_id)
        export = doc.NoteExportDoc(assemble.clinic_info(s, ws), assemble.meta(
            ws, _purpose(release)), note_doc)
        chart = note_doc.participant.chart_id
        pid = note.participant_id
    result = render_note(export)
    try:
        with _folder(target) as folder:
            return _write(ws, folder, safe_file_name(chart, note_doc.session_date, "note",
                                                     key=_name_key(ws)),
                          result, "note", [pid], release, "participant", pid)
    except ExportError as error:
        raise ExportFailed(str(error)) from error


def export_session(ws: Workspace, session_id: int, target: Path | str, *,
                   release: Release | None = None) -> ExportOutcome:
    """The session packet: cover, sign-in sheet, then every participant's note."""
    release = _check_release(release)
    with ws.read() as s:
        packet, pids = assemble.session_packet(ws, s, session_id, _purpose(release))
    result = render_session_packet(packet)
    try:
        with _folder(target) as folder:
            return _write(ws, folder, safe_file_name(f"session:{session_id}",
                                                     packet.session_date, "session-packet",
                                                     key=_name_key(ws)),
                          result, "session-packet", pids, release, "session", session_id)
    except ExportError as error:
        raise ExportFailed(str(error)) from error


def export_participant_record(ws: Workspace, participant_id: int, start: date, end: date,
                              target: Path | str, *, release: Release | None = None,
                              include_drafts: bool = False) -> ExportOutcome:
    """Every signed note in the range with addenda, attendance, weekly hours and the trend
    chart. Raises ValidationError for a range that ends before it starts."""
    release = _check_release(release)
    timeline = participant_timeline(ws, participant_id, start, end)  # checks the range
    with ws.read() as s:
        participant = s.get(Participant, participant_id)
        if participant is None:
            raise NotFound("That participant no longer exists.")
        record = assemble.participant_record(ws, s, participant, start, end, timeline,
                                             _purpose(release), include_drafts)
        chart = participant.chart_id
    result = render_participant_record(record)
    try:
        with _folder(target) as folder:
            return _write(ws, folder, safe_file_name(chart, end, "participant-record",
                                                     key=_name_key(ws)),
                          result, "participant-record", [participant_id], release,
                          "participant", participant_id)
    except ExportError as error:
        raise ExportFailed(str(error)) from error


def disclosures(ws: Workspace, participant_id: int) -> list[DisclosureView]:
    """The accounting of disclosures of one participant, newest first."""
    with ws.read() as s:
        rows = s.execute(select(Disclosure, User.display_name)
                         .join(User, User.id == Disclosure.user_id)
                         .where(Disclosure.participant_id == participant_id)
                         .order_by(Disclosure.at.desc(), Disclosure.id.desc())).all()
        return [DisclosureView(d.at, name, d.recipient, d.purpose, d.document_type, d.file_name)
                for d, name in rows]


def export_disclosure_log(ws: Workspace, participant_id: int, target: Path | str
                          ) -> ExportOutcome:
    rows = disclosures(ws, participant_id)
    with ws.read() as s:
        participant = s.get(Participant, participant_id)
        if participant is None:
            raise NotFound("That participant no longer exists.")
        program = s.get(Program, participant.program_id) if participant.program_id else None
        log = doc.DisclosureLogDoc(
            assemble.clinic_info(s, ws), assemble.meta(ws),
            assemble.participant_info(participant),
            tuple(doc.DisclosureRow(r.at, r.by, r.recipient, r.purpose, r.document_type,
                                    r.file_name) for r in rows),
            assemble.program_info(program) if program else None)
        chart = participant.chart_id
    result = render_disclosure_log(log)
    try:
        with _folder(target) as folder:
            return _write(ws, folder, safe_file_name(chart, None, "disclosure-log",
                                                     key=_name_key(ws)),
                          result, "disclosure-log", [participant_id], None, "participant",
                          participant_id)
    except ExportError as error:
        raise ExportFailed(str(error)) from error


# Notes of a batch read in one read-only unit of work and audited in one transaction: a
# transaction (and its fsync) per note cost as much as reading the note. Staged files wait
# unnamed until their chunk is audited, so at most this many are on disk at a crash.
BATCH_CHUNK = 25


def export_notes_batch(ws: Workspace, note_ids: Sequence[int], target: Path | str, *,
                       release: Release | None = None,
                       progress: Callable[[int, int], None] = lambda done, total: None,
                       cancelled: Callable[[], bool] = lambda: False) -> list[ExportOutcome]:
    """Many notes, one file each, into one folder. ``cancelled`` is asked between notes;
    raises ExportCancelled (the notes already written stay, each audited)."""
    release = _check_release(release)
    if not note_ids:
        raise ValidationError({"notes": "Choose at least one note to export."})
    key = _name_key(ws)
    out: list[ExportOutcome] = []
    try:
        with _folder(target) as folder:
            for first in range(0, len(note_ids), BATCH_CHUNK):
                _export_chunk(ws, folder, note_ids, first, key, release, progress, cancelled,
                              out)
    except ExportError as error:
        raise ExportFailed(str(error)) from error
    return out


def _export_chunk(ws: Workspace, folder: ExportFolder, note_ids: Sequence[int], first: int,
                  key: bytes, release: Release | None, progress: Callable[[int, int], None],
                  cancelled: Callable[[], bool], out: list[ExportOutcome]) -> None:
    """Notes ``first`` to ``first + BATCH_CHUNK``: each read, rendered and staged; then, also
    when one fails or the batch is cancelled, those staged so far are named and audited."""
    total = len(note_ids)
    staged: list[tuple[Path, str, doc.RenderResult, int]] = []
    try:
        with ws.read() as s:
            clinic = assemble.clinic_info(s, ws)
            for n in range(first, min(first + BATCH_CHUNK, total)):
                if cancelled():
                    raise ExportCancelled(f"Cancelled after {n} of {total} notes; "
                                          "those are saved.")
                note, note_doc = assemble.note_by_id(ws, s, note_ids[n])
                result = render_note(doc.NoteExportDoc(clinic, assemble.meta(
                    ws, _purpose(release)), note_doc))
                name = safe_file_name(note_doc.participant.chart_id, note_doc.session_date,
                                      "note", key=key)
                staged.append((folder.stage(result.pdf, sync=False), name, result,
                               note.participant_id))
                progress(n + 1, total)
    finally:
        out += _publish(ws, folder, staged, release)


def _publish(ws: Workspace, folder: ExportFolder,
             staged: Sequence[tuple[Path, str, doc.RenderResult, int]],
             release: Release | None) -> list[ExportOutcome]:
    """Name the staged notes and audit them in one transaction; raises the first naming
    failure after auditing the files named before it."""
    written: list[tuple[Path, doc.RenderResult, Sequence[int], object]] = []
    failure: ExportError | None = None
    try:
        folder.sync(tmp for tmp, *_ in staged)  # every file whole on disk before it is named
    except ExportError as error:
        failure = error
    for tmp, name, result, pid in staged:
        if failure is not None:
            folder.discard(tmp)
            continue
        try:
            written.append((folder.publish(tmp, name), result, [pid], pid))
        except ExportError as error:
            failure = error
    if written:
        _audit(ws, written, "note", release, "participant")
    if failure is not None:
        raise failure
    return [ExportOutcome(path, result.pages, result.replaced_characters)
            for path, result, _pids, _pid in written]


def find_session(ws: Workspace, group_name: str, day: date) -> int:
    """The id of the group's session on ``day`` (for the CLI's --group/--date)."""
    from ...models.roster import Group
    from ...models.sessions import GroupSession

    with ws.read() as s:
        ids = list(s.scalars(select(GroupSession.id).join(Group, Group.id == GroupSession.group_id)
                             .where(Group.name == group_name.strip(),
                                    GroupSession.session_date == day)
                             .order_by(GroupSession.id)))
    if not ids:
        raise NotFound(f"No session of a group named {group_name.strip()!r} on {day:%Y-%m-%d}.")
    if len(ids) > 1:
        raise ValidationError({"session": f"{len(ids)} sessions of that group on that day: "
                                          "choose one with --session-id."})
    return ids[0]


def find_participant(ws: Workspace, chart_id: str) -> int:
    """The id of the participant with this chart ID (for the CLI's --participant)."""
    with ws.read() as s:
        pid = s.scalar(select(Participant.id).where(Participant.chart_id == chart_id.strip()))
    if pid is None:
        raise NotFound("No participant has that chart ID.")
    return pid


def session_note_ids(ws: Workspace, session_id: int) -> list[int]:
    with ws.read() as s:
        return list(s.scalars(select(ProgressNote.id).where(
            ProgressNote.session_id == session_id).order_by(ProgressNote.id)))


__all__ = ["DOCUMENT_TYPES", "DisclosureView", "ExportCancelled", "ExportFailed",
           "ExportOutcome", "Release", "disclosures", "export_disclosure_log",
           "export_note", "export_notes_batch", "export_participant_record", "export_session",
           "find_participant", "find_session", "session_note_ids"]
