"""Autogenerate a migration from the models: ``python scripts/make_migration.py "message"``.

Runs against a throw-away encrypted database brought to the current head, so the new revision
holds exactly the difference between the models and the existing migrations.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from facilitator.storage import migrate
from facilitator.storage.engine import Database
from facilitator.storage.keys import new_data_key


def main() -> None:
    message = sys.argv[1] if len(sys.argv) > 1 else "schema change"
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "scratch.db", new_data_key())
        migrate.upgrade(db)
        versions = migrate.MIGRATIONS / "versions"
        rev_id = f"{len(list(versions.glob('[0-9]*.py'))) + 1:04d}"
        with db.engine.begin() as conn:
            command.revision(
                migrate._config(conn), message=message, autogenerate=True, rev_id=rev_id
            )
        db.close()


if __name__ == "__main__":
    main()
