"""The vault on a real encrypted database, below the services (issue 14): the configured KDF is
the one used, each folder gets its own identity, and every refusal says what is wrong."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from keyrings.alt.file import PlaintextKeyring

from facilitator.storage import sealing
from facilitator.storage.device import KeyringSecrets, NoDeviceSecrets
from facilitator.storage.errors import (
    DataDirProblem,
    KeychainUnavailable,
    LockedOut,
    NoSuchAccount,
    NotADatabase,
    WrongPassword,
)
from facilitator.storage.keyfile import KeyFile
from facilitator.storage.keys import KdfParams
from facilitator.storage.lockout import RECOVERY, UNKNOWN, FailedAttempt, tried_hash
from facilitator.storage.vault import Vault, _dir_problem, default_data_dir
from tests.conftest import FAST_KDF

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
OTHER_KDF = KdfParams(time_cost=2, memory_kib=8 * 1024, parallelism=1)


def _slots(vault: Vault) -> dict[str, dict[str, object]]:
    data = json.loads(vault.keys_path.read_text("utf-8"))
    return {s["name"]: s for s in data["slots"]}


def _made(vault: Vault, login: str = "Admin", password: str = "admin password 1") -> str:
    db, recovery = vault.create(login, password)
    db.close()
    return recovery


def test_default_vault_uses_the_production_kdf_and_data_dir(tmp_path: Path) -> None:
    vault = Vault(tmp_path, device=NoDeviceSecrets())
    assert vault.kdf == KdfParams()  # read, not run
    assert vault.db_path == tmp_path / "facilitator.db"
    assert vault.keys_path == tmp_path / "keys.json"
    assert vault.backups_dir == tmp_path / "backups"
    assert vault.lockout.path == tmp_path / "lockout.json"
    assert default_data_dir().name == "Facilitator"


def test_create_uses_the_configured_kdf_for_every_password_slot(
    data_dir: Path, keyring_backend: PlaintextKeyring
) -> None:
    vault = Vault(data_dir, device=KeyringSecrets(keyring_backend), kdf=OTHER_KDF)
    recovery = _made(vault)
    unlocked = vault.unlock("admin", "admin password 1", NOW)
    vault.put_slot(vault.new_slot(unlocked.db, "Terry", "terry password 1"))
    unlocked.db.close()
    slots = _slots(vault)
    assert set(slots) == {"user:admin", "user:terry", "recovery"}
    for name in ("user:admin", "user:terry"):
        assert (slots[name]["kdf"], slots[name]["params"]) == ("argon2id", asdict(OTHER_KDF))
        assert slots[name]["device_bound"] is True
    assert (slots["recovery"]["kdf"], slots["recovery"]["device_bound"]) == ("hkdf", False)
    vault.unlock_with_recovery(recovery, NOW).db.close()
    assert vault.logins() == ["admin", "terry"]


def test_each_folder_gets_its_own_db_id_and_device_secret(
    tmp_path: Path, keyring_backend: PlaintextKeyring
) -> None:
    vaults = [Vault(tmp_path / f"clinic{n}", device=KeyringSecrets(keyring_backend),
                    kdf=FAST_KDF) for n in range(2)]
    for vault in vaults:
        _made(vault)
    ids = [KeyFile.load(v.keys_path).db_id for v in vaults]
    assert ids[0] != ids[1]
    secrets = [KeyringSecrets(keyring_backend).get(i) for i in ids]
    assert None not in secrets and secrets[0] != secrets[1]
    # Unlocking does not change the folder's identity.
    vaults[0].unlock("admin", "admin password 1", NOW).db.close()
    assert KeyFile.load(vaults[0].keys_path).db_id == ids[0]


def test_create_refuses_an_existing_folder_and_discard_removes_only_its_files(
    vault: Vault,
) -> None:
    _made(vault)
    with pytest.raises(DataDirProblem,
                       match=r"^The data folder already holds a Facilitator database\.$"):
        vault.create("other", "other password 1")
    (vault.data_dir / "notes.txt").write_text("mine")
    for leftover in ("facilitator.db-wal", "facilitator.db-shm"):
        (vault.data_dir / leftover).write_bytes(b"")
    vault.discard_unfinished()
    assert sorted(p.name for p in vault.data_dir.iterdir()) == ["notes.txt"]
    assert not vault.exists()
    vault.discard_unfinished()  # nothing left to remove is not an error


def test_exists_with_either_file(vault: Vault) -> None:
    assert not vault.exists()
    vault.data_dir.mkdir(parents=True)
    vault.keys_path.write_text("{}")
    assert vault.exists()
    vault.keys_path.unlink()
    vault.db_path.write_bytes(b"x")
    assert vault.exists()


def test_missing_key_file_is_named(vault: Vault) -> None:
    _made(vault)
    vault.keys_path.unlink()
    with pytest.raises(NotADatabase, match=r"^No key file \(keys\.json\) in the data folder: it"
                       r" is not a Facilitator folder\.$"):
        vault.unlock("admin", "admin password 1", NOW)


MISSING = r"^The database file is missing from the data folder\.$"
PLAIN = r"^The database file is not encrypted: it is not a Facilitator file\.$"
TRUNCATED = r"^The database file is truncated\. Restore it from a backup\.$"


@pytest.mark.parametrize(("content", "message"), [
    (None, MISSING),
    (b"SQLite format 3\x00" + bytes(100), PLAIN),
    (b"short", TRUNCATED),
    (bytes(15), TRUNCATED),
])
def test_bad_database_file_is_named_before_any_password_check(
    vault: Vault, content: bytes | None, message: str
) -> None:
    _made(vault)
    if content is None:
        vault.db_path.unlink()
    else:
        vault.db_path.write_bytes(content)
    with pytest.raises(NotADatabase, match=message):
        vault.unlock("admin", "wrong password", NOW)
    with pytest.raises(NotADatabase, match=message):
        vault.unlock_with_recovery("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", NOW)
    assert vault.lockout.pending() == []


def test_a_16_byte_encrypted_header_is_not_called_truncated(vault: Vault) -> None:
    _made(vault)
    vault.db_path.write_bytes(vault.db_path.read_bytes()[:16])
    with pytest.raises(NotADatabase) as err:
        vault.unlock("admin", "admin password 1", NOW)
    assert "truncated" not in str(err.value)


def test_unlock_normalises_the_login_and_hands_over_pending_failures(vault: Vault) -> None:
    _made(vault)
    # The same sentence for an unknown login as for a wrong password: it names no account.
    with pytest.raises(NoSuchAccount, match=r"^The login or password is not correct\.$"):
        vault.unlock("nobody", "admin password 1", NOW)
    with pytest.raises(WrongPassword, match="password is not correct"):
        vault.unlock(" ADMIN ", "wrong password", NOW + timedelta(seconds=1))
    unlocked = vault.unlock(" ADMIN ", "admin password 1", NOW + timedelta(seconds=2))
    unlocked.db.close()
    assert unlocked.login == "admin"
    # The slot's private key stays in memory for the session, never in a repr (or a log line).
    assert unlocked.private is not None and len(unlocked.private) == 32
    assert "private" not in repr(unlocked) and repr(unlocked.private) not in repr(unlocked)
    # A login without a slot goes to the shared bucket, with only a short hash of what was
    # typed (it may be a password typed into the login field).
    assert unlocked.failed_attempts == (
        FailedAttempt(UNKNOWN, NOW, tried_hash("nobody")),
        FailedAttempt("admin", NOW + timedelta(seconds=1)))
    assert "nobody" not in vault.lockout.path.read_text("utf-8")


def test_back_off_is_checked_before_the_password(vault: Vault) -> None:
    _made(vault)
    for n in range(3):
        with pytest.raises(WrongPassword):
            vault.unlock("admin", "wrong password", NOW + timedelta(seconds=n))
    with pytest.raises(LockedOut) as err:
        vault.unlock("Admin", "admin password 1", NOW + timedelta(seconds=2))
    assert err.value.retry_after == 2.0
    with pytest.raises(LockedOut) as err:  # half a second is still a wait
        vault.unlock("admin", "admin password 1", NOW + timedelta(seconds=3.5))
    assert err.value.retry_after == 0.5
    vault.unlock("admin", "admin password 1", NOW + timedelta(seconds=4)).db.close()


def test_missing_keychain_is_not_a_failed_attempt(
    data_dir: Path, keyring_backend: PlaintextKeyring
) -> None:
    _made(Vault(data_dir, device=KeyringSecrets(keyring_backend), kdf=FAST_KDF))
    elsewhere = Vault(data_dir, device=NoDeviceSecrets(), kdf=FAST_KDF)
    for _ in range(4):
        with pytest.raises(KeychainUnavailable) as err:
            elsewhere.unlock("admin", "admin password 1", NOW)
        assert str(err.value) == (
            "This account is protected by this computer's keychain, which is not available here."
            " Sign in where you usually do, or reset the password with the recovery key.")
    with pytest.raises(KeychainUnavailable):
        elsewhere.verify_password("admin", "admin password 1")
    assert elsewhere.lockout.pending() == []


def test_wrong_recovery_key_is_named(vault: Vault) -> None:
    recovery = _made(vault)
    with pytest.raises(WrongPassword, match=r"^The recovery key is not correct\.$"):
        vault.unlock_with_recovery("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF", NOW)
    assert vault.lockout.pending() == [FailedAttempt(RECOVERY, NOW)]
    unlocked = vault.unlock_with_recovery(recovery.lower(), NOW + timedelta(seconds=1))
    unlocked.db.close()
    assert (unlocked.login, unlocked.failed_attempts) == (
        RECOVERY, (FailedAttempt(RECOVERY, NOW),))


def test_a_new_slot_creates_the_device_secret_when_the_keychain_appears(
    data_dir: Path, keyring_backend: PlaintextKeyring
) -> None:
    vault = Vault(data_dir, device=NoDeviceSecrets(), kdf=FAST_KDF)
    _made(vault)
    assert _slots(vault)["user:admin"]["device_bound"] is False
    with_keychain = Vault(data_dir, device=KeyringSecrets(keyring_backend), kdf=FAST_KDF)
    unlocked = with_keychain.unlock("admin", "admin password 1", NOW)
    with_keychain.put_slot(with_keychain.new_slot(unlocked.db, "admin", "admin password 2"))
    unlocked.db.close()
    assert _slots(vault)["user:admin"]["device_bound"] is True
    db_id = KeyFile.load(vault.keys_path).db_id
    assert KeyringSecrets(keyring_backend).get(db_id) is not None
    assert with_keychain.verify_password("admin", "admin password 2")


def test_a_password_only_slot_is_bound_to_the_keychain_once_and_only_when_it_can_be(
    data_dir: Path, keyring_backend: PlaintextKeyring
) -> None:
    plain = Vault(data_dir, device=NoDeviceSecrets(), kdf=FAST_KDF)
    _made(plain)  # as a slot that travelled here: password only
    unlocked = plain.unlock("admin", "admin password 1", NOW)
    unlocked.db.close()
    private, before = unlocked.private, _slots(plain)["user:admin"]
    assert private is not None and before["device_bound"] is False
    assert not plain.bind_to_device("admin", "admin password 1", private)  # no keychain
    keychain = Vault(data_dir, device=KeyringSecrets(keyring_backend), kdf=OTHER_KDF)
    other_private = sealing.new_key_pair()[0]
    assert not keychain.bind_to_device("admin", "admin password 1", other_private)
    assert not keychain.bind_to_device("nobody", "admin password 1", private)
    keychain.begin_rotation(["user:admin"], new_recovery=False)
    assert not keychain.bind_to_device("admin", "admin password 1", private)
    keychain.settle_rotation(1)  # abandoned: the database kept its key
    assert _slots(plain)["user:admin"] == before
    db_id = KeyFile.load(plain.keys_path).db_id
    assert KeyringSecrets(keyring_backend).get(db_id) is None  # nothing made while refusing
    assert keychain.bind_to_device("Admin", "admin password 1", private)
    after = _slots(plain)["user:admin"]
    assert after["device_bound"] is True and after["params"] == asdict(OTHER_KDF)
    assert (after["public"], after["sealed"]) == (before["public"], before["sealed"])
    assert KeyringSecrets(keyring_backend).get(db_id) is not None
    assert not keychain.bind_to_device("admin", "admin password 1", private)  # bound already
    assert _slots(plain)["user:admin"] == after
    keychain.unlock("admin", "admin password 1", NOW).db.close()
    with pytest.raises(KeychainUnavailable):
        plain.unlock("admin", "admin password 1", NOW)


def test_verify_password_and_remove_login(vault: Vault) -> None:
    _made(vault)
    unlocked = vault.unlock("admin", "admin password 1", NOW)
    slot = vault.new_slot(unlocked.db, "terry", "terry password 1")
    unlocked.db.close()
    # A new slot is stored only by put_slot (after the database change it belongs to).
    assert vault.logins() == ["admin"]
    assert not vault.verify_password("terry", "terry password 1")
    vault.put_slot(slot)
    assert vault.verify_password("TERRY", "terry password 1")
    assert not vault.verify_password("terry", "admin password 1")
    assert not vault.verify_password("nobody", "terry password 1")
    before = vault.keys_path.stat().st_mtime_ns
    vault.remove_login("nobody")
    assert vault.keys_path.stat().st_mtime_ns == before
    vault.remove_login("Terry")
    assert vault.logins() == ["admin"]
    assert not vault.verify_password("terry", "terry password 1")


FULL = "The disk is full: nothing was saved. Free some space and retry."
READ_ONLY = "The data folder {} cannot be written (read-only or no permission)."


@pytest.mark.parametrize(("err", "message"), [
    (errno.ENOSPC, FULL),
    (errno.EDQUOT, FULL),
    (errno.EACCES, READ_ONLY),
    (errno.EROFS, READ_ONLY),
    (errno.EPERM, READ_ONLY),
    (errno.EIO, "The data folder {} cannot be used: " + os.strerror(errno.EIO) + "."),
    (None, "The data folder {} cannot be used: unknown error."),
])
def test_folder_problems_get_a_message_each(tmp_path: Path, err: int | None, message: str
                                            ) -> None:
    cause = OSError(err, os.strerror(err)) if err is not None else OSError("no errno")
    problem = _dir_problem(cause, tmp_path)
    assert isinstance(problem, DataDirProblem)
    assert str(problem) == message.format(tmp_path)


def test_unusable_folder_is_reported_on_create(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    vault = Vault(blocker / "data", device=NoDeviceSecrets(), kdf=FAST_KDF)
    with pytest.raises(DataDirProblem, match="cannot be used"):
        vault.create("admin", "admin password 1")


def test_create_makes_missing_folders_and_accepts_an_empty_one(tmp_path: Path) -> None:
    nested = Vault(tmp_path / "a" / "b" / "data", device=NoDeviceSecrets(), kdf=FAST_KDF)
    _made(nested)
    empty = tmp_path / "empty"
    empty.mkdir()
    _made(Vault(empty, device=NoDeviceSecrets(), kdf=FAST_KDF))
    assert sorted(p.name for p in empty.iterdir() if not p.name.startswith("facilitator.db")
                  ) == ["keys.json"]


def test_keychain_availability_is_the_device_store_s(
    tmp_path: Path, keyring_backend: PlaintextKeyring
) -> None:
    assert not Vault(tmp_path, device=NoDeviceSecrets()).has_keyring()
    assert Vault(tmp_path, device=KeyringSecrets(keyring_backend)).has_keyring()


def test_a_database_that_does_not_decrypt_is_refused_at_unlock(vault: Vault) -> None:
    _made(vault)
    vault.db_path.write_bytes(os.urandom(8192))
    with pytest.raises(NotADatabase):
        vault.unlock("admin", "admin password 1", NOW)


def test_a_new_user_s_slot_keeps_the_folder_s_device_secret(vault: Vault) -> None:
    _made(vault)
    unlocked = vault.unlock("admin", "admin password 1", NOW)
    vault.put_slot(vault.new_slot(unlocked.db, "terry", "terry password 1"))
    unlocked.db.close()
    # Had the device secret been replaced, the admin's slot would no longer open.
    vault.unlock("admin", "admin password 1", NOW).db.close()
    vault.unlock("terry", "terry password 1", NOW).db.close()


def test_an_unlock_result_cannot_be_changed(vault: Vault) -> None:
    _made(vault)
    unlocked = vault.unlock("admin", "admin password 1", NOW)
    unlocked.db.close()
    with pytest.raises(dataclasses.FrozenInstanceError):
        unlocked.login = "mallory"  # type: ignore[misc]


def _os_lock_held(lock: Path) -> bool:
    """Whether some open file holds ``lock`` (probed through a file of its own)."""
    import fcntl

    with open(lock, "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return False


@pytest.mark.skipif(os.name == "nt", reason="flock probe; Windows locks through msvcrt")
def test_key_file_lock_nests_and_is_held_until_the_outermost_exit(tmp_path: Path) -> None:
    # A rotation holds the lock across its steps and each step takes it again: the nested
    # takes must neither wait for the outer one nor release the OS lock early, and the count
    # must come back to zero so the next writer takes the OS lock again.
    vault = Vault(tmp_path, device=NoDeviceSecrets(), kdf=FAST_KDF)
    lock = tmp_path / "keys.lock"
    for _ in range(2):
        with vault.keys_locked():
            assert _os_lock_held(lock)
            with vault.keys_locked():
                assert _os_lock_held(lock)
            assert _os_lock_held(lock)  # the inner exit left the outer's lock in place
        assert not _os_lock_held(lock)
