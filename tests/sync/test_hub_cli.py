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


def test_sync_now_and_status(pg_cluster: Cluster, tmp_path, clock,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    from facilitator.services import clinic_setup
    from facilitator.storage.device import NoDeviceSecrets
    from facilitator.storage.vault import Vault
    from tests.conftest import FAST_KDF, PASSWORD, make_setup

    data = tmp_path / "laptop"
    ws, _ = clinic_setup.create_clinic(Vault(data, device=NoDeviceSecrets(), kdf=FAST_KDF),
                                       clock, make_setup())
    ws.close()
    db = pg_cluster.new_database()
    role = pg_cluster.laptop_role(db)
    monkeypatch.setenv("FACILITATOR_PASSWORD", PASSWORD)
    base = ["--no-keyring", "--data-dir", str(data), "--user", "admin"]
    assert cli.main(["sync", "status", *base]) == cli.OK
    assert "Hub: not set up" in capsys.readouterr().out
    assert cli.main(["sync", "now", *base]) == cli.CHECK_FAILED
    assert capsys.readouterr().err == (
        "facilitator: No clinic hub is set up on this laptop yet.\n")
    assert cli.main(["sync", "now", *base, "--dsn", pg_cluster.dsn(db, role)]) == cli.OK
    out = capsys.readouterr().out
    assert out.startswith("Synced: 1 entries pushed, 1 pulled, 0 changes applied, 0 waiting.")
    assert cli.main(["sync", "now", *base]) == cli.OK  # the hub is remembered
    assert "0 entries pushed" in capsys.readouterr().out
    assert cli.main(["sync", "status", *base]) == cli.OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Hub: {pg_cluster.host}/{db}"
    assert lines[3:] == ["Changes waiting: 0", "Records needing an admin: 0", "Problem: none"]


def test_remove_laptop_and_unfreeze_refuse_what_is_not_there(
        pg_cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    db = pg_cluster.new_database()
    dsn = pg_cluster.dsn(db)
    assert cli.main(["hub", "remove-laptop", "--dsn", dsn]) == cli.USAGE
    assert "needs --name" in capsys.readouterr().err
    assert cli.main(["hub", "remove-laptop", "--dsn", dsn, "--name", "no_such_laptop"]) == (
        cli.CHECK_FAILED)
    assert "There is no hub account named no_such_laptop." in capsys.readouterr().err
    assert cli.main(["hub", "unfreeze", "--dsn", dsn]) == cli.USAGE
    role = pg_cluster.laptop_role(db)
    device = Device()
    with HubClient(pg_cluster.dsn(db, role)) as client:
        client.register(device.id, device.public)
    assert cli.main(["hub", "unfreeze", "--dsn", dsn, "--device", str(device.id)]) == (
        cli.CHECK_FAILED)
    assert f"Device {device.id} is not frozen." in capsys.readouterr().err
    assert cli.main(["hub", "remove-laptop", "--dsn", dsn, "--name", role]) == cli.OK
    out = capsys.readouterr().out
    assert f"Hub account {role} disabled; 1 device(s) of it frozen." in out
    assert "sync rotate-key" in out
    assert cli.main(["hub", "unfreeze", "--dsn", dsn, "--device", str(device.id)]) == (
        cli.CHECK_FAILED)
    assert "removed from the clinic; it stays frozen" in capsys.readouterr().err
    assert cli.main(["hub", "status", "--dsn", dsn]) == cli.OK
    assert "FROZEN" in capsys.readouterr().out


def test_sync_enrol_and_join(pg_cluster: Cluster, tmp_path, clock,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    from facilitator.services import clinic_setup
    from facilitator.storage.device import NoDeviceSecrets
    from facilitator.storage.vault import Vault
    from tests.conftest import FAST_KDF, PASSWORD, make_setup

    data, fresh = tmp_path / "laptop", tmp_path / "new-laptop"
    ws, _ = clinic_setup.create_clinic(Vault(data, device=NoDeviceSecrets(), kdf=FAST_KDF),
                                       clock, make_setup())
    ws.close()
    db = pg_cluster.new_database()
    monkeypatch.setenv("FACILITATOR_PASSWORD", PASSWORD)
    base = ["--no-keyring", "--data-dir", str(data), "--user", "admin"]
    assert cli.main(["sync", "now", *base, "--dsn",
                     pg_cluster.dsn(db, pg_cluster.laptop_role(db))]) == cli.OK
    capsys.readouterr()
    assert cli.main(["sync", "enrol", *base, "--hours", "2"]) == cli.OK
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Enrolment code (shown once; valid until ")
    code = out[1]
    assert len(code) == 24 and code.count("-") == 4
    address = f"host={pg_cluster.host} port={pg_cluster.port} dbname={db}"
    assert out[2] == f'On the new laptop: hub address "{address}", then this code.'
    join = ["sync", "join", "--no-keyring", "--data-dir", str(fresh), "--dsn", address]
    monkeypatch.delenv("FACILITATOR_PASSWORD")  # nobody's password is needed to join
    assert cli.main([*join, "--code", code.lower()]) == cli.OK
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "Who can sign in here: admin."
    assert cli.main([*join, "--code", code]) == cli.CHECK_FAILED  # the folder is taken now
    assert "already holds a Facilitator database" in capsys.readouterr().err
    other = tmp_path / "third"
    assert cli.main(["sync", "join", "--no-keyring", "--data-dir", str(other), "--dsn", address,
                     "--code", code]) == cli.CHECK_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("already used" in err or "does not accept" in err)
    assert not other.exists()
    monkeypatch.setenv("FACILITATOR_PASSWORD", PASSWORD)
    assert cli.main(["sync", "status", "--no-keyring", "--data-dir", str(fresh),
                     "--user", "admin"]) == cli.OK
    assert capsys.readouterr().out.splitlines()[0] == f"Hub: {pg_cluster.host}/{db}"
    assert cli.main(["sync", "join", "--no-keyring", "--data-dir", str(other)]) == cli.USAGE
    assert cli.main(["sync", "now", "--no-keyring", "--data-dir", str(fresh)]) == cli.USAGE
