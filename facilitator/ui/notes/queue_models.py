"""Table models of the notes page: the sessions whose notes are owed, and a session's
participants with where their note stands (details in tooltips, so narrow lists stay legible)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from facilitator.services import notes
from facilitator.services.workspace import Workspace

from ..table_model import Column, RowsModel
from .render import STATE, STATUS


def _t(text: str) -> str:
    return QCoreApplication.translate("NotesPage", text)


class QueueModel(RowsModel[notes.QueueEntry]):
    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        tz = ws.timezone

        def due(e: notes.QueueEntry) -> str:
            overdue = ws.clock.now() > e.deadline and e.owed
            return f"⚠ {e.owed} " + _t("overdue") if overdue else str(e.owed)

        def detail(e: notes.QueueEntry) -> str:
            return _t("{needed} notes: {drafted} drafted, {signed} signed, {ret} returned; "
                      "due by {due}").format(needed=e.needed, drafted=e.drafted,
                                             signed=e.signed, ret=e.returned,
                                             due=f"{e.deadline.astimezone(tz):%a %d %b %H:%M}")

        # Two columns so the list stays readable in a narrow left pane; the rest in tooltips.
        super().__init__([
            Column(_t("Session"), lambda e: f"{e.session_date:%a %d %b} · {e.group_name}",
                   sort=lambda e: (e.session_date, e.planned_start), tooltip=detail),
            Column(_t("Owed"), due, sort=lambda e: (e.owed, e.deadline), tooltip=detail),
        ], parent)


class ParticipantsModel(RowsModel[notes.NoteRow]):
    def __init__(self, ready: dict[int, int], parent: QWidget | None = None) -> None:
        def state(r: notes.NoteRow) -> str:
            text = _t(STATE.get(r.state, r.state))
            if r.returned_comment:
                text = "↩ " + _t("Returned")
            if r.late:
                text += " · " + _t("late entry")
            if r.note_id in ready:
                text = "✓ " + _t("Ready to sign")
            return text

        def attendance(r: notes.NoteRow) -> str:
            return _t(STATUS.get(r.attendance_status, r.attendance_status))

        super().__init__([
            Column(_t("Participant"), lambda r: r.short_name, tooltip=attendance),
            Column(_t("Note"), lambda r: (_t("Absence") + " · " if r.kind == "absence" else "")
                   + state(r), tooltip=attendance),
        ], parent)


