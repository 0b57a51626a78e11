"""What an enrolment code refuses, and what the hub keeps of it: a code works once; an expired,
wrong or mistyped code, another clinic's hub and an unreachable hub are refused with one
sentence and leave no data folder; the hub holds nothing readable."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from facilitator.models.sync import SyncKey, SyncState
from facilitator.services.errors import SyncProblem, ValidationError
from facilitator.services.sync import enrol, join
from facilitator.storage import joining
from facilitator.storage.hub import admin
from facilitator.sync import enrolment as code_format
from tests.conftest import FAST_KDF, PASSWORD
from tests.pg import Cluster
from tests.services.notes.conftest import NotesClinic
from tests.sync.enrolling import a, clinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["a", "clinic", "nc"]


def _join(clinic: Clinic, name: str, code: str, address: str | None = None) -> Path:
    vault = clinic.vault(name)
    join.join_clinic(vault.data_dir, address or clinic.address(), code, clinic.clock,
                     device=vault.device, kdf=FAST_KDF)
    return vault.data_dir


def _refused(clinic: Clinic, name: str, code: str, match: str,
             address: str | None = None) -> None:
    target = clinic.tmp / name
    with pytest.raises((SyncProblem, ValidationError), match=match):
        _join(clinic, name, code, address)
    assert not target.exists() and joining.leftovers(target) == []


def test_a_code_works_once(clinic: Clinic, a: Laptop) -> None:
    code = enrol.create_code(a.sign_in(), PASSWORD).code
    assert (_join(clinic, "B", code) / "keys.json").exists()
    _refused(clinic, "C", code, "already used|does not accept this code")


def test_expired_wrong_and_mistyped_codes_are_refused(
        clinic: Clinic, a: Laptop, pg_cluster: Cluster, hub_db: str) -> None:
    made = enrol.create_code(a.sign_in(), PASSWORD, hours=1)
    assert made.expires_at > clinic.clock.now().replace(year=2000)
    with pg_cluster.admin(hub_db) as conn:
        conn.execute("UPDATE facilitator_hub.enrolments SET"
                     " expires_at = now() - interval '1 minute'")
    _refused(clinic, "B", made.code, "has expired")
    _refused(clinic, "C", code_format.new_code(), "does not accept this code")
    _refused(clinic, "D", made.code[:-2], "has 20 letters and digits")
    with pytest.raises(SyncProblem, match="already holds a Facilitator database"):
        join.join_clinic(a.vault.data_dir, clinic.address(), made.code, clinic.clock,
                         device=a.vault.device)
    (clinic.tmp / "E").mkdir(parents=True)
    (clinic.tmp / "E" / "notes.txt").write_text("someone's file")
    with pytest.raises(SyncProblem, match="is not empty"):
        _join(clinic, "E", made.code)
    assert (clinic.tmp / "E" / "notes.txt").exists()


def test_another_clinics_hub_and_an_unreachable_hub_are_refused(
        clinic: Clinic, a: Laptop, pg_cluster: Cluster) -> None:
    code = enrol.create_code(a.sign_in(), PASSWORD).code
    other = pg_cluster.new_database()  # another clinic's hub on the same server
    address = f"host={pg_cluster.host} port={pg_cluster.port} dbname={other}"
    _refused(clinic, "B", code, "holds no enrolment for this code", address)
    _refused(clinic, "C", code, "cannot be reached",
             f"host={pg_cluster.host} port=1 dbname={clinic.hub_db}")
    _refused(clinic, "D", code, "Leave the password out",
             f"{clinic.address()} password=hunter2")
    assert (_join(clinic, "E", code) / "facilitator.db").exists()  # still unused


def test_the_hub_keeps_nothing_readable_and_the_code_stops_logging_in(
        clinic: Clinic, a: Laptop, nc: NotesClinic, pg_cluster: Cluster, hub_db: str) -> None:
    made = enrol.create_code(a.sign_in(), PASSWORD)
    derived = code_format.derive(made.code)
    with a.sign_in().read() as s:
        sync_key = s.get(SyncKey, (1, "")).key
    before = _dump(pg_cluster, hub_db)
    assert derived.lookup.hex().encode() in before  # the package waits under its lookup
    b = Laptop("B", clinic.vault("B"), clinic.clock, "")
    _join(clinic, "B", made.code)
    clinic.laptops.append(b)
    with b.sign_in().read() as s:
        own = s.get(SyncState, 1).hub_dsn
    after = _dump(pg_cluster, hub_db)
    secrets = [made.code, code_format.normalise(made.code), derived.hub_password,
               derived.package_key.hex(), sync_key.hex(), "Uma Associate", "Ada Example",
               "Lakeside", "correct horse"]
    own_password = psycopg.conninfo.conninfo_to_dict(own)["password"]
    for dump in (before, after):
        for secret in [*secrets, own_password]:
            assert str(secret).encode() not in dump, secret
            assert str(secret).encode().hex().encode() not in dump, secret
    with pg_cluster.admin(hub_db) as conn:
        sealed, used = conn.execute("SELECT length(sealed), used_at IS NOT NULL"
                                    " FROM facilitator_hub.enrolments").fetchone()
        verifier = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s",
                                (derived.hub_login,)).fetchone()[0]
    assert (sealed, used) == (0, True)  # the package is wiped once redeemed
    # The account now answers to the laptop's own password only (stored encrypted on B).
    assert code_format.scram_matches(str(own_password), verifier)
    assert not code_format.scram_matches(derived.hub_password, verifier)
    assert [d.account for d in admin.status(pg_cluster.dsn(hub_db)).devices].count(
        derived.hub_login) == 1


def _dump(pg_cluster: Cluster, hub_db: str) -> bytes:
    return subprocess.run([str(pg_cluster.bin / "pg_dump"), "--data-only", "-d",
                           pg_cluster.dsn(hub_db)], capture_output=True, check=True).stdout


def test_our_scram_verifier_is_the_one_postgresql_makes(pg_cluster: Cluster) -> None:
    """PostgreSQL stores the verifier it computes from a clear password: ours must check out
    against it (and it against ours), or a new laptop could not log in with its password."""
    with pg_cluster.admin() as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute("CREATE ROLE scram_probe PASSWORD 'pencil and paper 7'")
        try:
            made = conn.execute("SELECT rolpassword FROM pg_authid"
                                " WHERE rolname = 'scram_probe'").fetchone()[0]
        finally:
            conn.execute("DROP ROLE scram_probe")
    assert made.startswith("SCRAM-SHA-256$4096:")
    assert code_format.scram_matches("pencil and paper 7", made)
    assert not code_format.scram_matches("pencil and paper 8", made)
