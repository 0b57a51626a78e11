"""A canonical dump of the synced record: every synced row with its global id, references as
global ids, no local keys, sorted. Two laptops that hold the same record produce equal dumps,
whatever local integer keys their rows got."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...storage.sync_capture import SYNCED
from ..workspace import Workspace
from . import rows


def canonical_dump(ws: Workspace) -> dict[str, list[dict[str, Any]]]:
    """The synced record of this laptop (rows changed since the last sync have no global id
    yet: call it after a sync)."""
    out: dict[str, list[dict[str, Any]]] = {}
    with ws.read() as s:
        gids = rows.GidCache(s)
        for name in SYNCED:
            found = []
            for row in s.execute(select(rows.table(name))).mappings():
                values = dict(row)
                found.append({"gid": gids(name, rows.key_of(name, values)),
                              **rows.encode_row(gids, name, values)})
            out[name] = sorted(found, key=lambda r: r["gid"])
    return out
