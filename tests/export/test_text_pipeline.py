"""The text pipeline on its own: bidi run order, font choice by glyph coverage, escaping and
visible replacement. Font coverage is checked against the shipped font files themselves."""

from __future__ import annotations

import re

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from facilitator.export import bidi, fonts
from facilitator.export.samples import UNCOVERED

HEBREW_1, HEBREW_2 = "שלום", "עולם"
ARABIC_1, ARABIC_2 = "ليلى", "المثال"


def _cmap(name: str) -> set[int]:
    return set(TTFont(f"check-{name}", str(fonts.fonts_dir() / fonts._FILES[name]))
               .face.charToGlyph)


def test_latin_text_is_one_left_to_right_run() -> None:
    assert bidi.visual_runs("Dana Example") == [("Dana Example", False)]


def test_right_to_left_words_come_in_display_order_with_letters_left_logical() -> None:
    runs = bidi.visual_runs(f"Name: {HEBREW_1} {HEBREW_2} today")
    # Reading left to right on the page: the second Hebrew word first. Each word's letters stay
    # in logical order, because HarfBuzz lays a right-to-left word out reversed itself.
    assert runs == [("Name: ", False), (HEBREW_2, True), (" ", False), (HEBREW_1, True),
                    (" today", False)]


def test_a_wholly_right_to_left_paragraph_keeps_its_punctuation_at_the_left_end() -> None:
    runs = bidi.visual_runs(f"{HEBREW_1}, {HEBREW_2}.")
    assert runs == [(f"{HEBREW_2}.", True), (" ", False), (f"{HEBREW_1},", True)]


def test_an_english_sentence_starting_with_an_arabic_name_stays_left_to_right() -> None:
    runs = bidi.visual_runs(f"{ARABIC_1} said hello")
    assert runs == [(ARABIC_1, True), (" said hello", False)]


def test_brackets_around_a_right_to_left_name_stay_with_it() -> None:
    runs = bidi.visual_runs(f"{ARABIC_2} {ARABIC_1} ({ARABIC_1}) · Chart 7")
    assert runs[0] == (f"({ARABIC_1})", True)
    assert runs[-1] == (" · Chart 7", False)
    assert [r for r, rtl in runs if rtl] == [f"({ARABIC_1})", ARABIC_1, ARABIC_2]


def test_a_word_mixing_directions_is_handed_to_the_shaper_so_it_prints_as_written() -> None:
    # Logical «ليلى» inside English: the quote marks stay put (display: «, the name, »). The
    # shaper lays each right-to-left word out reversed and mirrors its quote marks, so the word
    # arrives reversed with the marks that must not turn pre-mirrored.
    runs = bidi.visual_runs(f"said «{ARABIC_1} {ARABIC_2}» ok")
    assert runs == [("said ", False), (f"{ARABIC_2}»", True), (" ", False),
                    (f"«{ARABIC_1}", True), (" ok", False)]


def test_numbers_inside_right_to_left_text_keep_their_digit_order() -> None:
    runs = bidi.visual_runs(f"{HEBREW_1} 123 {HEBREW_2}")
    text = "".join(r for r, _ in runs)
    assert "123" in text
    assert runs[0] == (HEBREW_2, True) and runs[-1] == (HEBREW_1, True)


@pytest.mark.parametrize("sample", ["Ž", "Ñ", "Я", "Ω", "ש", "ل", "ﻻ"])
def test_scripts_dejavu_covers_use_dejavu(sample: str) -> None:
    assert fonts.font_for(sample) == fonts.REGULAR
    assert ord(sample) in _cmap(fonts.REGULAR)


@pytest.mark.parametrize("sample", ["山", "花", "张", "한", "ア"])
def test_cjk_falls_back_to_a_font_that_has_the_glyph(sample: str) -> None:
    chosen = fonts.font_for(sample)
    assert chosen == fonts.FALLBACK
    assert ord(sample) not in _cmap(fonts.REGULAR)
    assert ord(sample) in _cmap(fonts.FALLBACK)


def test_markup_switches_font_only_for_the_characters_that_need_it() -> None:
    seen = fonts.Replacements()
    out = fonts.markup("Hanako 山田 花子 ok", seen)
    assert out == (f'Hanako <font face="{fonts.FALLBACK}">山田</font> '
                   f'<font face="{fonts.FALLBACK}">花子</font> ok')
    assert seen.as_tuple() == ()


def test_markup_escapes_xml_so_names_print_literally() -> None:
    out = fonts.markup("Moss <b>& Co</b> é", fonts.Replacements())
    assert "<b>" not in out
    assert out == "Moss &lt;b&gt;&amp; Co&lt;/b&gt; é"


def test_a_character_no_font_has_is_replaced_visibly_and_reported() -> None:
    assert UNCOVERED and ord(UNCOVERED) not in _cmap(fonts.REGULAR) | _cmap(fonts.FALLBACK)
    seen = fonts.Replacements()
    out = fonts.markup(f"fine {UNCOVERED} thanks {UNCOVERED}", seen)
    assert out.count(fonts.REPLACEMENT) == 2
    assert UNCOVERED not in out
    assert seen.as_tuple() == (UNCOVERED,)


def test_an_emoji_cluster_becomes_one_mark_and_is_reported_whole() -> None:
    thumbs = "\U0001f44d\U0001f3fd"  # thumbs up + skin tone: one symbol to a reader
    seen = fonts.Replacements()
    out = fonts.markup(f"ok {thumbs}\ufe0f!", seen)
    assert out == f"ok {fonts.REPLACEMENT}!"
    assert seen.as_tuple() == (f"{thumbs}\ufe0f",)


def test_line_breaks_survive_and_control_characters_do_not_leak() -> None:
    out = fonts.markup("first\r\nsecond\tthird\x07", fonts.Replacements())
    assert out == "first<br/>second third "


def test_right_to_left_markup_puts_words_in_display_order() -> None:
    out = fonts.markup(f"Name: {HEBREW_1} {HEBREW_2}", fonts.Replacements())
    assert re.sub(r"<[^>]+>", "", out) == f"Name: {HEBREW_2} {HEBREW_1}"
