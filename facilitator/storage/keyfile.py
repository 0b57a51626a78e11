"""The key file (``keys.json``) beside the database: loading with full validation, saving.

Everything in it is checked before use (structure, base64 and sizes, KDF cost bounds, epochs),
because a damaged or hostile file must be reported as damage at once, never crash the app,
hang it in a huge Argon2 run or make it allocate gigabytes. The slots themselves and their
cryptography are in ``keys.py``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import sealing
from .errors import NoSuchAccount, NotADatabase
from .files import write_atomic
from .keys import KEY_BYTES, RECOVERY_SLOT, Pending, Sealed, Slot

_FORMAT_1 = "facilitator.keyslots/1"
_FORMAT = "facilitator.keyslots/2"
# Bounds on the KDF cost a key file may ask for. A damaged or hostile file must not make the app
# allocate gigabytes or spin for minutes before it can say anything (the default is 128 MiB x 3).
_MEMORY_KIB = (8 * 1024, 1024 * 1024)
_TIME_COST = (1, 20)
_PARALLELISM = (1, 16)
_MAX_EPOCH = 1_000_000
_SIZES = {"salt": 16, "nonce": 12, "wrapped": KEY_BYTES + 16}  # AES-GCM adds a 16-byte tag
_BOX_SIZES = {"ephemeral": sealing.PUBLIC_BYTES, "nonce": sealing.NONCE_BYTES,
              "box": KEY_BYTES + 16}
_DB_ID = re.compile(r"^[0-9a-f]{32}$")


def _decode(where: str, part: str, value: Any, size: int) -> None:
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True)
    except (AttributeError, UnicodeEncodeError, binascii.Error):
        raise ValueError(f"{where}: {part} is not base64") from None
    if len(decoded) != size:
        raise ValueError(f"{where}: {part} has {len(decoded)} bytes, not {size}")


def _check_epoch(where: str, value: Any) -> int:
    if type(value) is not int or not 1 <= value <= _MAX_EPOCH:
        raise ValueError(f"{where}: epoch must be between 1 and {_MAX_EPOCH}")
    return value


def _check_boxes(name: str, raw: Any) -> list[Sealed]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= 2:
        raise ValueError(f"slot {name}: sealed keys missing or too many")
    boxes = []
    for entry in raw:
        if not isinstance(entry, dict) or set(entry) != set(Sealed.__dataclass_fields__):
            raise ValueError(f"slot {name}: a sealed key has unexpected fields")
        box = Sealed(**entry)
        _check_epoch(f"slot {name}", box.epoch)
        for part, size in _BOX_SIZES.items():
            _decode(f"slot {name}", part, getattr(box, part), size)
        boxes.append(box)
    if len({b.epoch for b in boxes}) != len(boxes):
        raise ValueError(f"slot {name}: two sealed keys for one epoch")
    return boxes


_V1_FIELDS = set(Slot.__dataclass_fields__) - {"public", "sealed", "made_as"}
_V2_FIELDS = _V1_FIELDS | {"public", "sealed"}  # "made_as" only on a renamed slot


_USER_SLOT = r"user:[^\s:]{1,64}"


def _check_slot(raw: Any) -> Slot:
    """One slot of a key file, fully checked; raises ValueError naming what is wrong (no
    secrets: names, sizes and numbers only)."""
    if not isinstance(raw, dict) or set(raw) - {"made_as"} not in (_V1_FIELDS, _V2_FIELDS):
        raise ValueError("a slot has unexpected fields")
    slot = Slot(**raw)
    if not isinstance(slot.name, str) or not (
            slot.name == RECOVERY_SLOT or re.fullmatch(_USER_SLOT, slot.name)):
        raise ValueError("a slot has an invalid name")
    if slot.made_as != "" and (slot.name == RECOVERY_SLOT or not isinstance(slot.made_as, str)
                               or not re.fullmatch(_USER_SLOT, slot.made_as)
                               or slot.made_as == slot.name):
        raise ValueError(f"slot {slot.name}: an invalid former name")
    expected_kdf = "hkdf" if slot.name == RECOVERY_SLOT else "argon2id"
    if slot.kdf != expected_kdf:
        raise ValueError(f"slot {slot.name}: key derivation must be {expected_kdf}")
    for part, size in _SIZES.items():
        _decode(f"slot {slot.name}", part, getattr(slot, part), size)
    if "public" in raw:
        _decode(f"slot {slot.name}", "public", slot.public, sealing.PUBLIC_BYTES)
        slot.sealed = _check_boxes(slot.name, raw["sealed"])
    if not isinstance(slot.device_bound, bool):
        raise ValueError(f"slot {slot.name}: device_bound is not true or false")
    if not isinstance(slot.params, dict):
        raise ValueError(f"slot {slot.name}: parameters are not a table")
    if slot.kdf == "hkdf":
        if slot.params or slot.device_bound:
            raise ValueError(f"slot {slot.name}: unexpected parameters")
        return slot
    if set(slot.params) != {"time_cost", "memory_kib", "parallelism"}:
        raise ValueError(f"slot {slot.name}: Argon2id parameters missing or unexpected")
    for key, (low, high) in (("memory_kib", _MEMORY_KIB), ("time_cost", _TIME_COST),
                             ("parallelism", _PARALLELISM)):
        value = slot.params[key]
        if type(value) is not int or not low <= value <= high:
            raise ValueError(f"slot {slot.name}: {key} must be between {low} and {high}")
    # Argon2 also needs memory_kib >= 8 x parallelism: the bounds above imply it (8 MiB against
    # at most 16 lanes), so no separate check that could never fail.
    return slot


def check_slot(raw: Any) -> Slot:
    """A password-only slot without sealed keys that arrived from elsewhere (another laptop, an
    enrolment package), checked like one in the key file; ``NotADatabase`` names what is
    wrong."""
    try:
        if not isinstance(raw, dict) or raw.get("sealed") != [] or raw.get("device_bound"):
            raise ValueError("not a password-only slot without sealed keys")
        slot = _check_slot({k: v for k, v in raw.items() if k not in ("public", "sealed")})
        _decode(f"slot {slot.name}", "public", raw.get("public"), sealing.PUBLIC_BYTES)
        slot.public = raw["public"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NotADatabase(f"A key slot from another laptop is damaged ({exc}).") from exc
    return slot


def _check_pending(raw: Any, epoch: int) -> Pending | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) != {"epoch", "recovery"}:
        raise ValueError("the pending rotation has unexpected fields")
    if _check_epoch("the pending rotation", raw["epoch"]) != epoch + 1:
        raise ValueError("the pending rotation is not for the next epoch")
    recovery = None if raw["recovery"] is None else _check_slot(raw["recovery"])
    if recovery is not None and (recovery.name != RECOVERY_SLOT or not recovery.keyed):
        raise ValueError("the pending recovery slot is invalid")
    return Pending(raw["epoch"], recovery)


def slot_json(slot: Slot) -> dict[str, Any]:
    """``slot`` as the key file (and a travelling copy) stores it: fields an older version
    would not know are left out when unused."""
    data = asdict(slot)
    if not slot.keyed:
        del data["public"], data["sealed"]
    if not slot.made_as:
        del data["made_as"]
    return data


class KeyFile:
    """The slot file beside the database. Written atomically; never holds the data key in clear."""

    def __init__(self, path: Path, db_id: str, slots: dict[str, Slot], epoch: int = 1,
                 pending: Pending | None = None) -> None:
        self.path = path
        self.db_id = db_id
        self.slots = slots
        self.epoch = epoch
        self.pending = pending

    @classmethod
    def create(cls, path: Path) -> KeyFile:
        return cls(path, secrets.token_hex(16), {})

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read and fully check a key file (structure, base64 and sizes, KDF cost bounds,
        epochs); anything wrong raises NotADatabase naming the problem, never a crash or a
        hang."""
        try:
            if path.stat().st_size > 1 << 20:
                raise ValueError("the file is far too large")
            raw: Any = json.loads(path.read_text("utf-8"))
            if not isinstance(raw, dict) or raw.get("format") not in (_FORMAT_1, _FORMAT):
                raise ValueError("unknown format")
            db_id = raw.get("db_id")
            if not isinstance(db_id, str) or not _DB_ID.match(db_id):
                raise ValueError("invalid database id")
            if not isinstance(raw.get("slots"), list):
                raise ValueError("no slot list")
            epoch, pending = 1, None
            if raw["format"] == _FORMAT:
                if set(raw) != {"format", "db_id", "epoch", "slots", "pending"}:
                    raise ValueError("unexpected or missing fields")
                epoch = _check_epoch("the file", raw["epoch"])
                pending = _check_pending(raw["pending"], epoch)
            slots: dict[str, Slot] = {}
            for entry in raw["slots"]:
                slot = _check_slot(entry)
                if slot.name in slots:
                    raise ValueError(f"slot {slot.name} appears twice")
                known = {epoch, pending.epoch if pending else epoch}
                if any(box.epoch not in known for box in slot.sealed):
                    raise ValueError(f"slot {slot.name}: a sealed key of an unknown epoch")
                slots[slot.name] = slot
            return cls(path, db_id, slots, epoch, pending)
        except FileNotFoundError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise NotADatabase(f"The key file {path.name} is damaged or not ours ({exc})."
                               " Restore it from a backup.") from exc

    def save(self) -> None:
        pending = None
        if self.pending is not None:
            pending = {"epoch": self.pending.epoch,
                       "recovery": (slot_json(self.pending.recovery)
                                    if self.pending.recovery else None)}
        data = {
            "format": _FORMAT,
            "db_id": self.db_id,
            "epoch": self.epoch,
            "slots": [slot_json(s) for s in self.slots.values()],
            "pending": pending,
        }
        write_atomic(self.path, json.dumps(data, indent=1).encode("utf-8"))

    def slot_for(self, name: str) -> Slot:
        try:
            return self.slots[name]
        except KeyError:
            raise NoSuchAccount("The login or password is not correct.") from None

    def settle(self, opened_epoch: int) -> str | None:
        """Finish or abandon a pending rotation once the database was opened with the key of
        ``opened_epoch``: "completed" (the database has the new key: slots that were not sealed
        to it, i.e. removed users and format-1 slots, and old boxes go), "abandoned" (it still
        has the old key: the new boxes go) or None."""
        if self.pending is None:
            return None
        pending, self.pending = self.pending, None
        if opened_epoch == pending.epoch:
            if pending.recovery is not None:
                self.slots[RECOVERY_SLOT] = pending.recovery
            self.epoch = pending.epoch
            self.slots = {n: s for n, s in self.slots.items()
                          if any(b.epoch == self.epoch for b in s.sealed)}
            outcome = "completed"
        else:
            outcome = "abandoned"
        for slot in self.slots.values():
            slot.sealed = [b for b in slot.sealed if b.epoch == self.epoch]
        return outcome
