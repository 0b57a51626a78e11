"""Revoking keys (admins): rotate the data key, issue a new recovery key.

Rotation makes a new random data key, re-encrypts the database with it (SQLCipher ``PRAGMA
rekey``) and seals it to the public key of every remaining active account and of the recovery
key, without anyone's password (``storage.keys``). A deactivated user's slot, kept in an old
copy of ``keys.json``, then opens nothing in the live database or in any backup made after the
rotation. Backups made before it stay readable with the keys they were made with: that is what
a backup is for.

Accounts whose slot is still in the old format (nobody has signed in with it since the
upgrade) cannot be sealed to; the admin is told who they are, and rotating anyway means an
admin password reset for them (``users.reset_password``). A new recovery key always comes with
a new data key: otherwise the old recovery key and an old copy of ``keys.json`` would still
unwrap the unchanged data key.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy import select

from ..models.users import User
from ..storage import anchor
from ..storage.errors import StorageError
from ..storage.keys import RECOVERY_SLOT, user_slot_name
from ..storage.vault_slots import Rotation
from . import audit, key_bindings
from .errors import Conflict, StorageProblem
from .workspace import Workspace


@dataclass(frozen=True)
class RotationPlan:
    """What a rotation would do now. ``kept``: accounts that get the new key; ``need_reset``:
    active accounts that would need an admin password reset (old-format or unbound slot);
    ``dropped``: slots of deactivated or unknown accounts that stop working."""

    kept: tuple[str, ...]
    need_reset: tuple[str, ...]
    dropped: tuple[str, ...]
    new_recovery_needed: bool


@dataclass(frozen=True)
class RotationResult:
    epoch: int
    recovery_key: str | None
    """The new recovery key, to show exactly once (None: the recovery key did not change)."""
    need_reset: tuple[str, ...]
    dropped: tuple[str, ...]


def rotation_plan(ws: Workspace) -> RotationPlan:
    """Who keeps access through a rotation, who would need a password reset, what is dropped."""
    ws.require("admin")
    try:
        prints = ws.vault.slot_fingerprints()
    except StorageError as error:
        raise StorageProblem(str(error)) from error
    kept, need_reset = [], []
    with ws.read() as s:
        for user in s.scalars(select(User).order_by(User.login)):
            fingerprint = prints.get(user_slot_name(user.login), "")
            if not user.active:
                continue
            if fingerprint and key_bindings.bound(s, "user", user.id) == fingerprint:
                kept.append(user.login)
            else:
                need_reset.append(user.login)
        recovery_bound = key_bindings.bound(s, key_bindings.RECOVERY_ENTITY, "")
    dropped = sorted(n.split(":", 1)[1] for n in prints
                     if n.startswith("user:") and n.split(":", 1)[1] not in kept)
    recovery = prints.get(RECOVERY_SLOT, "")
    return RotationPlan(tuple(kept), tuple(need_reset), tuple(dropped),
                        not recovery or recovery != recovery_bound)


def rotate_data_key(ws: Workspace, *, new_recovery: bool = False,
                    accept_resets: bool = False) -> RotationResult:
    """Rotate the data key (and, with ``new_recovery`` or when the recovery slot is in the old
    format, the recovery key). Refuses with Conflict, changing nothing, while accounts would
    lose access unless ``accept_resets``.

    Crash safety: the key file first holds the new key beside the current one, then the
    database is rekeyed, the rotation audited in it, and the key file settled; an interruption
    anywhere leaves a folder that opens (unlock tries the newest key first and settles)."""
    try:
        # The key file's lock is held throughout (the plan included), so a sign-in in another
        # process (a CLI backup) can neither change the slots, overwrite the pending key nor
        # settle the rotation half-way.
        with ws.vault.keys_locked():
            plan = rotation_plan(ws)
            if ws.actor.login not in plan.kept:
                raise Conflict("Sign out and in again first: your own key slot is not yet in"
                               " the new format.")
            if plan.need_reset and not accept_resets:
                raise Conflict("These accounts have not signed in since the key upgrade and"
                               " would need a password reset after the rotation:"
                               f" {', '.join(plan.need_reset)}.")
            rotation, saved = _rotate(ws, plan, new_recovery or plan.new_recovery_needed)
    except StorageError as error:
        raise StorageProblem(str(error)) from error
    _reseal_anchor(ws, saved)
    return RotationResult(rotation.epoch, rotation.recovery_key, plan.need_reset, plan.dropped)


def _rotate(ws: Workspace, plan: RotationPlan, new_recovery: bool
            ) -> tuple[Rotation, anchor.Anchor | None]:
    vault = ws.vault
    anchor_file = vault.anchor_file(ws.db)
    rotation = vault.begin_rotation([user_slot_name(n) for n in plan.kept], new_recovery)
    saved, problem, note = anchor_file.read()  # sealed under the old key: read it before
    try:
        ws.db.rekey(rotation.data_key)
    except StorageError:
        with contextlib.suppress(StorageError):
            vault.settle_rotation(rotation.epoch - 1)
        raise
    with ws.transaction() as s:
        audit.record(s, ws, "keys.rotated", "clinic", "", epoch=rotation.epoch,
                     dropped=list(plan.dropped), need_reset=list(plan.need_reset),
                     new_recovery_key=rotation.recovery_key is not None)
        # Whoever was removed loses the clinic's sync key too (``sync.epochs``); the new one
        # reaches every active account's bound key, on whichever laptop it was bound.
        from .sync import epochs

        epochs.rotate_in(s, ws, "data key rotated", strict=False)
        if rotation.recovery_key is not None:
            key_bindings.bind(s, at=ws.clock.now(), actor_id=ws.actor.user_id,
                              actor_login=ws.actor.login, entity=key_bindings.RECOVERY_ENTITY,
                              entity_id="", fingerprint=rotation.recovery_fingerprint,
                              reason="new recovery key")
    with contextlib.suppress(StorageError):  # else the next unlock settles it
        vault.settle_rotation(rotation.epoch)
    return rotation, saved if problem is None and note is None else None


def issue_recovery_key(ws: Workspace, *, accept_resets: bool = False) -> RotationResult:
    """A new recovery key (the old one stops working), with a new data key (see module)."""
    return rotate_data_key(ws, new_recovery=True, accept_resets=accept_resets)


def _reseal_anchor(ws: Workspace, saved: anchor.Anchor | None) -> None:
    """The anchor file was sealed with a key derived from the old data key: write it again
    under the new one (then advance it), unless it held evidence of a problem, which stays."""
    if saved is None:
        return
    with contextlib.suppress(StorageError, OSError):
        new_file = ws.vault.anchor_file(ws.db)
        new_file.write(saved)
        anchor.advance(new_file, ws.db, ws.clock.now())


def check_slots(ws: Workspace) -> tuple[list[str], list[str]]:
    """``verify``'s view of the key file: (report lines, problems). A slot whose key is not the
    one recorded for its account (a forged or swapped slot) is a problem even before anyone
    tries to sign in with it; old-format slots awaiting their user's next sign-in are noted."""
    try:
        prints, epoch = ws.vault.slot_fingerprints(), ws.vault.key_epoch()
    except StorageError as error:
        return [], [str(error)]
    problems, waiting = [], []
    with ws.read() as s:
        ids = {login: uid for login, uid in s.execute(select(User.login, User.id))}
        for name, fingerprint in sorted(prints.items()):
            login = name.split(":", 1)[1] if name.startswith("user:") else ""
            entity, entity_id = (("user", ids.get(login)) if login
                                 else (key_bindings.RECOVERY_ENTITY, ""))
            if entity_id is None:
                problems.append(f"the key file holds a slot for {login}, who has no account")
            elif not key_bindings.matches(s, entity, entity_id, fingerprint):
                problems.append(f"the key slot of {login or 'the recovery key'} is not the one"
                                " recorded for it (altered key file)")
            elif not fingerprint:
                waiting.append(login or "the recovery key")
    line = f"Key slots: {len(prints)}, key generation {epoch}"
    if waiting:
        line += f"; old format until next used: {', '.join(waiting)}"
    return [line], problems
