"""Sync-key rotation when a member leaves: a removed laptop and a deactivated user, holding a
copy of an old data folder (every old sync key, the device's signing key) and reading the hub,
cannot decrypt anything written after the rotation, while the remaining laptops keep syncing."""

from __future__ import annotations

import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import select

from facilitator import cli
from facilitator.models.sync import SyncIdentity, SyncKey
from facilitator.models.sync_security import SyncKeyBox
from facilitator.services import audit, key_rotation, users
from facilitator.services.errors import SyncProblem
from facilitator.services.sync import epochs
from facilitator.storage import sealing
from facilitator.storage.hub.client import HubClient
from facilitator.storage.keys import open_slot, user_slot_name
from facilitator.sync import entry as E
from tests.conftest import PASSWORD
from tests.sync.laptops import Clinic, Laptop
from tests.sync.trio import add_goal, goals_of, hub_entries, keys_of, nc, trio

__all__ = ["nc", "trio"]


def _private_of(laptop: Laptop, login: str) -> bytes:
    """What a person holding ``laptop``'s folder and ``login``'s password can unwrap."""
    vault = laptop.vault
    keys = vault._keys()
    slot = keys.slots[user_slot_name(login)]
    return open_slot(slot, PASSWORD, vault._device_secret(keys, slot))


def test_a_removed_member_cannot_read_what_is_written_after_the_rotation(
        trio: tuple[Clinic, Laptop, Laptop, Laptop]) -> None:
    clinic, a, b, c = trio
    old_keys = keys_of(c)  # the removed member's copy of laptop C's folder: every key until now
    uma_private = _private_of(c, "uma")  # and the removed user's own key pair
    before = hub_entries(clinic)[-1][0]
    # The admin takes laptop C out of the clinic and deactivates Uma, who used it.
    role = conninfo_to_dict(c.dsn)["user"]
    assert cli.main(["hub", "remove-laptop", "--dsn", clinic.cluster.dsn(clinic.hub_db),
                     "--name", role]) == cli.OK
    admin_a = a.sign_in()
    uma = next(u for u in users.list_users(admin_a) if u.login == "uma")
    users.set_active(admin_a, uma.id, False)
    new_epoch = max(keys_of(a))
    assert new_epoch == max(old_keys) + 1
    add_goal(a, "Call a sponsor after work")
    a.sync()
    # B, where the admin signs in, opens the new key and keeps syncing both ways.
    b.sync()
    assert "Call a sponsor after work" in goals_of(b)
    assert new_epoch in keys_of(b)
    add_goal(b, "Walk for twenty minutes daily")
    b.sync()
    a.sync()
    assert "Walk for twenty minutes daily" in goals_of(a)

    after = hub_entries(clinic, before)
    assert after, "the rotation and the new goals reached the hub"
    announcement, *written = [e for _, e in after]
    assert announcement.header.epoch == max(old_keys)  # the last entry under the old key
    assert written and all(e.header.epoch == new_epoch for e in written)
    for entry in written:
        for key in old_keys.values():
            with pytest.raises(E.UnreadableEntry):
                E.open_body(entry, key)
    # The announcement opens with the old key, but none of its boxes with Uma's key.
    boxes = json.loads(E.open_body(announcement, old_keys[announcement.header.epoch]))
    sealed = boxes["epoch_key"]["boxes"]
    assert sealing.fingerprint(sealing.public_of(uma_private)) not in {b["fp"] for b in sealed}
    for box in sealed:
        with pytest.raises(sealing.Unsealable):
            sealing.unseal(uma_private, bytes.fromhex(box["eph"]), bytes.fromhex(box["nonce"]),
                           bytes.fromhex(box["box"]),
                           epochs.box_info(new_epoch, box["fp"]))
    # The removed laptop's later pushes are refused with a sentence; its work stays local.
    with pytest.raises(SyncProblem, match="was disabled"):
        c.sync()


def test_a_laptop_without_a_recipient_signed_in_waits_and_loses_nothing(
        trio: tuple[Clinic, Laptop, Laptop, Laptop]) -> None:
    _clinic, a, b, _c = trio
    # Tara's password was reset on B: her key pair there is one A has never seen, so the key
    # A makes next is sealed to her old key and she cannot open it on B.
    admin_b = b.sign_in()
    tara_id = next(u.id for u in users.list_users(admin_b) if u.login == "tara")
    users.reset_password(admin_b, tara_id, PASSWORD)
    b.close()
    epochs.rotate(a.sign_in(), "test")
    add_goal(a, "Practise the breathing exercise")
    a.sync()
    with pytest.raises(SyncProblem, match="cannot open yet"):
        b.sync("tara")
    add_goal(b, "Write in the journal nightly", "tara")  # offline work goes on
    with pytest.raises(SyncProblem, match="cannot open yet"):
        b.sync("tara")
    assert "Practise the breathing exercise" not in goals_of(b)
    a.sync()
    assert "Write in the journal nightly" not in goals_of(a)  # held back, not under the old key
    # The admin signs in on B: the key opens, the pull resumes, B's held-back work goes out.
    b.sync("admin")
    assert "Practise the breathing exercise" in goals_of(b)
    a.sync()
    assert "Write in the journal nightly" in goals_of(a)
    assert a.dump() == b.dump()


def test_an_entry_under_the_old_epoch_after_the_rotation_is_refused(
        trio: tuple[Clinic, Laptop, Laptop, Laptop]) -> None:
    _clinic, a, b, _c = trio
    epochs.rotate(a.sign_in(), "test")
    a.sync()
    b.sync()
    # A stale copy of A's folder (old keys, A's signing key) writes under the old epoch.
    ws = a.sign_in()
    with ws.transaction() as s:
        me = s.scalars(select(SyncIdentity).where(SyncIdentity.retired_at.is_(None))).one()
        signer = Ed25519PrivateKey.from_private_bytes(me.signing_key)
        old = min(k.epoch for k in s.scalars(select(SyncKey)))
        key = s.get(SyncKey, (old, "")).key
        header = E.Header(uuid.UUID(me.device_id), me.seq + 1, me.head_hash, old, 0)
        stale = E.seal(signer, key, header, b'{"v":1,"changes":[]}')
    with HubClient(a.dsn) as hub:
        hub.push([stale.encode()])
    with pytest.raises(SyncProblem, match="older than epoch"):
        b.sync()
    with b.sign_in().read() as s:
        assert not s.scalars(select(SyncKeyBox)).all()


def test_rotating_the_data_key_rotates_the_sync_key_and_the_others_follow(
        trio: tuple[Clinic, Laptop, Laptop, Laptop]) -> None:
    _clinic, a, b, _c = trio
    before = max(keys_of(a))
    result = key_rotation.rotate_data_key(a.sign_in(), accept_resets=True)
    assert result.epoch == 2  # the data key's own generation
    assert max(keys_of(a)) == before + 1
    [event] = audit.list_events(a.sign_in(), action_prefix="sync.key_rotated")
    assert event.details["reason"] == "data key rotated"
    assert set(event.details["recipients"]) == {"admin", "sam", "tara", "uma"}
    add_goal(a, "Eat breakfast daily")
    a.sync()
    b.sync()
    assert "Eat breakfast daily" in goals_of(b)
    assert max(keys_of(b)) == before + 1
