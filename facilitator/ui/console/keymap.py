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
class KeyCommand:
    """One row of the map: the key labels shown to the user, the command id, a description.

    "Command" is what a key asks for; the undo log's entries (``UndoEntry``, ``ActionView``)
    are what the services stored. Keeping the words apart keeps the two from being confused."""

    keys: tuple[str, ...]
    command: str
    label: str


def _n(text: str) -> str:
    """Mark for translation; translated when shown (``describe``)."""
    return text


# Board keys: a letter for each command (handled by the console window when the board has focus).
BOARD_COMMANDS: tuple[KeyCommand, ...] = (
    KeyCommand(("1–9", "0", "C…Z"), "select", _n("Select a participant (key shown on the tile)")),
    KeyCommand(("P",), "present", _n("Mark selected participant present (arrived now)")),
    KeyCommand(("L",), "late", _n("Mark selected participant late (arrived now)")),
    KeyCommand(("O",), "out", _n("Stepped out / back in the room (toggle)")),
    KeyCommand(("D",), "departed", _n("Left early / departed now")),
    KeyCommand(("A",), "absent", _n("Mark absent")),
    KeyCommand(("Shift+A",), "all_absent", _n("Mark everyone not yet marked absent (one undo)")),
    KeyCommand(("X",), "excused", _n("Mark excused absence")),
    KeyCommand(("T",), "telehealth", _n("Mark attending by telehealth")),
    KeyCommand(("W",), "walk_in", _n("Add a walk-in: type part of a name, Enter adds")),
    KeyCommand(("Space", "N"), "next_segment", _n("Start the next segment")),
    KeyCommand(("B",), "break", _n("Start / end a break")),
    KeyCommand(("G",), "go_around", _n("Go-around: check-in or check-out, one person at a time")),
    KeyCommand(("J",), "jot", _n("Quick jot about a participant")),
    KeyCommand(("R",), "raise_flag", _n("Raise a safety flag for the selected participant")),
    KeyCommand(("F",), "flags", _n("Open safety flags: type a follow-up, Enter to address")),
    KeyCommand(("S",), "segments", _n("Segments: reorder, add, skip; T picks the topic")),
    KeyCommand(("E",), "adjust", _n("Adjust the selected participant's times and times out of "
                                   "the room (with a reason)")),
    KeyCommand(("I",), "info", _n("Session info: co-facilitators, modality, location")),
    KeyCommand(("V",), "presenter", _n("Presenter view of the running topic (open / close)")),
    KeyCommand(("Ctrl+Z",), "undo", _n("Undo the last action")),
    KeyCommand(("Ctrl+E",), "end", _n("End the block (press twice)")),
    KeyCommand(("F12",), "privacy", _n("Privacy shield: hide / show everything personal")),
    KeyCommand(("Ctrl+L",), "lock", _n("Lock the screen (the block keeps running; password "
                                      "to return)")),
    KeyCommand(("F1", "?"), "help", _n("Show / hide this overview")),
    KeyCommand(("Esc",), "back", _n("Close the open panel, back to the board")),
)

GO_AROUND_KEYS: tuple[KeyCommand, ...] = (
    KeyCommand(("0–9",), "", _n("0–10 scales: type the number; 10 is 1 then 0 (a lone 1 is "
                               "taken when the next key is not 0)")),
    KeyCommand(("Y", "N"), "", _n("Yes / no questions")),
    KeyCommand(("1…n",), "", _n("Choice questions: the option's number")),
    KeyCommand(("Tab", "↓"), "", _n("Next question (Shift+Tab / ↑: previous)")),
    KeyCommand(("Backspace",), "", _n("Clear the current answer")),
    KeyCommand(("Enter",), "", _n("Save and go to the next person (nothing typed: skip)")),
    KeyCommand(("Esc",), "", _n("Leave the go-around")),
)

# Qt key → command for the board. Digits and participant letters are resolved separately.
KEY_TO_COMMAND: dict[int, str] = {
    Qt.Key.Key_P: "present", Qt.Key.Key_L: "late", Qt.Key.Key_O: "out",
    Qt.Key.Key_D: "departed", Qt.Key.Key_A: "absent", Qt.Key.Key_X: "excused",
    Qt.Key.Key_T: "telehealth", Qt.Key.Key_W: "walk_in", Qt.Key.Key_Space: "next_segment",
    Qt.Key.Key_N: "next_segment", Qt.Key.Key_B: "break", Qt.Key.Key_G: "go_around",
    Qt.Key.Key_J: "jot", Qt.Key.Key_R: "raise_flag", Qt.Key.Key_F: "flags",
    Qt.Key.Key_S: "segments", Qt.Key.Key_E: "adjust", Qt.Key.Key_Question: "help",
    Qt.Key.Key_Escape: "back", Qt.Key.Key_I: "info", Qt.Key.Key_V: "presenter",
}
# Shift + key → command (checked before KEY_TO_COMMAND, so Shift+A is not plain A).
SHIFT_TO_COMMAND: dict[int, str] = {Qt.Key.Key_A: "all_absent"}

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
