"""One login typed on two laptops for two people (a clash, ``services.sync.clashes``): both
accounts stay, the later one is renamed everywhere, and each person still signs in with her
own password and reaches her own account on every laptop her slot reached, under her new login
or, once, under the old one with a notice; nobody's slot is overwritten by the other's."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from facilitator.models.audit import AuditEvent
from facilitator.models.sync import SyncRow
from facilitator.services import auth, users
from facilitator.services.errors import AuthError
from facilitator.services.workspace import LoginRenamed, Workspace
from tests.conftest import PASSWORD
from tests.services.notes.conftest import NotesClinic
from tests.sync.enrolling import clinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["clinic", "nc"]

# Two people, two laptops, one login typed offline on both.
PEOPLE = {"A": ("Dana Alvarez", "violet harbor kettle 71"),
          "B": ("Dana Brooks", "granite meadow lantern 38")}


def _clash(clinic: Clinic, nc: NotesClinic, people: dict[str, tuple[str, str]]
           ) -> tuple[Laptop, Laptop]:
    a = clinic.adopt("A", nc.vault)
    a.sync()
    b = clinic.enrol(a, "B")  # from the first code on, slots travel
    b.sync()
    for laptop in (a, b):
        name, password = people[laptop.name]
        users.add_user(laptop.sign_in(), users.UserDraft("dana", name, "LPC", "therapist"),
                       password)
        nc.clock.advance(seconds=30)
    for _round in range(2):
        a.sync()
        b.sync()
    return a, b


@pytest.fixture
def danas(clinic: Clinic, nc: NotesClinic) -> tuple[Laptop, Laptop]:
    return _clash(clinic, nc, PEOPLE)


def _gid(ws: Workspace, user_id: int) -> str:
    with ws.read() as s:
        return s.scalars(select(SyncRow.gid).where(
            SyncRow.tbl == "users", SyncRow.row_key == str(user_id))).one()


def _logins(laptop: Laptop) -> dict[str, str]:
    """Full name -> login of the Danas, as the admin's user list shows them."""
    return {u.display_name: u.login for u in users.list_users(laptop.sign_in())
            if u.display_name.startswith("Dana")}


def _slot_names(laptop: Laptop) -> list[str]:
    return sorted(s["name"] for s in json.loads(laptop.vault.keys_path.read_text())["slots"])


def test_each_dana_signs_in_to_her_own_account_on_both_laptops(
        danas: tuple[Laptop, Laptop]) -> None:
    a, b = danas
    listed = _logins(a)
    assert listed == _logins(b)  # the same rename on every laptop
    assert set(listed) == {"Dana Alvarez", "Dana Brooks"}
    assert sorted(listed.values())[0] == "dana" and len(set(listed.values())) == 2
    # Her account is one synced row: the same global id wherever she signs in.
    gids: dict[str, set[str]] = {name: set() for name in listed}
    for laptop in (a, b):
        assert _slot_names(laptop).count(f"user:{listed['Dana Alvarez']}") == 1
        assert f"user:{listed['Dana Brooks']}" in _slot_names(laptop)
        for name, password in PEOPLE.values():
            ws = auth.sign_in(laptop.vault, laptop.clock, listed[name], password)
            try:
                assert ws.actor.display_name == name
                assert ws.actor.login == listed[name]
                gids[name].add(_gid(ws, ws.actor.user_id))
            finally:
                ws.close()
    assert all(len(found) == 1 for found in gids.values())
    assert gids["Dana Alvarez"] != gids["Dana Brooks"]


def _signed_in(laptop: Laptop, login: str, name: str
               ) -> tuple[str, str, LoginRenamed | None]:
    """(full name, login, rename told) of whoever ``login`` and ``name``'s password reach."""
    ws = auth.sign_in(laptop.vault, laptop.clock, login, PASSWORDS[name])
    try:
        return ws.actor.display_name, ws.actor.login, ws.login_renamed
    finally:
        ws.close()


PASSWORDS = dict(PEOPLE.values())


def test_the_renamed_dana_is_told_and_may_still_type_her_old_login(
        danas: tuple[Laptop, Laptop]) -> None:
    a, b = danas
    listed = _logins(a)
    renamed = next(name for name, login in listed.items() if login != "dana")
    kept = next(name for name in listed if name != renamed)
    new = listed[renamed]
    for laptop in (a, b):
        # Her first sign-in since the rename tells her, the next ones under it do not.
        told = LoginRenamed(login=new, old="dana")
        assert _signed_in(laptop, new, renamed) == (renamed, new, told)
        assert _signed_in(laptop, new, renamed) == (renamed, new, None)
        # The old login with her password opens her own account, and tells her again.
        assert _signed_in(laptop, "dana", renamed) == (renamed, new, told)
        # The old login with the other person's password opens only that person's account.
        assert _signed_in(laptop, "dana", kept) == (kept, "dana", None)
        with pytest.raises(AuthError):
            _signed_in(laptop, new, kept)


def test_a_wrong_password_under_the_old_login_opens_nothing(
        danas: tuple[Laptop, Laptop]) -> None:
    a, _b = danas
    with pytest.raises(AuthError):
        auth.sign_in(a.vault, a.clock, "dana", PASSWORD)


def test_the_rename_is_audited_and_both_bindings_stay_meaningful(
        danas: tuple[Laptop, Laptop]) -> None:
    a, b = danas
    listed = _logins(a)
    new = next(login for login in listed.values() if login != "dana")
    for laptop in (a, b):
        ws = laptop.sign_in()
        with ws.read() as s:
            renames = [e.details for e in s.scalars(select(AuditEvent).where(
                AuditEvent.action == "user.login_renamed"))]
            assert renames == [{"from": "dana", "to": new, "reason": "sync clash"}]
            # The renamed account's slot is bound here under her new login.
            bound = {e.details.get("account") for e in s.scalars(select(AuditEvent).where(
                AuditEvent.action == "key.bound", AuditEvent.entity == "user"))}
            assert new in bound


def test_a_laptop_enrolled_after_the_clash_lets_each_dana_in_to_her_own_account(
        clinic: Clinic, danas: tuple[Laptop, Laptop]) -> None:
    a, _b = danas
    listed = _logins(a)
    c = clinic.enrol(a, "C")
    assert _logins(c) == listed
    for name, login in listed.items():
        assert _signed_in(c, login, name)[:2] == (name, login)
        assert _signed_in(c, "dana", name)[:2] == (name, login)


def test_the_enrolment_package_files_each_copy_under_its_accounts_login_now(
        danas: tuple[Laptop, Laptop]) -> None:
    from facilitator.services.sync import enrol

    a, _b = danas
    listed = _logins(a)
    names = [raw["name"] for raw in enrol._package(a.sign_in(), "hub")["slots"]]
    assert len(names) == len(set(names))
    assert {f"user:{login}" for login in listed.values()} <= set(names)


def test_two_danas_with_one_password_are_refused_under_the_old_login_never_mixed_up(
        clinic: Clinic, nc: NotesClinic) -> None:
    same = "violet harbor kettle 71"
    a, b = _clash(clinic, nc, {"A": ("Dana Alvarez", same), "B": ("Dana Brooks", same)})
    listed = _logins(a)
    new = next(login for login in listed.values() if login != "dana")
    for laptop in (a, b):
        with pytest.raises(AuthError, match="open two accounts"):
            auth.sign_in(laptop.vault, laptop.clock, "dana", same)
        ws = auth.sign_in(laptop.vault, laptop.clock, new, same)
        try:
            assert ws.actor.login == new and listed[ws.actor.display_name] == new
        finally:
            ws.close()


def test_without_enrolment_each_dana_keeps_signing_in_on_her_own_laptop(
        clinic: Clinic, nc: NotesClinic) -> None:
    """Laptops restored from one backup carry no slot copies: each Dana's slot stays on the
    laptop where she was made, and follows her login there when it is renamed."""
    a, b = clinic.in_step(nc.vault)
    for laptop in (a, b):
        name, password = PEOPLE[laptop.name]
        users.add_user(laptop.sign_in(), users.UserDraft("dana", name, "LPC", "therapist"),
                       password)
    for _round in range(2):
        a.sync()
        b.sync()
    listed = _logins(a)
    for laptop in (a, b):
        name = PEOPLE[laptop.name][0]
        assert _signed_in(laptop, listed[name], name)[:2] == (name, listed[name])
        assert _signed_in(laptop, "dana", name)[:2] == (name, listed[name])
