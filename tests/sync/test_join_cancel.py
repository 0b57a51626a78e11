"""Cancelling a join half-way, on a real hub: the hidden folder goes, nothing is kept, and what
the join says about the code is true for where it stopped (still good before the hub accepted
it, used up after)."""

from __future__ import annotations

from pathlib import Path

import pytest

from facilitator.services.errors import Cancelled, SyncProblem
from facilitator.services.sync import enrol, join
from facilitator.storage import joining
from tests.conftest import FAST_KDF, PASSWORD
from tests.services.notes.conftest import NotesClinic
from tests.sync.enrolling import a, clinic, nc
from tests.sync.laptops import Clinic, Laptop

__all__ = ["a", "clinic", "nc"]


class StopAt:
    """``should_stop`` that answers True from its ``at``-th question on, noting what the join
    was saying each time it asked."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.asked: list[str] = []
        self.saying = ""

    def progress(self, text: str) -> None:
        self.saying = text

    def __call__(self) -> bool:
        self.asked.append(self.saying)
        return len(self.asked) >= self.at


def _join(clinic: Clinic, name: str, code: str, stop: StopAt | None = None) -> Path:
    vault = clinic.vault(name)
    join.join_clinic(vault.data_dir, clinic.address(), code, clinic.clock,
                     device=vault.device, kdf=FAST_KDF,
                     progress=stop.progress if stop else None, should_stop=stop)
    return vault.data_dir


def _nothing_kept(clinic: Clinic, name: str) -> None:
    target = clinic.tmp / name
    assert not target.exists() and joining.leftovers(target) == []
    assert [p.name for p in target.parent.iterdir() if name in p.name] == []


def test_cancelled_before_the_code_is_redeemed_the_code_still_works(
        clinic: Clinic, a: Laptop) -> None:
    code = enrol.create_code(a.sign_in(), PASSWORD).code
    stop = StopAt(1)
    with pytest.raises(Cancelled, match=r"before the code was used.*still works"):
        _join(clinic, "B", code, stop)
    assert stop.asked == ["Creating this laptop's encrypted database…"]
    _nothing_kept(clinic, "B")
    assert (_join(clinic, "B", code) / "keys.json").exists()  # the same code joins


def test_cancelled_between_pulled_entries_nothing_is_kept_and_the_code_is_used_up(
        clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    a.sync()  # a few entries on the hub: the pull asks between them
    code = enrol.create_code(a.sign_in(), PASSWORD).code
    stop = StopAt(4)  # before redeeming, after it, before the first entry, before the second
    with pytest.raises(Cancelled, match=r"nothing was kept.*used up.*new one"):
        _join(clinic, "B", code, stop)
    pulling = "Pulling the clinic's records (this can take a few minutes)…"
    assert stop.asked[2:] == [pulling, pulling]
    _nothing_kept(clinic, "B")
    with pytest.raises(SyncProblem, match=r"already used|does not accept this code"):
        _join(clinic, "C", code)
    _nothing_kept(clinic, "C")
    assert (_join(clinic, "D", enrol.create_code(a.sign_in(), PASSWORD).code)
            / "facilitator.db").exists()  # a new code joins
