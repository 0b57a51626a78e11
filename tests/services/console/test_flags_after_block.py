"""An open safety flag stays open after the block and can be addressed then, from the end
summary or the participant's record, by a facilitator of the block or a supervisor (issue 10)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from facilitator.clock import FakeClock
from facilitator.services import audit, auth, users
from facilitator.services import console as c
from facilitator.services.errors import PermissionDenied
from facilitator.services.workspace import Workspace
from facilitator.storage.vault import Vault
from tests.conftest import PASSWORD

from .conftest import Clinic, build


@pytest.fixture
def staff(ws: Workspace, vault: Vault, clock: FakeClock) -> Iterator[dict[str, Workspace]]:
    signed: dict[str, Workspace] = {}
    for login, role in (("terry", "therapist"), ("tam", "therapist"), ("sue", "supervisor")):
        users.add_user(ws, users.UserDraft(login, login.title() + " Staff", "LCSW", role),
                       PASSWORD)
        signed[login] = auth.sign_in(vault, clock, login, PASSWORD)
    yield signed
    for other in signed.values():
        other.close()


def _ended_block_with_flag(cl: Clinic, terry: Workspace) -> tuple[int, int]:
    sid = c.open_today_session(terry, cl.group.id).id
    cl.at(9)
    c.start_session(terry, sid)
    c.mark_present(terry, sid, cl.people[0])
    cl.at(10)
    flag = c.raise_flag(terry, sid, cl.people[0], "Said they feel unsafe going home")
    cl.at(12)
    summary = c.end_session(terry, sid)
    assert any("Open safety flag" in line for line in summary.unfinished)
    return sid, flag.id


def test_the_facilitator_addresses_a_flag_after_the_block(
        ws: Workspace, clock: FakeClock, staff: dict[str, Workspace]) -> None:
    cl = build(ws, clock)
    terry = staff["terry"]
    sid, flag_id = _ended_block_with_flag(cl, terry)
    assert [f.id for f in c.participant_open_flags(terry, cl.people[0])] == [flag_id]
    cl.at(12, 10)
    done = c.address_flag(terry, flag_id, "Called the on-call clinician; safety plan reviewed",
                          sid)
    assert not done.open
    assert c.participant_open_flags(terry, cl.people[0]) == []
    assert c.get_session(terry, sid).status == "ended"
    assert not any("Open safety flag" in line for line in c.end_summary(terry, sid).unfinished)


def test_a_supervisor_addresses_it_later_from_the_record(
        ws: Workspace, clock: FakeClock, staff: dict[str, Workspace]) -> None:
    cl = build(ws, clock)
    _sid, flag_id = _ended_block_with_flag(cl, staff["terry"])
    [open_flag] = c.participant_open_flags(staff["sue"], cl.people[0])
    assert open_flag.id == flag_id and open_flag.open
    c.address_flag(staff["sue"], flag_id, "Reached the participant by phone the same evening")
    addressed = [e for e in audit.list_events(ws, limit=50) if e.action.endswith("flag.addressed")]
    assert addressed and addressed[0].login == "sue"
    assert c.participant_open_flags(staff["sue"], cl.people[0]) == []


def test_someone_who_did_not_run_the_block_cannot_address_it(
        ws: Workspace, clock: FakeClock, staff: dict[str, Workspace]) -> None:
    cl = build(ws, clock)
    _sid, flag_id = _ended_block_with_flag(cl, staff["terry"])
    for who in (staff["tam"], ws):  # another therapist; the records admin
        with pytest.raises(PermissionDenied, match="facilitator of the block or a supervisor"):
            c.address_flag(who, flag_id, "Looked at it")
    assert [f.id for f in c.participant_open_flags(staff["sue"], cl.people[0])] == [flag_id]
