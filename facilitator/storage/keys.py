"""Key slots: one random data key, reachable once per user and once through the recovery key.

Like LUKS or a password manager, the database is encrypted with a random 256-bit *data key*.
Each slot holds a secret protected under a *slot key* derived from:

* a user's password, through Argon2id with a per-slot salt (slow on purpose), optionally mixed
  with a device-bound secret from the OS keyring (see ``device.py``);
* the recovery key shown once at set-up (high entropy, so HKDF is enough and recovery stays fast).

Format 1 (older clinics) wraps the data key itself (AES-256-GCM) under the slot key. Format 2
wraps the slot's own X25519 *private* key under the slot key and keeps the data key *sealed* to
the slot's public key (``sealing.py``), once per key *epoch*. That is what makes keys revocable:
an admin who holds the data key can make a new one (``PRAGMA rekey``) and seal it to every
remaining public key without knowing any password; a removed user's slot is simply not sealed
to. A format-1 slot is upgraded when its user next signs in (the password is needed to wrap the
new private key).

A rotation writes the new epoch's boxes next to the current ones *before* the database is
rekeyed (``pending``), and drops the old ones afterwards (``settle``): a crash between the two
leaves a file that opens the database whichever key it has; unlock tries the newest epoch first.

A password change rewraps one slot; no data is re-encrypted. The slot file holds no PHI: logins,
salts, KDF parameters, public keys and ciphertext only.

A slot's name is bound into its key derivation, its wrapped key and its sealed boxes, so a slot
cannot be renamed without its password. When clinic sync renames a login (the same login typed
on two laptops, ``services.sync.clashes``), the slot is filed under the new name and keeps the
name it was made under in ``made_as`` (``renamed``); its cryptography goes on using that one
(``crypto_name``), and sign-in under the old login finds it there (``Vault.unlock``).
"""

from __future__ import annotations

import base64
import secrets
import unicodedata
from dataclasses import asdict, dataclass, field, replace

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import sealing
from .errors import NotADatabase, WrongPassword

KEY_BYTES = 32
RECOVERY_SLOT = "recovery"
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost, stored with each slot so it can be raised later without locking anyone
    out. 128 MiB x 3 passes takes ~0.15 s on the bench machine: unlock (target <= 0.5 s) keeps
    headroom for a slower laptop while every offline password guess costs the same."""

    time_cost: int = 3
    memory_kib: int = 128 * 1024
    parallelism: int = 2


@dataclass
class Sealed:
    """The data key of one epoch, sealed to a slot's public key (``sealing.seal``)."""

    epoch: int
    ephemeral: str
    nonce: str
    box: str


@dataclass
class Slot:
    name: str  # "user:<login>" or "recovery"
    kdf: str  # "argon2id" or "hkdf"
    salt: str
    nonce: str
    wrapped: str  # format 1: the data key; format 2: the slot's private key
    device_bound: bool
    params: dict[str, int]
    public: str = ""  # format 2 only: the slot's X25519 public key
    sealed: list[Sealed] = field(default_factory=list)
    # The name the slot was made under when its login was renamed since (sync clashes); "" when
    # it is ``name``. Written to the key file only when set, so older files read as before.
    made_as: str = ""

    @property
    def crypto_name(self) -> str:
        """The name bound into the key derivation, the wrapped key and the sealed boxes."""
        return self.made_as or self.name

    @property
    def keyed(self) -> bool:
        """Format 2: a key pair and sealed data keys (format 1 wraps the data key itself)."""
        return bool(self.public)

    def fingerprint(self) -> str:
        return sealing.fingerprint(_unb64(self.public)) if self.keyed else ""


@dataclass
class Pending:
    """A rotation written but not yet settled: the new epoch and the new recovery slot (which
    replaces the current one only once the database has the new key)."""

    epoch: int
    recovery: Slot | None


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
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=slot.crypto_name.encode()
    ).derive(ikm)


def slot_key(slot: Slot, secret: str, device_secret: bytes | None) -> bytes:
    """The key ``secret`` derives for ``slot`` (the slow KDF runs here)."""
    return _derive(slot, secret, device_secret if slot.device_bound else None)


def _aad(slot: Slot) -> bytes:
    # Format 2 binds the wrapped private key to its public key, and cannot be mistaken for a
    # format-1 wrapped data key under the same slot key.
    if slot.keyed:
        return slot.crypto_name.encode() + b"\x00keyed\x00" + _unb64(slot.public)
    return slot.crypto_name.encode()


def _new_slot(name: str, kdf: str, params: KdfParams | None, device_bound: bool) -> Slot:
    return Slot(name=name, kdf=kdf, salt=_b64(secrets.token_bytes(16)),
                nonce=_b64(secrets.token_bytes(12)), wrapped="", device_bound=device_bound,
                params=asdict(params or KdfParams()) if kdf == "argon2id" else {})


def make_slot(name: str, secret: str, data_key: bytes, *, kdf: str = "argon2id",
              params: KdfParams | None = None, device_secret: bytes | None = None) -> Slot:
    """A format-1 slot (the data key wrapped under the slot key). Only older files hold these;
    kept so their behaviour stays pinned by tests."""
    slot = _new_slot(name, kdf, params, device_secret is not None)
    key = _derive(slot, secret, device_secret)
    slot.wrapped = _b64(AESGCM(key).encrypt(_unb64(slot.nonce), data_key, _aad(slot)))
    return slot


def make_keyed_slot(name: str, secret: str, data_key: bytes, db_id: str, epoch: int, *,
                    kdf: str = "argon2id", params: KdfParams | None = None,
                    device_secret: bytes | None = None) -> Slot:
    """A format-2 slot: a new key pair, its private half wrapped under ``secret``'s slot key,
    and ``data_key`` sealed to it for ``epoch``."""
    slot = _new_slot(name, kdf, params, device_secret is not None)
    return _with_key_pair(slot, _derive(slot, secret, device_secret), data_key, db_id, epoch)


def upgraded(slot: Slot, key: bytes, data_key: bytes, db_id: str, epoch: int) -> Slot:
    """The format-2 successor of a format-1 ``slot`` opened with slot key ``key`` (same salt
    and KDF cost, so the password and the slow KDF run once)."""
    fresh = replace(slot, nonce=_b64(secrets.token_bytes(12)))  # a format-1 slot: no key pair
    return _with_key_pair(fresh, key, data_key, db_id, epoch)


def _with_key_pair(slot: Slot, key: bytes, data_key: bytes, db_id: str, epoch: int) -> Slot:
    private, public = sealing.new_key_pair()
    slot.public = _b64(public)
    slot.wrapped = _b64(AESGCM(key).encrypt(_unb64(slot.nonce), private, _aad(slot)))
    seal_to(slot, data_key, db_id, epoch)
    return slot


def seal_to(slot: Slot, data_key: bytes, db_id: str, epoch: int) -> None:
    """Add (or replace) ``slot``'s sealed data key for ``epoch``; needs no secret."""
    eph, nonce, box = sealing.seal(data_key, _unb64(slot.public),
                                   sealing.context(db_id, slot.crypto_name, epoch))
    slot.sealed = [s for s in slot.sealed if s.epoch != epoch]
    slot.sealed.append(Sealed(epoch, _b64(eph), _b64(nonce), _b64(box)))


def unwrap(slot: Slot, key: bytes) -> bytes:
    """What ``slot`` wraps under slot key ``key``: the data key (format 1) or the slot's
    private key (format 2). Raises WrongPassword."""
    try:
        inner = AESGCM(key).decrypt(_unb64(slot.nonce), _unb64(slot.wrapped), _aad(slot))
    except InvalidTag as exc:
        raise WrongPassword("The password is not correct.") from exc
    if slot.keyed and sealing.public_of(inner) != _unb64(slot.public):
        raise WrongPassword("The password is not correct.")  # a private key of another pair
    return inner


def open_slot(slot: Slot, secret: str, device_secret: bytes | None) -> bytes:
    return unwrap(slot, slot_key(slot, secret, device_secret))


def data_keys(slot: Slot, private: bytes, db_id: str) -> list[tuple[int, bytes]]:
    """(epoch, data key) of every box of a format-2 slot that opens, newest epoch first."""
    found = []
    for box in sorted(slot.sealed, key=lambda b: b.epoch, reverse=True):
        try:
            found.append((box.epoch, sealing.unseal(
                private, _unb64(box.ephemeral), _unb64(box.nonce), _unb64(box.box),
                sealing.context(db_id, slot.crypto_name, box.epoch))))
        except sealing.Unsealable:
            continue  # altered or moved: another box (or slot) may still open
    return found


def password_only_copy(slot: Slot, private: bytes, password: str,
                       params: KdfParams | None = None) -> Slot:
    """A copy of keyed ``slot`` that opens with ``password`` alone (its own salt, no device
    secret, no sealed keys): what travels to the clinic's other laptops (``models.slots``).
    ``private`` is the slot's private key, in hand because its user just typed the password."""
    return _rewrapped(slot, private, password, params, None, sealed=[])


def device_bound_copy(slot: Slot, private: bytes, password: str, device_secret: bytes,
                      params: KdfParams | None = None) -> Slot:
    """Keyed ``slot`` (e.g. a password-only one that arrived from another laptop) wrapped again
    under ``password`` and this laptop's ``device_secret``: its own salt, the same key pair and
    sealed keys, so the account's bound public key does not change."""
    return _rewrapped(slot, private, password, params, device_secret, sealed=list(slot.sealed))


def _rewrapped(slot: Slot, private: bytes, password: str, params: KdfParams | None,
               device_secret: bytes | None, *, sealed: list[Sealed]) -> Slot:
    copy = _new_slot(slot.name, "argon2id", params, device_secret is not None)
    # Keeps the name the key pair was made under: the sealed boxes it carries are bound to it.
    copy.public, copy.sealed, copy.made_as = slot.public, sealed, slot.made_as
    key = _derive(copy, password, device_secret)
    copy.wrapped = _b64(AESGCM(key).encrypt(_unb64(copy.nonce), private, _aad(copy)))
    return copy


def travelling(slot: Slot) -> Slot:
    """``slot`` as it travels: without its sealed keys (they are for this laptop's data key)."""
    return replace(slot, sealed=[])


def renamed(slot: Slot, name: str) -> Slot:
    """``slot`` filed under ``name`` (its login was renamed by clinic sync): the same key pair,
    wrapped key and boxes, which go on using the name it was made under."""
    if name == slot.name:
        return slot
    return replace(slot, name=name, made_as=slot.crypto_name if slot.crypto_name != name
                   else "")
