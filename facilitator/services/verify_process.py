"""Verify in a process of its own, so the live console never waits for it.

Measured on the five-year bench clinic (309k audit events, 100k notes): with the whole verify on
a worker *thread*, the console's 1 Hz refresh stalled for up to 4.8 s. Stack dumps of the waiting
refresh (py-spy) showed it never waiting on SQLite: its reads run beside the verify's deferred
read transaction under WAL. It waited for Python's interpreter lock, which the chain walk and the
signature check (ORM loading, JSON decoding, hashing) hold almost all the time; on a busy
two-core laptop the refresh got it back only after seconds. A separate interpreter has its own
lock, so the read-only checks (``maintenance.examine``) run in a spawned process on its own
connection, and this process only concludes: the anchors (they may need this device's
keychain), the audit event and the anchor advance.

The data key travels to the child through a pipe (``multiprocessing.Pipe``), never on a command
line, in the environment or in a file. The child sends progress lines and waits for each to be
taken before going on, so a caller (and a test) sees the walk at a known point.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from zoneinfo import ZoneInfo

from ..clock import SystemClock
from ..storage.device import NoDeviceSecrets
from ..storage.engine import Database
from ..storage.vault import Vault
from . import maintenance
from .errors import ServiceError, StorageProblem
from .maintenance import Examination, IntegrityReport
from .workspace import Actor, Workspace

__all__ = ["verify_isolated"]

STOPPED = ("The integrity check stopped before it finished ({0}). Nothing was changed; run "
           "Verify again, or 'facilitator verify' from a terminal.")


@dataclass(frozen=True)
class _Job:
    data_dir: Path
    db_path: Path
    key: bytes
    actor: Actor
    zone: str
    file_checked: bool


def verify_isolated(ws: Workspace, *, file_checked: bool = False,
                    progress: Callable[[str], None] | None = None) -> IntegrityReport:
    """``maintenance.verify`` with its long read-only checks in a spawned process (see the
    module docstring); same report, same audit event. ``progress`` is called in this process
    with each progress line while the child waits for it to return."""
    context = multiprocessing.get_context("spawn")  # no fork: never copy a live engine or Qt
    ours, theirs = context.Pipe()
    child = context.Process(target=_examine_in_child, args=(theirs,), daemon=True,
                            name="facilitator-verify")
    child.start()
    theirs.close()
    try:
        ours.send(_Job(ws.vault.data_dir, ws.db.path, ws.db.raw_key(), ws.actor,
                       ws.timezone.key, file_checked))
        found = _follow(ours, progress)
    except (EOFError, OSError) as error:  # the child died (killed, out of memory…)
        raise StorageProblem(STOPPED.format(type(error).__name__)) from error
    finally:
        ours.close()
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
            child.join()
    return maintenance.conclude(ws, found)


def _follow(conn: Connection, progress: Callable[[str], None] | None) -> Examination:
    while True:
        kind, payload = conn.recv()
        if kind == "progress":
            if progress is not None:
                progress(payload)
            conn.send("go")
        elif kind == "done":
            return payload
        else:
            raise StorageProblem(payload)


def _examine_in_child(conn: Connection) -> None:
    """The child's whole life: receive the job, examine, send the findings (no PHI)."""
    job: _Job = conn.recv()
    if hasattr(os, "nice"):  # background work: the live console gets the CPU first
        os.nice(10)
    db = Database(job.db_path, job.key)
    try:
        ws = Workspace(Vault(job.data_dir, device=NoDeviceSecrets()), db, SystemClock(),
                       job.actor, ZoneInfo(job.zone))

        def report(text: str) -> None:
            conn.send(("progress", text))
            conn.recv()  # wait until the parent took it

        conn.send(("done", maintenance.examine(ws, file_checked=job.file_checked,
                                               progress=report)))
    except ServiceError as error:  # written to be shown
        conn.send(("failed", str(error)))
    except (EOFError, OSError):
        pass  # the parent is gone: nobody to tell
    except Exception as error:  # driver text may quote data: only the kind travels
        conn.send(("failed", STOPPED.format(type(error).__name__)))
    finally:
        db.close()
        conn.close()
