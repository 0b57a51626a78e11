"""What a receiving laptop checks before it applies an entry pulled from the hub.

The hub is not trusted with integrity: it could drop, reorder, alter, replay or invent entries.
For every pulled entry, in this order:

1. the bytes parse as an entry (``entry.decode``);
2. the device is known and the entry carries its signature (key pinned on first sight);
3. against what this laptop already holds for that device: the same hash at a known seq is a
   duplicate (skipped, never applied twice); a different hash at a known seq is equivocation
   (two histories for one device); otherwise the entry must be exactly the next one: seq =
   head + 1 and prev hash = head hash (a gap or a rewritten predecessor is refused);
4. the entry's key epoch is not older than the newest one its device had acknowledged before
   it (the epoch rule below);
5. the key of the entry's epoch is known and decrypts the body (AAD = header).

The epoch rule. When a member leaves, an admin's laptop makes the sync key of a new epoch and
announces it in its own chain, sealed to the remaining users' public keys (never under an old
sync key, which the removed member may hold). A device *acknowledges* an epoch by sealing an
entry under it or by announcing it; from then on every later entry of that device must be sealed
under that epoch or a newer one, so along one device's chain epochs never go down::

    acknowledged(after entry) = max(acknowledged(before), entry's epoch, epoch it announces)
    refuse the entry if entry's epoch < acknowledged(before)

A device that kept writing under the old key (a stale copy of its folder, a bug) would write
entries that the removed member can read: receivers refuse them, so such a leak is loud, not
silent. The announcing entry itself is the last one sealed under the old epoch (the others
cannot read anything under the new key before they hold it); its boxes do not depend on the old
key for their secrecy.

``check_head`` compares what the hub says a device's head is with what this laptop remembers,
so a hub that lost or rolled back history is noticed even when it sends nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .entry import GENESIS, Entry, EntryError, UnreadableEntry, open_body, verify_signature


class ChainBroken(EntryError):
    """The entry does not continue the device's chain as this laptop knows it."""


class Equivocation(ChainBroken):
    """Two different entries at one seq of one device: the device (or the hub) forked."""


class UnknownKey(EntryError):
    """No sync key of the entry's epoch on this laptop (or no known device key)."""


class EpochRegressed(ChainBroken):
    """An entry sealed under an older key epoch than its device had already acknowledged."""


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


def acknowledged_after(before: int, entry_epoch: int, announced: int = 0) -> int:
    """The newest epoch a device has acknowledged once this entry of it is applied."""
    return max(before, entry_epoch, announced)


def check_entry(entry: Entry, *, public_key: bytes | None,
                sync_keys: Mapping[int, bytes | Sequence[bytes]], head: Head,
                known_hash: bytes | None, acknowledged: int = 0) -> Checked:
    """Run the receiver's checks (see the module docstring) and return what to do.

    ``head`` is this laptop's head for the entry's device (``NO_HEAD`` before its first entry);
    ``known_hash`` is the hash this laptop recorded for ``entry.header.seq`` when that seq is at
    or below the head (None otherwise); ``acknowledged`` the newest epoch the device had
    acknowledged before this entry (0: none yet). Raises an ``EntryError`` subclass on any
    failure.
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
    if entry.header.epoch < acknowledged:
        raise EpochRegressed(f"{label} is sealed under sync key epoch {entry.header.epoch},"
                             f" older than epoch {acknowledged} its device already used: people"
                             " removed from the clinic could read it. It was not applied; an"
                             " admin must look at this device.")
    held = sync_keys.get(entry.header.epoch)
    if not held:
        raise UnknownKey(f"{label} is encrypted under sync key epoch {entry.header.epoch},"
                         " which this laptop does not hold (it may have been removed from the"
                         " clinic, or needs to enrol again).")
    return Checked(Verdict.APPLY, open_with(entry, (held,) if isinstance(held, bytes) else held))


def open_with(entry: Entry, keys: Sequence[bytes]) -> bytes:
    """The body opened with whichever of an epoch's keys opens it (two laptops that rotated
    while apart made one each; AES-GCM refuses a wrong key). ``UnreadableEntry`` if none."""
    for key in keys[:-1]:
        try:
            return open_body(entry, key)
        except UnreadableEntry:
            continue
    return open_body(entry, keys[-1])


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
