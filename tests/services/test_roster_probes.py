"""Dates checked against the clinic's today, and broken characters refused with a message
(issue 10: bad-input probes of the roster service)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from facilitator.services import roster
from facilitator.services.errors import NeedsConfirmation, ValidationError
from facilitator.services.workspace import Workspace

from .test_roster import draft


def test_a_date_of_birth_after_today_is_refused(ws: Workspace) -> None:
    today = ws.today()
    with pytest.raises(ValidationError) as err:
        roster.add_participant(ws, draft("C-1", "Pat Example", admission_date=today,
                                         date_of_birth=today + timedelta(days=1)))
    assert "after today" in err.value.fields["date_of_birth"]
    assert roster.list_participants(ws) == []
    roster.add_participant(ws, draft("C-1", "Pat Example", admission_date=today,
                                     date_of_birth=today - timedelta(days=1)))


def test_an_admission_far_ahead_needs_confirming(ws: Workspace) -> None:
    today = ws.today()
    soon = draft("C-1", "Pat Example", admission_date=today + timedelta(days=14))
    roster.add_participant(ws, soon)  # next fortnight: an ordinary planned admission
    far = draft("C-2", "Lee Example", admission_date=today.replace(year=2099))
    with pytest.raises(NeedsConfirmation) as err:
        roster.add_participant(ws, far)
    assert "2099" in err.value.fields["admission_date"]
    assert [p.chart_id for p in roster.list_participants(ws)] == ["C-1"]
    saved = roster.add_participant(ws, far, confirm_admission=True)
    with pytest.raises(NeedsConfirmation):
        roster.update_participant(ws, saved.id, far)


@pytest.mark.parametrize("field", ["legal_name", "preferred_name", "chart_id"])
def test_a_lone_surrogate_is_a_validation_message(ws: Workspace, field: str) -> None:
    broken = "Pat \ud83c Example"  # half of an emoji, as a bad paste leaves it
    values = {"chart_id": "C-1", "legal_name": "Pat Example", field: broken}
    with pytest.raises(ValidationError) as err:
        roster.add_participant(ws, draft(values.pop("chart_id"), values.pop("legal_name"),
                                         **values))
    assert "broken character" in err.value.fields[field]
    assert roster.list_participants(ws) == []
