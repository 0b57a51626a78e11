"""The folders of a join: joining into the data folder the running app holds (its instance lock
file inside), and what is left of a join that died half-way."""

from __future__ import annotations

import pytest

from facilitator.services import app_state, auth
from facilitator.services.errors import StorageProblem, SyncProblem
from facilitator.services.sync import join
from facilitator.storage import joining
from facilitator.storage.vault import Vault
from tests.conftest import FAST_KDF, PASSWORD
from tests.sync.enrolling import a, clinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["a", "clinic", "nc"]


def _code(a: Laptop) -> str:
    from facilitator.services.sync import enrol

    return enrol.create_code(a.sign_in(), PASSWORD).code


def test_the_app_joins_into_the_folder_it_holds_locked(clinic: Clinic, a: Laptop) -> None:
    """The app takes its one-instance lock in the data folder before the first-run window
    shows: that lock file must neither make the folder "not empty" nor be moved away."""
    vault = Vault(clinic.tmp / "B", device=clinic.vault("B").device, kdf=FAST_KDF)
    lock = app_state.acquire_instance_lock(vault)
    try:
        held = vault.data_dir / app_state.LOCK_NAME
        (vault.data_dir / "notes.txt").write_text("someone's file")
        with pytest.raises(SyncProblem, match="is not empty"):
            join.join_into(vault, clinic.address(), _code(a), clinic.clock)
        (vault.data_dir / "notes.txt").unlink()
        join.join_into(vault, clinic.address(), _code(a), clinic.clock)
        assert held.exists() and joining.leftovers(vault.data_dir) == []
        with pytest.raises(StorageProblem, match="already open"):  # still held by this "app"
            app_state.acquire_instance_lock(vault)
        auth.sign_in(vault, clinic.clock, "admin", PASSWORD).close()
    finally:
        lock.release()


def test_the_next_join_attempt_removes_a_dead_joins_folder(clinic: Clinic, a: Laptop) -> None:
    vault = clinic.vault("B")
    dead = vault.data_dir.parent / f".{vault.data_dir.name}.joining-0a1b2c3d"
    (dead / "backups").mkdir(parents=True)
    (dead / "keys.json").write_text("{}")
    join.join_into(vault, clinic.address(), _code(a), clinic.clock)
    assert not dead.exists() and joining.leftovers(vault.data_dir) == []
    auth.sign_in(vault, clinic.clock, "admin", PASSWORD).close()


def test_the_cli_join_holds_the_folder_so_the_app_cannot_remove_its_work(
        clinic: Clinic, a: Laptop) -> None:
    """``sync join`` in another process, waiting in its pull (the hub's entries held by a
    transaction here): an app starting on that data folder is refused, instead of taking
    the folder and removing the join's hidden work folder as a leftover; the join then
    finishes. A failed CLI join still leaves no data folder (``test_hub_cli``)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    target, code = clinic.tmp / "B", _code(a)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    hold = clinic.cluster.admin(clinic.hub_db)
    hold.execute("BEGIN")
    hold.execute("LOCK TABLE facilitator_hub.entries IN ACCESS EXCLUSIVE MODE")
    child = subprocess.Popen(
        [sys.executable, "-m", "facilitator", "sync", "join", "--no-keyring", "--data-dir",
         str(target), "--dsn", clinic.address(), "--code", code],
        cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        said = []
        while not (said and said[-1].startswith("Pulling")):
            line = child.stdout.readline()  # type: ignore[union-attr]
            assert line, f"the join ended early: {child.wait()} {child.stderr.read()}"  # type: ignore[union-attr]
            said.append(line)
        assert len(joining.leftovers(target)) == 1
        app = Vault(target, device=clinic.vault("B").device)
        with pytest.raises(StorageProblem, match="already open"):
            app_state.acquire_instance_lock(app)
        assert len(joining.leftovers(target)) == 1  # the join's work is untouched
    finally:
        hold.execute("ROLLBACK")
        hold.close()
        try:
            out, err = child.communicate(timeout=300)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == 0, err
    assert "Who can sign in here: admin" in out
    assert (target / "facilitator.db").exists() and joining.leftovers(target) == []
    app_state.acquire_instance_lock(app).release()  # free again once the join ended
