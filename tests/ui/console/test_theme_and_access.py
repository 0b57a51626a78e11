"""Colours come from the palette (light and dark both read), follow a palette change while the
console is open; the board dims from the stored status; the console's inputs have names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QStyleOptionViewItem,
    QWidget,
)
from pytestqt.qtbot import QtBot

from facilitator.services import console as svc
from facilitator.services.workspace import Workspace
from facilitator.ui.console.board import BoardModel
from facilitator.ui.console.tiles import RawStatusRole, TileDelegate
from facilitator.ui.console.today import TodayPage
from facilitator.ui.theme import Theme, theme

from .conftest import DemoGroup
from .helpers import press, type_keys
from .test_console_panels import console, running_session

Role = QPalette.ColorRole


def dark_palette() -> QPalette:
    """What a dark system theme hands the app: dark window and base, light text."""
    pal = QPalette()
    for role, colour in ((Role.Window, "#202124"), (Role.WindowText, "#e8eaed"),
                         (Role.Base, "#2b2c2f"), (Role.AlternateBase, "#323336"),
                         (Role.Text, "#e8eaed"), (Role.Button, "#303134"),
                         (Role.ButtonText, "#e8eaed"), (Role.Highlight, "#8ab4f8"),
                         (Role.HighlightedText, "#202124"), (Role.PlaceholderText, "#9aa0a6")):
        pal.setColor(role, QColor(colour))
    return pal


@pytest.fixture
def restore_palette(qapp: QApplication) -> Iterator[None]:
    before = QPalette(qapp.palette())
    yield
    qapp.setPalette(before)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    def luminance(hex_colour: str) -> float:
        c = QColor(hex_colour)
        def lin(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_colour_reads_on_its_background(qapp: QApplication, scheme: str) -> None:
    t: Theme = theme(dark_palette() if scheme == "dark" else qapp.style().standardPalette())
    assert t.dark == (scheme == "dark")
    pairs = {"text on surface": (t.text, t.surface), "text on a dim tile": (t.text, t.surface_dim),
             "alert on surface": (t.alert, t.surface),
             "alert on its band": (t.alert, t.alert_surface),
             "caution on surface": (t.caution, t.surface),
             "info on its band": (t.info_text, t.info_surface),
             "text on the header": (t.text, t.header_surface)}
    weak = {name: round(contrast(*pair), 1) for name, pair in pairs.items()
            if contrast(*pair) < 4.5}
    assert weak == {}


def test_open_panels_follow_a_switch_to_dark(qtbot: QtBot, therapist_ws: Workspace,
                                             demo_group: DemoGroup, qapp: QApplication,
                                             restore_palette: None) -> None:
    window = console(qtbot, therapist_ws, running_session(therapist_ws, demo_group))
    light = theme()
    qapp.setPalette(dark_palette())  # what a system switch to dark delivers
    dark = theme()
    assert dark.surface != light.surface
    for panel in (window.jots, window.flags, window.adjust, window.details, window.go_around):
        sheet = panel.styleSheet()
        # Background and text colour both set, both from the dark palette.
        assert dark.surface in sheet and dark.text in sheet, type(panel).__name__
        assert light.surface not in sheet
    assert dark.window in window.board.styleSheet()
    assert dark.header_surface in window.header.styleSheet()


def test_the_board_dims_by_stored_status(qtbot: QtBot, therapist_ws: Workspace,
                                         demo_group: DemoGroup) -> None:
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    first, second = (a.participant_id for a in svc.roster(ws, sid)[:2])
    svc.mark_present(ws, sid, first)
    svc.mark_absent(ws, sid, second)
    state = svc.console_state(ws, sid)
    model = BoardModel(ws.timezone)
    model.set_rows(state.attendance, state.now)
    rows = {model.data(model.index(r), RawStatusRole): r for r in range(model.rowCount())}
    assert {"present", "absent"} <= set(rows)
    delegate = TileDelegate()
    t = theme()

    def tile_colour(row: int) -> str:
        image = QImage(400, 300, QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.black)
        painter = QPainter(image)
        option = QStyleOptionViewItem()
        option.rect = QRect(0, 0, 400, 300)
        delegate.paint(painter, option, model.index(row))
        painter.end()
        return image.pixelColor(200, 295).name()  # tile background, below the text

    assert tile_colour(rows["present"]) == t.surface
    assert tile_colour(rows["absent"]) == t.surface_dim


def _inputs(root: QWidget) -> list[QWidget]:
    # Not the insides of a combo box (its popup is a window of its own) or of a spin box.
    return [w for w in root.findChildren(QWidget)
            if isinstance(w, QLineEdit | QComboBox | QAbstractItemView)
            and w.window() is root.window()
            and not isinstance(w.parent(), QComboBox | QAbstractItemView | QAbstractSpinBox)]


def test_console_inputs_have_accessible_names(qtbot: QtBot, therapist_ws: Workspace,
                                              demo_group: DemoGroup) -> None:
    window = console(qtbot, therapist_ws, running_session(therapist_ws, demo_group))
    page = TodayPage(therapist_ws)
    qtbot.addWidget(page)
    unnamed = [f"{type(w.parent()).__name__}.{type(w).__name__}.{w.objectName()}"
               for root in (window, page) for w in _inputs(root) if not w.accessibleName()]
    assert not unnamed, ", ".join(unnamed)


def test_today_page_tab_order_follows_the_screen(qtbot: QtBot, therapist_ws: Workspace,
                                                 demo_group: DemoGroup) -> None:
    page = TodayPage(therapist_ws)
    qtbot.addWidget(page)
    def next_tab(widget: QWidget) -> QWidget:
        nxt = widget.nextInFocusChain()
        while not nxt.focusPolicy() & Qt.FocusPolicy.TabFocus:  # e.g. the table's viewport
            nxt = nxt.nextInFocusChain()
        return nxt

    assert next_tab(page.table) is page.start_button
    assert next_tab(page.start_button) is page.not_held_button


def test_tab_stays_inside_the_adjust_panel(qtbot: QtBot, therapist_ws: Workspace,
                                           demo_group: DemoGroup) -> None:
    """Tab past the last field once led to the board, where the reason being typed became
    one-key actions (absent, raise a flag). It must go round the panel's fields instead."""
    ws = therapist_ws
    sid = running_session(ws, demo_group)
    window = console(qtbot, ws, sid)
    svc.mark_present(ws, sid, svc.roster(ws, sid)[0].participant_id)
    window.refresh()
    before = svc.actions(ws, sid)
    window.board.select_row(0)
    press(qtbot, window, Qt.Key.Key_E)
    panel = window.adjust
    assert window.focusWidget() is panel.reason
    seen = []
    for _ in range(4):  # reason -> arrived -> departed -> reason -> arrived
        press(qtbot, window, Qt.Key.Key_Tab)
        seen.append(window.focusWidget())
    assert seen == [panel.arrived, panel.departed, panel.reason, panel.arrived]
    press(qtbot, window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert window.focusWidget() is panel.reason
    type_keys(qtbot, window, "Arrived before I marked it")
    assert svc.actions(ws, sid) == before  # nothing reached the board
