"""Fixtures over tests/pgcluster.py: one throw-away PostgreSQL cluster per test session, and a
fresh hub database (cloned from a template holding an initialised hub) per test.

Without PostgreSQL the tests FAIL with a message saying what to install. ``FACILITATOR_SKIP_PG=1``
skips them instead, for a developer's machine only: it is ignored when ``CI`` is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.pgcluster import Cluster, PgUnavailable, temporary_cluster

__all__ = ["Cluster", "hub_db", "pg_cluster"]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    if os.environ.get("FACILITATOR_SKIP_PG") == "1" and not os.environ.get("CI"):
        pytest.skip("FACILITATOR_SKIP_PG=1: PostgreSQL tests skipped on this machine")
    try:
        with temporary_cluster() as cluster:
            yield cluster
    except PgUnavailable as error:
        pytest.fail(str(error))


@pytest.fixture
def hub_db(pg_cluster: Cluster) -> str:
    """A fresh database holding an initialised, empty hub."""
    return pg_cluster.new_database()
