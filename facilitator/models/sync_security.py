"""Clinic sync, the security side (migration 0009): sync-key epochs waiting for a user who can
open them, other devices' audit events, what this laptop knows about each device's state, and
records that clashed on a unique field when two laptops created them. All inside the encrypted
database, all local bookkeeping (none of these tables travels as rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SyncKeyBox(Base):
    """A clinic sync key of a new epoch, sealed to one user's X25519 public key (named by its
    fingerprint), as announced in a device's chain. Kept until a user it was sealed to signs
    in here and opens it (``services.sync.epochs``)."""

    __tablename__ = "sync_key_boxes"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # The device that announced it: two laptops rotating while apart announce one epoch each.
    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    ephemeral: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    box: Mapped[bytes] = mapped_column(LargeBinary)


class PeerAuditEvent(Base):
    """An audit event of another device, exactly as that device hashed it into its own chain
    (its id there, its hash and predecessor's hash), so the chain of every device can be
    checked here while this laptop's own ``audit_events`` chain stays untouched."""

    __tablename__ = "peer_audit_events"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(index=True)
    user_id: Mapped[int | None]
    login: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SyncDevice(Base):
    """What this laptop knows about one device of the clinic beyond its chain head
    (``sync_peers``): the newest key epoch its entries used (entries under an older epoch are
    refused from then on), whether the hub froze it, and entries of it that failed a check."""

    __tablename__ = "sync_devices"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    hub_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    frozen: Mapped[bool] = mapped_column(default=False)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[str] = mapped_column(Text, default="")
    forks: Mapped[int] = mapped_column(Integer, default=0)


class SyncClash(Base):
    """A row pulled from another laptop that collided with a row here on a unique field (a
    chart number, a login, a curriculum key...). Both rows are kept; the later one (by change
    id) got its field suffixed, and an admin decides (``services.sync.clashes``)."""

    __tablename__ = "sync_clashes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tbl: Mapped[str] = mapped_column(String(64))
    gid: Mapped[str] = mapped_column(String(36))  # the row that was renamed
    other_gid: Mapped[str] = mapped_column(String(36))  # the row it collided with
    columns: Mapped[str] = mapped_column(String(200))
    renamed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class SyncMark(Base):
    """Named counters of sync's own bookkeeping (e.g. the last audit event id sent)."""

    __tablename__ = "sync_marks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
