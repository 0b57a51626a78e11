"""A laptop's connection to the clinic hub: register, push, pull, heads. Functions only.

Every psycopg error becomes a ``HubError`` whose text is a sentence for the status bar or the
CLI; connection parameters (host, user) may appear in it, the password never does. Server
messages come from ``schema`` and name device ids and seq numbers only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..errors import StorageError
from . import schema

S = schema.SCHEMA


class HubError(StorageError):
    """The hub refused or could not be reached; nothing local was changed."""


class HubUnreachable(HubError):
    pass


class HubLoginRefused(HubUnreachable):
    """The server answered but refused the account (no such role, wrong or expired password)."""


class DeviceFrozen(HubError):
    pass


class AccountDisabled(HubError):
    pass


class PushRefused(HubError):
    pass


_CODES: dict[str, type[HubError]] = {
    schema.FROZEN: DeviceFrozen,
    schema.OUT_OF_ORDER: PushRefused,
    schema.UNKNOWN_DEVICE: PushRefused,
    schema.OTHER_ACCOUNT: PushRefused,
    schema.NOT_AN_ENTRY: PushRefused,
    schema.KEY_CHANGED: PushRefused,
}


# libpq's texts when the server refuses a login (it answers in English unless lc_messages differ).
_LOGIN_REFUSED = ("authentication failed", "does not exist", "password has expired",
                  "no password supplied")


@dataclass(frozen=True)
class HubHead:
    device_id: uuid.UUID
    public_key: bytes
    seq: int
    hash: bytes
    frozen: bool


@dataclass(frozen=True)
class PushResult:
    accepted: tuple[int, ...]
    duplicates: tuple[int, ...]
    equivocation: int | None  # the seq at which the hub found a fork and froze the device


def hub_label(dsn: str) -> str:
    """Where the hub is, for messages: host and database, never the password."""
    try:
        info = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(an unreadable hub address)"
    return f"{info.get('host', 'localhost')}/{info.get('dbname', '')}"


def translate(error: psycopg.Error, where: str) -> HubError:
    code = getattr(error, "sqlstate", None)
    if code in _CODES:
        message = error.diag.message_primary or "The hub refused the push."
        return _CODES[code](message)
    text = str(error)
    if "not permitted to log in" in text:
        return AccountDisabled(f"This laptop's hub account on {where} was disabled (the laptop"
                               " was removed from the clinic): nothing was sent or pulled, and"
                               " the work on this laptop stays on it.")
    if "certificate" in text or "SSL" in text:
        return HubUnreachable(f"The clinic hub {where} did not prove it is the clinic's hub (its"
                              " TLS certificate does not match): nothing was sent. This laptop"
                              " keeps working offline; tell your administrator.")
    if isinstance(error, psycopg.OperationalError) and any(
            hint in text for hint in _LOGIN_REFUSED):
        return HubLoginRefused(f"The clinic hub {where} refused this laptop's hub account (no"
                               " such account, a wrong or expired password, or the account was"
                               " removed): nothing was sent.")
    if isinstance(error, psycopg.OperationalError):
        return HubUnreachable(f"The clinic hub {where} cannot be reached; this laptop keeps"
                              " working offline and nothing was lost.")
    if code == "42501":  # insufficient_privilege
        return HubError(f"This laptop's hub account may not do that on {where}.")
    if code in ("3F000", "42883"):  # schema or function missing
        return HubError(f"{where} is not a Facilitator hub (run 'hub init' there first).")
    return HubError(f"The clinic hub {where} reported an error ({code or type(error).__name__});"
                    " nothing was changed.")


class HubClient:
    """One connection to the hub, used for one sync round; close it (or use ``with``)."""

    def __init__(self, dsn: str, *, timeout_s: int = 10) -> None:
        self.where = hub_label(dsn)
        try:
            self._conn = psycopg.connect(dsn, connect_timeout=timeout_s, autocommit=True)
        except psycopg.Error as error:
            raise translate(error, self.where) from None

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        try:
            # Binary parameters and results: entries travel as raw bytes, not hex text (twice
            # the size, and the hub's bottleneck when pushing).
            with self._conn.cursor(binary=True) as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        except psycopg.Error as error:
            raise translate(error, self.where) from None

    def call_one(self, sql: str, params: Sequence[object], refused: type[HubError]) -> object:
        """The one value of a function call whose own refusals (SQLSTATE FH1xx, a sentence)
        become ``refused`` errors."""
        try:
            with self._conn.cursor(binary=True) as cur:
                cur.execute(sql, params)
                row = cur.fetchone()
        except psycopg.Error as error:
            code = getattr(error, "sqlstate", None) or ""
            if code.startswith("FH1"):
                raise refused(error.diag.message_primary or "The hub refused.") from None
            raise translate(error, self.where) from None
        assert row is not None
        return row[0]

    def hub_id(self) -> str:
        return str(self._rows(f"SELECT {S}.hub_id()")[0][0])

    def register(self, device_id: uuid.UUID, public_key: bytes) -> str:
        return str(self._rows(f"SELECT {S}.register_device(%s, %s)",
                              (device_id, public_key))[0][0])

    def push(self, raws: Sequence[bytes]) -> PushResult:
        """Push entries in one call and one transaction (all or nothing, except that evidence
        of a fork is kept and reported as ``equivocation``)."""
        if not raws:
            return PushResult((), (), None)
        rows = self._rows(f"SELECT * FROM {S}.push_entries(%s::bytea[])", (list(raws),))
        accepted = tuple(seq for seq, status in rows if status == "accepted")
        duplicates = tuple(seq for seq, status in rows if status == "duplicate")
        fork = next((seq for seq, status in rows if status == "equivocation"), None)
        return PushResult(accepted, duplicates, fork)

    def pull(self, after: int, limit: int = 1000) -> list[tuple[int, bytes]]:
        """Entries after server cursor ``after``, oldest first, at most ``limit``."""
        return [(int(c), bytes(r)) for c, r in
                self._rows(f"SELECT * FROM {S}.pull_entries(%s, %s)", (after, limit))]

    def heads(self) -> list[HubHead]:
        return [HubHead(d, bytes(k), int(seq), bytes(h), bool(f)) for d, k, seq, h, f in
                self._rows(f"SELECT * FROM {S}.device_heads()")]
