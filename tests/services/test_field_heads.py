"""``sync_rows.fields`` stored compactly when one change wrote every field (models.sync.FieldHeads),
as written otherwise, and read back the same either way, rows stored before the compact form
included."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from facilitator.models.sync import FieldHeads, SyncRow
from facilitator.services.workspace import Workspace

ONE = "01a236cf-af12-766f-9088-17594f62cbc2"
TWO = "01a236cf-af12-766f-9088-17594f62cbc3"

CASES = {
    "one change wrote every field": {"status": [[ONE, "present"]], "minutes": [[ONE, 168]],
                                     "walk_in": [[ONE, False]], "left": [[ONE, None]]},
    "two changes": {"status": [[ONE, "present"]], "minutes": [[TWO, 120]]},
    "two heads of a field (a conflict)": {"status": [[ONE, "present"], [TWO, "absent"]]},
    "a head that superseded others": {"status": [[TWO, "late", [ONE]]]},
    "a value that is itself a list": {"tags": [[ONE, ["a", "b"]]], "note": [[ONE, "x"]]},
    "a deleted row's empty fields": {},
}


def _stored(ws: Workspace, gid: str) -> object:
    with ws.read() as s:
        return json.loads(s.scalar(text("SELECT fields FROM sync_rows WHERE gid = :g"),
                                   {"g": gid}))


@pytest.mark.parametrize("name", list(CASES))
def test_fields_read_back_as_they_were_given(ws: Workspace, name: str) -> None:
    fields = CASES[name]
    with ws.transaction() as s:
        s.add(SyncRow(gid="g-1", tbl="attendance", row_key="1", fields=fields))
    with ws.read() as s:
        assert s.scalar(select(SyncRow.fields).where(SyncRow.gid == "g-1")) == fields


def test_one_change_for_every_field_is_stored_once(ws: Workspace) -> None:
    with ws.transaction() as s:
        s.add(SyncRow(gid="g-1", tbl="attendance", row_key="1",
                      fields=CASES["one change wrote every field"]))
        s.add(SyncRow(gid="g-2", tbl="attendance", row_key="2", fields=CASES["two changes"]))
    assert _stored(ws, "g-1") == {"": ONE, "status": "present", "minutes": 168,
                                  "walk_in": False, "left": None}
    assert _stored(ws, "g-2") == CASES["two changes"]  # as written


def test_rows_stored_before_the_compact_form_read_as_they_were(ws: Workspace) -> None:
    fields = CASES["one change wrote every field"]
    with ws.transaction() as s:
        s.execute(text("INSERT INTO sync_rows (gid, tbl, row_key, fields, conflicted)"
                       " VALUES ('g-1', 'attendance', '1', :f, 0)"), {"f": json.dumps(fields)})
    with ws.read() as s:
        assert s.get(SyncRow, "g-1").fields == fields


def test_heads_given_in_their_stored_form_are_stored_so(ws: Workspace) -> None:
    """What a first pull hands the bulk writer (``FieldHeads.one_change``) is stored and read
    back exactly as the heads it stands for."""
    fields = CASES["one change wrote every field"]
    values = {column: heads[0][1] for column, heads in fields.items()}
    with ws.transaction() as s:
        s.add(SyncRow(gid="g-1", tbl="attendance", row_key="1",
                      fields=FieldHeads.one_change(ONE, values)))
        s.add(SyncRow(gid="g-2", tbl="attendance", row_key="2",
                      fields=FieldHeads.one_change(ONE, {})))
    assert _stored(ws, "g-1") == {"": ONE, **values}
    with ws.read() as s:
        assert s.get(SyncRow, "g-1").fields == fields
        assert s.get(SyncRow, "g-2").fields == {}
