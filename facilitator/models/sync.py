"""Clinic sync state kept inside the encrypted database: this install's device identity, the
clinic sync keys (per epoch and maker), the change log, each synced row's global id and field state,
the devices seen and the entries waiting for the hub. Nothing here leaves the laptop in clear:
the signing key and the sync keys are as protected as the clinical rows beside them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Dialect,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
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
    """A clinic sync key (AES-256) of one epoch, as made by one device. New entries use the
    highest epoch; older ones stay to read the history. Two laptops that rotate while apart
    both make a key of the same epoch, so an epoch may have one key per ``maker``
    (``services.sync.identity.SyncKeys``)."""

    __tablename__ = "sync_keys"

    epoch: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # The device that made the key and announced it ("" for a key held since before makers
    # were kept, or the clinic's first key).
    maker: Mapped[str] = mapped_column(String(36), primary_key=True, default="")
    key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    # The fingerprints of the key pairs the key was sealed to (a JSON list), None when unknown
    # (the first key, or one held since before recipients were kept): a key sealed to someone
    # who has since left is replaced (``services.sync.epochs.rotate_if_exposed``).
    recipients: Mapped[list[str] | None] = mapped_column(JSON, default=None)


class SyncDirty(Base):
    """Records changed since the last collection, one row each, noted by the capture triggers
    (``storage.sync_capture``) in the same transaction as the change; ``id`` orders them by
    their latest touch."""

    __tablename__ = "sync_dirty"
    __table_args__ = (UniqueConstraint("tbl", "row_key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    tbl: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(200))


class SyncGone(Base):
    """A synced record deleted here since the last collection, by global id, noted by the
    capture triggers (``storage.sync_capture``): its key may already hold another record.
    ``at`` is the deletion's place among the notes of ``sync_dirty``."""

    __tablename__ = "sync_gone"

    tbl: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    gid: Mapped[str] = mapped_column(String(36))
    at: Mapped[int] = mapped_column(Integer)


# The key under which a stored ``fields`` names the one change every field came from (no
# column is called "").
_ONE_CHANGE = ""


class FieldHeads(TypeDecorator[dict[str, Any]]):
    """``SyncRow.fields`` as stored. Nearly every synced row has one head per field, all from
    the change that inserted or last wrote the whole row; written out, each field repeated that
    change's 36-character id (a third of the ~800 MB of sync records a five-year clinic keeps,
    all of it written during a new laptop's first pull). Such a row is stored as ``{"": change
    id, column: value, ...}``; every other row (several heads, heads from different changes, a
    head carrying what it superseded) as ``{column: [[change id, value, ...], ...]}``. Read
    back, both are the latter, so nothing above this type sees the difference; rows stored
    before this type read as they were written."""

    impl = JSON
    cache_ok = True

    @staticmethod
    def one_change(change: str, values: dict[str, Any]) -> dict[str, Any]:
        """Heads naming ``change`` for every field, already in their stored form: what a
        first pull writes for each of its ~700,000 rows, where checking that each field has
        one head from one change took 5 s."""
        if not values:
            return {}
        return {_ONE_CHANGE: change, **values}

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect
                           ) -> dict[str, Any] | None:
        if not value or _ONE_CHANGE in value:  # empty, or stored form (``one_change``)
            return value
        first = next(iter(value.values()))
        if not first or len(first[0]) != 2:
            return value
        change = first[0][0]
        if not all(len(heads) == 1 and len(heads[0]) == 2 and heads[0][0] == change
                   for heads in value.values()):
            return value
        return {_ONE_CHANGE: change, **{column: heads[0][1] for column, heads in value.items()}}

    def process_result_value(self, value: dict[str, Any] | None, dialect: Dialect
                             ) -> dict[str, Any] | None:
        if not value or _ONE_CHANGE not in value:
            return value
        change = value[_ONE_CHANGE]
        return {column: [[change, v]] for column, v in value.items() if column != _ONE_CHANGE}


class SyncRow(Base):
    """A synced row's global id and its per-field state as sync knows it.

    ``fields`` maps each column to its *heads*: ``[[change id, value], ...]``, the changes not
    superseded by a later one. One head is the normal case; several heads are concurrent edits
    of that field on different laptops: the row shows the head with the greatest change id
    (the same on every laptop) and the record is listed for an admin until someone writes a
    value that supersedes them all. A deleted row keeps its gid as a tombstone (no row key).
    """

    __tablename__ = "sync_rows"
    __table_args__ = (UniqueConstraint("tbl", "row_key"),)

    gid: Mapped[str] = mapped_column(String(36), primary_key=True)
    tbl: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[dict[str, Any]] = mapped_column(FieldHeads())
    conflicted: Mapped[bool] = mapped_column(default=False, index=True)


class SyncPeer(Base):
    """A device whose entries this laptop has checked: its pinned public key and its head."""

    __tablename__ = "sync_peers"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    head_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[bytes] = mapped_column(LargeBinary)


class SyncSeen(Base):
    """The hash of every entry applied or skipped, so a replay is recognised and a different
    entry at a known seq (a fork, or a hub rewriting history) is refused."""

    __tablename__ = "sync_seen"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class SyncOutbox(Base):
    """Entries sealed by this laptop and not yet acknowledged by the hub. Pushed again after a
    crash or a lost connection: the hub treats an identical entry as a no-op."""

    __tablename__ = "sync_outbox"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    changes: Mapped[int]


class SyncState(Base):
    """One row: where the hub is, how far this laptop has pulled, how the last round ended."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_dsn: Mapped[str] = mapped_column(String(2000), default="")
    hub_id: Mapped[str] = mapped_column(String(64), default="")
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sync_at: Mapped[datetime | None]
    last_problem: Mapped[str] = mapped_column(Text, default="")
    # True only inside a pull's write slice: the capture triggers do not note what it applies
    # (``storage.sync_capture.uncaptured``).
    applying: Mapped[bool] = mapped_column(default=False, server_default=false())
