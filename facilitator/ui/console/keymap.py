"""The console's keyboard map: one table shared by the key dispatcher and the shortcuts overlay.

While a block runs every action is one key (DESIGN.md, "The live console"), so letters are
actions and participants are picked with 1–9, 0 and then the letters no action uses. Keeping the
table here means the overlay can never drift from what the keys really do.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QKeyCombination, Qt

# Participants 1–10 get the digit keys (tile "0" is the tenth); from the eleventh on, letters
# that no console action uses, in alphabetical order so a tile's letter is easy to find.
PARTICIPANT_KEYS: tuple[str, ...] = (
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "0",
    "C", "H", "K", "M", "Q", "U", "Y", "Z",
)


@dataclass(frozen=True)
class KeyAction:
    """One row of the map: the key labels shown to the user, the action id, a description."""

    keys: tuple[str, ...]
    action: str
    label: str


def _n(text: str) -> str:
    """Mark for translation; translated when shown (``describe``)."""
    return text


# Board keys: a letter for each action (handled by the console window when the board has focus).
BOARD_ACTIONS: tuple[KeyAction, ...] = (
    KeyAction(("1–9", "0", "C…Z"), "select", _n("Select a participant (key shown on the tile)")),
    KeyAction(("P",), "present", _n("Mark selected participant present (arrived now)")),
    KeyAction(("L",), "late", _n("Mark selected participant late (arrived now)")),
    KeyAction(("O",), "out", _n("Stepped out / back in the room (toggle)")),
    KeyAction(("D",), "departed", _n("Left early / departed now")),
    KeyAction(("A",), "absent", _n("Mark absent")),
    KeyAction(("Shift+A",), "all_absent", _n("Mark everyone not yet marked absent (one undo)")),
    KeyAction(("X",), "excused", _n("Mark excused absence")),
    KeyAction(("T",), "telehealth", _n("Mark attending by telehealth")),
    KeyAction(("W",), "walk_in", _n("Add a walk-in: type part of a name, Enter adds")),
    KeyAction(("Space", "N"), "next_segment", _n("Start the next segment")),
    KeyAction(("B",), "break", _n("Start / end a break")),
    KeyAction(("G",), "go_around", _n("Go-around: check-in or check-out, one person at a time")),
    KeyAction(("J",), "jot", _n("Quick jot about a participant")),
    KeyAction(("R",), "raise_flag", _n("Raise a safety flag for the selected participant")),
    KeyAction(("F",), "flags", _n("Open safety flags: type a follow-up, Enter to address")),
    KeyAction(("S",), "segments", _n("Segments: reorder, add, skip; T picks the topic")),
    KeyAction(("E",), "adjust", _n("Adjust the selected participant's times and times out of "
                                   "the room (with a reason)")),
    KeyAction(("I",), "info", _n("Session info: co-facilitators, modality, location")),
    KeyAction(("V",), "presenter", _n("Presenter view of the running topic (open / close)")),
    KeyAction(("Ctrl+Z",), "undo", _n("Undo the last action")),
    KeyAction(("Ctrl+E",), "end", _n("End the block (press twice)")),
    KeyAction(("F12",), "privacy", _n("Privacy shield: hide / show everything personal")),
    KeyAction(("Ctrl+L",), "lock", _n("Lock the screen (the block keeps running; password "
                                      "to return)")),
    KeyAction(("F1", "?"), "help", _n("Show / hide this overview")),
    KeyAction(("Esc",), "back", _n("Close the open panel, back to the board")),
)

GO_AROUND_KEYS: tuple[KeyAction, ...] = (
    KeyAction(("0–9",), "", _n("0–10 scales: type the number; 10 is 1 then 0 (a lone 1 is "
                               "taken when the next key is not 0)")),
    KeyAction(("Y", "N"), "", _n("Yes / no questions")),
    KeyAction(("1…n",), "", _n("Choice questions: the option's number")),
    KeyAction(("Tab", "↓"), "", _n("Next question (Shift+Tab / ↑: previous)")),
    KeyAction(("Backspace",), "", _n("Clear the current answer")),
    KeyAction(("Enter",), "", _n("Save and go to the next person (nothing typed: skip)")),
    KeyAction(("Esc",), "", _n("Leave the go-around")),
)

# Qt key → action for the board. Digits and participant letters are resolved separately.
KEY_TO_ACTION: dict[int, str] = {
    Qt.Key.Key_P: "present", Qt.Key.Key_L: "late", Qt.Key.Key_O: "out",
    Qt.Key.Key_D: "departed", Qt.Key.Key_A: "absent", Qt.Key.Key_X: "excused",
    Qt.Key.Key_T: "telehealth", Qt.Key.Key_W: "walk_in", Qt.Key.Key_Space: "next_segment",
    Qt.Key.Key_N: "next_segment", Qt.Key.Key_B: "break", Qt.Key.Key_G: "go_around",
    Qt.Key.Key_J: "jot", Qt.Key.Key_R: "raise_flag", Qt.Key.Key_F: "flags",
    Qt.Key.Key_S: "segments", Qt.Key.Key_E: "adjust", Qt.Key.Key_Question: "help",
    Qt.Key.Key_Escape: "back", Qt.Key.Key_I: "info", Qt.Key.Key_V: "presenter",
}
# Shift + key → action (checked before KEY_TO_ACTION, so Shift+A is not plain A).
SHIFT_TO_ACTION: dict[int, str] = {Qt.Key.Key_A: "all_absent"}

# Keys that work from every panel (window method names); a line edit keeps Ctrl+Z for its text.
_CTRL = Qt.KeyboardModifier.ControlModifier
_NONE = Qt.KeyboardModifier.NoModifier
CONSOLE_WIDE: dict[QKeyCombination, str] = {
    QKeyCombination(_NONE, Qt.Key.Key_F12): "toggle_privacy",
    QKeyCombination(_NONE, Qt.Key.Key_F1): "toggle_help",
    QKeyCombination(_CTRL, Qt.Key.Key_Z): "undo",
    QKeyCombination(_CTRL, Qt.Key.Key_E): "end_block",
}


def participant_index(text: str) -> int | None:
    """Position on the board for a typed key ("1" → 0, "0" → 9, "C" → 10), or None."""
    key = text.upper()
    return PARTICIPANT_KEYS.index(key) if key and key in PARTICIPANT_KEYS else None


def participant_key(index: int) -> str:
    """The key label for a board position, or "" past the last key."""
    return PARTICIPANT_KEYS[index] if 0 <= index < len(PARTICIPANT_KEYS) else ""


def describe(label: str) -> str:
    return QCoreApplication.translate("console-keys", label)
