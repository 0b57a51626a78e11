"""Re-entering the password to sign: the same back-off and audit as the lock screen."""

from __future__ import annotations

from ...storage.errors import LockedOut, StorageError
from .. import audit
from ..errors import AuthError, StorageProblem
from ..workspace import Workspace


def confirm_password(ws: Workspace, password: str, action: str) -> None:
    """Raise AuthError unless ``password`` is the signed-in user's. A wrong one counts toward
    the login back-off and is audited as ``<action>.failed``."""
    now = ws.clock.now()
    wait = ws.vault.lockout.retry_after(ws.actor.login, now)
    if wait > 0:
        raise AuthError(str(LockedOut(wait)))
    try:
        ok = ws.vault.verify_password(ws.actor.login, password)
    except StorageError as error:  # e.g. the keychain is locked: not a wrong password
        raise AuthError(str(error)) from error
    if ok:
        ws.vault.lockout.reset(ws.actor.login)
        return
    try:
        with ws.transaction() as s:
            audit.record(s, ws, f"{action}.failed")
    except StorageProblem:
        ws.vault.lockout.record_failure(ws.actor.login, now)  # audited at next sign-in
        raise
    ws.vault.lockout.record_failure(ws.actor.login, now, audited=True)
    raise AuthError("The password is not correct. Nothing was signed.")
