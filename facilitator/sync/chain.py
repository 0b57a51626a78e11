"""What a receiving laptop checks before it applies an entry pulled from the hub.

The hub is not trusted with integrity: it could drop, reorder, alter, replay or invent entries.
For every pulled entry, in this order:

1. the bytes parse as an entry (``entry.decode``);
2. the device is known and the entry carries its signature (key pinned on first sight);
3. against what this laptop already holds for that device: the same hash at a known seq is a
   duplicate (skipped, never applied twice); a different hash at a known seq is equivocation
   (two histories for one device); otherwise the entry must be exactly the next one: seq =
   head + 1 and prev hash = head hash (a gap or a rewritten predecessor is refused);
4. the key of the entry's epoch is known and decrypts the body (AAD = header).

``check_head`` compares what the hub says a device's head is with what this laptop remembers,
so a hub that lost or rolled back history is noticed even when it sends nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from .entry import GENESIS, Entry, EntryError, open_body, verify_signature


class ChainBroken(EntryError):
    """The entry does not continue the device's chain as this laptop knows it."""


class Equivocation(ChainBroken):
    """Two different entries at one seq of one device: the device (or the hub) forked."""


class UnknownKey(EntryError):
    """No sync key of the entry's epoch on this laptop (or no known device key)."""


@dataclass(frozen=True)
class Head:
    """The last entry of a device that this laptop applied."""

    seq: int
    hash: bytes


NO_HEAD = Head(0, GENESIS)


class Verdict(enum.Enum):
    APPLY = enum.auto()
    DUPLICATE = enum.auto()


@dataclass(frozen=True)
class Checked:
    verdict: Verdict
    body: bytes | None  # the decrypted body when the verdict is APPLY


def check_entry(entry: Entry, *, public_key: bytes | None, sync_keys: Mapping[int, bytes],
                head: Head, known_hash: bytes | None) -> Checked:
    """Run the receiver's checks (see the module docstring) and return what to do.

    ``head`` is this laptop's head for the entry's device (``NO_HEAD`` before its first entry);
    ``known_hash`` is the hash this laptop recorded for ``entry.header.seq`` when that seq is at
    or below the head (None otherwise). Raises an ``EntryError`` subclass on any failure.
    """
    label = entry.header.label()
    if public_key is None:
        raise UnknownKey(f"{label} comes from a device this laptop has no key for; it was not"
                         " applied.")
    verify_signature(entry, public_key)
    seq = entry.header.seq
    if seq <= head.seq:
        if known_hash is None:
            raise ChainBroken(f"{label} is at or below this laptop's head ({head.seq}) but its"
                              " record of that seq is missing.")
        if known_hash == entry.hash:
            return Checked(Verdict.DUPLICATE, None)
        raise Equivocation(f"{label} differs from the entry this laptop already holds at that"
                           " seq: the device's history was forked or rewritten. Nothing of it"
                           " was applied; an admin must look at this device.")
    if seq != head.seq + 1:
        raise ChainBroken(f"{label} arrives after entry {head.seq}: entries"
                          f" {head.seq + 1}-{seq - 1} are missing from the hub.")
    if entry.header.prev_hash != head.hash:
        raise ChainBroken(f"{label} does not follow the entry this laptop holds at seq"
                          f" {head.seq}: the chain was rewritten.")
    key = sync_keys.get(entry.header.epoch)
    if key is None:
        raise UnknownKey(f"{label} is encrypted under sync key epoch {entry.header.epoch},"
                         " which this laptop does not hold (it may have been removed from the"
                         " clinic, or needs to enrol again).")
    return Checked(Verdict.APPLY, open_body(entry, key))


def check_head(remembered: Head, hub_seq: int, hub_hash: bytes | None,
               device_label: str) -> None:
    """Refuse a hub whose head for a device is behind, or differs from, what this laptop
    already applied (``hub_hash`` is the hub's hash at ``remembered.seq``, when it has one)."""
    if hub_seq < remembered.seq:
        raise ChainBroken(f"The hub holds {hub_seq} entries of device {device_label}, but this"
                          f" laptop already applied {remembered.seq}: the hub lost or rolled"
                          " back history. Nothing was pulled; tell your administrator.")
    if remembered.seq and hub_hash is not None and hub_hash != remembered.hash:
        raise Equivocation(f"The hub's entry {remembered.seq} of device {device_label} differs"
                           " from the one this laptop applied: the hub's history was rewritten.")
