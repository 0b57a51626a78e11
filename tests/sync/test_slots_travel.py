"""Users' key slots keep travelling after enrolment: a password changed, an account added or
deactivated on one laptop reaches the others' key files at their next sync."""

from __future__ import annotations

import json

import pytest

from facilitator.services import auth, users
from facilitator.services.errors import AuthError
from tests.conftest import PASSWORD
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
