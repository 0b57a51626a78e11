"""Users' key slots keep travelling after enrolment: a password changed, an account added or
deactivated on one laptop reaches the others' key files at their next sync."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from facilitator.models.audit import AuditEvent
from facilitator.services import auth, users
from facilitator.services.errors import AuthError
from facilitator.storage.device import NoDeviceSecrets
from facilitator.storage.errors import WrongPassword
from facilitator.storage.keyfile import KeyFile
from facilitator.storage.keys import open_slot, user_slot_name
from facilitator.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD
from tests.services.notes.conftest import NotesClinic
from tests.sync.enrolling import clinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["clinic", "nc"]
NEW = "a brand new passphrase 42"


@pytest.fixture
def ab(clinic: Clinic, nc: NotesClinic) -> tuple[Laptop, Laptop]:
    a = clinic.adopt("A", nc.vault)
    a.sync()
    b = clinic.enrol(a, "B")
    for login in ("tara", "uma"):
        a.sign_in(login)  # after the first code: their sign-ins send their slots
    a.sync()
    b.sync()
    return a, b


def _slots(laptop: Laptop) -> dict[str, dict]:
    data = json.loads(laptop.vault.keys_path.read_text())
    return {slot["name"]: slot for slot in data["slots"]}


def _opens(laptop: Laptop, login: str, password: str) -> bool:
    try:
        auth.sign_in(laptop.vault, laptop.clock, login, password).close()
    except AuthError:
        return False
    return True


def test_a_password_changed_on_a_opens_b_after_sync(ab: tuple[Laptop, Laptop],
                                                     nc: NotesClinic) -> None:
    a, b = ab
    assert _opens(b, "tara", PASSWORD)
    nc.clock.advance(seconds=60)
    auth.change_password(a.sign_in("tara"), PASSWORD, NEW, NEW)
    assert not _opens(b, "tara", NEW)  # not before B syncs
    a.sync()
    b.sync()
    assert _opens(b, "tara", NEW)
    assert not _opens(b, "tara", PASSWORD)
    assert _opens(a, "tara", NEW)  # and A keeps its own (keychain-bound) slot
    assert _slots(a)["user:tara"]["device_bound"] is True
    assert _slots(b)["user:tara"]["public"] == _slots(a)["user:tara"]["public"]


def test_a_user_added_on_a_signs_in_on_b_and_a_deactivated_one_loses_her_slot(
        ab: tuple[Laptop, Laptop], nc: NotesClinic) -> None:
    a, b = ab
    nc.clock.advance(seconds=60)
    vic = users.add_user(a.sign_in(), users.UserDraft("vic", "Vic Newcomer", "LPC",
                                                      "therapist"), NEW)
    users.set_active(a.sign_in(), nc.tara.id, False)
    assert "user:tara" in _slots(b)
    a.sync()
    b.sync()
    assert "user:tara" not in _slots(b) and "user:tara" not in _slots(a)
    assert not _opens(b, "tara", PASSWORD)
    assert _opens(b, "vic", NEW)
    # Reactivated on B with a new password: back on A after the next round.
    nc.clock.advance(seconds=60)
    users.set_active(b.sign_in(), next(u.id for u in users.list_users(b.sign_in())
                                       if u.login == "tara"), True, NEW)
    b.sync()
    a.sync()
    assert _opens(a, "tara", NEW)
    assert vic.login == "vic"


def test_a_password_reset_by_the_admin_on_b_reaches_a(ab: tuple[Laptop, Laptop],
                                                     nc: NotesClinic) -> None:
    a, b = ab
    nc.clock.advance(seconds=60)
    users.reset_password(b.sign_in(), next(u.id for u in users.list_users(b.sign_in())
                                           if u.login == "uma"), NEW)
    b.sync()
    a.sync()
    assert _opens(a, "uma", NEW) and _opens(b, "uma", NEW)
    assert not _opens(a, "uma", PASSWORD)


def _keychain_bound(laptop: Laptop, login: str) -> bool:
    """Whether ``login``'s slot in the laptop's key file needs the device secret: the flag,
    and the password alone no longer opening it."""
    slot = KeyFile.load(laptop.vault.keys_path).slots[user_slot_name(login)]
    try:
        open_slot(slot, PASSWORD if login != "tara" else NEW, None)
    except WrongPassword:
        assert slot.device_bound
        return True
    assert not slot.device_bound
    return False


def test_a_travelled_slot_takes_the_keychain_at_the_first_sign_in_and_keeps_it(
        clinic: Clinic, nc: NotesClinic) -> None:
    a = clinic.adopt("A", nc.vault)
    a.sync()
    b = clinic.enrol(a, "B")  # B's slots all came from A: password-only
    public = _slots(b)["user:admin"]["public"]
    assert not _keychain_bound(b, "admin")
    assert _opens(b, "admin", PASSWORD)
    assert _keychain_bound(b, "admin")
    assert _slots(b)["user:admin"]["public"] == public  # same key pair: no new binding
    assert _opens(b, "admin", PASSWORD)  # and it still opens, with the keychain
    without = Vault(b.vault.data_dir, device=NoDeviceSecrets(), kdf=FAST_KDF)
    with pytest.raises(AuthError, match="keychain"):
        auth.sign_in(without, nc.clock, "admin", PASSWORD)
    with b.sign_in().read() as s:
        bound = [(e.login, e.entity_id) for e in s.scalars(select(AuditEvent).where(
            AuditEvent.action == "key.slot_keychain_bound"))]
    assert bound == [("admin", str(b.sign_in().actor.user_id))]
    # Rounds in both directions leave it bound: the travelling copy has the same public key.
    a.sync()
    b.sync()
    assert _keychain_bound(b, "admin") and _opens(b, "admin", PASSWORD)
    # A password changed on A arrives password-only, and is bound here at its next sign-in.
    nc.clock.advance(seconds=60)
    auth.change_password(a.sign_in("tara"), PASSWORD, NEW, NEW)
    a.sync()
    b.sync()
    assert not _keychain_bound(b, "tara")
    assert _opens(b, "tara", NEW) and _keychain_bound(b, "tara")
    assert not _opens(b, "tara", PASSWORD)


def test_no_keychain_keeps_a_travelled_slot_password_only(clinic: Clinic,
                                                            nc: NotesClinic) -> None:
    a = clinic.adopt("A", nc.vault)
    a.sync()
    b = clinic.enrol(a, "B")
    plain = Vault(b.vault.data_dir, device=NoDeviceSecrets(), kdf=FAST_KDF)
    auth.sign_in(plain, nc.clock, "admin", PASSWORD).close()
    assert not _keychain_bound(b, "admin")
