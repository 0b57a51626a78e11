"""Writing exported PDFs: atomic files in the chosen folder and file names without PHI.

A file appears whole or not at all: bytes go to a hidden temporary file in the target folder
(same file system, so the final rename is atomic), are flushed and fsynced, and only then take
their final name. On any failure, a full disk, a permission error or a cancelled batch
(``KeyboardInterrupt`` or a cancel exception raised by the caller), the temporary file is removed.
An existing file is never overwritten: a name already taken gets a numeric suffix.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import re
import tempfile
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from ..durable import fsync_dir

_KIND = re.compile(r"[^a-z0-9]+")


class ExportError(Exception):
    """An export could not be written. The text is a sentence a user can act on, and holds no
    PHI (only the folder the user chose)."""


def safe_file_name(chart_id: str, day: date | None, document_type: str,
                   extension: str = "pdf", key: bytes | None = None) -> str:
    """A name like ``note-3f9a1c2e-20260302.pdf``: the document type, a short fingerprint of the
    chart ID (one participant's files group together without naming them) and the date.

    Chart IDs are often sequential, so a plain hash of one can be undone by trying them all:
    pass ``key`` (a secret the clinic's database keeps) to make the fingerprint an HMAC that only
    the clinic can recompute. Without it the name still keeps the ID off file listings."""
    kind = _KIND.sub("-", document_type.lower()).strip("-") or "export"
    message = f"facilitator-export:{chart_id}".encode()
    if key:
        digest = hmac.new(key, message, hashlib.sha256).hexdigest()[:8]
    else:
        digest = hashlib.sha256(message).hexdigest()[:8]
    stamp = f"-{day:%Y%m%d}" if day is not None else ""
    return f"{kind}-{digest}{stamp}.{extension}"


def _check_folder(folder: Path) -> None:
    if not folder.exists():
        raise ExportError(f"The folder {folder} does not exist. Choose an existing folder.")
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder. Choose a folder to export into.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"You cannot save files in {folder}. Choose a folder you can write "
                          "to, or ask an administrator for access.")


def _human(error: OSError, folder: Path) -> ExportError:
    if error.errno == errno.ENOSPC:
        return ExportError(f"The disk holding {folder} is full. Nothing was saved; free some "
                           "space or choose another folder.")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError(f"You cannot save files in {folder}. Choose a folder you can write "
                           "to, or ask an administrator for access.")
    return ExportError(f"The export could not be saved in {folder} ({error.strerror or error}). "
                       "Nothing was saved.")


class ExportFolder:
    """The target folder of one export or batch: each ``write`` lands whole under a free name;
    the folder entry itself is synced once, on ``close`` (or leaving the ``with`` block), which
    spares a batch one disk flush per file. Files already written stay if a batch is cancelled."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        _check_folder(self.folder)
        self._dirty = False

    def write(self, name: str, data: bytes) -> Path:
        """Write ``data`` as ``name``, or ``name`` with a "-2"-style suffix when that name is
        taken, and return the final path. Raises ``ExportError``; leaves no partial file."""
        return self.publish(self.stage(data), name)

    def stage(self, data: bytes, *, sync: bool = True) -> Path:
        """``data`` in a hidden temporary file of the folder: what ``publish`` names later (a
        batch stages its documents, then names and audits them together). Flushed to disk,
        unless ``sync`` is False: then ``sync`` them all before publishing (one disk flush
        usually carries several files). Raises ``ExportError``; leaves no partial file."""
        tmp_path: str | None = None
        try:
            fd, tmp_path = tempfile.mkstemp(prefix=".facilitator-", suffix=".part",
                                            dir=self.folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if sync:
                    os.fsync(handle.fileno())
            staged, tmp_path = Path(tmp_path), None
            return staged
        except OSError as error:
            raise _human(error, self.folder) from error
        finally:
            if tmp_path is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp_path)

    def sync(self, staged: Iterable[Path]) -> None:
        """Flush files staged with ``sync=False`` to disk. After the first, the rest have
        usually gone out with it (on journalling file systems), so this costs about one flush.
        Raises ``ExportError``."""
        try:
            for path in staged:
                with open(path, "r+b") as handle:
                    os.fsync(handle.fileno())
        except OSError as error:
            raise _human(error, self.folder) from error

    def publish(self, staged: Path, name: str) -> Path:
        """Give a ``stage``d file ``name`` (or ``name`` with a "-2"-style suffix when that name
        is taken) and return the final path. The temporary file is gone afterwards, also when
        this raises ``ExportError``."""
        if Path(name).name != name or name in ("", ".", ".."):
            self.discard(staged)
            raise ValueError("the file name must not contain a folder")
        try:
            final = _link_unique(staged, self.folder, name)
            self._dirty = True
            return final
        except OSError as error:
            raise _human(error, self.folder) from error
        finally:
            self.discard(staged)  # gone already after a replace; the link keeps the data

    @staticmethod
    def discard(staged: Path) -> None:
        """Remove a ``stage``d file that will not be published."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(staged)

    def close(self) -> None:
        if self._dirty:
            try:
                fsync_dir(self.folder)  # the rename is durable once the entry is on disk
            except OSError as error:
                raise _human(error, self.folder) from error
            self._dirty = False

    def __enter__(self) -> ExportFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_atomic(folder: Path | str, name: str, data: bytes) -> Path:
    """One file into ``folder`` (see ``ExportFolder.write``), durable when this returns."""
    with ExportFolder(folder) as target:
        return target.write(name, data)


def _link_unique(tmp: Path, folder: Path, name: str) -> Path:
    """Give the finished temporary file its name without ever replacing an existing file:
    ``os.link`` fails when the target exists, unlike ``os.replace``."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    for n in range(1, 1000):
        candidate = folder / (name if n == 1 else f"{stem}-{n}{dot}{ext}")
        try:
            os.link(tmp, candidate)
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
                raise
            # A file system without hard links (some network or FAT drives): claim the name
            # exclusively, then move the finished file over the empty placeholder.
            try:
                os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                continue
            os.replace(tmp, candidate)
            return candidate
        return candidate
    raise ExportError(f"Too many files named like {name} in {folder}. Choose another folder.")

