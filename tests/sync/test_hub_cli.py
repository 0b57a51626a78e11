"""``facilitator hub init|add-laptop|status`` against a real PostgreSQL."""

from __future__ import annotations

import pytest

from facilitator import cli
from facilitator.storage.hub.client import HubClient
from tests.pg import Cluster
from tests.sync.chains import Device


def test_init_add_laptop_status(pg_cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    db = pg_cluster.new_database("template0")
    dsn = pg_cluster.dsn(db)
    assert cli.main(["hub", "init", "--dsn", dsn]) == cli.OK
    assert "Hub ready (id " in capsys.readouterr().out
    assert cli.main(["hub", "add-laptop", "--dsn", dsn, "--name", "cli_front_desk"]) == cli.OK
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Hub account cli_front_desk created. Its password (shown once):"
    assert len(out[1]) >= 32
    device = Device()
    with HubClient(pg_cluster.dsn(db, "cli_front_desk")) as client:
        client.register(device.id, device.public)
        client.push(device.raws(device.next(), device.next()))
        client.push([device.next(seq=2).encode()])  # a fork: frozen
    assert cli.main(["hub", "status", "--dsn", dsn]) == cli.OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("1 device(s), 2 entries, "
                             f"{sum(len(r) for r in device.raws(*device.chain))} bytes,"
                             " 1 fork(s) on record")
    assert f"{device.id}  account cli_front_desk  entries 2  last push " in lines[1]
    assert "FROZEN since" in lines[1] and lines[1].endswith("two different entries at seq 2")


def test_errors_are_one_line(pg_cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["hub", "status", "--dsn", f"host={pg_cluster.host} port=1 dbname=x"]) == (
        cli.CHECK_FAILED)
    err = capsys.readouterr().err
    assert err.startswith("facilitator: The clinic hub") and err.count("\n") == 1
    db = pg_cluster.new_database()
    assert cli.main(["hub", "add-laptop", "--dsn", pg_cluster.dsn(db)]) == cli.USAGE
    assert "needs --name" in capsys.readouterr().err
    assert cli.main(["hub", "add-laptop", "--dsn", pg_cluster.dsn(db), "--name", "Bad Name"]) == (
        cli.CHECK_FAILED)
    assert "cannot be a role name" in capsys.readouterr().err
