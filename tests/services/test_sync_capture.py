"""Change capture (storage.sync_capture): every table is classified, every write to a synced
table is noted by a trigger however it is made, local columns note nothing, and verify reports a
capture trigger that was dropped."""

from __future__ import annotations

from sqlalchemy import select, text, update

from facilitator.models import Base
from facilitator.models.roster import Participant
from facilitator.models.sync import SyncDirty, SyncGone, SyncRow, SyncState
from facilitator.models.users import User
from facilitator.services import roster
from facilitator.services.workspace import Workspace
from facilitator.storage import integrity
from facilitator.storage.sync_capture import LOCAL_ONLY, SYNCED, notes_gone, uncaptured


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


def _gone(ws: Workspace) -> list[tuple[str, str, str, int]]:
    with ws.read() as s:
        return [(g.tbl, g.row_key, g.gid, g.at) for g in s.scalars(select(SyncGone))]


def test_a_deleted_record_sync_knows_is_noted_by_global_id_apart_from_its_key(
        ws: Workspace) -> None:
    """SQLite gives the next row the key of a deleted one that had the greatest: the deletion
    is noted by global id, where it stands among the notes, whatever comes under the key."""
    from datetime import date

    def add(chart: str) -> int:
        return roster.add_participant(ws, roster.ParticipantDraft(
            chart_id=chart, legal_name="Quinn Example", admission_date=date(2026, 3, 1))).id

    pid, unknown = add("C-1"), add("C-2")
    with ws.transaction() as s:
        s.add(SyncState(id=1, hub_dsn="", hub_id="", cursor=0, last_problem=""))
        s.add(SyncRow(gid="g-1", tbl="participants", row_key=str(pid), fields={"x": []},
                      conflicted=False))
    with ws.transaction() as s:
        s.execute(text("DELETE FROM participants WHERE id IN (:a, :b)"),
                  {"a": pid, "b": unknown})
    with ws.read() as s:
        noted = s.scalar(select(SyncDirty.id).where(SyncDirty.row_key == str(pid)))
    assert _gone(ws) == [("participants", str(pid), "g-1", noted)]  # not the one sync never knew
    again = add("C-3")
    with ws.transaction() as s:  # and deleted again: the first deletion keeps its place
        s.execute(text("DELETE FROM participants WHERE id = :id"), {"id": again})
    assert again == pid and _gone(ws) == [("participants", str(pid), "g-1", noted)]


def test_a_deletion_a_pull_applies_and_a_link_are_not_noted_as_gone(ws: Workspace) -> None:
    from datetime import date

    pid = roster.add_participant(ws, roster.ParticipantDraft(
        chart_id="C-1", legal_name="Quinn Example", admission_date=date(2026, 3, 1))).id
    with ws.transaction() as s:
        s.add(SyncState(id=1, hub_dsn="", hub_id="", cursor=0, last_problem=""))
        s.add(SyncRow(gid="g-1", tbl="participants", row_key=str(pid), fields={"x": []},
                      conflicted=False))
    with ws.transaction() as s:  # edited here: a pull's deletion of it is noted (``captured``)
        s.execute(update(Participant).where(Participant.id == pid).values(pronouns="they/them"))
    with ws.transaction() as s, uncaptured(s.connection()):
        s.execute(text("DELETE FROM participants WHERE id = :id"), {"id": pid})
    assert _noted(ws) == [("participants", str(pid))]
    assert not notes_gone("session_group_sections") and notes_gone("participants")
    assert _gone(ws) == []
