"""Sign-in, lock and recovery: the way from a data folder to a ``Workspace``. (A new clinic's
first run is ``clinic_setup``.)"""

from __future__ import annotations

import contextlib
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import Clock
from ..models.users import Clinic, User
from ..storage import anchor, integrity, migrate
from ..storage.backup import upgrade_backup_path, write_backup
from ..storage.engine import Database, translate
from ..storage.errors import (
    AmbiguousLogin,
    KeychainUnavailable,
    LockedOut,
    NotADatabase,
    StorageError,
    WrongPassword,
)
from ..storage.lockout import RECOVERY
from ..storage.vault import Unlocked, Vault
from . import audit, key_bindings
from .errors import AuthError, DatabaseDamaged, ServiceError, StorageProblem
from .validation import Checker, check_login
from .workspace import DAMAGED, Actor, LoginRenamed, Workspace


def workspace_for(vault: Vault, db: Database, clock: Clock, user: User,
                  clinic: Clinic) -> Workspace:
    """The workspace of ``user`` signed in to ``db`` (set-up and sign-in)."""
    actor = Actor(user.id, user.login, user.display_name, user.credentials, user.role)
    return Workspace(vault, db, clock, actor, ZoneInfo(clinic.timezone))


def migrate_opened(vault: Vault, db: Database, now: datetime) -> None:
    """Bring a just-opened database to the head migration (an encrypted backup first); a
    failure closes it and raises StorageProblem."""
    def backup() -> object:
        target = upgrade_backup_path(vault.backups_dir, now)
        return write_backup(vault, db, target, now, migrate.current_revision(db)).path

    try:
        migrate.upgrade(db, backup)  # type: ignore[arg-type]
    except StorageError as error:
        db.close()
        raise StorageProblem(str(error)) from error


def sign_in(vault: Vault, clock: Clock, login: str, password: str, *,
            check_first: bool = False) -> Workspace:
    """Unlock the database with a user's password and record the login (and earlier failures).

    ``check_first`` (``verify``): run the integrity checks right after the key opened the file
    and before anything (migration, login event) is written; damage raises DatabaseDamaged with
    the problems found and leaves the file as it was. Not on every sign-in: reading every page
    would cost seconds on a large database, and a damaged page met during sign-in rolls the
    sign-in transaction back anyway."""
    now = clock.now()
    try:
        unlocked = vault.unlock(login, password, now)
    except (LockedOut, AmbiguousLogin) as error:
        raise AuthError(str(error)) from error
    except WrongPassword:
        raise AuthError("The login or password is not correct.") from None
    except KeychainUnavailable as error:
        raise AuthError(str(error)) from error
    except NotADatabase as error:
        raise DatabaseDamaged(str(error)) from error
    except StorageError as error:
        raise StorageProblem(str(error)) from error
    db = unlocked.db
    if check_first:
        problems = integrity.check(db)
        if problems:
            db.close()
            raise DatabaseDamaged(
                f"The database file is damaged ({problems[0]}). Nothing was written to it;"
                " restore it from a backup.", tuple(problems))
    try:
        ws = _open_workspace(vault, db, clock, unlocked, now)
    except (sa_exc.DatabaseError, MemoryError) as error:
        # Page 1 was readable but a later page is not (MemoryError: SQLCipher's answer to a
        # page that fails authentication).
        db.close()
        mapped = translate(error) if not isinstance(error, MemoryError) else None
        if mapped is not None and not isinstance(mapped, NotADatabase):
            raise StorageProblem(str(mapped)) from error  # a full or read-only disk
        raise DatabaseDamaged(str(mapped or DAMAGED)) from error
    except BaseException:
        db.close()  # no workspace was handed out: nobody else will close it
        raise
    from .sync import slots as travelling

    travelling.after_sign_in(ws, password)  # her slot to the clinic's other laptops, if new
    _bind_to_keychain(ws, password)
    return ws


def _bind_to_keychain(ws: Workspace, password: str) -> None:
    """A slot that arrived from another laptop (``sync.slots``) opens with the password alone;
    where this laptop's keychain is in use it gets the device secret too at its user's first
    sign-in here, like a slot made here. The key pair stays, so no binding changes and the
    travelling copy still matches it (``reconcile`` leaves it alone). Never stands in the way
    of signing in: a failure is retried at the next one."""
    if ws.slot_private is None:
        return
    with contextlib.suppress(ServiceError, StorageError):
        if ws.vault.bind_to_device(ws.actor.login, password, ws.slot_private):
            with ws.transaction() as s:
                audit.record(s, ws, "key.slot_keychain_bound", "user", ws.actor.user_id)


def _audit_failures(session: Session, unlocked: Unlocked) -> None:
    """The failed attempts the back-off file was holding, into the sign-in's transaction."""
    for failure in unlocked.failed_attempts:
        audit.append(session, at=failure.at, user_id=None, login=failure.login,
                     action="recovery_key.failed" if failure.login == RECOVERY
                     else "login.failed",
                     details={"tried_hash": failure.tried} if failure.tried else None)


def _audit_settled(session: Session, unlocked: Unlocked, now: datetime, user_id: int | None
                   ) -> None:
    """A rotation interrupted by a crash was finished or undone by this unlock: say so."""
    if unlocked.settled is not None:
        audit.append(session, at=now, user_id=user_id, login=unlocked.login,
                     action=f"keys.rotation_{unlocked.settled}",
                     details={"when": "at the next unlock, after an interruption"})


def _bind_upgrade(session: Session, unlocked: Unlocked, now: datetime, user_id: int | None,
                  entity: str, entity_id: object) -> None:
    """A format-1 slot that just opened: bind its format-2 successor (stored after commit)."""
    if unlocked.upgrade is not None:
        key_bindings.bind(session, at=now, actor_id=user_id, actor_login=unlocked.login,
                          entity=entity, entity_id=entity_id,
                          fingerprint=unlocked.upgrade.fingerprint(), reason="upgraded",
                          public=unlocked.upgrade.public)


def _store_upgrade(vault: Vault, unlocked: Unlocked) -> None:
    # A key file that cannot be written now keeps the format-1 slot, which is upgraded (and
    # bound again, the newest binding winning) at the next sign-in.
    if unlocked.upgrade is not None:
        with contextlib.suppress(StorageError):
            vault.put_slot(unlocked.upgrade)


KEY_MISMATCH = ("This account's key slot is not the one recorded for it in the database (the"
                " key file was altered or copied from elsewhere). The attempt was logged; ask"
                " an administrator to reset the password.")


def _open_workspace(vault: Vault, db: Database, clock: Clock, unlocked: Unlocked,
                    now: datetime) -> Workspace:
    migrate_opened(vault, db, now)
    session = db.session()
    refused: str | None = None
    try:
        with session.begin():
            _audit_failures(session, unlocked)
            user = session.scalar(select(User).where(User.login == unlocked.login))
            clinic = session.scalar(select(Clinic))
            _audit_settled(session, unlocked, now, user.id if user else None)
            if user is None or not user.active or clinic is None:
                refused = "This account is deactivated. Ask an administrator."
                reason = "inactive"
            elif not key_bindings.matches(session, "user", user.id, unlocked.fingerprint):
                refused, reason = KEY_MISMATCH, "key slot not bound to this account"
            if refused is not None:
                audit.append(session, at=now, user_id=user.id if user else None,
                             login=unlocked.login, action="login.refused",
                             details={"reason": reason})
            else:
                assert user is not None and clinic is not None
                renamed = _renamed(session, user, unlocked.renamed_from)
                user.last_login_at = now
                _bind_upgrade(session, unlocked, now, user.id, "user", user.id)
                audit.append(session, at=now, user_id=user.id, login=user.login, action="login",
                             details={"typed": unlocked.renamed_from}
                             if unlocked.renamed_from else None)
                ws = workspace_for(vault, db, clock, user, clinic)
                ws.login_renamed = renamed
    finally:
        session.close()
    # Committed: only now may the pending failures leave the back-off file.
    vault.lockout.signed_in(unlocked.login)
    if refused is not None:
        db.close()
        raise AuthError(refused)
    _store_upgrade(vault, unlocked)
    ws.slot_private, ws.slot_fingerprint = unlocked.private, unlocked.fingerprint
    _open_sync_keys(ws)
    return ws


def _renamed(session: Session, user: User, typed: str) -> LoginRenamed | None:
    """The rename to tell a user whose login clinic sync renamed (the same login was given to
    another person on another laptop at the same time, ``services.sync.clashes``): at every
    sign-in with the old login, and at the first one with the new login after the rename."""
    if not typed:
        told = user.last_login_at  # she is told at her first sign-in since the rename
        renames = [r for r in key_bindings.login_renames(session, user.id)
                   if told is None or r.at > told]
        if not renames:
            return None
        typed = renames[-1].old
    return LoginRenamed(login=user.login, old=typed)


def _open_sync_keys(ws: Workspace) -> None:
    """Clinic sync keys that arrived sealed to this user open now (``sync.epochs``). A failure
    must not stop the sign-in: the next sign-in or sync round tries again."""
    from .sync import epochs

    with contextlib.suppress(ServiceError, StorageError):
        epochs.open_waiting(ws)


def lock(ws: Workspace) -> None:
    with ws.transaction() as s:
        audit.record(s, ws, "session.locked")


def unlock(ws: Workspace, password: str) -> None:
    """Re-enter the password after a lock. The database stays open while locked, so work that
    was running (a live block) goes on; only the screen was hidden."""
    if not _checked_password(ws, password, "unlock.failed"):
        raise AuthError("The password is not correct.")
    with ws.transaction() as s:
        audit.record(s, ws, "session.unlocked")


def _checked_password(ws: Workspace, password: str, failed_action: str) -> bool:
    """The signed-in user's password, under the same back-off as sign-in; a wrong one is
    audited as ``failed_action`` at once (the database is open)."""
    now = ws.clock.now()
    wait = ws.vault.lockout.retry_after(ws.actor.login, now)
    if wait > 0:
        raise AuthError(str(LockedOut(wait)))
    if _password_ok(ws, password):
        ws.vault.lockout.reset(ws.actor.login)
        return True
    try:
        with ws.transaction() as s:
            audit.record(s, ws, failed_action)
    except StorageProblem:
        ws.vault.lockout.record_failure(ws.actor.login, now)  # audited at next sign-in
        raise
    ws.vault.lockout.record_failure(ws.actor.login, now, audited=True)
    return False


def _password_ok(ws: Workspace, password: str) -> bool:
    try:
        return ws.vault.verify_password(ws.actor.login, password)
    except StorageError as error:  # e.g. the keychain is locked: not a wrong password
        raise AuthError(str(error)) from error


def sign_out(ws: Workspace) -> None:
    """Record the logout, then anchor the chain outside the database (storage.anchor)."""
    with ws.transaction() as s:
        audit.record(s, ws, "logout")
    with contextlib.suppress(StorageError):  # e.g. the key file vanished: still sign out
        anchor.advance(ws.vault.anchor_file(ws.db), ws.db, ws.clock.now())
    ws.close()


def reset_password_with_recovery(
    vault: Vault, clock: Clock, recovery_key: str, login: str, new_password: str
) -> None:
    c = Checker()
    login = check_login(c, "login", login)
    c.password("password", new_password, (login,))
    c.raise_if_any()
    try:
        unlocked = vault.unlock_with_recovery(recovery_key, clock.now())
    except (WrongPassword, LockedOut) as error:
        raise AuthError(str(error)) from None
    except StorageError as error:
        raise StorageProblem(str(error)) from error
    db = unlocked.db
    try:
        migrate_opened(vault, db, clock.now())
        slot = vault.new_slot(db, login, new_password)
        now = clock.now()
        session = db.session()
        with session.begin():
            _audit_failures(session, unlocked)
            _audit_settled(session, unlocked, now, None)
            entity = key_bindings.RECOVERY_ENTITY
            if not key_bindings.matches(session, entity, "", unlocked.fingerprint):
                audit.append(session, at=now, user_id=None, login=RECOVERY,
                             action="recovery_key.refused",
                             details={"reason": "key slot not bound to this clinic"})
                refused = True
            else:
                refused = False
                user = session.scalar(select(User).where(User.login == login))
                if user is None or not user.active:
                    raise AuthError("No active account with that login.")
                _bind_upgrade(session, unlocked, now, None, entity, "")
                audit.append(session, at=now, user_id=user.id, login=login,
                             action="password.reset_with_recovery_key", entity="user",
                             entity_id=user.id)
                key_bindings.bind(session, at=now, actor_id=None, actor_login=RECOVERY,
                                  entity="user", entity_id=user.id,
                                  fingerprint=slot.fingerprint(), reason="password reset",
                                  public=slot.public)
        session.close()
        vault.lockout.signed_in(RECOVERY)  # committed: the failures are in the log
        if refused:
            raise AuthError("This recovery key's slot is not the one recorded for the clinic"
                            " (the key file was altered). The attempt was logged.")
        _store_upgrade(vault, unlocked)
        # Only after the commit (see store_slot); a failure here leaves the old password valid
        # and the reset to be tried again.
        vault.put_slot(slot)
    except StorageError as error:
        raise StorageProblem(str(error)) from error
    finally:
        db.close()


def change_password(ws: Workspace, old: str, new: str, new_again: str) -> None:
    c = Checker()
    if not _checked_password(ws, old, "password.change_failed"):
        c.fail("old", "The current password is not correct.")
    c.password("new", new, (ws.actor.login, ws.actor.display_name))
    if new != new_again:
        c.fail("new_again", "The two new passwords are not the same.")
    c.raise_if_any()
    slot = key_bindings.new_slot(ws, ws.actor.login, new)
    from .sync import slots as travelling  # its storage helpers load with sync only

    copy = travelling.copy_new(ws, slot, new)
    with ws.transaction() as s:
        audit.record(s, ws, "password.changed", "user", ws.actor.user_id)
        key_bindings.bind_slot(s, ws, slot, ws.actor.user_id, "password changed")
        travelling.record(s, ws, ws.actor.user_id, copy)
    key_bindings.store_slot(ws, slot, ws.actor.user_id)


def idle_lock_minutes(ws: Workspace) -> int:
    with ws.read() as s:
        clinic = s.scalar(select(Clinic))
        return clinic.idle_lock_minutes if clinic else 10
