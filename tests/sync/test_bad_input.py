"""Issue 13's bad input: the hub unreachable, a TLS certificate for another name, a full disk
mid-pull, laptops whose clocks are hours apart. Each time: one clear sentence (CLI and status
bar), the laptop keeps working offline, nothing is lost, the next round picks up from where the
last one stopped. (A frozen device: ``test_devices``.)"""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path

import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import event, select
from sqlalchemy import text as sql

from facilitator.clock import FakeClock
from facilitator.models.sync import SyncState
from facilitator.services import roster
from facilitator.services.errors import SyncProblem
from facilitator.services.sync import conflicts, run
from facilitator.storage.hub.client import HubClient
from tests.pgcluster import temporary_cluster
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop
from tests.sync.test_attacks import pair
from tests.sync.test_converge import _pid, _preferred

__all__ = ["nc", "pair"]  # fixtures


def _goals(laptop: Laptop) -> dict[str, int]:
    ws = laptop.sign_in()
    return {g.text: g.id for p in roster.list_participants(ws) for g in roster.goals(ws, p.id)}


def _add_goals(laptop: Laptop, texts: list[str]) -> None:
    ws = laptop.sign_in()
    pid = roster.list_participants(ws)[0].id
    for text in texts:
        roster.add_goal(ws, pid, text)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_hub_leaves_the_laptop_working_and_loses_nothing(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    _clinic, a, b = pair
    _add_goals(a, ["Keep a mood diary"])
    nowhere = f"host=127.0.0.1 port={_free_port()} dbname=hub user=nobody connect_timeout=2"
    with pytest.raises(SyncProblem) as refused:
        run.sync_now(a.sign_in(), nowhere)
    message = str(refused.value)
    assert "cannot be reached" in message and "nothing was lost" in message
    assert "\n" not in message
    assert run.status(a.sign_in()).last_problem == message  # what the status bar shows
    _add_goals(a, ["Phone a friend on Fridays"])  # offline work goes on
    a.sync()  # the remembered hub
    b.sync()
    assert {"Keep a mood diary", "Phone a friend on Fridays"} <= set(_goals(b))


def _certificates(tmp: Path, name: str) -> tuple[Path, bytes, bytes]:
    """A clinic CA (its certificate written to ``tmp``) and a server certificate for ``name``
    signed by it: (CA file, server certificate PEM, server key PEM)."""
    now = dt.datetime.now(dt.UTC)

    def cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: str,
             signer: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(hours=1))
                   .not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]),
                                            critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(
        ec.SECP256R1())
    ca_cert = cert("Test clinic CA", ca_key, "Test clinic CA", ca_key, True)
    server = cert(name, server_key, "Test clinic CA", ca_key, False)
    ca_file = tmp / "clinic-ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    key_pem = server_key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption())
    return ca_file, server.public_bytes(serialization.Encoding.PEM), key_pem


def test_a_hub_whose_certificate_names_another_host_is_refused(
        tmp_path: Path, keyring_backend: PlaintextKeyring, nc: NotesClinic) -> None:
    ca_file, cert, key = _certificates(tmp_path, "hub.other-clinic.example")
    port = _free_port()
    with temporary_cluster(files={"server.crt": cert, "server.key": key}, port=port, options=(
            "-c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file={root}/server.crt"
            " -c ssl_key_file={root}/server.key")) as cluster:
        db = cluster.new_database()
        role = cluster.laptop_role(db)
        tls = f"port={port} dbname={db} user={role} sslmode=verify-full sslrootcert={ca_file}"
        clinic = Clinic(cluster, db, tmp_path / "laptops", keyring_backend, nc.clock)
        a = clinic.adopt("A", nc.vault)
        try:
            # The name the certificate was made for connects (the TLS set-up itself is sound).
            with psycopg.connect(f"host=hub.other-clinic.example hostaddr=127.0.0.1 {tls}"):
                pass
            _add_goals(a, ["Not for an impostor"])
            with pytest.raises(SyncProblem) as refused:
                run.sync_now(a.sign_in(), f"host=localhost {tls}")
            message = str(refused.value)
            assert "TLS certificate does not match" in message and "\n" not in message
            assert run.status(a.sign_in()).last_problem == message
            with cluster.admin(db) as conn:
                assert conn.execute("SELECT count(*) FROM facilitator_hub.entries"
                                    ).fetchone() == (0,)
            a.sync()  # the laptop's own hub is still fine
            assert run.status(a.sign_in()).last_problem == ""
        finally:
            clinic.close()


def test_a_full_disk_mid_pull_rolls_the_batch_back_and_resumes_from_its_cursor(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    _clinic, a, b = pair
    texts = [f"Goal {n:03d}: " + " ".join(["practise a named coping skill"] * 8)
             for n in range(300)]
    _add_goals(a, texts)
    a.sync()
    ws = b.sign_in()
    with ws.read() as s:
        cursor = s.get(SyncState, 1).cursor
        pages = s.connection().exec_driver_sql("PRAGMA page_count").scalar()
    limit = {"pages": pages + 8}  # room for the round's bookkeeping, not for 300 goals

    def cap(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count = {limit['pages']}")

    event.listen(ws.db.engine, "checkout", cap)
    try:
        with pytest.raises(SyncProblem) as full:
            run.sync_now(ws, b.dsn)
        assert "disk is full" in str(full.value) and "resumes" in str(full.value)
        assert "\n" not in str(full.value)
        limit["pages"] = 1 << 30
        with ws.read() as s:
            assert s.get(SyncState, 1).cursor == cursor  # nothing of the batch counted
            assert run.status(ws).last_problem == str(full.value)
        assert not set(texts) & set(_goals(b))  # and nothing of it half-applied
        run.sync_now(ws, b.dsn)
    finally:
        event.remove(ws.db.engine, "checkout", cap)
    assert set(texts) <= set(_goals(b))
    assert a.dump() == b.dump()


def test_laptops_hours_apart_converge_and_keep_times_as_written(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    _clinic, a, b = pair
    b.close()
    b.clock = FakeClock(a.clock.now() - dt.timedelta(hours=9))  # B's clock is 9 hours behind
    pid_a, pid_b = _pid(a, "N-1"), _pid(b, "N-1")
    _preferred(a.sign_in(), pid_a, "Ada on A")
    a.sync()
    b.sync()
    # B renames after seeing A's name: its change id carries a time 9 hours earlier than A's,
    # yet it is the newer edit (it names A's as the version it edited), so it stands.
    _preferred(b.sign_in(), pid_b, "Ada on B")
    _add_goals(b, ["Written on the slow clock"])
    b.sync()
    a.sync()
    assert roster.get_participant(a.sign_in(), pid_a).preferred_name == "Ada on B"
    assert not conflicts.flagged(a.sign_in())
    assert a.dump() == b.dump()
    with b.sign_in().read() as s, a.sign_in().read() as t:
        from facilitator.models.roster import TreatmentGoal

        query = select(TreatmentGoal.created_at).where(
            TreatmentGoal.text == "Written on the slow clock")
        written_on_b, seen_on_a = s.scalar(query), t.scalar(query)
    assert written_on_b == seen_on_a  # the time stays as B wrote it
    assert abs((a.clock.now() - written_on_b) - dt.timedelta(hours=9)) < dt.timedelta(minutes=5)


def test_a_laptop_copied_before_the_clinic_first_synced_is_refused_before_it_makes_a_key(
        pair: tuple[Clinic, Laptop, Laptop]) -> None:
    """A copy of a laptop's folder taken before that laptop first synced holds no sync key.
    An admin running 'sync now' on it used to make a clinic key of its own and push under it:
    neither laptop could then read the other's entries, for good ("cannot be decrypted").
    Now the round stops before it makes a key or sends anything, saying how to join; A and B
    go on syncing, and the hub holds nothing of the copy."""
    clinic, a, b = pair
    copy = clinic.join_from(a, "C")
    ws = copy.sign_in()
    with ws.transaction() as s:  # as the folder was before A's first round
        for table in ("sync_keys", "sync_key_boxes", "sync_peers", "sync_seen", "sync_state"):
            s.execute(sql(f"DELETE FROM {table}"))
    with HubClient(a.dsn) as hub:
        before = [(h.device_id, h.seq) for h in hub.heads()]
    with pytest.raises(SyncProblem) as refused:
        run.sync_now(ws, copy.dsn)
    message = str(refused.value)
    assert "already serves a clinic" in message and "enrolment code" in message
    assert "\n" not in message
    with ws.read() as s:
        assert s.scalar(sql("SELECT count(*) FROM sync_keys")) == 0
    with HubClient(a.dsn) as hub:
        assert [(h.device_id, h.seq) for h in hub.heads()] == before
    _add_goals(a, ["Walk before the evening group"])
    a.sync()
    b.sync()
    assert "Walk before the evening group" in _goals(b)
