"""The sync entry format (facilitator.sync.entry): known answer, layout, properties, refusals."""

from __future__ import annotations

import hashlib
import struct
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from facilitator.sync import entry as E
from facilitator.sync.ids import uuid7

SEED = bytes(range(32))
KEY = bytes(range(32, 64))
NONCE = bytes(range(12))
DEVICE = uuid.UUID("0190f0e4-2b1c-7a3d-9e5f-112233445566")


def _signer() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(SEED)


def _first(body: bytes = b'{"changes":[]}') -> E.Entry:
    header = E.Header(DEVICE, 1, E.GENESIS, 3, 1_780_000_000_000_000)
    return E.seal(_signer(), KEY, header, body, nonce=NONCE)


def test_known_answer_pins_the_encoding_and_hash() -> None:
    # Computed once from the fixed inputs above; any change of layout, AAD, signed bytes or
    # hash input changes it (a new format needs a new magic, not a silent change).
    assert _first().hash.hex() == (
        "bc9a4fe83e94840220361bd8b54cc245535470f35c6743643b0f06bccbdae119")


def test_layout_matches_the_documented_offsets() -> None:
    entry = _first(b"hello")
    raw = entry.encode()
    assert raw[0:4] == b"FSE1"
    assert raw[4:20] == DEVICE.bytes
    assert struct.unpack(">Q", raw[20:28]) == (1,)
    assert raw[28:60] == bytes(32)
    assert struct.unpack(">I", raw[60:64]) == (3,)
    assert struct.unpack(">q", raw[64:72]) == (1_780_000_000_000_000,)
    assert raw[136:148] == NONCE
    # AAD is exactly the header, the body decrypts with the documented slices.
    assert AESGCM(KEY).decrypt(raw[136:148], raw[148:], raw[0:72]) == b"hello"
    _signer().public_key().verify(raw[72:136], raw[0:72] + raw[136:])
    assert entry.hash == hashlib.sha256(raw).digest()
    assert len(raw) == E.MIN_SIZE + len(b"hello")


def test_next_entry_links_to_the_previous_hash() -> None:
    first = _first()
    second = E.seal(_signer(), KEY, E.Header(DEVICE, 2, first.hash, 3, 0), b"x")
    assert E.decode(second.encode()).header.prev_hash == first.hash


@given(body=st.binary(max_size=2048), seq=st.integers(1, 2**63), epoch=st.integers(0, 2**32 - 1),
       time_us=st.integers(-(2**63), 2**63 - 1), prev=st.binary(min_size=32, max_size=32))
def test_roundtrip(body: bytes, seq: int, epoch: int, time_us: int, prev: bytes) -> None:
    prev = E.GENESIS if seq == 1 else (prev if prev != E.GENESIS else b"\x01" * 32)
    entry = E.seal(_signer(), KEY, E.Header(DEVICE, seq, prev, epoch, time_us), body)
    back = E.decode(entry.encode())
    assert back == entry
    E.verify_signature(back, E.public_bytes(_signer()))
    assert E.open_body(back, KEY) == body


@given(body=st.binary(max_size=256), data=st.data())
def test_any_flipped_bit_is_refused(body: bytes, data: st.DataObject) -> None:
    raw = bytearray(_first(body).encode())
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(E.EntryError):
        altered = E.decode(bytes(raw))
        E.verify_signature(altered, E.public_bytes(_signer()))
        E.open_body(altered, KEY)


def test_other_device_key_is_forgery() -> None:
    other = Ed25519PrivateKey.generate()
    with pytest.raises(E.ForgedEntry, match="entry 1 of device 0190f0e4"):
        E.verify_signature(_first(), E.public_bytes(other))


def test_wrong_sync_key_is_unreadable_and_says_the_epoch() -> None:
    with pytest.raises(E.UnreadableEntry, match="epoch 3"):
        E.open_body(_first(), bytes(32))


@pytest.mark.parametrize(("raw", "message"), [
    (b"FSE1" + bytes(10), "wrong size"),
    (b"XXXX" + bytes(E.MIN_SIZE), "marker"),
])
def test_malformed_bytes(raw: bytes, message: str) -> None:
    with pytest.raises(E.MalformedEntry, match=message):
        E.decode(raw)


def test_seq_one_must_have_genesis_and_others_must_not() -> None:
    with pytest.raises(ValueError, match="only the first"):
        E.Header(DEVICE, 1, b"\x01" * 32, 0, 0).encode()
    with pytest.raises(ValueError, match="only the first"):
        E.Header(DEVICE, 2, E.GENESIS, 0, 0).encode()
    with pytest.raises(ValueError, match="seq starts at 1"):
        E.Header(DEVICE, 0, E.GENESIS, 0, 0).encode()
    raw = bytearray(_first().encode())
    raw[20:28] = struct.pack(">Q", 2)  # seq 2 with a genesis prev hash
    with pytest.raises(E.MalformedEntry, match="malformed"):
        E.decode(bytes(raw))


def test_too_big_a_body_is_refused_when_sealing() -> None:
    with pytest.raises(ValueError, match="too large"):
        E.seal(_signer(), KEY, E.Header(DEVICE, 1, E.GENESIS, 0, 0), bytes(E.MAX_SIZE))


def test_uuid7_layout_and_order() -> None:
    value = uuid7(0x0190F0E42B1C, bytes(10))
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert value.bytes[:6] == bytes.fromhex("0190f0e42b1c")
    assert uuid7(1000) < uuid7(1001)
    assert uuid7(5) != uuid7(5)
    with pytest.raises(ValueError):
        uuid7(-1)
    with pytest.raises(ValueError):
        uuid7(1, b"short")
