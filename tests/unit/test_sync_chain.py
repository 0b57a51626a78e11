"""The receiver's checks (facilitator.sync.chain) over a real chain of sealed entries."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from facilitator.sync import chain as C
from facilitator.sync import entry as E

KEYS = {1: bytes(range(32)), 2: bytes(range(1, 33))}
DEVICE = uuid.UUID(int=7)
SIGNER = Ed25519PrivateKey.from_private_bytes(bytes(32))
PUBLIC = E.public_bytes(SIGNER)


def _chain(n: int, epoch: int = 1) -> list[E.Entry]:
    out: list[E.Entry] = []
    prev = E.GENESIS
    for seq in range(1, n + 1):
        entry = E.seal(SIGNER, KEYS[epoch], E.Header(DEVICE, seq, prev, epoch, seq),
                       f"body {seq}".encode())
        out.append(entry)
        prev = entry.hash
    return out


class Receiver:
    """The minimal state a laptop keeps per device: its head and the hash of every seq."""

    def __init__(self) -> None:
        self.hashes: dict[int, bytes] = {}
        self.applied: list[bytes] = []

    @property
    def head(self) -> C.Head:
        if not self.hashes:
            return C.NO_HEAD
        top = max(self.hashes)
        return C.Head(top, self.hashes[top])

    def take(self, entry: E.Entry, public: bytes | None = PUBLIC) -> C.Verdict:
        checked = C.check_entry(entry, public_key=public, sync_keys=KEYS, head=self.head,
                                known_hash=self.hashes.get(entry.header.seq))
        if checked.verdict is C.Verdict.APPLY:
            assert checked.body is not None
            self.hashes[entry.header.seq] = entry.hash
            self.applied.append(checked.body)
        return checked.verdict


def test_a_chain_applies_in_order_and_replays_are_duplicates() -> None:
    r = Receiver()
    chain = _chain(3)
    assert [r.take(e) for e in chain] == [C.Verdict.APPLY] * 3
    assert [r.take(e) for e in chain] == [C.Verdict.DUPLICATE] * 3
    assert r.applied == [b"body 1", b"body 2", b"body 3"]


@given(st.lists(st.integers(0, 4), max_size=30))
def test_any_delivery_order_applies_each_entry_once_in_order(order: list[int]) -> None:
    chain = _chain(5)
    r = Receiver()
    for i in [*order, 0, 1, 2, 3, 4]:  # whatever the hub sends, then the full chain
        try:
            r.take(chain[i])
        except C.ChainBroken as error:
            assert "missing" in str(error)
    assert r.applied == [f"body {n}".encode() for n in range(1, 6)]


def test_gap_is_refused_and_names_the_missing_seqs() -> None:
    r = Receiver()
    chain = _chain(4)
    r.take(chain[0])
    with pytest.raises(C.ChainBroken, match="entries 2-3 are missing"):
        r.take(chain[3])


def test_equivocation_at_a_known_seq() -> None:
    r = Receiver()
    chain = _chain(2)
    for e in chain:
        r.take(e)
    fork = E.seal(SIGNER, KEYS[1], E.Header(DEVICE, 2, chain[0].hash, 1, 99), b"other")
    with pytest.raises(C.Equivocation, match="forked or rewritten"):
        r.take(fork)
    assert r.applied == [b"body 1", b"body 2"]


def test_rewritten_predecessor_breaks_the_chain() -> None:
    r = Receiver()
    chain = _chain(1)
    r.take(chain[0])
    stranger = E.seal(SIGNER, KEYS[1], E.Header(DEVICE, 2, b"\x05" * 32, 1, 0), b"x")
    with pytest.raises(C.ChainBroken, match="does not follow"):
        r.take(stranger)


def test_forged_signature_is_refused_before_anything_else() -> None:
    mallory = Ed25519PrivateKey.generate()
    forged = E.seal(mallory, KEYS[1], E.Header(DEVICE, 1, E.GENESIS, 1, 0), b"evil")
    r = Receiver()
    with pytest.raises(E.ForgedEntry):
        r.take(forged)
    assert r.head == C.NO_HEAD


def test_unknown_device_and_unknown_epoch() -> None:
    with pytest.raises(C.UnknownKey, match="no key for"):
        Receiver().take(_chain(1)[0], public=None)
    entry = E.seal(SIGNER, bytes(32), E.Header(DEVICE, 1, E.GENESIS, 9, 0), b"x")
    with pytest.raises(C.UnknownKey, match="epoch 9"):
        Receiver().take(entry)


def test_known_epoch_wrong_key_is_unreadable() -> None:
    entry = E.seal(SIGNER, bytes(32), E.Header(DEVICE, 1, E.GENESIS, 2, 0), b"x")
    with pytest.raises(E.UnreadableEntry):
        Receiver().take(entry)


def test_missing_record_below_head() -> None:
    with pytest.raises(C.ChainBroken, match="missing"):
        C.check_entry(_chain(1)[0], public_key=PUBLIC, sync_keys=KEYS, head=C.Head(3, b"h" * 32),
                      known_hash=None)


def test_check_head_detects_rollback_and_rewrite() -> None:
    mine = C.Head(5, b"a" * 32)
    C.check_head(mine, 5, b"a" * 32, "d")
    C.check_head(mine, 9, None, "d")
    C.check_head(C.NO_HEAD, 0, None, "d")
    with pytest.raises(C.ChainBroken, match=r"holds 4 entries of device d.*applied 5"):
        C.check_head(mine, 4, None, "d")
    with pytest.raises(C.Equivocation, match="entry 5 of device d differs"):
        C.check_head(mine, 6, b"b" * 32, "d")
