"""Defects found in review of storage, accounts, audit and the CLI; each test failed before its fix.

Real encrypted databases and a real keyring backend (keyrings.alt); faults are injected only into
the third-party keyring backend or by putting a folder where a file must be written.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import keyring.errors
import pytest
from keyrings.alt.file import PlaintextKeyring

from facilitator.clock import FakeClock
from facilitator.services import audit, auth, clinic_setup, maintenance, roster, users
from facilitator.services.errors import AuthError, Conflict, ServiceError, StorageProblem
from facilitator.services.workspace import Workspace
from facilitator.storage.device import KeyringSecrets, NoDeviceSecrets
from facilitator.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD, make_setup


def actions(ws: Workspace) -> list[str]:
    return [e.action for e in reversed(audit.list_events(ws))]


def test_audit_chain_verifies_when_the_clock_is_not_in_utc(vault: Vault) -> None:
    # An aware but non-UTC "now" is stored as UTC; the hash must be computed on that same value,
    # or verify reports valid data as tampered.
    local = FakeClock(datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=ZoneInfo("America/Chicago")))
    ws, _ = clinic_setup.create_clinic(vault, local, make_setup())
    try:
        auth.lock(ws)
        report = maintenance.verify(ws)
        assert report.ok, report.lines
    finally:
        ws.close()


def test_missing_keychain_is_not_a_failed_login(clinic: tuple[Workspace, str], data_dir: Path,
                                                clock: FakeClock) -> None:
    """A device-bound account opened where the keychain is missing (a CLI over ssh, a headless
    session) must say so, and must not count as failed logins that lock the user out."""
    ws, _ = clinic
    ws.close()
    bare = Vault(data_dir, device=NoDeviceSecrets(), kdf=FAST_KDF)
    for _ in range(5):
        with pytest.raises(AuthError, match="keychain"):
            auth.sign_in(bare, clock, "admin", PASSWORD)
    assert bare.lockout.retry_after("admin", clock.now()) == 0


class FlakyKeyring(PlaintextKeyring):
    """The same keyrings.alt file backend, but reading fails (a locked or busy keychain)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("keychain is locked")


def test_keychain_read_error_never_replaces_the_device_secret(
        clinic: tuple[Workspace, str], data_dir: Path, keyring_backend: PlaintextKeyring,
        clock: FakeClock) -> None:
    ws, _ = clinic
    terry = users.add_user(ws, users.UserDraft("terry", "Terry T", "LCSW", "therapist"),
                           "therapist pass 2")
    flaky = FlakyKeyring()
    flaky.file_path = keyring_backend.file_path  # type: ignore[misc]
    ws.vault = Vault(data_dir, device=KeyringSecrets(flaky), kdf=FAST_KDF)
    with pytest.raises(ServiceError):  # an admin resets a password while the keychain is busy
        users.reset_password(ws, terry.id, "therapist pass 3")
    ws.close()
    # Everyone else still signs in: the device secret was not overwritten.
    auth.sign_in(vault_on(data_dir, keyring_backend), clock, "terry", "therapist pass 2").close()
    auth.sign_in(vault_on(data_dir, keyring_backend), clock, "admin", PASSWORD).close()


def vault_on(data_dir: Path, backend: PlaintextKeyring) -> Vault:
    return Vault(data_dir, device=KeyringSecrets(backend), kdf=FAST_KDF)


def test_failed_slot_write_on_password_change_is_a_clear_error(
        ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    (vault.data_dir / "keys.tmp").mkdir()  # the atomic write of keys.json cannot happen
    with pytest.raises(StorageProblem, match="not changed"):
        auth.change_password(ws, PASSWORD, "a brand new password", "a brand new password")
    # The change was audited (and its new key bound) before the slot was written, and its
    # failure right after it, binding the slot still in the file again.
    assert actions(ws)[-4:] == ["password.changed", "key.bound", "password.not_saved",
                                "key.bound"]
    (vault.data_dir / "keys.tmp").rmdir()
    ws.close()
    auth.sign_in(vault, clock, "admin", PASSWORD).close()


def test_logins_are_unicode_normalised(ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    composed, decomposed = "jos\u00e9", "jose\u0301"
    users.add_user(ws, users.UserDraft(composed, "José", "", "therapist"), "therapist pass 2")
    with pytest.raises(Conflict):  # two logins that look identical in the audit log
        users.add_user(ws, users.UserDraft(decomposed, "Impostor", "", "admin"),
                       "impostor pass 22")
    auth.sign_in(vault, clock, decomposed, "therapist pass 2").close()
    with pytest.raises(Conflict):  # full-width letters: looks like "admin" on screen
        users.add_user(ws, users.UserDraft("\uff41\uff44\uff4d\uff49\uff4e", "Impostor", "",
                                           "admin"), "impostor pass 22")


def test_chart_ids_are_unicode_normalised(ws: Workspace) -> None:
    roster.add_participant(ws, roster.ParticipantDraft("DEMO-12", "Robin Sampleton",
                                                       date(2026, 2, 1)))
    with pytest.raises(Conflict):  # full-width digits typed with an East Asian input method
        roster.add_participant(ws, roster.ParticipantDraft("ＤＥＭＯ-１２", "Casey Demoford",
                                                           date(2026, 2, 1)))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FACILITATOR_PASSWORD": "demo password 1"}
    return subprocess.run([sys.executable, "-m", "facilitator", *args], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)


def test_cli_wrong_password_with_unwritable_backoff_state_is_one_line(
        vault: Vault, clock: FakeClock) -> None:
    ws, _ = clinic_setup.create_clinic(
        Vault(vault.data_dir, device=NoDeviceSecrets(), kdf=FAST_KDF), clock, make_setup())
    ws.close()
    (vault.data_dir / "lockout.tmp").mkdir()  # back-off state cannot be written
    result = run_cli("verify", "--user", "admin", "--data-dir", str(vault.data_dir),
                     "--no-keyring")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0


def test_cli_restore_into_a_file_is_one_line(ws: Workspace, tmp_path: Path) -> None:
    backup = maintenance.backup(ws, tmp_path / "b.fbak").path
    not_a_folder = tmp_path / "some-file"
    not_a_folder.write_text("x")
    result = run_cli("restore", "--from", str(backup), "--data-dir", str(not_a_folder))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0
    assert not_a_folder.read_text() == "x"


@pytest.mark.parametrize("name", ["facilitator.db", "keys.json", "facilitator.db-wal"])
def test_backup_never_overwrites_the_live_data_folder_files(
        ws: Workspace, vault: Vault, clock: FakeClock, name: str) -> None:
    """`backup --to DATA/facilitator.db` would put a zip file in place of the live database."""
    keys_before = vault.keys_path.read_bytes()
    with pytest.raises(StorageProblem):
        maintenance.backup(ws, vault.data_dir / name)
    ws.close()
    assert vault.keys_path.read_bytes() == keys_before
    auth.sign_in(vault, clock, "admin", PASSWORD).close()


def test_pre_upgrade_backups_never_overwrite_each_other(
        clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock) -> None:
    from alembic import command

    from facilitator.storage import migrate

    ws = clinic[0]
    for _ in range(2):  # two upgrades within the same second
        with ws.db.engine.begin() as conn:
            command.downgrade(migrate._config(conn), "0002")
        ws.close()
        ws = auth.sign_in(vault, clock, "admin", PASSWORD)
    ws.close()
    assert len(list(vault.backups_dir.glob("before-upgrade-*.fbak"))) == 2


def test_failed_setup_leaves_no_half_made_folder(vault, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Fault injection at the first audit write: set-up fails after the database exists."""
    from facilitator.services import audit
    from facilitator.services.errors import StorageProblem
    from tests.conftest import make_setup

    def disk_full(*args: object, **kwargs: object) -> None:
        raise StorageProblem("The disk is full: nothing was saved.")

    with monkeypatch.context() as m:
        m.setattr(audit, "append", disk_full)
        with pytest.raises(StorageProblem, match="disk is full"):
            clinic_setup.create_clinic(vault, clock, make_setup())
    assert not vault.exists(), "set-up can simply be run again"
    ws, _ = clinic_setup.create_clinic(vault, clock, make_setup())
    ws.close()


@pytest.mark.parametrize("name", ["\u200b\u200b", " \u200f ", "\u2060"])
def test_invisible_names_are_empty(ws, name: str) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from facilitator.services import roster
    from facilitator.services.errors import ValidationError

    with pytest.raises(ValidationError) as err:
        roster.add_participant(ws, roster.ParticipantDraft("C-1", name, date(2026, 1, 5)))
    assert "legal_name" in err.value.fields
    # A right-to-left name with its direction mark is a real name.
    roster.add_participant(ws, roster.ParticipantDraft("C-2", "\u200fנועה", date(2026, 1, 5)))


def test_no_enrollment_after_discharge(ws) -> None:  # type: ignore[no-untyped-def]
    from datetime import date, time

    from facilitator.services import programs, roster
    from facilitator.services.errors import Conflict

    prog = programs.add_program(ws, programs.ProgramDraft("P", "mh"))
    group = programs.add_group(ws, programs.GroupDraft("G", prog.id, (1,), time(9), time(12)))
    p = roster.add_participant(ws, roster.ParticipantDraft(
        "C-1", "Pat", date(2026, 1, 5), status="discharged", discharge_date=date(2026, 2, 1)))
    with pytest.raises(Conflict, match="after the participant's discharge"):
        roster.enroll(ws, p.id, group.id, date(2026, 2, 2))
    roster.enroll(ws, p.id, group.id, date(2026, 1, 6), date(2026, 2, 1))
