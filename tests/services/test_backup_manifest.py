"""The backup file's manifest and its checks, on a real encrypted database (issue 14): what a
backup holds, that damage is caught before anything is restored, and which files a backup may
never replace."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from facilitator.clock import FakeClock
from facilitator.models.audit import CHAIN_FORMAT
from facilitator.services import audit, auth
from facilitator.services.workspace import Workspace
from facilitator.storage import backup, restore
from facilitator.storage.device import NoDeviceSecrets
from facilitator.storage.errors import BackupError, DataDirProblem
from facilitator.storage.vault import Vault
from tests.conftest import FAST_KDF, make_setup

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _rezip(source: Path, target: Path, *, drop: str = "", replace: dict[str, bytes] | None = None
           ) -> Path:
    """A copy of ``source`` without the entry ``drop`` and with some entries replaced."""
    replace = replace or {}
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for name in zin.namelist():
            if name != drop:
                zout.writestr(name, replace.get(name, zin.read(name)))
    return target


def _read(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def _stage(source: Path, near: Path) -> None:
    """Unpack and check ``source`` the way every restore starts."""
    with restore.staged_backup(source, near):
        pass


def _manifest(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, Workspace]]:
    """One clinic for the whole module: backing up never changes it, and creating one per test
    made this file the slowest part of every mutant's run."""
    vault = Vault(tmp_path_factory.mktemp("clinic") / "data", device=NoDeviceSecrets(),
                  kdf=FAST_KDF)
    ws, _recovery = auth.create_clinic(vault, FakeClock(NOW), make_setup())
    yield vault, ws
    ws.close()


@pytest.fixture
def vault(clinic: tuple[Vault, Workspace]) -> Vault:
    return clinic[0]


@pytest.fixture
def ws(clinic: tuple[Vault, Workspace]) -> Workspace:
    return clinic[1]


@pytest.fixture(scope="module")
def good(clinic: tuple[Vault, Workspace], tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("out") / "good.fbak"
    return backup.write_backup(clinic[0], clinic[1].db, target, NOW, "rev-7").path


def test_backup_holds_manifest_keys_and_a_checksummed_copy(ws: Workspace, vault: Vault,
                                                           tmp_path: Path) -> None:
    target = tmp_path / "new" / "folder" / "b.fbak"
    info = backup.write_backup(vault, ws.db, target, NOW, "rev-7")
    assert info == backup.BackupInfo(target, NOW, "rev-7", target.stat().st_size)
    with zipfile.ZipFile(target) as zf:
        assert sorted(zf.namelist()) == ["facilitator.db", "keys.json", "manifest.json"]
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_STORED}
        copy = zf.read("facilitator.db")
        assert zf.read("keys.json") == vault.keys_path.read_bytes()
    head = audit.chain_head(ws)
    expected: dict[str, object] = {
        "format": "facilitator.backup/2",
        "created_at": "2026-03-02T15:00:00+00:00",
        "revision": "rev-7",
        "sha256": hashlib.sha256(copy).hexdigest(),
        # Every file of the archive, so none can be swapped unnoticed.
        "files": {"facilitator.db": hashlib.sha256(copy).hexdigest(),
                  "keys.json": hashlib.sha256(vault.keys_path.read_bytes()).hexdigest()},
        "db_id": vault.db_id(),
        "audit_events": head.events,
        "audit_head": head.head_hash,
        "audit_format": CHAIN_FORMAT,
    }
    # Sealed with the clinic's data key: only its holder can write a manifest that passes.
    expected["mac"] = backup.manifest_mac(expected, ws.db.raw_key(), vault.db_id())
    assert _manifest(target) == expected
    assert head.events > 0 and re.fullmatch(r"[0-9a-f]{64}", head.head_hash)
    assert backup.read_manifest(target) == _manifest(target)
    assert copy[:16] != b"SQLite format 3\x00"  # still encrypted
    assert [p.name for p in target.parent.iterdir()] == ["b.fbak"]  # no temporary left


def test_restore_checks_the_checksums_then_unpacks(good: Path, vault: Vault, tmp_path: Path
                                                   ) -> None:
    near = tmp_path / "restored"
    with restore.staged_backup(good, near) as staged:
        assert staged.manifest == _manifest(good)
        assert staged.sealed and staged.db_id == vault.db_id()
        assert staged.created_at == NOW
        assert staged.folder.parent == near
        with zipfile.ZipFile(good) as zf:
            for name in ("facilitator.db", "keys.json"):
                assert (staged.folder / name).read_bytes() == zf.read(name)
    assert list(near.iterdir()) == []  # the staging folder is removed afterwards


def test_backup_replaces_an_older_file_of_the_same_name(ws: Workspace, vault: Vault,
                                                       tmp_path: Path) -> None:
    target = tmp_path / "same.fbak"
    backup.write_backup(vault, ws.db, target, NOW, "rev-7")
    backup.write_backup(vault, ws.db, target, NOW.replace(hour=16), None)
    assert _manifest(target)["created_at"] == "2026-03-02T16:00:00+00:00"
    assert _manifest(target)["revision"] is None


@pytest.mark.parametrize("name", ["facilitator.db", "facilitator.db-wal", "facilitator.db-shm",
                                  "facilitator.db-journal", "keys.json",
                                  "audit-anchor.json"])
def test_backup_never_replaces_a_file_of_the_data_folder(ws: Workspace, vault: Vault,
                                                         name: str) -> None:
    target = vault.data_dir / name
    before = target.read_bytes() if target.exists() else None
    message = (f"^{re.escape(name)} is a file of the data folder itself; choose another name or"
               r" folder for the backup\.$")
    with pytest.raises(BackupError, match=message):
        backup.write_backup(vault, ws.db, target, NOW, None)
    assert (target.read_bytes() if target.exists() else None) == before


def test_unwritable_target_is_a_clear_problem(ws: Workspace, vault: Vault, tmp_path: Path
                                              ) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(DataDirProblem, match=r"^The backup could not be written: "):
        backup.write_backup(vault, ws.db, blocker / "b.fbak", NOW, None)


def test_tampered_copy_is_refused_before_anything_is_written(good: Path, tmp_path: Path
                                                             ) -> None:
    with zipfile.ZipFile(good) as zf:
        data = zf.read("facilitator.db")
    bad = _rezip(good, tmp_path / "bad.fbak",
                 replace={"facilitator.db": data[:-1] + bytes([data[-1] ^ 1])})
    with pytest.raises(BackupError, match=r"^bad.fbak is damaged: its checksum does not match\.$"):
        _stage(bad, tmp_path / "target")
    assert list((tmp_path / "target").iterdir()) == []
    # The key file is covered too: a swapped one would open with someone else's password.
    keys = json.loads(_read(good, "keys.json"))
    keys["slots"] = keys["slots"][::-1]
    swapped = _rezip(good, tmp_path / "keys.fbak",
                     replace={"keys.json": json.dumps(keys).encode()})
    with pytest.raises(BackupError, match=r"^keys.fbak is damaged: its checksum does not"):
        _stage(swapped, tmp_path / "target")
    # Made to look like an older, unsealed backup without its checksum: still refused.
    no_sum = dict(_manifest(good), format="facilitator.backup/1")
    del no_sum["sha256"], no_sum["files"], no_sum["mac"]
    unsummed = _rezip(good, tmp_path / "unsummed.fbak",
                      replace={"manifest.json": json.dumps(no_sum).encode()})
    with pytest.raises(BackupError, match="checksum does not match"):
        _stage(unsummed, tmp_path / "target2")


@pytest.mark.parametrize(("change", "message"), [
    ({"drop": "facilitator.db"}, r"^x.fbak is not a Facilitator backup\.$"),
    ({"drop": "keys.json"}, r"^x.fbak is not a Facilitator backup\.$"),
    ({"drop": "manifest.json"}, r"^x.fbak is not a Facilitator backup or it is damaged\.$"),
    ({"replace": {"manifest.json": b"{not json"}},
     r"^x.fbak is not a Facilitator backup or it is damaged\.$"),
    ({"replace": {"manifest.json": b'{"format": "facilitator.backup/3"}'}},
     r"^x.fbak is not a Facilitator backup\.$"),
])
def test_manifest_problems_are_named(good: Path, tmp_path: Path, change: dict[str, object],
                                     message: str) -> None:
    bad = _rezip(good, tmp_path / "x.fbak", **change)  # type: ignore[arg-type]
    with pytest.raises(BackupError, match=message):
        backup.read_manifest(bad)


def test_not_a_zip_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "x.fbak").write_bytes(b"PK\x03\x04 but not really")
    with pytest.raises(BackupError, match=r"^x.fbak is not a Facilitator backup or it is damaged"):
        backup.read_manifest(tmp_path / "x.fbak")
    with pytest.raises(BackupError, match=r"^No backup file at "):
        backup.read_manifest(tmp_path / "gone.fbak")


def test_a_damaged_entry_cannot_be_unpacked(good: Path, tmp_path: Path) -> None:
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("keys.json")
    # Flip a byte inside the stored keys.json: its CRC no longer matches.
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 5
    raw[start] ^= 0xFF
    broken = tmp_path / "crc.fbak"
    broken.write_bytes(bytes(raw))
    with pytest.raises(BackupError, match=r"^crc.fbak is damaged and cannot be unpacked\.$"):
        _stage(broken, tmp_path / "target")
