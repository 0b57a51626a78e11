"""Anchors outside the database: a chain cut at its tail or rewritten as a whole is consistent in
itself, and only the anchor file, the backup manifests or the head hash on paper can tell."""

from __future__ import annotations

import json
from pathlib import Path

from facilitator.models.audit import GENESIS, event_digest
from facilitator.services import audit, auth, maintenance, roster
from facilitator.services.workspace import Workspace
from facilitator.storage.anchor import ANCHOR_NAME
from facilitator.storage.vault import Vault
from tests.services.test_audit_chain import _raw
from tests.services.test_roster import draft


def _some_events(ws: Workspace, n: int = 4) -> None:
    for i in range(n):
        roster.add_participant(ws, draft(f"C-{i}", f"Person {i}"))


def _cut_tail_cleanly(ws: Workspace, keep: int) -> None:
    """Delete the newest events and reset the id sequence: the chain itself stays consistent."""
    _raw(ws, f"DELETE FROM audit_events WHERE id > {keep}",
         f"UPDATE sqlite_sequence SET seq = {keep} WHERE name = 'audit_events'")


def _rewrite_chain(ws: Workspace) -> None:
    """Change one old event and recompute every hash after it, as someone with the key could."""
    _raw(ws, "UPDATE audit_events SET login = 'mallory' WHERE id = 2")
    with ws.transaction() as s:
        rows = s.scalars(audit.select(audit.AuditEvent).order_by(audit.AuditEvent.id)).all()
    prev, fixed = GENESIS, []
    for ev in rows:
        digest = event_digest(prev, ev.id, ev.at, ev.user_id, ev.login, ev.action, ev.entity,
                              ev.entity_id, ev.details)
        fixed.append(f"UPDATE audit_events SET prev_hash = '{prev}', hash = '{digest}'"
                     f" WHERE id = {ev.id}")
        prev = digest
    _raw(ws, *fixed)
    with ws.transaction() as s:
        assert audit.verify_chain(s).ok  # consistent in itself


def test_cut_tail_is_caught_by_the_anchor_file(ws: Workspace, vault: Vault) -> None:
    _some_events(ws)
    assert maintenance.verify(ws).ok  # writes the anchor
    assert (vault.data_dir / ANCHOR_NAME).exists()
    head = audit.chain_head(ws)
    _cut_tail_cleanly(ws, head.events - 3)
    report = maintenance.verify(ws)
    assert not report.ok
    assert report.first_problem is not None
    assert "does not extend the anchor in audit-anchor.json" in report.first_problem


def test_rewritten_chain_is_caught_by_a_backup_manifest(ws: Workspace, vault: Vault,
                                                        tmp_path: Path) -> None:
    _some_events(ws)
    maintenance.backup(ws, vault.backups_dir / "manual.fbak")
    (vault.data_dir / ANCHOR_NAME).unlink()  # the file is gone too: the backup still tells
    _rewrite_chain(ws)
    report = maintenance.verify(ws)
    assert report.first_problem is not None
    assert "does not extend the anchor in manual.fbak" in report.first_problem


def test_anchor_advances_at_sign_out_and_reports_status(clinic, vault: Vault, clock) -> None:
    ws = clinic[0]
    _some_events(ws)
    head = audit.chain_head(ws)
    auth.sign_out(ws)
    stored = json.loads((vault.data_dir / ANCHOR_NAME).read_text())
    assert stored["events"] == head.events + 1  # the logout event is anchored too
    from tests.conftest import PASSWORD

    again = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        report = maintenance.verify(again)
        assert report.ok, report.lines
        assert any(line.startswith("Anchors: 1 checked") and "all extended" in line
                   for line in report.lines)
    finally:
        again.close()


def test_forged_anchor_file_is_reported(ws: Workspace, vault: Vault) -> None:
    _some_events(ws)
    assert maintenance.verify(ws).ok
    path = vault.data_dir / ANCHOR_NAME
    data = json.loads(path.read_text())
    data["events"] = 2  # moved back so a cut tail would pass
    path.write_text(json.dumps(data))
    report = maintenance.verify(ws)
    assert report.first_problem == f"the seal of the anchor file {ANCHOR_NAME} does not match"


def test_an_anchor_the_chain_does_not_extend_is_kept_as_evidence(ws: Workspace,
                                                                 vault: Vault) -> None:
    _some_events(ws)
    assert maintenance.verify(ws).ok
    before = (vault.data_dir / ANCHOR_NAME).read_bytes()
    _cut_tail_cleanly(ws, 3)
    maintenance.verify(ws)
    maintenance.backup(ws, vault.backups_dir / "later.fbak")
    assert (vault.data_dir / ANCHOR_NAME).read_bytes() == before


def test_a_restore_of_an_older_backup_is_not_a_cut(clinic, vault: Vault, clock) -> None:
    from tests.conftest import PASSWORD
    from tests.services.test_backups import _damage

    ws = clinic[0]
    _some_events(ws, 2)
    older = maintenance.backup(ws, vault.backups_dir / "older.fbak").path
    clock.advance(hours=1)
    roster.add_participant(ws, draft("C-8", "Later One"))
    maintenance.backup(ws, vault.backups_dir / "newer.fbak")
    ws.close()
    _damage(vault)
    clock.advance(hours=1)
    maintenance.restore_damaged(vault, clock, older, "admin", PASSWORD)
    restored = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        report = maintenance.verify(restored)
        assert report.ok, report.lines
        assert any("between a restored backup and its restore" in line for line in report.lines)
    finally:
        restored.close()


def test_every_anchor_is_checked_not_only_the_newest(ws: Workspace, vault: Vault) -> None:
    _some_events(ws)
    maintenance.backup(ws, vault.backups_dir / "first.fbak")
    head = audit.chain_head(ws)
    _cut_tail_cleanly(ws, head.events - 2)  # the backup's own head is one before its event
    (vault.data_dir / ANCHOR_NAME).unlink()
    maintenance.advance_anchor(ws)  # a fresh, newer anchor of the cut chain
    report = maintenance.verify(ws)
    assert report.first_problem is not None and "first.fbak" in report.first_problem
