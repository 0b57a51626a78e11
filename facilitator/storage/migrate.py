"""Schema migrations through Alembic, run on an open encrypted database.

Opening a database whose schema is older than this build first writes an encrypted backup into
``backups/`` beside it, then migrates. A database *newer* than this build is refused rather than
opened by code that does not understand it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from .engine import Database
from .errors import StorageError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, backup: Callable[[], Path] | None = None) -> str | None:
    """Bring ``db`` to head. Returns the path of the pre-migration backup, if one was taken."""
    head = head_revision()
    current = current_revision(db)
    if current == head:
        return None
    known = {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}
    if current is not None and current not in known:
        raise StorageError(
            "This database was written by a newer version of Facilitator. Update the app first."
        )
    taken = str(backup()) if (backup is not None and current is not None) else None
    with db.engine.begin() as conn:
        command.upgrade(_config(conn), "head")
    return taken
