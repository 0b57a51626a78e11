"""The hub's schema, functions and grants, as run by ``hub init`` (idempotent).

Device roles (members of the group role, ``facilitator_device`` by default) get USAGE on the
schema and EXECUTE on four ``SECURITY DEFINER`` functions, and nothing on the tables: every
write goes through ``push_entries``, which parses the entry header at the fixed offsets of
``facilitator.sync.entry`` and accepts an entry only when it is the device's next one:

* seq = head + 1 and prev hash = head hash: stored, the head moves (``accepted``);
* seq at or below the head with the same SHA-256: a replay, nothing happens (``duplicate``);
* seq at or below the head with different bytes: the device forked. The offered entry is kept
  in ``equivocations`` as evidence, the device is frozen, and the function *returns*
  ``equivocation`` rather than raising, so the evidence commits;
* anything else (a gap, a wrong prev hash, an unknown or frozen device, another account's
  device, bytes that are no entry) raises with a FHnnn SQLSTATE and a sentence; the whole batch
  is refused.

Pushes take one transaction-level advisory lock, so ``entries.cursor`` (a bigserial) is handed
out in commit order and a pull after cursor N can never miss a row that commits later with a
smaller cursor. A clinic's push rate is far below what one lock serialises.
"""

from __future__ import annotations

SCHEMA = "facilitator_hub"
FORMAT = "1"
ENTRY_LIMIT = 4 * 1024 * 1024  # facilitator.sync.entry.MAX_SIZE
OTHER_MESSAGE = "Device %s is registered to another hub account."

# SQLSTATEs the client maps to typed errors.
FROZEN, OUT_OF_ORDER, UNKNOWN_DEVICE, OTHER_ACCOUNT, NOT_AN_ENTRY, KEY_CHANGED = (
    "FH001", "FH002", "FH003", "FH004", "FH005", "FH006")


def _raise(code: str, message: str, *args: str) -> str:
    """A plpgsql RAISE with our SQLSTATE; ``message`` is a format() pattern over ``args``."""
    text = f"format('{message}', {', '.join(args)})" if args else f"'{message}'"
    return f"RAISE EXCEPTION USING ERRCODE = '{code}', MESSAGE = {text};"


def statements(device_role: str) -> list[str]:
    """The DDL for one hub; ``device_role`` is a validated identifier (see ``admin``)."""
    s = SCHEMA
    return [
        f"CREATE SCHEMA IF NOT EXISTS {s}",
        f"REVOKE ALL ON SCHEMA {s} FROM PUBLIC",
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{device_role}') THEN
                CREATE ROLE {device_role} NOLOGIN;
              END IF;
            END $$""",
        f"""CREATE TABLE IF NOT EXISTS {s}.meta (
              key text PRIMARY KEY,
              value text NOT NULL)""",
        f"""INSERT INTO {s}.meta VALUES ('format', '{FORMAT}'),
              ('hub_id', gen_random_uuid()::text), ('device_role', '{device_role}')
            ON CONFLICT (key) DO NOTHING""",
        f"""CREATE TABLE IF NOT EXISTS {s}.devices (
              device_id uuid PRIMARY KEY,
              role_name name NOT NULL,
              public_key bytea NOT NULL CHECK (length(public_key) = 32),
              registered_at timestamptz NOT NULL DEFAULT now(),
              head_seq bigint NOT NULL DEFAULT 0,
              head_hash bytea NOT NULL DEFAULT '\\x{'00' * 32}'::bytea,
              last_push_at timestamptz,
              frozen_at timestamptz,
              frozen_reason text)""",
        f"""CREATE TABLE IF NOT EXISTS {s}.entries (
              cursor bigserial PRIMARY KEY,
              device_id uuid NOT NULL REFERENCES {s}.devices,
              seq bigint NOT NULL CHECK (seq > 0),
              prev_hash bytea NOT NULL,
              epoch bigint NOT NULL,
              written_us bigint NOT NULL,
              received_at timestamptz NOT NULL DEFAULT now(),
              entry_hash bytea NOT NULL,
              size integer NOT NULL,
              raw bytea NOT NULL,
              UNIQUE (device_id, seq))""",
        f"""CREATE TABLE IF NOT EXISTS {s}.equivocations (
              id bigserial PRIMARY KEY,
              device_id uuid NOT NULL REFERENCES {s}.devices,
              seq bigint NOT NULL,
              kept_hash bytea,
              offered_hash bytea NOT NULL,
              offered_raw bytea NOT NULL,
              received_at timestamptz NOT NULL DEFAULT now(),
              pushed_by name NOT NULL)""",
        # Enrolment codes (phase 4 of issue 13): only a hash of the code, an expiry and the
        # sealed key material for the new laptop.
        f"""CREATE TABLE IF NOT EXISTS {s}.enrolments (
              code_hash bytea PRIMARY KEY,
              created_at timestamptz NOT NULL DEFAULT now(),
              expires_at timestamptz NOT NULL,
              used_at timestamptz,
              used_by_device uuid,
              sealed bytea NOT NULL)""",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM PUBLIC",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM PUBLIC",
        f"""CREATE OR REPLACE FUNCTION {s}.u32(b bytea) RETURNS bigint
            LANGUAGE sql IMMUTABLE STRICT SET search_path = pg_catalog AS $$
              SELECT (get_byte(b, 0)::bigint << 24) | (get_byte(b, 1) << 16)
                     | (get_byte(b, 2) << 8) | get_byte(b, 3) $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.register_device(p_device uuid, p_public_key bytea)
            RETURNS text LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = {s}, pg_temp AS $$
            DECLARE d devices%ROWTYPE;
            BEGIN
              SELECT * INTO d FROM devices WHERE device_id = p_device;
              IF NOT FOUND THEN
                INSERT INTO devices (device_id, role_name, public_key)
                VALUES (p_device, session_user, p_public_key);
                RETURN 'registered';
              END IF;
              IF d.role_name <> session_user THEN
                {_raise(OTHER_ACCOUNT, OTHER_MESSAGE, 'p_device')}
              END IF;
              IF d.public_key <> p_public_key THEN
                {_raise(KEY_CHANGED, 'Device %s is already registered with another key.',
                        'p_device')}
              END IF;
              RETURN 'known';
            END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.push_entries(p_raws bytea[])
            RETURNS TABLE (seq bigint, status text) LANGUAGE plpgsql SECURITY DEFINER
            SET search_path = {s}, pg_temp AS $$
            DECLARE
              raw bytea; v_device uuid; v_seq bigint; v_prev bytea; v_hash bytea;
              v_kept bytea; d devices%ROWTYPE;
              -- The head of the device being pushed, kept here and written back once per
              -- device and batch (one row version instead of one per entry).
              h_device uuid; h_seq bigint; h_hash bytea; h_moved boolean := false;
            BEGIN
              PERFORM pg_advisory_xact_lock(hashtext('{s}.push'));
              FOREACH raw IN ARRAY p_raws LOOP
                IF raw IS NULL OR length(raw) < 164 OR length(raw) > {ENTRY_LIMIT}
                   OR substring(raw FROM 1 FOR 4) <> '\\x46534531'::bytea THEN
                  {_raise(NOT_AN_ENTRY, 'The hub was sent bytes that are not a sync entry.')}
                END IF;
                v_device := encode(substring(raw FROM 5 FOR 16), 'hex')::uuid;
                v_seq := (u32(substring(raw FROM 21 FOR 4)) << 32)
                         | u32(substring(raw FROM 25 FOR 4));
                v_prev := substring(raw FROM 29 FOR 32);
                IF v_seq < 1 THEN
                  {_raise(NOT_AN_ENTRY, 'The hub was sent an entry with an impossible seq.')}
                END IF;
                v_hash := sha256(raw);
                IF h_device IS DISTINCT FROM v_device THEN
                  IF h_moved THEN
                    UPDATE devices SET head_seq = h_seq, head_hash = h_hash,
                           last_push_at = now() WHERE device_id = h_device;
                    h_moved := false;
                  END IF;
                  SELECT * INTO d FROM devices WHERE device_id = v_device FOR UPDATE;
                  IF NOT FOUND THEN
                    {_raise(UNKNOWN_DEVICE, 'Device %s is not registered on this hub.',
                            'v_device')}
                  END IF;
                  IF d.role_name <> session_user THEN
                    {_raise(OTHER_ACCOUNT, OTHER_MESSAGE, 'v_device')}
                  END IF;
                  IF d.frozen_at IS NOT NULL THEN
                    {_raise(FROZEN, 'Device %s is frozen on the hub since %s (%s); an admin'
                            ' must look at it.', 'v_device', 'd.frozen_at', 'd.frozen_reason')}
                  END IF;
                  h_device := v_device; h_seq := d.head_seq; h_hash := d.head_hash;
                END IF;
                IF v_seq <= h_seq THEN
                  SELECT e.entry_hash INTO v_kept FROM entries e
                   WHERE e.device_id = v_device AND e.seq = v_seq;
                  IF v_kept = v_hash THEN
                    seq := v_seq; status := 'duplicate'; RETURN NEXT; CONTINUE;
                  END IF;
                  INSERT INTO equivocations (device_id, seq, kept_hash, offered_hash,
                                             offered_raw, pushed_by)
                  VALUES (v_device, v_seq, v_kept, v_hash, raw, session_user);
                  UPDATE devices SET frozen_at = now(), frozen_reason = format(
                      'two different entries at seq %s', v_seq),
                      head_seq = h_seq, head_hash = h_hash,
                      last_push_at = CASE WHEN h_moved THEN now() ELSE last_push_at END
                   WHERE device_id = v_device;
                  seq := v_seq; status := 'equivocation'; RETURN NEXT; RETURN;
                END IF;
                IF v_seq <> h_seq + 1 OR v_prev <> h_hash THEN
                  {_raise(OUT_OF_ORDER, "Entry %s of device %s does not follow the hub''s"
                          " head (entry %s).", 'v_seq', 'v_device', 'h_seq')}
                END IF;
                INSERT INTO entries (device_id, seq, prev_hash, epoch, written_us,
                                     entry_hash, size, raw)
                VALUES (v_device, v_seq, v_prev, u32(substring(raw FROM 61 FOR 4)),
                        (u32(substring(raw FROM 65 FOR 4)) << 32)
                          | u32(substring(raw FROM 69 FOR 4)),
                        v_hash, length(raw), raw);
                h_seq := v_seq; h_hash := v_hash; h_moved := true;
                seq := v_seq; status := 'accepted'; RETURN NEXT;
              END LOOP;
              IF h_moved THEN
                UPDATE devices SET head_seq = h_seq, head_hash = h_hash, last_push_at = now()
                 WHERE device_id = h_device;
              END IF;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.pull_entries(p_after bigint, p_limit integer)
            RETURNS TABLE (cursor bigint, raw bytea) LANGUAGE sql STABLE SECURITY DEFINER
            SET search_path = {s}, pg_temp AS $$
              SELECT e.cursor, e.raw FROM entries e WHERE e.cursor > p_after
               ORDER BY e.cursor LIMIT least(greatest(p_limit, 1), 5000) $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.device_heads()
            RETURNS TABLE (device_id uuid, public_key bytea, head_seq bigint, head_hash bytea,
                           frozen boolean)
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {s}, pg_temp AS $$
              SELECT d.device_id, d.public_key, d.head_seq, d.head_hash,
                     d.frozen_at IS NOT NULL FROM devices d ORDER BY d.device_id $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.hub_id() RETURNS text LANGUAGE sql STABLE
            SECURITY DEFINER SET search_path = {s}, pg_temp AS $$
              SELECT value FROM meta WHERE key = 'hub_id' $$""",
        f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {s} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {s} TO {device_role}",
        f"""GRANT EXECUTE ON FUNCTION {s}.register_device(uuid, bytea),
              {s}.push_entries(bytea[]), {s}.pull_entries(bigint, integer),
              {s}.device_heads(), {s}.hub_id() TO {device_role}""",
    ]
