"""A laptop as enrolment will leave it before its first pull, made from a restored backup of
another laptop (enrolment itself is built separately): the clinic's key slots and sync key are
there, the clinical record and sync's bookkeeping are not. Shared by the sync tests and
``bench/initial_sync_bench.py``; no pytest here."""

from __future__ import annotations

from facilitator.services.workspace import Workspace
from facilitator.storage.guards import all_guards
from facilitator.storage.sync_capture import SYNCED

# Sync's bookkeeping that a laptop which never synced does not have.
BOOKKEEPING = ("sync_rows", "sync_peers", "sync_seen", "sync_outbox", "sync_dirty",
               "sync_identity")


def empty_the_record(ws: Workspace) -> None:
    """Delete every synced row and sync's bookkeeping of ``ws``'s database (keeping its keys
    and the signed-in user's workspace). The protective triggers refuse deleting signed notes:
    they are lifted inside the one transaction and re-created from the registry."""
    script = ["PRAGMA foreign_keys = OFF;", "BEGIN IMMEDIATE;"]
    script += [f"DROP TRIGGER IF EXISTS {guard.name};" for guard in all_guards()]
    script += [f"DELETE FROM {name};" for name in (*SYNCED, *BOOKKEEPING)]
    script += ["UPDATE sync_state SET cursor = 0, hub_id = '', hub_dsn = '';"]
    script += [f"{guard.sql()};" for guard in all_guards()]
    script += ["COMMIT;", "PRAGMA foreign_keys = ON;"]
    raw = ws.db.engine.raw_connection()
    try:
        raw.executescript("\n".join(script))
    finally:
        raw.close()
