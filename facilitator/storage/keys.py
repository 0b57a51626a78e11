"""Key slots: one random data key, wrapped once per user and once for the recovery key.

Like LUKS or a password manager, the database is encrypted with a random 256-bit *data key*.
That key is stored only wrapped (AES-256-GCM) under a *slot key* derived from a secret:

* a user's password, through Argon2id with a per-slot salt (slow on purpose), optionally mixed
  with a device-bound secret from the OS keyring (see ``device.py``);
* the recovery key shown once at set-up (high entropy, so HKDF is enough and recovery stays fast).

A password change rewraps one slot; no data is re-encrypted. The slot file holds no PHI: logins,
salts, KDF parameters and ciphertext only.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import NoSuchAccount, NotADatabase, WrongPassword
from .files import write_atomic

KEY_BYTES = 32
RECOVERY_SLOT = "recovery"
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
_FORMAT = "facilitator.keyslots/1"
# Bounds on the KDF cost a key file may ask for. A damaged or hostile file must not make the app
# allocate gigabytes or spin for minutes before it can say anything (the default is 128 MiB x 3).
_MEMORY_KIB = (8 * 1024, 1024 * 1024)
_TIME_COST = (1, 20)
_PARALLELISM = (1, 16)
_SIZES = {"salt": 16, "nonce": 12, "wrapped": KEY_BYTES + 16}  # AES-GCM adds a 16-byte tag
_DB_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost, stored with each slot so it can be raised later without locking anyone
    out. 128 MiB x 3 passes takes ~0.15 s on the bench machine: unlock (target <= 0.5 s) keeps
    headroom for a slower laptop while every offline password guess costs the same."""

    time_cost: int = 3
    memory_kib: int = 128 * 1024
    parallelism: int = 2


@dataclass
class Slot:
    name: str  # "user:<login>" or "recovery"
    kdf: str  # "argon2id" or "hkdf"
    salt: str
    nonce: str
    wrapped: str
    device_bound: bool = False
    params: dict[str, int] = field(default_factory=dict)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def normalise_login(login: str) -> str:
    """The one spelling of a login: trimmed, NFKC case-folded, so a decomposed "é" (macOS input)
    or full-width letters name the same account rather than a look-alike second one."""
    folded = unicodedata.normalize("NFKC", login.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)


def user_slot_name(login: str) -> str:
    return f"user:{normalise_login(login)}"


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def new_recovery_key() -> str:
    """A 150-bit key (30 characters of a 32-symbol alphabet) in six groups of five, e.g.
    ``K7QXM-...``."""
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(30))
    return "-".join(chars[i : i + 5] for i in range(0, 30, 5))


def normalise_recovery_key(text: str) -> str:
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return cleaned.replace("0", "O").replace("1", "I")


def _derive(slot: Slot, secret: str, device_secret: bytes | None) -> bytes:
    salt = _unb64(slot.salt)
    if slot.kdf == "argon2id":
        p = slot.params
        stretched = hash_secret_raw(
            secret.encode("utf-8"),
            salt,
            time_cost=p["time_cost"],
            memory_cost=p["memory_kib"],
            parallelism=p["parallelism"],
            hash_len=KEY_BYTES,
            type=Type.ID,
        )
    elif slot.kdf == "hkdf":
        stretched = normalise_recovery_key(secret).encode("ascii")
    else:
        raise NotADatabase(f"Unknown key derivation {slot.kdf!r} in the key file.")
    # The device secret is mixed in *after* the slow KDF: without it (a copied folder on another
    # machine) the slot cannot be opened even with the right password.
    ikm = stretched + (device_secret or b"")
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=slot.name.encode()
    ).derive(ikm)


def make_slot(
    name: str,
    secret: str,
    data_key: bytes,
    *,
    kdf: str = "argon2id",
    params: KdfParams | None = None,
    device_secret: bytes | None = None,
) -> Slot:
    slot = Slot(
        name=name,
        kdf=kdf,
        salt=_b64(secrets.token_bytes(16)),
        nonce=_b64(secrets.token_bytes(12)),
        wrapped="",
        device_bound=device_secret is not None,
        params=asdict(params or KdfParams()) if kdf == "argon2id" else {},
    )
    key = _derive(slot, secret, device_secret)
    slot.wrapped = _b64(AESGCM(key).encrypt(_unb64(slot.nonce), data_key, name.encode()))
    return slot


def open_slot(slot: Slot, secret: str, device_secret: bytes | None) -> bytes:
    key = _derive(slot, secret, device_secret if slot.device_bound else None)
    try:
        return AESGCM(key).decrypt(_unb64(slot.nonce), _unb64(slot.wrapped), slot.name.encode())
    except InvalidTag as exc:
        raise WrongPassword("The password is not correct.") from exc


def _check_slot(raw: Any) -> Slot:
    """One slot of a key file, fully checked; raises ValueError naming what is wrong (no
    secrets: names, sizes and numbers only)."""
    if not isinstance(raw, dict) or set(raw) != set(Slot.__dataclass_fields__):
        raise ValueError("a slot has unexpected fields")
    slot = Slot(**raw)
    if not isinstance(slot.name, str) or not (
            slot.name == RECOVERY_SLOT or re.fullmatch(r"user:[^\s:]{1,64}", slot.name)):
        raise ValueError("a slot has an invalid name")
    expected_kdf = "hkdf" if slot.name == RECOVERY_SLOT else "argon2id"
    if slot.kdf != expected_kdf:
        raise ValueError(f"slot {slot.name}: key derivation must be {expected_kdf}")
    for part, size in _SIZES.items():
        value = getattr(slot, part)
        try:
            decoded = base64.b64decode(value.encode("ascii"), validate=True)
        except (AttributeError, UnicodeEncodeError, binascii.Error):
            raise ValueError(f"slot {slot.name}: {part} is not base64") from None
        if len(decoded) != size:
            raise ValueError(f"slot {slot.name}: {part} has {len(decoded)} bytes, not {size}")
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
    if slot.params["memory_kib"] < 8 * slot.params["parallelism"]:
        raise ValueError(f"slot {slot.name}: memory_kib too small for its parallelism")
    return slot


class KeyFile:
    """The slot file beside the database. Written atomically; never holds the data key in clear."""

    def __init__(self, path: Path, db_id: str, slots: dict[str, Slot]) -> None:
        self.path = path
        self.db_id = db_id
        self.slots = slots

    @classmethod
    def create(cls, path: Path) -> KeyFile:
        return cls(path, secrets.token_hex(16), {})

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        """Read and fully check a key file (structure, base64 and sizes, KDF cost bounds);
        anything wrong raises NotADatabase naming the problem, never a crash or a hang."""
        try:
            if path.stat().st_size > 1 << 20:
                raise ValueError("the file is far too large")
            raw: Any = json.loads(path.read_text("utf-8"))
            if not isinstance(raw, dict) or raw.get("format") != _FORMAT:
                raise ValueError("unknown format")
            db_id = raw.get("db_id")
            if not isinstance(db_id, str) or not _DB_ID.match(db_id):
                raise ValueError("invalid database id")
            if not isinstance(raw.get("slots"), list):
                raise ValueError("no slot list")
            slots: dict[str, Slot] = {}
            for entry in raw["slots"]:
                slot = _check_slot(entry)
                if slot.name in slots:
                    raise ValueError(f"slot {slot.name} appears twice")
                slots[slot.name] = slot
            return cls(path, db_id, slots)
        except FileNotFoundError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise NotADatabase(f"The key file {path.name} is damaged or not ours ({exc})."
                               " Restore it from a backup.") from exc

    def save(self) -> None:
        data = {
            "format": _FORMAT,
            "db_id": self.db_id,
            "slots": [asdict(s) for s in self.slots.values()],
        }
        write_atomic(self.path, json.dumps(data, indent=1).encode("utf-8"))

    def slot_for(self, name: str) -> Slot:
        try:
            return self.slots[name]
        except KeyError:
            raise NoSuchAccount("The login or password is not correct.") from None
