"""Backups on real encrypted databases: listing, pruning, the automatic backup at sign-out and
restoring over a damaged data folder (files set aside, never deleted)."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from facilitator.clock import FakeClock
from facilitator.services import audit, auth, maintenance, roster
from facilitator.services.errors import (
    DatabaseDamaged,
    PermissionDenied,
    StorageProblem,
    ValidationError,
)
from facilitator.services.roster import ParticipantDraft
from facilitator.services.users import UserDraft, add_user
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from tests.conftest import PASSWORD


def _person(chart: str, name: str) -> ParticipantDraft:
    return ParticipantDraft(chart, name, date(2026, 2, 1))


def _actions(ws: Workspace, prefix: str) -> list[tuple[str, dict[str, object]]]:
    return [(e.action, e.details) for e in audit.list_events(ws, action_prefix=prefix)]


def _damage(vault: Vault) -> bytes:
    """Flip bytes of the first page (after the salt) so its authentication fails."""
    data = bytearray(vault.db_path.read_bytes())
    for i in range(200, 260):
        data[i] ^= 0xFF
    vault.db_path.write_bytes(bytes(data))
    return bytes(data)


def test_settings_default_update_validate_and_audit(ws: Workspace, vault: Vault,
                                                    tmp_path: Path) -> None:
    settings = maintenance.backup_settings(ws)
    assert settings.folder == vault.backups_dir and settings.is_default_folder
    assert settings.keep == 14 and settings.automatic and settings.last_automatic_at is None

    with pytest.raises(ValidationError) as err:
        maintenance.update_backup_settings(ws, folder="relative/dir", keep=0, automatic=True)
    assert set(err.value.fields) == {"folder", "keep"}

    drive = tmp_path / "usb"
    changed = maintenance.update_backup_settings(ws, folder=f"  {drive} ", keep=3,
                                                 automatic=False)
    assert changed.folder == drive and not changed.is_default_folder
    assert (changed.keep, changed.automatic) == (3, False)
    assert maintenance.backup_settings(ws) == changed
    assert _actions(ws, "backup.settings")[0][1] == {"folder": str(drive), "keep": 3,
                                                     "automatic": False}
    back = maintenance.update_backup_settings(ws, folder="", keep=3, automatic=True)
    assert back.is_default_folder and back.folder == vault.backups_dir


def test_therapist_cannot_change_settings_or_back_up(ws: Workspace, vault: Vault,
                                                     clock: FakeClock, tmp_path: Path) -> None:
    add_user(ws, UserDraft("dana", "Dana", "LPC", "therapist"), "dana's long password")
    dana = auth.sign_in(vault, clock, "dana", "dana's long password")
    try:
        with pytest.raises(PermissionDenied):
            maintenance.update_backup_settings(dana, folder="", keep=5, automatic=True)
        with pytest.raises(PermissionDenied):
            maintenance.backup(dana, tmp_path / "x.fbak")
        with pytest.raises(PermissionDenied):
            maintenance.list_backups(dana)
    finally:
        dana.close()


def test_list_shows_manual_automatic_and_upgrade_backups_newest_first(
        ws: Workspace, vault: Vault, clock: FakeClock, tmp_path: Path) -> None:
    drive = tmp_path / "usb"
    maintenance.update_backup_settings(ws, folder=str(drive), keep=14, automatic=True)
    upgrade = maintenance.backup(ws, vault.backups_dir / "before-upgrade-20260101-000000.fbak")
    clock.advance(hours=1)
    auto = maintenance.auto_backup_if_due(ws)
    assert auto is not None and auto.path.parent == drive
    clock.advance(hours=1)
    manual = maintenance.backup(ws, drive / maintenance.default_backup_name(ws))
    assert manual.path.name == "facilitator-backup-2026-03-02.fbak"
    (drive / "broken.fbak").write_bytes(b"not a zip")

    found = maintenance.list_backups(ws)
    by_name = {b.path.name: b for b in found}
    assert [b.path for b in found[:3]] == [manual.path, auto.path, upgrade.path]
    assert by_name[manual.path.name].kind == "manual"
    assert by_name[auto.path.name].kind == "automatic"
    assert by_name[upgrade.path.name].kind == "before upgrade"
    assert by_name[manual.path.name].size_bytes == manual.size_bytes
    assert by_name[manual.path.name].created_at == clock.now()
    assert not by_name["broken.fbak"].readable and found[-1].path.name == "broken.fbak"


def test_automatic_backup_at_most_once_a_clinic_day(ws: Workspace, vault: Vault,
                                                    clock: FakeClock) -> None:
    # 15:00 UTC = 09:00 in Chicago on Monday.
    first = maintenance.auto_backup_if_due(ws)
    assert first is not None and first.path.parent == vault.backups_dir
    assert first.path.name == "auto-20260302-150000.fbak"
    clock.advance(hours=14)  # 23:00 in Chicago: still Monday there
    assert maintenance.auto_backup_if_due(ws) is None
    clock.advance(hours=2)  # 01:00 on Tuesday
    second = maintenance.auto_backup_if_due(ws)
    assert second is not None and second.path != first.path
    assert maintenance.backup_settings(ws).last_automatic_at == clock.now()
    created = [d for a, d in _actions(ws, "backup.created")]
    assert [d["kind"] for d in created] == ["automatic", "automatic"]

    maintenance.update_backup_settings(ws, folder="", keep=14, automatic=False)
    clock.advance(days=2)
    assert maintenance.auto_backup_if_due(ws) is None


def test_pruning_keeps_manual_backups_and_the_newest_automatic_ones(
        ws: Workspace, clock: FakeClock, tmp_path: Path) -> None:
    drive = tmp_path / "usb"
    maintenance.update_backup_settings(ws, folder=str(drive), keep=3, automatic=True)
    manual = maintenance.backup(ws, drive / "facilitator-backup-2026-03-01.fbak")
    upgrade = maintenance.backup(ws, drive / "before-upgrade-20260101-000000.fbak")
    taken = []
    for _ in range(6):
        info = maintenance.auto_backup_if_due(ws)
        assert info is not None
        taken.append(info.path)
        clock.advance(days=1)
    left = sorted(p.name for p in drive.iterdir())
    assert left == sorted([manual.path.name, upgrade.path.name, *(p.name for p in taken[-3:])])
    assert _actions(ws, "backup.created")[0][1]["pruned"] == 1


def test_failed_automatic_backup_is_audited_and_reported(ws: Workspace,
                                                          tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    maintenance.update_backup_settings(ws, folder=str(blocker), keep=3, automatic=True)
    with pytest.raises(StorageProblem, match="could not be written"):
        maintenance.auto_backup_if_due(ws)
    assert _actions(ws, "backup.failed")[0][1]["kind"] == "automatic"
    assert maintenance.backup_settings(ws).last_automatic_at is None


def test_damaged_database_is_set_aside_and_the_backup_restored(
        clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock, tmp_path: Path) -> None:
    ws = clinic[0]
    roster.add_participant(ws, _person("C-1", "Before Backup"))
    info = maintenance.backup(ws, tmp_path / "elsewhere" / "good.fbak")
    roster.add_participant(ws, _person("C-2", "After Backup"))
    keys_before = vault.keys_path.read_bytes()
    ws.close()
    damaged = _damage(vault)

    with pytest.raises(DatabaseDamaged, match="restore it from a backup"):
        auth.sign_in(vault, clock, "admin", PASSWORD)
    clock.advance(minutes=5)
    outcome = maintenance.restore_damaged(vault, clock, info.path, "admin", PASSWORD)

    assert outcome.backup_created_at == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    aside = outcome.set_aside
    assert aside is not None and aside.parent == vault.data_dir
    assert aside.name == "set-aside-20260302T150500Z"
    assert (aside / "facilitator.db").read_bytes() == damaged  # moved, not deleted
    assert (aside / "keys.json").read_bytes() == keys_before
    restored = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        assert [p.legal_name for p in roster.list_participants(restored)] == ["Before Backup"]
        _action, details = _actions(restored, "backup.restored")[0]
        assert details == {"backup_created_at": "2026-03-02T15:00:00+00:00",
                           "set_aside": aside.name, "proof": "password"}
        assert maintenance.verify(restored).ok
    finally:
        restored.close()


def test_missing_database_can_be_restored_too(clinic: tuple[Workspace, str], vault: Vault,
                                              clock: FakeClock, tmp_path: Path) -> None:
    info = maintenance.backup(clinic[0], tmp_path / "good.fbak")
    clinic[0].close()
    vault.db_path.unlink()
    with pytest.raises(DatabaseDamaged, match="missing"):
        auth.sign_in(vault, clock, "admin", PASSWORD)
    outcome = maintenance.restore_damaged(vault, clock, info.path, "admin", PASSWORD)
    assert outcome.set_aside is not None and (outcome.set_aside / "keys.json").exists()
    auth.sign_in(vault, clock, "admin", PASSWORD).close()


def _tampered(source: Path, target: Path) -> Path:
    """A copy of ``source`` whose database bytes no longer match the manifest's checksum."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "facilitator.db":
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            zout.writestr(name, data)
    return target


def test_bad_backup_moves_nothing(clinic: tuple[Workspace, str], vault: Vault,
                                  clock: FakeClock, tmp_path: Path) -> None:
    info = maintenance.backup(clinic[0], tmp_path / "good.fbak")
    clinic[0].close()
    damaged = _damage(vault)
    before = sorted(p.name for p in vault.data_dir.iterdir())
    bad = _tampered(info.path, tmp_path / "tampered.fbak")
    with pytest.raises(StorageProblem, match="checksum does not match"):
        maintenance.restore_damaged(vault, clock, bad, "admin", PASSWORD)
    not_zip = tmp_path / "notes.fbak"
    not_zip.write_bytes(b"hello")
    with pytest.raises(StorageProblem, match="not a Facilitator backup"):
        maintenance.restore_damaged(vault, clock, not_zip, "admin", PASSWORD)
    assert sorted(p.name for p in vault.data_dir.iterdir()) == before
    assert vault.db_path.read_bytes() == damaged
    assert json.loads(vault.keys_path.read_text())  # still the original key slots


def test_restore_refuses_the_folder_this_process_has_open(ws: Workspace, vault: Vault,
                                                          clock: FakeClock,
                                                          tmp_path: Path) -> None:
    info = maintenance.backup(ws, tmp_path / "good.fbak")
    with pytest.raises(StorageProblem, match="this window has open"):
        maintenance.restore_damaged(vault, clock, info.path, "admin", PASSWORD)
    with pytest.raises(StorageProblem, match="this window has open"):
        maintenance.restore(info.path, vault.data_dir, vault.device, clock, "admin", PASSWORD)
    assert not any(p.name.startswith("set-aside-") for p in vault.data_dir.iterdir())
    assert maintenance.verify(ws).ok
