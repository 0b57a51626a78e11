"""A sync-key rotation reaches every active user the rotating laptop knows of through sync, not
only those whose slot is bound on it; and still only through the key bound to the account."""

from __future__ import annotations

import json

from psycopg.conninfo import conninfo_to_dict

from facilitator import cli
from facilitator.services import audit, users
from facilitator.services.sync import epochs
from facilitator.sync import entry as E
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic
from tests.sync.laptops import Clinic, Laptop
from tests.sync.trio import add_goal, goals_of, hub_entries, keys_of, nc, trio

__all__ = ["nc", "trio"]
FORGER = "a forger's own passphrase 7"


def _vic_on_b_only(a: Laptop, b: Laptop) -> str:
    """Vic's account is made on B (her slot is in B's key file only), and both laptops sync.
    Returns her slot's fingerprint."""
    users.add_user(b.sign_in(), users.UserDraft("vic", "Vic Newcomer", "LPC", "therapist"),
                   PASSWORD)
    b.sync()
    a.sync()
    assert "vic" in {u.login for u in users.list_users(a.sign_in())}
    assert "user:vic" not in a.vault.slot_fingerprints()  # no slot of hers came to A
    return b.vault.slot_fingerprints()["user:vic"]


def _announced(clinic: Clinic, old: tuple[int, bytes], after: int) -> set[str]:
    """The fingerprints of the boxes in the newest announcement on the hub."""
    epoch, key = old
    for _, entry in reversed(hub_entries(clinic, after)):
        if entry.header.epoch == epoch:
            body = json.loads(E.open_body(entry, key))
            if "epoch_key" in body:
                return {box["fp"] for box in body["epoch_key"]["boxes"]}
    raise AssertionError("no announcement on the hub")


def test_a_user_made_on_another_laptop_gets_the_key_and_keeps_syncing(
        trio: tuple[Clinic, Laptop, Laptop, Laptop], nc: NotesClinic) -> None:
    _clinic, a, b, c = trio
    _vic_on_b_only(a, b)
    nc.clock.advance(seconds=60)
    # The admin deactivates Uma on A: the new key must reach Vic, who was never on A.
    admin_a = a.sign_in()
    users.set_active(admin_a, nc.uma.id, False)
    [event] = audit.list_events(admin_a, action_prefix="sync.key_rotated")
    assert "vic" in event.details["recipients"]
    assert event.details["left_out"] == []
    new_epoch = max(keys_of(a))
    add_goal(a, "Call a sponsor after work")
    a.sync()
    # Only Vic signs in on B: B opens the new key with her key and keeps syncing both ways.
    b.close()
    b.sync("vic")
    assert new_epoch in keys_of(b, "vic")
    add_goal(b, "Walk for twenty minutes daily", "vic")
    b.sync("vic")
    a.sync()
    assert "Walk for twenty minutes daily" in goals_of(a)
    assert "Call a sponsor after work" in goals_of(b)
    # C, where the admin signs in, follows too.
    c.sync()
    assert "Walk for twenty minutes daily" in goals_of(c)


def test_a_slot_in_the_key_file_that_is_not_the_bound_key_gets_nothing(
        trio: tuple[Clinic, Laptop, Laptop, Laptop], nc: NotesClinic) -> None:
    clinic, a, b, _c = trio
    vic = _vic_on_b_only(a, b)
    sam = a.vault.slot_fingerprints()["user:sam"]
    # Someone signed in on A writes slots of her own for Vic and for Sam into A's key file.
    ws = a.sign_in()
    forged = [a.vault.new_slot(ws.db, login, FORGER) for login in ("vic", "sam")]
    for slot in forged:
        a.vault.put_slot(slot)
    before = hub_entries(clinic)[-1][0]
    old = max(keys_of(a).items())
    result = epochs.rotate(ws, "test")
    assert result is not None and {"vic", "sam"} <= set(result.recipients)
    a.sync()
    sealed = _announced(clinic, old, before)
    assert {vic, sam} <= sealed
    assert not {slot.fingerprint() for slot in forged} & sealed


def test_a_key_bound_on_a_removed_laptop_gets_nothing(
        trio: tuple[Clinic, Laptop, Laptop, Laptop], nc: NotesClinic) -> None:
    clinic, a, _b, c = trio
    tara_on_a = a.vault.slot_fingerprints()["user:tara"]
    # Whoever keeps laptop C resets Tara's password there (a key pair of her own, bound to
    # Tara's account on C) and syncs; then the admin removes the laptop.
    nc.clock.advance(seconds=60)
    admin_c = c.sign_in()
    users.reset_password(admin_c, next(u.id for u in users.list_users(admin_c)
                                       if u.login == "tara"), FORGER)
    on_c = c.vault.slot_fingerprints()["user:tara"]
    c.sync()
    role = conninfo_to_dict(c.dsn)["user"]
    assert cli.main(["hub", "remove-laptop", "--dsn", clinic.cluster.dsn(clinic.hub_db),
                     "--name", role]) == cli.OK
    a.sync()  # A hears of C's reset, and that the hub froze C
    before = hub_entries(clinic)[-1][0]
    old = max(keys_of(a).items())
    result = epochs.rotate(a.sign_in(), "laptop removed from the clinic")
    assert result is not None and "tara" in result.recipients
    a.sync()
    sealed = _announced(clinic, old, before)
    assert tara_on_a in sealed and on_c not in sealed
