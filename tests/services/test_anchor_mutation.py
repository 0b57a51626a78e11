"""The audit anchor file and the chain checks behind it, exactly (issue 14, `make mutation`
module "anchor"): a pinned seal (a change of key derivation or JSON form would make every
clinic's anchor read as forged after an upgrade), each way a file can be wrong named by its own
sentence, and an anchor that is evidence never overwritten.

A real encrypted database holding only the audit table: no clinic is needed for these."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from facilitator.models.audit import AuditEvent
from facilitator.storage.anchor import (
    ANCHOR_NAME,
    Anchor,
    AnchorFile,
    advance,
    chain_head,
    extends,
    hash_at,
    newest,
)
from facilitator.storage.engine import Database

T = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
DATA_KEY = bytes(range(32))
DB_ID = "0123456789abcdef"
HEAD = "ab" * 32
DAMAGED = f"the anchor file {ANCHOR_NAME} is damaged"
FOREIGN = f"the anchor file {ANCHOR_NAME} belongs to another database"
FORGED = f"the seal of the anchor file {ANCHOR_NAME} does not match"
NO_KEYCHAIN = (f"the anchor file {ANCHOR_NAME} is sealed with this computer's keychain, which is"
               " not available here")


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(tmp_path / "audit.db", DATA_KEY)
    AuditEvent.__table__.create(database.engine)
    yield database
    database.close()


def _events(db: Database, *hashes: str) -> None:
    with db.engine.begin() as conn:
        first = int(conn.exec_driver_sql("SELECT count(*) FROM audit_events").scalar_one()) + 1
        for n, digest in enumerate(hashes, start=first):
            conn.exec_driver_sql(
                "INSERT INTO audit_events (id, at, user_id, login, action, entity, entity_id,"
                " details, prev_hash, hash) VALUES (?, ?, NULL, 'x', 't', '', '', '{}', '', ?)",
                (n, T.isoformat(), digest))


def _file(tmp_path: Path, device: bytes | None = None, db_id: str = DB_ID) -> AnchorFile:
    return AnchorFile(tmp_path, db_id, DATA_KEY, device)


def _stored(tmp_path: Path) -> dict[str, object]:
    return json.loads((tmp_path / ANCHOR_NAME).read_text("utf-8"))


@pytest.mark.parametrize(("device", "seal"), [
    (None, "761a2c50f0c8898bde75cab7b6ebf52089cd3eb6c916c51fba73700b871deced"),
    (b"device-secret", "23568e52ef90803febee9bf60328aeb952e7504b560e4099777221b726d108e0"),
])
def test_anchor_file_known_answer(tmp_path: Path, device: bytes | None, seal: str) -> None:
    # Seals computed outside the code (RFC 5869 HKDF-SHA256 with hmac: salt the db_id, info
    # "facilitator audit anchor v1", key material the data key followed by the device secret;
    # HMAC-SHA256 over the sorted, compact JSON of the fields below).
    _file(tmp_path, device).write(Anchor(5, HEAD, T))
    assert _stored(tmp_path) == {
        "format": "facilitator.anchor/1", "db_id": DB_ID, "events": 5, "head": HEAD,
        "at": "2026-03-02T15:00:00+00:00", "device_bound": device is not None, "mac": seal}
    assert _file(tmp_path, device).read() == (Anchor(5, HEAD, T, ANCHOR_NAME), None, None)


def test_a_missing_file_is_no_anchor_and_no_problem(tmp_path: Path) -> None:
    assert _file(tmp_path).read() == (None, None, None)


@pytest.mark.parametrize("content", [
    "{broken", "[]", "null", '"text"',
    # every field present but one
    *[json.dumps({k: v for k, v in {"format": "facilitator.anchor/1", "db_id": DB_ID,
                                    "events": 5, "head": HEAD, "at": T.isoformat(),
                                    "device_bound": False, "mac": "00"}.items() if k != gone})
      for gone in ("format", "db_id", "events", "head", "at", "device_bound", "mac")],
])
def test_a_damaged_file_is_named_as_damaged(tmp_path: Path, content: str) -> None:
    (tmp_path / ANCHOR_NAME).write_text(content, "utf-8")
    assert _file(tmp_path).read() == (None, DAMAGED, None)


@pytest.mark.parametrize(("field", "value"), [("events", "five"), ("at", "yesterday")])
def test_values_that_do_not_parse_are_damage(tmp_path: Path, field: str, value: str) -> None:
    _file(tmp_path).write(Anchor(5, HEAD, T))
    data = _stored(tmp_path)
    data[field] = value
    (tmp_path / ANCHOR_NAME).write_text(json.dumps(data), "utf-8")
    assert _file(tmp_path).read() == (None, DAMAGED, None)


def test_another_database_s_or_format_s_file_is_foreign(tmp_path: Path) -> None:
    _file(tmp_path, db_id="fedcba9876543210").write(Anchor(5, HEAD, T))
    assert _file(tmp_path).read() == (None, FOREIGN, None)
    _file(tmp_path).write(Anchor(5, HEAD, T))
    data = _stored(tmp_path)
    data["format"] = "facilitator.anchor/2"
    (tmp_path / ANCHOR_NAME).write_text(json.dumps(data), "utf-8")
    assert _file(tmp_path).read() == (None, FOREIGN, None)


@pytest.mark.parametrize(("field", "value"), [
    ("events", 4), ("head", "cd" * 32), ("at", "2026-03-02T16:00:00+00:00"),
    ("device_bound", True),
])
def test_any_edited_field_breaks_the_seal(tmp_path: Path, field: str, value: object) -> None:
    _file(tmp_path).write(Anchor(5, HEAD, T))
    data = _stored(tmp_path)
    data[field] = value
    (tmp_path / ANCHOR_NAME).write_text(json.dumps(data), "utf-8")
    assert _file(tmp_path, b"device-secret").read() == (None, FORGED, None)


def test_the_device_secret_binds_the_seal_to_this_computer(tmp_path: Path) -> None:
    _file(tmp_path, b"this computer").write(Anchor(5, HEAD, T))
    assert _file(tmp_path, b"this computer").read()[0] == Anchor(5, HEAD, T, ANCHOR_NAME)
    assert _file(tmp_path, b"another computer").read() == (None, FORGED, None)
    # Without the keychain the file cannot be checked: a note, not a problem.
    assert _file(tmp_path, None).read() == (None, None, NO_KEYCHAIN)
    # A file sealed where there was no keychain still reads where there is one.
    _file(tmp_path, None).write(Anchor(6, HEAD, T))
    assert _file(tmp_path, b"this computer").read()[0] == Anchor(6, HEAD, T, ANCHOR_NAME)


def test_chain_head_hash_at_and_extends(db: Database) -> None:
    assert chain_head(db) == (0, "")
    assert extends(db, Anchor(0, "", T))  # an empty chain extends the empty anchor
    _events(db, "h1", "h2", "h3")
    assert chain_head(db) == (3, "h3")
    assert (hash_at(db, 1), hash_at(db, 2), hash_at(db, 4)) == ("h1", "h2", None)
    assert extends(db, Anchor(0, "", T))
    assert extends(db, Anchor(2, "h2", T)) and extends(db, Anchor(3, "h3", T))
    assert not extends(db, Anchor(2, "h3", T))
    assert not extends(db, Anchor(4, "h4", T))  # more events than the chain holds: a cut


def test_reading_the_head_takes_no_write_lock(db: Database) -> None:
    _events(db, "h1")
    with db.engine.connect() as writer:
        writer.begin()  # BEGIN IMMEDIATE: the write lock, as the live console holds it
        writer.exec_driver_sql("INSERT INTO audit_events (id, at, login, action, entity,"
                               " entity_id, details, prev_hash, hash) VALUES (2, ?, 'x', 't',"
                               " '', '', '{}', '', 'h2')", (T.isoformat(),))
        assert chain_head(db) == (1, "h1")  # the committed chain, at once
        assert hash_at(db, 1) == "h1"
        writer.rollback()


def test_advance_records_the_head_and_moves_forward(tmp_path: Path, db: Database) -> None:
    file = _file(tmp_path)
    _events(db, "h1", "h2")
    assert advance(file, db, T)
    assert file.read()[0] == Anchor(2, "h2", T, ANCHOR_NAME)
    _events(db, "h3")
    assert advance(file, db, T + timedelta(hours=1))
    assert file.read()[0] == Anchor(3, "h3", T + timedelta(hours=1), ANCHOR_NAME)
    # No new events: the same anchor, recorded again with the later time.
    assert advance(file, db, T + timedelta(hours=2))
    assert file.read()[0] == Anchor(3, "h3", T + timedelta(hours=2), ANCHOR_NAME)


def test_advance_keeps_evidence(tmp_path: Path, db: Database) -> None:
    _events(db, "h1", "h2", "h3")
    path = tmp_path / ANCHOR_NAME
    # An anchor the chain does not extend (its event was rewritten) stays for verify.
    _file(tmp_path).write(Anchor(2, "rewritten", T))
    before = path.read_bytes()
    assert not advance(_file(tmp_path), db, T + timedelta(hours=1))
    assert path.read_bytes() == before
    # So do a forged file, a damaged one and one this computer cannot check.
    data = _stored(tmp_path)
    data["events"] = 1
    path.write_text(json.dumps(data), "utf-8")
    for content in (path.read_bytes(), b"{broken"):
        path.write_bytes(content)
        assert not advance(_file(tmp_path), db, T + timedelta(hours=1))
        assert path.read_bytes() == content
    _file(tmp_path, b"elsewhere").write(Anchor(1, "h1", T))
    before = path.read_bytes()
    assert not advance(_file(tmp_path), db, T + timedelta(hours=1))
    assert path.read_bytes() == before


def test_advance_into_an_unwritable_folder_is_not_an_error(tmp_path: Path, db: Database
                                                          ) -> None:
    _events(db, "h1")
    (tmp_path / ANCHOR_NAME).with_suffix(".tmp").mkdir()  # every write fails, also for root
    assert not advance(_file(tmp_path), db, T)
    assert not (tmp_path / ANCHOR_NAME).exists()


def test_newest_is_the_latest_then_the_longest() -> None:
    assert newest([]) is None
    early, late = Anchor(9, "a", T), Anchor(3, "b", T + timedelta(seconds=1))
    assert newest([early, late]) == late and newest([late, early]) == late
    short, long = Anchor(3, "c", T), Anchor(4, "d", T)
    assert newest([long, short]) == long and newest([short, long]) == long


def test_an_anchor_is_an_immutable_value() -> None:
    anchor = Anchor(3, "h3", T)
    with pytest.raises(dataclasses.FrozenInstanceError):
        anchor.events = 4  # type: ignore[misc]
    assert {anchor, Anchor(3, "h3", T)} == {anchor}
