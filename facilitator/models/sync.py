"""Clinic sync state kept inside the encrypted database: this install's device identity and
the clinic sync keys (one per epoch). Nothing here leaves the laptop in clear: the signing key
and the sync keys are as protected as the clinical rows beside them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SyncIdentity(Base):
    """A device identity (Ed25519 key pair + random device id). Exactly one row has no
    ``retired_at``: the identity of this install. A restored or cloned database finds its
    install binding changed, retires the row and makes a new one, so two machines never write
    one chain (one chain, one writer)."""

    __tablename__ = "sync_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(36), unique=True)
    signing_key: Mapped[bytes] = mapped_column(LargeBinary)  # Ed25519 private seed, 32 bytes
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    install_token: Mapped[str] = mapped_column(String(64))
    install_inode: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    # The device's own chain as sealed so far (0 / 32 zero bytes before its first entry).
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[bytes] = mapped_column(LargeBinary)
    retired_at: Mapped[datetime | None]
    retired_reason: Mapped[str] = mapped_column(String(200), default="")


class SyncKey(Base):
    """The clinic's sync key of one epoch (AES-256). New entries use the highest epoch; older
    ones stay to read the history."""

    __tablename__ = "sync_keys"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
