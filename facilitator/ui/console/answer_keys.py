"""Keys → answers for the go-around: one participant's form filled in with single key presses.

Conventions (also shown in the shortcuts overlay):

* Number items (0–10 scales, hours): type the digits. The answer is taken as soon as another
  digit could not keep it in range, so 0 and 2–9 on a 0–10 scale are one key and move on; "1"
  waits for a possible "0" (10). Any other key takes the "1" and then applies to the next
  question. Decimals accept one "." and one digit after it.
* Yes/no items: Y or N. Choice items: the option's number, 1…n (first nine options).
* Text items: typing goes into the text; Tab or ↓ moves on.
* Tab/↓ next question, Shift+Tab/↑ previous, Backspace clears.

Questions, options and ranges come from the ``FormDefinition``; nothing here knows a question.
Only ``validate_answers`` in the service decides whether the answers may be saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from facilitator.forms import FormDefinition, Item, is_enabled

NUMBER_TYPES = ("integer", "decimal")
TEXT_TYPES = ("string", "text")


@dataclass
class AnswerEntry:
    """The answers of one person being typed, and which question the keys go to."""

    form: FormDefinition
    answers: dict[str, object] = field(default_factory=dict)
    position: int = 0
    buffer: str = ""  # digits typed for the current number item, not yet final

    # -- which questions ------------------------------------------------------------------------
    def items(self) -> tuple[Item, ...]:
        return self.form.answerable_items()

    def enabled(self, item: Item) -> bool:
        return is_enabled(self.form, item, self.answers)

    def current(self) -> Item | None:
        items = self.items()
        return items[self.position] if 0 <= self.position < len(items) else None

    def done(self) -> bool:
        """Past the last question: Enter saves."""
        return self.current() is None

    def _skip_disabled(self, step: int) -> None:
        items = self.items()
        while 0 <= self.position < len(items) and not self.enabled(items[self.position]):
            self.position += step
        self.position = max(0, self.position) if step < 0 else self.position

    def start(self) -> None:
        self.position, self.buffer = 0, ""
        self._skip_disabled(1)

    def next(self) -> None:
        self.buffer = ""
        self.position = min(self.position + 1, len(self.items()))
        self._skip_disabled(1)

    def previous(self) -> None:
        self.buffer = ""
        if self.position > 0:
            self.position -= 1
            self._skip_disabled(-1)

    def go_to(self, link_id: str) -> None:
        for i, item in enumerate(self.items()):
            if item.link_id == link_id:
                self.position, self.buffer = i, ""

    def final_answers(self) -> dict[str, object]:
        """Answers to enabled questions only (answers to questions later disabled drop out)."""
        return {k: v for k, v in self.answers.items()
                if k in self.form and self.enabled(self.form.item(k))}

    # -- keys -----------------------------------------------------------------------------------
    def clear(self) -> None:
        item = self.current()
        if item is None:
            return
        if self.buffer:
            self.buffer = self.buffer[:-1]
            self._set_number(item)
        elif item.type in TEXT_TYPES and self.answers.get(item.link_id):
            self.answers[item.link_id] = str(self.answers[item.link_id])[:-1]
        else:
            self.answers.pop(item.link_id, None)

    def type_text(self, text: str) -> bool:
        """Apply one typed character; False if the current question does not take it."""
        item = self.current()
        if item is None or not text:
            return False
        if item.type in TEXT_TYPES:
            if text.isprintable():
                self.answers[item.link_id] = str(self.answers.get(item.link_id, "")) + text
                return True
            return False
        if item.type in NUMBER_TYPES:
            return self._type_number(item, text)
        if item.type == "boolean":
            key = text.lower()
            if key in ("y", "n"):
                self.answers[item.link_id] = key == "y"
                self.next()
                return True
            return self._fallthrough(text)
        if item.type == "choice":
            if text.isdigit() and 1 <= int(text) <= min(9, len(item.options)):
                self.answers[item.link_id] = item.options[int(text) - 1].code
                self.next()
                return True
            return False
        return False

    def _type_number(self, item: Item, text: str) -> bool:
        candidate = self.buffer + text
        if not (text.isdigit() or (text == "." and item.type == "decimal" and "." not in
                                   self.buffer and self.buffer)):
            return self._fallthrough(text)
        if not self._fits(item, candidate):
            if self.buffer:  # "1" then "5" on a 0–10 scale: keep the 1, the 5 goes on
                return self._fallthrough(text)
            return False
        self.buffer = candidate
        self._set_number(item)
        if not self._can_extend(item):
            self.next()
        return True

    def _fallthrough(self, text: str) -> bool:
        """A pending number is final; the key belongs to the next question."""
        if not self.buffer:
            return False
        self.next()
        return self.type_text(text)

    def _set_number(self, item: Item) -> None:
        if not self.buffer:
            self.answers.pop(item.link_id, None)
            return
        value = float(self.buffer) if item.type == "decimal" else int(self.buffer)
        self.answers[item.link_id] = value

    @staticmethod
    def _fits(item: Item, text: str) -> bool:
        value = float(text.rstrip(".")) if text.rstrip(".") else 0.0
        high = item.max_value
        return high is None or value <= high

    def _can_extend(self, item: Item) -> bool:
        buf = self.buffer
        if item.max_value is None:
            return True
        if "." in buf:
            return buf.endswith(".")  # one digit after the point
        if item.type == "decimal":
            return True  # "7" may still become "7.5"
        if buf == "0":
            return False
        return self._fits(item, buf + "0")
