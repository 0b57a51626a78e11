"""This install's device identity and the clinic sync keys.

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


class SyncKeys(dict[int, tuple[bytes, ...]]):
    """Every sync key this laptop holds: epoch -> its keys, one per maker, in maker order.

    An epoch usually has one key. Two laptops that rotate while apart (each deactivating
    someone, say) both make a key of the next epoch; every laptop keeps each one it can open,
    reads an entry with whichever opens it (AES-GCM tells a wrong key) and writes under
    ``writing``. The first of two such rotations to learn of the other's leaver rotates again
    (``epochs.rotate_if_exposed``)."""

    def __init__(self, held: list[tuple[int, str, bytes]]) -> None:
        by_epoch: dict[int, list[tuple[str, bytes]]] = {}
        for epoch, maker, key in sorted(held, key=lambda k: (k[0], k[1])):
            by_epoch.setdefault(epoch, []).append((maker, key))
        super().__init__({e: tuple(k for _m, k in keys) for e, keys in by_epoch.items()})
        self.makers = {e: tuple(m for m, _k in keys) for e, keys in by_epoch.items()}

    @property
    def newest(self) -> int:
        return max(self, default=0)

    def holds(self, epoch: int, maker: str) -> bool:
        """Whether the key ``maker`` announced for ``epoch`` is here (a key of that epoch held
        since before makers were kept counts as it)."""
        return bool({maker, ""} & set(self.makers.get(epoch, ())))

    def writing(self, epoch: int, device_id: str) -> bytes:
        """The key this device seals under at ``epoch``: its own when it made one, else the
        first by maker, the same on every laptop that holds it."""
        return self[epoch][self.makers[epoch].index(self.maker_of(epoch, device_id))]

    def maker_of(self, epoch: int, device_id: str) -> str:
        """Who made the key ``writing`` picks."""
        makers = self.makers[epoch]
        return device_id if device_id in makers else makers[0]


def sync_keys(session: Session) -> SyncKeys:
    """Every sync key this laptop holds (columns, not ORM objects: every seal and every pulled
    entry asks)."""
    return SyncKeys([(epoch, maker, key) for epoch, maker, key in session.execute(
        select(SyncKey.epoch, SyncKey.maker, SyncKey.key))])


def create_clinic_key(ws: Workspace) -> int:
    """Make the clinic's first sync key (epoch 1) on the laptop that sets up sync; other laptops
    receive it through enrolment. Returns the epoch. Admins only."""
    ws.require("admin")
    with ws.transaction() as s:
        return create_first_key(s, ws)


def create_first_key(s: Session, ws: Workspace) -> int:
    """``create_clinic_key`` inside the caller's transaction."""
    current = sync_keys(s).newest
    if current:
        return current
    s.add(SyncKey(epoch=1, maker="", key=os.urandom(KEY_SIZE), created_at=ws.clock.now()))
    audit.record(s, ws, "sync.key_created", "sync_key", 1)
    return 1
