"""Edits made on a laptop while its round pulls (the live console's): a slice seals them before
a pulled change reaches their records, so two edits of one field still become a conflict; an
edit no pulled change reaches is sealed once, after the last slice, and leaves with the round.
The console waiting for a slice then never waits for a seal it did not need."""

from __future__ import annotations

from typing import Any

import pytest

from facilitator.services import roster
from facilitator.services.sync import conflicts, pull
from facilitator.services.workspace import Workspace
from tests.services.notes.conftest import NotesClinic, nc
from tests.sync.laptops import Clinic, Laptop
from tests.sync.test_converge import _pid, _preferred, clinic

__all__ = ["clinic", "nc"]


def _edit_once_the_pull_waits(monkeypatch: pytest.MonkeyPatch, ws: Workspace,
                              edit: Any) -> tuple[list[int], list[int]]:
    """``edit()`` runs when the pull first waits for a quiet moment: after the round sealed,
    before any slice. Returns the slices begun (one 1 each) and their count at each seal."""
    real_wait, edits = ws.db.turns.wait_for_quiet, []

    def waiting(longest: float) -> bool:
        if not edits:
            edits.append(edit())
        return real_wait(longest)

    monkeypatch.setattr(ws.db.turns, "wait_for_quiet", waiting)
    monkeypatch.setattr(pull, "APPLY_SLICE_S", 0.0)  # a slice per step: many of them
    slices, seals = [], []
    real_slice, real_seal = pull._slice, pull.seal_local
    monkeypatch.setattr(pull, "_slice", lambda *a: slices.append(1) or real_slice(*a))
    monkeypatch.setattr(pull, "seal_local",
                        lambda *a: seals.append(len(slices)) or real_seal(*a))
    return slices, seals


def _renamed_on_a(a: Laptop, nc: NotesClinic, charts: list[str], name: str) -> None:
    for chart in charts:
        _preferred(a.sign_in(), _pid(a, chart), name)
    a.sync()
    nc.clock.advance(seconds=60)


def test_an_edit_no_pulled_change_reaches_is_sealed_once_after_the_last_slice(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = clinic.in_step(nc.vault)
    _renamed_on_a(a, nc, ["N-1", "N-2", "N-3"], "Dee A")
    ws = b.sign_in()
    slices, seals = _edit_once_the_pull_waits(
        monkeypatch, ws, lambda: _preferred(ws, _pid(b, "N-4"), "Dee B"))
    report = b.sync()
    assert report.applied == 3
    assert len(slices) >= 4  # a check, then a change per slice
    assert seals == [len(slices)]  # one seal, after the last slice
    assert report.pushed == 1  # the edit left with this very round
    monkeypatch.undo()
    a.sync()
    assert roster.get_participant(a.sign_in(), _pid(a, "N-4")).preferred_name == "Dee B"
    assert a.dump() == b.dump()


@pytest.mark.parametrize("caught_by", ["the entry's check", "the slice's last check"])
def test_an_edit_a_pulled_change_reaches_is_sealed_first_and_both_values_are_kept(
        clinic: Clinic, nc: NotesClinic, monkeypatch: pytest.MonkeyPatch,
        caught_by: str) -> None:
    a, b = clinic.in_step(nc.vault)
    _renamed_on_a(a, nc, ["N-4"], "Dee A")
    ws = b.sign_in()
    slices, seals = _edit_once_the_pull_waits(
        monkeypatch, ws, lambda: _preferred(ws, _pid(b, "N-4"), "Dee B"))
    if caught_by == "the slice's last check":
        # The entry's check misses it: the slice that wrote the record is rolled back and
        # applied again after a seal.
        monkeypatch.setattr(pull._Unsealed, "touched_by", lambda self, changes: False)
    assert b.sync().applied == 1
    assert len(seals) == 1 and seals[0] < len(slices)  # by a slice, before the change
    monkeypatch.undo()
    a.sync(), b.sync()
    assert a.dump() == b.dump()
    [record] = conflicts.flagged(a.sign_in())
    assert (record.table, record.field) == ("participants", "preferred_name")
    assert sorted(record.values) == ["Dee A", "Dee B"]
