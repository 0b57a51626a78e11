"""The install binding: which copy of a data folder this is, so a device identity stays with
one install.

A sync chain must have one writer. A backup restored elsewhere, or a data folder copied to a
second laptop, carries the same database and so the same device key; two machines writing one
chain fork it, and the hub freezes the device. The database cannot tell that it was copied, so
the binding lives *outside* it, in the data folder: a random token in ``install-id`` (0600) and
that file's inode number, both recorded beside the identity in the database and compared when
sync starts. A restore into a new folder has no such file (new token); a copy of the whole
folder has the token but a new inode. Either mismatch retires the identity and makes a new one.

Why not a hardware id: none is portable across Windows, macOS and Linux without extra
privileges, and a false "changed" is cheap here (a new identity simply starts a new chain, the
old one stays valid), while a false "unchanged" forks a chain. So the binding errs on "changed":
moving the folder to another disk also yields a new identity, harmlessly.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .errors import DataDirProblem
from .files import write_atomic

INSTALL_FILE = "install-id"


@dataclass(frozen=True)
class InstallBinding:
    token: str
    inode: int


def install_binding(data_dir: Path) -> InstallBinding:
    """This folder's binding, creating the file on first use."""
    path = Path(data_dir) / INSTALL_FILE
    try:
        try:
            token = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            token = ""
        if len(token) != 64 or any(c not in "0123456789abcdef" for c in token):
            token = secrets.token_hex(32)
            write_atomic(path, token.encode("ascii"))
        return InstallBinding(token, os.stat(path).st_ino)
    except OSError as error:
        raise DataDirProblem(f"The data folder's install id cannot be read or written"
                             f" ({error.strerror or type(error).__name__}).") from error
