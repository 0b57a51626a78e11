"""Fifteen participants fit the console at 1280×720 without scrolling, names whole (issue 10)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QSize
from pytestqt.qtbot import QtBot

from facilitator.services import console as svc
from facilitator.services import programs, roster
from facilitator.services.workspace import Workspace

from .conftest import DemoGroup
from .helpers import process_events
from .test_console_panels import console, running_session

EXTRA = ("Bellamy Demoforth-Whitacre", "Harper Inventedsworth", "Ash Storybrook",
         "Emery Madeupson", "Sage Notreal", "Quinn Placeholt", "Morgan Examplar",
         "Reese Pretendo", "Sky Testwell", "Lou Fabricant", "Blake Imaginary")


@pytest.mark.parametrize("size", [QSize(1280, 720), QSize(1920, 1080)])
def test_fifteen_tiles_fit_without_scrolling_and_names_are_whole(
        qtbot: QtBot, therapist_ws: Workspace, ws: Workspace, demo_group: DemoGroup,
        size: QSize) -> None:
    [program] = programs.list_programs(ws)
    for n, name in enumerate(EXTRA, 10):
        p = roster.add_participant(ws, roster.ParticipantDraft(
            f"T-{n:03d}", name, date(2026, 2, 1), program_id=program.id))
        roster.enroll(ws, p.id, demo_group.group_id, date(2026, 2, 2))
    sid = running_session(therapist_ws, demo_group)
    svc.raise_flag(therapist_ws, sid, demo_group.participant_ids[0], "Observed distress")
    window = console(qtbot, therapist_ws, sid)
    window.resize(size)
    qtbot.waitUntil(lambda: window.size() == size)
    process_events()
    board = window.board
    model = board.model()
    assert model.rowCount() == 15
    assert board.verticalScrollBar().maximum() == 0
    viewport = board.viewport().rect()
    tiles = board.tiles
    room = tiles.name_width(tiles.tile_width)
    for row in range(15):
        assert viewport.contains(board.visualRect(model.index(row, 0)))
        name = model.index(row, 0).data()
        shown = tiles.split_name(name, room)
        assert "".join(shown).replace(" ", "") == name.replace(" ", ""), shown
        assert len(shown) <= tiles.name_lines
