"""The key file and the folder: a damaged or hostile keys.json is reported as damage at once,
slot changes follow their committed audit event, files are owner-only, and common passwords
are refused."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from facilitator.clock import FakeClock
from facilitator.services import auth, maintenance, users
from facilitator.services.errors import DatabaseDamaged, ValidationError
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from tests.conftest import PASSWORD


def _edit_admin_slot(vault: Vault, **changes: object) -> None:
    data = json.loads(vault.keys_path.read_text())
    for slot in data["slots"]:
        if slot["name"] == "user:admin":
            for key, value in changes.items():
                if key in slot.get("params", {}):
                    slot["params"][key] = value
                else:
                    slot[key] = value
    vault.keys_path.write_text(json.dumps(data))


@pytest.mark.parametrize(("changes", "named"), [
    ({"memory_kib": 2**31}, "memory_kib"),
    ({"time_cost": 10**9}, "time_cost"),
    ({"parallelism": 0}, "parallelism"),
    ({"salt": "not base64!!"}, "salt is not base64"),
    ({"nonce": "AAAA"}, "nonce has 3 bytes"),
    ({"kdf": "hkdf"}, "must be argon2id"),
])
def test_hostile_or_damaged_slot_is_damage_reported_at_once(
        clinic: tuple[Workspace, str], vault: Vault, clock: FakeClock, changes: dict,
        named: str) -> None:
    clinic[0].close()
    _edit_admin_slot(vault, **changes)
    started = time.perf_counter()
    with pytest.raises(DatabaseDamaged, match=named) as err:
        auth.sign_in(vault, clock, "admin", PASSWORD)
    assert time.perf_counter() - started < 1.0
    assert "keys.json" in str(err.value)


def test_not_json_and_wrong_shapes_are_damage(clinic, vault: Vault, clock: FakeClock) -> None:
    clinic[0].close()
    for text in ("{", "[]", '{"format": "facilitator.keyslots/1", "db_id": "x", "slots": []}',
                 "\udcff"):
        vault.keys_path.write_text(text, errors="surrogateescape")
        with pytest.raises(DatabaseDamaged, match="damaged or not ours"):
            auth.sign_in(vault, clock, "admin", PASSWORD)


def test_a_password_change_is_never_real_before_its_event_commits(
        ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    def refuse(session: Session) -> None:
        raise OSError("the disk went away at commit")

    event.listen(Session, "before_commit", refuse)
    try:
        with pytest.raises(OSError):
            auth.change_password(ws, PASSWORD, "a brand new password", "a brand new password")
    finally:
        event.remove(Session, "before_commit", refuse)
    ws.close()
    auth.sign_in(vault, clock, "admin", PASSWORD).close()  # the old password still opens it
    with pytest.raises(auth.AuthError):
        auth.sign_in(vault, clock, "admin", "a brand new password")


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows uses the profile's ACLs")
def test_folder_and_files_are_owner_only(ws: Workspace, vault: Vault, clock: FakeClock) -> None:
    maintenance.backup(ws, vault.backups_dir / "b.fbak")
    auth.sign_out(ws)
    with pytest.raises(auth.AuthError):
        auth.sign_in(vault, clock, "admin", "wrong password")  # writes the back-off file

    def mode(path: os.PathLike[str]) -> int:
        return stat.S_IMODE(os.stat(path).st_mode)

    assert mode(vault.data_dir) == 0o700 and mode(vault.backups_dir) == 0o700
    for name in ("facilitator.db", "keys.json", "lockout.json", "audit-anchor.json",
                 "backups/b.fbak"):
        assert mode(vault.data_dir / name) == 0o600, name


@pytest.mark.parametrize("weak", ["password123456", "qwertyuiop123", "admin admin admin",
                                  "Dana Example 1"])
def test_common_and_guessable_passwords_are_refused(ws: Workspace, weak: str) -> None:
    with pytest.raises(ValidationError) as err:
        users.add_user(ws, users.UserDraft("dana", "Dana Example", "", "therapist"), weak)
    assert "too easy to guess" in err.value.fields["password"]
    users.add_user(ws, users.UserDraft("dana", "Dana Example", "", "therapist"),
                   "violet kettle orbit")
