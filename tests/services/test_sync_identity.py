"""This install's device identity: created once, renewed when the data folder was restored or
copied (the install binding outside the database changed), stored only inside the database."""

from __future__ import annotations

import os
import shutil
import stat

import pytest
from sqlalchemy import select

from facilitator.models.audit import AuditEvent
from facilitator.models.sync import SyncIdentity
from facilitator.services.errors import PermissionDenied
from facilitator.services.sync import identity
from facilitator.services.workspace import Workspace
from facilitator.storage.install import INSTALL_FILE


def _rows(ws: Workspace) -> list[SyncIdentity]:
    with ws.read() as s:
        return list(s.scalars(select(SyncIdentity).order_by(SyncIdentity.id)))


def test_identity_is_created_once_and_kept(ws: Workspace) -> None:
    first = identity.current_identity(ws)
    assert identity.current_identity(ws) == first
    assert first.device_id.version == 7
    assert len(first.public_key) == 32
    assert first.seq == 0
    rows = _rows(ws)
    assert len(rows) == 1
    path = ws.vault.data_dir / INSTALL_FILE
    if os.name != "nt":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The private key never leaves the encrypted database: not in the folder's other files.
    for f in ws.vault.data_dir.rglob("*"):
        if f.is_file() and not f.name.startswith("facilitator.db"):
            assert rows[0].signing_key not in f.read_bytes()
    with ws.read() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent))]
    assert actions.count("sync.identity_created") == 1


def test_a_copied_folder_gets_a_new_identity(ws: Workspace) -> None:
    first = identity.current_identity(ws)
    path = ws.vault.data_dir / INSTALL_FILE
    # What a copy of the whole folder does: same token, a new file (another inode).
    shutil.copy2(path, path.with_suffix(".copy"))
    os.replace(path.with_suffix(".copy"), path)
    second = identity.current_identity(ws)
    assert second.device_id != first.device_id
    rows = _rows(ws)
    assert [r.retired_at is not None for r in rows] == [True, False]
    assert rows[0].retired_reason == "the data folder is a restored or copied install"


def test_a_restored_database_without_the_install_file_gets_a_new_identity(ws: Workspace) -> None:
    first = identity.current_identity(ws)
    (ws.vault.data_dir / INSTALL_FILE).unlink()
    assert identity.current_identity(ws).device_id != first.device_id


def test_a_damaged_install_file_is_replaced(ws: Workspace) -> None:
    first = identity.current_identity(ws)
    (ws.vault.data_dir / INSTALL_FILE).write_text("not a token")
    assert identity.current_identity(ws).device_id != first.device_id
    assert identity.current_identity(ws) == identity.current_identity(ws)


def test_clinic_key_is_made_once_by_an_admin(ws: Workspace) -> None:
    assert identity.create_clinic_key(ws) == 1
    assert identity.create_clinic_key(ws) == 1
    with ws.read() as s:
        keys = identity.sync_keys(s)
    assert list(keys) == [1]
    [key] = keys[1]
    assert len(key) == 32 and keys.makers == {1: ("",)}
    from dataclasses import replace

    therapist = replace(ws, actor=replace(ws.actor, role="therapist"))
    with pytest.raises(PermissionDenied):
        identity.create_clinic_key(therapist)


def test_an_epoch_two_laptops_rotated_apart_holds_both_keys_in_maker_order() -> None:
    keys = identity.SyncKeys([(2, "b-device", b"B" * 32), (1, "", b"1" * 32),
                              (2, "a-device", b"A" * 32)])
    assert keys.newest == 2 and sorted(keys) == [1, 2]
    assert keys[2] == (b"A" * 32, b"B" * 32)
    # Each laptop writes under its own key; a third one under the first by maker.
    assert keys.writing(2, "b-device") == b"B" * 32
    assert keys.writing(2, "a-device") == b"A" * 32
    assert keys.writing(2, "c-device") == b"A" * 32
    assert keys.maker_of(2, "c-device") == "a-device"
    assert keys.maker_of(2, "b-device") == "b-device"
    assert keys.holds(2, "a-device") and not keys.holds(2, "c-device")
    assert keys.holds(1, "any-device")  # a key held since before makers were kept
    assert not keys.holds(3, "a-device")
    assert identity.SyncKeys([]).newest == 0 and not identity.SyncKeys([])
