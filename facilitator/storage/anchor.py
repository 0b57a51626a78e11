"""Anchors of the audit chain kept outside the database.

The hash chain inside the database shows an edited or removed event, but someone holding the key
could delete the newest events, or rewrite the whole chain, and leave a chain that is consistent
in itself. An *anchor* is (number of events, hash of the newest) recorded somewhere else:

* ``audit-anchor.json`` in the data folder, rewritten at sign-out, after a backup and after a
  successful verify, sealed with an HMAC whose key is derived from the data key (mixed with the
  device secret from the OS keychain where there is one), so a file copied from another clinic
  or edited by hand is reported;
* every backup's manifest.

``verify`` checks that the live chain *extends* every anchor it can see: the event with the
anchor's number still has the anchor's hash (``services.anchoring``). What this does not stop:
a person who holds the data key (any signed-in user's machine) can compute a new seal; the
anchors in backups on another drive, and a head hash written down on paper, are what such a
person cannot reach.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .files import write_atomic

if TYPE_CHECKING:  # the sign-in window must not wait for SQLAlchemy to load
    from .engine import Database

ANCHOR_NAME = "audit-anchor.json"
_FORMAT = "facilitator.anchor/1"
_INFO = b"facilitator audit anchor v1"


@dataclass(frozen=True)
class Anchor:
    """The chain as it was at ``at``: ``events`` events, the newest with hash ``head``."""

    events: int
    head: str
    at: datetime
    source: str = ""
    """Where it was found (the anchor file or a backup's name), for the report."""


def _reader(db: Database) -> Any:
    from .engine import READ_ONLY

    return db.engine.execution_options(**{READ_ONLY: True}).connect()  # no write lock


def chain_head(db: Database) -> tuple[int, str]:
    """(events, head hash) of the committed chain; ids run 1..n, so the newest id is n."""
    with _reader(db) as conn:
        row = conn.exec_driver_sql(
            "SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").first()
    return (int(row[0]), str(row[1])) if row is not None else (0, "")


def hash_at(db: Database, event_id: int) -> str | None:
    with _reader(db) as conn:
        value = conn.exec_driver_sql(
            "SELECT hash FROM audit_events WHERE id = ?", (event_id,)).scalar()
    return None if value is None else str(value)


def _key(data_key: bytes, db_id: str, device_secret: bytes | None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=db_id.encode("ascii"),
                info=_INFO).derive(data_key + (device_secret or b""))


def _mac(key: bytes, body: dict[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _body(db_id: str, anchor: Anchor, device_bound: bool) -> dict[str, Any]:
    return {"format": _FORMAT, "db_id": db_id, "events": anchor.events, "head": anchor.head,
            "at": anchor.at.isoformat(), "device_bound": device_bound}


class AnchorFile:
    """``audit-anchor.json`` of one data folder."""

    def __init__(self, data_dir: Path, db_id: str, data_key: bytes,
                 device_secret: bytes | None) -> None:
        self.path = Path(data_dir) / ANCHOR_NAME
        self.db_id = db_id
        self._data_key = data_key
        self._device_secret = device_secret

    def read(self) -> tuple[Anchor | None, str | None, str | None]:
        """(anchor, problem, note). A missing file is (None, None, None)."""
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            body = {k: raw[k] for k in ("format", "db_id", "events", "head", "at",
                                        "device_bound")}
            anchor = Anchor(int(body["events"]), str(body["head"]),
                            datetime.fromisoformat(body["at"]), ANCHOR_NAME)
            seal = str(raw["mac"])
        except FileNotFoundError:
            return None, None, None
        except (ValueError, KeyError, TypeError, AttributeError):
            return None, f"the anchor file {ANCHOR_NAME} is damaged", None
        if body["format"] != _FORMAT or body["db_id"] != self.db_id:
            return None, f"the anchor file {ANCHOR_NAME} belongs to another database", None
        if body["device_bound"] and self._device_secret is None:
            return None, None, (f"the anchor file {ANCHOR_NAME} is sealed with this computer's"
                                " keychain, which is not available here")
        key = _key(self._data_key, self.db_id,
                   self._device_secret if body["device_bound"] else None)
        if not hmac.compare_digest(_mac(key, body), seal):
            return None, f"the seal of the anchor file {ANCHOR_NAME} does not match", None
        return anchor, None, None

    def write(self, anchor: Anchor) -> None:
        device_bound = self._device_secret is not None
        body = _body(self.db_id, anchor, device_bound)
        body["mac"] = _mac(_key(self._data_key, self.db_id, self._device_secret), body)
        write_atomic(self.path, json.dumps(body).encode("utf-8"))


def extends(db: Database, anchor: Anchor) -> bool:
    """Whether the live chain still holds the anchored event unchanged (and so every event
    before it, which the chain check covers)."""
    if anchor.events == 0:
        return True
    return hash_at(db, anchor.events) == anchor.head


def advance(file: AnchorFile, db: Database, now: datetime) -> bool:
    """Record the current head in the anchor file, unless the file holds an anchor the chain no
    longer extends or one that fails its seal: that is evidence and stays for ``verify``.
    Returns whether the file was written. An unwritable folder is not an error here."""
    current, problem, note = file.read()
    if problem is not None or note is not None:
        return False
    events, head = chain_head(db)
    # Fewer events than the anchor counts: anchored events are gone (extends() would agree).
    if current is not None and (events < current.events or not extends(db, current)):
        return False
    with contextlib.suppress(OSError):
        file.write(Anchor(events, head, now))
        return True
    return False


def newest(anchors: list[Anchor]) -> Anchor | None:
    return max(anchors, key=lambda a: (a.at, a.events)) if anchors else None
