"""The backup file's manifest and its checks, on a real encrypted database (issue 14): what a
backup holds, that damage is caught before anything is restored, and which files a backup may
never replace."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from facilitator.clock import FakeClock
from facilitator.models.audit import CHAIN_FORMAT
from facilitator.services import audit, clinic_setup
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
    ws, _recovery = clinic_setup.create_clinic(vault, FakeClock(NOW), make_setup())
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


def test_manifest_seal_known_answer() -> None:
    # Pinned: a change of the key derivation or of the JSON form makes every existing backup
    # read as altered after an upgrade. Computed outside the code: HKDF-SHA256 (RFC 5869, with
    # hmac) of the data key, salt the db_id, info "facilitator backup manifest v2"; HMAC-SHA256
    # over the manifest without "mac" as sorted, compact, ASCII-escaped JSON:
    # {"audit_events":12,"created_at":"2026-03-02T15:00:00+00:00","db_id":"0123456789abcdef",
    #  "files":{"facilitator.db":"bb","keys.json":"aa"},"format":"facilitator.backup/2",
    #  "revision":"Zo\u00eb 7"}
    manifest = {"format": "facilitator.backup/2", "created_at": "2026-03-02T15:00:00+00:00",
                "revision": "Zoë 7", "files": {"keys.json": "aa", "facilitator.db": "bb"},
                "db_id": "0123456789abcdef", "audit_events": 12, "mac": "not part of it"}
    seal = backup.manifest_mac(manifest, bytes(range(32)), "0123456789abcdef")
    assert seal == "06fb2d3d50735d2c681a826b0d0a24d10962a219fd9ffddf19aaea2c9bd7a6fb"


def test_the_backups_folder_is_private_a_chosen_folder_keeps_its_mode(
        ws: Workspace, vault: Vault, tmp_path: Path) -> None:
    chosen = tmp_path / "usb" / "clinic"
    backup.write_backup(vault, ws.db, chosen / "b.fbak", NOW, None)
    umask = os.umask(0)
    os.umask(umask)
    # A folder the clinic chose (a shared drive, say) is created as any other folder would be.
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o777 & ~umask
    # The app's own backups folder is owner-only, even after its mode was loosened.
    vault.backups_dir.mkdir(exist_ok=True)
    vault.backups_dir.chmod(0o755)
    backup.write_backup(vault, ws.db, vault.backups_dir / "b.fbak", NOW, None)
    assert stat.S_IMODE(vault.backups_dir.stat().st_mode) == 0o700
    (vault.backups_dir / "b.fbak").unlink()


def test_a_backup_of_an_older_chain_says_so(tmp_path: Path) -> None:
    """The backup taken before an upgrade holds the audit chain in the format before migration
    0007; its anchor must not be compared with hashes of the new format."""
    from alembic import command

    from facilitator.storage import migrate

    vault = Vault(tmp_path / "old", device=NoDeviceSecrets(), kdf=FAST_KDF)
    ws, _recovery = clinic_setup.create_clinic(vault, FakeClock(NOW), make_setup())
    try:
        with ws.db.engine.begin() as conn:
            command.downgrade(migrate._config(conn), "0005")
        target = backup.write_backup(vault, ws.db, tmp_path / "old.fbak", NOW, None).path
    finally:
        ws.close()
    assert _manifest(target)["audit_format"] == 1 != CHAIN_FORMAT
