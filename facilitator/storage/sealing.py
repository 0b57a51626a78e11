"""Sealed boxes: the data key sealed to a slot's X25519 public key.

Why: with the data key wrapped under each password (format 1), an admin can only hand a *new*
data key to a user whose password she knows. Sealing to a public key lets her rotate the data
key and give the new one to every remaining user without any of their passwords, while only
the holder of the matching private key (unwrapped with the user's password) can open it.

The construction is the base mode of HPKE (RFC 9180) written out with the primitives of
``cryptography``, so it can be read in one screen:

1. a fresh ephemeral X25519 key pair per box; ``shared = X25519(ephemeral, recipient)``;
2. ``key = HKDF-SHA256(ikm=shared, salt=ephemeral_pub || recipient_pub, info=context)``,
   where ``context`` names the scheme, the database (``db_id``), the slot (``user:<login>`` or
   ``recovery``) and the key epoch, so a box cannot be moved to another slot, another clinic or
   presented as another epoch's key;
3. ``box = AES-256-GCM(key, nonce, data_key, aad=context)``.

Nothing here touches files; ``keys.py`` stores the boxes in the key file.
"""

from __future__ import annotations

import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PUBLIC_BYTES = 32
PRIVATE_BYTES = 32
NONCE_BYTES = 12
_RAW = serialization.Encoding.Raw


class Unsealable(Exception):
    """The box does not open with this private key and context (wrong key, moved or altered)."""


def new_key_pair() -> tuple[bytes, bytes]:
    """(private, public), 32 raw bytes each."""
    private = X25519PrivateKey.generate()
    return (private.private_bytes(_RAW, serialization.PrivateFormat.Raw,
                                  serialization.NoEncryption()),
            private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw))


def public_of(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes(
        _RAW, serialization.PublicFormat.Raw)


def context(db_id: str, slot_name: str, epoch: int) -> bytes:
    return b"\x00".join((b"facilitator sealed data key v1", db_id.encode("ascii"),
                         slot_name.encode("utf-8"), str(epoch).encode("ascii")))


def _key(shared: bytes, ephemeral: bytes, recipient: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient,
                info=info).derive(shared)


def seal(secret: bytes, recipient: bytes, info: bytes) -> tuple[bytes, bytes, bytes]:
    """(ephemeral public key, nonce, box) holding ``secret`` for ``recipient``."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_pub = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    nonce = secrets.token_bytes(NONCE_BYTES)
    box = AESGCM(_key(shared, ephemeral_pub, recipient, info)).encrypt(nonce, secret, info)
    return ephemeral_pub, nonce, box


def unseal(private: bytes, ephemeral: bytes, nonce: bytes, box: bytes, info: bytes) -> bytes:
    key = X25519PrivateKey.from_private_bytes(private)
    recipient = key.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    try:
        # A low-order ephemeral point (a hostile file) makes the exchange raise ValueError.
        shared = key.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        return AESGCM(_key(shared, ephemeral, recipient, info)).decrypt(nonce, box, info)
    except (InvalidTag, ValueError) as exc:
        raise Unsealable("the sealed key does not open") from exc


def fingerprint(public: bytes) -> str:
    """What the database records about a slot's public key (``services.keyring_admin``)."""
    return hashlib.sha256(b"facilitator slot key\x00" + public).hexdigest()
