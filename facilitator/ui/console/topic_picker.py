"""The topic picker (T in the segments panel): the planned topic, then suggestions, then the
library, filtered as you type; free text when no library topic fits.

Enter on the first row accepts the planned topic: one key. The console records a library topic
with ``deliver_topic`` (the curriculum's delivery record plus the segment's topic) and free text
with ``set_segment_topic``. Inline, never a dialog.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from facilitator.services.console.dto import TopicChoice

from .picker import PickerPanel, PickItem
from .style import ICON_PLANNED

FREE_TEXT = "\0free-text"  # the key of the "use what I typed" row


class TopicPickerPanel(PickerPanel):
    """``chosen`` carries a topic key, or ``FREE_TEXT`` (then read ``typed()``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Topic for this segment"),
            self.tr("Type to search the library, or type your own topic"),
            self.tr("↑/↓ choose · Enter records it as taught · Esc back to the segments"),
            filter_locally=False, parent=parent)
        self.segment_id: int | None = None

    def begin_for(self, segment_id: int, title: str, choices: list[TopicChoice]) -> None:
        self.segment_id = segment_id
        self.title.setText(self.tr("Topic for: {segment}").format(segment=title))
        self.begin(self.items(choices, ""))

    def show_choices(self, choices: list[TopicChoice]) -> None:
        self.set_items(self.items(choices, self.typed()))

    def items(self, choices: list[TopicChoice], typed: str) -> list[PickItem]:
        rows = [PickItem(c.topic_key, self._text(c), self._detail(c)) for c in choices]
        if typed:
            rows.append(PickItem(FREE_TEXT, self.tr("✎ Use my own words: “{text}”").format(
                text=typed), self.tr("free text, not from the library")))
        return rows

    def _text(self, c: TopicChoice) -> str:
        if c.kind == "planned":
            return f"{ICON_PLANNED} " + self.tr("Planned: {title}").format(title=c.title)
        return c.title

    def _detail(self, c: TopicChoice) -> str:
        if c.kind == "suggested" and c.participants:
            return self.tr("{module} · new to {n} of {total} here").format(
                module=c.module_title, n=c.not_had, total=c.participants)
        return c.module_title
