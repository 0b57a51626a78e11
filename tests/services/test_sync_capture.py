"""Change capture (storage.sync_capture): every table is classified, every write to a synced
table is noted by a trigger however it is made, local columns note nothing, and verify reports a
capture trigger that was dropped."""

from __future__ import annotations

from sqlalchemy import select, text, update

from facilitator.models import Base
from facilitator.models.roster import Participant
from facilitator.models.sync import SyncDirty, SyncState
from facilitator.models.users import User
from facilitator.services import roster
from facilitator.services.workspace import Workspace
from facilitator.storage import integrity
from facilitator.storage.sync_capture import LOCAL_ONLY, SYNCED


def test_every_table_is_synced_or_local_and_keys_match() -> None:
    tables = set(Base.metadata.tables)
    assert tables == set(SYNCED) | LOCAL_ONLY
    assert not set(SYNCED) & LOCAL_ONLY
    for name, key in SYNCED.items():
        assert key == tuple(c.name for c in Base.metadata.tables[name].primary_key.columns), name


def _noted(ws: Workspace) -> list[tuple[str, str]]:
    with ws.read() as s:
        return [(d.tbl, d.row_key) for d in s.scalars(select(SyncDirty).order_by(SyncDirty.id))]


def test_nothing_is_noted_until_sync_is_set_up(ws: Workspace) -> None:
    from datetime import date

    roster.add_participant(ws, roster.ParticipantDraft(
        chart_id="C-0", legal_name="Quinn Example", admission_date=date(2026, 3, 1)))
    assert _noted(ws) == []


def test_core_updates_are_noted_once_per_record_and_local_columns_are_not(
        ws: Workspace) -> None:
    from datetime import date

    pid = roster.add_participant(ws, roster.ParticipantDraft(
        chart_id="C-1", legal_name="Quinn Example", admission_date=date(2026, 3, 1))).id
    with ws.transaction() as s:
        s.add(SyncState(id=1, hub_dsn="", hub_id="", cursor=0, last_problem=""))
    with ws.transaction() as s:
        s.execute(update(Participant).where(Participant.id == pid).values(status="on_hold"))
        s.execute(update(Participant).where(Participant.id == pid).values(pronouns="they/them"))
        s.execute(update(User).values(last_login_at=ws.clock.now()))
    assert _noted(ws) == [("participants", str(pid))]
    with ws.transaction() as s:
        s.execute(text("DELETE FROM participants WHERE id = :id"), {"id": pid})
    assert _noted(ws) == [("participants", str(pid))]  # still one row for the record


def test_a_dropped_capture_trigger_is_reported(ws: Workspace) -> None:
    assert integrity.check_guards(ws.db) == []
    with ws.db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER sync_capture_participants_update"))
    assert integrity.check_guards(ws.db) == [
        "the protective trigger sync_capture_participants_update is missing"]
