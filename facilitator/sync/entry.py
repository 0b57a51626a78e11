"""One entry of a device's chain: its canonical bytes, encryption, signature and hash.

Canonical encoding (version 1), all integers unsigned big-endian unless said otherwise::

    offset size  field
         0    4  magic b"FSE1" (format and version; also separates this signature's domain)
         4   16  device id (the 16 bytes of a UUID)
        20    8  seq: 1 for a device's first entry, then +1 with no gap
        28   32  prev hash: SHA-256 of the previous entry's encoding; 32 zero bytes for seq 1
        60    4  epoch of the clinic sync key the body is encrypted under
        64    8  time: microseconds since 1970-01-01 UTC on the writer's clock (signed;
                 informative only, never used for ordering)
        72   64  Ed25519 signature over bytes [0, 72) + bytes [136, end)
       136   12  AES-GCM nonce (random)
       148  16+  AES-256-GCM ciphertext and tag of the body; AAD = bytes [0, 72) (the header)

The header is bytes [0, 72). The entry hash is SHA-256 of the whole encoding, signature
included, so the next entry's ``prev hash`` pins this one byte for byte. The hub parses the same
fixed offsets in SQL (``storage.hub.schema``) and never sees anything but the header in clear.
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"FSE1"
HEADER = struct.Struct(">4s16sQ32sIq")
HEADER_SIZE = HEADER.size  # 72
SIGNATURE_SIZE = 64
NONCE_SIZE = 12
TAG_SIZE = 16
BODY_OFFSET = HEADER_SIZE + SIGNATURE_SIZE
MIN_SIZE = BODY_OFFSET + NONCE_SIZE + TAG_SIZE
MAX_SIZE = 4 * 1024 * 1024
"""Largest encoding accepted anywhere (the hub refuses bigger pushes too): a batch of changes,
never a file."""
GENESIS = bytes(32)
KEY_SIZE = 32


class EntryError(Exception):
    """An entry that must not be applied. The text is a sentence safe to show: it names the
    device and the sequence number, never anything from the body."""


class MalformedEntry(EntryError):
    pass


class ForgedEntry(EntryError):
    pass


class UnreadableEntry(EntryError):
    pass


@dataclass(frozen=True)
class Header:
    device_id: uuid.UUID
    seq: int
    prev_hash: bytes
    epoch: int
    time_us: int

    def encode(self) -> bytes:
        if self.seq < 1:
            raise ValueError("seq starts at 1")
        if len(self.prev_hash) != 32:
            raise ValueError("prev_hash is a 32-byte SHA-256")
        if (self.seq == 1) != (self.prev_hash == GENESIS):
            raise ValueError("only the first entry (seq 1) has the all-zero prev_hash")
        return HEADER.pack(MAGIC, self.device_id.bytes, self.seq, self.prev_hash, self.epoch,
                           self.time_us)

    def label(self) -> str:
        return f"entry {self.seq} of device {self.device_id}"


@dataclass(frozen=True)
class Entry:
    header: Header
    signature: bytes
    nonce: bytes
    ciphertext: bytes

    def encode(self) -> bytes:
        return self.header.encode() + self.signature + self.nonce + self.ciphertext

    @property
    def hash(self) -> bytes:
        return entry_hash(self.encode())

    def signed_bytes(self) -> bytes:
        return self.header.encode() + self.nonce + self.ciphertext


def entry_hash(encoded: bytes) -> bytes:
    return hashlib.sha256(encoded).digest()


def decode(raw: bytes) -> Entry:
    """Parse an encoding; structure only (no signature or key needed)."""
    if not MIN_SIZE <= len(raw) <= MAX_SIZE:
        raise MalformedEntry(f"An entry of {len(raw)} bytes is not a sync entry (wrong size).")
    magic, device, seq, prev, epoch, time_us = HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise MalformedEntry("An entry does not start with the sync entry marker.")
    header = Header(uuid.UUID(bytes=device), seq, prev, epoch, time_us)
    try:
        header.encode()  # the same rules as when writing
    except ValueError as error:
        raise MalformedEntry(f"{header.label()} is malformed: {error}.") from None
    return Entry(header, raw[HEADER_SIZE:BODY_OFFSET], raw[BODY_OFFSET:BODY_OFFSET + NONCE_SIZE],
                 raw[BODY_OFFSET + NONCE_SIZE:])


def seal(signing_key: Ed25519PrivateKey, sync_key: bytes, header: Header, body: bytes,
         nonce: bytes | None = None) -> Entry:
    """Encrypt ``body`` under ``sync_key`` (AAD: the header) and sign the result. ``nonce`` is
    random unless given (the known-answer test pins it)."""
    if len(sync_key) != KEY_SIZE:
        raise ValueError("the sync key is 32 bytes (AES-256)")
    nonce = os.urandom(NONCE_SIZE) if nonce is None else nonce
    encoded_header = header.encode()
    ciphertext = AESGCM(sync_key).encrypt(nonce, body, encoded_header)
    signature = signing_key.sign(encoded_header + nonce + ciphertext)
    entry = Entry(header, signature, nonce, ciphertext)
    if len(entry.encode()) > MAX_SIZE:
        raise ValueError("entry body too large; split the batch")
    return entry


def verify_signature(entry: Entry, public_key: bytes) -> None:
    """Raise ``ForgedEntry`` unless the device's key signed exactly these bytes."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(entry.signature,
                                                              entry.signed_bytes())
    except (InvalidSignature, ValueError):
        raise ForgedEntry(
            f"{entry.header.label()} does not carry that device's signature: it was forged or"
            " altered after it was written, and was not applied.") from None


def open_body(entry: Entry, sync_key: bytes) -> bytes:
    """Decrypt the body; ``UnreadableEntry`` when the key or any byte is wrong."""
    try:
        return AESGCM(sync_key).decrypt(entry.nonce, entry.ciphertext, entry.header.encode())
    except (InvalidTag, ValueError):
        raise UnreadableEntry(
            f"{entry.header.label()} cannot be decrypted with the clinic's sync key of epoch"
            f" {entry.header.epoch}: it was altered or belongs to another clinic.") from None


def public_bytes(signing_key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
