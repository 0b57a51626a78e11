"""The entry format, pinned closely enough for mutation testing (make mutation
MODULE=sync-entry): every refusal's whole sentence, the size limits, frozen values."""

from __future__ import annotations

import dataclasses
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from facilitator.sync import entry as E
from tests.unit.test_sync_entry import DEVICE, KEY, _first, _signer

LABEL = f"entry 1 of device {DEVICE}"


def test_sizes() -> None:
    assert (E.HEADER_SIZE, E.BODY_OFFSET, E.MIN_SIZE, E.MAX_SIZE) == (72, 136, 164, 4194304)
    smallest = _first(b"").encode()
    assert len(smallest) == E.MIN_SIZE
    assert E.decode(smallest).ciphertext == smallest[148:]
    with pytest.raises(E.MalformedEntry) as caught:
        E.decode(smallest[:-1])
    assert str(caught.value) == "An entry of 163 bytes is not a sync entry (wrong size)."
    with pytest.raises(E.MalformedEntry):
        E.decode(smallest + bytes(E.MAX_SIZE))


def test_largest_entry_is_accepted() -> None:
    header = E.Header(DEVICE, 1, E.GENESIS, 0, 0)
    body = bytes(E.MAX_SIZE - E.MIN_SIZE)
    entry = E.seal(_signer(), KEY, header, body, nonce=bytes(12))
    assert len(entry.encode()) == E.MAX_SIZE
    assert E.decode(entry.encode()) == entry
    with pytest.raises(ValueError) as caught:
        E.seal(_signer(), KEY, header, body + b"x")
    assert str(caught.value) == "entry body too large; split the batch"


def test_marker_and_header_sentences() -> None:
    raw = bytearray(_first().encode())
    raw[0:4] = b"FSE2"
    with pytest.raises(E.MalformedEntry) as caught:
        E.decode(bytes(raw))
    assert str(caught.value) == "An entry does not start with the sync entry marker."
    raw = bytearray(_first().encode())
    raw[20:28] = struct.pack(">Q", 2)
    with pytest.raises(E.MalformedEntry) as caught_header:
        E.decode(bytes(raw))
    assert str(caught_header.value) == (
        f"entry 2 of device {DEVICE} is malformed: only the first entry (seq 1) has the"
        " all-zero prev_hash.")


def test_header_rules() -> None:
    with pytest.raises(ValueError, match=r"^seq starts at 1$"):
        E.Header(DEVICE, 0, E.GENESIS, 0, 0).encode()
    with pytest.raises(ValueError, match=r"^prev_hash is a 32-byte SHA-256$"):
        E.Header(DEVICE, 2, b"x" * 31, 0, 0).encode()
    with pytest.raises(ValueError, match=r"^the sync key is 32 bytes \(AES-256\)$"):
        E.seal(_signer(), bytes(16), E.Header(DEVICE, 1, E.GENESIS, 0, 0), b"")


def test_refusal_sentences() -> None:
    with pytest.raises(E.ForgedEntry) as forged:
        E.verify_signature(_first(), E.public_bytes(Ed25519PrivateKey.generate()))
    assert str(forged.value) == (f"{LABEL} does not carry that device's signature: it was forged"
                                 " or altered after it was written, and was not applied.")
    with pytest.raises(E.ForgedEntry):
        E.verify_signature(_first(), b"short")
    with pytest.raises(E.UnreadableEntry) as unreadable:
        E.open_body(_first(), bytes(32))
    assert str(unreadable.value) == (
        f"{LABEL} cannot be decrypted with the clinic's sync key of epoch 3: it was altered or"
        " belongs to another clinic.")


def test_values_are_frozen() -> None:
    entry = _first()
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.signature = b""  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.header.seq = 2  # type: ignore[misc]
