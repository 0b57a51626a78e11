"""One-time enrolment codes and the sealed package a new laptop redeems with one. Pure: bytes
and strings in, bytes and strings out.

The code is 20 symbols of a 32-symbol alphabet without look-alikes (no 0/O, 1/I), shown in five
groups of four, e.g. ``7KQ4-MX2P-R8WD-HC3F-N5TB``: **100 random bits**, all of them secret.
Everything the hub and the laptops need is derived from the whole code with HKDF-SHA256 under
separate labels:

* ``lookup`` (32 bytes): the enrolment's key on the hub (``enrolments.code_hash``);
* ``hub_login`` / ``hub_password``: the one-time PostgreSQL account the new laptop connects with
  before it has any credentials of its own (the hub stores only a salted SCRAM-SHA-256 verifier
  of the password, made on the admin's laptop: the clear password never reaches the server);
* ``package_key``: the AES-256-GCM key of the package.

What the hub operator sees: the lookup, the login, the SCRAM verifier (4096 PBKDF2 rounds) and
the sealed package. Each is a one-way function of the 100-bit code, so opening the package
offline means trying ~2^99 codes on average, each costing an HKDF (and, through the verifier,
4096 HMACs): out of reach. Online guessing needs a login per guess against a hub that logs
failures, and the code expires (24 h by default) and works once.

The package (JSON, sealed; AAD = a label and the lookup, so a package cannot be moved to another
enrolment) holds what a fresh laptop cannot get from the history: the hub's id, the clinic sync
keys of every epoch, the recovery key's slot and the users' slot copies known when it was made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SYMBOLS = 20  # x 5 bits = 100 bits
GROUP = 4
PACKAGE_VERSION = 1
_SALT = b"facilitator enrolment code v1"
_AAD = b"facilitator enrolment package v1\x00"
SCRAM_ITERATIONS = 4096


class BadCode(ValueError):
    """The text cannot be an enrolment code (wrong length or characters)."""


class BadPackage(ValueError):
    """The package does not open with this code, or is not a package this version reads."""


def new_code() -> str:
    """A fresh random code, grouped for reading aloud and typing."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS))
    return "-".join(chars[i:i + GROUP] for i in range(0, SYMBOLS, GROUP))


def normalise(text: str) -> str:
    """The code's 20 symbols, whatever the case, spaces and dashes it was typed with;
    ``BadCode`` when that is not a code (it never holds 0, O, 1 or I: no look-alikes)."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) != SYMBOLS or any(ch not in ALPHABET for ch in cleaned):
        raise BadCode("An enrolment code has 20 letters and digits, e.g."
                      " 7KQ4-MX2P-R8WD-HC3F-N5TB; check what you typed.")
    return cleaned


def _derive(code: str, label: str, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT,
                info=label.encode("ascii")).derive(normalise(code).encode("ascii"))


@dataclass(frozen=True)
class Derived:
    """What one code stands for (see the module docstring)."""

    lookup: bytes
    hub_login: str
    hub_password: str
    package_key: bytes


def derive(code: str) -> Derived:
    lookup = _derive(code, "lookup")
    return Derived(
        lookup=lookup,
        # The login is visible to the hub operator anyway; a slice of the lookup names it so
        # both sides compute it without another round trip.
        hub_login=f"enrol_{lookup[:8].hex()}",
        hub_password=base64.urlsafe_b64encode(_derive(code, "hub password")).decode().rstrip("="),
        package_key=_derive(code, "package key"))


def seal_package(code: str, content: dict[str, Any]) -> bytes:
    """The package for ``code``: nonce (12 bytes) + AES-256-GCM ciphertext of the JSON."""
    d = derive(code)
    nonce = os.urandom(12)
    data = json.dumps({"v": PACKAGE_VERSION, **content}, sort_keys=True).encode("utf-8")
    return nonce + AESGCM(d.package_key).encrypt(nonce, data, _AAD + d.lookup)


def open_package(code: str, sealed: bytes) -> dict[str, Any]:
    d = derive(code)
    try:
        data = AESGCM(d.package_key).decrypt(sealed[:12], sealed[12:], _AAD + d.lookup)
    except (InvalidTag, ValueError):
        raise BadPackage("The enrolment package on the hub does not open with this code: it"
                         " was altered. Ask your administrator for a new code.") from None
    content = json.loads(data)
    if not isinstance(content, dict) or content.get("v") != PACKAGE_VERSION:
        raise BadPackage("The enrolment package was made by another version of Facilitator;"
                         " update this laptop and ask for a new code.")
    return content


def scram_verifier(password: str, salt: bytes | None = None) -> str:
    """PostgreSQL's stored form of a SCRAM-SHA-256 password (RFC 5802/7677): what ``CREATE ROLE
    ... PASSWORD`` keeps when given a clear password, computed here so the clear one is never
    sent (a server that logs statements would log it). ASCII passwords only (ours are)."""
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return (f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}"
            f"${b64(stored_key)}:{b64(server_key)}")


def scram_matches(password: str, verifier: str) -> bool:
    """Whether ``password`` is the one ``verifier`` was made from (tests, diagnostics)."""
    try:
        head, keys = verifier.split("$", 2)[1:]
        iterations, salt = head.split(":")
    except ValueError:
        return False
    if int(iterations) != SCRAM_ITERATIONS:
        return False
    return hmac.compare_digest(scram_verifier(password, base64.b64decode(salt)).encode(),
                               f"SCRAM-SHA-256${head}${keys}".encode())
