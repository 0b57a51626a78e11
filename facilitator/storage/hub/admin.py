"""Setting a hub up and looking at it, with an administrator's PostgreSQL account.

``init`` needs a role that may create schemas and roles in the hub database (the database owner
with CREATEROLE, or a superuser); it is idempotent. ``add_laptop`` creates one login role per
laptop, member of the device role, so a laptop can call the hub's functions and nothing else.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from . import enrolment, schema
from .client import HubError, hub_label, translate

S = schema.SCHEMA
_ROLE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _role(name: str) -> str:
    if not _ROLE.fullmatch(name):
        raise HubError(f"{name!r} cannot be a role name: use lower-case letters, digits and _"
                       " (at most 63, not starting with a digit).")
    return name


def _connect(dsn: str) -> psycopg.Connection:
    try:
        return psycopg.connect(dsn, connect_timeout=10)
    except psycopg.Error as error:
        raise translate(error, hub_label(dsn)) from None


def init(dsn: str, device_role: str = "facilitator_device") -> str:
    """Create (or complete) the hub's schema, functions, grants and device role in one
    transaction. Returns the hub's id."""
    role = _role(device_role)
    with _connect(dsn) as conn:
        try:
            with conn.transaction(), conn.cursor() as cur:
                for statement in (*schema.statements(role), *enrolment.statements(role)):
                    cur.execute(statement.encode())
                cur.execute(f"SELECT value FROM {S}.meta WHERE key = 'hub_id'")
                row = cur.fetchone()
        except psycopg.Error as error:
            raise translate(error, hub_label(dsn)) from None
    assert row is not None
    return str(row[0])


def add_laptop(dsn: str, login: str) -> str:
    """Create a login role for one laptop, member of the hub's device role; returns its
    password (shown once, to be entered on that laptop)."""
    role = _role(login)
    password = secrets.token_urlsafe(24)
    with _connect(dsn) as conn:
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(f"SELECT value FROM {S}.meta WHERE key = 'device_role'")
                device_role = _role(str(cur.fetchone()[0]))  # type: ignore[index]
                cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(role), sql.Literal(password), sql.Identifier(device_role)))
        except psycopg.errors.DuplicateObject:
            raise HubError(f"A hub account named {role} already exists.") from None
        except psycopg.Error as error:
            raise translate(error, hub_label(dsn)) from None
    return password


def remove_laptop(dsn: str, login: str) -> list[str]:
    """Take a laptop out of the clinic: its hub account may no longer log in nor act as a
    device, and every device it registered is frozen ("removed from the clinic"), so a copy
    of its data folder cannot push under that device again. Returns the devices frozen. The
    clinic's sync key must then be rotated on an admin's laptop (``sync rotate-key``)."""
    role = _role(login)
    with _connect(dsn) as conn:
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(f"SELECT value FROM {S}.meta WHERE key = 'device_role'")
                device_role = _role(str(cur.fetchone()[0]))  # type: ignore[index]
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                if cur.fetchone() is None:
                    raise HubError(f"There is no hub account named {role}.")
                cur.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(role)))
                cur.execute(sql.SQL("REVOKE {} FROM {}").format(
                    sql.Identifier(device_role), sql.Identifier(role)))
                cur.execute(f"""UPDATE {S}.devices SET frozen_at = coalesce(frozen_at, now()),
                                       frozen_reason = 'removed from the clinic'
                                 WHERE role_name = %s RETURNING device_id::text""", (role,))
                frozen = [str(r[0]) for r in cur.fetchall()]
        except psycopg.Error as error:
            raise translate(error, hub_label(dsn)) from None
    return frozen


def unfreeze(dsn: str, device_id: str) -> str:
    """Let a frozen device push again (after an admin looked at it). The evidence of a fork
    stays in ``equivocations``. A device frozen because its laptop was removed stays frozen:
    add the laptop again instead (so does one whose join was withdrawn). Returns the reason
    it had been frozen for."""
    with _connect(dsn) as conn:
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(f"""SELECT frozen_reason, frozen_at IS NOT NULL FROM {S}.devices
                                 WHERE device_id::text = %s FOR UPDATE""", (device_id,))
                row = cur.fetchone()
                if row is None:
                    raise HubError(f"No device {device_id} is registered on this hub.")
                if not row[1]:
                    raise HubError(f"Device {device_id} is not frozen.")
                if row[0] in ("removed from the clinic", enrolment.WITHDRAWN):
                    raise HubError(f"Device {device_id} belongs to a laptop removed from the"
                                   " clinic; it stays frozen.")
                cur.execute(f"""UPDATE {S}.devices SET frozen_at = NULL, frozen_reason = NULL
                                 WHERE device_id::text = %s""", (device_id,))
        except psycopg.Error as error:
            raise translate(error, hub_label(dsn)) from None
    return str(row[0] or "")


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    account: str
    registered_at: datetime
    entries: int
    last_push_at: datetime | None
    frozen_at: datetime | None
    frozen_reason: str


@dataclass(frozen=True)
class HubStatus:
    hub_id: str
    devices: tuple[DeviceStatus, ...]
    entries: int
    bytes: int
    equivocations: int


def status(dsn: str) -> HubStatus:
    with _connect(dsn) as conn:
        try:
            with conn.cursor() as cur:
                cur.execute(f"SELECT value FROM {S}.meta WHERE key = 'hub_id'")
                hub_id = str(cur.fetchone()[0])  # type: ignore[index]
                cur.execute(f"""SELECT device_id::text, role_name, registered_at, head_seq,
                                       last_push_at, frozen_at, coalesce(frozen_reason, '')
                                  FROM {S}.devices ORDER BY registered_at, device_id""")
                devices = tuple(DeviceStatus(*row) for row in cur.fetchall())
                cur.execute(f"SELECT count(*), coalesce(sum(size), 0) FROM {S}.entries")
                entries, size = cur.fetchone()  # type: ignore[misc]
                cur.execute(f"SELECT count(*) FROM {S}.equivocations")
                forks = cur.fetchone()[0]  # type: ignore[index]
        except psycopg.Error as error:
            raise translate(error, hub_label(dsn)) from None
    return HubStatus(hub_id, devices, int(entries), int(size), int(forks))
