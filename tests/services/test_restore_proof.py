"""Restore proves who you are: a password of the backup's own key file or its recovery key;
the manifest covers every file and is sealed; a damaged key file is refused before anything
moves; the restore is in the restored database's own audit log; a different clinic or an older
backup is warned about."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from facilitator.clock import FakeClock
from facilitator.services import audit, auth, clinic_setup, maintenance, users
from facilitator.services.errors import AuthError, StorageProblem
from facilitator.services.workspace import Workspace
from facilitator.storage.backup import sha256_file
from facilitator.storage.vault import Vault
from tests.conftest import PASSWORD, make_setup
from tests.services.test_backups import _damage


def _rezip(source: Path, target: Path, *, manifest: dict | None = None,
           files: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        contents = {name: zin.read(name) for name in zin.namelist()}
        contents.update(files or {})
        if manifest is not None:
            contents["manifest.json"] = json.dumps(manifest).encode()
        for name, data in contents.items():
            zout.writestr(name, data)
    return target


def _manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


@pytest.fixture
def backed_up(clinic: tuple[Workspace, str], vault: Vault, tmp_path: Path) -> Path:
    ws = clinic[0]
    users.add_user(ws, users.UserDraft("later", "Added Later", "", "therapist"),
                   "a later password")
    info = maintenance.backup(ws, tmp_path / "usb" / "b.fbak")
    return info.path


def _folder(path: Path) -> list[tuple[str, bytes]]:
    return sorted((p.name, p.read_bytes()) for p in path.iterdir() if p.is_file())


def test_wrong_proof_is_refused_and_moves_nothing(clinic, vault: Vault, clock: FakeClock,
                                                  backed_up: Path, tmp_path: Path) -> None:
    clinic[0].close()
    _damage(vault)
    before = _folder(vault.data_dir)
    for login, secret in (("admin", "not the password"), ("", "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-F"),
                          ("", "")):
        with pytest.raises(AuthError, match="not restored"):
            maintenance.restore_damaged(vault, clock, backed_up, login, secret)
    assert _folder(vault.data_dir) == before
    assert not any(p.name.startswith("set-aside-") for p in vault.data_dir.iterdir())
    with pytest.raises(AuthError):
        maintenance.restore(backed_up, tmp_path / "new", vault.device, clock, "admin", "nope")
    assert not (tmp_path / "new").exists()


def test_only_the_backups_own_slots_count(clinic, vault: Vault, clock: FakeClock,
                                          backed_up: Path, tmp_path: Path) -> None:
    ws = clinic[0]
    # Added after the backup: a password of the live folder, not of the backup.
    users.add_user(ws, users.UserDraft("newer", "Added After", "", "therapist"),
                   "newer password 1")
    with pytest.raises(AuthError):
        maintenance.restore(backed_up, tmp_path / "new", vault.device, clock, "newer",
                            "newer password 1")
    maintenance.restore(backed_up, tmp_path / "new", vault.device, clock, "later",
                        "a later password")


def test_recovery_key_restores_and_the_event_is_in_the_restored_log(
        clinic, vault: Vault, clock: FakeClock, backed_up: Path) -> None:
    ws, recovery = clinic
    ws.close()
    _damage(vault)
    clock.advance(minutes=3)
    outcome = maintenance.restore_damaged(vault, clock, backed_up, "", recovery.lower())
    assert outcome.set_aside is not None
    # No plaintext marker: only the database and its key file were placed (the key file's
    # lock, empty, stays from before like the folder itself).
    assert {p.name for p in vault.data_dir.iterdir() if p.is_file()} - {"keys.lock"} == {
        "facilitator.db", "keys.json"}
    assert (vault.data_dir / "keys.lock").read_bytes() == b""
    restored = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        event = audit.list_events(restored, action_prefix="backup.restored")[0]
        assert event.details["proof"] == "recovery key"
        assert event.details["set_aside"] == outcome.set_aside.name
        assert maintenance.verify(restored).ok
    finally:
        restored.close()


def test_damaged_key_file_is_refused_before_anything_moves(clinic, vault: Vault,
                                                           clock: FakeClock, backed_up: Path,
                                                           tmp_path: Path) -> None:
    clinic[0].close()
    _damage(vault)
    before = _folder(vault.data_dir)
    broken_keys = b'{"format": "facilitator.keyslots/1", "db_id": "x", "slots": [{"nam'
    manifest = _manifest(backed_up)
    manifest["files"]["keys.json"] = __import__("hashlib").sha256(broken_keys).hexdigest()
    bad = _rezip(backed_up, tmp_path / "bad-keys.fbak", manifest=manifest,
                 files={"keys.json": broken_keys})
    with pytest.raises(StorageProblem,
                       match=r"^bad-keys\.fbak is damaged: its key file is not valid\.$"):
        maintenance.restore_damaged(vault, clock, bad, "admin", PASSWORD)
    assert _folder(vault.data_dir) == before


def test_altered_manifest_and_extra_files_are_refused(clinic, vault: Vault, clock: FakeClock,
                                                      backed_up: Path, tmp_path: Path) -> None:
    manifest = _manifest(backed_up)
    manifest["created_at"] = "2030-01-01T00:00:00+00:00"  # pretend to be the newest backup
    altered = _rezip(backed_up, tmp_path / "altered.fbak", manifest=manifest)
    with pytest.raises(StorageProblem, match="altered"):
        maintenance.restore(altered, tmp_path / "a", vault.device, clock, "admin", PASSWORD)
    extra = _rezip(backed_up, tmp_path / "extra.fbak", files={"run-me.sh": b"echo hi"})
    with pytest.raises(StorageProblem, match="does not list"):
        maintenance.restore(extra, tmp_path / "b", vault.device, clock, "admin", PASSWORD)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert sha256_file(backed_up)  # the original is untouched and still readable


def test_warnings_for_another_clinic_and_an_older_backup(clinic, vault: Vault, clock,
                                                         backed_up: Path, tmp_path: Path,
                                                         keyring_backend) -> None:
    ws = clinic[0]
    assert maintenance.backup_warnings(vault, backed_up) == []
    clock.advance(days=1)
    maintenance.backup(ws, backed_up.parent / "newer.fbak")
    warnings = maintenance.backup_warnings(vault, backed_up)
    assert len(warnings) == 1 and "newer backup exists" in warnings[0]

    from facilitator.storage.device import KeyringSecrets
    from tests.conftest import FAST_KDF

    other_vault = Vault(tmp_path / "other", device=KeyringSecrets(keyring_backend),
                        kdf=FAST_KDF)
    other, _ = clinic_setup.create_clinic(other_vault, clock, make_setup())
    try:
        theirs = maintenance.backup(other, tmp_path / "theirs" / "t.fbak").path
    finally:
        other.close()
    assert any("different clinic" in w for w in maintenance.backup_warnings(vault, theirs))


def test_a_backup_made_before_sealed_manifests_still_restores(clinic, vault: Vault, clock,
                                                              backed_up: Path,
                                                              tmp_path: Path) -> None:
    manifest = _manifest(backed_up)
    old = {k: manifest[k] for k in ("created_at", "revision", "sha256")}
    old["format"] = "facilitator.backup/1"
    older = _rezip(backed_up, tmp_path / "older.fbak", manifest=old)
    with pytest.raises(AuthError):
        maintenance.restore(older, tmp_path / "x", vault.device, clock, "admin", "wrong one")
    maintenance.restore(older, tmp_path / "new", vault.device, clock, "admin", PASSWORD)
    assert (tmp_path / "new" / "facilitator.db").exists()
