"""The receiver's checks, pinned closely enough for mutation testing (make mutation
MODULE=sync-chain): every refusal's whole sentence, and results that cannot be altered."""

from __future__ import annotations

import dataclasses

import pytest

from facilitator.sync import chain as C
from facilitator.sync import entry as E
from tests.unit.test_sync_chain import DEVICE, KEYS, PUBLIC, SIGNER, _chain

LABEL = f"entry 1 of device {DEVICE}"


def _check(entry: E.Entry, **overrides: object) -> C.Checked:
    args: dict[str, object] = dict(public_key=PUBLIC, sync_keys=KEYS, head=C.NO_HEAD,
                                   known_hash=None)
    args.update(overrides)
    return C.check_entry(entry, **args)  # type: ignore[arg-type]


def test_no_device_key() -> None:
    with pytest.raises(C.UnknownKey) as caught:
        _check(_chain(1)[0], public_key=None)
    assert str(caught.value) == (f"{LABEL} comes from a device this laptop has no key for; it"
                                 " was not applied.")


def test_missing_record_at_or_below_the_head() -> None:
    with pytest.raises(C.ChainBroken) as caught:
        _check(_chain(1)[0], head=C.Head(2, b"h" * 32))
    assert str(caught.value) == (f"{LABEL} is at or below this laptop's head (2) but its record"
                                 " of that seq is missing.")


def test_equivocation_sentence() -> None:
    with pytest.raises(C.Equivocation) as caught:
        _check(_chain(1)[0], head=C.Head(1, b"h" * 32), known_hash=b"k" * 32)
    assert str(caught.value) == (
        f"{LABEL} differs from the entry this laptop already holds at that seq: the device's"
        " history was forked or rewritten. Nothing of it was applied; an admin must look at"
        " this device.")


def test_rewritten_predecessor_sentence() -> None:
    first = _chain(1)[0]
    second = E.seal(SIGNER, KEYS[1], E.Header(DEVICE, 2, b"\x05" * 32, 1, 0), b"")
    with pytest.raises(C.ChainBroken) as caught:
        _check(second, head=C.Head(1, first.hash))
    assert str(caught.value) == (f"entry 2 of device {DEVICE} does not follow the entry this"
                                 " laptop holds at seq 1: the chain was rewritten.")


def test_unknown_epoch_sentence() -> None:
    entry = E.seal(SIGNER, bytes(32), E.Header(DEVICE, 1, E.GENESIS, 7, 0), b"")
    with pytest.raises(C.UnknownKey) as caught:
        _check(entry)
    assert str(caught.value) == (
        f"{LABEL} is encrypted under sync key epoch 7, which this laptop does not hold (it may"
        " have been removed from the clinic, or needs to enrol again).")


def test_hub_head_sentences() -> None:
    with pytest.raises(C.ChainBroken) as caught:
        C.check_head(C.Head(5, b"a" * 32), 3, None, "D")
    assert str(caught.value) == (
        "The hub holds 3 entries of device D, but this laptop already applied 5: the hub lost or"
        " rolled back history. Nothing was pulled; tell your administrator.")
    with pytest.raises(C.Equivocation) as caught_rewrite:
        C.check_head(C.Head(5, b"a" * 32), 5, b"b" * 32, "D")
    assert str(caught_rewrite.value) == (
        "The hub's entry 5 of device D differs from the one this laptop applied: the hub's"
        " history was rewritten.")


def test_results_cannot_be_altered() -> None:
    checked = _check(_chain(1)[0])
    assert (checked.verdict, checked.body) == (C.Verdict.APPLY, b"body 1")
    assert C.Verdict.APPLY != C.Verdict.DUPLICATE
    with pytest.raises(dataclasses.FrozenInstanceError):
        checked.body = b"other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        C.NO_HEAD.seq = 3  # type: ignore[misc]


# -- the epoch rule ---------------------------------------------------------------------------

def _at_epoch(epoch: int) -> E.Entry:
    return E.seal(SIGNER, bytes(32), E.Header(DEVICE, 1, E.GENESIS, epoch, 0), b"body")


def test_an_entry_under_an_older_epoch_than_acknowledged_is_refused() -> None:
    with pytest.raises(C.EpochRegressed) as caught:
        _check(_at_epoch(2), sync_keys={2: bytes(32), 3: bytes(32)}, acknowledged=3)
    assert str(caught.value) == (
        f"{LABEL} is sealed under sync key epoch 2, older than epoch 3 its device already used:"
        " people removed from the clinic could read it. It was not applied; an admin must look"
        " at this device.")
    assert isinstance(caught.value, C.ChainBroken)


def test_an_entry_at_or_above_the_acknowledged_epoch_is_applied() -> None:
    keys = {2: bytes(32), 3: bytes(32)}
    assert _check(_at_epoch(3), sync_keys=keys, acknowledged=3).body == b"body"
    assert _check(_at_epoch(3), sync_keys=keys, acknowledged=2).body == b"body"
    assert _check(_at_epoch(2), sync_keys=keys).body == b"body"  # nothing acknowledged yet


def test_the_epoch_rule_comes_before_the_key_lookup() -> None:
    # An old-epoch entry is refused as such even when this laptop lacks that old key.
    with pytest.raises(C.EpochRegressed):
        _check(_at_epoch(1), sync_keys={}, acknowledged=2)


def test_a_duplicate_is_recognised_whatever_its_epoch() -> None:
    first = _at_epoch(1)
    checked = _check(first, head=C.Head(1, first.hash), known_hash=first.hash, acknowledged=5)
    assert checked.verdict is C.Verdict.DUPLICATE


@pytest.mark.parametrize(("before", "epoch", "announced", "after"), [
    (0, 1, 0, 1), (3, 1, 0, 3), (1, 2, 0, 2), (1, 1, 2, 2), (2, 1, 3, 3), (4, 2, 3, 4),
    (1, 3, 2, 3)])
def test_acknowledged_after(before: int, epoch: int, announced: int, after: int) -> None:
    assert C.acknowledged_after(before, epoch, announced) == after


def test_acknowledged_after_without_an_announcement() -> None:
    assert C.acknowledged_after(2, 1) == 2
    assert C.acknowledged_after(0, 0) == 0


def test_by_default_no_epoch_is_acknowledged() -> None:
    # Without a recorded epoch for the device (its first entry here) even epoch 0 applies.
    assert _check(_at_epoch(0), sync_keys={0: bytes(32)}).body == b"body"


def test_an_epoch_of_two_keys_opens_with_whichever_is_the_entry_s() -> None:
    # Two laptops that rotated while apart made one key of epoch 2 each.
    right, wrong, other = bytes(32), b"\x01" * 32, b"\x02" * 32
    for held in ((wrong, right), (right, wrong), (wrong, other, right), (wrong, right, other),
                 (right,)):
        assert _check(_at_epoch(2), sync_keys={2: held}).body == b"body"
    assert C.open_with(_at_epoch(2), [wrong, right]) == b"body"
    for held in ((wrong,), (wrong, other)):
        with pytest.raises(E.UnreadableEntry):
            _check(_at_epoch(2), sync_keys={2: held})


def test_an_epoch_with_no_key_is_unknown_however_it_is_held() -> None:
    with pytest.raises(C.UnknownKey):
        _check(_at_epoch(2), sync_keys={2: ()})
    with pytest.raises(C.UnknownKey):
        _check(_at_epoch(2), sync_keys={1: (bytes(32),)})
