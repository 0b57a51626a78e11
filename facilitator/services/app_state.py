"""What the desktop shell needs before anyone signs in: the data folder, its vault and the
one-instance lock. Qt-free, so the ui layer never touches storage directly."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from ..storage import joining
from ..storage.device import KeyringSecrets, NoDeviceSecrets
from ..storage.errors import AlreadyOpen, StorageError
from ..storage.instance import InstanceLock
from ..storage.vault import Vault, default_data_dir
from .errors import StorageProblem

__all__ = [
    "InstanceLock",
    "Vault",
    "acquire_instance_lock",
    "data_dir",
    "has_keyring",
    "holding_folder",
    "open_vault",
    "vault_exists",
]

LOCK_NAME = "facilitator.lock"


def open_vault(data_dir: Path | None, no_keyring: bool = False) -> Vault:
    """The vault of ``data_dir`` (the platform's user data folder by default).

    ``no_keyring`` keeps the OS keychain out entirely (passwords alone)."""
    device = NoDeviceSecrets() if no_keyring else KeyringSecrets()
    return Vault(data_dir or default_data_dir(), device=device)


def acquire_instance_lock(vault: Vault) -> InstanceLock:
    """Hold the data folder for this process; a second window on the same folder is refused
    with ``StorageProblem`` (two writers would fight over the live console). Once held, the
    hidden folders of a join that died half-way beside it are removed (they hold PHI nobody
    will use; ``storage.joining``): only the holder may, or a second window would remove the
    folder of a join running in the first."""
    try:
        vault.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageProblem(
            f"The data folder {vault.data_dir} cannot be created or used."
        ) from error
    lock = InstanceLock(vault.data_dir / LOCK_NAME)
    try:
        lock.acquire()
    except AlreadyOpen as error:
        raise StorageProblem(str(error)) from error
    except (StorageError, OSError) as error:
        raise StorageProblem(
            f"The data folder {vault.data_dir} cannot be locked for this window."
        ) from error
    joining.remove_leftovers(vault.data_dir)
    return lock


@contextlib.contextmanager
def holding_folder(vault: Vault) -> Iterator[None]:
    """The instance lock for work that fills a data folder outside the app (the CLI's ``sync
    join``): the app refuses to start on that folder meanwhile, so its start can never remove
    the join's hidden work folder as a leftover. A folder this made and that holds nothing but
    the lock file on the way out (the join failed) is removed again: a failed join leaves no
    data folder behind, as it did without the lock."""
    made = not vault.data_dir.exists()
    lock = acquire_instance_lock(vault)
    try:
        yield
    finally:
        lock_file = vault.data_dir / LOCK_NAME
        empty = made and [p.name for p in vault.data_dir.iterdir()] == [LOCK_NAME]
        if empty and sys.platform != "win32":
            # Unlinked while still locked: a window starting now either waits on this very
            # file or makes a new one, never locks one that is about to vanish.
            lock_file.unlink(missing_ok=True)
        lock.release()
        if empty:
            with contextlib.suppress(OSError):  # a window started on it meanwhile: it stays
                lock_file.unlink(missing_ok=True)  # Windows: only once closed
                vault.data_dir.rmdir()


def vault_exists(vault: Vault) -> bool:
    """True once a clinic was set up in this folder (show sign-in rather than set-up)."""
    return vault.exists()


def has_keyring(vault: Vault) -> bool:
    """Whether a real OS keychain protects this folder's key slots with a device secret."""
    return vault.has_keyring()


def data_dir(vault: Vault) -> Path:
    return vault.data_dir
