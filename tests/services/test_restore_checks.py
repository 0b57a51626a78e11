"""Restore's own checks, each with its whole sentence (issue 14, `make mutation` module
"restore"): a backup whose parts disagree, the proof of who restores, a folder that is not a
new one, and where the current files are set aside. One clinic and one backup for the module,
as in test_backup_manifest.py: these checks never change either."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from facilitator.clock import FakeClock
from facilitator.services import clinic_setup
from facilitator.services.workspace import Workspace
from facilitator.storage import backup, restore
from facilitator.storage.device import NoDeviceSecrets
from facilitator.storage.engine import is_open
from facilitator.storage.errors import BackupError, DataDirProblem, WrongPassword
from facilitator.storage.vault import DB_NAME, KEYS_NAME, Vault
from tests.conftest import FAST_KDF, PASSWORD, make_setup

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
NOT_RESTORED = ("^Neither a password of that backup nor its recovery key: the backup was not"
                r" restored\.$")


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, Workspace, str]]:
    vault = Vault(tmp_path_factory.mktemp("clinic") / "data", device=NoDeviceSecrets(),
                  kdf=FAST_KDF)
    ws, recovery = clinic_setup.create_clinic(vault, FakeClock(NOW), make_setup())
    yield vault, ws, recovery
    ws.close()


@pytest.fixture(scope="module")
def good(clinic: tuple[Vault, Workspace, str], tmp_path_factory: pytest.TempPathFactory
         ) -> Path:
    target = tmp_path_factory.mktemp("out") / "good.fbak"
    return backup.write_backup(clinic[0], clinic[1].db, target, NOW, None).path


def _with_manifest(good: Path, target: Path, **changes: object) -> Path:
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "manifest.json":
                data = json.dumps(dict(json.loads(data), **changes)).encode()
            zout.writestr(name, data)
    return target


def test_what_a_staged_backup_says_about_itself(tmp_path: Path) -> None:
    assert restore.Staged(tmp_path, {"mac": "x"}, "id").sealed
    assert not restore.Staged(tmp_path, {}, "id").sealed
    assert restore.Staged(tmp_path, {"created_at": NOW.isoformat()}, "id").created_at == NOW
    assert restore.Staged(tmp_path, {"created_at": "last week"}, "id").created_at is None
    assert restore.Staged(tmp_path, {}, "id").created_at is None


def test_a_manifest_and_key_file_of_different_clinics_are_refused(good: Path, tmp_path: Path
                                                                  ) -> None:
    mixed = _with_manifest(good, tmp_path / "mixed.fbak", db_id="another-clinic")
    with pytest.raises(BackupError, match=r"^mixed.fbak is damaged: its key file is from another"
                                          r" clinic\.$"), \
            restore.staged_backup(mixed, tmp_path / "near"):
        pass
    assert list((tmp_path / "near").iterdir()) == []


@pytest.mark.parametrize("files", [["facilitator.db"], {"facilitator.db": "x", "run-me.sh": "y"}])
def test_a_file_list_that_is_not_ours_is_refused(good: Path, tmp_path: Path, files: object
                                                 ) -> None:
    odd = _with_manifest(good, tmp_path / "odd.fbak", files=files)
    with pytest.raises(BackupError, match=r"^odd.fbak is not a Facilitator backup\.$"), \
            restore.staged_backup(odd, tmp_path / "near"):
        pass


def test_extra_files_in_a_sealed_backup_are_named(good: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.fbak"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(extra, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, zin.read(name))
        zout.writestr("notes.txt", b"hello")
    with pytest.raises(BackupError, match=r"^extra.fbak holds files its manifest does not list"
                                          r"\.$"), \
            restore.staged_backup(extra, tmp_path / "near"):
        pass


def test_a_backup_stages_into_a_folder_whose_parents_do_not_exist_yet(good: Path,
                                                                      tmp_path: Path) -> None:
    # A new laptop's data folder often lives under folders nobody has made yet.
    near = tmp_path / "home" / "clinic" / ".local" / "share"
    with restore.staged_backup(good, near) as staged:
        assert sorted(p.name for p in staged.folder.iterdir()) == [DB_NAME, KEYS_NAME]
        assert staged.folder.parent == near
    assert list(near.iterdir()) == []


def test_a_staging_folder_that_cannot_be_made_is_a_clear_problem(good: Path, tmp_path: Path
                                                                 ) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(DataDirProblem, match=r"^The backup could not be restored: .+\.$"), \
            restore.staged_backup(good, blocker / "near"):
        pass


def test_the_proof_is_a_password_of_the_backup_or_its_recovery_key(
        clinic: tuple[Vault, Workspace, str], good: Path, tmp_path: Path) -> None:
    vault, _ws, recovery = clinic
    with restore.staged_backup(good, tmp_path / "near") as staged:
        db, proof = restore.open_staged(staged, vault.device, "admin", PASSWORD, NOW)
        db.close()
        assert proof == "password"
        # A recovery key typed in lower case, with or without dashes, and no login.
        for login, secret in (("", recovery.lower()), ("  ", recovery.replace("-", "")),
                              ("admin", recovery)):
            db, proof = restore.open_staged(staged, vault.device, login, secret, NOW)
            db.close()
            assert proof == "recovery key"
        for login, secret in (("", PASSWORD), ("admin", "not the password"),
                              ("admin", recovery[:-1]), ("", "")):
            with pytest.raises(WrongPassword, match=NOT_RESTORED):
                restore.open_staged(staged, vault.device, login, secret, NOW)


def test_an_altered_manifest_is_refused_and_its_database_closed(
        clinic: tuple[Vault, Workspace, str], good: Path, tmp_path: Path) -> None:
    altered = _with_manifest(good, tmp_path / "altered.fbak", revision="rev-99")
    with restore.staged_backup(altered, tmp_path / "near") as staged:
        with pytest.raises(BackupError, match=r"^The backup's manifest does not match its key: it"
                                              r" was altered\.$"):
            restore.open_staged(staged, clinic[0].device, "admin", PASSWORD, NOW)
        assert not is_open(staged.folder / DB_NAME)
    # An older backup without a seal has nothing to compare: it opens.
    with zipfile.ZipFile(good) as zin:
        unsealed = json.loads(zin.read("manifest.json"))
    del unsealed["mac"]
    older = tmp_path / "older.fbak"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(older, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, json.dumps(unsealed) if name == "manifest.json"
                          else zin.read(name))
    with restore.staged_backup(older, tmp_path / "near") as staged:
        assert not staged.sealed
        db, _proof = restore.open_staged(staged, clinic[0].device, "admin", PASSWORD, NOW)
        db.close()


def test_a_new_folder_must_be_new(clinic: tuple[Vault, Workspace, str], tmp_path: Path) -> None:
    restore.check_new_folder(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    restore.check_new_folder(tmp_path / "empty")
    (tmp_path / "file").write_text("x")
    with pytest.raises(BackupError, match=f"^{re.escape(str(tmp_path / 'file'))} is a file, not"
                                          r" a folder\. Restore into a new folder\.$"):
        restore.check_new_folder(tmp_path / "file")
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    with pytest.raises(BackupError, match=f"^{re.escape(str(tmp_path / 'used'))} is not empty\\."
                                          " Restore into a new folder; existing data is never"
                                          r" replaced\.$"):
        restore.check_new_folder(tmp_path / "used")
    live = clinic[0].data_dir
    with pytest.raises(BackupError, match=f"^{re.escape(str(live))} is the data folder this"
                                          " window has open. Sign out first, or restore into a"
                                          r" new folder\.$"):
        restore.check_new_folder(live)


def test_set_aside_names_a_fresh_folder_only_when_there_is_something(tmp_path: Path) -> None:
    at = datetime(2026, 3, 2, 9, 5, 7, tzinfo=UTC)
    assert restore.set_aside_path(tmp_path, at) is None
    (tmp_path / "backups").mkdir()  # not a database file: nothing to set aside
    assert restore.set_aside_path(tmp_path, at) is None
    (tmp_path / KEYS_NAME).write_text("{}")
    first = restore.set_aside_path(tmp_path, at)
    assert first == tmp_path / "set-aside-20260302T090507Z"
    first.mkdir()
    second = restore.set_aside_path(tmp_path, at)
    assert second == tmp_path / "set-aside-20260302T090507Z-2"
    second.mkdir()
    assert restore.set_aside_path(tmp_path, at) == tmp_path / "set-aside-20260302T090507Z-3"


def test_placing_moves_only_the_database_files(clinic: tuple[Vault, Workspace, str], good: Path,
                                               tmp_path: Path) -> None:
    with restore.staged_backup(good, tmp_path / "near") as staged:
        (staged.folder / "stray.txt").write_text("not part of a data folder")
        restore.place_in_new_folder(staged, tmp_path / "new")
        assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [DB_NAME, KEYS_NAME]
        assert (staged.folder / "stray.txt").exists()
    target = tmp_path / "current"
    target.mkdir()
    (target / DB_NAME).write_bytes(b"damaged")
    (target / "lockout.json").write_text("[]")  # back-off state stays where it is
    aside = restore.set_aside_path(target, NOW)
    with restore.staged_backup(good, tmp_path / "near") as staged:
        restore.place_setting_aside(staged, target, aside)
    assert aside is not None and sorted(p.name for p in aside.iterdir()) == [DB_NAME]
    assert (aside / DB_NAME).read_bytes() == b"damaged"
    assert sorted(p.name for p in target.iterdir() if p.is_file()) == [
        DB_NAME, KEYS_NAME, "lockout.json"]
