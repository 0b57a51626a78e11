"""The triggers that make records append-only or immutable in the database itself.

One registry, so ``verify`` can tell a guard that was dropped or altered (someone with the key
and a SQL shell) from one that is in place, and migrations that rebuild a guarded table re-create
exactly the same text. SQLite keeps each trigger's CREATE statement verbatim in
``sqlite_master``; comparison ignores whitespace only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guard:
    name: str
    table: str
    verb: str  # "UPDATE" or "DELETE"
    message: str

    def sql(self) -> str:
        return (f"CREATE TRIGGER {self.name}\nBEFORE {self.verb} ON {self.table}\nBEGIN\n"
                f"    SELECT RAISE(ABORT, '{self.message}');\nEND")


GUARDS = (
    Guard("audit_events_no_update", "audit_events", "UPDATE", "the audit log is append-only"),
    Guard("audit_events_no_delete", "audit_events", "DELETE", "the audit log is append-only"),
    Guard("topic_versions_no_update", "topic_versions", "UPDATE",
          "topic versions are immutable; add a new version"),
)


def normalised(sql: str | None) -> str:
    return " ".join((sql or "").split())


def problems(triggers: dict[str, str | None], tables: set[str]) -> list[str]:
    """Each missing or altered guard, given ``{name: sql}`` of the database's triggers and its
    table names (a database older than the guard's table has nothing to guard yet)."""
    found = []
    for guard in GUARDS:
        if guard.table not in tables:
            continue
        if guard.name not in triggers:
            found.append(f"the protective trigger {guard.name} is missing")
        elif normalised(triggers[guard.name]) != normalised(guard.sql()):
            found.append(f"the protective trigger {guard.name} was altered")
    return found
