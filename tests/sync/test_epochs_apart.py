"""Two laptops that rotate the clinic sync key while apart (each admin deactivating someone on
her own laptop) make two keys of one epoch. Every laptop keeps both and reads each laptop's
entries, and the first laptop to learn that the key it writes under was sealed to someone who
has left rotates again, so nothing more is written under a key a leaver can open."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from facilitator.models.audit import AuditEvent
from facilitator.models.sync import SyncKey
from facilitator.services import users
from facilitator.services.errors import SyncProblem
from facilitator.services.sync import epochs, identity, join
from facilitator.storage import sealing
from facilitator.sync import entry as E
from tests.conftest import PASSWORD
from tests.sync.laptops import Clinic, Laptop
from tests.sync.test_epochs import _private_of
from tests.sync.trio import add_goal, goals_of, hub_entries, nc, trio

__all__ = ["nc", "trio"]


def _deactivate(laptop: Laptop, login: str) -> None:
    admin = laptop.sign_in()
    users.set_active(admin, next(u.id for u in users.list_users(admin) if u.login == login),
                     False)


def _device(laptop: Laptop) -> str:
    return str(identity.current_identity(laptop.sign_in()).device_id)


def _held(laptop: Laptop) -> dict[tuple[int, str], list[str] | None]:
    with laptop.sign_in().read() as s:
        return {(k.epoch, k.maker): k.recipients for k in s.scalars(select(SyncKey))}


def _boxes_of(clinic: Clinic, after: int, keys: dict[int, list[bytes]]) -> dict[int, list[dict]]:
    """Epoch -> the boxes of every key announced on the hub after cursor ``after``."""
    found: dict[int, list[dict]] = {}
    for _cursor, entry in hub_entries(clinic, after):
        for key in keys.get(entry.header.epoch, []):
            try:
                body = json.loads(E.open_body(entry, key))
            except E.UnreadableEntry:
                continue
            if "epoch_key" in body:
                announced = body["epoch_key"]
                found.setdefault(int(announced["epoch"]), []).extend(announced["boxes"])
    return found


def _cannot_open(private: bytes, epoch: int, boxes: list[dict]) -> bool:
    mine = sealing.fingerprint(sealing.public_of(private))
    if any(b["fp"] == mine for b in boxes):
        return False
    for box in boxes:
        try:
            sealing.unseal(private, bytes.fromhex(box["eph"]), bytes.fromhex(box["nonce"]),
                           bytes.fromhex(box["box"]), epochs.box_info(epoch, box["fp"]))
        except sealing.Unsealable:
            continue
        return False
    return True


def test_two_laptops_rotating_while_apart_keep_syncing_and_shut_both_leavers_out(
        trio: tuple[Clinic, Laptop, Laptop, Laptop]) -> None:
    clinic, a, b, c = trio
    uma, tara = _private_of(a, "uma"), _private_of(a, "tara")
    before = hub_entries(clinic)[-1][0]
    first = max(e for e, _m in _held(a))
    # Apart: the admin on A deactivates Uma, the admin on B deactivates Tara; both write on.
    _deactivate(a, "uma")
    _deactivate(b, "tara")
    assert {e for e, _m in _held(a)} == {e for e, _m in _held(b)} == {first, first + 1}
    add_goal(a, "Goal written on A after Uma left")
    add_goal(b, "Goal written on B after Tara left")

    a.sync()
    b.sync()  # B reads A's key and learns Uma left: its own key was sealed to her
    a.sync()
    c.sync()
    b.sync()
    for laptop in (a, b, c):
        assert {"Goal written on A after Uma left",
                "Goal written on B after Tara left"} <= goals_of(laptop)
    assert a.dump() == b.dump() == c.dump()

    # Both keys of the clashing epoch are held everywhere; B rotated once more, and the key
    # everyone writes under now is sealed to neither leaver.
    newest = first + 2
    for laptop in (a, b, c):
        held = _held(laptop)
        assert len([1 for e, _m in held if e == first + 1]) == 2
        (_e, maker), = [k for k in held if k[0] == newest]
        assert maker == _device(b)
    reasons = []
    with b.sign_in().read() as s:
        for event in s.scalars(select(AuditEvent).where(AuditEvent.action == "sync.key_rotated")
                               .order_by(AuditEvent.id)):
            reasons.append(event.details["reason"])
    assert reasons[-1] == "the current key was sealed to uma, no longer active"
    with a.sign_in().read() as s:
        assert not any(e.details["reason"].startswith("the current key")
                       for e in s.scalars(select(AuditEvent).where(
                           AuditEvent.action == "sync.key_rotated")))

    keys: dict[int, list[bytes]] = {}
    with c.sign_in().read() as s:
        for k in s.scalars(select(SyncKey)):
            keys.setdefault(k.epoch, []).append(k.key)
    boxes = _boxes_of(clinic, before, keys)
    assert sorted(boxes) == [first + 1, newest]
    assert not _cannot_open(tara, first + 1, boxes[first + 1])  # A's key reached Tara...
    assert not _cannot_open(uma, first + 1, boxes[first + 1])  # ...and B's reached Uma
    assert _cannot_open(uma, newest, boxes[newest])
    assert _cannot_open(tara, newest, boxes[newest])
    # Work from here on goes out under the newest key only, on every laptop.
    after = hub_entries(clinic)[-1][0]
    for n, laptop in enumerate((a, b, c)):
        add_goal(laptop, f"Goal {n} after the second rotation")
        laptop.sync()
    written = [e for _c, e in hub_entries(clinic, after)]
    assert len({e.header.device_id for e in written}) == 3
    assert all(e.header.epoch == newest for e in written)
    for laptop in (a, b, c):
        laptop.sync()
    assert a.dump() == b.dump() == c.dump()
    # A laptop joining now, with an enrolment code, gets every key of every epoch with its
    # maker and reads it all.
    d = clinic.enrol(a, "D")
    assert _held(d) == _held(a)
    assert d.dump() == a.dump()


def test_a_package_from_an_older_app_gives_one_key_per_epoch() -> None:
    older = {"sync_keys": {"1": "00" * 32, "2": "11" * 32}}
    assert join._key_ring(older) == [
        {"epoch": 1, "maker": "", "key": bytes(32), "recipients": None},
        {"epoch": 2, "maker": "", "key": b"\x11" * 32, "recipients": None}]
    newer = {"sync_keys": {"2": "11" * 32}, "sync_key_ring": [
        {"epoch": 2, "maker": "a", "key": "11" * 32, "recipients": ["f1"]},
        {"epoch": 2, "maker": "b", "key": "22" * 32, "recipients": None}]}
    assert [(k["maker"], k["key"][:1], k["recipients"]) for k in join._key_ring(newer)] == [
        ("a", b"\x11", ["f1"]), ("b", b"\x22", None)]


def test_a_user_deactivated_while_a_newer_key_waits_is_shut_out_once_it_opens(
        trio: tuple[Clinic, Laptop, Laptop, Laptop]) -> None:
    clinic, a, b, _c = trio
    uma = _private_of(b, "uma")
    # The admin's password changes on B, so the key A makes next is sealed to her old key
    # pair, which B no longer has; Sam, a supervisor, can open it on B.
    admin_b = b.sign_in()
    admin_id = next(u.id for u in users.list_users(admin_b) if u.login == "admin")
    users.reset_password(admin_b, admin_id, PASSWORD)  # the same password, a new key pair
    b.close()
    epochs.rotate(a.sign_in(), "test")  # sealed to Uma too: she is active on A
    a.sync()
    before = hub_entries(clinic)[-1][0]
    try:
        b.sync()
    except SyncProblem as problem:
        assert "cannot open yet" in str(problem)
    _deactivate(b, "uma")  # the rotation this asks for cannot happen while the key waits
    assert max(e for e, _m in _held(b)) == max(e for e, _m in _held(a)) - 1

    b.sync("sam")  # Sam opens the key: it was sealed to Uma, so B rotates before writing
    newest = max(e for e, _m in _held(b))
    assert newest == max(e for e, _m in _held(a)) + 1
    with b.sign_in("sam").read() as s:
        reason = s.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "sync.key_rotated").order_by(AuditEvent.id.desc())).first()
    assert reason is not None and reason["reason"].startswith("the current key was sealed to uma")
    keys: dict[int, list[bytes]] = {}
    with b.sign_in("sam").read() as s:
        for k in s.scalars(select(SyncKey)):
            keys.setdefault(k.epoch, []).append(k.key)
    boxes = _boxes_of(clinic, before, keys)
    assert _cannot_open(uma, newest, boxes[newest])
    # On A the admin still has her old key pair, which B's new key was not sealed to: Sam
    # opens it there too.
    a.sync("sam")
    assert not any(u.active for u in users.list_users(a.sign_in()) if u.login == "uma")
    assert newest in {e for e, _m in _held(a)}
    assert a.dump() == b.dump()


def test_a_laptop_that_can_open_only_one_of_the_two_keys_waits_for_the_other(
        trio: tuple[Clinic, Laptop, Laptop, Laptop]) -> None:
    _clinic, a, b, c = trio
    _deactivate(a, "uma")
    _deactivate(b, "tara")
    add_goal(b, "Goal written on B after Tara left")
    a.sync()
    b.sync()
    # On C, Tara (still active there) opens A's key but not B's, which left her out: B's
    # entries wait for someone who can, as entries under a newer epoch would.
    with pytest.raises(SyncProblem, match="cannot open yet"):
        c.sync("tara")
    assert "Goal written on B after Tara left" not in goals_of(c)
    assert set(_held(c)) == set(_held(a))  # the first key and A's, not B's
    c.sync("admin")
    assert "Goal written on B after Tara left" in goals_of(c)
    a.sync()
    assert a.dump() == b.dump() == c.dump()
