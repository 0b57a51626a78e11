"""Sync tests run against a real PostgreSQL cluster (tests/pg.py)."""

from tests.pg import hub_db, pg_cluster

__all__ = ["hub_db", "pg_cluster"]
