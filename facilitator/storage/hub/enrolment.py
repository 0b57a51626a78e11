"""Enrolment on the hub: the SQL that ``hub init`` adds for it, and the two calls that use it.

Why the hub creates the new laptop's account itself: a fresh laptop has nothing but the hub
address and the code, so it must be able to log in with what the code derives
(``facilitator.sync.enrolment``). ``create_enrolment`` (``SECURITY DEFINER``, owned by the hub
admin, who has CREATEROLE; callable by a *registered, unfrozen* device) creates that login role,
member of the device role, with the SCRAM verifier the admin's laptop computed, ``VALID UNTIL``
the expiry, and stores the sealed package under the code's lookup hash. ``redeem_enrolment``
(callable only by that very role) marks the code used, hands the package over once, wipes it
from the table, and in the same transaction replaces the role's password with one only the new
laptop knows and lifts the expiry. So the code is worthless once used: its password no longer
logs in and the package is gone; an unused code stops logging in when it expires.

A join that stops after redeeming (cancelled, failed, the laptop's work folder removed) leaves
an account whose password nobody has any more. ``withdraw_enrolment`` (callable only by the
account of a redeemed code, for itself) disables it as ``hub remove-laptop`` would: no login,
no device rights, its devices frozen ("join withdrawn"), the enrolment marked withdrawn.

Any member device may create an enrolment: it already holds the clinic's keys and history, so
admitting another laptop gives it nothing new. The app offers the action to admins only.
Error codes FH101-FH106 (``client`` maps them to ``EnrolmentRefused``). A hub set up before a
function existed gets it when ``hub init`` runs again (every statement here is idempotent).
"""

from __future__ import annotations

import uuid

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from . import schema
from .client import HubClient, HubError

S = schema.SCHEMA
USED, EXPIRED, UNKNOWN, BAD_INPUT, NOT_A_DEVICE, NOT_REDEEMED = (
    "FH101", "FH102", "FH103", "FH104", "FH105", "FH106")
CODES = (USED, EXPIRED, UNKNOWN, BAD_INPUT, NOT_A_DEVICE, NOT_REDEEMED)
WITHDRAWN = "join withdrawn"  # the frozen reason of a withdrawn join's device
MAX_HOURS = 7 * 24
MAX_PACKAGE = 1024 * 1024
# The stored form of a SCRAM-SHA-256 password, as a POSIX regex (no quote can pass it).
_B64 = "[A-Za-z0-9+/=]+"
_VERIFIER = f"^SCRAM-SHA-256\\$[0-9]+:{_B64}\\${_B64}:{_B64}$"


class EnrolmentRefused(HubError):
    """The hub refused to create or redeem an enrolment; the text says why in one sentence."""


def _raise(code: str, message: str) -> str:
    return f"RAISE EXCEPTION USING ERRCODE = '{code}', MESSAGE = '{message}';"


def statements(device_role: str) -> list[str]:
    """Run after ``schema.statements`` by ``hub init`` (idempotent)."""
    s = S
    return [
        f"ALTER TABLE {s}.enrolments ADD COLUMN IF NOT EXISTS role_name name",
        f"ALTER TABLE {s}.enrolments ADD COLUMN IF NOT EXISTS created_by name",
        f"""CREATE OR REPLACE FUNCTION {s}.create_enrolment(
              p_lookup bytea, p_verifier text, p_hours integer, p_sealed bytea)
            RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = {s}, pg_temp AS $$
            DECLARE v_role text; v_expires timestamptz;
            BEGIN
              IF p_lookup IS NULL OR length(p_lookup) <> 32 OR p_hours IS NULL
                 OR p_hours NOT BETWEEN 1 AND {MAX_HOURS}
                 OR p_verifier !~ '{_VERIFIER}'
                 OR p_sealed IS NULL OR length(p_sealed) > {MAX_PACKAGE} THEN
                {_raise(BAD_INPUT, 'The hub was sent an enrolment it cannot take.')}
              END IF;
              IF NOT EXISTS (SELECT 1 FROM devices WHERE role_name = session_user
                             AND frozen_at IS NULL) THEN
                {_raise(NOT_A_DEVICE, 'Only a laptop that already syncs with this hub (and is'
                        ' not frozen) can enrol another: run a sync first.')}
              END IF;
              -- Packages of codes that expired unused hold sync keys: wipe them now.
              UPDATE enrolments SET sealed = ''::bytea
               WHERE used_at IS NULL AND expires_at < now() AND length(sealed) > 0;
              v_role := 'enrol_' || encode(substring(p_lookup FROM 1 FOR 8), 'hex');
              v_expires := now() + make_interval(hours => p_hours);
              EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L VALID UNTIL %L IN ROLE %I',
                             v_role, p_verifier, v_expires,
                             (SELECT value FROM meta WHERE key = 'device_role'));
              INSERT INTO enrolments (code_hash, expires_at, sealed, role_name, created_by)
              VALUES (p_lookup, v_expires, p_sealed, v_role, session_user);
              RETURN v_expires;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.redeem_enrolment(
              p_lookup bytea, p_device uuid, p_verifier text)
            RETURNS bytea LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = {s}, pg_temp AS $$
            DECLARE e enrolments%ROWTYPE;
            BEGIN
              IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\\$' THEN
                {_raise(BAD_INPUT, 'The hub was sent an enrolment it cannot take.')}
              END IF;
              SELECT * INTO e FROM enrolments WHERE code_hash = p_lookup FOR UPDATE;
              IF NOT FOUND OR e.role_name IS DISTINCT FROM session_user THEN
                {_raise(UNKNOWN, 'This hub holds no enrolment for this code: check that the hub'
                        ' address is your clinic''s, and the code.')}
              END IF;
              IF e.used_at IS NOT NULL THEN
                {_raise(USED, 'This enrolment code was already used. Ask your administrator'
                        ' for a new one.')}
              END IF;
              IF e.expires_at < now() THEN
                {_raise(EXPIRED, 'This enrolment code has expired. Ask your administrator for'
                        ' a new one.')}
              END IF;
              UPDATE enrolments SET used_at = now(), used_by_device = p_device,
                     sealed = ''::bytea WHERE code_hash = p_lookup;
              EXECUTE format('ALTER ROLE %I PASSWORD %L VALID UNTIL %L', session_user,
                             p_verifier, 'infinity');
              RETURN e.sealed;
            END $$""",
        f"ALTER TABLE {s}.enrolments ADD COLUMN IF NOT EXISTS withdrawn_at timestamptz",
        # The session's own account only (session_user: the login, not this function's owner).
        f"""CREATE OR REPLACE FUNCTION {s}.withdraw_enrolment()
            RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = {s}, pg_temp AS $$
            DECLARE v_frozen integer;
            BEGIN
              IF NOT EXISTS (SELECT 1 FROM enrolments WHERE role_name = session_user
                             AND used_at IS NOT NULL) THEN
                {_raise(NOT_REDEEMED, 'Only the account of a redeemed enrolment code can'
                        ' withdraw itself.')}
              END IF;
              UPDATE enrolments SET withdrawn_at = coalesce(withdrawn_at, now())
               WHERE role_name = session_user;
              UPDATE devices SET frozen_at = coalesce(frozen_at, now()),
                     frozen_reason = '{WITHDRAWN}'
               WHERE role_name = session_user;
              GET DIAGNOSTICS v_frozen = ROW_COUNT;
              EXECUTE format('ALTER ROLE %I NOLOGIN', session_user);
              EXECUTE format('REVOKE %I FROM %I',
                             (SELECT value FROM meta WHERE key = 'device_role'), session_user);
              RETURN v_frozen;
            END $$""",
        f"REVOKE ALL ON FUNCTION {s}.create_enrolment(bytea, text, integer, bytea),"
        f" {s}.redeem_enrolment(bytea, uuid, text), {s}.withdraw_enrolment() FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {s}.create_enrolment(bytea, text, integer, bytea),"
        f" {s}.redeem_enrolment(bytea, uuid, text), {s}.withdraw_enrolment()"
        f" TO {device_role}",
    ]


def create(hub: HubClient, lookup: bytes, verifier: str, hours: int, sealed: bytes) -> object:
    """Store an enrolment; returns its expiry (a timezone-aware datetime)."""
    return hub.call_one(f"SELECT {S}.create_enrolment(%s, %s, %s, %s)",
                        (lookup, verifier, hours, sealed), EnrolmentRefused)


def redeem(hub: HubClient, lookup: bytes, device_id: uuid.UUID, new_verifier: str) -> bytes:
    """Take the package of this code (once) and set this account's own password."""
    return bytes(hub.call_one(f"SELECT {S}.redeem_enrolment(%s, %s, %s)",
                              (lookup, device_id, new_verifier), EnrolmentRefused))


def withdraw(hub: HubClient) -> int:
    """Disable the account ``hub`` is logged in with, the one a redeemed code made (its join
    stopped); returns how many devices it had registered (now frozen)."""
    return int(hub.call_one(f"SELECT {S}.withdraw_enrolment()", (),  # type: ignore[call-overload]
                            EnrolmentRefused))


def with_login(dsn: str, user: str, password: str) -> str:
    """``dsn`` with this laptop's own hub account (kept inside the encrypted database only)."""
    return make_conninfo(dsn, user=user, password=password)


def address_parts(dsn: str) -> tuple[str, bool]:
    """(the address without its password, whether it had one); HubError when it is not a
    libpq connection string."""
    try:
        info = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise HubError("That is not a hub address: write it as, e.g., 'host=db.clinic.example"
                       " dbname=facilitator user=front_desk'.") from None
    had = info.pop("password", None) is not None
    return _conninfo(info), had


def _conninfo(info: dict[str, object]) -> str:
    """A connection string in the order people read one: host, port, database, user, rest."""
    first = ("host", "hostaddr", "port", "dbname", "user")
    ordered = sorted(info.items(), key=lambda kv: (*first, kv[0]).index(kv[0]))
    return make_conninfo("", **{k: str(v) for k, v in ordered})


def merged(address: str, stored: str) -> str:
    """The new ``address`` carrying the password of the ``stored`` one, if it had one."""
    password = conninfo_to_dict(stored).get("password") if stored else None
    return make_conninfo(address, password=str(password)) if password else address


def address_for_new_laptop(dsn: str) -> str:
    """What an admin reads out to a new laptop: the address without account or password."""
    info = conninfo_to_dict(address_parts(dsn)[0])
    info.pop("user", None)
    return _conninfo(info)
