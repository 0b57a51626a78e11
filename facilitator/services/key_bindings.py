"""Which key slot belongs to which account, recorded inside the encrypted database; and the
steps that make, bind and store a password's slot (account services share them).

Anyone who is signed in holds the data key, so she could write a slot named ``user:admin`` into
``keys.json`` sealed to a key pair of her own and then sign in as the admin with her own
password. What she cannot do unnoticed is change the record of which public key each account
*has*: every new slot is bound by a ``key.bound`` audit event (the account, the fingerprint of
the slot's public key), and sign-in refuses, with a ``login.refused`` event, a slot whose key is
not the newest one bound to that account.

Why the audit log rather than a column: its rows cannot be updated or deleted (triggers), they
are hash-chained and anchored outside the database (``storage.anchor``), so a forged binding is
an extra, visible event, and it needs no schema migration. The lookup uses the index on
``action``. A person who edits the database file directly with the data key can still forge a
binding; ``verify`` and the anchors are what show such edits.
"""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models.audit import AuditEvent
from ..models.users import User
from ..storage.errors import StorageError
from ..storage.keys import Slot
from . import audit
from .errors import ServiceError, StorageProblem
from .workspace import Workspace

BOUND = "key.bound"
# Clinic sync renamed an account's login (a login clash, ``sync.clashes``); its slot is refiled
# under the new login and bound again (``sync.slots.reconcile``).
LOGIN_RENAMED = "user.login_renamed"
RECOVERY_ENTITY = "recovery"


@dataclass(frozen=True)
class LoginRename:
    """One ``LOGIN_RENAMED`` event: account ``user_id`` went from login ``old`` to ``new``."""

    user_id: int
    old: str
    new: str
    at: datetime


def login_renames(session: Session, user_id: int | None = None) -> list[LoginRename]:
    """The logins clinic sync renamed on this laptop (every account's, or one's), oldest
    first: the one reader of ``LOGIN_RENAMED`` events for sign-in, the users list and the
    slot reconcile."""
    query = select(AuditEvent.entity_id, AuditEvent.details, AuditEvent.at).where(
        AuditEvent.action == LOGIN_RENAMED, AuditEvent.entity == "user")
    if user_id is not None:
        query = query.where(AuditEvent.entity_id == str(user_id))
    return [LoginRename(int(uid), str(details.get("from", "")), str(details.get("to", "")), at)
            for uid, details, at in session.execute(query.order_by(AuditEvent.id))
            if uid.isdigit() and isinstance(details, dict)]


def bound(session: Session, entity: str, entity_id: object) -> str | None:
    """The fingerprint most recently bound to the account (``entity`` "user", its id) or to the
    recovery key (``RECOVERY_ENTITY``); None when nothing was bound yet (a clinic that has not
    signed in since the upgrade)."""
    details = session.scalar(
        select(AuditEvent.details).where(AuditEvent.action == BOUND,
                                         AuditEvent.entity == entity,
                                         AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.id.desc()).limit(1))
    return None if details is None else str(details.get("fingerprint", ""))


def bind(session: Session, *, at: datetime, actor_id: int | None, actor_login: str,
         entity: str, entity_id: object, fingerprint: str, reason: str,
         public: str = "") -> None:
    """Record that ``fingerprint`` is now the slot key of the account (or recovery key).

    A user's binding also names the account by its login and carries the slot's public key
    (base64; ``public`` when the caller has the slot): the event travels to the clinic's other
    laptops, where the account's local id means nothing and the slot may never arrive, so a
    sync-key rotation there can still seal to this key (``services.sync.recipients``)."""
    details: dict[str, str] = {"fingerprint": fingerprint, "reason": reason}
    if entity == "user":
        user = session.get(User, int(str(entity_id))) if str(entity_id).isdigit() else None
        if user is not None:
            details["account"] = user.login
        if public:
            details["public"] = public
    audit.append(session, at=at, user_id=actor_id, login=actor_login, action=BOUND,
                 entity=entity, entity_id=entity_id, details=details)


def matches(session: Session, entity: str, entity_id: object, fingerprint: str) -> bool:
    """Whether a slot with ``fingerprint`` ("" for a format-1 slot) may open the account: a
    format-2 slot must carry the bound key; a format-1 slot is accepted only while nothing is
    bound (it is upgraded and bound at that sign-in)."""
    current = bound(session, entity, entity_id)
    if fingerprint:
        return current == fingerprint
    return current is None


def new_slot(ws: Workspace, login: str, password: str) -> Slot:
    """The key slot for ``login``'s new password (the slow KDF), not yet stored."""
    try:
        return ws.vault.new_slot(ws.db, login, password)
    except StorageError as error:  # e.g. the keychain is locked: nothing was changed
        raise StorageProblem(str(error)) from error


def bind_slot(session: Session, ws: Workspace, slot: Slot, user_id: int, reason: str) -> None:
    """Record ``slot``'s public key as ``user_id``'s, inside the transaction that audits the
    password change."""
    bind(session, at=ws.clock.now(), actor_id=ws.actor.user_id,
                      actor_login=ws.actor.login, entity="user", entity_id=user_id,
                      fingerprint=slot.fingerprint(), reason=reason, public=slot.public)


def store_slot(ws: Workspace, slot: Slot, user_id: int) -> None:
    """Store a password's key slot *after* the transaction that audited (and bound) it has
    committed, so a password is never changed without its audit event. When the slot cannot
    be written, the log says so (``password.not_saved``), the slot still in the file is bound
    again and the old password stays valid."""
    try:
        ws.vault.put_slot(slot)
    except StorageError as error:
        with contextlib.suppress(ServiceError, StorageError), ws.transaction() as s:
            audit.record(s, ws, "password.not_saved", "user", user_id, reason=str(error))
            old = ws.vault.slot_fingerprints().get(slot.name)
            public = ws.vault.slot_publics().get(slot.name)
            if old:
                bind(s, at=ws.clock.now(), actor_id=ws.actor.user_id,
                     actor_login=ws.actor.login, entity="user", entity_id=user_id,
                     fingerprint=old, reason="not saved",
                     public=base64.b64encode(public).decode("ascii") if public else "")
        raise StorageProblem(f"{error} The password was not changed.") from error


def remove_slot(ws: Workspace, login: str) -> None:
    """Remove a deactivated account's slot after the deactivation committed."""
    try:
        ws.vault.remove_login(login)
    except StorageError as error:
        raise StorageProblem(f"{error} The account is deactivated (sign-in refuses it), but"
                             " its key slot is still in the key file.") from error
