"""The walk-in picker (W): type part of a name, Enter adds the highlighted participant.

It lists ``walk_in_candidates`` (this group's members not on the list yet, then active people of
the same program enrolled in another group that day); the console calls ``add_walk_in``, which
marks them arrived now. Inline, never a dialog.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from facilitator.services.console.dto import WalkInCandidate

from .picker import PickerPanel, PickItem


class WalkInPanel(PickerPanel):
    """``chosen`` carries the participant id to add."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Add a walk-in"),
            self.tr("Type part of a name or a chart ID"),
            self.tr("↑/↓ choose · Enter adds and marks them arrived now · Esc closes"),
            parent=parent)

    def begin_with(self, candidates: list[WalkInCandidate]) -> None:
        items = [PickItem(c.participant_id, c.display_name, self._detail(c)) for c in candidates]
        self.begin(items)
        if not items:
            self.show_problem(self.tr("Nobody else can join today: walk-ins must be enrolled "
                                      "on this date in this group or, if active, in another "
                                      "group of the same program."))

    def _detail(self, c: WalkInCandidate) -> str:
        where = (self.tr("in this group, not on today's list") if c.in_this_group
                 else self.tr("usually in {group}").format(group=c.group_name))
        return f"{c.chart_id} · {where}"
