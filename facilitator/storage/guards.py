"""The triggers that make records append-only or immutable in the database itself.

One registry, so ``verify`` can tell a guard that was dropped or altered (someone with the key
and a SQL shell) from one that is in place, and migrations that rebuild a guarded table re-create
exactly the same text. SQLite keeps each trigger's CREATE statement verbatim in
``sqlite_master``; comparison ignores whitespace only.

Each guard also has a PostgreSQL form (a clinic may keep its record there): a PL/pgSQL function
and a trigger that calls it, same name, same refusal message (``create_sql``/``drop_sql`` pick
the form by dialect; ``pg_problems`` is ``problems`` read from PostgreSQL's catalogue).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Guard:
    name: str
    table: str
    verb: str  # "UPDATE" or "DELETE"
    message: str

    def sql(self) -> str:
        return (f"CREATE TRIGGER {self.name}\nBEFORE {self.verb} ON {self.table}\nBEGIN\n"
                f"    SELECT RAISE(ABORT, '{self.message}');\nEND")

    def pg_sql(self) -> tuple[str, str]:
        return pg_forms(self.name, "BEFORE", self.verb, self.table, "",
                        f"RAISE EXCEPTION '{self.message}';")


@dataclass(frozen=True)
class ExactGuard:
    """A guard given by its whole CREATE statement (conditions, several verbs)."""

    name: str
    table: str
    create: str
    pg: tuple[str, str] = ("", "")  # its PostgreSQL form (``pg_forms``)

    def sql(self) -> str:
        return self.create

    def pg_sql(self) -> tuple[str, str]:
        return self.pg


def pg_forms(name: str, timing: str, event: str, table: str, condition: str, action: str
             ) -> tuple[str, str]:
    """A trigger's PostgreSQL form: its function, then the trigger. PostgreSQL allows no
    subquery in a trigger's WHEN, so the condition moves into the function; a BEFORE trigger
    must hand the row back, or the statement would silently skip it."""
    result = "NULL" if timing == "AFTER" else ("OLD" if event.startswith("DELETE") else "NEW")
    body = f"IF {condition} THEN {action} END IF;" if condition else action
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}"
            f" RETURN {result}; END $$",
            f"CREATE TRIGGER {name} {timing} {event} ON {table} FOR EACH ROW"
            f" EXECUTE FUNCTION {name}()")


def create_sql(guard: Guard | ExactGuard, dialect: str) -> list[str]:
    """The statements that put ``guard`` in place on this dialect."""
    if dialect == "postgresql":
        return list(guard.pg_sql())
    return [guard.sql()]


def drop_sql(guard: Guard | ExactGuard, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {guard.name} ON {guard.table}",
                f"DROP FUNCTION IF EXISTS {guard.name}()"]
    return [f"DROP TRIGGER IF EXISTS {guard.name}"]


# -- progress notes (migration 0006): signed content and the facts it states ------------------
# A participant's note in a session is signed when any of its revisions carries a signature time.
def _signed(session: str, participant: str) -> str:
    return (f"EXISTS (SELECT 1 FROM progress_notes n JOIN note_revisions r ON r.note_id = n.id"
            f" WHERE n.session_id = {session} AND n.participant_id = {participant}"
            f" AND r.signed_at IS NOT NULL)")


def _any_signed(session: str) -> str:
    return (f"EXISTS (SELECT 1 FROM progress_notes n JOIN note_revisions r ON r.note_id = n.id"
            f" WHERE n.session_id = {session} AND r.signed_at IS NOT NULL)")


def _trigger(name: str, when: str, table: str, condition: str, message: str) -> ExactGuard:
    where = f" WHEN {condition}" if condition else ""
    return ExactGuard(name, table, f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH ROW"
                      f"{where} BEGIN SELECT RAISE(ABORT, 'facilitator: signed {message}'); END",
                      pg_forms(name, "BEFORE", when, table, condition,
                               f"RAISE EXCEPTION 'facilitator: signed {message}';"))


_REVISION_SIGNED = "(SELECT signed_at FROM note_revisions WHERE id = {row}.revision_id) IS NOT NULL"
_ATT = "(SELECT {col} FROM attendance WHERE id = {row}.attendance_id)"
_SPECS = [
    # Signed content itself.
    ("note_revisions_signed_no_update", "UPDATE", "note_revisions", "OLD.signed_at IS NOT NULL",
     "note revisions cannot change"),
    ("note_revisions_signed_no_delete", "DELETE", "note_revisions", "OLD.signed_at IS NOT NULL",
     "note revisions cannot change"),
    ("note_goal_links_signed_no_insert", "INSERT", "note_goal_links",
     _REVISION_SIGNED.format(row="NEW"), "note revisions cannot change"),
    ("note_goal_links_signed_no_update", "UPDATE", "note_goal_links",
     _REVISION_SIGNED.format(row="OLD"), "note revisions cannot change"),
    ("note_goal_links_signed_no_delete", "DELETE", "note_goal_links",
     _REVISION_SIGNED.format(row="OLD"), "note revisions cannot change"),
]
for _table, _what in (("signatures", "signatures"), ("note_addenda", "addenda"),
                      ("note_reviews", "reviews"), ("disclosures", "disclosure records")):
    for _verb in ("UPDATE", "DELETE"):
        _SPECS.append((f"{_table}_no_{_verb.lower()}", _verb, _table, "",
                       f"{_what} cannot change"))
# The facts a signed note states.
for _verb in ("UPDATE", "DELETE"):
    _SPECS.append((f"attendance_signed_no_{_verb.lower()}", _verb, "attendance",
                   _signed("OLD.session_id", "OLD.participant_id"), "note: facts locked"))
for _verb, _row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
    _SPECS.append((f"out_of_room_signed_no_{_verb.lower()}", _verb, "out_of_room",
                   _signed(_ATT.format(col="session_id", row=_row),
                           _ATT.format(col="participant_id", row=_row)), "note: facts locked"))
    _SPECS.append((f"form_responses_signed_no_{_verb.lower()}", _verb, "form_responses",
                   f"{_row}.session_id IS NOT NULL AND "
                   + _signed(f"{_row}.session_id", f"{_row}.participant_id"),
                   "note: facts locked"))
    _SPECS.append((f"segments_signed_no_{_verb.lower()}",
                   "UPDATE OF kind, actual_start, actual_end, skipped, topic_text,"
                   " topic_version_id" if _verb == "UPDATE" else _verb,
                   "segments", _any_signed(f"{_row}.session_id"), "note: facts locked"))
    if _verb != "UPDATE":
        for _table in ("topic_deliveries", "session_facilitators"):
            _SPECS.append((f"{_table}_signed_no_{_verb.lower()}", _verb, _table,
                           _any_signed(f"{_row}.session_id"), "note: facts locked"))
_SPECS.append(("group_sessions_signed_no_update",
               "UPDATE OF status, planned_start, planned_end, actual_start, actual_end, modality,"
               " location, lead_facilitator_id", "group_sessions", _any_signed("OLD.id"),
               "note: facts locked"))

SIGNED_GUARDS: tuple[ExactGuard, ...] = tuple(_trigger(*spec) for spec in _SPECS)

PEER_AUDIT_GUARDS: tuple[Guard, ...] = (
    Guard("peer_audit_events_no_update", "peer_audit_events", "UPDATE",
          "travelled audit events are append-only"),
    Guard("peer_audit_events_no_delete", "peer_audit_events", "DELETE",
          "travelled audit events are append-only"),
)

GUARDS: tuple[Guard | ExactGuard, ...] = (
    Guard("audit_events_no_update", "audit_events", "UPDATE", "the audit log is append-only"),
    Guard("audit_events_no_delete", "audit_events", "DELETE", "the audit log is append-only"),
    Guard("topic_versions_no_update", "topic_versions", "UPDATE",
          "topic versions are immutable; add a new version"),
    *SIGNED_GUARDS,
    # Other devices' audit events (migration 0009): kept as they were hashed, never edited.
    *PEER_AUDIT_GUARDS,
)


@contextlib.contextmanager
def lifted(connection: Any, name: str) -> Iterator[None]:
    """One guard of the laptop's SQLite database set aside for the statements run inside, and
    put back from the registry after them, in the caller's transaction: no other connection
    ever sees it missing, and ``verify`` finds exactly the registered text again. Only for
    sync placing signed rows (a goal link arriving after its signed revision, a signed
    revision numbered anew, ``services.sync``), never for edits."""
    guard = next(g for g in GUARDS if g.name == name)
    connection.exec_driver_sql(f"DROP TRIGGER {guard.name}")
    try:
        yield
    finally:
        connection.exec_driver_sql(guard.sql())


def all_guards() -> tuple[Guard | ExactGuard, ...]:
    """The guards above and sync's change-capture triggers (migration 0008): a dropped capture
    trigger would silently keep a table's changes off the other laptops."""
    from .sync_capture import CAPTURE_TRIGGERS

    return (*GUARDS, *CAPTURE_TRIGGERS)


def normalised(sql: str | None) -> str:
    return " ".join((sql or "").split())


def _pg_text(guard: Guard | ExactGuard) -> str:
    """What ``pg_problems`` reads back for a guard: the trigger, then its function's body."""
    function, trigger = guard.pg_sql()
    return f"{trigger} {function.split('$$')[1]}"


def pg_problems(connection: Any) -> list[str]:
    """``problems`` of a PostgreSQL database, given a SQLAlchemy connection to it."""
    from sqlalchemy import text

    found = connection.execute(text(
        "SELECT t.tgname, pg_get_triggerdef(t.oid), p.prosrc FROM pg_trigger t"
        " JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal")).all()
    # pg_get_triggerdef names the table with its schema and quotes keywords ("position"); the
    # registry does neither.
    triggers = {name: definition.replace(" ON public.", " ON ").replace('"', "") + " " + source
                for name, definition, source in found}
    tables = set(connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
    return problems(triggers, tables, dialect="postgresql")


def problems(triggers: dict[str, str | None], tables: set[str], dialect: str = "sqlite"
             ) -> list[str]:
    """Each missing or altered guard, given ``{name: sql}`` of the database's triggers and its
    table names (a database older than the guard's table has nothing to guard yet)."""
    found = []
    for guard in all_guards():
        if guard.table not in tables:
            continue
        if guard.name.startswith("sync_capture_") and "sync_dirty" not in tables:
            continue  # a database from before migration 0008
        if guard.name not in triggers:
            found.append(f"the protective trigger {guard.name} is missing")
        elif normalised(triggers[guard.name]) != normalised(
                _pg_text(guard) if dialect == "postgresql" else guard.sql()):
            found.append(f"the protective trigger {guard.name} was altered")
    return found
