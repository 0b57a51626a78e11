"""Set-up, sign-in, back-off, recovery, lock and password changes on a real encrypted database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from keyrings.alt.file import PlaintextKeyring

from facilitator.clock import FakeClock
from facilitator.services import audit, auth, clinic_setup, users
from facilitator.services.errors import AuthError, ValidationError
from facilitator.services.workspace import Workspace
from facilitator.storage.device import KeyringSecrets, NoDeviceSecrets, backend_is_secure
from facilitator.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD, make_setup


def actions(ws: Workspace) -> list[str]:
    return [e.action for e in reversed(audit.list_events(ws))]


def test_create_clinic_signs_in_admin_and_audits(clinic: tuple[Workspace, str]) -> None:
    ws, recovery = clinic
    assert ws.actor.role == "admin" and ws.actor.login == "admin"
    assert len(recovery.replace("-", "")) == 30
    assert actions(ws)[:2] == ["clinic.created", "user.created"]


def test_setup_validation_names_fields(vault: Vault, clock: FakeClock) -> None:
    with pytest.raises(ValidationError) as err:
        clinic_setup.create_clinic(vault, clock, make_setup(
            clinic_name=" ", timezone="Mars/Olympus", password="short", password_again="other"))
    assert {"clinic_name", "timezone", "password", "password_again"} <= err.value.fields.keys()
    assert not vault.exists(), "nothing is written when set-up input is invalid"


def test_sign_in_wrong_password_then_right(clinic: tuple[Workspace, str], vault: Vault,
                                           clock: FakeClock) -> None:
    clinic[0].close()
    with pytest.raises(AuthError, match="not correct"):
        auth.sign_in(vault, clock, "admin", "wrong password!")
    with pytest.raises(AuthError, match="not correct"):
        auth.sign_in(vault, clock, "nobody", PASSWORD)
    ws = auth.sign_in(vault, clock, "ADMIN", PASSWORD)
    try:
        tail = actions(ws)[-3:]
        assert tail == ["login.failed", "login.failed", "login"]
    finally:
        ws.close()


def test_failed_logins_back_off(clinic: tuple[Workspace, str], vault: Vault,
                                clock: FakeClock) -> None:
    clinic[0].close()
    for _ in range(3):
        with pytest.raises(AuthError, match="not correct"):
            auth.sign_in(vault, clock, "admin", "nope nope nope")
    with pytest.raises(AuthError, match="Too many failed attempts"):
        auth.sign_in(vault, clock, "admin", PASSWORD)
    clock.advance(seconds=3)
    ws = auth.sign_in(vault, clock, "admin", PASSWORD)
    ws.close()


def test_recovery_key_resets_password(clinic: tuple[Workspace, str], vault: Vault,
                                      clock: FakeClock) -> None:
    ws, recovery = clinic
    ws.close()
    with pytest.raises(AuthError, match="recovery key is not correct"):
        auth.reset_password_with_recovery(vault, clock, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF",
                                          "admin", "a brand new password")
    auth.reset_password_with_recovery(vault, clock, recovery.lower().replace("-", " "), "admin",
                                      "a brand new password")
    with pytest.raises(AuthError):
        auth.sign_in(vault, clock, "admin", PASSWORD)
    auth.sign_in(vault, clock, "admin", "a brand new password").close()


def test_change_password_rewraps_one_slot(ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    with pytest.raises(ValidationError) as err:
        auth.change_password(ws, "wrong", "new password 123", "different 123")
    assert {"old", "new_again"} <= err.value.fields.keys()
    auth.change_password(ws, PASSWORD, "new password 123", "new password 123")
    assert vault.verify_password("admin", "new password 123")
    assert not vault.verify_password("admin", PASSWORD)


def test_lock_and_unlock_audited(ws: Workspace, clock: FakeClock) -> None:
    auth.lock(ws)
    with pytest.raises(AuthError):
        auth.unlock(ws, "not it at all")
    auth.unlock(ws, PASSWORD)
    assert actions(ws)[-3:] == ["session.locked", "unlock.failed", "session.unlocked"]


def test_deactivated_user_cannot_sign_in(ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    t = users.add_user(ws, users.UserDraft("terry", "Terry T", "LPC", "therapist"),
                       "therapist pass 1")
    auth.sign_in(vault, clock, "terry", "therapist pass 1").close()
    users.set_active(ws, t.id, False)
    with pytest.raises(AuthError):
        auth.sign_in(vault, clock, "terry", "therapist pass 1")
    users.set_active(ws, t.id, True, "therapist pass 2")
    other = auth.sign_in(vault, clock, "terry", "therapist pass 2")
    assert other.actor.role == "therapist"
    other.close()


def test_device_secret_binds_slots_to_this_machine(
    clinic: tuple[Workspace, str], data_dir, keyring_backend: PlaintextKeyring, clock: FakeClock
) -> None:
    ws, recovery = clinic
    ws.close()
    # The same folder seen from a machine without this keychain entry: the password alone fails.
    elsewhere = Vault(data_dir, device=NoDeviceSecrets(), kdf=FAST_KDF)
    with pytest.raises(AuthError):
        auth.sign_in(elsewhere, clock, "admin", PASSWORD)
    # ...but the recovery key (deliberately not device bound) still opens it.
    auth.reset_password_with_recovery(elsewhere, clock, recovery, "admin", "portable password")
    auth.sign_in(elsewhere, clock, "admin", "portable password").close()
    here = Vault(data_dir, device=KeyringSecrets(keyring_backend), kdf=FAST_KDF)
    assert here.device.get(here._keys().db_id) is not None


def test_plaintext_keyring_counts_as_no_keyring(keyring_backend: PlaintextKeyring) -> None:
    assert not backend_is_secure(keyring_backend)


def test_timestamps_come_from_the_clock(ws: Workspace, clock: FakeClock) -> None:
    clock.advance(timedelta(hours=5))
    auth.lock(ws)
    assert audit.list_events(ws)[0].at == clock.now()


def test_failed_logins_are_audited_exactly_once(clinic: tuple[Workspace, str], vault: Vault,
                                                clock: FakeClock) -> None:
    ws = clinic[0]
    users.add_user(ws, users.UserDraft("terry", "Terry T", "LPC", "therapist"), "therapist pw 1")
    ws.close()
    with pytest.raises(AuthError):
        auth.sign_in(vault, clock, "terry", "wrong password")
    # Someone else signs in, locks, fails and succeeds at the lock screen.
    admin = auth.sign_in(vault, clock, "admin", PASSWORD)
    auth.lock(admin)
    with pytest.raises(AuthError):
        auth.unlock(admin, "not it")
    auth.unlock(admin, PASSWORD)
    admin.close()
    again = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        events = [(e.login, e.action) for e in reversed(audit.list_events(again))]
    finally:
        again.close()
    assert events.count(("terry", "login.failed")) == 1
    assert events.count(("admin", "unlock.failed")) == 1
    assert ("admin", "login.failed") not in events  # a lock-screen failure is not re-audited


def test_failures_survive_a_sign_in_that_cannot_commit(clinic: tuple[Workspace, str],
                                                       vault: Vault, clock: FakeClock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from facilitator.services.errors import StorageProblem

    clinic[0].close()
    with pytest.raises(AuthError):
        auth.sign_in(vault, clock, "admin", "wrong password")
    original = audit.append
    calls = {"n": 0}

    def fail_on_login(session, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if kwargs.get("action") == "login":
            raise StorageProblem("The disk is full: nothing was saved.")
        return original(session, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(audit, "append", fail_on_login)
        with pytest.raises(StorageProblem):
            auth.sign_in(vault, clock, "admin", PASSWORD)
    assert vault.lockout.pending(), "the failure is still waiting to be audited"
    ws = auth.sign_in(vault, clock, "admin", PASSWORD)
    try:
        failed = [e for e in audit.list_events(ws) if e.action == "login.failed"]
    finally:
        ws.close()
    assert len(failed) == 1 and vault.lockout.pending() == []
