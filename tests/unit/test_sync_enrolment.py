"""The enrolment code and package (facilitator.sync.enrolment): pure, so checked exhaustively
here; the hub side is in tests/sync/test_enrol_refusals.py."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from facilitator.sync import enrolment as E

CODE = "7KQ4-MX2P-R8WD-HC3F-N5TB"


def test_a_new_code_is_twenty_symbols_in_five_groups_and_random() -> None:
    codes = {E.new_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4] * 5
        assert set("".join(groups)) <= set(E.ALPHABET)
    assert len(E.ALPHABET) == 32 and not set("01IO") & set(E.ALPHABET)


def test_codes_are_read_however_they_were_typed() -> None:
    assert E.normalise(CODE) == "7KQ4MX2PR8WDHC3FN5TB"
    assert E.normalise(" 7kq4 mx2p-r8wd hc3f n5tb ") == "7KQ4MX2PR8WDHC3FN5TB"
    for bad in ("", CODE[:-1], CODE + "X", "7KQ4-MX2P-R8WD-HC3F-N5T!", "ÄKQ4-MX2P-R8WD-HC3F-N5TB",
                "0000-1111-AAAA-BBBB-CCCC", "OOOO-IIII-AAAA-BBBB-CCCC"):
        with pytest.raises(E.BadCode, match="20 letters and digits"):
            E.normalise(bad)


def test_derived_values_are_stable_separate_and_depend_on_every_symbol() -> None:
    d = E.derive(CODE)
    assert d == E.derive(CODE.lower())
    assert len(d.lookup) == len(d.package_key) == 32
    assert d.lookup != d.package_key
    assert d.hub_login == f"enrol_{d.lookup[:8].hex()}"
    assert len(d.hub_password) >= 40 and d.hub_password not in (CODE, d.lookup.hex())
    other = E.derive(CODE[:-1] + "C")
    assert (other.lookup, other.package_key, other.hub_password) != (
        d.lookup, d.package_key, d.hub_password)
    assert other.lookup != d.lookup and other.package_key != d.package_key


def test_a_package_opens_with_its_code_only() -> None:
    sealed = E.seal_package(CODE, {"hub_id": "h1", "sync_keys": {"1": "ab"}})
    assert E.open_package(CODE.lower(), sealed) == {"v": 1, "hub_id": "h1",
                                                    "sync_keys": {"1": "ab"}}
    assert b"h1" not in sealed and b"sync_keys" not in sealed
    assert sealed != E.seal_package(CODE, {"hub_id": "h1", "sync_keys": {"1": "ab"}})
    with pytest.raises(E.BadPackage, match="does not open with this code"):
        E.open_package("AAAA-AAAA-AAAA-AAAA-AAAA", sealed)
    for i in (0, 12, len(sealed) - 1):  # nonce, ciphertext, tag
        altered = bytearray(sealed)
        altered[i] ^= 1
        with pytest.raises(E.BadPackage):
            E.open_package(CODE, bytes(altered))
    with pytest.raises(E.BadPackage):
        E.open_package(CODE, sealed[:11])


def test_a_package_of_another_version_is_refused() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    d = E.derive(CODE)
    nonce = bytes(12)
    sealed = nonce + AESGCM(d.package_key).encrypt(
        nonce, b'{"v": 2}', b"facilitator enrolment package v1\x00" + d.lookup)
    with pytest.raises(E.BadPackage, match="another version"):
        E.open_package(CODE, sealed)


def test_the_scram_verifier_is_postgresqls_format() -> None:
    """RFC 5802/7677 arithmetic written out independently of the module."""
    salt = bytes(range(16))
    verifier = E.scram_verifier("pencil", salt)
    salted = hashlib.pbkdf2_hmac("sha256", b"pencil", salt, 4096)
    stored = hashlib.sha256(hmac.new(salted, b"Client Key", "sha256").digest()).digest()
    server = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = base64.b64encode
    assert verifier == (f"SCRAM-SHA-256$4096:{b64(salt).decode()}"
                        f"${b64(stored).decode()}:{b64(server).decode()}")
    assert E.scram_matches("pencil", verifier)
    assert not E.scram_matches("pencil!", verifier)
    assert not E.scram_matches("pencil", verifier.replace("$4096:", "$4095:"))
    assert not E.scram_matches("pencil", "md5abc")
    assert E.scram_verifier("pencil") != E.scram_verifier("pencil")  # a new salt each time
