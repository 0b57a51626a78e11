"""Keys that can be revoked (issue 11): rotating the data key shuts out removed users and old
copies of the key file, a new recovery key retires the old one, a forged slot is refused, old
key files are upgraded in place, and a crash half-way through a rotation loses nothing."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from facilitator.clock import FakeClock
from facilitator.models.users import Clinic, User
from facilitator.services import audit, auth, key_rotation, maintenance, users
from facilitator.services.errors import AuthError, Conflict, DatabaseDamaged
from facilitator.services.workspace import Workspace
from facilitator.storage.errors import NotADatabase, WrongPassword
from facilitator.storage.keyfile import KeyFile
from facilitator.storage.keys import RECOVERY_SLOT, make_keyed_slot, make_slot
from facilitator.storage.restore import open_staged, staged_backup
from facilitator.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD

DANA_PW = "dana violet kettle"
TERRY_PW = "terry orbit lantern"


def _add(ws: Workspace, login: str, password: str, role: str = "therapist") -> int:
    return users.add_user(ws, users.UserDraft(login, login.title() + " Example", "", role),
                          password).id


def _copy_folder(vault: Vault, target: Path, keys_json: bytes | None = None) -> Vault:
    """The live database with ``keys_json`` (an old copy of the key file) beside it."""
    target.mkdir()
    shutil.copyfile(vault.db_path, target / "facilitator.db")
    (target / "keys.json").write_bytes(keys_json or vault.keys_path.read_bytes())
    return Vault(target, device=vault.device, kdf=FAST_KDF)


def _actions(ws: Workspace, prefix: str) -> list[audit.AuditRow]:
    return audit.list_events(ws, action_prefix=prefix)


def test_deactivated_users_old_slot_opens_nothing_after_rotation(
        ws: Workspace, vault: Vault, clock: FakeClock, tmp_path: Path) -> None:
    dana = _add(ws, "dana", DANA_PW)
    _add(ws, "terry", TERRY_PW)
    kept_by_dana = vault.keys_path.read_bytes()  # she copied keys.json while she worked here
    users.set_active(ws, dana, False)
    # Before the rotation her copy still opens the live database: the gap being closed.
    before = _copy_folder(vault, tmp_path / "before", kept_by_dana)
    before.unlock("dana", DANA_PW, clock.now()).db.close()

    result = key_rotation.rotate_data_key(ws)
    # Her slot left the live key file at deactivation; her copy is what the rotation revokes.
    assert (result.dropped, result.need_reset, result.recovery_key) == ((), (), None)
    ws.db.session().close()
    after = _copy_folder(vault, tmp_path / "after", kept_by_dana)
    with pytest.raises(NotADatabase):
        after.unlock("dana", DANA_PW, clock.now())
    # A backup made after the rotation does not open with her old slot either.
    backup = maintenance.backup(ws, tmp_path / "usb" / "after.fbak").path
    with staged_backup(backup, tmp_path / "stage") as staged, pytest.raises(WrongPassword):
        open_staged(staged, vault.device, "dana", DANA_PW, clock.now())
    event = _actions(ws, "keys.rotated")[0]
    assert event.details["epoch"] == 2 and event.login == "admin"
    assert not any(len(str(v)) >= 40 for v in event.details.values())  # no key material
    ws.close()
    # Everyone who remains opens the rekeyed database with the password they already had.
    auth.sign_in(vault, clock, "terry", TERRY_PW).close()
    auth.sign_in(vault, clock, "admin", PASSWORD).close()
    assert KeyFile.load(vault.keys_path).epoch == 2
    assert vault.logins() == ["admin", "terry"]


def test_a_new_recovery_key_retires_the_old_one(
        clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock, tmp_path: Path) -> None:
    ws, old_recovery = clinic
    old_keys = vault.keys_path.read_bytes()
    result = key_rotation.issue_recovery_key(ws)
    assert result.recovery_key is not None and result.recovery_key != old_recovery
    with pytest.raises(WrongPassword):
        vault.unlock_with_recovery(old_recovery, clock.now())
    # Nor with the key file as it was: the data key changed with the recovery key.
    old = _copy_folder(vault, tmp_path / "old", old_keys)
    with pytest.raises(NotADatabase):
        old.unlock_with_recovery(old_recovery, clock.now())
    ws.close()
    auth.reset_password_with_recovery(vault, clock, result.recovery_key, "admin",
                                      "fresh password pebble")
    auth.sign_in(vault, clock, "admin", "fresh password pebble").close()


def test_a_forged_admin_slot_is_refused_and_audited(
        ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    _add(ws, "terry", TERRY_PW, "supervisor")
    ws.close()
    terry = auth.sign_in(vault, clock, "terry", TERRY_PW)
    # Terry holds the data key while signed in and writes an "admin" slot of her own making.
    keys = KeyFile.load(vault.keys_path)
    keys.slots["user:admin"] = make_keyed_slot("user:admin", TERRY_PW, terry.db.raw_key(),
                                               keys.db_id, keys.epoch, params=FAST_KDF)
    keys.save()
    terry.close()
    with pytest.raises(AuthError, match="not the one recorded"):
        auth.sign_in(vault, clock, "admin", TERRY_PW)
    # The refusal is in the log (read by an account that still opens).
    again = auth.sign_in(vault, clock, "terry", TERRY_PW)
    refused = _actions(again, "login.refused")
    assert refused[0].login == "admin"
    assert refused[0].details["reason"] == "key slot not bound to this account"
    # verify names the forged slot before anyone tries it.
    report = maintenance.verify(again)
    assert not report.ok
    assert report.first_problem == ("the key slot of admin is not the one recorded for it"
                                    " (altered key file)")
    again.close()


def _format_1(vault: Vault, data_key: bytes, recovery: str = "", **passwords: str) -> None:
    """Rewrite the key file as an older version wrote it: every slot wraps the data key."""
    keys = KeyFile.load(vault.keys_path)
    slots = [make_slot(f"user:{login}", pw, data_key, params=FAST_KDF)
             for login, pw in passwords.items()]
    if recovery:
        slots.append(make_slot(RECOVERY_SLOT, recovery, data_key, kdf="hkdf"))
    data = {"format": "facilitator.keyslots/1", "db_id": keys.db_id,
            "slots": [{k: v for k, v in vars(s).items() if k not in ("public", "sealed")}
                      for s in slots]}
    vault.keys_path.write_text(json.dumps(data))


def test_an_old_format_key_file_is_rejected_for_bound_accounts(
        ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    """Once an account's key is recorded, a format-1 slot for it (anyone holding the data key
    can write one) is a forgery, not an upgrade."""
    data_key = ws.db.raw_key()
    ws.close()
    _format_1(vault, data_key, admin="someone else's pw")
    with pytest.raises(AuthError, match="not the one recorded"):
        auth.sign_in(vault, clock, "admin", "someone else's pw")


def test_crash_after_rekey_before_the_key_file_settles(
        ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    _add(ws, "terry", TERRY_PW, "supervisor")
    rotation = vault.begin_rotation(["user:admin", "user:terry"], new_recovery=False)
    ws.db.rekey(rotation.data_key)
    ws.close()  # the process dies here: keys.json still holds both epochs
    assert KeyFile.load(vault.keys_path).pending is not None
    terry = auth.sign_in(vault, clock, "terry", TERRY_PW)
    try:
        keys = KeyFile.load(vault.keys_path)
        assert (keys.epoch, keys.pending) == (2, None)
        assert {b.epoch for s in keys.slots.values() for b in s.sealed} == {2}
        assert _actions(terry, "keys.rotation_completed")
        assert maintenance.verify(terry).ok
    finally:
        terry.close()


def test_crash_before_rekey_keeps_the_current_key(
        ws: Workspace, vault: Vault, clock: FakeClock, clinic: tuple[Workspace, str]) -> None:
    vault.begin_rotation(["user:admin"], new_recovery=True)
    ws.close()  # died before the rekey: the new key and new recovery key were never used
    again = auth.sign_in(vault, clock, "admin", PASSWORD)
    keys = KeyFile.load(vault.keys_path)
    assert (keys.epoch, keys.pending) == (1, None)
    assert _actions(again, "keys.rotation_abandoned")
    again.close()
    vault.unlock_with_recovery(clinic[1], clock.now()).db.close()  # the old one still works


def test_rotation_tells_who_has_not_upgraded_and_needs_a_reset(
        ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    terry = _add(ws, "terry", TERRY_PW)
    data_key = ws.db.raw_key()
    # Terry's slot as an older version wrote it; the admin's is current.
    current = KeyFile.load(vault.keys_path)
    _format_1(vault, data_key, terry=TERRY_PW)
    old = KeyFile.load(vault.keys_path)
    current.slots["user:terry"] = old.slots["user:terry"]
    current.save()
    plan = key_rotation.rotation_plan(ws)
    assert (plan.kept, plan.need_reset) == (("admin",), ("terry",))
    before = vault.keys_path.read_bytes()
    with pytest.raises(Conflict, match="terry"):
        key_rotation.rotate_data_key(ws)
    assert vault.keys_path.read_bytes() == before  # nothing changed
    key_rotation.rotate_data_key(ws, accept_resets=True)
    users.reset_password(ws, terry, "terry new lantern")
    ws.close()
    auth.sign_in(vault, clock, "terry", "terry new lantern").close()


def test_old_backups_open_with_their_own_keys_and_new_ones_with_the_new(
        ws: Workspace, vault: Vault, clock: FakeClock, tmp_path: Path) -> None:
    old = maintenance.backup(ws, tmp_path / "usb" / "old.fbak").path
    assert (vault.data_dir / "audit-anchor.json").exists()
    key_rotation.rotate_data_key(ws)
    # The anchor file was sealed with the old key: resealed, it still checks.
    report = maintenance.verify(ws)
    assert report.ok, report.lines
    new = maintenance.backup(ws, tmp_path / "usb" / "new.fbak").path
    ws.close()
    for n, backup in enumerate((old, new)):
        with staged_backup(backup, tmp_path / f"stage{n}") as staged:
            db, proof = open_staged(staged, vault.device, "admin", PASSWORD, clock.now())
            db.close()
            assert proof == "password"
            assert KeyFile.load(staged.folder / "keys.json").epoch == n + 1


@pytest.mark.parametrize(("edit", "named"), [
    (lambda s, f: s.update(public="not base64!"), "public is not base64"),
    (lambda s, f: s.update(public="AAAA"), "public has 3 bytes"),
    (lambda s, f: s["sealed"][0].update(epoch=10**12), "epoch must be between"),
    (lambda s, f: s["sealed"][0].update(epoch=7), "unknown epoch"),
    (lambda s, f: s.update(sealed=s["sealed"] * 500), "too many"),
    (lambda s, f: s["sealed"][0].update(box="QUFB"), "box has 3 bytes"),
    (lambda s, f: s["sealed"][0].update(extra=1), "unexpected fields"),
    (lambda s, f: f.update(pending={"epoch": 9, "recovery": None}), "next epoch"),
    (lambda s, f: f.update(epoch=-1), "epoch must be between"),
    # A low-order point as the ephemeral key: the exchange fails, reported as damage.
    (lambda s, f: s["sealed"][0].update(ephemeral="A" * 43 + "="), "sealed key of user:admin"),
])
def test_hostile_new_fields_are_damage_reported_at_once(
        clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock, edit, named: str
) -> None:
    clinic[0].close()
    data = json.loads(vault.keys_path.read_text())
    edit(next(s for s in data["slots"] if s["name"] == "user:admin"), data)
    vault.keys_path.write_text(json.dumps(data))
    started = time.perf_counter()
    with pytest.raises(DatabaseDamaged, match=named):
        auth.sign_in(vault, clock, "admin", PASSWORD)
    assert time.perf_counter() - started < 1.0


def _clinic_from_before_the_upgrade(vault: Vault, clock: FakeClock) -> str:
    """A clinic as an older version left it: format-1 slots, no key recorded for anyone."""
    db, recovery = vault.create("admin", PASSWORD)
    auth.migrate_opened(vault, db, clock.now())
    session = db.session()
    with session.begin():
        session.add(Clinic(name="Old Clinic (demo)", timezone="America/Chicago",
                           created_at=clock.now()))
        for login, role in (("admin", "admin"), ("terry", "supervisor")):
            session.add(User(login=login, display_name=login.title(), role=role,
                             created_at=clock.now()))
            session.flush()
            audit.append(session, at=clock.now(), user_id=None, login="admin",
                         action="user.created", entity="user", entity_id=login)
    session.close()
    _format_1(vault, db.raw_key(), recovery, admin=PASSWORD, terry=TERRY_PW)
    db.close()
    return recovery


def test_an_old_clinic_is_upgraded_as_each_user_signs_in_and_then_rotates(
        vault: Vault, clock: FakeClock) -> None:
    old_recovery = _clinic_from_before_the_upgrade(vault, clock)
    ws = auth.sign_in(vault, clock, "admin", PASSWORD)
    keys = KeyFile.load(vault.keys_path)
    assert keys.slots["user:admin"].keyed and not keys.slots["user:terry"].keyed
    bound = _actions(ws, "key.bound")
    assert [(e.entity, e.details["reason"]) for e in bound] == [("user", "upgraded")]
    assert bound[0].details["fingerprint"] == keys.slots["user:admin"].fingerprint()
    plan = key_rotation.rotation_plan(ws)
    assert (plan.need_reset, plan.new_recovery_needed) == (("terry",), True)
    report = maintenance.verify(ws)
    assert report.ok and ("Key slots: 3, key generation 1; old format until next used:"
                          " the recovery key, terry") in report.lines
    ws.close()
    auth.sign_in(vault, clock, "terry", TERRY_PW).close()  # upgraded too
    ws = auth.sign_in(vault, clock, "admin", PASSWORD)  # the upgraded slot keeps working
    result = key_rotation.rotate_data_key(ws)
    assert result.need_reset == () and result.recovery_key is not None  # old recovery slot
    ws.close()
    auth.sign_in(vault, clock, "terry", TERRY_PW).close()
    with pytest.raises(AuthError):
        auth.reset_password_with_recovery(vault, clock, old_recovery, "terry", "new pw lantern")
    auth.reset_password_with_recovery(vault, clock, result.recovery_key, "terry",
                                      "new pw lantern")
    auth.sign_in(vault, clock, "terry", "new pw lantern").close()


def test_a_format_1_backup_still_restores(vault: Vault, clock: FakeClock,
                                          tmp_path: Path) -> None:
    from facilitator.storage.backup import write_backup

    recovery = _clinic_from_before_the_upgrade(vault, clock)
    db = vault.unlock("admin", PASSWORD, clock.now()).db  # storage only: nothing upgraded
    backup = write_backup(vault, db, tmp_path / "old.fbak", clock.now(), None).path
    db.close()
    for login, secret in (("admin", PASSWORD), ("", recovery)):
        with staged_backup(backup, tmp_path / "stage") as staged:
            assert not KeyFile.load(staged.folder / "keys.json").slots["user:admin"].keyed
            open_staged(staged, vault.device, login, secret, clock.now())[0].close()


def test_rekey_in_wal_mode_leaves_nothing_readable_under_the_old_key(
        ws: Workspace, vault: Vault) -> None:
    import sqlcipher3.dbapi2 as sqlcipher

    from facilitator.storage.engine import open_raw
    from facilitator.storage.keys import new_data_key

    _add(ws, "terry", TERRY_PW)  # frames in the WAL, not yet checkpointed
    wal = vault.db_path.with_name("facilitator.db-wal")
    assert wal.stat().st_size > 0
    old, new = ws.db.raw_key(), new_data_key()
    ws.db.rekey(new)
    # Checkpointed and truncated (or removed): no frame under the old key left behind.
    assert not wal.exists() or wal.stat().st_size == 0
    conn = open_raw(vault.db_path, new)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 2
    finally:
        conn.close()
    stale = open_raw(vault.db_path, old)
    with pytest.raises(sqlcipher.DatabaseError, match="not a database"):
        stale.execute("SELECT count(*) FROM sqlite_master").fetchone()
    stale.close()
    assert [u.login for u in users.list_users(ws)] == ["admin", "terry"]  # same workspace


def test_only_an_admin_rotates(ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    from facilitator.services.errors import PermissionDenied

    _add(ws, "terry", TERRY_PW, "supervisor")
    ws.close()
    terry = auth.sign_in(vault, clock, "terry", TERRY_PW)
    before = vault.keys_path.read_bytes()
    for action in (key_rotation.rotate_data_key, key_rotation.issue_recovery_key):
        with pytest.raises(PermissionDenied):
            action(terry)
    assert vault.keys_path.read_bytes() == before
    terry.close()


def test_a_slot_made_before_a_rotation_is_not_stored_after_it(
        ws: Workspace, vault: Vault) -> None:
    """Its sealed key is for the old epoch: stored, it would open nothing (or, with a rotation
    still pending, be dropped when it settles)."""
    from facilitator.storage.errors import KeysChanged

    _add(ws, "terry", TERRY_PW)
    made_before = vault.new_slot(ws.db, "terry", "terry new lantern")
    key_rotation.rotate_data_key(ws)
    with pytest.raises(KeysChanged, match="rotated meanwhile"):
        vault.put_slot(made_before)
    made_now = vault.new_slot(ws.db, "terry", "terry new lantern")
    vault.begin_rotation(["user:admin", "user:terry"], new_recovery=False)
    with pytest.raises(KeysChanged):
        vault.put_slot(made_now)
    vault.settle_rotation(2)  # the rotation never rekeyed: undone
    vault.put_slot(made_now)
    assert vault.verify_password("terry", "terry new lantern")


def test_the_key_file_lock_is_held_across_a_rotation(ws: Workspace, vault: Vault) -> None:
    """Another process (a CLI backup signing in) cannot rewrite keys.json meanwhile."""
    fcntl = pytest.importorskip("fcntl")
    lock_path = vault.keys_path.with_suffix(".lock")
    seen: list[bool] = []

    def probe() -> None:  # what another process would get, asked without waiting
        with open(lock_path, "a+b") as other:
            try:
                fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                seen.append(True)
            else:
                fcntl.flock(other.fileno(), fcntl.LOCK_UN)
                seen.append(False)

    rekey = ws.db.rekey

    def rekey_and_probe(key: bytes) -> None:
        probe()
        rekey(key)

    ws.db.rekey = rekey_and_probe  # type: ignore[method-assign]
    key_rotation.rotate_data_key(ws)
    probe()
    assert seen == [True, False]
