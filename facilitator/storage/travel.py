"""Key slots crossing laptops (clinic sync): the password-only copy of a user's slot made where
her key pair is in hand, and installing copies that arrived into this folder's ``keys.json``.

Installing needs no password: the copy brings a public key, and this laptop seals *its own*
data key to it (``keys.seal_to``), like a rotation does. Every rewrite holds the key file's lock
(``Vault.keys_locked``) and is refused while a rotation is pending, so it never races a rotation
or a password change in another process.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import KeysChanged
from .keyfile import KeyFile
from .keys import (
    RECOVERY_SLOT,
    Slot,
    open_slot,
    password_only_copy,
    renamed,
    seal_to,
    travelling,
)
from .vault import Vault


def slot_named(vault: Vault, name: str) -> Slot | None:
    return vault._keys().slots.get(name)


def travel_copy(vault: Vault, slot: Slot, password: str) -> Slot | None:
    """A copy of ``slot`` that opens with ``password`` alone, or None for an old-format slot.
    A slot not bound to the keychain is copied as it is (no KDF runs); a keychain-bound one is
    opened (device secret and password) and its private key wrapped again under the password
    alone. Raises WrongPassword for a wrong password."""
    if not slot.keyed:
        return None
    if not slot.device_bound:
        return travelling(slot)
    keys = vault._keys()
    private = open_slot(slot, password, vault._device_secret(keys, slot))
    return password_only_copy(slot, private, password, vault.kdf)


def slots(vault: Vault) -> dict[str, Slot]:
    """The slots of this folder's key file, by name."""
    return dict(vault._keys().slots)


def public_keys(vault: Vault) -> dict[str, str]:
    """Slot name -> base64 public key ("" for an old-format slot)."""
    return {name: slot.public for name, slot in vault._keys().slots.items()}


def install(vault: Vault, data_key: bytes, add: list[Slot], remove: list[str],
            move: Sequence[tuple[str, str, str]] = ()) -> None:
    """File the slots in ``move`` (from name, to name, public key) under their new name (a
    login renamed by sync; only if the slot there still has that key), then put the slots in
    ``add`` (this laptop's data key sealed to each) into the key file, replacing same-named
    ones, and drop the slots named in ``remove``."""
    with vault.keys_locked():
        keys = vault._keys()
        if keys.pending is not None:
            raise KeysChanged("A key rotation is under way on this laptop: the users' slots"
                              " from the other laptops are installed at the next sync.")
        # All taken out before any is put back, so two slots may trade places.
        taken = [(keys.slots.pop(old), new) for old, new, public in move
                 if old in keys.slots and keys.slots[old].public == public]
        for slot, new in taken:
            keys.slots[new] = renamed(slot, new)
        for slot in add:
            seal_to(slot, data_key, keys.db_id, keys.epoch)
            keys.slots[slot.name] = slot
        for name in remove:
            keys.slots.pop(name, None)
        vault._save(keys)


def new_key_file(path: Path, data_key: bytes, recovery: Slot) -> KeyFile:
    """The key file of a laptop that joins a clinic: its own database id and data key, the
    clinic's recovery key (its slot copied from the enrolment package) and, so far, no user
    (their slots come with the history)."""
    keys = KeyFile.create(path)
    recovery.name = RECOVERY_SLOT
    seal_to(recovery, data_key, keys.db_id, keys.epoch)
    keys.slots[RECOVERY_SLOT] = recovery
    return keys
