"""A broken form file is named on the Today page, and the other forms keep working."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from facilitator.forms import default_forms_path
from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.ui.console.today import TodayPage

from .conftest import DemoGroup


@pytest.fixture
def broken_forms(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "forms"
    shutil.copytree(default_forms_path(), folder)
    checkout = json.loads((folder / "checkout.json").read_text("utf-8"))
    checkout["item"][0]["type"] = "slider"
    (folder / "checkout.json").write_text(json.dumps(checkout), "utf-8")
    yield folder
    svc.reload_forms()  # back to the shipped folder for every other test


def test_broken_form_file_is_named_and_the_rest_works(qtbot: QtBot, therapist_ws: Workspace,
                                                      demo_group: DemoGroup,
                                                      broken_forms: Path) -> None:
    catalog = svc.reload_forms(broken_forms)
    assert "checkin" in catalog.forms and "checkout" not in catalog.forms
    page = TodayPage(therapist_ws)
    qtbot.addWidget(page)
    page.show()
    assert page.forms_problem.isVisible()
    text = page.forms_problem.text()
    assert "checkout.json" in text and "slider" in text and "works without it" in text
    svc.reload_forms()
    page.refresh()
    assert not page.forms_problem.isVisible()
