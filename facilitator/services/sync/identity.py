"""This install's device identity and the clinic sync key.

``current_identity`` returns the identity to sign with, after comparing the one stored in the
database with the data folder's install binding (``storage.install``): a restored or cloned
database gets a new identity instead of continuing another machine's chain.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models.sync import SyncIdentity, SyncKey
from ...storage.install import InstallBinding, install_binding
from ...sync.entry import GENESIS, KEY_SIZE, public_bytes
from ...sync.ids import uuid7
from .. import audit
from ..workspace import Workspace


@dataclass(frozen=True)
class DeviceIdentity:
    device_id: uuid.UUID
    public_key: bytes
    seq: int
    head_hash: bytes


def _dto(row: SyncIdentity) -> DeviceIdentity:
    return DeviceIdentity(uuid.UUID(row.device_id), row.public_key, row.seq, row.head_hash)


def identity_row(session: Session, ws: Workspace, binding: InstallBinding) -> SyncIdentity:
    """The current identity row, retiring a stale one and creating a new one when needed; inside
    the caller's write transaction."""
    row = session.scalars(select(SyncIdentity).where(SyncIdentity.retired_at.is_(None))).first()
    if row is not None and (row.install_token, row.install_inode) == (binding.token,
                                                                      binding.inode):
        return row
    now = ws.clock.now()
    reason = "first use of sync on this install"
    if row is not None:
        reason = "the data folder is a restored or copied install"
        row.retired_at = now
        row.retired_reason = reason
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    fresh = SyncIdentity(
        device_id=str(uuid7(int(now.timestamp() * 1000))), signing_key=seed,
        public_key=public_bytes(key), install_token=binding.token, install_inode=binding.inode,
        created_at=now, seq=0, head_hash=GENESIS, retired_at=None, retired_reason="")
    session.add(fresh)
    session.flush()
    audit.record(session, ws, "sync.identity_created", "device", fresh.device_id,
                 reason=reason, retired=row.device_id if row is not None else "")
    return fresh


def current_identity(ws: Workspace) -> DeviceIdentity:
    """This install's device identity (created, or renewed after a restore or copy)."""
    binding = install_binding(ws.vault.data_dir)
    with ws.transaction() as s:
        return _dto(identity_row(s, ws, binding))


def sync_keys(session: Session) -> dict[int, bytes]:
    """Every sync key this laptop holds, by epoch (columns, not ORM objects: every seal and
    every pulled entry asks)."""
    return {epoch: key for epoch, key in session.execute(select(SyncKey.epoch, SyncKey.key))}


def create_clinic_key(ws: Workspace) -> int:
    """Make the clinic's first sync key (epoch 1) on the laptop that sets up sync; other laptops
    receive it through enrolment. Returns the epoch. Admins only."""
    ws.require("admin")
    with ws.transaction() as s:
        return create_first_key(s, ws)


def create_first_key(s: Session, ws: Workspace) -> int:
    """``create_clinic_key`` inside the caller's transaction."""
    current = max(sync_keys(s), default=0)
    if current:
        return current
    s.add(SyncKey(epoch=1, key=os.urandom(KEY_SIZE), created_at=ws.clock.now()))
    audit.record(s, ws, "sync.key_created", "sync_key", 1)
    return 1
