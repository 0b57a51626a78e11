"""The participant form asks about an admission far ahead and keeps what was typed; a second
Save confirms it (issue 10)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from facilitator.services import roster
from facilitator.services.workspace import Workspace
from facilitator.ui.main_window import MainWindow

from .test_roster_window import clinic_data, main, open_form, roster_page

__all__ = ["clinic_data", "main"]  # the fixtures, re-used


def test_admission_in_2099_is_asked_about_then_kept(qtbot: QtBot, main: MainWindow,
                                                     ws: Workspace) -> None:
    page = roster_page(main)
    form = open_form(qtbot, page)
    qtbot.keyClicks(form.chart_id, "C-300")
    qtbot.keyClicks(form.legal_name, "Morgan Placeholder")
    form.admission_date.setDate(QDate(2099, 1, 5))
    save = form.buttons.button(form.buttons.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert page.form is form and form.isVisible()
    assert "days ahead" in form.errors.labels["admission_date"].text()
    assert "C-300" not in {p.chart_id for p in roster.list_participants(ws)}
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    [saved] = [p for p in roster.list_participants(ws) if p.chart_id == "C-300"]
    assert saved.admission_date == date(2099, 1, 5)
