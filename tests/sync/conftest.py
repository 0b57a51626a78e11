"""Sync tests run against a real PostgreSQL cluster (tests/pg.py; its fixtures are registered
in tests/conftest.py, so the whole run shares one cluster)."""
