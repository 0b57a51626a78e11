"""Users' key slots travelling between the clinic's laptops (``models.slots``).

Where copies are made (only once sync is set up on the laptop):

* an admin makes the clinic's first enrolment code: her own slot, and every slot that needs no
  password (not bound to a keychain), are copied. Before that, nothing is copied: a clinic that
  never enrols a laptop carries no copies;
* a password is set (account created, password changed or reset, account reactivated): the
  service that makes the slot also records its password-only copy, in the transaction that
  binds the slot (``copy_new`` before it, ``record`` inside it);
* a user signs in and the newest copy of her slot is not the one this laptop's ``keys.json``
  holds, while this laptop's slot is the newer one (e.g. she reset her password here with the
  recovery key, or her slot predates sync): ``after_sign_in`` makes the copy from the password
  she just typed. A user whose slot is keychain-bound and who has not signed in (nor had a
  password set) on a syncing laptop since the first code was made has no copy yet, so she
  cannot sign in on a new laptop until she does;
  ``missing`` names such users for the admin who enrols a laptop.

``reconcile`` (after every sync round, and when a laptop joins) installs the newest copy of
each active user's slot into this laptop's ``keys.json`` when it differs from the slot there,
and removes the slot of every user deactivated anywhere. A slot bound here *after* the newest
copy was made is kept (and sent out at that user's next sign-in here). Slots are filed by the
account they are bound to, not by the login a copy was made under: when sync renames a login
(``clashes``: the same login typed for two people on two laptops), the renamed person's slot
moves to her new login and the other person's copy is installed under the login she kept;
neither replaces the other. Comparing times across
laptops assumes their clocks roughly agree; each slot change is also bound in the audit log.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models.audit import AuditEvent
from ...models.slots import TravelSlot
from ...models.sync import SyncState
from ...models.sync_security import SyncClash
from ...models.users import User
from ...storage import travel
from ...storage.errors import StorageError
from ...storage.keyfile import check_slot, slot_json
from ...storage.keys import Slot, open_slot, renamed, user_slot_name
from .. import audit, key_bindings
from ..errors import ServiceError, SyncProblem
from ..workspace import Workspace
from . import rows


def _enrolling(s: Session) -> bool:
    """Whether this clinic has used enrolment (some slot copy exists): before the first code,
    nothing is copied, so clinics that never enrol a laptop carry no copies at all."""
    return (s.get(SyncState, 1) is not None
            and s.scalar(select(TravelSlot.id).limit(1)) is not None)


def copying(ws: Workspace) -> bool:
    with ws.read() as s:
        return _enrolling(s)


def copy_new(ws: Workspace, slot: Slot, password: str) -> Slot | None:
    """The travelling copy of a slot just made for ``password`` (None when this laptop does
    not sync). Runs the slow KDF when the slot is keychain-bound: call it outside a write
    transaction."""
    if not copying(ws):
        return None
    try:
        return travel.travel_copy(ws.vault, slot, password)
    except StorageError as error:
        raise SyncProblem(str(error)) from error


def record(s: Session, ws: Workspace, user_id: int, copy: Slot | None) -> None:
    """Store the copy (it travels with the next sync) inside the caller's transaction."""
    if copy is not None:
        s.add(TravelSlot(user_id=user_id, public=copy.public, slot=slot_json(copy),
                         made_at=ws.clock.now()))


def newest(s: Session) -> dict[int, TravelSlot]:
    newest: dict[int, TravelSlot] = {}
    # Ascending, the last one wins. Two copies of one user can share a time (a sign-in's copy
    # and a password change's in one clock tick): the one stored later here is the later one
    # (a laptop stores its own in order, and a pull applies another's in the order it made
    # them); ordering such ties by the random public key picked the older copy half the time.
    for row in s.scalars(select(TravelSlot).order_by(TravelSlot.made_at, TravelSlot.id)):
        newest[row.user_id] = row
    return newest


def _bound_at(s: Session) -> dict[int, datetime]:
    """When each account's slot was last bound on this laptop."""
    rows = s.execute(select(AuditEvent.entity_id, func.max(AuditEvent.at))
                     .where(AuditEvent.action == key_bindings.BOUND,
                            AuditEvent.entity == "user").group_by(AuditEvent.entity_id))
    return {int(uid): at for uid, at in rows if uid.isdigit()}


def after_sign_in(ws: Workspace, password: str) -> None:
    """Send this user's slot to the other laptops when it is newer than the copy they have.
    Never stands in the way of signing in: a failure here is retried at the next sign-in."""
    with contextlib.suppress(ServiceError, StorageError):
        send_own(ws, password)


def _opens(row: TravelSlot, password: str) -> bool:
    try:
        open_slot(check_slot(dict(row.slot)), password, None)
    except StorageError:
        return False
    return True


def send_own(ws: Workspace, password: str, *, first: bool = False) -> None:
    """``after_sign_in`` for the signed-in user whose ``password`` was just checked; errors
    are raised. ``first``: the admin making an enrolment code (copies may start here)."""
    name = user_slot_name(ws.actor.login)
    with ws.read() as s:
        if s.get(SyncState, 1) is None or not (first or _enrolling(s)):
            return
        row = newest(s).get(ws.actor.user_id)
        bound = _bound_at(s).get(ws.actor.user_id)
        made = row.made_at if row is not None else None
        public = row.public if row is not None else None
    slot = travel.slot_named(ws.vault, name)
    if slot is None or not slot.keyed or slot.public == public:
        return
    if row is not None and _opens(row, password):
        return  # the clinic's copy takes this password already (e.g. a restored laptop)
    if made is not None and (bound is None or bound <= made):
        return  # the copy is newer: ``reconcile`` installs it here
    copy = travel.travel_copy(ws.vault, slot, password)
    with ws.transaction() as s:
        record(s, ws, ws.actor.user_id, copy)


def plain_copies(s: Session, ws: Workspace, *, first: bool = False) -> None:
    """Inside a sync round's first transaction: copies of the active users' slots that need no
    password (not bound to the keychain), for those whose newest copy is not their slot here.
    ``first``: an enrolment code is being made (copies may start here)."""
    if not (first or _enrolling(s)):
        return
    local = travel.slots(ws.vault)
    rows, bound = newest(s), _bound_at(s)
    for user in s.scalars(select(User).where(User.active)):
        slot = local.get(user_slot_name(user.login))
        if slot is None or not slot.keyed or slot.device_bound:
            continue
        row = rows.get(user.id)
        # No copy yet, or this slot was bound here after the newest copy was made (a slot
        # restored from a backup is such a slot too: one copy more, harmless).
        if row is None or (row.public != slot.public and user.id in bound
                           and bound[user.id] > row.made_at):
            record(s, ws, user.id, travel.travelling(slot))


def missing(ws: Workspace) -> list[str]:
    """Active users with no travelling copy of their slot at all (after ``plain_copies``): they
    must sign in once on a syncing laptop before they can sign in on a newly enrolled one."""
    with ws.transaction() as s:
        plain_copies(s, ws, first=True)
    with ws.read() as s:
        copied = set(newest(s))
        return sorted(u.login for u in s.scalars(select(User).where(User.active))
                      if u.id not in copied)


def reconcile(ws: Workspace) -> tuple[int, int]:
    """Bring this laptop's ``keys.json`` in line with the clinic's users (see the module
    docstring). Returns (slots installed or refiled, slots removed). Raises SyncProblem when
    the key file cannot be written (the next round tries again).

    A login renamed by sync (``clashes``) moves its slot: the slot bound to the account is
    refiled under her new login (``keys.renamed``) and bound again, so the binding names her
    new login, and the rename is audited (``user.login_renamed``). Only then is the other
    person's slot installed under the login she kept. A slot is filed under the login of the
    account it is bound to, never under another's, and never replaces a slot bound to
    another active account."""
    local = {name: slot for name, slot in travel.slots(ws.vault).items()}
    add: list[tuple[int, Slot]] = []
    remove: list[tuple[int, str]] = []
    with ws.read() as s:
        rows, bound = newest(s), _bound_at(s)
        everyone = list(s.scalars(select(User)))
        keys_of = {u.id: key_bindings.bound(s, "user", u.id) for u in everyone if u.active}
        moves = _moves(everyone, keys_of, local)
        after = _after(local, moves)
        others = {fp: uid for uid, fp in keys_of.items() if fp}
        renames = _unaudited_renames(s)
        for user in everyone:
            name = user_slot_name(user.login)
            here = after.get(name)
            if not user.active:
                if here is not None:
                    remove.append((user.id, name))
                continue
            row = rows.get(user.id)
            if row is None or (here is not None and here.public == row.public):
                continue
            if (here is not None and user.id in bound and bound[user.id] > row.made_at
                    and keys_of[user.id] == here.fingerprint()):
                continue  # changed here after that copy was made (and bound to this slot)
            if here is not None and others.get(here.fingerprint(), user.id) != user.id:
                continue  # another account's slot, whose move did not happen: never replaced
            try:
                add.append((user.id, renamed(check_slot(dict(row.slot)), name)))
            except StorageError as error:
                raise SyncProblem(str(error)) from error
    if not add and not remove and not moves and not renames:
        return 0, 0
    # Bound first, stored after (as a password change does): a slot in the file is never
    # one the database does not know.
    with ws.transaction() as s:
        for uid, old, new in renames:
            audit.record(s, ws, key_bindings.LOGIN_RENAMED, "user", uid, **{
                "from": old, "to": new, "reason": "sync clash"})
        for uid, _old, new, slot in moves:
            _bind(s, ws, uid, slot, f"login renamed to {new.split(':', 1)[1]}")
        for uid, slot in add:
            _bind(s, ws, uid, slot, "from another laptop")
        for uid, _name in remove:
            audit.record(s, ws, "key.slot_removed", "user", uid,
                         reason="deactivated on another laptop")
    try:
        travel.install(ws.vault, ws.db.raw_key(), [slot for _, slot in add],
                       [name for _, name in remove],
                       [(old, new, slot.public) for _uid, old, new, slot in moves])
    except StorageError as error:
        raise SyncProblem(f"The users' key slots from the other laptops were not saved"
                          f" ({error}); the next sync tries again.") from error
    return len(add) + len(moves), len(remove)


def _bind(s: Session, ws: Workspace, uid: int, slot: Slot, reason: str) -> None:
    key_bindings.bind(s, at=ws.clock.now(), actor_id=ws.actor.user_id,
                      actor_login=ws.actor.login, entity="user", entity_id=uid,
                      fingerprint=slot.fingerprint(), reason=reason, public=slot.public)


Move = tuple[int, str, str, Slot]  # account, from name, to name, the slot


def _moves(everyone: list[User], keys_of: dict[int, str | None], local: dict[str, Slot]
           ) -> list[Move]:
    """Slots bound to an active account but filed under another name (her login was renamed
    by sync after the slot came here): each to be filed under her login."""
    by_print = {slot.fingerprint(): name for name, slot in local.items()
                if slot.keyed and name.startswith("user:")}
    moves = []
    for user in everyone:
        fp, name = keys_of.get(user.id), user_slot_name(user.login)
        if not user.active or not fp or fp not in by_print or by_print[fp] == name:
            continue
        if name in local and local[name].fingerprint() == fp:
            continue
        moves.append((user.id, by_print[fp], name, local[by_print[fp]]))
    return moves


def _after(local: dict[str, Slot], moves: list[Move]) -> dict[str, Slot]:
    after = dict(local)
    for _uid, old, _new, _slot in moves:
        after.pop(old, None)
    for _uid, _old, new, slot in moves:
        after[new] = renamed(slot, new)
    return after


def _unaudited_renames(s: Session) -> list[tuple[int, str, str]]:
    """Accounts renamed by a login clash (``clashes``) whose rename this laptop has not audited
    yet: (account, the login both had, her new login)."""
    done = {(r.user_id, r.new) for r in key_bindings.login_renames(s)}
    found = []
    for clash in s.scalars(select(SyncClash).where(SyncClash.tbl == "users",
                                                   SyncClash.renamed.is_(True))):
        try:
            user = s.get(User, rows.local_of(s, "users", clash.gid))
            kept = s.get(User, rows.local_of(s, "users", clash.other_gid))
        except rows.MissingRecord:
            continue
        if user is not None and kept is not None and (user.id, user.login) not in done:
            found.append((user.id, kept.login, user.login))
            done.add((user.id, user.login))
    return found
