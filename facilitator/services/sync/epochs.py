"""Sync-key epochs: a new clinic sync key when a member leaves, reaching only those who stay.

Threat: a removed member (a deactivated user, or whoever keeps a removed laptop) may hold an old
copy of a laptop's data folder (its data key, every sync key up to now, that device's signing
key) and may read the hub. So the new key must not travel under any old sync key, nor under
anything that folder holds. ``rotate`` makes a random key of the next epoch and *seals* it
(``storage.sealing``, HPKE base mode) to the X25519 public key of every remaining active user's
key slot, the one bound to that account by its newest ``key.bound`` audit event on any laptop
this one has synced with, not only here (``recipients`` says why that is safe). The boxes
travel as an announcement in this device's chain (``"epoch_key"`` in an entry's body). That
entry is the last one sealed under the old epoch, since the others cannot read the new one yet;
the boxes inside it open only with a remaining user's private key, which is wrapped under that
user's password.

A receiving laptop stores the boxes (``sync_key_boxes``) and opens the one for the user signed
in there, now or at a later sign-in (``open_waiting``), storing the key in ``sync_keys``. Until
some user it was sealed to signs in, that laptop

* pulls up to the first entry under the new epoch and stops there, saying so
  (``KeyWaiting``; the cursor stays before that entry, nothing is skipped), and
* seals none of its own new changes: they wait in the change log rather than go out under the
  old key, which the removed member could read.

From the announcement on, every entry of a device must use the new epoch or a newer one
(``facilitator.sync.chain``, the epoch rule), so a stale copy writing under the old key is
refused by every receiver. What a removed member already synced stays readable to them: the
rotation protects what is written after it.

**Two laptops rotating while apart** (an admin deactivates Uma on one, another deactivates
Tara on the other) each make a key of the same next epoch, sealed to whoever that laptop
thought active: Uma's key reaches Tara and the other way round. Every laptop keeps each key it
can open, by epoch and maker (``identity.SyncKeys``), reads an entry with whichever opens it,
and writes under its own (or the first by maker). Each key remembers whom it was sealed to;
a round that finds the key it writes under sealed to someone no longer active
(``exposed_in``: the other laptop's leaver, or someone deactivated here while a newer key
waited, when ``rotate_in`` had to skip) rotates before sealing more (``rotate_if_exposed``).
Each such rotation seals to the active accounts only, so it ends the exposure it was made for,
and the rotations stop once the laptops know the same leavers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ...models.sync import SyncIdentity, SyncKey
from ...models.sync_security import SyncKeyBox
from ...storage import sealing
from ...sync import entry as E
from .. import audit
from ..errors import Conflict, SyncProblem
from ..workspace import Workspace
from .identity import sync_keys
from .recipients import recipients, revoked

CONTEXT = b"facilitator sync key v1"


class KeyWaiting(SyncProblem):
    """Entries under a sync key epoch this laptop was told of but cannot open yet."""


@dataclass(frozen=True)
class EpochResult:
    epoch: int
    recipients: tuple[str, ...]
    """Accounts the new key was sealed to."""
    left_out: tuple[str, ...]
    """Active accounts with no known key at all: bound on no laptop this one has heard from
    (``recipients``). They get the key when an admin rotates again after their password is
    set or reset on a syncing laptop and that laptop has synced."""


def box_info(epoch: int, fingerprint: str) -> bytes:
    """The sealing context: scheme, epoch and recipient, so a box cannot be replayed as
    another epoch's key or moved to another account."""
    return b"\x00".join((CONTEXT, str(epoch).encode("ascii"), fingerprint.encode("ascii")))


def waiting_epochs(s: Session) -> list[int]:
    """Announced epochs newer than every key held here: this laptop cannot write yet. (One
    statement of columns: every write slice of a pull and every seal asks.)"""
    newest = select(func.coalesce(func.max(SyncKey.epoch), 0)).scalar_subquery()
    return list(s.scalars(select(SyncKeyBox.epoch).where(SyncKeyBox.epoch > newest)
                          .distinct().order_by(SyncKeyBox.epoch)))


def rotate(ws: Workspace, reason: str) -> EpochResult | None:
    """Make the next epoch's sync key and announce it to the remaining users (admins). None
    when this laptop does not sync (there is no clinic sync key to replace)."""
    ws.require("admin")
    with ws.transaction() as s:
        return rotate_in(s, ws, reason)


def rotate_in(s: Session, ws: Workspace, reason: str, *,
              strict: bool = True) -> EpochResult | None:
    """``rotate`` inside the caller's transaction (deactivating a user, rotating the data
    key), so the removal and the new key commit together. While a newer key waits here for
    a user who can open it, nothing can be sealed here: ``strict`` refuses, otherwise nothing
    happens now, and the round that opens that key rotates if it was sealed to the one
    removed (``rotate_if_exposed``)."""
    keys = sync_keys(s)
    if not keys:
        return None
    if waiting_epochs(s):
        if not strict:
            return None
        raise Conflict("A newer clinic sync key is waiting here for a user who can open it:"
                       " sign in as one of them first, then try again.")
    from ...storage.install import install_binding
    from .collect import seal
    from .identity import identity_row

    me = identity_row(s, ws, install_binding(ws.vault.data_dir))
    previous = keys.newest
    epoch = max(previous, s.scalar(select(func.max(SyncKeyBox.epoch))) or 0) + 1
    key = os.urandom(E.KEY_SIZE)
    people, missing = recipients(s, ws)
    boxes = []
    for person in people:
        eph, nonce, box = sealing.seal(key, person.public,
                                       box_info(epoch, person.fingerprint))
        boxes.append({"fp": person.fingerprint, "eph": eph.hex(), "nonce": nonce.hex(),
                      "box": box.hex()})
    s.add(SyncKey(epoch=epoch, maker=me.device_id, key=key, created_at=ws.clock.now(),
                  recipients=sorted({p.fingerprint for p in people})))
    s.flush()
    seal(s, ws, me, [], announce={"epoch": epoch, "boxes": boxes}, epoch=previous)
    logins = tuple(dict.fromkeys(p.login for p in people))
    audit.record(s, ws, "sync.key_rotated", "sync_key", epoch, reason=reason,
                 recipients=list(logins), left_out=missing)
    return EpochResult(epoch, logins, tuple(missing))


def take_announcement(s: Session, ws: Workspace, device_id: str,
                      announced: dict[str, Any]) -> int:
    """Store the boxes of an announcement pulled from ``device_id`` and open the signed-in
    user's one if there is one. Returns the announced epoch."""
    epoch = int(announced["epoch"])
    if sync_keys(s).holds(epoch, device_id):
        return epoch  # made here, or opened before
    for box in announced.get("boxes", []):
        if s.get(SyncKeyBox, (epoch, device_id, box["fp"])) is None:
            s.add(SyncKeyBox(epoch=epoch, fingerprint=box["fp"],
                             ephemeral=bytes.fromhex(box["eph"]),
                             nonce=bytes.fromhex(box["nonce"]), box=bytes.fromhex(box["box"]),
                             device_id=device_id))
    s.flush()
    open_in(s, ws)
    return epoch


def open_in(s: Session, ws: Workspace) -> list[int]:
    """Open every waiting box sealed to the signed-in user; returns the epochs gained."""
    private, fingerprint = ws.slot_private, ws.slot_fingerprint
    if private is None or not fingerprint:
        return []
    held = sync_keys(s)
    gained: list[tuple[int, str]] = []
    for box in s.scalars(select(SyncKeyBox).where(SyncKeyBox.fingerprint == fingerprint)
                         .order_by(SyncKeyBox.epoch, SyncKeyBox.device_id)):
        if held.holds(box.epoch, box.device_id):
            continue
        try:
            key = sealing.unseal(private, box.ephemeral, box.nonce, box.box,
                                 box_info(box.epoch, fingerprint))
        except sealing.Unsealable:
            continue  # altered on the way: another user's sign-in may still open a good one
        sealed_to = sorted(s.scalars(select(SyncKeyBox.fingerprint).where(
            SyncKeyBox.epoch == box.epoch, SyncKeyBox.device_id == box.device_id)))
        s.add(SyncKey(epoch=box.epoch, maker=box.device_id, key=key,
                      created_at=ws.clock.now(), recipients=sealed_to))
        gained.append((box.epoch, box.device_id))
        audit.record(s, ws, "sync.key_received", "sync_key", box.epoch, device=box.device_id)
    for epoch, device_id in gained:
        s.execute(delete(SyncKeyBox).where(SyncKeyBox.epoch == epoch,
                                           SyncKeyBox.device_id == device_id))
    s.flush()
    return sorted({epoch for epoch, _device in gained})


def open_waiting(ws: Workspace) -> list[int]:
    """At sign-in: open the boxes sealed to this user (a cheap look-up when none wait)."""
    with ws.read() as s:
        if not waiting_epochs(s):
            return []
    with ws.transaction() as s:
        return open_in(s, ws)


def announced_unopened(s: Session, epoch: int) -> bool:
    """Whether a key of ``epoch`` was announced here that no one has opened here yet."""
    return s.scalar(select(SyncKeyBox.epoch).where(SyncKeyBox.epoch == epoch).limit(1)) \
        is not None


def exposed_in(s: Session, ws: Workspace) -> list[str]:
    """The logins of accounts no longer active that the key this laptop writes under was
    sealed to (none when its recipients are unknown). Two laptops that rotate while apart
    each seal their key to whoever the other one removed; a deactivation while a newer key
    waits here (``rotate_in``, not strict) leaves that key sealed to the one removed."""
    keys = sync_keys(s)
    if not keys:
        return []
    me = s.scalar(select(SyncIdentity.device_id).where(SyncIdentity.retired_at.is_(None)))
    epoch = keys.newest
    sealed_to = s.scalar(select(SyncKey.recipients).where(
        SyncKey.epoch == epoch, SyncKey.maker == keys.maker_of(epoch, me or "")))
    if not sealed_to:
        return []
    gone = revoked(s, ws)
    return sorted({gone[fp] for fp in sealed_to if fp in gone})


def rotate_if_exposed(ws: Workspace) -> EpochResult | None:
    """Rotate when ``exposed_in`` names someone (in a round, after the pull has brought what
    the others changed), so nothing more is written under a key a leaver can open. None when
    no one is exposed, or a newer key waits here (its opening round rotates then)."""
    # Asked in a read first: twice a round, and a write transaction would queue behind the
    # console's for nothing.
    with ws.read() as s:
        if waiting_epochs(s) or not exposed_in(s, ws):
            return None
    with ws.transaction() as s:
        gone = exposed_in(s, ws)
        if not gone:
            return None
        return rotate_in(s, ws, "the current key was sealed to " + ", ".join(gone)
                         + ", no longer active", strict=False)


def key_waiting_message(epoch: int) -> str:
    return (f"Part of the clinic's record is under its new sync key (epoch {epoch}), which this"
            " laptop cannot open yet: it opens when one of the users it was given to signs in"
            " here. Changes made here wait on this laptop meanwhile; nothing is lost.")
