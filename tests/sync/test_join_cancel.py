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


def _account(clinic: Clinic, login: str) -> tuple[bool, bool, list[str | None], bool]:
    """(may log in, is a device, its devices' frozen reasons, its enrolment withdrawn)."""
    with clinic.cluster.admin(clinic.hub_db) as conn:
        can_login, member = conn.execute(
            "SELECT rolcanlogin, pg_has_role(oid, 'facilitator_device', 'MEMBER')"
            " FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
        reasons = [r for (r,) in conn.execute(
            "SELECT frozen_reason FROM facilitator_hub.devices WHERE role_name = %s",
            (login,))]
        withdrawn = conn.execute("SELECT withdrawn_at IS NOT NULL FROM"
                                 " facilitator_hub.enrolments WHERE role_name = %s",
                                 (login,)).fetchone()
    return can_login, member, reasons, bool(withdrawn and withdrawn[0])


def test_a_join_cancelled_after_the_hub_accepted_the_code_disables_its_account(
        clinic: Clinic, a: Laptop, nc: NotesClinic) -> None:
    from facilitator.storage.hub import admin
    from facilitator.storage.hub.client import HubError
    from facilitator.sync import enrolment as code_format

    a.sync()
    code = enrol.create_code(a.sign_in(), PASSWORD).code
    login = code_format.derive(code).hub_login
    with pytest.raises(Cancelled, match=r"used up.*account the code made was disabled again"):
        _join(clinic, "B", code, StopAt(4))  # in the pull: its device is registered
    _nothing_kept(clinic, "B")
    assert _account(clinic, login) == (False, False, ["join withdrawn"], True)
    [device] = [d for d in admin.status(clinic.cluster.dsn(clinic.hub_db)).devices
                if d.account == login]
    assert device.frozen_reason == "join withdrawn"
    with pytest.raises(HubError, match="stays frozen"):
        admin.unfreeze(clinic.cluster.dsn(clinic.hub_db), device.device_id)
    a.sync()  # the others still sync, and took the withdrawn device's first entry


def test_a_join_that_fails_after_the_hub_accepted_the_code_disables_its_account(
        clinic: Clinic, a: Laptop) -> None:
    from facilitator.sync import enrolment as code_format

    code = enrol.create_code(a.sign_in(), PASSWORD).code

    def full_disk() -> bool:
        if stop():
            raise OSError("No space left on device")
        return False

    stop = StopAt(2)  # right after redeeming
    vault = clinic.vault("B")
    with pytest.raises(SyncProblem, match=r"could not be set up.*No space left.*disabled"
                                          r" again"):
        join.join_clinic(vault.data_dir, clinic.address(), code, clinic.clock,
                         device=vault.device, kdf=FAST_KDF, should_stop=full_disk)
    _nothing_kept(clinic, "B")
    assert _account(clinic, code_format.derive(code).hub_login) == (False, False, [], True)


def test_ctrl_c_in_the_cli_is_a_cancel_that_says_what_became_of_the_account(
        clinic: Clinic, a: Laptop) -> None:
    from facilitator.sync import enrolment as code_format

    code = enrol.create_code(a.sign_in(), PASSWORD).code

    def interrupted() -> bool:
        if stop():
            raise KeyboardInterrupt
        return False

    stop = StopAt(2)  # right after redeeming
    vault = clinic.vault("B")
    with pytest.raises(Cancelled, match=r"used up.*disabled again"):
        join.join_clinic(vault.data_dir, clinic.address(), code, clinic.clock,
                         device=vault.device, kdf=FAST_KDF, should_stop=interrupted)
    _nothing_kept(clinic, "B")
    assert _account(clinic, code_format.derive(code).hub_login) == (False, False, [], True)


def test_a_hub_from_before_withdrawal_names_the_account_for_its_admin(
        clinic: Clinic, a: Laptop) -> None:
    """A hub set up before ``withdraw_enrolment`` existed cannot disable the account: the
    message names it for ``hub remove-laptop``; ``hub init`` run again adds the function."""
    from facilitator.storage.hub import admin
    from facilitator.sync import enrolment as code_format

    with clinic.cluster.admin(clinic.hub_db) as conn:
        conn.execute("DROP FUNCTION facilitator_hub.withdraw_enrolment()")
        conn.execute("ALTER TABLE facilitator_hub.enrolments DROP COLUMN withdrawn_at")
    code = enrol.create_code(a.sign_in(), PASSWORD).code
    login = code_format.derive(code).hub_login
    with pytest.raises(Cancelled, match=rf"could not be disabled from here.*'hub"
                                        rf" remove-laptop --name {login}'"):
        _join(clinic, "B", code, StopAt(2))
    with clinic.cluster.admin(clinic.hub_db) as conn:
        assert conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s",
                            (login,)).fetchone() == (True,)
    admin.init(clinic.cluster.dsn(clinic.hub_db))
    assert _account(clinic, login) == (True, True, [], False)
    other = enrol.create_code(a.sign_in(), PASSWORD).code
    with pytest.raises(Cancelled, match="disabled again"):
        _join(clinic, "C", other, StopAt(2))
    assert _account(clinic, code_format.derive(other).hub_login) == (False, False, [], True)


def test_only_the_account_of_a_redeemed_code_can_withdraw_itself(
        clinic: Clinic, a: Laptop) -> None:
    """A laptop's ordinary account is refused (a bug or a stolen laptop cannot switch off
    another laptop's sync), and nothing changes for it."""
    from facilitator.storage.hub import enrolment as hub_enrolment
    from facilitator.storage.hub.client import HubClient

    with HubClient(a.dsn) as hub, pytest.raises(hub_enrolment.EnrolmentRefused,
                                                match="redeemed enrolment code"):
        hub_enrolment.withdraw(hub)
    a.sync()
