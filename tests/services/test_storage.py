"""Bad files, tampering, backups and a second instance: clear messages, nothing lost."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from facilitator.clock import FakeClock
from facilitator.services import auth, clinic_setup, maintenance, roster
from facilitator.services.errors import StorageProblem
from facilitator.services.workspace import Workspace
from facilitator.storage.errors import AlreadyOpen
from facilitator.storage.instance import InstanceLock
from facilitator.storage.vault import Vault
from tests.conftest import PASSWORD, make_setup
from tests.services.test_roster import draft


def test_database_file_is_encrypted(ws: Workspace, vault: Vault) -> None:
    roster.add_participant(ws, draft("C-1", "Wilhelmina Uniquename"))
    head = vault.db_path.read_bytes()[:16]
    assert head != b"SQLite format 3\x00"
    assert b"Wilhelmina" not in vault.db_path.read_bytes()


def test_wrong_key_fails_cleanly(ws: Workspace, vault: Vault) -> None:
    from facilitator.storage.engine import Database
    from facilitator.storage.errors import NotADatabase

    wrong = Database(vault.db_path, os.urandom(32))
    with pytest.raises(NotADatabase, match="damaged or is not a Facilitator database"):
        wrong.check_readable()
    wrong.close()


@pytest.mark.parametrize("damage", ["plain_sqlite", "truncated", "random"])
def test_bad_database_file_is_reported_and_left_untouched(
    clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock, damage: str
) -> None:
    clinic[0].close()
    db = vault.db_path
    if damage == "plain_sqlite":
        db.unlink()
        sqlite3.connect(db).execute("create table t(x)").connection.commit()
    elif damage == "truncated":
        db.write_bytes(db.read_bytes()[:10])
    else:
        db.write_bytes(os.urandom(8192))
    before = db.read_bytes()
    with pytest.raises(StorageProblem) as err:
        auth.sign_in(vault, clock, "admin", PASSWORD)
    assert "backup" in str(err.value) or "not" in str(err.value)
    assert db.read_bytes() == before


def test_corrupted_page_is_found_by_verify(ws: Workspace, vault: Vault) -> None:
    for i in range(50):
        roster.add_participant(ws, draft(f"C-{i}", f"Person {i}"))
    from facilitator.storage.engine import open_raw

    ws.db.engine.dispose()  # checkpoint the WAL so every page is in the main file
    raw = open_raw(vault.db_path, ws.db.raw_key())
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    data = bytearray(vault.db_path.read_bytes())
    data[4096 * 3 + 100] ^= 0xFF  # flip one byte inside page 4
    vault.db_path.write_bytes(bytes(data))
    report = maintenance.verify(ws)
    assert not report.ok
    assert report.first_problem


def test_tampered_audit_row_breaks_the_chain_at_that_row(ws: Workspace) -> None:
    for i in range(5):
        roster.add_participant(ws, draft(f"C-{i}", f"Person {i}"))
    with ws.db.engine.begin() as conn:
        target = conn.execute(text("SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 3")
                              ).scalar_one()
        # Only someone holding the key and dropping our trigger can even try this.
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.execute(text("UPDATE audit_events SET login = 'mallory' WHERE id = :i"), {"i": target})
    report = maintenance.verify(ws)
    assert not report.ok
    assert report.first_problem == f"audit chain broken at event {target}"


def test_backup_and_restore_round_trip(ws: Workspace, tmp_path: Path, clock: FakeClock,
                                       keyring_backend) -> None:
    roster.add_participant(ws, draft("C-9", "Backup Person"))
    info = maintenance.backup(ws, tmp_path / "out" / "clinic.fbak")
    assert info.path.exists() and b"Backup Person" not in info.path.read_bytes()
    roster.add_participant(ws, draft("C-10", "After Backup"))
    target = tmp_path / "restored"
    from facilitator.storage.device import KeyringSecrets
    from tests.conftest import FAST_KDF

    maintenance.restore(info.path, target, KeyringSecrets(keyring_backend), clock, "admin",
                        PASSWORD)

    restored = auth.sign_in(Vault(target, device=KeyringSecrets(keyring_backend), kdf=FAST_KDF),
                            clock, "admin", PASSWORD)
    try:
        names = [p.legal_name for p in roster.list_participants(restored)]
        assert names == ["Backup Person"]
        from facilitator.services import audit

        assert audit.list_events(restored)[1].action == "backup.restored"
        assert audit.list_events(restored)[1].details["proof"] == "password"
        assert maintenance.verify(restored).ok
    finally:
        restored.close()


def test_restore_refuses_non_empty_folder_and_damaged_backup(ws: Workspace, tmp_path: Path,
                                                             vault: Vault, clock: FakeClock
                                                             ) -> None:
    info = maintenance.backup(ws, tmp_path / "b.fbak")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "keep.txt").write_text("mine")
    with pytest.raises(StorageProblem, match="not empty"):
        maintenance.restore(info.path, occupied, vault.device, clock, "admin", PASSWORD)
    assert (occupied / "keep.txt").read_text() == "mine"
    damaged = tmp_path / "damaged.fbak"
    damaged.write_bytes(info.path.read_bytes()[:-5000])
    with pytest.raises(StorageProblem, match=r"damaged|not a Facilitator backup"):
        maintenance.restore(damaged, tmp_path / "new", vault.device, clock, "admin", PASSWORD)
    with pytest.raises(StorageProblem, match="No backup file"):
        maintenance.restore(tmp_path / "missing.fbak", tmp_path / "new2", vault.device, clock,
                            "admin", PASSWORD)


def test_second_instance_is_refused(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path / "facilitator.lock")
    first.acquire()
    with pytest.raises(AlreadyOpen, match="already open"):
        InstanceLock(tmp_path / "facilitator.lock").acquire()
    first.release()
    again = InstanceLock(tmp_path / "facilitator.lock")
    again.acquire()
    again.release()


@pytest.mark.parametrize(("err", "expected"), [
    (errno.ENOSPC, "disk is full"),
    (errno.EROFS, "cannot be written"),
    (errno.EACCES, "cannot be written"),
])
def test_unusable_data_dir_gets_a_clear_message(vault: Vault, clock: FakeClock,
                                               monkeypatch: pytest.MonkeyPatch, err: int,
                                               expected: str) -> None:
    """Tests run as root in CI, where permissions cannot make a folder read-only, so the OS
    refusal itself is injected at the file-system boundary (not into our storage code)."""
    def refuse(self: Path, data: bytes) -> int:
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    with pytest.raises(StorageProblem, match=expected):
        clinic_setup.create_clinic(vault, clock, make_setup())
    assert not vault.keys_path.exists()


@pytest.mark.parametrize(("driver_message", "expected"), [
    ("database or disk is full", "disk is full"),
    ("attempt to write a readonly database", "read-only"),
    ("file is not a database", "damaged"),
])
def test_driver_errors_become_safe_messages(driver_message: str, expected: str) -> None:
    from facilitator.storage.engine import translate

    assert expected in str(translate(Exception(driver_message)))


def _flip_a_byte(ws: Workspace, vault: Vault) -> None:
    from facilitator.storage.engine import open_raw

    for i in range(50):
        roster.add_participant(ws, draft(f"C-{i}", f"Person {i}"))
    ws.close()
    raw = open_raw(vault.db_path, ws.db.raw_key())
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file
    raw.close()
    data = bytearray(vault.db_path.read_bytes())
    data[4096 * 3 + 100] ^= 0xFF  # one byte inside page 4
    vault.db_path.write_bytes(bytes(data))


def test_verify_writes_nothing_into_a_damaged_file(clinic, vault: Vault, clock: FakeClock
                                                   ) -> None:
    from facilitator.services.errors import DatabaseDamaged

    _flip_a_byte(clinic[0], vault)
    files = {p.name: p.read_bytes() for p in vault.data_dir.glob("facilitator.db*")}
    with pytest.raises(DatabaseDamaged) as err:
        auth.sign_in(vault, clock, "admin", PASSWORD, check_first=True)
    assert err.value.problems and "encryption check" in err.value.problems[0]
    assert {p.name: p.read_bytes() for p in vault.data_dir.glob("facilitator.db*")} == files
    assert not list(vault.backups_dir.glob("*.fbak"))  # no pre-upgrade backup either


@pytest.mark.parametrize("change", [
    "DROP TRIGGER audit_events_no_delete",
    "DROP TRIGGER topic_versions_no_update",
    # Same name, no longer guarding anything that matters.
    "DROP TRIGGER audit_events_no_update; CREATE TRIGGER audit_events_no_update BEFORE UPDATE"
    " OF hash ON audit_events WHEN 0 BEGIN SELECT RAISE(ABORT, 'x'); END",
])
def test_verify_reports_a_dropped_or_altered_guard(ws: Workspace, change: str) -> None:
    raw = ws.db.engine.raw_connection()
    try:
        raw.executescript(change)
    finally:
        raw.close()
    report = maintenance.verify(ws)
    assert not report.ok
    name = change.split()[2].rstrip(";")
    assert any(name in line and ("missing" in line or "altered" in line)
               for line in report.lines)


def test_durability_and_memory_pragmas(ws: Workspace) -> None:
    with ws.db.engine.connect() as conn:
        values = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("fullfsync", "checkpoint_fullfsync", "temp_store", "synchronous")}
    assert values == {"fullfsync": 1, "checkpoint_fullfsync": 1, "temp_store": 2,
                      "synchronous": 2}


def test_every_instance_locks_the_same_byte(tmp_path: Path) -> None:
    from facilitator.storage.instance import open_lock_file

    lock = tmp_path / "facilitator.lock"
    lock.write_text("123456")  # the first instance's PID
    fh = open_lock_file(lock)
    try:
        assert fh.tell() == 0  # msvcrt.locking locks from here: byte 0 for every instance
    finally:
        fh.close()
