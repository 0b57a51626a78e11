"""Records flagged by sync: fields that two laptops changed concurrently. Both values are kept
(``sync_rows``); the record shows the same one on every laptop until someone saves a value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ...models.sync import SyncRow
from ..workspace import Workspace


@dataclass(frozen=True)
class Flagged:
    table: str
    row_key: str
    field: str
    values: tuple[Any, ...]


def flagged(ws: Workspace) -> list[Flagged]:
    """Every field with concurrent values, per record (admins and supervisors)."""
    ws.require("admin", "supervisor")
    out = []
    with ws.read() as s:
        for row in s.scalars(select(SyncRow).where(SyncRow.conflicted).order_by(SyncRow.tbl)):
            for field, heads in sorted(row.fields.items()):
                values = tuple(h[1] for h in heads)
                if len({repr(v) for v in values}) > 1:
                    out.append(Flagged(row.tbl, row.row_key or "", field, values))
    return out
