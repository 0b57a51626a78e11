"""The hub on a real PostgreSQL: init, push through the SECURITY DEFINER function, pull by
cursor, replay, equivocation evidence and freezing, ordering, role separation, and the
receiver's checks catching what a tampered hub serves."""

from __future__ import annotations

import subprocess

import psycopg
import pytest

from facilitator.storage.hub import admin
from facilitator.storage.hub.client import (
    DeviceFrozen,
    HubClient,
    HubError,
    HubUnreachable,
    PushRefused,
)
from facilitator.sync import chain as C
from facilitator.sync import entry as E
from tests.pg import Cluster
from tests.sync.chains import KEYS, Device


@pytest.fixture
def laptop(pg_cluster: Cluster, hub_db: str) -> tuple[HubClient, Device]:
    role = pg_cluster.laptop_role(hub_db)
    client = HubClient(pg_cluster.dsn(hub_db, role))
    device = Device()
    assert client.register(device.id, device.public) == "registered"
    yield client, device
    client.close()


def _receive(pulled: list[tuple[int, bytes]], keys: dict) -> list[bytes]:
    """What a receiving laptop does with pulled bytes: decode, check, apply in order."""
    heads: dict = {}
    hashes: dict = {}
    bodies = []
    for _cursor, raw in pulled:
        entry = E.decode(raw)
        dev = entry.header.device_id
        checked = C.check_entry(entry, public_key=keys.get(dev), sync_keys=KEYS,
                                head=heads.get(dev, C.NO_HEAD),
                                known_hash=hashes.get((dev, entry.header.seq)))
        if checked.verdict is C.Verdict.APPLY:
            heads[dev] = C.Head(entry.header.seq, entry.hash)
            hashes[(dev, entry.header.seq)] = entry.hash
            bodies.append(checked.body)
    return bodies


def test_init_is_idempotent_and_devices_can_only_call_functions(pg_cluster: Cluster) -> None:
    db = pg_cluster.new_database("template0")
    first = admin.init(pg_cluster.dsn(db))
    assert admin.init(pg_cluster.dsn(db)) == first
    role = pg_cluster.laptop_role(db)
    with psycopg.connect(pg_cluster.dsn(db, role)) as conn:
        for statement in ("SELECT * FROM facilitator_hub.entries",
                          "INSERT INTO facilitator_hub.meta VALUES ('x', 'y')",
                          "UPDATE facilitator_hub.devices SET frozen_at = NULL",
                          "DELETE FROM facilitator_hub.equivocations",
                          "SELECT facilitator_hub.u32('\\x00000001'::bytea)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(statement)
    with HubClient(pg_cluster.dsn(db, role)) as client:
        assert client.hub_id() == first
        assert client.pull(0) == []


def test_push_and_pull_by_cursor_in_batches(laptop: tuple[HubClient, Device]) -> None:
    client, device = laptop
    entries = [device.next(f"body {i}".encode()) for i in range(1, 6)]
    result = client.push(device.raws(*entries[:3]))
    assert result.accepted == (1, 2, 3)
    assert client.push(device.raws(*entries[3:])).accepted == (4, 5)
    first = client.pull(0, limit=2)
    assert [E.decode(r).header.seq for _, r in first] == [1, 2]
    rest = client.pull(first[-1][0], limit=10)
    assert [E.decode(r).header.seq for _, r in rest] == [3, 4, 5]
    assert [raw for _, raw in first + rest] == device.raws(*entries)
    assert client.pull(rest[-1][0]) == []
    assert _receive(first + rest, {device.id: device.public}) == [
        f"body {i}".encode() for i in range(1, 6)]
    [head] = client.heads()
    assert (head.device_id, head.seq, head.hash, head.frozen) == (device.id, 5, entries[-1].hash,
                                                                 False)


def test_replay_is_a_no_op(laptop: tuple[HubClient, Device]) -> None:
    client, device = laptop
    entries = [device.next() for _ in range(2)]
    client.push(device.raws(*entries))
    again = client.push(device.raws(*entries))
    assert (again.accepted, again.duplicates, again.equivocation) == ((), (1, 2), None)
    assert len(client.pull(0)) == 2


def test_equivocation_is_kept_as_evidence_and_freezes_the_device(
        pg_cluster: Cluster, hub_db: str, laptop: tuple[HubClient, Device]) -> None:
    client, device = laptop
    client.push(device.raws(device.next(b"one"), device.next(b"two")))
    fork = device.next(b"another two", seq=2)
    result = client.push([fork.encode()])
    assert result.equivocation == 2
    with pytest.raises(DeviceFrozen, match=f"Device {device.id} is frozen.*seq 2"):
        client.push([device.next(b"three").encode()])
    status = admin.status(pg_cluster.dsn(hub_db))
    assert status.equivocations == 1
    [dev] = status.devices
    assert dev.frozen_at is not None and dev.frozen_reason == "two different entries at seq 2"
    with pg_cluster.admin(hub_db) as conn:
        kept, offered = conn.execute(
            "SELECT kept_hash, offered_raw FROM facilitator_hub.equivocations").fetchone()
    assert bytes(offered) == fork.encode()
    assert bytes(kept) == device.chain[1].hash


def test_out_of_order_and_broken_links_are_refused_whole(
        laptop: tuple[HubClient, Device]) -> None:
    client, device = laptop
    one, two, three = device.next(), device.next(), device.next()
    with pytest.raises(PushRefused, match=r"Entry 3 .* does not follow the hub's head \(entry 0"):
        client.push(device.raws(three))
    with pytest.raises(PushRefused, match="Entry 3"):
        client.push(device.raws(one, three))  # the batch is all or nothing
    assert client.pull(0) == []
    client.push(device.raws(one))
    stranger = E.seal(device.signer, KEYS[1], E.Header(device.id, 2, b"\x07" * 32, 1, 0), b"")
    with pytest.raises(PushRefused, match="does not follow"):
        client.push([stranger.encode()])
    assert client.push(device.raws(two, three)).accepted == (2, 3)


def test_bytes_that_are_no_entry_and_unknown_devices(laptop: tuple[HubClient, Device]) -> None:
    client, _device = laptop
    with pytest.raises(PushRefused, match="not a sync entry"):
        client.push([b"FSE1" + bytes(200)[:10]])
    stranger = Device()
    with pytest.raises(PushRefused, match="not registered"):
        client.push(stranger.raws(stranger.next()))
    bad_seq = bytearray(stranger.next().encode())
    bad_seq[20] = 0x80  # seq >= 2**63: negative in SQL
    with pytest.raises(PushRefused, match="impossible seq"):
        client.push([bytes(bad_seq)])


def test_one_laptop_cannot_push_or_claim_anothers_device(
        pg_cluster: Cluster, hub_db: str, laptop: tuple[HubClient, Device]) -> None:
    _client, device = laptop
    with HubClient(pg_cluster.dsn(hub_db, pg_cluster.laptop_role(hub_db))) as other:
        with pytest.raises(PushRefused, match="another hub account"):
            other.push(device.raws(device.next()))
        with pytest.raises(PushRefused, match="another hub account"):
            other.register(device.id, device.public)


def test_a_row_altered_in_postgres_is_caught_by_the_receiver(
        pg_cluster: Cluster, hub_db: str, laptop: tuple[HubClient, Device]) -> None:
    client, device = laptop
    client.push(device.raws(device.next(b"a"), device.next(b"b"), device.next(b"c")))
    with pg_cluster.admin(hub_db) as conn:
        # Flip one ciphertext byte of entry 2, as someone with the server's superuser could.
        conn.execute("""UPDATE facilitator_hub.entries
                           SET raw = set_byte(raw, 150, get_byte(raw, 150) # 1) WHERE seq = 2""")
    with pytest.raises(E.ForgedEntry, match="entry 2 of device"):
        _receive(client.pull(0), {device.id: device.public})


def test_a_row_deleted_in_postgres_is_caught_by_the_receiver(
        pg_cluster: Cluster, hub_db: str, laptop: tuple[HubClient, Device]) -> None:
    client, device = laptop
    client.push(device.raws(device.next(b"a"), device.next(b"b"), device.next(b"c")))
    with pg_cluster.admin(hub_db) as conn:
        conn.execute("DELETE FROM facilitator_hub.entries WHERE seq = 2")
    with pytest.raises(C.ChainBroken, match="entries 2-2 are missing"):
        _receive(client.pull(0), {device.id: device.public})
    # A laptop that had applied all three sees the hub's rollback in the heads as well.
    with pg_cluster.admin(hub_db) as conn:
        conn.execute("DELETE FROM facilitator_hub.entries WHERE seq = 3")
        conn.execute("UPDATE facilitator_hub.devices SET head_seq = 1")
    [head] = client.heads()
    with pytest.raises(C.ChainBroken, match="lost or rolled back"):
        C.check_head(C.Head(3, device.chain[2].hash), head.seq, None, str(device.id))


def test_a_forged_signature_reaches_the_hub_but_not_a_receiver(
        laptop: tuple[HubClient, Device]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    client, device = laptop
    forged = device.next(b"evil", signer=Ed25519PrivateKey.generate())
    assert client.push([forged.encode()]).accepted == (1,)  # the hub cannot check signatures
    with pytest.raises(E.ForgedEntry):
        _receive(client.pull(0), {device.id: device.public})


def test_hub_holds_no_readable_phi(pg_cluster: Cluster, hub_db: str,
                                   laptop: tuple[HubClient, Device]) -> None:
    client, device = laptop
    name, note = "Zephyrine Quillfeather", "reported cravings after the weekend visit"
    client.push(device.raws(device.next(f'{{"name": "{name}", "note": "{note}"}}'.encode())))
    dump = subprocess.run([str(pg_cluster.bin / "pg_dump"), "--data-only", "-d",
                           pg_cluster.dsn(hub_db)], capture_output=True, check=True).stdout
    assert b"facilitator_hub" in dump and len(dump) > 1000
    for secret in (name, note, "Zephyrine", "cravings"):
        assert secret.encode() not in dump
        assert secret.encode().hex().encode() not in dump  # nor as bytea hex


def test_status_lists_devices_and_entries(pg_cluster: Cluster, hub_db: str,
                                          laptop: tuple[HubClient, Device]) -> None:
    client, device = laptop
    client.push(device.raws(device.next(), device.next()))
    status = admin.status(pg_cluster.dsn(hub_db))
    [dev] = status.devices
    assert (dev.device_id, dev.entries, dev.frozen_at) == (str(device.id), 2, None)
    assert dev.account.startswith("laptop_") and dev.last_push_at is not None
    assert status.entries == 2 and status.bytes == sum(len(r) for r in device.raws(*device.chain))


def test_unreachable_hub_and_a_database_without_a_hub(pg_cluster: Cluster) -> None:
    with pytest.raises(HubUnreachable, match="cannot be reached; this laptop keeps working"):
        HubClient(f"host={pg_cluster.host} port=1 dbname=x user=nobody password=s3cret")
    try:
        HubClient(f"host={pg_cluster.host} port=1 dbname=x user=nobody password=s3cret")
    except HubError as error:
        assert "s3cret" not in str(error)
    plain = pg_cluster.new_database("template0")
    with HubClient(pg_cluster.dsn(plain)) as client, pytest.raises(
            HubError, match="is not a Facilitator hub"):
        client.pull(0)
    with pytest.raises(HubError, match="cannot be a role name"):
        admin.init(pg_cluster.dsn(plain), "Robert'); DROP")
