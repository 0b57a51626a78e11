"""Test helper: a device that seals a real chain of entries (facilitator.sync.entry)."""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from facilitator.sync import entry as E
from facilitator.sync.ids import uuid7

SYNC_KEY = bytes(range(32))
KEYS = {1: SYNC_KEY}


class Device:
    def __init__(self) -> None:
        self.id: uuid.UUID = uuid7(1_780_000_000_000)
        self.signer = Ed25519PrivateKey.generate()
        self.public = E.public_bytes(self.signer)
        self.chain: list[E.Entry] = []

    def next(self, body: bytes = b"{}", *, signer: Ed25519PrivateKey | None = None,
             seq: int | None = None) -> E.Entry:
        seq = seq or len(self.chain) + 1
        prev = self.chain[seq - 2].hash if seq > 1 else E.GENESIS
        entry = E.seal(signer or self.signer, SYNC_KEY, E.Header(self.id, seq, prev, 1, seq),
                       body)
        if seq == len(self.chain) + 1:
            self.chain.append(entry)
        return entry

    def raws(self, *entries: E.Entry) -> list[bytes]:
        return [e.encode() for e in entries]
