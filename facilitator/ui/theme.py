"""Semantic colours derived from the application palette, so light and dark system themes both
read well, and widgets that follow a change of colour scheme while the app runs.

Widgets ask for *roles* (surface, text, alert, selection…) instead of hex values: a panel that
fixes a white background without also fixing its text colour turns light-on-white under a dark
theme. The palette supplies surface, text and selection; the few colours a palette has no role
for (alert red, caution amber, their tinted backgrounds) come in a light and a dark variant,
picked by the window colour's lightness, each chosen for contrast against its surface.

``follow(widget, apply)`` calls ``apply(theme())`` now and again whenever the colour scheme or
the application palette changes (``QStyleHints.colorSchemeChanged``, ``paletteChanged``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

_Role = QPalette.ColorRole


@dataclass(frozen=True)
class Theme:
    """The colours the UI uses, by meaning; each a ``#rrggbb`` string for style sheets."""

    dark: bool
    window: str  # behind panels (e.g. the attendance board)
    surface: str  # panels, tiles, fields
    surface_dim: str  # a tile of someone not here
    text: str
    text_dim: str  # secondary text, e.g. an absent person's name
    border: str
    selection: str  # the picked tile, panel frames: the palette's highlight
    on_selection: str  # text on ``selection``
    alert: str  # errors, overruns, open safety flags (text)
    alert_surface: str  # background behind an alert
    caution: str  # out of the room, break (text)
    info_surface: str  # background of an information message
    info_text: str
    header_surface: str  # the console header band


def _hex(colour: QColor) -> str:
    return colour.name(QColor.NameFormat.HexRgb)


def _mix(a: QColor, b: QColor, share_of_b: float) -> QColor:
    """``a`` moved ``share_of_b`` of the way to ``b``: tints that stay on the palette's side."""
    def channel(x: int, y: int) -> int:
        return round(x + (y - x) * share_of_b)

    return QColor(channel(a.red(), b.red()), channel(a.green(), b.green()),
                  channel(a.blue(), b.blue()))


def theme(palette: QPalette | None = None) -> Theme:
    """The semantic colours of ``palette`` (default: the application's)."""
    pal = palette if palette is not None else QGuiApplication.palette()
    window, base = pal.color(_Role.Window), pal.color(_Role.Base)
    text = pal.color(_Role.Text)
    dark = window.lightness() < 128
    highlight = pal.color(_Role.Highlight)
    if dark:
        alert, alert_bg, caution = QColor("#ff8a80"), _mix(base, QColor("#b3261e"), 0.35), \
            QColor("#ffcc80")
        info_text, info_bg = QColor("#c2d7ff"), _mix(base, highlight, 0.2)
    else:
        alert, alert_bg, caution = QColor("#8a1c12"), QColor("#fdecea"), QColor("#5b3b00")
        info_text, info_bg = QColor("#123b66"), _mix(base, highlight, 0.12)
    return Theme(
        dark=dark,
        window=_hex(_mix(window, text, 0.06)),
        surface=_hex(base),
        surface_dim=_hex(_mix(base, text, 0.08)),
        text=_hex(text),
        text_dim=_hex(_mix(text, base, 0.35)),
        border=_hex(_mix(base, text, 0.4)),
        selection=_hex(highlight),
        on_selection=_hex(pal.color(_Role.HighlightedText)),
        alert=_hex(alert),
        alert_surface=_hex(alert_bg),
        caution=_hex(caution),
        info_surface=_hex(info_bg),
        info_text=_hex(info_text),
        header_surface=_hex(_mix(window, text, 0.04)),
    )


def panel_style(name: str, t: Theme, *, frame: str | None = None) -> str:
    """A console side panel: surface background *and* text colour, framed in the selection
    colour (or ``frame``), so it reads in either scheme."""
    return (f"#{name} {{ background: {t.surface}; border: 2px solid {frame or t.selection};"
            f" border-radius: 6px; }} #{name} QLabel {{ color: {t.text}; }}")


class _Watcher(QObject):
    """One per application: emits ``changed`` when the colour scheme or the palette changes."""

    changed = Signal()

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        # The scheme signal covers a system switch between light and dark; paletteChanged an
        # application palette set by hand (or by a platform theme without colour schemes).
        app.styleHints().colorSchemeChanged.connect(self.changed)
        app.paletteChanged.connect(self.changed)


_watcher: _Watcher | None = None


def watcher() -> _Watcher:
    global _watcher  # one per process, created with (and parented to) the QApplication
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    if _watcher is None or _watcher.parent() is not app:
        _watcher = _Watcher(app)
    return _watcher


class _Follower(QObject):
    """Lives as the widget's child, so the connection ends with the widget."""

    def __init__(self, widget: QWidget, apply: Callable[[Theme], None]) -> None:
        super().__init__(widget)
        self._apply = apply
        watcher().changed.connect(self._on_changed)

    def _on_changed(self) -> None:
        self._apply(theme())


def follow(widget: QWidget, apply: Callable[[Theme], None]) -> None:
    """``apply(theme())`` now and after every colour-scheme or palette change."""
    apply(theme())
    _Follower(widget, apply)
